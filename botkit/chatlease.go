package botkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// ErrChatBusy is returned by Dispatcher.Submit when the update's chat is
// held by another replica sharing DispatcherOptions.ChatLocks, or when the
// lease could not be taken because the store failed. The update was not
// accepted: the Webhook answers 503 so that Telegram delivers it again, and
// the Poller submits it again after DispatcherOptions.RetryDelay.
var ErrChatBusy = errors.New("botkit: chat is being answered elsewhere")

// newReplicaID returns a random owner name for leases.
func newReplicaID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// renewTimer paces lease renewals. It is the wall clock, not the injected
// Clock: renewals guard against the real death of a process, and a test
// clock that jumps to every timer's deadline would otherwise race ahead
// while a handler runs. The times given to the store still come from the
// Clock.
var renewTimer = SystemClock{}.NewTimer

// keepLease renews the lease name of owner every ttl/3 (by tick) until the
// returned stop is called; stop waits for the renewals to end. A renewal
// that fails is logged: with ErrNotOwner the lease expired and may be held
// by someone else now, which only a store outage longer than ttl can cause.
func keepLease(locks store.Locks, name, owner string, ttl, timeout time.Duration, clock Clock, tick func(time.Duration) Timer, log *slog.Logger) (stop func()) {
	quit, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		for {
			t := tick(ttl / 3)
			select {
			case <-quit:
				t.Stop()
				return
			case <-t.C():
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			err := locks.RenewLease(ctx, name, owner, ttl, clock.Now())
			cancel()
			if err != nil {
				log.Warn("botkit: could not renew lease", "lease", name, "err", err)
			}
		}
	}()
	return func() {
		close(quit)
		<-exited
	}
}

// chatLeases are the per-chat leases of a Dispatcher with ChatLocks: the
// replica that accepts an update of a chat holds the chat's lease until it
// has finished every update of that chat it accepted, so that two replicas
// never answer one chat at once and a chat's updates are answered in the
// order they were accepted. It is safe for concurrent use.
type chatLeases struct {
	locks   store.Locks
	prefix  string
	owner   string
	ttl     time.Duration
	timeout time.Duration
	clock   Clock
	log     *slog.Logger

	mu    sync.Mutex
	chats map[chatKey]*chatLease
}

// chatLease is the state of one chat. mu is held across the store calls of
// the chat, so that taking and freeing its lease never overlap; n changes
// with both mu and chatLeases.mu held, so either lock reads it.
type chatLease struct {
	mu   sync.Mutex
	refs int // goroutines using the entry; guarded by chatLeases.mu
	n    int // accepted updates not finished
	stop func()
}

func newChatLeases(locks store.Locks, o DispatcherOptions, clock Clock, log *slog.Logger) *chatLeases {
	l := &chatLeases{
		locks: locks, prefix: o.ChatLeasePrefix, owner: o.ReplicaID, ttl: o.ChatLeaseTTL,
		timeout: 5 * time.Second, clock: clock, log: log, chats: make(map[chatKey]*chatLease),
	}
	if l.prefix == "" {
		l.prefix = "botkit:chat:"
	}
	if l.owner == "" {
		l.owner = newReplicaID()
	}
	if l.ttl <= 0 {
		l.ttl = 30 * time.Second
	}
	return l
}

func (l *chatLeases) name(k chatKey) string {
	return l.prefix + strconv.Itoa(int(k.kind)) + ":" + strconv.FormatInt(k.id, 10)
}

func (l *chatLeases) ref(k chatKey) *chatLease {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.chats[k]
	if e == nil {
		e = new(chatLease)
		l.chats[k] = e
	}
	e.refs++
	return e
}

func (l *chatLeases) unref(k chatKey, e *chatLease) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e.refs--
	if e.refs == 0 && e.n == 0 {
		delete(l.chats, k)
	}
}

func (l *chatLeases) add(e *chatLease, delta int) {
	l.mu.Lock()
	e.n += delta
	l.mu.Unlock()
}

// admit counts one more accepted update of chat k, taking the chat's lease
// if this replica did not hold it yet. It returns an error wrapping
// ErrChatBusy when another replica holds the chat or the store failed.
func (l *chatLeases) admit(ctx context.Context, k chatKey) error {
	e := l.ref(k)
	defer l.unref(k, e)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.n == 0 {
		name := l.name(k)
		cctx, cancel := context.WithTimeout(ctx, l.timeout)
		ok, err := l.locks.AcquireLease(cctx, name, l.owner, l.ttl, l.clock.Now())
		cancel()
		if err != nil {
			return fmt.Errorf("%w: %w", ErrChatBusy, err)
		}
		if !ok {
			return ErrChatBusy
		}
		e.stop = keepLease(l.locks, name, l.owner, l.ttl, l.timeout, l.clock, renewTimer, l.log)
	}
	l.add(e, 1)
	return nil
}

// leave counts one accepted update of chat k as finished, freeing the
// chat's lease after the last one.
func (l *chatLeases) leave(k chatKey) {
	e := l.ref(k)
	defer l.unref(k, e)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.n == 0 {
		return
	}
	l.add(e, -1)
	if e.n > 0 {
		return
	}
	e.stop()
	e.stop = nil
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	defer cancel()
	if err := l.locks.ReleaseLease(ctx, l.name(k), l.owner, l.clock.Now()); err != nil {
		l.log.Warn("botkit: could not release chat lease", "lease", l.name(k), "err", err)
	}
}

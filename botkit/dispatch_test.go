package botkit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
)

func msgUpdate(id, chatID int64, text string) *models.Update {
	return &models.Update{ID: id, Message: &models.Message{
		ID: int(id), Text: text, Chat: models.Chat{ID: chatID, Type: "private"},
		From: &models.User{ID: chatID, FirstName: "u"},
	}}
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestDispatcherOrderPerChat(t *testing.T) {
	const chats, per = 50, 40
	var mu sync.Mutex
	seen := map[int64][]int64{}
	var running, maxRunning atomic.Int64
	d := botkit.NewDispatcher(func(ctx context.Context, upd *models.Update) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := maxRunning.Load()
			if n <= m || maxRunning.CompareAndSwap(m, n) {
				break
			}
		}
		c := botkit.ChatFrom(ctx)
		mu.Lock()
		seen[c.ID] = append(seen[c.ID], upd.ID)
		mu.Unlock()
		return nil
	}, botkit.DispatcherOptions{Workers: 4, QueueSize: 64, Logger: quietLogger()})
	id := int64(1)
	for i := 0; i < per; i++ {
		for c := int64(1); c <= chats; c++ {
			require.NoError(t, d.Submit(context.Background(), msgUpdate(id, c, ""), nil))
			id++
		}
	}
	require.NoError(t, d.Shutdown(context.Background()))
	require.Len(t, seen, chats)
	for c, ids := range seen {
		require.Len(t, ids, per, "chat %d", c)
		for i := 1; i < len(ids); i++ {
			require.Less(t, ids[i-1], ids[i], "chat %d out of order", c)
		}
	}
	assert.LessOrEqual(t, maxRunning.Load(), int64(4), "more handlers at once than workers")
}

func TestDispatcherOneAtATimePerChat(t *testing.T) {
	var inChat atomic.Int64
	var overlap atomic.Bool
	d := botkit.NewDispatcher(func(ctx context.Context, upd *models.Update) error {
		if inChat.Add(1) > 1 {
			overlap.Store(true)
		}
		runtime.Gosched() // let another worker try to enter the chat
		inChat.Add(-1)
		return nil
	}, botkit.DispatcherOptions{Workers: 8, Logger: quietLogger()})
	for i := int64(1); i <= 500; i++ {
		require.NoError(t, d.Submit(context.Background(), msgUpdate(i, 7, ""), nil))
	}
	require.NoError(t, d.Shutdown(context.Background()))
	assert.False(t, overlap.Load(), "two updates of one chat ran at once")
}

func TestDispatcherRecoversPanic(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
	var handled []int64
	d := botkit.NewDispatcher(func(ctx context.Context, upd *models.Update) error {
		if upd.ID == 2 {
			panic("boom")
		}
		mu.Lock()
		handled = append(handled, upd.ID)
		mu.Unlock()
		return nil
	}, botkit.DispatcherOptions{Logger: log})
	outcomes := make(chan botkit.Outcome, 3)
	for i := int64(1); i <= 3; i++ {
		require.NoError(t, d.Submit(context.Background(), msgUpdate(i, 5, ""), func(o botkit.Outcome) { outcomes <- o }))
	}
	require.NoError(t, d.Shutdown(context.Background()))
	for range 3 {
		assert.Equal(t, botkit.OutcomeHandled, <-outcomes)
	}
	assert.Equal(t, []int64{1, 3}, handled, "the chat goes on after a panic")
	mu.Lock()
	defer mu.Unlock()
	assert.Contains(t, buf.String(), "update_id=2")
	assert.Contains(t, buf.String(), "boom")
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestDispatcherBackpressure(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	d := botkit.NewDispatcher(func(ctx context.Context, upd *models.Update) error {
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
		return nil
	}, botkit.DispatcherOptions{Workers: 1, QueueSize: 2, Logger: quietLogger()})
	require.NoError(t, d.Submit(context.Background(), msgUpdate(1, 1, ""), nil))
	require.NoError(t, d.Submit(context.Background(), msgUpdate(2, 2, ""), nil))
	<-started
	assert.Equal(t, 2, d.Pending())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := d.Submit(ctx, msgUpdate(3, 3, ""), nil)
	require.ErrorIs(t, err, context.Canceled, "a full queue must block Submit")

	close(release)
	require.NoError(t, d.Shutdown(context.Background()))
	require.ErrorIs(t, d.Submit(context.Background(), msgUpdate(4, 4, ""), nil), botkit.ErrClosed)
}

func TestDispatcherDropsInProcessDuplicate(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int64
	d := botkit.NewDispatcher(func(ctx context.Context, upd *models.Update) error {
		calls.Add(1)
		<-release
		return nil
	}, botkit.DispatcherOptions{Logger: quietLogger()})
	require.NoError(t, d.Submit(context.Background(), msgUpdate(9, 1, ""), nil))
	got := make(chan botkit.Outcome, 1)
	require.NoError(t, d.Submit(context.Background(), msgUpdate(9, 1, ""), func(o botkit.Outcome) { got <- o }))
	assert.Equal(t, botkit.OutcomeDuplicate, <-got)
	close(release)
	require.NoError(t, d.Shutdown(context.Background()))
	assert.Equal(t, int64(1), calls.Load())
}

func TestDispatcherShutdownDeadline(t *testing.T) {
	started := make(chan struct{})
	d := botkit.NewDispatcher(func(ctx context.Context, upd *models.Update) error {
		if upd.ID == 1 {
			close(started)
		}
		<-ctx.Done()
		return ctx.Err()
	}, botkit.DispatcherOptions{Workers: 1, Logger: quietLogger()})
	var mu sync.Mutex
	outcomes := map[int64]botkit.Outcome{}
	for i := int64(1); i <= 3; i++ {
		id := i
		require.NoError(t, d.Submit(context.Background(), msgUpdate(id, id, ""), func(o botkit.Outcome) {
			mu.Lock()
			outcomes[id] = o
			mu.Unlock()
		}))
	}
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := d.Shutdown(ctx)
	require.ErrorIs(t, err, context.Canceled)
	<-d.Done()
	for i := int64(1); i <= 3; i++ {
		assert.Equal(t, botkit.OutcomeCancelled, outcomes[i], "update %d", i)
	}
}

func TestDispatcherShutdownDrainsQueued(t *testing.T) {
	var handled atomic.Int64
	gate := make(chan struct{})
	d := botkit.NewDispatcher(func(ctx context.Context, upd *models.Update) error {
		<-gate
		handled.Add(1)
		return nil
	}, botkit.DispatcherOptions{Workers: 2, Logger: quietLogger()})
	for i := int64(1); i <= 20; i++ {
		require.NoError(t, d.Submit(context.Background(), msgUpdate(i, i%3, ""), nil))
	}
	done := make(chan error)
	go func() { done <- d.Shutdown(context.Background()) }()
	<-d.Closing()
	close(gate)
	require.NoError(t, <-done)
	assert.Equal(t, int64(20), handled.Load(), "queued updates are finished before the deadline")
}

func TestDispatcherDedupAcrossRestarts(t *testing.T) {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	clock := newFakeClock(false)
	newD := func(h botkit.Handler) *botkit.Dispatcher {
		return botkit.NewDispatcher(h, botkit.DispatcherOptions{
			Logger: quietLogger(),
			Dedup:  botkit.NewDedup(st, botkit.DedupOptions{Clock: clock}),
		})
	}
	var calls atomic.Int64
	count := func(ctx context.Context, upd *models.Update) error { calls.Add(1); return nil }

	// Handled once: a redelivery to a new process is dropped.
	d1 := newD(count)
	out := make(chan botkit.Outcome, 2)
	require.NoError(t, d1.Submit(context.Background(), msgUpdate(1, 1, ""), func(o botkit.Outcome) { out <- o }))
	require.Equal(t, botkit.OutcomeHandled, <-out)
	require.NoError(t, d1.Shutdown(context.Background()))
	d2 := newD(count)
	require.NoError(t, d2.Submit(context.Background(), msgUpdate(1, 1, ""), func(o botkit.Outcome) { out <- o }))
	require.Equal(t, botkit.OutcomeDuplicate, <-out)
	require.NoError(t, d2.Shutdown(context.Background()))
	require.Equal(t, int64(1), calls.Load())

	// Cancelled by Shutdown: the redelivery runs.
	started := make(chan struct{})
	d3 := newD(func(ctx context.Context, upd *models.Update) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	require.NoError(t, d3.Submit(context.Background(), msgUpdate(2, 1, ""), func(o botkit.Outcome) { out <- o }))
	<-started
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, d3.Shutdown(cctx), context.Canceled)
	require.Equal(t, botkit.OutcomeCancelled, <-out)
	d4 := newD(count)
	require.NoError(t, d4.Submit(context.Background(), msgUpdate(2, 1, ""), func(o botkit.Outcome) { out <- o }))
	require.Equal(t, botkit.OutcomeHandled, <-out)
	require.NoError(t, d4.Shutdown(context.Background()))
	require.Equal(t, int64(2), calls.Load())
}

func TestDispatcherHandlerErrorIsLogged(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	d := botkit.NewDispatcher(func(ctx context.Context, upd *models.Update) error {
		return errors.New("model unavailable")
	}, botkit.DispatcherOptions{Logger: slog.New(slog.NewTextHandler(&lockedWriter{&buf, &mu}, nil))})
	require.NoError(t, d.Submit(context.Background(), msgUpdate(42, 1, ""), nil))
	require.NoError(t, d.Shutdown(context.Background()))
	mu.Lock()
	defer mu.Unlock()
	assert.True(t, strings.Contains(buf.String(), "update_id=42") && strings.Contains(buf.String(), "model unavailable"), buf.String())
}

func TestOutcomeString(t *testing.T) {
	assert.Equal(t, "handled", botkit.OutcomeHandled.String())
	assert.Equal(t, "duplicate", botkit.OutcomeDuplicate.String())
	assert.Equal(t, "cancelled", botkit.OutcomeCancelled.String())
	assert.Equal(t, "Outcome(9)", botkit.Outcome(9).String())
}

package botkit

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// Outcome says what became of an update given to Dispatcher.Submit.
type Outcome int

const (
	// OutcomeHandled: the handler ran to its end (with or without error,
	// or a recovered panic). Its offset may be confirmed.
	OutcomeHandled Outcome = iota
	// OutcomeDuplicate: the update ID was already handled (see Dedup), or
	// is queued or running in this Dispatcher; it was dropped. Its offset
	// may be confirmed.
	OutcomeDuplicate
	// OutcomeCancelled: Shutdown's deadline passed before the update was
	// handled. Its offset must stay unconfirmed so Telegram redelivers it,
	// and its de-duplication claim was released so the redelivery runs.
	OutcomeCancelled

	// outcomeRetry: another live attempt holds the update's claim; the
	// update stays at the head of its chat and is tried again after
	// RetryDelay. It never reaches a done callback.
	outcomeRetry Outcome = -1
)

// String returns the outcome's name.
func (o Outcome) String() string {
	switch o {
	case OutcomeHandled:
		return "handled"
	case OutcomeDuplicate:
		return "duplicate"
	case OutcomeCancelled:
		return "cancelled"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// DispatcherOptions configures a Dispatcher. The zero value gives the defaults.
type DispatcherOptions struct {
	// Workers is the number of updates handled at once, across chats.
	// Zero means 16 per CPU (handlers mostly wait on the network).
	Workers int
	// QueueSize bounds the updates accepted but not yet handled, across
	// chats; Submit blocks when it is reached. Zero means 4096.
	QueueSize int
	// Dedup, when set, drops update IDs that are handled or being handled
	// anywhere sharing the store (see Dedup). Nil de-duplicates only
	// within this Dispatcher.
	Dedup *Dedup
	// Logger receives handler errors and recovered panics. Nil means
	// slog.Default().
	Logger *slog.Logger
	// Express, when set, sees each update before it is queued and may
	// handle it there by returning true: such an update skips its chat's
	// queue (and de-duplication) and counts as handled at once. It runs on
	// the caller of Submit, so it must be quick and must not block; it
	// lets an update such as /cancel act while the chat's earlier update
	// is still running.
	Express func(upd *models.Update) bool

	// Fleet options (see chatlease.go): with ChatLocks shared by several
	// replicas, one chat is answered by one replica at a time.

	// ChatLocks, when set, makes Submit take the lease of the update's
	// chat (owner ReplicaID, ChatLeaseTTL, renewed every ChatLeaseTTL/3)
	// before accepting it, and hold it until every accepted update of
	// that chat is finished. While another replica holds the chat, or if
	// the store fails, Submit returns an error wrapping ErrChatBusy and
	// accepts nothing: the Webhook answers 503 and Telegram delivers the
	// update again later, after the other replica's earlier updates, so a
	// chat's updates are answered in order across replicas. A replica
	// that dies loses its chats when their leases expire. Nil takes no
	// leases (one process).
	ChatLocks store.Locks
	// ChatLeaseTTL is how long a chat stays held if its replica dies; the
	// lease is renewed every ChatLeaseTTL/3 of wall-clock time. Zero means
	// 30 seconds.
	ChatLeaseTTL time.Duration
	// ChatLeasePrefix starts the names of chat leases; bots sharing a
	// store need distinct prefixes. Zero means "botkit:chat:".
	ChatLeasePrefix string
	// ReplicaID owns this Dispatcher's chat leases; it must be unique
	// among replicas. Zero means a random ID.
	ReplicaID string
	// RetryDelay is how long an update whose de-duplication claim is held
	// by another live attempt waits before it is tried again here (it
	// keeps its chat's later updates waiting). Zero means 500ms.
	RetryDelay time.Duration
	// Clock gives the time of chat leases and paces retries. Nil means
	// SystemClock.
	Clock Clock
}

// chatKey orders updates: updates with the same key run one at a time, in
// order of submission.
type chatKey struct {
	kind uint8 // 0 chat, 1 user without chat, 2 neither (update ID)
	id   int64
}

func keyOf(upd *models.Update) chatKey {
	if c := UpdateChat(upd); c != nil {
		return chatKey{0, c.ID}
	}
	if u := UpdateUser(upd); u != nil {
		return chatKey{1, u.ID}
	}
	return chatKey{2, upd.ID}
}

type item struct {
	upd  *models.Update
	done func(Outcome)
}

// chatQueue holds the pending updates of one chat. A chat is on the ready
// channel at most once, and only while it has pending updates.
type chatQueue struct {
	key   chatKey
	items []item
	head  int
}

// Dispatcher runs a Handler over updates: updates of one chat one at a time
// and in order, different chats in parallel on a bounded pool of workers,
// with a bounded queue that makes Submit block instead of growing memory.
// A panic in a handler is recovered and logged with the update ID, and the
// chat goes on. Duplicate update IDs are dropped.
//
// A Dispatcher starts its workers in NewDispatcher and stops them in
// Shutdown, which must be called. It is safe for concurrent use.
type Dispatcher struct {
	handler Handler
	dedup   *Dedup
	log     *slog.Logger
	express func(upd *models.Update) bool
	leases  *chatLeases // nil without ChatLocks
	clock   Clock
	retry   time.Duration
	retryWG sync.WaitGroup // goroutines waiting to retry a chat

	slots chan struct{}   // queue capacity: one token per accepted update
	ready chan *chatQueue // chats with pending updates, in turn order

	mu       sync.Mutex
	chats    map[chatKey]*chatQueue
	inflight map[int64]struct{} // update IDs accepted and not finished
	closed   bool
	pending  sync.WaitGroup // accepted and not finished

	closing   chan struct{} // closed when Shutdown starts: intake stops
	done      chan struct{} // closed when Shutdown has finished
	hardCtx   context.Context
	hardStop  context.CancelFunc
	workersWG sync.WaitGroup
	stop      chan struct{}
	shutOnce  sync.Once
	shutErr   error
	queuePool sync.Pool
}

// NewDispatcher returns a Dispatcher that runs h, with its workers started.
func NewDispatcher(h Handler, opts DispatcherOptions) *Dispatcher {
	if opts.Workers <= 0 {
		opts.Workers = 16 * runtime.GOMAXPROCS(0)
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 4096
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = 500 * time.Millisecond
	}
	opts.Clock = clockOr(opts.Clock)
	ctx, cancel := context.WithCancel(context.Background())
	d := &Dispatcher{
		handler:  h,
		dedup:    opts.Dedup,
		log:      opts.Logger,
		express:  opts.Express,
		clock:    opts.Clock,
		retry:    opts.RetryDelay,
		slots:    make(chan struct{}, opts.QueueSize),
		ready:    make(chan *chatQueue, opts.QueueSize),
		chats:    make(map[chatKey]*chatQueue),
		inflight: make(map[int64]struct{}),
		closing:  make(chan struct{}),
		done:     make(chan struct{}),
		hardCtx:  ctx,
		hardStop: cancel,
		stop:     make(chan struct{}),
	}
	if opts.ChatLocks != nil {
		d.leases = newChatLeases(opts.ChatLocks, opts, opts.Clock, opts.Logger)
	}
	d.queuePool.New = func() any { return new(chatQueue) }
	d.workersWG.Add(opts.Workers)
	for range opts.Workers {
		go d.work()
	}
	return d
}

// Submit queues upd for its chat. done, if not nil, is called once with the
// update's outcome, from a worker goroutine (or from Submit itself for an
// in-process duplicate). Submit blocks while the queue is full, until ctx is
// done (returning ctx.Err()) or Shutdown starts (returning ErrClosed). An
// update whose ID is already queued or running here is dropped at once with
// OutcomeDuplicate. With ChatLocks, an update whose chat another replica
// holds is not accepted: Submit returns an error wrapping ErrChatBusy.
func (d *Dispatcher) Submit(ctx context.Context, upd *models.Update, done func(Outcome)) error {
	if upd == nil {
		return fmt.Errorf("botkit: nil update")
	}
	select {
	case <-d.closing:
		return ErrClosed
	default:
	}
	if d.express != nil && d.express(upd) {
		if done != nil {
			done(OutcomeHandled)
		}
		return nil
	}
	select {
	case d.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-d.closing:
		return ErrClosed
	}
	k := keyOf(upd)
	if d.leases != nil {
		// Fleet hook: hold the chat before accepting its update.
		if err := d.leases.admit(ctx, k); err != nil {
			<-d.slots
			return err
		}
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		d.leave(k)
		<-d.slots
		return ErrClosed
	}
	if _, dup := d.inflight[upd.ID]; dup {
		d.mu.Unlock()
		d.leave(k)
		<-d.slots
		if done != nil {
			done(OutcomeDuplicate)
		}
		return nil
	}
	d.inflight[upd.ID] = struct{}{}
	d.pending.Add(1)
	q := d.chats[k]
	if q == nil {
		q = d.queuePool.Get().(*chatQueue)
		q.key = k
		d.chats[k] = q
		// The chat was idle: give it a turn. ready never blocks, as it
		// holds at most one entry per pending update and has the queue's
		// capacity.
		q.items = append(q.items, item{upd, done})
		d.ready <- q
	} else {
		q.items = append(q.items, item{upd, done})
	}
	d.mu.Unlock()
	return nil
}

// work runs chats' turns until Shutdown stops the workers.
func (d *Dispatcher) work() {
	defer d.workersWG.Done()
	for {
		select {
		case q := <-d.ready:
			d.turn(q)
		case <-d.stop:
			return
		}
	}
}

// turn handles the next update of q, then gives q another turn at the back
// of the line if it has more, so that a busy chat does not starve others.
func (d *Dispatcher) turn(q *chatQueue) {
	d.mu.Lock()
	it := q.items[q.head]
	k := q.key
	d.mu.Unlock()

	out := d.run(it.upd)
	if out == outcomeRetry {
		d.retryLater(q)
		return
	}

	d.mu.Lock()
	q.items[q.head] = item{}
	q.head++
	delete(d.inflight, it.upd.ID)
	if q.head < len(q.items) {
		d.ready <- q
	} else {
		delete(d.chats, q.key)
		q.items, q.head = q.items[:0], 0
		d.queuePool.Put(q)
	}
	d.mu.Unlock()
	d.leave(k)
	<-d.slots
	if it.done != nil {
		it.done(out)
	}
	d.pending.Done()
}

// retryLater gives q another turn after RetryDelay, or at once when
// Shutdown cancels the running work (the turn then ends the update with
// OutcomeCancelled).
func (d *Dispatcher) retryLater(q *chatQueue) {
	d.retryWG.Add(1)
	go func() {
		defer d.retryWG.Done()
		t := d.clock.NewTimer(d.retry)
		select {
		case <-t.C():
		case <-d.hardCtx.Done():
		}
		t.Stop()
		d.ready <- q // never blocks: q holds a pending update and is not on ready
	}()
}

// leave is the fleet hook that frees the chat's lease after its last
// accepted update.
func (d *Dispatcher) leave(k chatKey) {
	if d.leases != nil {
		d.leases.leave(k)
	}
}

// run handles one update: de-duplication, the handler, panic recovery.
func (d *Dispatcher) run(upd *models.Update) Outcome {
	ctx := d.hardCtx
	if ctx.Err() != nil {
		return OutcomeCancelled
	}
	var claim *claim
	if d.dedup != nil {
		var v verdict
		claim, v = d.dedup.claim(ctx, upd.ID, d.log)
		switch v {
		case claimDone:
			return OutcomeDuplicate
		case claimBusy:
			return outcomeRetry
		}
	}
	err := d.call(WithUpdate(ctx, upd), upd)
	if err != nil && ctx.Err() != nil {
		// Shutdown cut the handler short: let Telegram redeliver it.
		d.dedup.release(claim, d.log)
		return OutcomeCancelled
	}
	if err != nil {
		d.log.Error("botkit: handler failed", "update_id", upd.ID, "err", err)
	}
	d.dedup.finish(claim, d.log)
	return OutcomeHandled
}

// call runs the handler, turning a panic into an error.
func (d *Dispatcher) call(ctx context.Context, upd *models.Update) (err error) {
	defer func() {
		if r := recover(); r != nil {
			d.log.Error("botkit: handler panicked", "update_id", upd.ID, "panic", fmt.Sprint(r),
				"stack", string(debug.Stack()))
			err = fmt.Errorf("%w: %v", ErrPanic, r)
			if ctx.Err() != nil {
				// A panic is never a clean end, but neither is it a reason
				// to answer twice: count it as handled.
				err = nil
			}
		}
	}()
	return d.handler(ctx, upd)
}

// Closing returns a channel closed when Shutdown starts; intake stops
// taking updates when it is closed.
func (d *Dispatcher) Closing() <-chan struct{} { return d.closing }

// Done returns a channel closed when Shutdown has finished: every accepted
// update has an outcome and the workers have stopped.
func (d *Dispatcher) Done() <-chan struct{} { return d.done }

// Pending returns the number of updates accepted and not yet finished.
func (d *Dispatcher) Pending() int {
	return len(d.slots)
}

// Shutdown stops accepting updates, lets queued and running updates finish
// until ctx is done, then cancels the context of running handlers and drops
// queued updates with OutcomeCancelled, waits for the handlers to return and
// stops the workers. It returns ctx.Err() if the deadline cut work short,
// nil otherwise. Calling it again waits for the first call and returns its
// result.
func (d *Dispatcher) Shutdown(ctx context.Context) error {
	d.shutOnce.Do(func() {
		d.mu.Lock()
		d.closed = true
		close(d.closing)
		d.mu.Unlock()

		drained := make(chan struct{})
		go func() {
			d.pending.Wait()
			close(drained)
		}()
		select {
		case <-drained:
		case <-ctx.Done():
			d.shutErr = ctx.Err()
			d.hardStop()
			<-drained
		}
		d.hardStop()
		close(d.stop)
		d.workersWG.Wait()
		d.retryWG.Wait()
		close(d.done)
	})
	<-d.done
	return d.shutErr
}

package botkit

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/go-telegram/bot/models"
)

// Outcome says what became of an update given to Dispatcher.Submit.
type Outcome int

const (
	// OutcomeHandled: the handler ran to its end (with or without error,
	// or a recovered panic). Its offset may be confirmed.
	OutcomeHandled Outcome = iota
	// OutcomeDuplicate: the update ID was already handled or is being
	// handled; it was dropped. Its offset may be confirmed.
	OutcomeDuplicate
	// OutcomeCancelled: Shutdown's deadline passed before the update was
	// handled. Its offset must stay unconfirmed so Telegram redelivers it,
	// and its de-duplication claim was released so the redelivery runs.
	OutcomeCancelled
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
	ctx, cancel := context.WithCancel(context.Background())
	d := &Dispatcher{
		handler:  h,
		dedup:    opts.Dedup,
		log:      opts.Logger,
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
// OutcomeDuplicate.
func (d *Dispatcher) Submit(ctx context.Context, upd *models.Update, done func(Outcome)) error {
	if upd == nil {
		return fmt.Errorf("botkit: nil update")
	}
	select {
	case <-d.closing:
		return ErrClosed
	default:
	}
	select {
	case d.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-d.closing:
		return ErrClosed
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		<-d.slots
		return ErrClosed
	}
	if _, dup := d.inflight[upd.ID]; dup {
		d.mu.Unlock()
		<-d.slots
		if done != nil {
			done(OutcomeDuplicate)
		}
		return nil
	}
	d.inflight[upd.ID] = struct{}{}
	d.pending.Add(1)
	k := keyOf(upd)
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
	q.items[q.head] = item{}
	q.head++
	d.mu.Unlock()

	out := d.run(it.upd)

	d.mu.Lock()
	delete(d.inflight, it.upd.ID)
	if q.head < len(q.items) {
		d.ready <- q
	} else {
		delete(d.chats, q.key)
		q.items, q.head = q.items[:0], 0
		d.queuePool.Put(q)
	}
	d.mu.Unlock()
	<-d.slots
	if it.done != nil {
		it.done(out)
	}
	d.pending.Done()
}

// run handles one update: de-duplication, the handler, panic recovery.
func (d *Dispatcher) run(upd *models.Update) Outcome {
	ctx := d.hardCtx
	if ctx.Err() != nil {
		return OutcomeCancelled
	}
	var claim *claim
	if d.dedup != nil {
		var first bool
		claim, first = d.dedup.claim(ctx, upd.ID, d.log)
		if !first {
			return OutcomeDuplicate
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
		close(d.done)
	})
	<-d.done
	return d.shutErr
}

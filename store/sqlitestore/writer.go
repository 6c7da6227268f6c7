package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// writer owns the one connection that writes. Every write is a function
// run inside a transaction on that connection by the writer's goroutine.
//
// Group commit: while a transaction commits (and waits for fsync), callers
// queue up on the unbuffered ops channel; the next round takes all of them,
// up to maxBatch, runs them in one transaction and commits once. No write is
// acknowledged before the commit that holds it has returned, so batching
// costs no durability, and one fsync serves the whole batch.
type writer struct {
	conn     *sql.Conn
	maxBatch int
	stmts    map[string]*sql.Stmt // used by the writer goroutine only

	// commits and committed count transactions and the writes in them,
	// for the writes-per-commit figure of the benchmarks.
	commits, committed atomic.Int64

	ops    chan *writeOp
	quit   chan struct{}
	exited chan struct{}
	batch  []*writeOp
}

// writeOp is one write waiting for the writer.
type writeOp struct {
	ctx  context.Context
	fn   func(w *writer) error
	err  error
	ran  bool // fn ran in the current transaction
	done chan struct{}
}

var opPool = sync.Pool{New: func() any { return &writeOp{done: make(chan struct{}, 1)} }}

func newWriter(ctx context.Context, conn *sql.Conn, maxBatch int) (*writer, error) {
	w := &writer{
		conn:     conn,
		maxBatch: maxBatch,
		stmts:    make(map[string]*sql.Stmt),
		ops:      make(chan *writeOp),
		quit:     make(chan struct{}),
		exited:   make(chan struct{}),
	}
	for _, q := range []string{"BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"} {
		if _, err := w.stmt(q); err != nil {
			return nil, err
		}
	}
	return w, nil
}

func (w *writer) start() { go w.loop() }

// stop makes later writes fail with store.ErrClosed and waits for the
// goroutine to finish the round in progress.
func (w *writer) stop() {
	close(w.quit)
	<-w.exited
}

// close closes the writer's statements and connection, after stop.
func (w *writer) close() error {
	var errs []error
	for _, st := range w.stmts {
		errs = append(errs, st.Close())
	}
	errs = append(errs, w.conn.Close())
	return errors.Join(errs...)
}

// submit runs fn in a write transaction and returns its error once the
// transaction has committed. fn must not keep the writer after it returns.
// If ctx ends before fn runs, nothing is written and ctx's error returned.
func (w *writer) submit(ctx context.Context, fn func(w *writer) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o := opPool.Get().(*writeOp)
	o.ctx, o.fn, o.err = ctx, fn, nil
	select {
	case w.ops <- o:
	case <-w.quit:
		o.ctx, o.fn = nil, nil
		opPool.Put(o)
		return store.ErrClosed
	case <-ctx.Done():
		o.ctx, o.fn = nil, nil
		opPool.Put(o)
		return ctx.Err()
	}
	<-o.done
	err := o.err
	o.ctx, o.fn, o.err = nil, nil, nil
	opPool.Put(o)
	return err
}

func (w *writer) loop() {
	defer close(w.exited)
	for {
		select {
		case o := <-w.ops:
			prev := len(w.batch)
			w.batch = append(w.batch[:0], o)
			if prev > 1 {
				// The callers of the last batch were woken all at once; give
				// them a turn to queue their next writes so that they join
				// this batch instead of waiting for the one after.
				runtime.Gosched()
			}
		collect:
			for len(w.batch) < w.maxBatch {
				select {
				case o := <-w.ops:
					w.batch = append(w.batch, o)
				default:
					break collect
				}
			}
			w.runBatch(w.batch)
			clear(w.batch) // keeps len for the next round
		case <-w.quit:
			return
		}
	}
}

// noWrite reports whether an error of a write function is an answer, such
// as "not found", given before the function wrote anything, so that the
// rest of its batch can still commit.
func noWrite(err error) bool {
	return err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrNotOwner) || errors.Is(err, store.ErrInvalid)
}

func (w *writer) runBatch(batch []*writeOp) {
	if len(batch) == 1 {
		w.runAlone(batch[0])
		return
	}
	if _, err := w.exec("BEGIN IMMEDIATE"); err != nil {
		for _, o := range batch {
			w.finish(o, fmt.Errorf("begin: %w", err))
		}
		return
	}
	for _, o := range batch {
		o.ran = false
		if err := o.ctx.Err(); err != nil {
			o.err = err
			continue
		}
		o.ran = true
		o.err = o.fn(w)
		if !noWrite(o.err) {
			// One failed write must not take the others with it: undo the
			// batch and give every write a transaction of its own.
			w.rollback()
			for _, o := range batch {
				w.runAlone(o)
			}
			return
		}
	}
	if _, err := w.exec("COMMIT"); err != nil {
		w.rollback()
		for _, o := range batch {
			if o.ran {
				o.err = fmt.Errorf("commit: %w", err)
			}
		}
	}
	w.commits.Add(1)
	w.committed.Add(int64(len(batch)))
	for _, o := range batch {
		w.finish(o, o.err)
	}
}

func (w *writer) runAlone(o *writeOp) {
	if err := o.ctx.Err(); err != nil {
		w.finish(o, err)
		return
	}
	if _, err := w.exec("BEGIN IMMEDIATE"); err != nil {
		w.finish(o, fmt.Errorf("begin: %w", err))
		return
	}
	err := o.fn(w)
	if !noWrite(err) {
		w.rollback()
		w.finish(o, err)
		return
	}
	if _, cerr := w.exec("COMMIT"); cerr != nil {
		w.rollback()
		err = fmt.Errorf("commit: %w", cerr)
	}
	w.commits.Add(1)
	w.committed.Add(1)
	w.finish(o, err)
}

func (w *writer) finish(o *writeOp, err error) {
	o.err = err
	o.done <- struct{}{}
}

func (w *writer) rollback() { _, _ = w.exec("ROLLBACK") }

// stmt returns the statement prepared on the writer's connection for query.
func (w *writer) stmt(query string) (*sql.Stmt, error) {
	if st, ok := w.stmts[query]; ok {
		return st, nil
	}
	st, err := w.conn.PrepareContext(context.Background(), query)
	if err != nil {
		return nil, err
	}
	w.stmts[query] = st
	return st, nil
}

// exec runs a prepared statement. Statements run to completion whatever
// happens to the caller's context: a batch holds other callers' writes.
func (w *writer) exec(query string, args ...any) (sql.Result, error) {
	st, err := w.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(context.Background(), args...)
}

// queryRow runs a prepared statement that returns at most one row.
func (w *writer) queryRow(query string, args ...any) *sql.Row {
	st, err := w.stmt(query)
	if err != nil {
		// Row carries no constructor for an error; run the query unprepared
		// so that Scan reports the same error.
		return w.conn.QueryRowContext(context.Background(), query, args...)
	}
	return st.QueryRowContext(context.Background(), args...)
}

package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// readStmts caches the statements prepared on the reading pool. database/sql
// prepares each on a connection the first time it runs there.
type readStmts struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func (r *readStmts) init(db *sql.DB) {
	r.db = db
	r.stmts = make(map[string]*sql.Stmt)
}

func (r *readStmts) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	r.mu.RLock()
	st, ok := r.stmts[query]
	r.mu.RUnlock()
	if ok {
		return st, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if st, ok := r.stmts[query]; ok {
		return st, nil
	}
	if r.stmts == nil {
		return nil, store.ErrClosed
	}
	st, err := r.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	r.stmts[query] = st
	return st, nil
}

func (r *readStmts) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := r.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// queryRow runs a query for at most one row; errors of preparing it come
// back from Scan.
func (r *readStmts) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := r.stmt(ctx, query)
	if err != nil {
		return r.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (r *readStmts) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for _, st := range r.stmts {
		errs = append(errs, st.Close())
	}
	r.stmts = nil
	return errors.Join(errs...)
}

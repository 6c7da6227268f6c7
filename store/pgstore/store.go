package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"github.com/web3-ai-game/svs-telegram-bot/internal/ctxtime"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// ErrSchemaTooNew reports a database migrated by a newer version of this
// package than the running one.
var ErrSchemaTooNew = errors.New("pgstore: database schema is newer than this binary")

// migrationLock is the advisory lock key under which migrations run.
const migrationLock = 0x5_76_73_62_6f_74 // "svsbot"

// Options configure Open. The zero value means the defaults.
type Options struct {
	// ConnectTimeout bounds connecting and migrating at Open; 0 means 10s.
	ConnectTimeout time.Duration
	// MaxConns caps the pool; 0 means pgxpool's default (max(4, GOMAXPROCS)).
	MaxConns int32
	// Schema, when set, makes the store live in that PostgreSQL schema,
	// created if missing. Tests use it to give each case a fresh store.
	Schema string
	// RetryBackoff is the first wait before retrying an operation that
	// failed on a broken connection; it doubles up to one second.
	// 0 means 50ms.
	RetryBackoff time.Duration
}

// Store is the PostgreSQL store. It is safe for concurrent use.
type Store struct {
	pool    *pgxpool.Pool
	backoff time.Duration
	closed  atomic.Bool
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Pinger = (*Store)(nil)
)

// Open connects to the PostgreSQL server at url (a postgres:// URL or a
// key=value connection string) and migrates its schema.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 10 * time.Second
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = 50 * time.Millisecond
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors can quote the URL, password included.
		return nil, errors.New("pgstore: invalid PostgreSQL URL")
	}
	cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{opts.Schema}.Sanitize()
	}
	ctx, cancel := context.WithTimeout(ctx, opts.ConnectTimeout)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connect: %w", err)
	}
	s := &Store{pool: pool, backoff: opts.RetryBackoff}
	if err := s.migrate(ctx, opts.Schema); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// migrate applies the embedded migrations that the database lacks, under an
// advisory lock held on one connection.
func (s *Store) migrate(ctx context.Context, schema string) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: connect to %s: %w", s.pool.Config().ConnConfig.Host, err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("pgstore: migration lock: %w", err)
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", migrationLock) //nolint:errcheck // the lock dies with the session anyway
	if schema != "" {
		if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
			return fmt.Errorf("pgstore: create schema: %w", err)
		}
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("pgstore: migrations table: %w", err)
	}
	var current int
	if err := conn.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&current); err != nil {
		return fmt.Errorf("pgstore: read schema version: %w", err)
	}
	files, err := migrationFiles()
	if err != nil {
		return err
	}
	if latest := files[len(files)-1].version; current > latest {
		return fmt.Errorf("%w: database at version %d, binary knows %d", ErrSchemaTooNew, current, latest)
	}
	for _, m := range files {
		if m.version <= current {
			continue
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			return fmt.Errorf("pgstore: migration %d: %w", m.version, err)
		}
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			tx.Rollback(ctx) //nolint:errcheck // reporting the first error
			return fmt.Errorf("pgstore: migration %d: %w", m.version, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version) VALUES ($1)", m.version); err != nil {
			tx.Rollback(ctx) //nolint:errcheck
			return fmt.Errorf("pgstore: migration %d: %w", m.version, err)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("pgstore: migration %d: %w", m.version, err)
		}
	}
	return nil
}

type migration struct {
	version int
	sql     string
}

func migrationFiles() ([]migration, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil || len(names) == 0 {
		return nil, errors.New("pgstore: no embedded migrations")
	}
	var out []migration
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("pgstore: migration file %s has no version", base)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{v, string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// Close closes the pool. Later calls return errors wrapping store.ErrClosed.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.pool.Close()
	return nil
}

// Ping checks that PostgreSQL answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.run(ctx, func(ctx context.Context) error { return s.pool.Ping(ctx) })
}

// run executes op, retrying it while it fails on a connection error that
// PostgreSQL cannot have acted on, until ctx ends.
func (s *Store) run(ctx context.Context, op func(ctx context.Context) error) error {
	wait := s.backoff
	for {
		if s.closed.Load() {
			return store.ErrClosed
		}
		err := op(ctx)
		if err == nil || !retryable(err) {
			return err
		}
		if serr := ctxtime.Sleep(ctx, wait); serr != nil {
			return fmt.Errorf("pgstore: %w (last error: %v)", serr, err)
		}
		wait = min(2*wait, time.Second)
	}
}

// retryable reports whether err guarantees that the operation did not reach
// PostgreSQL, so running it again cannot apply it twice.
func retryable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "57P03" { // cannot_connect_now: starting up
		return true
	}
	return pgconn.SafeToRetry(err)
}

// wrap gives err the package prefix, mapping a closed pool to store.ErrClosed.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if s.closed.Load() || errors.Is(err, store.ErrClosed) {
		return fmt.Errorf("pgstore: %s: %w", op, store.ErrClosed)
	}
	return fmt.Errorf("pgstore: %s: %w", op, err)
}

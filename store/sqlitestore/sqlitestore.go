package sqlitestore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// Interfaces the Store implements.
var (
	_ store.Store    = (*Store)(nil)
	_ store.Backuper = (*Store)(nil)
	_ store.Pinger   = (*Store)(nil)
)

// Errors of Open besides ErrSchemaTooNew. They are wrapped with the path
// and the underlying cause; test them with errors.Is.
var (
	// ErrReadOnly reports a database file, or directory, the store cannot
	// write to.
	ErrReadOnly = errors.New("sqlitestore: database is read-only")
	// ErrCorrupt reports a file that is not a SQLite database, or a
	// database SQLite found damaged.
	ErrCorrupt = errors.New("sqlitestore: database file is corrupt or not a SQLite database")
)

// Options configure a Store. The zero value selects every default.
type Options struct {
	// BusyTimeout is how long a statement waits for a lock held by another
	// process sharing the file before it fails. Zero means 5 seconds.
	BusyTimeout time.Duration
	// ReadConns is the size of the pool of reading connections. Zero means
	// GOMAXPROCS, at least 4.
	ReadConns int
	// MaxBatch is the most writes the writer commits in one transaction
	// (group commit). Zero means 512; 1 commits every write on its own.
	MaxBatch int
	// RelaxedSync selects PRAGMA synchronous=NORMAL instead of FULL.
	// Acknowledged writes then still survive the process being killed, but
	// the last ones may be lost if the machine loses power or the kernel
	// crashes. False (the default) keeps every acknowledged write through a
	// power loss. See "Durability" in the package documentation.
	RelaxedSync bool
}

func (o Options) withDefaults() Options {
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.ReadConns <= 0 {
		o.ReadConns = max(4, runtime.GOMAXPROCS(0))
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 512
	}
	return o
}

// Store is a store.Store in one SQLite file. It is safe for concurrent use
// by multiple goroutines, and several processes may share the file. Its
// zero value is not usable: call Open.
type Store struct {
	path    string
	dsn     string // of a writing connection
	opts    Options
	w       *writer
	writeDB *sql.DB
	readDB  *sql.DB
	rd      readStmts

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// sqliteMagic starts every SQLite database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// Open opens the database at path, creating it if it does not exist, and
// applies the embedded migrations it lacks. The directory must exist. A
// database written by a newer version of the package gives an error
// wrapping ErrSchemaTooNew, a read-only file ErrReadOnly, and a file that is
// not a SQLite database ErrCorrupt.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	if err := checkPath(path); err != nil {
		return nil, err
	}
	s := &Store{path: path, opts: opts}
	ok := false
	defer func() {
		if !ok {
			s.closeDBs()
		}
	}()

	sync := "FULL"
	if opts.RelaxedSync {
		sync = "NORMAL"
	}
	base := path + "?_txlock=immediate" +
		"&_pragma=busy_timeout(" + strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10) + ")" +
		"&_pragma=synchronous(" + sync + ")"

	s.dsn = base
	var err error
	if s.writeDB, err = sql.Open("sqlite", base); err != nil {
		return nil, openError(path, err)
	}
	s.writeDB.SetMaxOpenConns(1)
	s.writeDB.SetMaxIdleConns(1)
	s.writeDB.SetConnMaxLifetime(0)
	s.writeDB.SetConnMaxIdleTime(0)
	conn, err := s.writeDB.Conn(ctx)
	if err != nil {
		return nil, openError(path, err)
	}
	// Reading the schema parses page 1: a damaged file fails here, with
	// SQLITE_CORRUPT or SQLITE_NOTADB, rather than at the first query.
	var tables int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tables); err != nil {
		_ = conn.Close()
		return nil, openError(path, err)
	}
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		_ = conn.Close()
		return nil, openError(path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		_ = conn.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: cannot switch to WAL mode (journal mode is %q)", path, mode)
	}
	if err := migrate(ctx, conn, path, mustMigrations()); err != nil {
		_ = conn.Close()
		return nil, openError(path, err)
	}
	if s.w, err = newWriter(ctx, conn, opts.MaxBatch); err != nil {
		_ = conn.Close()
		return nil, openError(path, err)
	}

	if s.readDB, err = sql.Open("sqlite", base+"&_query_only=1"); err != nil {
		return nil, openError(path, err)
	}
	s.readDB.SetMaxOpenConns(opts.ReadConns)
	s.readDB.SetMaxIdleConns(opts.ReadConns)
	s.rd.init(s.readDB)
	if err := s.readDB.PingContext(ctx); err != nil {
		return nil, openError(path, err)
	}
	s.w.start()
	ok = true
	return s, nil
}

// checkPath gives clear errors for the usual mistakes before SQLite sees
// the path, whose own messages ("unable to open database file") do not say
// which of them it met.
func checkPath(path string) error {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return fmt.Errorf("sqlitestore: open %q: want the path of a database file", path)
	}
	if strings.ContainsAny(path, "?#") {
		return fmt.Errorf("sqlitestore: open %q: the path must not contain '?' or '#'", path)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("sqlitestore: open %s: directory %s does not exist: %w", path, dir, fs.ErrNotExist)
	case err != nil:
		return fmt.Errorf("sqlitestore: open %s: %w", path, err)
	case !st.IsDir():
		return fmt.Errorf("sqlitestore: open %s: %s is not a directory", path, dir)
	}
	st, err = os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("sqlitestore: open %s: not a regular file", path)
	}
	// A file without write permission for anyone is read-only by intent,
	// even to a user such as root whom the kernel would let write it.
	if st.Mode().Perm()&0o222 == 0 {
		return fmt.Errorf("sqlitestore: open %s: %w", path, kindError{ErrReadOnly, fmt.Errorf("file is read-only (mode %v)", st.Mode().Perm())})
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("sqlitestore: open %s: %w", path, kindError{ErrReadOnly, err})
		}
		return fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF) {
		return nil // an empty file becomes a new database
	}
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	if !bytes.Equal(head[:n], sqliteMagic) {
		return fmt.Errorf("sqlitestore: open %s: %w", path, kindError{ErrCorrupt, errors.New("not a SQLite database: the file does not start with the SQLite header")})
	}
	return nil
}

// openError adds the path to an error of Open and classifies SQLite's codes.
func openError(path string, err error) error {
	var tooNew *SchemaTooNewError
	if errors.As(err, &tooNew) {
		return err
	}
	return fmt.Errorf("sqlitestore: open %s: %w", path, classify(err))
}

// classify wraps SQLite errors that callers may act on in this package's
// sentinels, keeping the original error in the chain.
func classify(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
		return kindError{ErrCorrupt, err}
	case sqlite3.SQLITE_READONLY:
		return kindError{ErrReadOnly, err}
	}
	return err
}

// kindError is err, classified as kind for errors.Is, with err's message.
type kindError struct{ kind, err error }

func (e kindError) Error() string   { return e.err.Error() }
func (e kindError) Unwrap() []error { return []error{e.kind, e.err} }

// Path returns the path of the database file.
func (s *Store) Path() string { return s.path }

// Close waits for pending writes, then closes the database. Later calls of
// any method, Close included, return an error wrapping store.ErrClosed.
func (s *Store) Close() error {
	first := false
	s.closeOnce.Do(func() {
		first = true
		s.closed.Store(true)
		s.w.stop()
		s.closeErr = s.closeDBs()
	})
	if !first {
		return errClosed("close")
	}
	return s.closeErr
}

func (s *Store) closeDBs() error {
	var errs []error
	if s.w != nil {
		errs = append(errs, s.w.close())
	}
	errs = append(errs, s.rd.close())
	if s.readDB != nil {
		errs = append(errs, s.readDB.Close())
	}
	if s.writeDB != nil {
		errs = append(errs, s.writeDB.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlitestore: close %s: %w", s.path, err)
	}
	return nil
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return errClosed("ping")
	}
	var one int
	if err := s.readDB.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return s.fail(ctx, "ping", err)
	}
	return nil
}

func errClosed(op string) error {
	return fmt.Errorf("sqlitestore: %s: %w", op, store.ErrClosed)
}

// fail wraps an error of operation op, reporting store.ErrClosed if the
// store was closed meanwhile. Context errors are returned as they are.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if errors.Is(err, store.ErrClosed) {
		return fmt.Errorf("sqlitestore: %s: %w", op, err)
	}
	if s.closed.Load() {
		return errClosed(op)
	}
	return fmt.Errorf("sqlitestore: %s: %w", op, classify(err))
}

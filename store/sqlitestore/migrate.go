package sqlitestore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one schema step: the SQL that brings a database from
// version-1 to version.
type migration struct {
	version int
	name    string
	sql     string
}

// ErrSchemaTooNew reports a database written by a newer version of the
// package, whose schema this version does not know. The database is left
// untouched.
var ErrSchemaTooNew = errors.New("sqlitestore: database schema is newer than this program")

// SchemaTooNewError is the error of Open for a database whose schema version
// is above SchemaVersion. It unwraps to ErrSchemaTooNew.
type SchemaTooNewError struct {
	Path    string
	Version int // the database's schema version (PRAGMA user_version)
	Known   int // the newest version this package knows, SchemaVersion
}

// Error says which versions met and what to do.
func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("sqlitestore: %s has schema version %d, this program knows versions up to %d; upgrade the program", e.Path, e.Version, e.Known)
}

// Unwrap returns ErrSchemaTooNew.
func (e *SchemaTooNewError) Unwrap() error { return ErrSchemaTooNew }

// SchemaVersion is the schema version this package writes: the number of
// the newest embedded migration, kept in the database as PRAGMA user_version.
var SchemaVersion = len(mustMigrations()) // migrations are numbered 1..n

// loadMigrations reads the embedded migrations, named NNNN_description.sql,
// and checks that they are numbered 1, 2, 3... without gaps.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlitestore: migration %s: name must start with a positive number and '_'", base)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlitestore: migration %s: want version %d", m.name, i+1)
		}
	}
	if len(ms) == 0 {
		return nil, errors.New("sqlitestore: no migrations")
	}
	return ms, nil
}

func mustMigrations() []migration {
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		panic(err) // the embedded files are part of the build
	}
	return ms
}

// migrate brings the database on conn up to the newest migration, each step
// in its own transaction together with its user_version, so a crash leaves
// the database at a whole version. An up-to-date database is only read.
func migrate(ctx context.Context, conn *sql.Conn, dbPath string, ms []migration) error {
	current, err := userVersion(ctx, conn)
	if err != nil {
		return err
	}
	known := ms[len(ms)-1].version
	if current > known {
		return &SchemaTooNewError{Path: dbPath, Version: current, Known: known}
	}
	for _, m := range ms[current:] {
		if err := applyMigration(ctx, conn, m); err != nil {
			return err
		}
	}
	return nil
}

func userVersion(ctx context.Context, conn *sql.Conn) (int, error) {
	var v int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlitestore: read schema version: %w", err)
	}
	return v, nil
}

func applyMigration(ctx context.Context, conn *sql.Conn, m migration) (err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("sqlitestore: migration %s: %w", m.name, err)
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	// Another process may have migrated while this one waited for the lock.
	v, err := userVersion(ctx, conn)
	if err != nil {
		return err
	}
	if v >= m.version {
		_, err = conn.ExecContext(ctx, "COMMIT")
		return err
	}
	if _, err := conn.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("sqlitestore: migration %s: %w", m.name, err)
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version)); err != nil {
		return fmt.Errorf("sqlitestore: migration %s: %w", m.name, err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("sqlitestore: migration %s: commit: %w", m.name, err)
	}
	return nil
}

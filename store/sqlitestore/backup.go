package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database to path, which must not
// exist, with VACUUM INTO. The copy is the state of one read transaction:
// writes keep being accepted while it is made and are not in it. The copy
// is flushed to disk before Backup returns, and opens with Open.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.closed.Load() {
		return errClosed("backup")
	}
	if path == "" {
		return fmt.Errorf("sqlitestore: backup: empty path")
	}
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		return fmt.Errorf("sqlitestore: backup to %s: %w", path, err)
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("sqlitestore: backup to %s: %w", path, fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlitestore: backup to %s: %w", path, err)
	}
	// The reading connections are query_only, which VACUUM INTO obeys
	// although it writes another file, so the copy is made on a connection
	// of its own. The file name is a bound value: no quoting issues.
	db, err := sql.Open("sqlite", s.dsn)
	if err != nil {
		return s.fail(ctx, "backup", err)
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "VACUUM INTO ?", path)
	if err != nil {
		_ = os.Remove(path)
		return s.fail(ctx, "backup", err)
	}
	if err := syncFile(path); err != nil {
		return fmt.Errorf("sqlitestore: backup to %s: %w", path, err)
	}
	return nil
}

// syncFile flushes the file at path and the directory entry naming it.
func syncFile(path string) error {
	for _, p := range []string{path, filepath.Dir(path)} {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

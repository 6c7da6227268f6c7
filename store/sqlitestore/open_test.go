package sqlitestore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	require.NoError(t, os.WriteFile(garbage, []byte(strings.Repeat("not a database at all\n", 300)), 0o600))

	// A real database whose first page, after the 100-byte header, is
	// overwritten: the header still says SQLite, the schema is gone.
	damaged := filepath.Join(dir, "damaged.db")
	s, err := Open(t.Context(), damaged, Options{})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	f, err := os.OpenFile(damaged, os.O_RDWR, 0)
	require.NoError(t, err)
	_, err = f.WriteAt([]byte(strings.Repeat("\xff\x13", 1000)), 100)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	readOnly := filepath.Join(dir, "readonly.db")
	s, err = Open(t.Context(), readOnly, Options{})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, os.Chmod(readOnly, 0o444))

	notDir := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(notDir, nil, 0o600))

	tests := []struct {
		name    string
		path    string
		wantIs  error // nil: any error
		wantMsg string
	}{
		{"MissingDirectory", filepath.Join(dir, "no", "such", "dir", "bot.db"), fs.ErrNotExist, "does not exist"},
		{"ParentIsAFile", filepath.Join(notDir, "bot.db"), nil, "not a directory"},
		{"PathIsADirectory", dir, nil, "not a regular file"},
		{"Garbage", garbage, ErrCorrupt, "not a SQLite database"},
		{"DamagedSchema", damaged, ErrCorrupt, "malformed"},
		{"ReadOnlyFile", readOnly, ErrReadOnly, "read-only"},
		{"Empty", "", nil, "want the path"},
		{"Memory", ":memory:", nil, "want the path"},
		{"QueryInPath", filepath.Join(dir, "a?mode=ro"), nil, "must not contain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(t.Context(), tt.path, Options{})
			require.Error(t, err)
			require.Nil(t, s)
			if tt.wantIs != nil {
				require.ErrorIs(t, err, tt.wantIs)
			}
			t.Log(err)
			require.Contains(t, err.Error(), tt.wantMsg)
			require.True(t, strings.HasPrefix(err.Error(), "sqlitestore: "), "error %q does not name the package", err)
		})
	}
}

func TestOpenEmptyFileCreatesDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	s, err := Open(t.Context(), path, Options{})
	require.NoError(t, err)
	require.NoError(t, s.Ping(t.Context()))
	require.NoError(t, s.Close())
}

func TestMigrations(t *testing.T) {
	t.Run("NewDatabaseIsAtSchemaVersion", func(t *testing.T) {
		s := openTemp(t, Options{})
		require.Equal(t, SchemaVersion, fileUserVersion(t, s.Path()))
		require.Positive(t, SchemaVersion)
	})

	t.Run("ReopenChangesNothing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bot.db")
		s, err := Open(t.Context(), path, Options{})
		require.NoError(t, err)
		require.NoError(t, s.SetValue(t.Context(), "k", []byte("v"), 0, time.Unix(0, 0)))
		require.NoError(t, s.Close())
		before := fileSum(t, path)
		st, err := os.Stat(path)
		require.NoError(t, err)

		s, err = Open(t.Context(), path, Options{})
		require.NoError(t, err)
		require.NoError(t, s.Close())
		require.Equal(t, before, fileSum(t, path), "reopening an up-to-date database changed the file")
		st2, err := os.Stat(path)
		require.NoError(t, err)
		require.Equal(t, st.ModTime(), st2.ModTime())
		require.Equal(t, SchemaVersion, fileUserVersion(t, path))
	})

	t.Run("NewerSchemaIsRefused", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bot.db")
		s, err := Open(t.Context(), path, Options{})
		require.NoError(t, err)
		require.NoError(t, s.Close())
		setUserVersion(t, path, SchemaVersion+1)
		before := fileSum(t, path)

		s, err = Open(t.Context(), path, Options{})
		require.Nil(t, s)
		require.ErrorIs(t, err, ErrSchemaTooNew)
		var tooNew *SchemaTooNewError
		require.ErrorAs(t, err, &tooNew)
		require.Equal(t, SchemaVersion+1, tooNew.Version)
		require.Equal(t, SchemaVersion, tooNew.Known)
		require.Contains(t, err.Error(), path)
		require.Equal(t, before, fileSum(t, path), "a refused database was modified")
	})

	t.Run("AppliesOnlyMissingSteps", func(t *testing.T) {
		ms := []migration{
			{version: 1, name: "0001_a.sql", sql: "CREATE TABLE a (x INTEGER);"},
			{version: 2, name: "0002_b.sql", sql: "CREATE TABLE b (x INTEGER); INSERT INTO a VALUES (2);"},
		}
		path := filepath.Join(t.TempDir(), "m.db")
		db, err := sql.Open("sqlite", path)
		require.NoError(t, err)
		defer db.Close()
		conn, err := db.Conn(t.Context())
		require.NoError(t, err)
		defer conn.Close()

		require.NoError(t, migrate(t.Context(), conn, path, ms[:1]))
		require.NoError(t, migrate(t.Context(), conn, path, ms))
		require.NoError(t, migrate(t.Context(), conn, path, ms)) // no step left: a no-op
		var n int
		require.NoError(t, conn.QueryRowContext(t.Context(), "SELECT count(*) FROM a").Scan(&n))
		require.Equal(t, 1, n, "step 2 ran more than once")
		v, err := userVersion(t.Context(), conn)
		require.NoError(t, err)
		require.Equal(t, 2, v)
	})

	t.Run("FailedStepLeavesPreviousVersion", func(t *testing.T) {
		ms := []migration{
			{version: 1, name: "0001_a.sql", sql: "CREATE TABLE a (x INTEGER);"},
			{version: 2, name: "0002_bad.sql", sql: "CREATE TABLE b (x INTEGER); THIS IS NOT SQL;"},
		}
		path := filepath.Join(t.TempDir(), "m.db")
		db, err := sql.Open("sqlite", path)
		require.NoError(t, err)
		defer db.Close()
		conn, err := db.Conn(t.Context())
		require.NoError(t, err)
		defer conn.Close()
		err = migrate(t.Context(), conn, path, ms)
		require.ErrorContains(t, err, "0002_bad.sql")
		v, err := userVersion(t.Context(), conn)
		require.NoError(t, err)
		require.Equal(t, 1, v)
		var n int
		require.NoError(t, conn.QueryRowContext(t.Context(), "SELECT count(*) FROM sqlite_schema WHERE name = 'b'").Scan(&n))
		require.Zero(t, n, "half of a failed step was kept")
	})

	t.Run("MigrationNames", func(t *testing.T) {
		for name, files := range map[string]fstest.MapFS{
			"gap":        {"migrations/0001_a.sql": {}, "migrations/0003_c.sql": {}},
			"unnumbered": {"migrations/init.sql": {}},
			"none":       {},
		} {
			_, err := loadMigrations(files)
			require.Error(t, err, name)
		}
		ms, err := loadMigrations(fstest.MapFS{"migrations/0002_b.sql": {}, "migrations/0001_a.sql": {}})
		require.NoError(t, err)
		require.Equal(t, 1, ms[0].version)
		require.Equal(t, 2, ms[1].version)
	})
}

func TestPing(t *testing.T) {
	s := openTemp(t, Options{})
	require.NoError(t, s.Ping(t.Context()))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.ErrorIs(t, s.Ping(ctx), context.Canceled)
	require.NoError(t, s.Close())
	require.ErrorIs(t, s.Ping(t.Context()), store.ErrClosed)
}

// TestSharedFile checks that two stores on one file, as two processes
// would have, see each other's writes and never overspend a counter.
func TestSharedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	a, err := Open(t.Context(), path, Options{})
	require.NoError(t, err)
	defer a.Close()
	b, err := Open(t.Context(), path, Options{})
	require.NoError(t, err)
	defer b.Close()

	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const limit = 50
	taken := make(chan bool, 200)
	done := make(chan struct{})
	for i := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			s := a
			if i%2 == 1 {
				s = b
			}
			for range 25 {
				_, ok, err := s.TakeCounter(context.Background(), "shared", 1, limit, now, now.Add(time.Hour))
				if err != nil {
					t.Error(err)
					return
				}
				taken <- ok
			}
		}()
	}
	for range 8 {
		<-done
	}
	close(taken)
	n := 0
	for ok := range taken {
		if ok {
			n++
		}
	}
	require.Equal(t, limit, n)
	used, err := a.ReadCounter(t.Context(), "shared", now)
	require.NoError(t, err)
	require.EqualValues(t, limit, used)
}

func TestRecentTurnsUsesIndexRangeScan(t *testing.T) {
	s := openTemp(t, Options{})
	rows, err := s.readDB.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+sqlRecentTurns, "k", 20)
	require.NoError(t, err)
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		plan = append(plan, detail)
	}
	require.NoError(t, rows.Err())
	joined := strings.Join(plan, "; ")
	require.Contains(t, joined, "USING INDEX turns_by_conv (conv=?)")
	require.NotContains(t, joined, "TEMP B-TREE", "ORDER BY needs a sort: %s", joined)
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return sha256.Sum256(b)
}

func fileUserVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_query_only=1")
	require.NoError(t, err)
	defer db.Close()
	var v int
	require.NoError(t, db.QueryRow("PRAGMA user_version").Scan(&v))
	return v
}

func setUserVersion(t *testing.T, path string, v int) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec("PRAGMA user_version = " + strconv.Itoa(v))
	require.NoError(t, err)
}

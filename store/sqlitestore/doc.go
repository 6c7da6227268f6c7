// Package sqlitestore is the embedded default store.Store: one SQLite file,
// through modernc.org/sqlite, a pure-Go driver, so that binaries stay
// static with cgo off.
//
// Open a store with a path; the zero Options select the defaults:
//
//	s, err := sqlitestore.Open(ctx, "/var/lib/bot/bot.db", sqlitestore.Options{})
//
// # Durability
//
// A write returns only after the transaction holding it has committed. The
// database runs in WAL mode with PRAGMA synchronous=FULL, so every commit
// waits for the WAL to reach the disk: an acknowledged write survives the
// process being killed, the kernel crashing and the machine losing power.
// With synchronous=NORMAL (Options.RelaxedSync) commits do not wait for the
// disk; a killed process still loses nothing, because the WAL sits in the
// operating system's page cache, but a power loss can take the last commits
// away. FULL is the default because a bot's writes are quota takes and
// conversation turns that the user has already been answered about: losing
// them silently would let a user overspend or forget what was said. Its cost
// is one fsync per commit, which group commit (below) shares among all the
// writes waiting at that moment. The tests kill a writing child process with
// SIGKILL mid-stream and check that every write it saw acknowledged is
// there and that PRAGMA integrity_check passes.
//
// # Concurrency
//
// All writes go through one connection, owned by one goroutine: SQLite
// allows one writer at a time anyway, and a single writer never meets
// SQLITE_BUSY from its own process. Callers hand their write to it and
// wait. While a transaction commits, the next callers queue up; the writer
// then runs all of them, up to Options.MaxBatch, in one transaction and
// commits once (group commit). A write that fails with an SQL error rolls
// the batch back, and each write of the batch is retried in a transaction
// of its own, so one caller's failure never becomes another's. Reads run
// on a pool of read-only connections and, thanks to WAL, never wait for
// the writer. Read-modify-write operations (TakeCounter, AcquireLease,
// MarkSeen...) are single statements, INSERT ... ON CONFLICT DO UPDATE ...
// WHERE ... RETURNING, run on the writer inside BEGIN IMMEDIATE, so they
// are atomic within the process and across processes sharing the file;
// other processes wait up to Options.BusyTimeout for the write lock.
//
// Statements are prepared once per connection and reused. Times are
// stored as INTEGER unix nanoseconds, and every expiry is decided from the
// now argument of the call, never from the clock of the database.
//
// # Migrations
//
// The schema is a sequence of SQL files embedded in the binary
// (migrations/0001_init.sql, ...). The number of the last one applied is
// kept in PRAGMA user_version. Open applies the missing ones in order, each
// in its own transaction together with its version number, so a crash
// leaves the database at a whole version. Opening an up-to-date database
// writes nothing. A database whose version is above SchemaVersion was
// written by a newer program: Open refuses it with an error wrapping
// ErrSchemaTooNew and leaves it untouched.
//
// Open also gives clear errors for a path in a missing directory, a
// read-only file (ErrReadOnly) and a file that is not a SQLite database or
// whose schema is damaged (ErrCorrupt).
//
// # Backups
//
// Store.Backup writes a copy of the database with VACUUM INTO, from one
// read transaction: the copy is a consistent snapshot although writers
// keep writing, it is compacted, flushed to disk before Backup returns,
// and opens with Open like any database. Copying the database file while
// the store runs is not a backup: the WAL holds the latest commits.
package sqlitestore

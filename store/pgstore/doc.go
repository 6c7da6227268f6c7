// Package pgstore is the PostgreSQL backend of the store contracts, on
// github.com/jackc/pgx/v5, for fleets of replicas that share users,
// subscriptions, conversations and usage.
//
// # Opening
//
// Open takes a PostgreSQL URL and connects within Options.ConnectTimeout, so a
// bad URL or an unreachable server is a clear error at start rather than a
// hang. The schema is created by versioned migrations embedded in the binary,
// applied under a PostgreSQL advisory lock so that replicas starting together
// do not race; a database whose schema is newer than this binary knows is
// refused with ErrSchemaTooNew.
//
// # Atomicity
//
// Counters, leases and first-seen marks are each one INSERT ... ON CONFLICT
// statement, so the row lock PostgreSQL takes makes them atomic across every
// replica. Appends to one conversation take a transaction-scoped advisory
// lock on the conversation, so the turns of concurrent calls never
// interleave.
//
// # Restarts
//
// An operation that fails on a broken connection before PostgreSQL could have
// executed it is retried, with backoff, until its context ends; an operation
// that may have been executed is never retried, so nothing is applied twice.
// A write is acknowledged only after PostgreSQL committed it.
package pgstore

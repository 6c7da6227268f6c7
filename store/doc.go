// Package store defines the persistence contracts of the SDK: conversations,
// subscriptions, counters, locks, users, usage records and small key/value
// settings, with the sentinel errors every backend returns.
//
// The package holds interfaces and value types only, so importing it never
// compiles a database driver. Backends live in subpackages:
//
//   - store/memstore: in memory, for tests and single processes that need no persistence;
//   - store/sqlitestore: the embedded default (pure Go, static binaries);
//   - store/pgstore and store/redisstore: shared state for a fleet of replicas.
//
// # Time
//
// Every operation whose result depends on time (counters, leases, first-seen
// marks, values with a TTL) takes the current time from its caller, in the
// manner of golang.org/x/time/rate's AllowN(t, n). Backends never read the
// wall clock for these decisions, so a fake clock drives expiry in tests and
// replicas agree on windows that the caller computed.
//
// # Errors
//
// Missing items give ErrNotFound, invalid arguments give ErrInvalid and leave
// the store unchanged, operations on a closed store give ErrClosed, and a
// lease held by someone else gives ErrNotOwner. Backends wrap these with
// context, so test them with errors.Is.
//
// # Arguments
//
// Every method that takes a key, name or owner rejects an empty one with
// ErrInvalid, as do non-positive TTLs and limits, negative amounts and
// counter expiries not after now; a rejected call changes nothing. Text
// (turn texts, names, notes) must be valid UTF-8 without NUL bytes, and
// comes back byte for byte; KV values may be any bytes. Times come back
// equal at least to the millisecond. Results listed in order sort strings
// byte by byte.
//
// # Conformance
//
// Every backend, including one written by a user of the SDK, runs
// store/storetest.Run, which checks the contracts documented here.
package store

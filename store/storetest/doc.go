// Package storetest is the conformance suite of the store contracts, and the
// benchmarks that every backend shares.
//
// A backend, ours or one written by a user of the SDK, runs the suite from a
// test, in the manner of testing/fstest.TestFS:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s, err := mystore.Open(filepath.Join(t.TempDir(), "bot.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
//	func BenchmarkStore(b *testing.B) {
//		storetest.Bench(b, func(b *testing.B) store.Store { ... })
//	}
//
// Subtests are named contract/case: Conversations, Subscriptions, Counters,
// Locks, Users, Usage, KV and Close, each with its cases, so that
// go test -run 'Conformance/Counters/ConcurrentTakes' runs one of them.
//
// Run calls newStore once per case, each time for a fresh, empty store, and
// closes that store when the case ends; newStore may register further
// cleanup with t.Cleanup, which runs after the store is closed. Cases run one
// after another; concurrency cases start many goroutines on one store, so run
// the suite with -race.
//
// # What the suite requires
//
// Beyond what the documentation of package store says, the suite settles
// these points, which every backend must follow:
//
//   - Time comes only from the now arguments. The suite drives expiry with
//     fake times far from the wall clock (late 2026) and never sleeps. An item
//     with expiry e is alive at e-1ms and gone at e: leases, marks, counters
//     and values expire at exactly now+ttl (or the counter's expires).
//   - Times round-trip to Precision (a millisecond): a time read back must be
//     the same instant as the time written once both are truncated to the
//     millisecond, whatever time zone it was written in. Backends may return
//     times in any zone. The zero time round-trips as the zero time (a turn
//     with no Time, a subscription that never expires).
//   - Text (keys, turn texts, names, tiers, notes, models) is valid UTF-8
//     without NUL bytes, and must round-trip byte for byte, up to at least
//     100 KB: emoji, CJK, right-to-left text, and strings that look like SQL,
//     LIKE patterns, globs, Lua or the Redis protocol. KV values are bytes and
//     must round-trip whatever they hold, NUL and invalid UTF-8 included.
//     A nil value reads back as an empty one.
//   - Keys are compared exactly: "a", "A", "a%" and "a_" are different keys,
//     and leases, marks, counters, values and conversations are separate
//     namespaces.
//   - Invalid arguments give errors wrapping store.ErrInvalid and change
//     nothing. An empty key or name is invalid in every method that takes
//     one, readers and deleters included; so is a ttl <= 0 for leases and
//     MarkSeen, a negative ttl for SetValue, a counter expiry not after now,
//     and a limit <= 0.
//   - Strings in results are ordered byte-wise, as Go compares strings
//     (SummarizeUsage orders models and keys so); PostgreSQL backends need
//     COLLATE "C" for this.
//   - A refused TakeCounter changes nothing and returns the current value.
//     A counter's expiry is fixed by the call that created it.
//   - Returned slices are the caller's: changing them, or the slices passed
//     in, never changes what the store holds.
//   - After Close every method fails with store.ErrClosed; a second Close
//     returns nil or an error wrapping store.ErrClosed.
//
// # Benchmarks
//
// Bench runs the shared benchmarks as sub-benchmarks, each reporting
// allocations and ops/s. The conversation read benchmark fills one
// conversation with BenchOptions.HistoryTurns turns first (10,000 by
// default, or the value of the STORETEST_HISTORY_TURNS environment variable),
// so that a backend can measure reads from a conversation of a million turns.
package storetest

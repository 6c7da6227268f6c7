// Package memstore is the in-memory backend of the store contracts, for
// tests and for single processes that need no persistence.
//
// # Concurrency
//
// A Store is safe for concurrent use. Each contract has its own lock, so
// conversations, users or usage never wait for counters; counters and
// first-seen marks, the hot paths of every update, are further spread over
// Options.Shards locks by a hash of their key.
//
// # Time and expiry
//
// Like every backend, memstore reads time only from the now arguments of
// its methods; it starts no goroutines and never reads the clock. Expired
// counters, leases, marks and values are dropped when they are next
// touched, and each map is swept for expired entries after as many writes
// as it held entries at the previous sweep, which bounds the memory of keys
// never touched again at an amortised O(1) cost per write.
//
// # Allocations
//
// TakeCounter, AddCounter and ReadCounter allocate nothing once a key
// exists. Every slice passed in or returned is copied, so callers never
// share memory with the store. Conversations keep every turn until
// ClearConversation; usage records are kept for the life of the store.
package memstore

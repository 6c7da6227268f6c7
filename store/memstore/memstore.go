package memstore

import (
	"context"
	"fmt"
	"hash/maphash"
	"sync/atomic"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

var _ store.Store = (*Store)(nil)

// DefaultShards is the number of shards of counters and first-seen marks
// when Options.Shards is zero.
const DefaultShards = 64

// Options configures a Store. The zero value gives the defaults.
type Options struct {
	// Shards is the number of independently locked parts that counters and
	// first-seen marks are spread over, by a hash of their key, so that
	// callers working on different keys rarely wait for each other. Zero
	// means DefaultShards; it is rounded up to a power of two.
	Shards int
}

// Store keeps every contract of package store in memory. It is safe for
// concurrent use; each contract has its own locks, and counters and marks
// are sharded by key. Create one with New; the zero value is not usable.
type Store struct {
	closed atomic.Bool
	seed   maphash.Seed
	mask   uint64

	counters []counterShard
	marks    []markShard

	convs  conversations
	subs   subscriptions
	leases leases
	users  users
	usage  usage
	kv     values
}

// New returns an empty store.
func New(opts Options) *Store {
	n := opts.Shards
	if n <= 0 {
		n = DefaultShards
	}
	size := 1
	for size < n {
		size <<= 1
	}
	s := &Store{
		seed:     maphash.MakeSeed(),
		mask:     uint64(size - 1),
		counters: make([]counterShard, size),
		marks:    make([]markShard, size),
	}
	for i := range s.counters {
		s.counters[i].m = make(map[string]*counter)
		s.marks[i].m = make(map[string]mark)
	}
	s.convs.m = make(map[string][]store.Turn)
	s.subs.m = make(map[int64]store.Subscription)
	s.leases.m = make(map[string]lease)
	s.users.m = make(map[int64]store.User)
	s.kv.m = make(map[string]value)
	return s
}

// shard returns the index of key's shard.
func (s *Store) shard(key string) uint64 {
	return maphash.String(s.seed, key) & s.mask
}

var errClosed = fmt.Errorf("memstore: %w", store.ErrClosed)

// check returns the error that ends a call before it starts: a closed store
// or a finished context.
func (s *Store) check(ctx context.Context) error {
	if s.closed.Load() {
		return errClosed
	}
	return ctx.Err()
}

// Close marks the store closed: later calls fail with store.ErrClosed. The
// data is dropped with the store. Closing twice returns store.ErrClosed.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return errClosed
	}
	return nil
}

// invalid wraps a validation error with the operation's name.
func invalid(op string, err error) error {
	return fmt.Errorf("memstore: %s: %w", op, err)
}

// pruner decides when to sweep expired entries out of a map. Expired
// entries are also dropped or reused when they are next touched; sweeps
// bound the memory of keys never touched again. A sweep runs after as many
// writes as the map kept entries after the previous sweep (at least
// minPruneWrites), so its cost is amortised to O(1) per write.
type pruner struct {
	writes, next int
}

const minPruneWrites = 1024

// due counts one write and reports whether a sweep is due now. The caller
// then sweeps and calls swept.
func (p *pruner) due() bool {
	p.writes++
	return p.writes >= p.next && p.writes >= minPruneWrites
}

// swept records a sweep that left size entries.
func (p *pruner) swept(size int) {
	p.writes, p.next = 0, size
}

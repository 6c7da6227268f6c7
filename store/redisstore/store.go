package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// Options configure Open. The zero value means the defaults.
type Options struct {
	// Prefix starts every key the store writes; "" means "svsbot:".
	Prefix string
	// ConnectTimeout bounds dialling and the first ping at Open; 0 means 5s.
	ConnectTimeout time.Duration
	// MaxTurns is how many of the most recent turns a conversation keeps;
	// 0 means 1000.
	MaxTurns int
	// ExpiryMargin is how long after their logical expiry Redis keeps keys
	// before collecting them; 0 means one hour.
	ExpiryMargin time.Duration
}

// Store is the Redis store. It is safe for concurrent use.
type Store struct {
	rdb      *redis.Client
	prefix   string
	maxTurns int
	margin   time.Duration
	closed   atomic.Bool
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Pinger = (*Store)(nil)
)

// Open connects to the Redis server at url (redis:// or rediss://) and
// checks that it answers within Options.ConnectTimeout.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.Prefix == "" {
		opts.Prefix = "svsbot:"
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 5 * time.Second
	}
	if opts.MaxTurns <= 0 {
		opts.MaxTurns = 1000
	}
	if opts.ExpiryMargin <= 0 {
		opts.ExpiryMargin = time.Hour
	}
	ro, err := redis.ParseURL(url)
	if err != nil {
		// The parser's errors can quote the URL, password included.
		return nil, errors.New("redisstore: invalid Redis URL")
	}
	ro.DialTimeout = opts.ConnectTimeout
	ro.MaxRetries = 3
	s := &Store{rdb: redis.NewClient(ro), prefix: opts.Prefix, maxTurns: opts.MaxTurns, margin: opts.ExpiryMargin}
	ctx, cancel := context.WithTimeout(ctx, opts.ConnectTimeout)
	defer cancel()
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		s.rdb.Close()
		return nil, fmt.Errorf("redisstore: connect to %s: %w", ro.Addr, err)
	}
	return s, nil
}

// Client returns the underlying client, for sharing one connection pool
// with other Redis-backed parts (such as the key router's shared state).
func (s *Store) Client() *redis.Client { return s.rdb }

// Close closes the connection pool. Later calls return errors wrapping
// store.ErrClosed.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.rdb.Close()
}

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.wrap("ping", s.rdb.Ping(ctx).Err())
}

func (s *Store) key(parts ...string) string {
	k := s.prefix
	for i, p := range parts {
		if i > 0 {
			k += ":"
		}
		k += p
	}
	return k
}

// micros is the time representation stored in Redis: Lua numbers are
// doubles, exact to 2^53, which microseconds since 1970 stay well within.
func micros(t time.Time) int64 { return t.UnixMicro() }

// gcMillis is how long Redis keeps a key whose logical expiry is
// expires, measured from now, in milliseconds.
func (s *Store) gcMillis(now, expires time.Time) int64 {
	return max(expires.Sub(now), 0).Milliseconds() + s.margin.Milliseconds()
}

func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if s.closed.Load() || errors.Is(err, redis.ErrClosed) {
		return fmt.Errorf("redisstore: %s: %w", op, store.ErrClosed)
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}

func (s *Store) check() error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return nil
}

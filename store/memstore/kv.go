package memstore

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

type value struct {
	data    []byte
	expires time.Time // zero: never
}

func (v value) liveAt(now time.Time) bool { return v.expires.IsZero() || v.expires.After(now) }

// values holds the key/value settings.
type values struct {
	mu    sync.Mutex
	m     map[string]value
	prune pruner
}

// GetValue returns a copy of the value of key, or store.ErrNotFound when it
// is missing or has expired at now.
func (s *Store) GetValue(ctx context.Context, key string, now time.Time) ([]byte, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if err := store.CheckKey("key", key); err != nil {
		return nil, invalid("get value", err)
	}
	s.kv.mu.Lock()
	defer s.kv.mu.Unlock()
	v, ok := s.kv.m[key]
	if ok && !v.liveAt(now) {
		delete(s.kv.m, key)
		ok = false
	}
	if !ok {
		return nil, fmt.Errorf("memstore: value %q: %w", key, store.ErrNotFound)
	}
	return bytes.Clone(v.data), nil
}

// SetValue stores a copy of data under key, until now+ttl when ttl > 0.
func (s *Store) SetValue(ctx context.Context, key string, data []byte, ttl time.Duration, now time.Time) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := store.CheckValue(key, ttl); err != nil {
		return invalid("set value", err)
	}
	v := value{data: append([]byte{}, data...)}
	if ttl > 0 {
		v.expires = now.Add(ttl).Round(0)
	}
	s.kv.mu.Lock()
	defer s.kv.mu.Unlock()
	s.kv.m[key] = v
	if s.kv.prune.due() {
		for k, x := range s.kv.m {
			if !x.liveAt(now) {
				delete(s.kv.m, k)
			}
		}
		s.kv.prune.swept(len(s.kv.m))
	}
	return nil
}

// DeleteValue removes key.
func (s *Store) DeleteValue(ctx context.Context, key string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := store.CheckKey("key", key); err != nil {
		return invalid("delete value", err)
	}
	s.kv.mu.Lock()
	defer s.kv.mu.Unlock()
	delete(s.kv.m, key)
	return nil
}

package memstore

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// usage holds every usage record in the order appended.
type usage struct {
	mu      sync.RWMutex
	records []store.UsageRecord
}

// AppendUsage stores a record.
func (s *Store) AppendUsage(ctx context.Context, r store.UsageRecord) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := store.CheckUsage(r); err != nil {
		return invalid("append usage", err)
	}
	r.Time = r.Time.Round(0)
	s.usage.mu.Lock()
	defer s.usage.mu.Unlock()
	s.usage.records = append(s.usage.records, r)
	return nil
}

type bucketKey struct {
	day          time.Time
	user         int64
	model, keyID string
}

// SummarizeUsage sums the records with from <= Time < to per user, model,
// key and UTC day. It scans every record.
func (s *Store) SummarizeUsage(ctx context.Context, from, to time.Time) ([]store.UsageBucket, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	sums := make(map[bucketKey]*store.UsageTotals)
	s.usage.mu.RLock()
	for _, r := range s.usage.records {
		if r.Time.Before(from) || !r.Time.Before(to) {
			continue
		}
		k := bucketKey{day: store.DayUTC(r.Time), user: r.UserID, model: r.Model, keyID: r.KeyID}
		t := sums[k]
		if t == nil {
			t = new(store.UsageTotals)
			sums[k] = t
		}
		t.Add(r)
	}
	s.usage.mu.RUnlock()
	out := make([]store.UsageBucket, 0, len(sums))
	for k, t := range sums {
		out = append(out, store.UsageBucket{UserID: k.user, Model: k.model, KeyID: k.keyID, Day: k.day, UsageTotals: *t})
	}
	slices.SortFunc(out, store.CompareBuckets)
	return out, nil
}

package redisstore

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// wireSub is a subscription as stored in the subscriptions hash.
type wireSub struct {
	Tier      string `json:"tier"`
	Starts    int64  `json:"starts"`
	Expires   int64  `json:"expires,omitempty"` // 0: never
	GrantedBy int64  `json:"by"`
	Note      string `json:"note"`
	UpdatedAt int64  `json:"updated"`
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us)
}

func toMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}

func decodeSub(userID int64, raw string) (store.Subscription, error) {
	var w wireSub
	if err := json.Unmarshal([]byte(raw), &w); err != nil {
		return store.Subscription{}, fmt.Errorf("redisstore: decode subscription: %w", err)
	}
	return store.Subscription{UserID: userID, Tier: w.Tier, Starts: fromMicros(w.Starts), Expires: fromMicros(w.Expires),
		GrantedBy: w.GrantedBy, Note: w.Note, UpdatedAt: fromMicros(w.UpdatedAt)}, nil
}

// GetSubscription implements store.Subscriptions.
func (s *Store) GetSubscription(ctx context.Context, userID int64) (store.Subscription, error) {
	if err := s.check(); err != nil {
		return store.Subscription{}, err
	}
	raw, err := s.rdb.HGet(ctx, s.key("subs"), strconv.FormatInt(userID, 10)).Result()
	if errors.Is(err, redis.Nil) {
		return store.Subscription{}, fmt.Errorf("redisstore: subscription of %d: %w", userID, store.ErrNotFound)
	}
	if err != nil {
		return store.Subscription{}, s.wrap("get subscription", err)
	}
	return decodeSub(userID, raw)
}

// PutSubscription implements store.Subscriptions.
func (s *Store) PutSubscription(ctx context.Context, sub store.Subscription) error {
	if err := store.CheckSubscription(sub); err != nil {
		return err
	}
	if err := s.check(); err != nil {
		return err
	}
	b, err := json.Marshal(wireSub{sub.Tier, toMicros(sub.Starts), toMicros(sub.Expires), sub.GrantedBy, sub.Note, toMicros(sub.UpdatedAt)})
	if err != nil {
		return fmt.Errorf("redisstore: encode subscription: %w", err)
	}
	return s.wrap("put subscription", s.rdb.HSet(ctx, s.key("subs"), strconv.FormatInt(sub.UserID, 10), b).Err())
}

// DeleteSubscription implements store.Subscriptions.
func (s *Store) DeleteSubscription(ctx context.Context, userID int64) error {
	if err := s.check(); err != nil {
		return err
	}
	n, err := s.rdb.HDel(ctx, s.key("subs"), strconv.FormatInt(userID, 10)).Result()
	if err != nil {
		return s.wrap("delete subscription", err)
	}
	if n == 0 {
		return fmt.Errorf("redisstore: subscription of %d: %w", userID, store.ErrNotFound)
	}
	return nil
}

// ListSubscriptions implements store.Subscriptions. It reads the whole
// subscriptions hash: grants number in the thousands, not millions.
func (s *Store) ListSubscriptions(ctx context.Context, f store.SubscriptionFilter) ([]store.Subscription, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	all, err := s.rdb.HGetAll(ctx, s.key("subs")).Result()
	if err != nil {
		return nil, s.wrap("list subscriptions", err)
	}
	var out []store.Subscription
	for field, raw := range all {
		id, err := strconv.ParseInt(field, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("redisstore: subscription field %q: %w", field, err)
		}
		sub, err := decodeSub(id, raw)
		if err != nil {
			return nil, err
		}
		if !f.ActiveAt.IsZero() && !sub.ActiveAt(f.ActiveAt) {
			continue
		}
		if !f.ExpiringBefore.IsZero() && (sub.Expires.IsZero() || !sub.Expires.Before(f.ExpiringBefore)) {
			continue
		}
		out = append(out, sub)
	}
	slices.SortFunc(out, func(a, b store.Subscription) int { return cmp.Compare(a.UserID, b.UserID) })
	return out, nil
}

// touchScript: KEYS[1] user hash, KEYS[2] user index; ARGV id, username,
// first, last, lang, seen. Creates or updates the user, keeping first_seen
// and blocked.
var touchScript = redis.NewScript(`
redis.call('HSET', KEYS[1], 'username', ARGV[2], 'first', ARGV[3], 'last', ARGV[4], 'lang', ARGV[5], 'seen', ARGV[6])
redis.call('HSETNX', KEYS[1], 'since', ARGV[6])
redis.call('HSETNX', KEYS[1], 'blocked', '0')
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[1])
return redis.call('HMGET', KEYS[1], 'username', 'first', 'last', 'lang', 'since', 'seen', 'blocked')
`)

var userFields = []string{"username", "first", "last", "lang", "since", "seen", "blocked"}

func decodeUser(id int64, v []any) (store.User, bool) {
	if len(v) != 7 || v[0] == nil {
		return store.User{}, false
	}
	str := func(i int) string { s, _ := v[i].(string); return s }
	num := func(i int) int64 { n, _ := strconv.ParseInt(str(i), 10, 64); return n }
	return store.User{ID: id, Username: str(0), FirstName: str(1), LastName: str(2), LanguageCode: str(3),
		FirstSeen: fromMicros(num(4)), LastSeen: fromMicros(num(5)), Blocked: str(6) == "1"}, true
}

func (s *Store) userKey(id int64) string { return s.key("user", strconv.FormatInt(id, 10)) }

// TouchUser implements store.Users.
func (s *Store) TouchUser(ctx context.Context, u store.User) (store.User, error) {
	if u.ID == 0 {
		return store.User{}, store.CheckKey("user ID", "")
	}
	if err := s.check(); err != nil {
		return store.User{}, err
	}
	v, err := touchScript.Run(ctx, s.rdb, []string{s.userKey(u.ID), s.key("users")},
		u.ID, u.Username, u.FirstName, u.LastName, u.LanguageCode, toMicros(u.LastSeen)).Slice()
	if err != nil {
		return store.User{}, s.wrap("touch user", err)
	}
	got, _ := decodeUser(u.ID, v)
	return got, nil
}

// GetUser implements store.Users.
func (s *Store) GetUser(ctx context.Context, id int64) (store.User, error) {
	if err := s.check(); err != nil {
		return store.User{}, err
	}
	v, err := s.rdb.HMGet(ctx, s.userKey(id), userFields...).Result()
	if err != nil {
		return store.User{}, s.wrap("get user", err)
	}
	u, ok := decodeUser(id, v)
	if !ok {
		return store.User{}, fmt.Errorf("redisstore: user %d: %w", id, store.ErrNotFound)
	}
	return u, nil
}

// setBlockedScript: KEYS[1] user hash; ARGV blocked. 0 when the user is unknown.
var setBlockedScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'blocked', ARGV[1])
return 1
`)

// SetUserBlocked implements store.Users.
func (s *Store) SetUserBlocked(ctx context.Context, id int64, blocked bool) error {
	if err := s.check(); err != nil {
		return err
	}
	flag := "0"
	if blocked {
		flag = "1"
	}
	n, err := setBlockedScript.Run(ctx, s.rdb, []string{s.userKey(id)}, flag).Int64()
	if err != nil {
		return s.wrap("set user blocked", err)
	}
	if n == 0 {
		return fmt.Errorf("redisstore: user %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// ListUsers implements store.Users, paging through the user index.
func (s *Store) ListUsers(ctx context.Context, f store.UserFilter) ([]store.User, error) {
	if err := store.CheckUserFilter(f); err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	var out []store.User
	after := f.AfterID
	for len(out) < f.Limit {
		ids, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: s.key("users"), ByScore: true,
			Start: "(" + strconv.FormatInt(after, 10), Stop: "+inf", Count: int64(f.Limit),
		}).Result()
		if err != nil {
			return nil, s.wrap("list users", err)
		}
		if len(ids) == 0 {
			break
		}
		pipe := s.rdb.Pipeline()
		cmds := make([]*redis.SliceCmd, len(ids))
		nums := make([]int64, len(ids))
		for i, id := range ids {
			nums[i], _ = strconv.ParseInt(id, 10, 64)
			cmds[i] = pipe.HMGet(ctx, s.userKey(nums[i]), userFields...)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, s.wrap("list users", err)
		}
		for i, c := range cmds {
			after = nums[i]
			u, ok := decodeUser(nums[i], c.Val())
			if !ok || (f.ExcludeBlocked && u.Blocked) {
				continue
			}
			if out = append(out, u); len(out) == f.Limit {
				break
			}
		}
	}
	return out, nil
}

// AppendUsage implements store.Usage: records go to a sorted set scored by
// time, each member made unique by a sequence number.
func (s *Store) AppendUsage(ctx context.Context, r store.UsageRecord) error {
	if err := store.CheckUsage(r); err != nil {
		return err
	}
	if err := s.check(); err != nil {
		return err
	}
	seq, err := s.rdb.Incr(ctx, s.key("usage", "seq")).Result()
	if err != nil {
		return s.wrap("append usage", err)
	}
	rec := usageRecord{Seq: seq, User: r.UserID, Chat: r.ChatID, Model: r.Model, Key: r.KeyID,
		Prompt: r.PromptTokens, Output: r.OutputTokens, Latency: r.Latency.Microseconds(), Outcome: r.Outcome, At: micros(r.Time)}
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("redisstore: encode usage: %w", err)
	}
	return s.wrap("append usage", s.rdb.ZAdd(ctx, s.key("usage"), redis.Z{Score: float64(rec.At), Member: b}).Err())
}

type usageRecord struct {
	Seq     int64  `json:"s"`
	User    int64  `json:"u"`
	Chat    int64  `json:"c"`
	Model   string `json:"m"`
	Key     string `json:"k"`
	Prompt  int64  `json:"p"`
	Output  int64  `json:"o"`
	Latency int64  `json:"l"`
	Outcome string `json:"x"`
	At      int64  `json:"t"`
}

type bucketKey struct {
	day          int64
	user         int64
	model, keyID string
}

// SummarizeUsage implements store.Usage.
func (s *Store) SummarizeUsage(ctx context.Context, from, to time.Time) ([]store.UsageBucket, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	raw, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: s.key("usage"), ByScore: true,
		Start: strconv.FormatInt(micros(from), 10), Stop: "(" + strconv.FormatInt(micros(to), 10),
	}).Result()
	if err != nil {
		return nil, s.wrap("summarize usage", err)
	}
	sums := map[bucketKey]*store.UsageBucket{}
	for _, m := range raw {
		var r usageRecord
		if err := json.Unmarshal([]byte(m), &r); err != nil {
			return nil, fmt.Errorf("redisstore: decode usage: %w", err)
		}
		day := store.DayUTC(time.UnixMicro(r.At))
		k := bucketKey{day.Unix(), r.User, r.Model, r.Key}
		b := sums[k]
		if b == nil {
			b = &store.UsageBucket{UserID: r.User, Model: r.Model, KeyID: r.Key, Day: day}
			sums[k] = b
		}
		b.Add(store.UsageRecord{PromptTokens: r.Prompt, OutputTokens: r.Output,
			Latency: time.Duration(r.Latency) * time.Microsecond, Outcome: r.Outcome})
	}
	out := make([]store.UsageBucket, 0, len(sums))
	for _, b := range sums {
		out = append(out, *b)
	}
	slices.SortFunc(out, store.CompareBuckets)
	return out, nil
}

// Values are stored with their logical expiry (microseconds, 0 for none)
// in the first 8 bytes.

// GetValue implements store.KV.
func (s *Store) GetValue(ctx context.Context, key string, now time.Time) ([]byte, error) {
	if err := store.CheckKey("key", key); err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	raw, err := s.rdb.Get(ctx, s.key("kv", key)).Bytes()
	if errors.Is(err, redis.Nil) || (err == nil && len(raw) < 8) {
		return nil, fmt.Errorf("redisstore: value %q: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return nil, s.wrap("get value", err)
	}
	if exp := int64(binary.BigEndian.Uint64(raw)); exp != 0 && exp <= micros(now) {
		return nil, fmt.Errorf("redisstore: value %q: %w", key, store.ErrNotFound)
	}
	return raw[8:], nil
}

// SetValue implements store.KV.
func (s *Store) SetValue(ctx context.Context, key string, value []byte, ttl time.Duration, now time.Time) error {
	if err := store.CheckValue(key, ttl); err != nil {
		return err
	}
	if err := s.check(); err != nil {
		return err
	}
	buf := make([]byte, 8+len(value))
	var gc time.Duration
	if ttl > 0 {
		binary.BigEndian.PutUint64(buf, uint64(micros(now.Add(ttl))))
		gc = ttl + s.margin
	}
	copy(buf[8:], value)
	return s.wrap("set value", s.rdb.Set(ctx, s.key("kv", key), buf, gc).Err())
}

// DeleteValue implements store.KV.
func (s *Store) DeleteValue(ctx context.Context, key string) error {
	if err := store.CheckKey("key", key); err != nil {
		return err
	}
	if err := s.check(); err != nil {
		return err
	}
	return s.wrap("delete value", s.rdb.Del(ctx, s.key("kv", key)).Err())
}

package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// RouterState shares a key router's per-project usage and cooldowns across
// replicas through Redis. It has the method set of keyrouter.SharedState
// (this package does not import keyrouter: the interface speaks standard
// types only), so pass it as keyrouter.Options.Shared.
//
// Each Take is one Lua script: the minute is an exact sliding window kept
// as a sorted set of request times, the day a counter tied to the day's end,
// and a cooldown a value that only ever grows. Nothing is locked for the
// length of a model call, and a replica that starts later reads the current
// state on its first Take. RouterState is safe for concurrent use.
type RouterState struct {
	rdb    *redis.Client
	prefix string
	seq    atomic.Uint64
	id     string
}

// RouterState returns the router state kept in s's Redis under s's prefix.
func (s *Store) RouterState() *RouterState {
	var b [6]byte
	rand.Read(b[:])
	return &RouterState{rdb: s.rdb, prefix: s.prefix + "router:", id: hex.EncodeToString(b[:])}
}

// routerTakeScript: KEYS minute zset, day hash {n, end}, cooldown string;
// ARGV now, perMinute, perDay, dayEnd, member (all times in microseconds).
// Returns {ok, freeAt}.
var routerTakeScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local cool = tonumber(redis.call('GET', KEYS[3]) or '0')
if cool > now then return {0, cool} end
local perMinute, perDay, dayEnd = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000000)
local d = redis.call('HMGET', KEYS[2], 'n', 'end')
local used = tonumber(d[1]) or 0
if tonumber(d[2]) ~= dayEnd then used = 0 end
if perDay > 0 and used >= perDay then return {0, dayEnd} end
if perMinute > 0 then
	local n = redis.call('ZCARD', KEYS[1])
	if n >= perMinute then
		local oldest = redis.call('ZRANGE', KEYS[1], n - perMinute, n - perMinute, 'WITHSCORES')
		return {0, tonumber(oldest[2]) + 60000000}
	end
end
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('PEXPIRE', KEYS[1], 120000)
redis.call('HSET', KEYS[2], 'n', used + 1, 'end', dayEnd)
redis.call('PEXPIRE', KEYS[2], 90000000)
return {1, 0}
`)

// routerCoolScript: KEYS cooldown; ARGV until (microseconds), gc ms.
var routerCoolScript = redis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1
`)

func (r *RouterState) keys(project, model string) []string {
	base := r.prefix + project + "\x00" + model + ":"
	return []string{base + "min", base + "day", base + "cool"}
}

// Take counts one request of project+model at now if project+model is not
// cooling down and fewer than perMinute requests were counted in the minute
// before now and fewer than perDay in the day ending at dayEnd (0 is no
// limit). When it refuses, freeAt says when a request may fit.
func (r *RouterState) Take(ctx context.Context, project, model string, now time.Time, perMinute, perDay int,
	dayEnd time.Time) (bool, time.Time, error) {
	member := fmt.Sprintf("%s-%d", r.id, r.seq.Add(1))
	res, err := routerTakeScript.Run(ctx, r.rdb, r.keys(project, model),
		now.UnixMicro(), perMinute, perDay, dayEnd.UnixMicro(), member).Int64Slice()
	if err != nil {
		return false, time.Time{}, fmt.Errorf("redisstore: router take: %w", err)
	}
	if res[0] == 1 {
		return true, time.Time{}, nil
	}
	return false, time.UnixMicro(res[1]), nil
}

// Cool keeps project+model out of use until until; a cooldown never
// shortens a longer one.
func (r *RouterState) Cool(ctx context.Context, project, model string, until time.Time) error {
	gc := max(time.Until(until), 0) + time.Hour
	err := routerCoolScript.Run(ctx, r.rdb, r.keys(project, model)[2:], until.UnixMicro(), gc.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("redisstore: router cool: %w", err)
	}
	return nil
}

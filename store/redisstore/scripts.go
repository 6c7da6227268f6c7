package redisstore

import "github.com/redis/go-redis/v9"

// Times in scripts are microseconds since 1970 (see micros); ARGV values
// arrive as strings and are converted with tonumber.

// takeScript: KEYS[1] counter hash {v, e}; ARGV n, limit, now, expires, gcms.
// Returns {used, taken}.
var takeScript = redis.NewScript(`
local h = redis.call('HMGET', KEYS[1], 'v', 'e')
local used, exp = tonumber(h[1]) or 0, tonumber(h[2]) or 0
local n, limit, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if exp <= now then used = 0; exp = tonumber(ARGV[4]) end
if used + n > limit then return {used, 0} end
used = used + n
redis.call('HSET', KEYS[1], 'v', used, 'e', exp)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {used, 1}
`)

// addScript: KEYS[1] counter hash; ARGV delta, now, expires, gcms. Returns used.
var addScript = redis.NewScript(`
local h = redis.call('HMGET', KEYS[1], 'v', 'e')
local used, exp = tonumber(h[1]) or 0, tonumber(h[2]) or 0
local now = tonumber(ARGV[2])
if exp <= now then used = 0; exp = tonumber(ARGV[3]) end
used = math.max(used + tonumber(ARGV[1]), 0)
redis.call('HSET', KEYS[1], 'v', used, 'e', exp)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return used
`)

// readScript: KEYS[1] counter hash; ARGV now. Returns used.
var readScript = redis.NewScript(`
local h = redis.call('HMGET', KEYS[1], 'v', 'e')
if (tonumber(h[2]) or 0) <= tonumber(ARGV[1]) then return 0 end
return tonumber(h[1]) or 0
`)

// acquireScript: KEYS[1] lease hash {o, e}; ARGV owner, now, expires, gcms.
// Returns 1 when owner holds the lease afterwards.
var acquireScript = redis.NewScript(`
local h = redis.call('HMGET', KEYS[1], 'o', 'e')
if h[1] and h[1] ~= ARGV[1] and (tonumber(h[2]) or 0) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'o', ARGV[1], 'e', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`)

// renewScript: as acquire, but only an unexpired lease of owner is renewed.
var renewScript = redis.NewScript(`
local h = redis.call('HMGET', KEYS[1], 'o', 'e')
if h[1] ~= ARGV[1] or (tonumber(h[2]) or 0) <= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'e', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`)

// releaseScript: KEYS[1] lease hash; ARGV owner, now. Returns 0 when another
// owner holds an unexpired lease, else deletes it and returns 1.
var releaseScript = redis.NewScript(`
local h = redis.call('HMGET', KEYS[1], 'o', 'e')
if h[1] and h[1] ~= ARGV[1] and (tonumber(h[2]) or 0) > tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
return 1
`)

// seenScript: SET NX with a logical expiry: KEYS[1] mark; ARGV now, expires,
// gcms. Returns 1 for the first sighting.
var seenScript = redis.NewScript(`
local e = tonumber(redis.call('GET', KEYS[1]))
if e and e > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`)

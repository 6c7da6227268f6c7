// Package redisstore is the Redis backend of the store contracts, on
// github.com/redis/go-redis/v9: fast state shared by a fleet of replicas
// (counters, leases, first-seen marks), and a complete store on its own.
//
// # Atomicity
//
// Every read-modify-write (counter takes and adds, lease acquire, renew and
// release, first-seen marks) is one Lua script, which Redis runs as one step:
// take-if-under-limit cannot overspend however many replicas call it, and a
// lease is renewed or released only by its owner. Expiry follows the times
// the caller passes (see package store), stored beside each value; Redis's
// own key expiry, set relative to the wall clock with a margin, only
// collects what has long expired.
//
// # Data layout
//
// Keys start with Options.Prefix. Conversations are lists of JSON turns,
// appended with one RPUSH per call (so the turns of a call stay together) and
// trimmed to Options.MaxTurns. Usage records are a sorted set scored by time
// and summarised on read; users and subscriptions are hashes.
//
// # Durability
//
// What survives a Redis restart is what Redis persistence keeps: with
// appendonly yes and appendfsync everysec, up to a second of acknowledged
// writes can be lost on a crash; appendfsync always loses none, at a cost in
// throughput; with persistence off (a pure cache), everything is lost. For
// data that must last (users, subscriptions, conversations, usage) a fleet
// should compose Redis with PostgreSQL (see store/fleetstore) and keep only
// counters, leases and first-seen marks here, which lose little when lost:
// quotas restart from zero and an update may be answered twice.
package redisstore

// Package vipsession turns tiers of service into a product feature: it
// decides which tier a user is in, enforces the tier's quotas, rate,
// concurrency and capacity, and keeps the conversation memory the tier
// allows. Everything it knows lives in a store.Store, so replicas sharing
// one store enforce one set of limits.
//
// # Tiers
//
// A Tier sets a rank, requests and tokens per day and per month, requests
// per minute and replies in flight per user, a memory budget in rounds and
// tokens with an idle expiry, the model chain and key groups, whether
// images and personas are allowed, and a capacity. The defaults
// (DefaultTiers) are guest (single-turn), free (3 rounds of memory),
// premium (5), vip (7) and owner (10, no quota). Tiers come from Go values
// or from a YAML or JSON file (package vipsession/tierfile).
// Manager.SetTiers replaces them on a running Manager, checked as New
// checks them; sessions already begun finish under their old tier.
//
// Every limit is a count or Unlimited (-1). Zero is a real limit: a tier
// with RequestsPerDay 0 gets no replies, a tier with Capacity 0 admits
// nobody but owners. A file must say "unlimited" to mean it.
//
// # Who is in which tier
//
// Owners (Options.Owners) get OwnerTier and admins (Options.Admins) get
// AdminTier. Anyone else with an active grant gets the granted tier;
// otherwise users who have talked to the bot in a private chat get
// PrivateTier, and everyone else GuestTier. An expired grant stops
// counting at the next request.
//
// # A turn
//
// Manager.Begin resolves the tier, counts the turn against the per-minute
// rate, takes a reply slot (a lease in the store that expires after
// Options.TurnTimeout, so a crashed process frees it), loads the memory and
// reserves one request and the estimated tokens from the day and month
// quotas with the store's atomic counters: concurrent turns, on any number
// of replicas, never overspend. The Session carries the tier, its model
// chain and key groups, and the history: whole user/model rounds, newest
// kept within the tier's rounds and tokens, never beginning with a model
// turn.
//
// Session.Commit stores the two turns, records the usage (tokens, model,
// key ID, latency) and charges or refunds the difference between the
// reservation and the tokens the model reported. Session.Abort refunds the
// reservation and stores nothing: a failed reply costs the user nothing
// but its place in the per-minute rate.
//
// # Memory
//
// When a conversation holds the tier's MemoryRounds rounds, the next turn
// starts fresh memory and its Session.MemoryReset says ResetRoundLimit, so
// the bot can tell the user; trimming to the token budget never hides the
// round limit, because rounds are counted in the store, not in the trimmed
// history. After IdleExpiry without a turn memory starts fresh
// (ResetIdle). Memory is cleared by the Commit of the fresh turn, so an
// aborted turn leaves it as it was. Manager.Reset clears it on request.
//
// Token counts come from Options.EstimateTokens, by default
// EstimateTokens: a CJK character is about one token, other text about
// four bytes per token.
//
// # Capacity
//
// A tier with a capacity admits at most that many users with an active
// session (waiting for a reply, or within IdleExpiry of their last turn).
// A newcomer to a full tier ends the session of the least recently active
// member not waiting for a reply, whose memory is cleared and whose next
// Session says ResetEvicted. When every member is waiting for a reply the
// newcomer gets a *CapacityError. Owners are never refused.
//
// # Quotas and time zones
//
// Day and month windows are calendar periods of Options.Location: a day
// across a daylight-saving change lasts 23 or 25 hours. A turn is charged
// to the windows it began in; settling tokens after its window has ended
// leaves the new window alone. A turn is refused when its estimated tokens
// do not fit what remains, so a user near the limit may be refused a
// reply that would have been short. The per-minute rate uses fixed clock
// minutes.
//
// # Grants and audit
//
// Manager.Grant gives a tier for a duration (extending a grant of the same
// tier), Manager.Revoke removes it, Manager.Grants lists active and
// expiring grants. The grant itself records who made it
// (store.Subscription.GrantedBy), and every grant and revocation appends
// an AuditEntry, with who did it, to a per-user log in the store's KV
// (Manager.Audit).
//
// # Store calls
//
// A turn of a tier without a capacity reads the grant and the memory and
// makes eleven small writes: in Begin the per-minute count, the reply slot
// and the four quota counters; in Commit the turns, the usage record, the
// two token settlements and the slot's release. With
// Options.ParallelStoreCalls the independent calls are issued together, so
// a turn waits for three rounds of writes instead of eleven. A tier with a capacity adds a locked read and write of its
// session list in Begin and in Commit or Abort.
//
// # Errors
//
// Refusals are typed errors that unwrap to sentinels and carry what the
// user should be told: *QuotaError (ErrQuotaExceeded: which quota, the
// limit, when it resets), *RateLimitError (ErrRateLimited: retry after),
// *BusyError (ErrBusy) and *CapacityError (ErrCapacity). Invalid tiers
// give a *ConfigError naming the tier and the field (ErrInvalidConfig).
package vipsession

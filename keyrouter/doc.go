// Package keyrouter decides which API key serves the next model call: keys
// in groups and projects, per-model limits, cooldowns that follow the
// server's retry hints, circuit breakers, failover, retirement of dead keys
// and rotation without restart. It knows nothing of Telegram or Gemini: the
// caller supplies a Classifier that turns its errors into Verdicts.
//
// # Keys and secrets
//
// A Key has a non-secret, stable ID (Fingerprint: "k-" and 8 hex digits of
// the secret's SHA-256), its Secret, a group (a tier of keys such as "A" for
// owners down to "D" for guests), a project, a weight and Limits per model
// (RPM, TPM, RPD, concurrent calls). Keys of one project share its RPM, TPM
// and RPD, because Gemini counts quotas per project and model; Concurrent
// caps one key. Give the keys of one project the same limits.
//
// A Secret never prints itself: String, every fmt verb, slog, JSON and text
// marshalling show "[REDACTED]", and Key, Lease, errors and stats show the
// ID only. ParseKeys reads key lists from environment values, in the form
// "[GROUP:[PROJECT:]]SECRET[*WEIGHT]" separated by commas, semicolons or
// newlines; its errors name the entry's position, never its text.
//
// # Routing
//
// A Request names a tier, which Options.Tiers maps to an ordered list of
// groups, a model and an estimated token cost. The router tries the groups
// in order and falls through to the next one when a group has no key with
// capacity. Within a group it samples two keys and takes the one with more
// headroom (the smallest fraction left of the minute's requests, the
// minute's tokens and the day's requests, times the weight, divided by
// the calls in flight plus one), so load spreads over the keys and 1,000
// keys cost what 10 do; only when both samples are full does it scan the
// group, skipping cooling keys through lock-free hints. There is no
// router-wide lock on the hot path.
//
// Quota windows are counted locally (an exact sliding minute of requests,
// minute buckets of tokens, the day's requests), so the router stops
// sending to a project before the server refuses it; the server's
// refusals correct that view.
//
// Router.Acquire returns a Lease, held for the call (for a stream, until it
// ends) and released with the Outcome, or given back unused with
// Lease.Return, which refunds its reservation. Router.Do runs a function
// under a lease and retries on keys not yet tried; callers with their own
// failover list the keys they tried in Request.Exclude. When every eligible key is
// cooling down, Acquire waits for the soonest one if that is within the
// context's deadline and Options.MaxWait, and otherwise fails at once with
// a *NoKeyError, which unwraps to ErrNoKey and says when a key frees up.
// The clock (Options.Now, Options.After) is injected, so tests do not sleep.
//
// # Verdicts
//
// The Classifier turns an error into an Outcome, and the router acts on its
// Verdict:
//
//   - Success counts usage, with the tokens reported at release.
//   - Transient (5xx, overload, network): Do tries elsewhere; the failure
//     feeds the circuit breaker of the key and model (gobreaker's two-step
//     breaker), which after Options.BreakerFailures failures in a row keeps
//     the key out for Options.BreakerTimeout, then lets probes through
//     half-open. A flapping key is skipped, never blacklisted for an hour.
//   - RateLimited: the key's project+model cools down until the server's
//     retry hint (Outcome.RetryAfter) or Options.Cooldown.
//   - DayExhausted and NoQuota ("limit: 0"): the project+model is out until
//     the next daily reset, midnight in Options.ResetZone
//     (America/Los_Angeles by default; the zone data is embedded).
//   - DeadKey (invalid, suspended, leaked): the key is retired and never
//     tried again, until rotated out and a new key in.
//   - BadRequest: the request is wrong; no retry, no penalty to the key.
//   - Canceled: the caller's context ended; no penalty.
//
// Changes of state are reported through Options.OnStateChange, and
// Router.Stats returns a snapshot of every key for admin commands and
// metrics.
//
// # Rotation
//
// Router.SetKeys (or Router.Rotate with a key list) replaces the key set
// without a restart: keys that stay keep their counters, cooldowns,
// breakers and retirement; new keys serve at once; leases on removed keys
// finish and release normally.
// Router.SetTiers replaces the tier → groups map of Options.Tiers the same
// way: keys keep their state, and requests from then on use the new map.
//
// # Shared state
//
// Several replicas spend one quota together through Options.Shared, a
// SharedState of two methods in standard types: Take counts a request
// against a project+model's minute and day if they allow it, and Cool
// shares a cooldown. The router asks it only after its local view allows a
// call, so a replica never sends more than its own counts allow, and
// replicas together never more than the shared counts allow. MemoryState
// is the in-process implementation; without Options.Shared a router uses
// its own counters only. The router starts no goroutines.
package keyrouter

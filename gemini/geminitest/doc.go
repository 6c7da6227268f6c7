// Package geminitest is an in-process fake of the Gemini API for tests and
// load runs: a loopback HTTP server speaking the v1beta REST API exactly as
// the google.golang.org/genai SDK calls it, so that code using the real
// client runs offline.
//
// # Wire format
//
// The server answers POST /v1beta/models/{model}:generateContent,
// :streamGenerateContent?alt=sse (single-line "data: {json}" events, each
// followed by exactly one blank line) and :countTokens. Keys arrive in the
// x-goog-api-key header (or the key query parameter); an unregistered key
// gets Google's 400 API_KEY_INVALID. Errors carry Google's JSON bodies,
// google.rpc details included.
//
// # Answers
//
// Answers are scripted: fixed text (Text), the last user turn (Echo, the
// default) or any function of the recorded request, per model. Streams are
// cut into Options.Chunks events with Options.ChunkDelay before each, waited
// through Options.Sleep so that tests need not sleep. Usage metadata is
// computed from the texts with EstimateTokens.
//
// # Quotas
//
// SetProjectQuota and SetKeyQuota cap requests per minute, input tokens per
// minute and requests per day, per project (shared by the project's keys) or
// per key, and per model, on the Options.Now clock. A request past a quota
// gets Google's 429 RESOURCE_EXHAUSTED body: a QuotaFailure whose quotaId
// says PerMinute or PerDay and a RetryInfo retryDelay until the quota frees.
// Day quotas reset at midnight Pacific time.
//
// # Faults
//
// Inject adds failures: invalid, suspended or leaked keys, 400, 500, 503
// overload, 504, 429s, an error event in the middle of a stream, a blocked
// prompt, SAFETY and MAX_TOKENS finishes, empty answers, a slow first byte
// and a dropped connection. A Fault can be scoped to a key, a model or a
// method, to the next N calls, or to a probability drawn from a seeded
// source, so that load runs are reproducible.
//
// # Assertions
//
// Every request is recorded (Calls): method, model, key ID, project, system
// instruction, turns with their images, settings, the status answered and
// the fault applied. Stats counts calls, answers, refusals and failures per
// project for load tests.
package geminitest

// Package gemini calls Google's Gemini API through keys leased from a
// keyrouter.Router: text and image input, personas, safety settings,
// streaming, token counting, failover across keys and models, and typed
// outcomes for blocked, truncated and empty answers.
//
// It is built on google.golang.org/genai, Google's supported Go SDK.
// The older github.com/google/generative-ai-go is deprecated and out of
// support; do not use it.
//
// # Requests
//
// A Request carries the tier (for routing), a model chain (first choice and
// fallbacks), a system instruction (the persona), the conversation's earlier
// turns, the new user turn with text and images (bytes and MIME type) and the
// generation settings: temperature, maximum output tokens, thinking budget,
// safety settings. Model names live in configuration: Options.Models or
// Request.Models, with DefaultModels (the -latest aliases) as the one
// built-in default.
//
// # Calls
//
// Client.Generate returns the whole answer. Client.Stream returns a Stream
// that yields text as it arrives (Next, Text, Err, like bufio.Scanner) and
// ends with the finish reason, the usage (prompt, output, thoughts and total
// tokens), the model that answered and the ID of the key used.
// Client.StreamFunc does the same with a callback, a little cheaper per chunk. Client.CountTokens asks the API; EstimateTokens is
// a fast local estimate for budgets.
//
// # Failover
//
// A call that fails before any text reaches the caller is tried again on
// another key of the same model (up to Options.MaxAttempts keys), and then
// on the next model of the chain when the model has no key left (cooling,
// exhausted, retired), is overloaded (503) or does not exist (404). A bad
// request stops at once. Once text has reached the caller, an error ends the
// stream with the partial text and an error that unwraps to ErrInterrupted.
// A stream holds its key's lease until it ends and releases it with the
// classified outcome and the tokens used.
//
// # Errors
//
// Every error unwraps to a sentinel of this package, through any wrapping:
//
//   - ErrBlocked (*BlockedError): the prompt was blocked, or the answer
//     stopped for SAFETY, PROHIBITED_CONTENT, RECITATION and the like.
//   - ErrEmpty: the model answered without text.
//   - ErrNoKey (*NoKeyError): no key of any model of the chain could take the
//     call; it also matches keyrouter.ErrNoKey and says when a key frees up.
//   - ErrBadRequest, ErrUnavailable, ErrInterrupted (*CallError): the API or
//     the network refused the call; errors.As finds the genai.APIError.
//   - ErrInvalidRequest: the Request itself is unusable; nothing was sent.
//
// An answer cut by the output limit is not an error: Result.Truncated says so.
//
// # Classifying errors for keyrouter
//
// Classify maps a Gemini error to a keyrouter.Outcome: per-minute quotas
// cool the key's project and model for the server's RetryInfo delay,
// per-day quotas exhaust it until the Pacific midnight, "limit: 0" means no
// quota at all, invalid, suspended and leaked keys are dead, 5xx and network
// errors are transient, and a canceled context is nobody's fault. Pass it as
// keyrouter.Options.Classifier so that Router.Do agrees with this package.
//
// # Secrets
//
// API keys travel only in the x-goog-api-key header, where genai puts them.
// Errors that reach the caller are scrubbed: Google quotes the key in some
// messages (a suspended consumer is named "api_key:AIza..."), so the text and
// details of API errors and the text of transport errors are cleaned of the
// leased key and of anything shaped like a Google API key.
package gemini

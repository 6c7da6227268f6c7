package geminitest

import (
	"fmt"
	"time"
)

// FaultKind is a failure the server can inject.
type FaultKind int

// The failures the server can inject. Each answers as Google does.
const (
	FaultInvalidKey    FaultKind = iota + 1 // 400 INVALID_ARGUMENT, ErrorInfo API_KEY_INVALID
	FaultSuspendedKey                       // 403 PERMISSION_DENIED, ErrorInfo CONSUMER_SUSPENDED
	FaultLeakedKey                          // 403 PERMISSION_DENIED "reported as leaked"
	FaultBadRequest                         // 400 INVALID_ARGUMENT without details
	FaultInternal                           // 500 INTERNAL
	FaultOverloaded                         // 503 UNAVAILABLE "The model is overloaded"
	FaultTimeout                            // 504 DEADLINE_EXCEEDED
	FaultRateLimited                        // 429 with a PerMinute quotaId and RetryInfo
	FaultDayExhausted                       // 429 with a PerDay quotaId
	FaultNoQuota                            // 429 "limit: 0"
	FaultMidStream                          // a stream sends AfterChunks chunks, then an error event
	FaultBlockedPrompt                      // 200, promptFeedback.blockReason, no candidates
	FaultSafety                             // the candidate ends with finishReason SAFETY
	FaultMaxTokens                          // the candidate ends with finishReason MAX_TOKENS
	FaultEmpty                              // 200 with no candidates and no prompt feedback
	FaultSlowFirstByte                      // waits Delay before the first byte, then answers
	FaultDrop                               // closes the connection (after AfterChunks chunks of a stream)
	FaultRaw                                // answers Status with Body as is
)

var faultNames = map[FaultKind]string{
	FaultInvalidKey: "invalid-key", FaultSuspendedKey: "suspended-key", FaultLeakedKey: "leaked-key",
	FaultBadRequest: "bad-request", FaultInternal: "internal", FaultOverloaded: "overloaded",
	FaultTimeout: "timeout", FaultRateLimited: "rate-limited", FaultDayExhausted: "day-exhausted",
	FaultNoQuota: "no-quota", FaultMidStream: "mid-stream", FaultBlockedPrompt: "blocked-prompt",
	FaultSafety: "safety", FaultMaxTokens: "max-tokens", FaultEmpty: "empty",
	FaultSlowFirstByte: "slow-first-byte", FaultDrop: "drop", FaultRaw: "raw",
}

// String names the fault kind ("overloaded", "mid-stream", ...).
func (k FaultKind) String() string {
	if s, ok := faultNames[k]; ok {
		return s
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// Fault is an injected failure and the calls it applies to. The zero scope
// (no KeyID, no Model, Times 0, Probability 0) applies to every call.
type Fault struct {
	Kind FaultKind

	KeyID  string  // only calls with this key ID; "" = any key
	Model  string  // only calls to this model; "" = any model
	Method string  // only this method ("generateContent", "streamGenerateContent", "countTokens"); "" = the two generate methods
	Times  int     // the next Times matching calls, then the fault is spent; 0 = every matching call
	Chance float64 // probability that a matching call fails, drawn from the server's seeded source; 0 = always

	AfterChunks int           // FaultMidStream, FaultDrop: stream chunks sent before failing
	Delay       time.Duration // FaultSlowFirstByte: wait before the first byte (through Options.Sleep)
	Status      int           // FaultRaw: HTTP status; FaultMidStream: the error event's code (0 = 500)
	Body        []byte        // FaultRaw: the body, sent as is
	RetryDelay  time.Duration // FaultRateLimited: RetryInfo.retryDelay; 0 = no RetryInfo
}

type faultState struct {
	Fault
	left int // calls left when Times > 0
}

func (f *faultState) matches(c *Call) bool {
	if f.KeyID != "" && f.KeyID != c.KeyID {
		return false
	}
	if f.Model != "" && f.Model != c.Model {
		return false
	}
	if f.Method == "" {
		return c.Method != methodCount
	}
	return f.Method == c.Method
}

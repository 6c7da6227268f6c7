package telegramtest

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// pacedMethods are the methods flood control counts, by lower-case name.
var pacedMethods = map[string]bool{
	"sendmessage": true, "editmessagetext": true, "sendmessagedraft": true,
	"sendphoto": true, "senddocument": true,
}

// RateLimit is one 429 the server gave.
type RateLimit struct {
	At         time.Time // the server clock when it was given
	Method     string
	ChatID     int64
	RetryAfter int    // seconds, as sent in parameters.retry_after
	Scope      string // "chat", "group", "global", "early" (an early retry) or "fault"
}

// bucket is a token bucket on the server clock.
type bucket struct {
	tokens float64
	last   time.Time
}

// take removes one token if there is one and otherwise says how long until
// there is.
func (b *bucket) take(now time.Time, rate float64, burst int) (time.Duration, bool) {
	if b.last.IsZero() {
		b.tokens = float64(burst)
		b.last = now
	}
	if now.After(b.last) {
		b.tokens = math.Min(float64(burst), b.tokens+now.Sub(b.last).Seconds()*rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	need := (1 - b.tokens) / rate
	return time.Duration(need * float64(time.Second)), false
}

// pacer holds the global limit; per-chat buckets live in the chats.
type pacer struct {
	cfg    Pacing
	global bucket
}

func newPacer(cfg Pacing) pacer { return pacer{cfg: cfg} }

// retrySeconds rounds a wait up to whole seconds, at least one.
func retrySeconds(d time.Duration) int {
	n := int(math.Ceil(d.Seconds()))
	if n < 1 {
		n = 1
	}
	return n
}

func tooManyRequests(retryAfter int) *apiError {
	return &apiError{
		code:       http.StatusTooManyRequests,
		desc:       "Too Many Requests: retry after " + strconv.Itoa(retryAfter),
		retryAfter: retryAfter,
	}
}

// checkEarlyLocked rejects a call for c that comes before the retry_after
// the chat was given has passed, and counts it.
func (s *Server) checkEarlyLocked(c *chat, method string) *apiError {
	now := s.now()
	if !now.Before(c.blockedUntil) {
		return nil
	}
	s.earlyRetries++
	return s.limitLocked(c, method, retrySeconds(c.blockedUntil.Sub(now)), "early")
}

// paceLocked takes one message from the chat's, the group's and the global
// allowance, or answers 429.
func (s *Server) paceLocked(c *chat, method string) *apiError {
	cfg := s.pace.cfg
	if cfg.Disabled {
		return nil
	}
	now := s.now()
	// Check every bucket before taking from any, so that a refused call
	// costs nothing.
	probe := func(b bucket, rate float64, burst int) (time.Duration, bool) { return b.take(now, rate, burst) }
	groupRate := float64(cfg.PerGroupPerMinute) / 60
	if wait, ok := probe(c.bucket, cfg.PerChat, cfg.PerChatBurst); !ok {
		return s.limitLocked(c, method, retrySeconds(wait), "chat")
	}
	if c.isGroup() {
		if wait, ok := probe(c.groupBucket, groupRate, cfg.PerGroupPerMinute); !ok {
			return s.limitLocked(c, method, retrySeconds(wait), "group")
		}
	}
	if wait, ok := probe(s.pace.global, cfg.Global, int(math.Max(1, cfg.Global))); !ok {
		return s.limitLocked(c, method, retrySeconds(wait), "global")
	}
	c.bucket.take(now, cfg.PerChat, cfg.PerChatBurst)
	if c.isGroup() {
		c.groupBucket.take(now, groupRate, cfg.PerGroupPerMinute)
	}
	s.pace.global.take(now, cfg.Global, int(math.Max(1, cfg.Global)))
	return nil
}

// limitLocked records a 429 for c and remembers until when the chat must wait.
func (s *Server) limitLocked(c *chat, method string, retryAfter int, scope string) *apiError {
	now := s.now()
	var chatID int64
	if c != nil {
		chatID = c.info.ID
		until := now.Add(time.Duration(retryAfter) * time.Second)
		if until.After(c.blockedUntil) {
			c.blockedUntil = until
		}
	}
	s.limited = append(s.limited, RateLimit{At: now, Method: method, ChatID: chatID, RetryAfter: retryAfter, Scope: scope})
	return tooManyRequests(retryAfter)
}

// RateLimits returns every 429 the server gave, in order.
func (s *Server) RateLimits() []RateLimit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RateLimit(nil), s.limited...)
}

// EarlyRetries counts paced calls (messages, edits, drafts, photos,
// documents) for a chat that came before the retry_after of the last 429
// given for that chat, whatever its scope, had passed. Such calls are
// refused with another 429. A well-behaved client keeps it at zero.
// Chat actions are neither paced nor counted.
func (s *Server) EarlyRetries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.earlyRetries
}

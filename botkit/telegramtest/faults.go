package telegramtest

import (
	"net/http"
	"strings"
	"time"
)

// FaultKind is what an injected fault does to a call.
type FaultKind int

// The faults a Server can inject.
const (
	// FaultServerError answers Fault.Status (zero: 500) with a Telegram
	// error body; with a 4xx status it imitates any refusal.
	FaultServerError FaultKind = iota + 1
	// FaultSlow holds the call for Fault.Delay of real time, or until the
	// client gives up or the server closes, then serves it normally.
	FaultSlow
	// FaultDrop closes the connection without an answer.
	FaultDrop
	// FaultTooManyRequests answers 429 with Fault.RetryAfter; with For it
	// is a 429 storm.
	FaultTooManyRequests
)

// Fault describes calls to disturb and how. A fault matches a call by
// Method and ChatID; getUpdates matches only a fault that names it.
type Fault struct {
	Kind FaultKind
	// Method is the method to disturb, case-insensitive. Zero: every method
	// but getUpdates.
	Method string
	// ChatID is the chat to disturb. Zero: every chat.
	ChatID int64
	// Times is how many matching calls to disturb. Zero: no limit.
	Times int
	// Probability disturbs each matching call with this probability, drawn
	// from the source seeded by Options.Seed. Zero: every matching call.
	Probability float64
	// For is how long the fault lasts on the server clock from InjectFault.
	// Zero: until removed or Times is used up.
	For time.Duration
	// Status is FaultServerError's status; any 4xx or 5xx works. Zero: 500.
	Status int
	// Description is FaultServerError's description. Zero: the status
	// text, e.g. "Bad Gateway"; for a 400, "Bad Request".
	Description string
	// Delay is FaultSlow's hold. Zero: until the client gives up.
	Delay time.Duration
	// RetryAfter is FaultTooManyRequests' retry_after in seconds. Zero: 1.
	RetryAfter int
}

type faultState struct {
	Fault
	until time.Time
	used  int
}

// InjectFault adds a fault and returns a function that removes it.
func (s *Server) InjectFault(f Fault) (remove func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &faultState{Fault: f}
	if f.For > 0 {
		st.until = s.now().Add(f.For)
	}
	s.faults = append(s.faults, st)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, x := range s.faults {
			if x == st {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
				return
			}
		}
	}
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// fault picks the first active fault for a call, using up one of its
// Times.
func (s *Server) fault(method string, chatID int64) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for i := 0; i < len(s.faults); i++ {
		f := s.faults[i]
		if !f.until.IsZero() && !now.Before(f.until) || f.Times > 0 && f.used >= f.Times {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
			i--
			continue
		}
		if f.Method == "" && strings.EqualFold(method, "getUpdates") || f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if f.ChatID != 0 && f.ChatID != chatID {
			continue
		}
		if f.Probability > 0 && s.rnd.Float64() >= f.Probability {
			continue
		}
		f.used++
		out := f.Fault
		return &out
	}
	return nil
}

// applyFault disturbs a call. It reports whether the call was answered;
// a slow call that outlives its delay is not and goes on normally.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f *Fault, call *Call) bool {
	record := !strings.EqualFold(call.Method, "getUpdates")
	finish := func(status int, desc string, retryAfter int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		call.At, call.Status, call.Error, call.RetryAfter = s.now(), status, desc, retryAfter
		if record {
			s.recordLocked(*call)
		}
	}
	switch f.Kind {
	case FaultServerError:
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		call.Fault = "server_error"
		desc := f.Description
		if desc == "" {
			desc = http.StatusText(status)
		}
		if desc == "" {
			desc = "Internal Server Error"
		}
		finish(status, desc, 0)
		writeError(w, &apiError{code: status, desc: desc})
		return true
	case FaultSlow:
		call.Fault = "slow"
		var timer <-chan time.Time
		if f.Delay > 0 {
			t := time.NewTimer(f.Delay)
			defer t.Stop()
			timer = t.C
		}
		select {
		case <-timer:
			return false
		case <-r.Context().Done():
		case <-s.closed:
		}
		finish(0, "client gave up", 0)
		return true
	case FaultDrop:
		call.Fault = "drop"
		finish(0, "connection dropped", 0)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	case FaultTooManyRequests:
		call.Fault = "too_many_requests"
		retryAfter := f.RetryAfter
		if retryAfter <= 0 {
			retryAfter = 1
		}
		s.mu.Lock()
		c := s.chats[call.ChatID]
		now := s.now()
		if c != nil && now.Before(c.blockedUntil) && pacedMethods[strings.ToLower(call.Method)] {
			s.earlyRetries++
		}
		e := s.limitLocked(c, call.Method, retryAfter, "fault")
		call.At, call.Status, call.Error, call.RetryAfter = now, e.code, e.desc, e.retryAfter
		if record {
			s.recordLocked(*call)
		}
		s.mu.Unlock()
		writeError(w, e)
		return true
	}
	return false
}

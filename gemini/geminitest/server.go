package geminitest

import (
	"context"
	"github.com/web3-ai-game/svs-telegram-bot/internal/ctxtime"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"
)

// Options configure a Server; the zero value means the defaults.
type Options struct {
	// Answer computes every reply's text; nil = Echo().
	Answer Answer
	// Chunks is the number of events a streamed reply is cut into; 0 = 1.
	Chunks int
	// ChunkDelay is waited (through Sleep) before every streamed chunk; 0 = none.
	ChunkDelay time.Duration
	// ThoughtTokens is reported as thoughtsTokenCount when the request allows
	// thinking (no budget, or a budget above zero), capped by the budget; 0 = none.
	ThoughtTokens int
	// Models restricts the models served; others get 404 NOT_FOUND. nil = any model.
	Models []string
	// Now is the clock of quotas and day resets; nil = time.Now.
	Now func() time.Time
	// Sleep waits for chunk delays and slow first bytes; it returns early with
	// ctx.Err() when the request ends. nil = a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Seed seeds the source of Fault.Chance draws; 0 = 1.
	Seed uint64
}

// Server is a fake of the Gemini API (v1beta REST, API-key auth) on a
// loopback httptest server. Point the genai SDK at it with
// HTTPOptions{BaseURL: s.URL}. It is safe for concurrent use; configure it
// (keys, quotas, answers, faults) at any time, also while calls are running.
type Server struct {
	// URL is the base URL of the server, e.g. "http://127.0.0.1:34567".
	URL string

	srv  *httptest.Server
	opts Options

	mu        sync.Mutex
	keys      map[string]keyInfo // by secret
	answers   map[string]Answer  // by model
	quotas    map[string]Quota   // "p\x00project\x00model" or "k\x00keyID\x00model"; model "" = every model
	windows   map[string]*window // usage per scope and actual model
	faults    []*faultState
	calls     []*Call
	stats     map[string]*ProjectStats
	rnd       *rand.Rand
	responses int
}

type keyInfo struct{ id, project string }

// New starts a Server; Close it when done.
func New(opts Options) *Server {
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	s := &Server{
		opts:    opts,
		keys:    map[string]keyInfo{},
		answers: map[string]Answer{},
		quotas:  map[string]Quota{},
		windows: map[string]*window{},
		stats:   map[string]*ProjectStats{},
		rnd:     rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down, closing open connections.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Client returns an *http.Client for the server (plain HTTP over loopback).
func (s *Server) Client() *http.Client { return s.srv.Client() }

// AddKey registers an API key: secret is what the client sends in
// x-goog-api-key, id is the name calls are recorded under, project groups
// keys that share quotas ("" = a project of the key's own, named id).
// Requests with an unregistered key get 400 API_KEY_INVALID.
func (s *Server) AddKey(id, secret, project string) {
	if project == "" {
		project = id
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[secret] = keyInfo{id: id, project: project}
}

// RemoveKey unregisters a key: its requests get 400 API_KEY_INVALID.
func (s *Server) RemoveKey(secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.keys, secret)
}

// SetAnswer sets the answer of one model ("" = every model without its own).
func (s *Server) SetAnswer(model string, a Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[model] = a
}

// SetProjectQuota caps a project's use of model ("" = each model separately).
// Like Google's, the quota is shared by every key of the project.
func (s *Server) SetProjectQuota(project, model string, q Quota) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quotas["p\x00"+project+"\x00"+model] = q
}

// SetKeyQuota caps one key's use of model ("" = each model separately).
func (s *Server) SetKeyQuota(keyID, model string, q Quota) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quotas["k\x00"+keyID+"\x00"+model] = q
}

// Inject adds a fault. Faults are tried in the order they were injected; the
// first that matches a call (and wins its Chance draw) shapes the answer.
// Faults are applied before quotas are counted.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f, left: f.Times})
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Calls returns a copy of every recorded call, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[i] = *c
	}
	return out
}

// ResetCalls forgets the recorded calls (counters are kept).
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// Stats returns the counters of one project.
func (s *Server) Stats(project string) ProjectStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.stats[project]; st != nil {
		return *st
	}
	return ProjectStats{}
}

// Projects lists the projects that have counters, sorted.
func (s *Server) Projects() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.stats))
	for p := range s.stats {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

func (s *Server) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

func (s *Server) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	if s.opts.Sleep != nil {
		return s.opts.Sleep(ctx, d)
	}
	return ctxtime.Sleep(ctx, d)
}

// pickFault returns the first fault matching c, spending one of its Times.
func (s *Server) pickFault(c *Call) *Fault {
	for i, f := range s.faults {
		if !f.matches(c) {
			continue
		}
		if f.Chance > 0 && f.Chance < 1 && s.rnd.Float64() >= f.Chance {
			continue
		}
		picked := f.Fault
		if f.Times > 0 {
			f.left--
			if f.left == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		return &picked
	}
	return nil
}

// checkQuotas returns the first quota c would exceed; when none, it counts c.
func (s *Server) checkQuotas(c *Call, tokens int, now time.Time) *refusal {
	var scopes []*window
	for _, key := range []string{"k\x00" + c.KeyID, "p\x00" + c.Project} {
		q, ok := s.quotas[key+"\x00"+c.Model]
		if !ok {
			q, ok = s.quotas[key+"\x00"]
		}
		if !ok {
			continue
		}
		w := s.windows[key+"\x00"+c.Model]
		if w == nil {
			w = &window{}
			s.windows[key+"\x00"+c.Model] = w
		}
		if r := w.check(q, now, tokens); r != nil {
			return r
		}
		scopes = append(scopes, w)
	}
	for _, w := range scopes {
		w.admit(now, tokens)
	}
	return nil
}

func (s *Server) answerFor(model string) Answer {
	if a := s.answers[model]; a != nil {
		return a
	}
	if a := s.answers[""]; a != nil {
		return a
	}
	if s.opts.Answer != nil {
		return s.opts.Answer
	}
	return Echo()
}

package fleettest

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// balancer is the load balancer in front of the replicas: it forwards each
// webhook delivery to a replica drawn at random and, for a share of the
// deliveries, delivers the same update again later to another random
// replica, as Telegram does when it misses an answer. An extra delivery
// that is refused (503: the chat is busy elsewhere) is delivered again
// later, as Telegram would.
type balancer struct {
	hooks     []http.Handler
	dupRate   float64
	onRequest func(n int)
	progress  func() <-chan struct{}
	srv       *httptest.Server

	mu       sync.Mutex
	rnd      *rand.Rand
	n        int   // requests from Telegram
	dups     []dup // extra deliveries not yet made
	extra    int   // extra deliveries scheduled
	status   map[int]int
	extraSts map[int]int
}

type dup struct {
	body []byte
	due  int // delivered at the request with this number, or later
}

func newBalancer(hooks []*botkit.Webhook, dupRate float64, onRequest func(int), progress func() <-chan struct{}) *balancer {
	lb := &balancer{dupRate: dupRate, onRequest: onRequest, progress: progress, rnd: newRand(7),
		status: map[int]int{}, extraSts: map[int]int{}}
	for _, h := range hooks {
		lb.hooks = append(lb.hooks, h)
	}
	return lb
}

// url starts the balancer's server.
func (lb *balancer) url(t *testing.T) string {
	if lb.srv == nil {
		lb.srv = httptest.NewServer(lb)
		t.Cleanup(lb.srv.Close)
	}
	return lb.srv.URL
}

func (lb *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	lb.mu.Lock()
	lb.n++
	n := lb.n
	target := lb.rnd.IntN(len(lb.hooks))
	var due, keep []dup
	for _, d := range lb.dups {
		if d.due <= n {
			due = append(due, d)
		} else {
			keep = append(keep, d)
		}
	}
	lb.dups = keep
	lb.mu.Unlock()
	if lb.onRequest != nil {
		lb.onRequest(n)
	}
	for _, d := range due {
		if lb.forwardExtra(r.Context(), d) != http.StatusOK {
			lb.mu.Lock()
			d.due = n + 10
			lb.dups = append(lb.dups, d)
			lb.mu.Unlock()
		}
	}
	code := lb.forward(r.Context(), target, body)
	lb.mu.Lock()
	lb.status[code]++
	if code == http.StatusOK && lb.rnd.Float64() < lb.dupRate {
		lb.dups = append(lb.dups, dup{body: body, due: n + lb.rnd.IntN(50)})
		lb.extra++
	}
	lb.mu.Unlock()
	w.WriteHeader(code)
}

// forward gives body to replica i and returns its answer's status.
func (lb *balancer) forward(ctx context.Context, i int, body []byte) int {
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set(botkit.SecretHeader, webhookSecret)
	rec := httptest.NewRecorder()
	lb.hooks[i].ServeHTTP(rec, req)
	return rec.Code
}

func (lb *balancer) forwardExtra(ctx context.Context, d dup) int {
	lb.mu.Lock()
	target := lb.rnd.IntN(len(lb.hooks))
	lb.mu.Unlock()
	code := lb.forward(ctx, target, d.body)
	lb.mu.Lock()
	lb.extraSts[code]++
	lb.mu.Unlock()
	return code
}

// flush makes the extra deliveries still due, each until a replica takes
// it; after a refusal it waits for a replica to finish an update (the one
// that holds the chat) before trying again.
func (lb *balancer) flush(ctx context.Context) error {
	for {
		lb.mu.Lock()
		ds := lb.dups
		lb.dups = nil
		lb.mu.Unlock()
		if len(ds) == 0 {
			return nil
		}
		for _, d := range ds {
			for {
				progress := lb.progress()
				if lb.forwardExtra(ctx, d) == http.StatusOK {
					break
				}
				select {
				case <-progress:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
	}
}

// stats returns the answers to Telegram's deliveries and to the extra
// ones, by status, and the number of extra deliveries.
func (lb *balancer) stats() (status, extraStatus map[int]int, extra int) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return clone(lb.status), clone(lb.extraSts), lb.extra
}

func clone(m map[int]int) map[int]int {
	out := make(map[int]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

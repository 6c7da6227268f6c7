package keyrouter

import (
	"container/heap"
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// simUpstream is a model API that enforces, per project, a sliding minute
// of rpm requests and rpd requests per Los Angeles day, refusing the rest
// with per-minute or per-day verdicts as Gemini does. Refused calls do not
// count.
type simUpstream struct {
	rpm, rpd int
	zone     *time.Location
	minute   map[string][]time.Time
	day      map[string]int
	dayEnd   map[string]time.Time
	calls    int
	refused  int
}

func newSimUpstream(rpm, rpd int) *simUpstream {
	return &simUpstream{rpm: rpm, rpd: rpd, zone: epoch.Location(), minute: map[string][]time.Time{},
		day: map[string]int{}, dayEnd: map[string]time.Time{}}
}

func (u *simUpstream) call(project string, now time.Time) Outcome {
	u.calls++
	if end := u.dayEnd[project]; !now.Before(end) {
		u.day[project], u.dayEnd[project] = 0, NextReset(now, u.zone)
	}
	win := u.minute[project]
	for len(win) > 0 && !win[0].After(now.Add(-time.Minute)) {
		win = win[1:]
	}
	u.minute[project] = win
	switch {
	case u.day[project] >= u.rpd:
		u.refused++
		return Outcome{Verdict: DayExhausted}
	case len(win) >= u.rpm:
		u.refused++
		return Outcome{Verdict: RateLimited, RetryAfter: win[len(win)-u.rpm].Add(time.Minute).Sub(now)}
	}
	u.day[project]++
	u.minute[project] = append(win, now)
	return Outcome{Verdict: Success}
}

// simEvent is a request's next try.
type simEvent struct {
	at, arrived time.Time
	seq         int
}

type simQueue []simEvent

func (q simQueue) Len() int { return len(q) }
func (q simQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q simQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)   { *q = append(*q, x.(simEvent)) }
func (q *simQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// simConfig is the scenario of the simulation.
type simConfig struct {
	keys, groups, projects int
	rpm, rpd               int
	start                  time.Time
	length                 time.Duration
	patience               time.Duration // how long a user waits for a reply
	load                   float64       // demand as a share of capacity
}

// capacity is how many requests the quotas allow over the run: per project
// and per quota day within it, the smaller of the day's quota and the
// minutes' quota.
func (c simConfig) capacity() int {
	total := 0
	end := c.start.Add(c.length)
	for from := c.start; from.Before(end); {
		to := NextReset(from, c.start.Location())
		if to.After(end) {
			to = end
		}
		perProject := min(c.rpd, c.rpm*int(to.Sub(from)/time.Minute))
		total += perProject * c.projects
		from = to
	}
	return total
}

// arrivals returns the demand: bursts every two minutes of random size
// around their mean, each spread over 20 seconds.
func (c simConfig) arrivals(seed uint64) []time.Time {
	rng := rand.New(rand.NewPCG(seed, 7))
	want := int(float64(c.capacity()) * c.load)
	bursts := int(c.length / (2 * time.Minute))
	var out []time.Time
	for b := range bursts {
		size := want / bursts
		if b < bursts-1 {
			size = size/2 + rng.IntN(size+1) // 50% to 150% of the mean
		} else {
			size = want - len(out)
		}
		at := c.start.Add(time.Duration(b) * 2 * time.Minute)
		for range size {
			out = append(out, at.Add(time.Duration(rng.Int64N(int64(20*time.Second)))))
		}
		if len(out) >= want {
			break
		}
	}
	return out[:min(len(out), want)]
}

// simResult is what one run served.
type simResult struct {
	demand, served, calls, refused int
}

// simulate runs the demand through choose, which returns the project of
// the key it used and the upstream verdict, or when to try again (zero =
// give up).
func simulate(cfg simConfig, clk *fakeClock, up *simUpstream,
	try func(now time.Time) (served bool, retryAt time.Time)) simResult {
	var q simQueue
	for i, at := range cfg.arrivals(1) {
		q = append(q, simEvent{at: at, arrived: at, seq: i})
	}
	heap.Init(&q)
	res := simResult{demand: len(q)}
	seq := len(q)
	for q.Len() > 0 {
		e := heap.Pop(&q).(simEvent)
		clk.Set(e.at)
		served, retryAt := try(e.at)
		if served {
			res.served++
			continue
		}
		if !retryAt.IsZero() && !retryAt.After(e.arrived.Add(cfg.patience)) {
			seq++
			heap.Push(&q, simEvent{at: retryAt, arrived: e.arrived, seq: seq})
		}
	}
	res.calls, res.refused = up.calls, up.refused
	return res
}

func simKeys(cfg simConfig) []Key {
	keys := make([]Key, cfg.keys)
	for i := range keys {
		keys[i] = Key{Secret: secretOf("sim", i), Group: string(rune('A' + i%cfg.groups)),
			Project: "p" + string(rune('0'+i%cfg.projects)),
			Limits:  Limits{RPM: cfg.rpm, RPD: cfg.rpd}}
	}
	return keys
}

// runRouter serves the demand through a Router.
func runRouter(t *testing.T, cfg simConfig) simResult {
	clk := newFakeClock(cfg.start)
	up := newSimUpstream(cfg.rpm, cfg.rpd)
	r, err := New(simKeys(cfg), Options{Now: clk.Now, After: clk.After, MaxWait: -1,
		Tiers: map[string][]string{"all": {"A", "B", "C", "D"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.rnd = rand.New(rand.NewPCG(5, 6)).IntN // the run is the same every time
	ctx := context.Background()
	return simulate(cfg, clk, up, func(now time.Time) (bool, time.Time) {
		l, err := r.Acquire(ctx, Request{Tier: "all", Model: "m"})
		var nk *NoKeyError
		if errors.As(err, &nk) {
			return false, nk.FreeAt // the user would be told "try again at FreeAt"
		}
		if err != nil {
			t.Fatal(err)
		}
		o := up.call(l.Project(), now)
		l.Release(o)
		if o.Verdict == Success {
			return true, time.Time{}
		}
		return false, now // another key, at once
	})
}

// runBaseline serves the demand the way the replaced bot did: a random
// group, a random key in it that was not used in the last 10 s, and a key
// blacklisted for an hour after 3 errors. A user whose try fails tries
// again 10 s later.
func runBaseline(cfg simConfig) simResult {
	clk := newFakeClock(cfg.start)
	up := newSimUpstream(cfg.rpm, cfg.rpd)
	keys := simKeys(cfg)
	type state struct {
		lastUsed, blacklisted time.Time
		errors                int
	}
	st := make([]state, len(keys))
	rng := rand.New(rand.NewPCG(3, 4))
	return simulate(cfg, clk, up, func(now time.Time) (bool, time.Time) {
		g := string(rune('A' + rng.IntN(cfg.groups)))
		var avail []int
		for i, k := range keys {
			if k.Group == g && now.After(st[i].blacklisted) && !now.Before(st[i].lastUsed.Add(10*time.Second)) {
				avail = append(avail, i)
			}
		}
		if len(avail) == 0 {
			return false, now.Add(10 * time.Second)
		}
		i := avail[rng.IntN(len(avail))]
		st[i].lastUsed = now
		if up.call(keys[i].Project, now).Verdict == Success {
			return true, time.Time{}
		}
		if st[i].errors++; st[i].errors >= 3 {
			st[i].blacklisted, st[i].errors = now.Add(time.Hour), 0
		}
		return false, now.Add(10 * time.Second)
	})
}

// TestSimulation runs 2 simulated hours, across a daily reset, of demand
// at 120% of what the quotas allow, through the router and through the
// replaced bot's algorithm.
func TestSimulation(t *testing.T) {
	cfg := simConfig{keys: 20, groups: 4, projects: 5, rpm: 10, rpd: 500,
		start:  time.Date(2031, 3, 12, 23, 0, 0, 0, epoch.Location()),
		length: 2 * time.Hour, patience: 90 * time.Second, load: 1.2}
	capacity := cfg.capacity()
	got := runRouter(t, cfg)
	base := runBaseline(cfg)
	util := func(r simResult) float64 { return float64(r.served) / float64(capacity) }
	refusals := func(r simResult) float64 { return float64(r.refused) / float64(max(r.calls, 1)) }
	t.Logf("capacity allowed by the quotas: %d requests; demand: %d", capacity, got.demand)
	t.Logf("%-9s %8s %11s %8s %8s %9s", "", "served", "utilisation", "calls", "refused", "refused%")
	for _, row := range []struct {
		name string
		r    simResult
	}{{"router", got}, {"old bot", base}} {
		t.Logf("%-9s %8d %10.1f%% %8d %8d %8.2f%%", row.name, row.r.served, 100*util(row.r), row.r.calls,
			row.r.refused, 100*refusals(row.r))
	}
	if util(got) < 0.97 {
		t.Errorf("router served %.1f%% of capacity, want >= 97%%", 100*util(got))
	}
	if refusals(got) >= 0.01 {
		t.Errorf("%.2f%% of the router's calls were refused upstream, want < 1%%", 100*refusals(got))
	}
	if util(base) >= util(got) {
		t.Errorf("the old bot's algorithm served as much as the router (%.1f%%)", 100*util(base))
	}
}

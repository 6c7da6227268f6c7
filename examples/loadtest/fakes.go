package main

import (
	"context"
	"fmt"
	"github.com/web3-ai-game/svs-telegram-bot/internal/ctxtime"
	"sync"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
)

// fakes are the Telegram and Gemini servers of one run, set up with the
// scenario's keys, latency and chaos.
type fakes struct {
	tg      *telegramtest.Server
	gm      *geminitest.Server
	keys    []apiKey
	quota   *quotaWatch
	waiting gauge // Gemini calls waiting out their latency
	stop    chan struct{}
	stopped sync.WaitGroup
}

// apiKey is one Gemini key of the run.
type apiKey struct {
	id, secret, project string
	dead                bool
}

func startFakes(sc Scenario, tr *tracker) *fakes {
	f := &fakes{stop: make(chan struct{})}
	f.tg = telegramtest.New(telegramtest.Options{
		Pacing:      telegramtest.Pacing{Disabled: !sc.Pacing},
		MaxLongPoll: 5 * time.Second,
		Seed:        sc.Seed,
		MaxCallLog:  -1, // the tracker sees every call; keep none
		// Keep enough for replies and edits of the messages in flight.
		MaxChatHistory: 16,
		OnCall:         tr.onCall,
	})
	f.quota = newQuotaWatch(sc.KeyRPM, sc.KeyRPD, sc.GeminiLatency)
	f.gm = geminitest.New(geminitest.Options{
		Answer: func(c *geminitest.Call) string {
			f.quota.answered(c.KeyID)
			return answerTo(c.LastUserText(), sc.AnswerBytes)
		},
		Chunks:     sc.Chunks,
		ChunkDelay: sc.ChunkDelay,
		Sleep:      f.sleep,
		Seed:       uint64(sc.Seed),
	})
	for i := range sc.Keys {
		k := apiKey{
			id:      fmt.Sprintf("key%d", i),
			secret:  fmt.Sprintf("AIzaLoadTestKey%04dxxxxxxxxxxxxxxxxxxxx", i),
			project: fmt.Sprintf("project%d", i),
			dead:    i < sc.DeadKeys,
		}
		f.keys = append(f.keys, k)
		f.gm.AddKey(k.id, k.secret, k.project)
		if k.dead {
			f.gm.Inject(geminitest.Fault{Kind: geminitest.FaultInvalidKey, KeyID: k.id})
		}
	}
	// Faults are tried in order, each with its own draw: scale each share
	// by what the earlier ones left, so that the shares are of all calls.
	left := 1.0
	for _, c := range []struct {
		share float64
		fault geminitest.Fault
	}{
		{sc.Gemini429Minute, geminitest.Fault{Kind: geminitest.FaultRateLimited, RetryDelay: sc.Gemini429Retry}},
		{sc.Gemini429Day, geminitest.Fault{Kind: geminitest.FaultDayExhausted}},
		{sc.Gemini5xx / 2, geminitest.Fault{Kind: geminitest.FaultInternal}},
		{sc.Gemini5xx / 2, geminitest.Fault{Kind: geminitest.FaultOverloaded}},
	} {
		if c.share <= 0 {
			continue
		}
		c.fault.Chance = c.share / left
		left -= c.share
		f.gm.Inject(c.fault)
	}
	if sc.GeminiLatency > 0 {
		f.gm.Inject(geminitest.Fault{Kind: geminitest.FaultSlowFirstByte, Delay: sc.GeminiLatency})
	}
	if sc.Telegram5xx > 0 {
		f.tg.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultServerError, Status: 502, Probability: sc.Telegram5xx})
	}
	if sc.Telegram429Every > 0 {
		f.stopped.Go(func() {
			t := time.NewTicker(sc.Telegram429Every)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					f.tg.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultTooManyRequests, For: sc.Telegram429For, RetryAfter: 1})
				case <-f.stop:
					return
				}
			}
		})
	}
	return f
}

// sleep is geminitest's Options.Sleep: a real wait, counted, so that the
// report can say how many Gemini calls were in flight at once.
func (f *fakes) sleep(ctx context.Context, d time.Duration) error {
	f.waiting.add(1)
	defer f.waiting.add(-1)
	return ctxtime.Sleep(ctx, d)
}

// gauge is a count that remembers its peak. It is safe for concurrent use.
type gauge struct {
	mu        sync.Mutex
	now, peak int
}

func (g *gauge) add(n int) {
	g.mu.Lock()
	g.now += n
	g.peak = max(g.peak, g.now)
	g.mu.Unlock()
}

func (g *gauge) max() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.peak
}

func (f *fakes) close() {
	close(f.stop)
	f.stopped.Wait()
	f.tg.Close()
	f.gm.Close()
}

// telegram429s counts the 429s the bot provoked (flood limits and early
// retries), leaving out injected storms.
func (f *fakes) telegram429s() (provoked, early int) {
	for _, rl := range f.tg.RateLimits() {
		if rl.Scope != "fault" {
			provoked++
		}
	}
	return provoked, f.tg.EarlyRetries()
}

// geminiStats sums the fake's counters over the projects.
func (f *fakes) geminiStats() geminitest.ProjectStats {
	var sum geminitest.ProjectStats
	for _, p := range f.gm.Projects() {
		st := f.gm.Stats(p)
		sum.Calls += st.Calls
		sum.Answered += st.Answered
		sum.Refused += st.Refused
		sum.Failed += st.Failed
	}
	return sum
}

// quotaWatch counts the Gemini calls answered past a key's per-minute or
// per-day limit as the bot's router was told it. The fake itself does not
// refuse them, so that every overspend shows. Answers are dated back by
// the Gemini latency to when the router admitted them, and a call less than
// windowSlack from leaving the minute is given the benefit of the doubt, as
// scheduling jitter blurs the dates by about that much.
type quotaWatch struct {
	rpm, rpd int
	shift    time.Duration // answers come this long after the request

	mu       sync.Mutex
	perKey   map[string][]time.Time // answers in the last minute
	perDay   map[string]int
	overruns int
}

const windowSlack = 250 * time.Millisecond

func newQuotaWatch(rpm, rpd int, shift time.Duration) *quotaWatch {
	return &quotaWatch{rpm: rpm, rpd: rpd, shift: shift, perKey: map[string][]time.Time{}, perDay: map[string]int{}}
}

func (q *quotaWatch) answered(key string) {
	if q.rpm <= 0 && q.rpd <= 0 {
		return
	}
	at := time.Now().Add(-q.shift)
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.rpd > 0 {
		q.perDay[key]++
		if q.perDay[key] > q.rpd {
			q.overruns++
		}
	}
	if q.rpm > 0 {
		w := q.perKey[key]
		i := 0
		for i < len(w) && at.Sub(w[i]) >= time.Minute-windowSlack {
			i++
		}
		w = append(w[i:], at)
		q.perKey[key] = w
		if len(w) > q.rpm {
			q.overruns++
		}
	}
}

func (q *quotaWatch) count() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.overruns
}

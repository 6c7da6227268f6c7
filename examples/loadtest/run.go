package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// pipeline is a bot under load, started on a run's fakes.
type pipeline interface {
	name() string
	// shutdown stops intake and finishes the work in hand.
	shutdown(ctx context.Context) error
}

// runPhase runs the scenario's workload through one pipeline ("echo" or
// "sdk") on fresh fakes and a fresh store, and measures it.
func runPhase(ctx context.Context, sc Scenario, kind string) (Phase, error) {
	ph := Phase{Bot: kind}
	var cr *crowd
	tr := newTracker(func(chat int64) { cr.answered(chat) })
	f := startFakes(sc, tr)
	defer f.close()
	cr = newCrowd(sc, f.tg, tr)

	var st store.Store
	if kind == "sdk" {
		s, cleanup, err := openStore(ctx, sc)
		if err != nil {
			return ph, err
		}
		defer cleanup()
		st = s
		ph.Store = sc.Store
		ph.Intake = sc.Intake
	} else {
		ph.Store = "none"
		ph.Intake = "poll (go-telegram/bot)"
	}

	smp := startSampler(50 * time.Millisecond)
	var p pipeline
	var err error
	if kind == "echo" {
		p, err = startEcho(f, sc)
	} else {
		p, err = startSDK(ctx, f, sc, st)
	}
	if err != nil {
		_ = smp.finish()
		return ph, fmt.Errorf("loadtest: start %s: %w", kind, err)
	}
	ph.Bot = p.name()

	start := time.Now()
	n, sendErr := cr.run(ctx)
	if sc.MemProfile != "" && kind == "sdk" {
		if err := writeHeapProfile(sc.MemProfile); err != nil {
			return ph, err
		}
	}
	tr.waitSettled(n, sc.Drain)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	if err := p.shutdown(sctx); err != nil {
		ph.ShutdownError = err.Error()
	}
	cancel()
	pk := smp.finish()

	res := tr.result()
	ph.Sent, ph.Answered, ph.Failed, ph.Lost, ph.Duplicated, ph.Stray =
		res.Sent, res.Answered, res.Failed, res.Lost, res.Duplicated, res.Stray
	if res.Sent > 0 {
		ph.AnsweredShare = float64(res.Answered) / float64(res.Sent)
	}
	if !res.Last.IsZero() {
		ph.Seconds = res.Last.Sub(start).Seconds()
		if ph.Seconds > 0 {
			ph.UpdatesPerSec = float64(res.Answered) / ph.Seconds
		}
	}
	ph.Latency = percentiles(res.Latencies)
	ph.TelegramCalls = res.Methods
	ph.PeakInFlight = res.PeakOpen
	ph.PeakGeminiWaiting = f.waiting.max()
	ph.PeakRSSMB = float64(pk.RSS) / (1 << 20)
	ph.PeakHWMMB = float64(pk.HWM) / (1 << 20)
	ph.PeakGoroutines = pk.Goroutines
	ph.PeakStacksMB = float64(pk.Stacks) / (1 << 20)
	ph.PeakHeapMB = float64(pk.Heap) / (1 << 20)
	ph.Telegram429s, ph.EarlyRetries = f.telegram429s()
	gs := f.geminiStats()
	ph.GeminiCalls, ph.GeminiAnswered, ph.GeminiRefused, ph.GeminiFailed = gs.Calls, gs.Answered, gs.Refused, gs.Failed
	ph.QuotaOverruns = f.quota.count()
	if sendErr != nil {
		return ph, fmt.Errorf("loadtest: sending user messages: %w", sendErr)
	}
	return ph, nil
}

// writeHeapProfile writes the live heap to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("loadtest: heap profile: %w", err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		return fmt.Errorf("loadtest: heap profile: %w", err)
	}
	return nil
}

// percentiles summarises latencies in milliseconds.
func percentiles(lat []time.Duration) Latency {
	if len(lat) == 0 {
		return Latency{}
	}
	slices.Sort(lat)
	at := func(q float64) float64 {
		i := int(q*float64(len(lat))+0.5) - 1
		i = min(max(i, 0), len(lat)-1)
		return float64(lat[i]) / float64(time.Millisecond)
	}
	return Latency{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: at(1)}
}

// run runs every phase the scenario asks for and checks the results.
func run(ctx context.Context, sc Scenario) (*Report, error) {
	r := &Report{Scenario: sc, CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), LoadAvg: loadAvg()}
	kinds := []string{sc.Bot}
	if sc.Bot == "both" {
		kinds = []string{"echo", "sdk"}
	}
	for _, k := range kinds {
		runtime.GC()
		ph, err := runPhase(ctx, sc, k)
		r.Phases = append(r.Phases, ph)
		if err != nil {
			return r, err
		}
	}
	return r, nil
}

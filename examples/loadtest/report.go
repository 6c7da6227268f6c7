package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Latency holds percentiles, in milliseconds, of the time from a user
// message's arrival at the Telegram fake to the bot's final reply there.
type Latency struct {
	P50 float64 `json:"p50_ms"`
	P90 float64 `json:"p90_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// Phase is what one pipeline did with the workload.
type Phase struct {
	Bot    string `json:"bot"`
	Store  string `json:"store"`
	Intake string `json:"intake"`

	Sent          int     `json:"sent"`
	Answered      int     `json:"answered"`
	Failed        int     `json:"failed"` // replied to with something else, e.g. an error note
	Lost          int     `json:"lost"`   // no reply at all
	Duplicated    int     `json:"duplicated"`
	Stray         int     `json:"stray"` // answers to messages never sent to that chat
	AnsweredShare float64 `json:"answered_share"`

	Seconds       float64 `json:"seconds"` // first message to last answer
	UpdatesPerSec float64 `json:"updates_per_sec"`
	Latency       Latency `json:"latency"`

	// PeakInFlight is the most user messages sent and not yet answered
	// (or replied to otherwise) at once: conversations in flight.
	PeakInFlight int `json:"peak_in_flight"`
	// PeakGeminiWaiting is the most Gemini calls waiting out the
	// scenario's Gemini latency or chunk delay at once: conversations
	// inside the bot.
	PeakGeminiWaiting int     `json:"peak_gemini_waiting"`
	PeakRSSMB         float64 `json:"peak_rss_mb"` // highest sampled VmRSS
	PeakHWMMB         float64 `json:"peak_hwm_mb"` // VmHWM, reset at the start of the phase (0: could not reset)
	PeakGoroutines    int     `json:"peak_goroutines"`
	// PeakStacksMB and PeakHeapMB tell where the RSS went: goroutine
	// stacks and heap objects (runtime/metrics), fakes included.
	PeakStacksMB float64 `json:"peak_stacks_mb"`
	PeakHeapMB   float64 `json:"peak_heap_mb"`

	// TelegramCalls counts the bot's Bot API calls by method (getUpdates
	// left out), answered or not.
	TelegramCalls  map[string]int `json:"telegram_calls"`
	Telegram429s   int            `json:"telegram_429s"` // provoked by the bot (flood limits), storms left out
	EarlyRetries   int            `json:"telegram_early_retries"`
	GeminiCalls    int            `json:"gemini_calls"`
	GeminiAnswered int            `json:"gemini_answered"`
	GeminiRefused  int            `json:"gemini_refused"` // 429s, injected ones included
	GeminiFailed   int            `json:"gemini_failed"`
	QuotaOverruns  int            `json:"quota_overruns"`

	ShutdownError string `json:"shutdown_error,omitempty"`
}

// Targets are optional thresholds; a zero field is not checked. A missed
// target is reported, and does not change the exit status.
type Targets struct {
	UpdatesPerSec float64 `json:"updates_per_sec,omitempty"`
	P99MS         float64 `json:"p99_ms,omitempty"`
	PeakRSSMB     float64 `json:"peak_rss_mb,omitempty"`
	AnsweredShare float64 `json:"answered_share,omitempty"`
	Zero429s      bool    `json:"zero_429s,omitempty"`
}

// Report is the outcome of a run.
type Report struct {
	Scenario   Scenario `json:"scenario"`
	Targets    Targets  `json:"targets"`
	CPUs       int      `json:"cpus"`
	GOMAXPROCS int      `json:"gomaxprocs"`
	LoadAvg    string   `json:"load_avg"` // /proc/loadavg at the start: the machine may be shared
	Phases     []Phase  `json:"phases"`
	// Overhead is the SDK's cost against the floor: the echo bot's
	// updates/s over the SDK's, from the same run.
	Overhead float64 `json:"overhead_ratio,omitempty"`
	// Checks are the target verdicts; Problems the integrity failures,
	// which make the run exit non-zero.
	Checks   []string `json:"checks,omitempty"`
	Problems []string `json:"problems,omitempty"`
	// Notes are integrity findings about the floor, which has no retries.
	Notes []string `json:"notes,omitempty"`
}

// judged is the phase the targets and the exit status are about: the SDK's
// when it ran, else the only one.
func (r *Report) judged() *Phase {
	for i := range r.Phases {
		if r.Phases[i].Bot != "" && strings.HasPrefix(r.Phases[i].Bot, "sdk") {
			return &r.Phases[i]
		}
	}
	if len(r.Phases) > 0 {
		return &r.Phases[len(r.Phases)-1]
	}
	return nil
}

// check fills in Overhead, Checks and Problems.
func (r *Report) check() {
	if len(r.Phases) == 2 && r.Phases[1].UpdatesPerSec > 0 {
		r.Overhead = r.Phases[0].UpdatesPerSec / r.Phases[1].UpdatesPerSec
	}
	ph := r.judged()
	if ph == nil {
		return
	}
	for i := range r.Phases {
		p := &r.Phases[i]
		var found []string
		if p.Lost > 0 {
			found = append(found, fmt.Sprintf("%s: %d of %d user messages got no reply at all", p.Bot, p.Lost, p.Sent))
		}
		if p.Duplicated > 0 {
			found = append(found, fmt.Sprintf("%s: %d user messages were answered more than once", p.Bot, p.Duplicated))
		}
		if p.Stray > 0 {
			found = append(found, fmt.Sprintf("%s: %d answers went to the wrong chat", p.Bot, p.Stray))
		}
		if p == ph {
			r.Problems = append(r.Problems, found...)
		} else {
			// The floor has no retries and no pacing: its losses under
			// pacing or chaos are what the SDK is for, not a failure.
			r.Notes = append(r.Notes, found...)
		}
	}
	t := r.Targets
	verdict := func(ok bool, format string, args ...any) {
		v := "MISSED"
		if ok {
			v = "met"
		}
		r.Checks = append(r.Checks, fmt.Sprintf("%s: %s", fmt.Sprintf(format, args...), v))
	}
	if t.UpdatesPerSec > 0 {
		verdict(ph.UpdatesPerSec >= t.UpdatesPerSec, "updates/s %.0f >= %.0f", ph.UpdatesPerSec, t.UpdatesPerSec)
	}
	if t.P99MS > 0 {
		verdict(ph.Latency.P99 < t.P99MS, "p99 %.1f ms < %.0f ms", ph.Latency.P99, t.P99MS)
	}
	if t.PeakRSSMB > 0 {
		peak := max(ph.PeakRSSMB, ph.PeakHWMMB)
		verdict(peak < t.PeakRSSMB, "peak RSS %.1f MB < %.0f MB", peak, t.PeakRSSMB)
	}
	if t.AnsweredShare > 0 {
		verdict(ph.AnsweredShare >= t.AnsweredShare, "answered %.2f%% >= %.2f%%", 100*ph.AnsweredShare, 100*t.AnsweredShare)
	}
	if t.Zero429s {
		verdict(ph.Telegram429s == 0 && ph.EarlyRetries == 0, "Telegram 429s provoked %d (early retries %d) == 0", ph.Telegram429s, ph.EarlyRetries)
	}
}

// writeJSON writes the report as indented JSON.
func (r *Report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// writeTable writes the report for people: one column per phase.
func (r *Report) writeTable(w io.Writer) {
	sc := r.Scenario
	loop := "closed loop"
	if sc.Rate > 0 {
		loop = fmt.Sprintf("open loop at %.0f msg/s", sc.Rate)
	}
	pacing := "off (fake and SDK unpaced)"
	if sc.Pacing {
		pacing = "on (Telegram's rules of thumb)"
	}
	fmt.Fprintf(w, "workload: %d private chats, %d groups, %d messages, %s; Telegram pacing %s\n",
		sc.Chats, sc.Groups, sc.Messages, loop, pacing)
	fmt.Fprintf(w, "gemini: %d keys (%d dead), latency %v, %d chunks of %v, %d-byte answers; 429/min %.0f%%, 429/day %.0f%%, 5xx %.0f%%\n",
		sc.Keys, sc.DeadKeys, sc.GeminiLatency, sc.Chunks, sc.ChunkDelay, sc.AnswerBytes,
		100*sc.Gemini429Minute, 100*sc.Gemini429Day, 100*sc.Gemini5xx)
	fmt.Fprintf(w, "machine: %d CPUs, GOMAXPROCS %d, load average at start %s\n\n", r.CPUs, r.GOMAXPROCS, r.LoadAvg)

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	row := func(label string, f func(p Phase) string) {
		fmt.Fprintf(tw, "%s\t", label)
		for _, p := range r.Phases {
			fmt.Fprintf(tw, "%s\t", f(p))
		}
		fmt.Fprintln(tw)
	}
	num := func(v float64, unit string) string { return fmt.Sprintf("%.1f%s", v, unit) }
	row("pipeline", func(p Phase) string { return p.Bot })
	row("store / intake", func(p Phase) string { return p.Store + " / " + p.Intake })
	row("user messages sent", func(p Phase) string { return fmt.Sprint(p.Sent) })
	row("answered", func(p Phase) string { return fmt.Sprintf("%d (%.2f%%)", p.Answered, 100*p.AnsweredShare) })
	row("failed (error reply)", func(p Phase) string { return fmt.Sprint(p.Failed) })
	row("lost (no reply)", func(p Phase) string { return fmt.Sprint(p.Lost) })
	row("duplicated", func(p Phase) string { return fmt.Sprint(p.Duplicated) })
	row("updates/s", func(p Phase) string { return num(p.UpdatesPerSec, "") })
	row("duration", func(p Phase) string {
		return (time.Duration(p.Seconds * float64(time.Second))).Round(time.Millisecond).String()
	})
	row("latency p50", func(p Phase) string { return num(p.Latency.P50, " ms") })
	row("latency p90", func(p Phase) string { return num(p.Latency.P90, " ms") })
	row("latency p99", func(p Phase) string { return num(p.Latency.P99, " ms") })
	row("latency max", func(p Phase) string { return num(p.Latency.Max, " ms") })
	row("peak in flight", func(p Phase) string { return fmt.Sprint(p.PeakInFlight) })
	row("peak Gemini calls waiting", func(p Phase) string { return fmt.Sprint(p.PeakGeminiWaiting) })
	row("peak RSS (sampled)", func(p Phase) string { return num(p.PeakRSSMB, " MB") })
	row("peak RSS (VmHWM)", func(p Phase) string { return num(p.PeakHWMMB, " MB") })
	row("peak heap objects", func(p Phase) string { return num(p.PeakHeapMB, " MB") })
	row("peak goroutine stacks", func(p Phase) string { return num(p.PeakStacksMB, " MB") })
	row("peak goroutines", func(p Phase) string { return fmt.Sprint(p.PeakGoroutines) })
	row("Telegram 429s provoked", func(p Phase) string { return fmt.Sprint(p.Telegram429s) })
	row("Telegram early retries", func(p Phase) string { return fmt.Sprint(p.EarlyRetries) })
	row("Telegram calls per message", func(p Phase) string {
		if p.Sent == 0 {
			return "-"
		}
		var parts []string
		for _, m := range slices.Sorted(maps.Keys(p.TelegramCalls)) {
			parts = append(parts, fmt.Sprintf("%s %.2f", m, float64(p.TelegramCalls[m])/float64(p.Sent)))
		}
		return strings.Join(parts, ", ")
	})
	row("Gemini calls", func(p Phase) string { return fmt.Sprint(p.GeminiCalls) })
	row("Gemini refused / failed", func(p Phase) string { return fmt.Sprintf("%d / %d", p.GeminiRefused, p.GeminiFailed) })
	row("quota overruns", func(p Phase) string { return fmt.Sprint(p.QuotaOverruns) })
	_ = tw.Flush()
	for _, p := range r.Phases {
		if p.ShutdownError != "" {
			fmt.Fprintf(w, "%s: shutdown: %s\n", p.Bot, p.ShutdownError)
		}
	}
	if r.Overhead > 0 {
		fmt.Fprintf(w, "\nSDK overhead: the bare echo bot did %.2fx the SDK's updates/s\n", r.Overhead)
	}
	for _, c := range r.Checks {
		fmt.Fprintf(w, "target %s\n", c)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note (floor, not checked): %s\n", n)
	}
	if len(r.Problems) == 0 {
		fmt.Fprintln(w, "\nintegrity: OK (nothing lost, nothing answered twice)")
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "\nINTEGRITY FAILURE: %s\n", p)
	}
}

// loadAvg returns the first three fields of /proc/loadavg, or "".
func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

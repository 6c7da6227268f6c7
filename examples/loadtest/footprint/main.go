// Command footprint measures what the SDK's example bots cost to ship and
// to start: it builds them as a release would (CGO_ENABLED=0, -trimpath,
// -ldflags="-s -w"), reports their sizes and the modules and symbols linked
// in (a bot that imports no SQL or Redis backend must not carry one), then
// starts each binary against an in-process telegramtest server and
// geminitest server, and reports the time from exec to its first
// getUpdates call and its RSS once idle. Run it from the module root:
//
//	go run ./examples/loadtest/footprint
//	go run ./examples/loadtest/footprint -runs 9 -json
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// target is one example bot to measure.
type target struct {
	Name string // e.g. "geminibot"
	Pkg  string // e.g. "./examples/geminibot"
	// SizeLimitMB is the size target of the stripped binary.
	SizeLimitMB float64
	// Forbidden are module paths that must not be linked in.
	Forbidden []string
}

var targets = []target{
	{Name: "geminibot", Pkg: "./examples/geminibot", SizeLimitMB: 32},
	{Name: "minimal", Pkg: "./examples/minimal", SizeLimitMB: 16,
		Forbidden: []string{"modernc.org/sqlite", "github.com/jackc/pgx", "github.com/redis/go-redis"}},
}

// Result is what footprint found for one target.
type Result struct {
	Name        string  `json:"name"`
	Package     string  `json:"package"`
	BuildError  string  `json:"build_error,omitempty"`
	SizeMB      float64 `json:"size_mb"`
	SizeLimitMB float64 `json:"size_limit_mb"`
	// Forbidden lists forbidden modules found by go version -m and
	// forbidden symbols found by go tool nm (in an unstripped build).
	Forbidden []string `json:"forbidden,omitempty"`
	Modules   int      `json:"modules"`
	// StartupMS are the times from exec to the first getUpdates, one per
	// run; StartupMedianMS their median. IdleRSSMB are the RSS readings
	// after IdleWait; IdleRSSMedianMB their median.
	StartupMS       []float64 `json:"startup_ms,omitempty"`
	StartupMedianMS float64   `json:"startup_median_ms"`
	IdleRSSMB       []float64 `json:"idle_rss_mb,omitempty"`
	IdleRSSMedianMB float64   `json:"idle_rss_median_mb"`
	StartError      string    `json:"start_error,omitempty"`
}

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

func realMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("footprint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	runs := fs.Int("runs", 5, "start-ups per binary (the median is reported)")
	idle := fs.Duration("idle", defaultIdleWait, "how long after the first getUpdates to read the idle RSS")
	asJSON := fs.Bool("json", false, "write the results as JSON")
	only := fs.String("only", "", "measure only this target (geminibot or minimal)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir, err := os.MkdirTemp("", "footprint-")
	if err != nil {
		fmt.Fprintln(stderr, "footprint:", err)
		return 2
	}
	defer os.RemoveAll(dir)

	var results []Result
	failed := false
	for _, t := range targets {
		if *only != "" && *only != t.Name {
			continue
		}
		r := Result{Name: t.Name, Package: t.Pkg, SizeLimitMB: t.SizeLimitMB}
		bin := filepath.Join(dir, t.Name)
		if err := build(ctx, t.Pkg, bin, true); err != nil {
			r.BuildError = err.Error()
			failed = true
			results = append(results, r)
			continue
		}
		if fi, err := os.Stat(bin); err == nil {
			r.SizeMB = float64(fi.Size()) / (1 << 20)
		}
		mods, err := modules(ctx, bin)
		if err != nil {
			r.BuildError = err.Error()
		}
		r.Modules = len(mods)
		for _, m := range mods {
			for _, f := range t.Forbidden {
				if strings.HasPrefix(m, f) {
					r.Forbidden = append(r.Forbidden, "module "+m)
				}
			}
		}
		if len(t.Forbidden) > 0 {
			syms, err := forbiddenSymbols(ctx, t.Pkg, filepath.Join(dir, t.Name+"-symbols"), t.Forbidden)
			if err != nil {
				r.BuildError = err.Error()
			}
			r.Forbidden = append(r.Forbidden, syms...)
		}
		for range *runs {
			st, err := startup(ctx, bin, dir, *idle)
			if err != nil {
				r.StartError = err.Error()
				break
			}
			r.StartupMS = append(r.StartupMS, st.ToFirstPoll.Seconds()*1000)
			r.IdleRSSMB = append(r.IdleRSSMB, float64(st.IdleRSS)/(1<<20))
		}
		r.StartupMedianMS = median(r.StartupMS)
		r.IdleRSSMedianMB = median(r.IdleRSSMB)
		if r.StartError != "" || len(r.Forbidden) > 0 {
			failed = true
		}
		results = append(results, r)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(results)
	} else {
		writeTable(stdout, results)
	}
	if failed {
		return 1
	}
	return 0
}

func writeTable(w io.Writer, results []Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "binary\tsize\ttarget\tmodules\tforbidden\tstart-up to getUpdates (median)\ttarget\tidle RSS (median)\ttarget")
	for _, r := range results {
		if r.BuildError != "" && r.SizeMB == 0 {
			fmt.Fprintf(tw, "%s\tbuild failed: %s\n", r.Name, firstLine(r.BuildError))
			continue
		}
		forbidden := "none"
		if len(r.Forbidden) > 0 {
			forbidden = strings.Join(r.Forbidden, ", ")
		}
		fmt.Fprintf(tw, "%s\t%.1f MB\t< %.0f MB %s\t%d\t%s\t%.1f ms (%d runs)\t< 50 ms %s\t%.1f MB\t< 25 MB %s\n",
			r.Name, r.SizeMB, r.SizeLimitMB, verdict(r.SizeMB < r.SizeLimitMB),
			r.Modules, forbidden,
			r.StartupMedianMS, len(r.StartupMS), verdict(len(r.StartupMS) > 0 && r.StartupMedianMS < 50),
			r.IdleRSSMedianMB, verdict(len(r.IdleRSSMB) > 0 && r.IdleRSSMedianMB < 25))
		if r.StartError != "" {
			fmt.Fprintf(tw, "%s\tstart failed: %s\n", r.Name, firstLine(r.StartError))
		}
	}
	_ = tw.Flush()
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

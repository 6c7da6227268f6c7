package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
)

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

// runMain parses the flags, runs the scenario and writes the report. It
// returns 0 when the run kept its integrity, 1 when a reply was lost or
// duplicated, 2 on bad flags or a run that could not be made.
func runMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sc Scenario
	var t Targets
	sc.bindFlags(fs)
	asJSON := fs.Bool("json", false, "write the report as JSON")
	fs.Float64Var(&t.UpdatesPerSec, "want-ups", 0, "target: at least this many updates/s")
	fs.Float64Var(&t.P99MS, "want-p99", 0, "target: p99 latency under this many ms")
	fs.Float64Var(&t.PeakRSSMB, "want-rss", 0, "target: peak RSS under this many MB")
	fs.Float64Var(&t.AnsweredShare, "want-answered", 0, "target: at least this share of messages answered (0..1)")
	fs.BoolVar(&t.Zero429s, "want-no-429", false, "target: no Telegram 429 provoked")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	fs.StringVar(&sc.MemProfile, "memprofile", "", "write a heap profile to this file once every message is sent (the most in flight)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	sc, err := sc.withDefaults()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r, err := run(ctx, sc)
	if r != nil {
		r.Targets = t
		r.check()
		if *asJSON {
			_ = r.writeJSON(stdout)
		} else {
			r.writeTable(stdout)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if len(r.Problems) > 0 {
		return 1
	}
	return 0
}

// Command geminibot is the reference bot of the SDK: a Gemini Telegram bot
// configured from the environment (and a .env file), with a SQLite store by
// default, PostgreSQL and Redis for fleets, long polling or a webhook,
// health and metrics endpoints, reloading on SIGHUP and draining on
// SIGTERM.
//
//	go run ./examples/geminibot            # with TELEGRAM_BOT_TOKEN and GEMINI_API_KEYS set
//	go run ./examples/geminibot -console   # offline, in the terminal, no token needed
//
// See .env.example and the README for every variable.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// realMain runs the bot and returns the exit code: 0 after a clean
// shutdown, 1 on a runtime failure, 2 on bad flags or configuration.
func realMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("geminibot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	console := fs.Bool("console", false, "chat with the bot in the terminal, offline, against fake Telegram and Gemini servers (real Gemini when GEMINI_API_KEYS is set)")
	envFile := fs.String("env", ".env", "read variables from this file, if it exists; the environment wins")
	if err := fs.Parse(args); err != nil {
		return 2
	}

	load := func() (*config, error) {
		dotEnv, err := readDotEnv(*envFile)
		if err != nil {
			return nil, err
		}
		return loadConfig(osLookup(dotEnv), loadOptions{Console: *console})
	}
	cfg, err := load()
	if err != nil {
		fmt.Fprintf(stderr, "geminibot: configuration:\n%s\n", indent(err.Error()))
		return 2
	}

	if *console {
		opts := consoleOptions{In: stdin, Out: stdout, ChunkDelay: consoleChunkDelay}
		if _, set := cfg.from[envLogLevel]; set {
			opts.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := runConsole(ctx, cfg, opts); err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "geminibot:", err)
			return 1
		}
		return 0
	}

	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	cfg.print(stderr)

	// SIGTERM and SIGINT drain; a second one stops at once. SIGHUP reloads.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	stopSig := make(chan os.Signal, 2)
	signal.Notify(stopSig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(stopSig)
	go func() {
		select {
		case s := <-stopSig:
			log.Info("signal: draining", "signal", s.String())
			cancel()
		case <-done:
			return
		}
		select {
		case <-stopSig:
			log.Error("second signal: exiting without draining")
			os.Exit(1)
		case <-done:
		}
	}()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reload := make(chan struct{})
	go func() {
		for {
			select {
			case <-hup:
				log.Info("signal: reloading keys, tiers and personas")
				select {
				case reload <- struct{}{}:
				case <-done:
					return
				}
			case <-done:
				return
			}
		}
	}()

	a, err := newApp(ctx, cfg, appOptions{Logger: log, Reload: load, Metrics: newMetrics()})
	if err != nil {
		var ce *configError
		if errors.As(err, &ce) {
			fmt.Fprintf(stderr, "geminibot: configuration:\n%s\n", indent(err.Error()))
			return 2
		}
		fmt.Fprintln(stderr, "geminibot:", err)
		return 1
	}
	if err := a.run(ctx, reload); err != nil {
		log.Error("stopped", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// indent puts each line of s under a heading.
func indent(s string) string {
	out := "  "
	for _, r := range s {
		out += string(r)
		if r == '\n' {
			out += "  "
		}
	}
	return out
}

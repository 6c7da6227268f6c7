package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
)

// defaultIdleWait is how long after its first getUpdates a bot is left
// before its RSS is read.
const defaultIdleWait = 2 * time.Second

// startTimeout bounds a start-up.
const startTimeout = 20 * time.Second

// started is one start-up of a binary.
type started struct {
	ToFirstPoll time.Duration
	IdleRSS     int64
}

// startup starts bin against fresh fakes, measures the time until its
// first getUpdates and its RSS idleWait later, then stops it with SIGTERM.
//
// The bot is configured the way the reference bot reads its environment:
// TELEGRAM_BOT_TOKEN, GEMINI_API_KEYS, SVSBOT_TELEGRAM_API_URL,
// SVSBOT_GEMINI_API_URL, SVSBOT_STORE_URL (a SQLite file in a fresh
// directory, the default backend) and SVSBOT_LISTEN_ADDR=off.
func startup(ctx context.Context, bin, dir string, idleWait time.Duration) (started, error) {
	tg := telegramtest.New(telegramtest.Options{})
	defer tg.Close()
	gm := geminitest.New(geminitest.Options{})
	defer gm.Close()
	const key = "AIzaFootprintKey0000000000000000000000"
	gm.AddKey("k1", key, "p1")

	// A pass-through proxy in front of the fake notes the first getUpdates
	// the moment it arrives.
	target, _ := url.Parse(tg.URL())
	firstPoll := make(chan time.Time, 1)
	var once sync.Once
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ErrorLog = log.New(io.Discard, "", 0) // polls cut short by SIGTERM
	front := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(strings.ToLower(r.URL.Path), "/getupdates") {
			at := time.Now()
			once.Do(func() { firstPoll <- at })
		}
		proxy.ServeHTTP(w, r)
	})}
	ln, err := listenLoopback()
	if err != nil {
		return started{}, err
	}
	go func() { _ = front.Serve(ln) }()
	defer front.Close()

	work, err := os.MkdirTemp(dir, "run-")
	if err != nil {
		return started{}, err
	}
	defer os.RemoveAll(work)
	cmd := exec.Command(bin, "-env", filepath.Join(work, "absent.env"))
	cmd.Dir = work
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "SVSBOT_") || strings.HasPrefix(kv, "TELEGRAM_") || strings.HasPrefix(kv, "GEMINI_")
	}),
		"TELEGRAM_BOT_TOKEN="+tg.Token(),
		"GEMINI_API_KEYS="+key,
		"SVSBOT_TELEGRAM_API_URL=http://"+ln.Addr().String(),
		"SVSBOT_GEMINI_API_URL="+gm.URL,
		"SVSBOT_STORE_URL=sqlite://"+filepath.Join(work, "bot.db"),
		"SVSBOT_LISTEN_ADDR=off",
		"SVSBOT_LOG_LEVEL=error",
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		return started{}, fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}

	var st started
	select {
	case at := <-firstPoll:
		st.ToFirstPoll = at.Sub(begin)
	case err := <-exited:
		return st, fmt.Errorf("%s exited before polling: %v\n%s", filepath.Base(bin), err, stderr.String())
	case <-time.After(startTimeout):
		stop()
		return st, fmt.Errorf("%s did not poll within %v (does it read SVSBOT_TELEGRAM_API_URL?)\n%s", filepath.Base(bin), startTimeout, stderr.String())
	case <-ctx.Done():
		stop()
		return st, ctx.Err()
	}
	select {
	case <-time.After(idleWait):
	case err := <-exited:
		return st, fmt.Errorf("%s exited while idle: %v\n%s", filepath.Base(bin), err, stderr.String())
	}
	st.IdleRSS, err = processRSS(cmd.Process.Pid)
	stop()
	return st, err
}

// processRSS reads VmRSS of a process, in bytes.
func processRSS(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb << 10, err
			}
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// median of xs; 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

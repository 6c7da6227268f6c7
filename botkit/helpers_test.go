package botkit_test

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

func TestMain(m *testing.M) {
	// genai's dependencies start an opencensus worker at init, once per
	// process; it is not ours to stop.
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("go.opencensus.io/stats/view.(*worker).start"))
}

// fakeClock is a manual clock shared by telegramtest and botkit. With auto
// set, time jumps forward to a timer's deadline as soon as the timer is
// made: nothing sleeps, and a waiter never wakes before its deadline.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	auto   bool
	timers []*fakeTimer
	wake   chan struct{} // closed and replaced when a timer is made
	// waits records every timer duration asked for.
	waits []time.Duration
}

type fakeTimer struct {
	c   *fakeClock
	at  time.Time
	ch  chan time.Time
	off bool
}

func newFakeClock(auto bool) *fakeClock {
	// Start at the real time, so that context deadlines (real time) and
	// the clock can be compared in the short run of a test.
	return &fakeClock{now: time.Now().Round(time.Second), auto: auto, wake: make(chan struct{})}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) botkit.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	t := &fakeTimer{c: c, at: c.now.Add(d), ch: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	if c.auto && t.at.After(c.now) {
		c.now = t.at
	}
	c.fireLocked()
	close(c.wake)
	c.wake = make(chan struct{})
	return t
}

// WaitTimer blocks until a timer of duration d is pending (made and not
// fired), or ctx ends.
func (c *fakeClock) WaitTimer(ctx context.Context, d time.Duration) error {
	for {
		c.mu.Lock()
		for _, t := range c.timers {
			if !t.off && t.at.Sub(c.now) == d {
				c.mu.Unlock()
				return nil
			}
		}
		wake := c.wake
		c.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Advance moves the clock forward and fires the timers due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.fireLocked()
}

// Pending counts the timers not yet fired or stopped.
func (c *fakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// Waits returns the durations of the timers made so far, longest first.
func (c *fakeClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := append([]time.Duration(nil), c.waits...)
	sort.Slice(w, func(i, j int) bool { return w[i] > w[j] })
	return w
}

func (c *fakeClock) fireLocked() {
	keep := c.timers[:0]
	for _, t := range c.timers {
		if t.off {
			continue
		}
		if !t.at.After(c.now) {
			t.off = true
			t.ch <- c.now
			continue
		}
		keep = append(keep, t)
	}
	c.timers = keep
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.off
	t.off = true
	return was
}

// newServer starts a fake Telegram that closes with the test.
func newServer(t testing.TB, opts telegramtest.Options) *telegramtest.Server {
	t.Helper()
	srv := telegramtest.New(opts)
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns an HTTP client whose idle connections close with the
// test, so that goleak sees no leftover goroutines.
func newClient(t testing.TB, timeout time.Duration) *http.Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: timeout}
}

// newBot connects the real client to srv.
func newBot(t testing.TB, srv *telegramtest.Server) *bot.Bot {
	t.Helper()
	b, err := bot.New(srv.Token(), bot.WithServerURL(srv.URL()), bot.WithSkipGetMe(),
		bot.WithHTTPClient(time.Minute, newClient(t, 30*time.Second)))
	require.NoError(t, err)
	return b
}

// testCtx bounds a test's waits to a minute of real time. It reports no
// Deadline, as the code under test compares deadlines with the fake clock.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stop := time.AfterFunc(time.Minute, cancel)
	t.Cleanup(func() { stop.Stop(); cancel() })
	return ctx
}

// addChats registers chats on srv, typed by the shape of their IDs.
func addChats(srv *telegramtest.Server, ids ...int64) {
	for _, id := range ids {
		typ := models.ChatTypePrivate
		switch {
		case id < -1000000000000:
			typ = models.ChatTypeSupergroup
		case id < 0:
			typ = models.ChatTypeGroup
		}
		srv.AddChat(models.Chat{ID: id, Type: typ})
	}
}

package gemini_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/web3-ai-game/svs-telegram-bot/gemini"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
)

// TestLoadStreams runs 1,000 concurrent streams (half through Stream, half
// through StreamFunc) through 50 keys while the
// fake injects a mix of failures. Every stream must end with the complete
// answer or with a typed error and release its lease; TestMain's goleak
// check finds any goroutine left behind.
func TestLoadStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: skipped with -short")
	}
	const streams, keys = 1000, 50
	e := newEnv(t, envOptions{keys: keys,
		project: func(i int) string { return fmt.Sprintf("p%d", i/5) }, // 10 projects of 5 keys
		server: geminitest.Options{Chunks: 5, Seed: 7,
			Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }}})
	for _, f := range []geminitest.Fault{
		{Kind: geminitest.FaultInternal, Chance: 0.05},
		{Kind: geminitest.FaultOverloaded, Chance: 0.03},
		{Kind: geminitest.FaultRateLimited, Chance: 0.02, RetryDelay: time.Second},
		{Kind: geminitest.FaultMidStream, Chance: 0.03, AfterChunks: 2},
		{Kind: geminitest.FaultMidStream, Chance: 0.02},
		{Kind: geminitest.FaultDrop, Chance: 0.02, AfterChunks: 1},
		{Kind: geminitest.FaultDrop, Chance: 0.01},
		{Kind: geminitest.FaultSafety, Chance: 0.02},
		{Kind: geminitest.FaultBlockedPrompt, Chance: 0.01},
		{Kind: geminitest.FaultEmpty, Chance: 0.01},
		{Kind: geminitest.FaultMaxTokens, Chance: 0.01},
		{Kind: geminitest.FaultSlowFirstByte, Chance: 0.02, Delay: time.Second},
		{Kind: geminitest.FaultInvalidKey, Chance: 0.003},
	} {
		e.srv.Inject(f)
	}

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		endings = map[string]int{}
	)
	start := make(chan struct{})
	for i := range streams {
		wg.Go(func() {
			<-start
			prompt := fmt.Sprintf("question %d: tell me something long enough to be cut into chunks", i)
			want := "echo: " + prompt
			req := &gemini.Request{Models: []string{"pro", "flash", "lite"}, Text: prompt}
			var (
				got strings.Builder
				err error
				res gemini.Result
			)
			if i%2 == 0 {
				s := e.client.Stream(context.Background(), req)
				for s.Next() {
					got.WriteString(s.Text())
				}
				err, res = s.Err(), s.Result()
				_ = s.Close()
			} else {
				var r *gemini.Result
				r, err = e.client.StreamFunc(context.Background(), req, func(text string) error {
					got.WriteString(text)
					return nil
				})
				if r != nil {
					res = *r
				}
			}
			ending := classifyEnding(err)
			mu.Lock()
			endings[ending]++
			mu.Unlock()
			assert.Equal(t, got.String(), res.Text)
			switch ending {
			case "complete":
				if res.Truncated {
					assert.True(t, strings.HasPrefix(want, got.String()))
				} else {
					assert.Equal(t, want, got.String())
				}
			case "interrupted", "blocked":
				assert.True(t, strings.HasPrefix(want, got.String()), "partial text is a prefix")
			case "unknown":
				t.Errorf("stream %d ended with an untyped error: %v", i, err)
			default:
				assert.Empty(t, got.String())
			}
		})
	}
	close(start)
	wg.Wait()
	assert.Zero(t, e.inFlight(), "every lease released")
	total := 0
	for _, n := range endings {
		total += n
	}
	assert.Equal(t, streams, total)
	assert.Greater(t, endings["complete"], streams*3/4, "%v", endings)
	for _, k := range []string{"interrupted", "blocked", "empty"} {
		assert.NotZero(t, endings[k], "the mix produced %s endings: %v", k, endings)
	}
	calls := 0
	for _, p := range e.srv.Projects() {
		st := e.srv.Stats(p)
		calls += st.Calls
		assert.Equal(t, st.Calls, st.Answered+st.Refused+st.Failed, "project %q", p)
	}
	assert.Equal(t, len(e.srv.Calls()), calls)
	t.Logf("%d streams, %d calls to the fake: %v", streams, calls, endings)
}

func classifyEnding(err error) string {
	switch {
	case err == nil:
		return "complete"
	case errors.Is(err, gemini.ErrInterrupted):
		return "interrupted"
	case errors.Is(err, gemini.ErrBlocked):
		return "blocked"
	case errors.Is(err, gemini.ErrEmpty):
		return "empty"
	case errors.Is(err, gemini.ErrNoKey):
		return "no-key"
	case errors.Is(err, gemini.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, gemini.ErrBadRequest):
		return "bad-request"
	}
	return "unknown"
}

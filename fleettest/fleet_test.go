package fleettest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/web3-ai-game/svs-telegram-bot/internal/testenv"
)

// quietRedis drops go-redis's own log lines (dial failures while Redis is
// stopped on purpose).
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	redis.SetLogger(quietRedis{})
	goleak.VerifyTestMain(m,
		// genai's dependencies start an opencensus worker at init.
		goleak.IgnoreTopFunction("go.opencensus.io/stats/view.(*worker).start"),
		// pgx's and go-redis's pools close their background goroutines
		// asynchronously after Close.
		goleak.IgnoreAnyFunction("github.com/jackc/pgx/v5/pgxpool.(*Pool).backgroundHealthCheck"),
		goleak.IgnoreAnyFunction("github.com/jackc/puddle/v2.(*Pool).Close"),
	)
}

func runCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestFleetAnswersEachUpdateOnce: three replicas, updates from many users
// spread over them at random, a tenth delivered twice.
func TestFleetAnswersEachUpdateOnce(t *testing.T) {
	n := scale(t)
	f := newFleet(t, config{Updates: n, Replicas: 3, DupRate: 0.10})
	f.queue(1)
	elapsed := f.run(runCtx(t))

	once, more := f.handledCounts()
	require.Equal(t, n, once, "updates handled exactly once")
	require.Zero(t, more, "updates handled twice")
	r := f.checkReplies(true)
	served := f.checkProjects()
	total := 0
	for _, v := range served {
		total += v
	}
	require.Equal(t, r.ai, total, "every model answer was one project request")
	// Demand (userQuota of perUser messages) exceeds the projects' quotas:
	// the fleet must have used them up, to the request.
	for p, rpd := range f.projects {
		require.Equal(t, rpd, served[p], "project %s: quota used", p)
	}
	status, extraStatus, extra := f.lb.stats()
	t.Logf("%d updates from %d users on 3 replicas in %v (%.0f updates/s); %d delivered again (answers %v), Telegram deliveries answered %v",
		n, len(f.users), elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), extra, extraStatus, status)
	t.Logf("model answers %d, bot messages %d %v; projects %v; outcomes %v", r.ai, r.refusals, r.texts, served, f.outcomes)
}

// outage runs a fleet on a Redis of its own that is stopped after a third
// of the deliveries and started again after stopFor more (503s included).
func outage(t *testing.T, failOpen bool) {
	srv := testenv.StartRedis(t)
	n := max(scale(t)/5, 10*perUser) / perUser * perUser
	const stopFor = 60
	stopAt := n / 3
	var stopped, started time.Time
	f := newFleet(t, config{Updates: n, Replicas: 3, RedisURL: srv.URL(), FailOpen: failOpen,
		OnRequest: func(i int) {
			switch i {
			case stopAt:
				srv.Stop()
				stopped = time.Now()
			case stopAt + stopFor:
				srv.Start()
				started = time.Now()
			}
		}})
	f.queue(2)
	elapsed := f.run(runCtx(t))
	require.False(t, started.IsZero(), "Redis was started again")

	f.mu.Lock()
	down, up := f.storeDown, f.storeUp
	f.mu.Unlock()
	require.NotZero(t, down, "the replicas saw Redis fail")
	require.NotZero(t, up, "the replicas saw Redis come back")

	// Nothing is lost: every message has its reply, and the bot's own
	// messages are the ones it should send.
	r := f.checkReplies(false)
	allowed := []string{"out of capacity", "used up your requests", "Please try again", "still answering"}
	for text := range r.texts {
		ok := false
		for _, a := range allowed {
			ok = ok || strings.Contains(text, a)
		}
		require.True(t, ok, "unexpected reply %q", text)
	}
	once, more := f.handledCounts()
	require.Equal(t, n, once+more)
	status, _, _ := f.lb.stats()
	if !failOpen {
		// Failing closed, deliveries during the outage are refused so that
		// Telegram delivers them again.
		require.NotZero(t, status[http.StatusServiceUnavailable])
	}
	t.Logf("fail open %v: %d updates in %v, Redis down %v; handled once %d, more than once %d; deliveries answered %v",
		failOpen, n, elapsed.Round(time.Millisecond), started.Sub(stopped).Round(time.Millisecond), once, more, status)
	t.Logf("model answers %d, bot messages %d %v; outcomes %v; store failures %d, recoveries %d",
		r.ai, r.refusals, r.texts, f.outcomes, down, up)
}

func TestFleetRedisOutageFailOpen(t *testing.T)   { outage(t, true) }
func TestFleetRedisOutageFailClosed(t *testing.T) { outage(t, false) }

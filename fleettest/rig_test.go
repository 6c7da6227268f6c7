package fleettest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
	"github.com/web3-ai-game/svs-telegram-bot/gemini"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
	"github.com/web3-ai-game/svs-telegram-bot/internal/testenv"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
	"github.com/web3-ai-game/svs-telegram-bot/store/fleetstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/pgstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/redisstore"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

const (
	webhookSecret = "fleet-secret"
	perUser       = 10 // messages per user
	userQuota     = 8  // replies per user and day in the test tier
	firstUser     = 10_000
)

// scale is the number of updates of the main test: SVSBOT_FLEET_UPDATES,
// or 5,000.
func scale(t *testing.T) int {
	t.Helper()
	if v := os.Getenv("SVSBOT_FLEET_UPDATES"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "SVSBOT_FLEET_UPDATES")
		require.GreaterOrEqual(t, n, 10*perUser, "SVSBOT_FLEET_UPDATES")
		return n / perUser * perUser
	}
	return 5000
}

// config describes one fleet run.
type config struct {
	Updates  int     // user messages, perUser per user
	Replicas int     // bots sharing the stores
	DupRate  float64 // share of deliveries the balancer delivers again
	RedisURL string
	FailOpen bool
	// OnRequest, when set, sees the balancer's n-th request (from 1)
	// before it is forwarded.
	OnRequest func(n int)
}

// fleet is a run: the fakes, the replicas and what they did.
type fleet struct {
	t        *testing.T
	cfg      config
	tg       *telegramtest.Server
	gem      *geminitest.Server
	bots     []*botkit.Bot
	stores   []*fleetstore.Store
	lb       *balancer
	projects map[string]int // project -> requests per day
	users    []int64

	mu        sync.Mutex
	handled   map[int64]int // update ID -> handler runs, all replicas
	outcomes  map[string]int
	storeDown int // fleetstore failures reported
	storeUp   int // recoveries reported
	progress  chan struct{}
}

// testTiers are the default tiers with a small daily quota for private
// users and no per-minute limit, as the run lasts seconds.
func testTiers() []vipsession.Tier {
	tiers := vipsession.DefaultTiers()
	for i := range tiers {
		if tiers[i].Name == vipsession.TierFree {
			tiers[i].RequestsPerDay = userQuota
			tiers[i].RequestsPerMinute = vipsession.Unlimited
			tiers[i].MemoryRounds, tiers[i].MemoryTokens = 0, 0
			tiers[i].Models = []string{"gemini-flash-latest"}
			tiers[i].KeyGroups = []string{"free"}
		}
	}
	return tiers
}

// newFleet starts the fakes and cfg.Replicas bots on fresh schemas and
// key prefixes, behind a balancer that Telegram's webhook points at.
func newFleet(t *testing.T, cfg config) *fleet {
	t.Helper()
	pgURL := testenv.PostgresURL(t)
	if cfg.RedisURL == "" {
		cfg.RedisURL = testenv.RedisURL(t)
	}
	schema := testenv.PostgresSchema(t, pgURL)
	prefix := testenv.RedisPrefix(t, cfg.RedisURL)

	f := &fleet{t: t, cfg: cfg, handled: map[int64]int{}, outcomes: map[string]int{}, progress: make(chan struct{})}
	f.tg = telegramtest.New(telegramtest.Options{
		Pacing: telegramtest.Pacing{Disabled: true}, WebhookRetryDelay: 5 * time.Millisecond,
	})
	t.Cleanup(f.tg.Close)
	f.gem = geminitest.New(geminitest.Options{})
	t.Cleanup(f.gem.Close)

	// Two projects of two keys each, whose day quotas together serve
	// 7 in 10 user messages, fewer than the users may send (8 in 10): the
	// fleet must stop at the quotas, not past.
	rpd := max(1, cfg.Updates*7/20)
	f.projects = map[string]int{"proj-a": rpd, "proj-b": rpd}
	var keys []keyrouter.Key
	for _, p := range []string{"proj-a", "proj-b"} {
		f.gem.SetProjectQuota(p, "gemini-flash-latest", geminitest.Quota{RPD: rpd})
		for k := range 2 {
			id, secret := fmt.Sprintf("%s-%d", p, k), fmt.Sprintf("secret-%s-%d", p, k)
			f.gem.AddKey(id, secret, p)
			keys = append(keys, keyrouter.Key{ID: id, Secret: keyrouter.Secret(secret), Group: "free", Project: p,
				Limits: keyrouter.Limits{RPD: rpd}})
		}
	}

	quiet := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	var hooks []*botkit.Webhook
	for i := range cfg.Replicas {
		pg, err := pgstore.Open(ctx, pgURL, pgstore.Options{Schema: schema})
		require.NoError(t, err)
		rs, err := redisstore.Open(ctx, cfg.RedisURL, redisstore.Options{Prefix: prefix})
		require.NoError(t, err)
		fs, err := fleetstore.New(pg, rs, fleetstore.Options{
			FailOpen: cfg.FailOpen, Fallback: memstore.New(memstore.Options{}), Probe: 200 * time.Millisecond,
			OnFailure: f.storeEvent,
		})
		require.NoError(t, err)
		f.stores = append(f.stores, fs)
		router, err := keyrouter.New(keys, keyrouter.Options{Classifier: gemini.Classify, Shared: rs.RouterState()})
		require.NoError(t, err)
		b, err := botkit.New(f.tg.Token(), botkit.Options{
			Store: fs, Router: router, GeminiURL: f.gem.URL, Tiers: testTiers(),
			ServerURL: f.tg.URL(), BotUsername: telegramtest.DefaultBotUsername, SkipCommandRegistration: true,
			// The fake's flood control is off; so is ours, to measure the fleet.
			Sender: botkit.SenderOptions{PerChat: rate.Inf, PerGroup: rate.Inf, Global: rate.Inf},
			Stream: botkit.StreamOptions{NoDrafts: true},
			Dispatcher: botkit.DispatcherOptions{
				ChatLocks: fs, ReplicaID: "replica-" + strconv.Itoa(i), RetryDelay: 20 * time.Millisecond,
			},
			Webhook:    botkit.WebhookOptions{Secret: webhookSecret},
			Middleware: []botkit.Middleware{f.count},
			Observer:   f,
			Logger:     quiet,
		})
		require.NoError(t, err)
		f.bots = append(f.bots, b)
		wh, ok := b.WebhookHandler().(*botkit.Webhook)
		require.True(t, ok)
		hooks = append(hooks, wh)
	}
	t.Cleanup(func() { f.shutdown() })
	f.lb = newBalancer(hooks, cfg.DupRate, cfg.OnRequest, f.progressCh)
	return f
}

// shutdown stops the replicas and closes their stores; it may be called
// more than once.
func (f *fleet) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, b := range f.bots {
		if err := b.Shutdown(ctx); err != nil {
			f.t.Errorf("shutdown: %v", err)
		}
	}
	for _, s := range f.stores {
		_ = s.Close()
	}
	f.bots, f.stores = nil, nil
}

// count is the middleware that records each handler run.
func (f *fleet) count(next botkit.Handler) botkit.Handler {
	return func(ctx context.Context, upd *models.Update) error {
		f.mu.Lock()
		f.handled[upd.ID]++
		f.mu.Unlock()
		err := next(ctx, upd)
		f.mu.Lock()
		close(f.progress)
		f.progress = make(chan struct{})
		f.mu.Unlock()
		return err
	}
}

// progressCh returns a channel closed when a replica next finishes an
// update.
func (f *fleet) progressCh() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.progress
}

func (f *fleet) storeEvent(_ error, down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if down {
		f.storeDown++
	} else {
		f.storeUp++
	}
}

// UpdateReceived implements botkit.Observer.
func (f *fleet) UpdateReceived(string) {}

// ReplyFinished implements botkit.Observer.
func (f *fleet) ReplyFinished(r botkit.ReplyEvent) {
	f.mu.Lock()
	f.outcomes[r.Outcome]++
	f.mu.Unlock()
}

// TelegramError implements botkit.Observer.
func (f *fleet) TelegramError(method, class string) {
	f.mu.Lock()
	f.outcomes["telegram:"+method+":"+class]++
	f.mu.Unlock()
}

// queue has every user send perUser messages, interleaved at random
// (seeded) but in order per user. It returns the texts in send order.
func (f *fleet) queue(seed uint64) {
	users := f.cfg.Updates / perUser
	order := make([]int, 0, f.cfg.Updates)
	for u := range users {
		for range perUser {
			order = append(order, u)
		}
	}
	rnd := newRand(seed)
	for i := len(order) - 1; i > 0; i-- {
		j := rnd.IntN(i + 1)
		order[i], order[j] = order[j], order[i]
	}
	next := make([]int, users)
	for u := range users {
		f.users = append(f.users, int64(firstUser+u))
	}
	for _, u := range order {
		_, err := f.tg.SendText(int64(firstUser+u), fmt.Sprintf("u%d-%d", firstUser+u, next[u]))
		require.NoError(f.t, err)
		next[u]++
	}
}

// run points the webhook at the balancer and waits until every user
// message has a reply and every extra delivery was made, then shuts the
// replicas down, so that what they did is final.
func (f *fleet) run(ctx context.Context) time.Duration {
	f.t.Helper()
	start := time.Now()
	require.NoError(f.t, f.bots[0].SetWebhook(ctx, botkit.WebhookConfig{URL: f.lb.url(f.t), Secret: webhookSecret}))
	for _, u := range f.users {
		_, err := f.tg.WaitReplies(ctx, u, perUser)
		require.NoError(f.t, err, "chat %d: %d replies of %d", u, len(botReplies(f.tg.Messages(u))), perUser)
	}
	_, err := f.tg.WaitDelivered(ctx, f.cfg.Updates)
	require.NoError(f.t, err)
	require.NoError(f.t, f.lb.flush(ctx))
	elapsed := time.Since(start)
	f.shutdown()
	return elapsed
}

// botReplies returns the bot's messages among msgs.
func botReplies(msgs []models.Message) []models.Message {
	var out []models.Message
	for _, m := range msgs {
		if m.From != nil && m.From.IsBot {
			out = append(out, m)
		}
	}
	return out
}

// userText is the text the bot's reply m answers.
func userText(m models.Message) string {
	if m.ReplyToMessage == nil {
		return ""
	}
	return m.ReplyToMessage.Text
}

// aiReply reports whether m is the model's answer (geminitest echoes the
// user's text) rather than a message of the bot's own.
func aiReply(m models.Message) bool {
	return m.ReplyToMessage != nil && strings.Contains(m.Text, m.ReplyToMessage.Text)
}

// report is what checkReplies found.
type report struct {
	ai, refusals int            // model answers, bot messages (quota, capacity, try again)
	texts        map[string]int // the bot's own messages by text
}

// checkReplies checks every chat: each user message answered exactly
// once (exact) or at least once, the replies in message order, and at most
// userQuota model answers per user.
func (f *fleet) checkReplies(exact bool) report {
	f.t.Helper()
	r := report{texts: map[string]int{}}
	for _, u := range f.users {
		replies := botReplies(f.tg.Messages(u))
		per := map[string]int{}
		last, ai := -1, 0
		for _, m := range replies {
			text := userText(m)
			require.NotEmpty(f.t, text, "chat %d: a reply that answers no message", u)
			per[text]++
			seq, err := strconv.Atoi(text[strings.IndexByte(text, '-')+1:])
			require.NoError(f.t, err)
			if exact {
				require.Greater(f.t, seq, last, "chat %d: reply to message %d after message %d", u, seq, last)
			}
			last = seq
			if aiReply(m) {
				ai++
			} else {
				r.texts[m.Text]++
			}
		}
		for i := range perUser {
			text := fmt.Sprintf("u%d-%d", u, i)
			if exact {
				require.Equal(f.t, 1, per[text], "chat %d: replies to %q", u, text)
			} else {
				require.GreaterOrEqual(f.t, per[text], 1, "chat %d: %q lost", u, text)
			}
		}
		if exact {
			require.LessOrEqual(f.t, ai, userQuota, "chat %d: model answers past the user's quota", u)
		}
		r.ai += ai
		r.refusals += len(replies) - ai
	}
	return r
}

// checkProjects checks that no project served past its day quota, and
// returns the requests answered per project.
func (f *fleet) checkProjects() map[string]int {
	f.t.Helper()
	out := map[string]int{}
	for p, rpd := range f.projects {
		st := f.gem.Stats(p)
		require.Zero(f.t, st.Refused, "project %s: the fleet sent requests past its quota", p)
		require.LessOrEqual(f.t, st.Answered, rpd, "project %s", p)
		out[p] = st.Answered
	}
	return out
}

// handledCounts returns how many updates ran once and more than once.
func (f *fleet) handledCounts() (once, more int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.handled {
		if n == 1 {
			once++
		} else {
			more++
		}
	}
	return once, more
}

package metrics_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/metrics"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("go.opencensus.io/stats/view.(*worker).start"))
}

const secret = "AIzaSyMetricsTestKey00000000000000000001"

// TestCollectorAfterTraffic runs a bot with the Collector as its Observer
// and gathers the registry after some traffic.
func TestCollectorAfterTraffic(t *testing.T) {
	tg := telegramtest.New(telegramtest.Options{})
	defer tg.Close()
	ai := geminitest.New(geminitest.Options{Answer: geminitest.Text("fine, thanks")})
	defer ai.Close()
	ai.AddKey("k1", secret, "")
	st := memstore.New(memstore.Options{})
	defer st.Close()

	m := metrics.New(metrics.Options{})
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(m))

	b, err := botkit.New(tg.Token(), botkit.Options{
		Keys: secret, Store: st, ServerURL: tg.URL(), GeminiURL: ai.URL, Observer: m,
		SkipCommandRegistration: true,
		Sender:                  botkit.SenderOptions{PerChatBurst: 10},
	})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- b.Run(context.Background()) }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	_, err = tg.SendText(7, "how are you?")
	require.NoError(t, err)
	_, err = tg.WaitReplies(ctx, 7, 1)
	require.NoError(t, err)
	tg.BlockBot(8)
	_, err = tg.SendText(8, "hello?") // the answer fails: 403
	require.NoError(t, err)
	_, err = tg.WaitFor(ctx, func(c telegramtest.Call) bool { return c.ChatID == 8 && c.Status == 403 && c.Method == "sendMessage" })
	require.NoError(t, err)
	require.NoError(t, b.Shutdown(ctx))
	require.NoError(t, <-done)

	assert.Equal(t, 2.0, testutil.ToFloat64(m.Updates("message")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.Replies("ok", "free", "gemini-flash-lite-latest")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.Replies("telegram", "free", "gemini-flash-lite-latest")))
	assert.GreaterOrEqual(t, testutil.ToFloat64(m.TelegramErrors("sendMessage", "blocked")), 1.0)

	families, err := reg.Gather()
	require.NoError(t, err)
	names := map[string]bool{}
	var text strings.Builder
	for _, f := range families {
		names[f.GetName()] = true
		text.WriteString(f.String())
	}
	for _, n := range []string{"svsbot_updates_total", "svsbot_replies_total", "svsbot_reply_seconds",
		"svsbot_first_text_seconds", "svsbot_tokens_total", "svsbot_telegram_errors_total",
		"svsbot_key_state", "svsbot_key_calls_total", "svsbot_key_requests_today"} {
		assert.True(t, names[n], "missing %s", n)
	}
	assert.NotContains(t, text.String(), secret)
	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// TestGeminiErrorClasses counts failed replies by Gemini class.
func TestGeminiErrorClasses(t *testing.T) {
	m := metrics.New(metrics.Options{Namespace: "x"})
	for _, o := range []string{"blocked", "blocked", "no_key", "ok", "quota"} {
		m.ReplyFinished(botkit.ReplyEvent{Outcome: o, Latency: time.Second})
	}
	assert.Equal(t, 2.0, testutil.ToFloat64(m.GeminiErrors("blocked")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.GeminiErrors("no_key")))
	assert.Equal(t, 2, testutil.CollectAndCount(m, "x_gemini_errors_total"), "ok and quota are not Gemini errors")
}

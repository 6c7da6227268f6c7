package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
)

// fakes are the Telegram and Gemini servers a test bot talks to.
type fakes struct {
	tg *telegramtest.Server
	gm *geminitest.Server
}

func newFakes(t *testing.T) fakes {
	t.Helper()
	tg := telegramtest.New(telegramtest.Options{Pacing: telegramtest.Pacing{Disabled: true}})
	t.Cleanup(tg.Close)
	gm := geminitest.New(geminitest.Options{Answer: geminitest.Text("Hello from **Gemini**")})
	t.Cleanup(gm.Close)
	gm.AddKey("k1", testKey1, "p1")
	gm.AddKey("k2", testKey2, "p2")
	return fakes{tg, gm}
}

// env is the environment of a bot on the fakes, listening on a free port.
func (f fakes) env(t *testing.T, kv ...string) (map[string]string, string) {
	t.Helper()
	addr := freeAddr(t)
	m := map[string]string{
		envToken:          f.tg.Token(),
		envKeys:           "A:p1:" + testKey1,
		envOwners:         "7",
		envStoreURL:       "memory://",
		envListenAddr:     addr,
		envTelegramAPIURL: f.tg.URL(),
		envGeminiAPIURL:   f.gm.URL,
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m, addr
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// started is a bot running in the background.
type started struct {
	app     *app
	reload  chan struct{}
	reloads chan error
	handled chan int64 // update IDs, once handled
	stop    func() error
}

// start loads the configuration of env through loadConfig and runs the
// bot, as main does.
func start(t *testing.T, env map[string]string, readFile func(string) ([]byte, error)) *started {
	t.Helper()
	load := func() (*config, error) {
		return loadConfig(mapLookup(env), loadOptions{ReadFile: readFile})
	}
	cfg, err := load()
	require.NoError(t, err)
	s := &started{reload: make(chan struct{}), reloads: make(chan error, 1), handled: make(chan int64, 100)}
	a, err := newApp(context.Background(), cfg, appOptions{
		Logger: quietLog(), Metrics: newMetrics(), Reload: load,
		afterReload: func(err error) { s.reloads <- err },
		Middleware: []botkit.Middleware{func(next botkit.Handler) botkit.Handler {
			return func(ctx context.Context, upd *models.Update) error {
				err := next(ctx, upd)
				s.handled <- upd.ID
				return err
			}
		}},
	})
	require.NoError(t, err)
	s.app = a
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.run(ctx, s.reload) }()
	select {
	case <-a.started:
	case err := <-done:
		t.Fatalf("the bot did not start: %v", err)
	}
	var stopped bool
	var stopErr error
	s.stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			stopErr = <-done
		}
		return stopErr
	}
	t.Cleanup(func() { _ = s.stop() })
	return s
}

func (s *started) doReload(t *testing.T) error {
	t.Helper()
	s.reload <- struct{}{}
	return <-s.reloads
}

// ask sends text as user and returns the bot's first reply, once the
// update has been handled.
func (s *started) ask(t *testing.T, tg *telegramtest.Server, user int64, text string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	if strings.HasPrefix(text, "/") {
		_, err = tg.SendCommand(user, text)
	} else {
		_, err = tg.SendText(user, text)
	}
	require.NoError(t, err)
	msgs, err := tg.WaitReplies(ctx, user, 1)
	require.NoError(t, err)
	select {
	case <-s.handled:
	case <-ctx.Done():
		t.Fatal("the update was not handled")
	}
	return msgs[0].Text
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// The environment becomes a running bot: a message in, a streamed reply
// out, through the key of the configured group, with probes and metrics.
func TestWiringPolling(t *testing.T) {
	f := newFakes(t)
	env, addr := f.env(t)
	s := start(t, env, nil)

	assert.Equal(t, "Hello from Gemini", s.ask(t, f.tg, 42, "hi"))
	calls := f.gm.Calls()
	require.NotEmpty(t, calls)
	assert.Equal(t, "k1", calls[len(calls)-1].KeyID)
	assert.Equal(t, "hi", calls[len(calls)-1].LastUserText())

	code, body := get(t, "http://"+addr+"/healthz")
	assert.Equal(t, 200, code)
	assert.Equal(t, "ok\n", body)
	code, _ = get(t, "http://"+addr+"/readyz")
	assert.Equal(t, 200, code)
	code, body = get(t, "http://"+addr+"/metrics")
	assert.Equal(t, 200, code)
	for _, want := range []string{
		`outcome="ok",tier="free"} 1`,
		`svsbot_updates_total{kind="message"} 1`,
		`svsbot_key_ready{group="A",key="` + keyIDOf(testKey1) + `",state="ready"} 1`,
		`svsbot_key_requests_today{group="A",key="` + keyIDOf(testKey1) + `"} 1`,
	} {
		assert.True(t, strings.Contains(body, want), "/metrics lacks %s in\n%s", want, grepLines(body, "svsbot_"))
	}
	assertNoSecret(t, body)

	require.NoError(t, s.stop())
	_, err := http.Get("http://" + addr + "/healthz")
	assert.Error(t, err, "the server is down after the drain")
}

// With SVSBOT_WEBHOOK_URL the bot registers the webhook, serves it on
// SVSBOT_LISTEN_ADDR and refuses posts without the secret.
func TestWiringWebhook(t *testing.T) {
	f := newFakes(t)
	port := freeAddr(t)
	env, _ := f.env(t, envListenAddr, port, envWebhookURL, "http://"+port+"/telegram", envWebhookSecret, testWebSecret)
	s := start(t, env, nil)

	assert.Equal(t, "Hello from Gemini", s.ask(t, f.tg, 42, "hi by webhook"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	deliveries, err := f.tg.WaitDelivered(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, deliveries[0].Status, "answered once the update was handled")

	resp, err := http.Post("http://"+port+"/telegram", "application/json", strings.NewReader(`{"update_id": 999}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

// SIGHUP rotates keys in the running router and applies new personas and
// tiers to the running bot; a bad file leaves the running configuration
// alone.
func TestReload(t *testing.T) {
	f := newFakes(t)
	dir := t.TempDir()
	keysFile := filepath.Join(dir, "keys")
	personasFile := filepath.Join(dir, "personas.yaml")
	write := func(path, s string) { require.NoError(t, os.WriteFile(path, []byte(s), 0o600)) }
	write(keysFile, "A:p1:"+testKey1+"\n")
	write(personasFile, "personas:\n  - name: assistant\n    prompt: Be helpful.\n")
	env, _ := f.env(t, envKeys, "", envKeys+"_FILE", keysFile, envPersonasFile, personasFile)
	s := start(t, env, os.ReadFile)

	lastKey := func() string { c := f.gm.Calls(); return c[len(c)-1].KeyID }
	s.ask(t, f.tg, 42, "one")
	assert.Equal(t, "k1", lastKey())

	write(keysFile, "A:p2:"+testKey2+"\n")
	require.NoError(t, s.doReload(t))
	s.ask(t, f.tg, 42, "two")
	assert.Equal(t, "k2", lastKey(), "the new key serves after the reload")

	write(personasFile, "personas:\n  - name: assistant\n    prompt: Be helpful.\n  - name: pirate\n    title: Pirate\n    prompt: Talk like a pirate.\n")
	before := s.app.current()
	require.NoError(t, s.doReload(t))
	assert.Same(t, before, s.app.current(), "new personas apply to the running bot")
	assert.Contains(t, s.ask(t, f.tg, 7, "/persona"), "now: assistant")
	msgs := f.tg.Messages(7)
	kb := msgs[len(msgs)-1].ReplyMarkup
	require.NotNil(t, kb)
	assert.Equal(t, "Pirate", flatButtons(kb)[1].Text)
	s.ask(t, f.tg, 42, "three")
	assert.Equal(t, "k2", lastKey(), "the bot polls and answers with the same router")

	write(keysFile, "A:b:c:"+testKey1)
	err := s.doReload(t)
	require.ErrorIs(t, err, errConfig)
	assert.Contains(t, err.Error(), envKeys)
	assertNoSecret(t, err.Error())
	s.ask(t, f.tg, 42, "four")
	assert.Equal(t, "k2", lastKey(), "a bad reload keeps the running keys")
}

// realMain: flags, the .env file and configuration errors.
func TestRealMain(t *testing.T) {
	for _, v := range allVars {
		t.Setenv(v, "")
		t.Setenv(v+fileSuffix, "")
	}
	dir := t.TempDir()
	envFile := filepath.Join(dir, ".env")

	t.Run("bad flag", func(t *testing.T) {
		var stderr strings.Builder
		assert.Equal(t, 2, realMain([]string{"-nope"}, nil, io.Discard, &stderr))
	})
	t.Run("configuration errors name the variables", func(t *testing.T) {
		require.NoError(t, os.WriteFile(envFile, []byte("TELEGRAM_BOT_TOKEN="+testToken+"\nSVSBOT_LOG_LEVEL=loud\n"), 0o600))
		var stderr strings.Builder
		assert.Equal(t, 2, realMain([]string{"-env", envFile}, nil, io.Discard, &stderr))
		assert.Contains(t, stderr.String(), "  GEMINI_API_KEYS: is not set")
		assert.Contains(t, stderr.String(), "  SVSBOT_LOG_LEVEL: ")
		assertNoSecret(t, stderr.String())
	})
	t.Run("a bad .env file", func(t *testing.T) {
		require.NoError(t, os.WriteFile(envFile, []byte("oops "+testToken+"\n"), 0o600))
		var stderr strings.Builder
		assert.Equal(t, 2, realMain([]string{"-env", envFile}, nil, io.Discard, &stderr))
		assert.Contains(t, stderr.String(), ".env line 1")
		assertNoSecret(t, stderr.String())
	})
	t.Run("console", func(t *testing.T) {
		var stdout, stderr strings.Builder
		code := realMain([]string{"-console", "-env", filepath.Join(dir, "none")}, strings.NewReader("hello console\n"), &stdout, &stderr)
		assert.Equal(t, 0, code, stderr.String())
		assert.Contains(t, stdout.String(), "You said: hello console")
	})
	t.Run("an unreachable store stops the start", func(t *testing.T) {
		require.NoError(t, os.WriteFile(envFile, []byte("TELEGRAM_BOT_TOKEN="+testToken+"\nGEMINI_API_KEYS="+testKey1+"\nSVSBOT_STORE_URL=sqlite://"+filepath.Join(envFile, "db", "bot.db")+"\n"), 0o600))
		var stderr strings.Builder
		assert.Equal(t, 2, realMain([]string{"-env", envFile}, nil, io.Discard, &stderr))
		assert.Contains(t, stderr.String(), "SVSBOT_STORE_URL: cannot")
		assertNoSecret(t, stderr.String())
	})
}

var _ botkit.Observer = observer{}

// grepLines keeps the lines of s that contain sub.
func grepLines(s, sub string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// SIGHUP applies new tiers, and the key groups they map to, to the running
// bot and key router.
func TestReloadTiers(t *testing.T) {
	f := newFakes(t)
	dir := t.TempDir()
	keysFile := filepath.Join(dir, "keys")
	tiersFile := filepath.Join(dir, "tiers.yaml")
	write := func(path, s string) { require.NoError(t, os.WriteFile(path, []byte(s), 0o600)) }
	write(keysFile, "A:p1:"+testKey1+"\nB:p2:"+testKey2+"\n")
	tiers := func(group string, perDay int) string {
		return fmt.Sprintf("tiers:\n  - name: guest\n    base: guest\n  - name: free\n    base: free\n    requests_per_day: %d\n    key_groups: [%s]\n"+
			"  - name: vip\n    base: vip\n  - name: owner\n    base: owner\n", perDay, group)
	}
	write(tiersFile, tiers("A", 50))
	env, _ := f.env(t, envKeys, "", envKeys+"_FILE", keysFile, envTiersFile, tiersFile)
	s := start(t, env, os.ReadFile)
	lastKey := func() string { c := f.gm.Calls(); return c[len(c)-1].KeyID }

	s.ask(t, f.tg, 42, "one")
	assert.Equal(t, "k1", lastKey(), "free is served by group A")
	before := s.app.current()

	write(tiersFile, tiers("B", 60))
	require.NoError(t, s.doReload(t))
	assert.Same(t, before, s.app.current(), "the bot is not rebuilt")
	s.ask(t, f.tg, 42, "two")
	assert.Equal(t, "k2", lastKey(), "free is served by group B now")
	free, err := s.app.current().Sessions().Tier("free")
	require.NoError(t, err)
	assert.Equal(t, int64(60), free.RequestsPerDay)
	assert.Contains(t, s.ask(t, f.tg, 42, "/usage"), "2 of 60", "quota used before the reload counts")
}

package botkit_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
	"github.com/web3-ai-game/svs-telegram-bot/store/sqlitestore"
)

// TestBotChoicesStory covers /model with its keyboard, /persona, /reset,
// /revoke, refusals told in the user's words, and /broadcast.
func TestBotChoicesStory(t *testing.T) {
	s := newStory(t, func(o *botkit.Options) {
		o.Personas = []botkit.Persona{
			{Name: "plain", Title: "Plain", Prompt: "Answer plainly."},
			{Name: "pirate", Title: "Pirate", Prompt: "Answer like a pirate."},
		}
	})
	a, boss := s.user(alice, "Alice", "en"), s.user(owner, "Owner", "en")

	t.Run("model keyboard and callback", func(t *testing.T) {
		kb := s.say(alice, a, "/model", 1)[0]
		assert.Equal(t, "Choose a model (now: automatic).", kb.Text)
		require.NotNil(t, kb.ReplyMarkup)
		qid, err := s.tg.SendCallback(alice, kb.ID, "m:gemini-flash-latest")
		require.NoError(t, err)
		s.waitAnswer(0)
		require.NoError(t, err)
		assert.Equal(t, "Model: gemini-flash-latest.", s.tg.CallbackAnswer(qid).Text)
		s.say(alice, a, "hi", 1)
		assert.Equal(t, "gemini-flash-latest", s.lastCall().Model, "the choice beats the selector's small-talk rule")

		// A model outside the tier is refused.
		seen := len(s.tg.Calls())
		_, err = s.tg.SendCallback(alice, kb.ID, "m:gemini-pro-latest")
		require.NoError(t, err)
		s.waitAnswer(seen)
		s.say(alice, a, "hi again", 1)
		assert.Equal(t, "gemini-flash-latest", s.lastCall().Model)
	})

	t.Run("persona", func(t *testing.T) {
		kb := s.say(alice, a, "/persona", 1)[0]
		assert.Equal(t, "Choose a persona (now: Plain).", kb.Text)
		seen := len(s.tg.Calls())
		qid, err := s.tg.SendCallback(alice, kb.ID, "p:pirate")
		require.NoError(t, err)
		s.waitAnswer(seen)
		assert.Equal(t, "Persona: Pirate.", s.tg.CallbackAnswer(qid).Text)
		s.say(alice, a, "where is the treasure?", 1)
		assert.Equal(t, "Answer like a pirate.", s.lastCall().System)
	})

	t.Run("reset forgets", func(t *testing.T) {
		assert.Equal(t, "Done: I forgot our conversation.", s.say(alice, a, "/reset", 1)[0].Text)
		s.say(alice, a, "who am I?", 1)
		assert.Len(t, s.lastCall().Contents, 1)
	})

	t.Run("refusals in the user's words", func(t *testing.T) {
		s.ai.Inject(geminitest.Fault{Kind: geminitest.FaultBlockedPrompt, Times: 1})
		got := s.say(owner, boss, "something forbidden", 1)
		assert.Equal(t, "I can't answer that: the content was blocked.", got[0].Text)
		assert.Equal(t, "blocked", s.waitReply("blocked").Outcome)

		s.ai.Inject(geminitest.Fault{Kind: geminitest.FaultMidStream, AfterChunks: 1, Times: 1})
		got = s.say(owner, boss, "tell me a story", 1)
		assert.Contains(t, got[0].Text, "(the answer was interrupted)")
		assert.Contains(t, got[0].Text, "echo:")

		s.ai.Inject(geminitest.Fault{Kind: geminitest.FaultDayExhausted})
		got = s.say(owner, boss, "are you there?", 1)
		assert.True(t, strings.HasPrefix(got[0].Text, "I am out of capacity for the moment. Please try again"), got[0].Text)
		for _, sec := range storySecrets {
			assert.NotContains(t, got[0].Text, sec)
		}
		s.ai.ClearFaults()
	})

	t.Run("revoke", func(t *testing.T) {
		assert.Equal(t, "User 300 has no grant.", s.say(owner, boss, "/revoke 300", 1)[0].Text)
		s.say(owner, boss, "/grant 300 vip 1d", 1)
		assert.Equal(t, "User 300's grant is revoked.", s.say(owner, boss, "/revoke 300", 1)[0].Text)
		assert.Equal(t, "Unknown command.", s.say(alice, a, "/revoke 300", 1)[0].Text)
	})

	t.Run("broadcast skips users who blocked the bot", func(t *testing.T) {
		s.say(bob, s.user(bob, "Bob", "zh"), "/start", 1)
		s.say(carol, s.user(carol, "Carol", "en"), "/start", 1)
		s.tg.BlockBot(carol)
		status := s.say(owner, boss, "/broadcast Maintenance tonight", 1)[0]
		done, err := s.tg.WaitFor(s.ctx, func(c telegramtest.Call) bool {
			return c.Method == "editMessageText" && c.MessageID == status.ID && strings.HasPrefix(c.Text, "Broadcast finished")
		})
		require.NoError(t, err)
		assert.Equal(t, "Broadcast finished: 3 sent, 1 skipped, 0 failed.", done.Text)
		for _, id := range []int64{alice, bob, owner} {
			msgs := s.tg.Messages(id)
			found := false
			for _, m := range msgs {
				found = found || m.Text == "Maintenance tonight"
			}
			assert.True(t, found, "user %d got the broadcast", id)
		}
		u, err := s.bot.Store().GetUser(s.ctx, carol)
		require.NoError(t, err)
		assert.True(t, u.Blocked)
	})
}

// waitAnswer waits for an answerCallbackQuery after the call seen.
func (s *story) waitAnswer(seen int) {
	s.t.Helper()
	_, err := s.tg.WaitFor(s.ctx, func(c telegramtest.Call) bool { return c.Method == "answerCallbackQuery" && c.Seq > seen })
	require.NoError(s.t, err)
}

// TestBotGroupSharedMemory shares memory per group when configured.
func TestBotGroupSharedMemory(t *testing.T) {
	s := newStory(t, func(o *botkit.Options) {
		o.GroupMemory = botkit.MemoryPerGroup
		o.MaxImageBytes = 2000
	})
	s.tg.AddChat(models.Chat{ID: groupID, Type: models.ChatTypeGroup, Title: "Shared"})
	// Members who have talked to the bot in private get the free tier,
	// which has memory.
	s.say(alice, s.user(alice, "Alice", "en"), "/start", 1)
	s.say(dave, s.user(dave, "Dave", "en"), "/start", 1)
	s.say(groupID, s.user(alice, "Alice", "en"), "@test_bot the password is swordfish", 1)
	s.say(groupID, s.user(dave, "Dave", "en"), "@test_bot what is the password?", 1)
	call := s.lastCall()
	require.Len(t, call.Contents, 3)
	assert.Equal(t, "the password is swordfish", call.Contents[0].Text)

	// A guest's photo: the tier has no images.
	_, err := s.tg.Send(telegramtest.Incoming{ChatID: groupID, From: s.user(500, "Eve", "en"), Media: telegramtest.MediaPhoto, Text: "@test_bot what is this?"})
	require.NoError(t, err)
	got, err := s.tg.WaitReplies(s.ctx, groupID, 1)
	require.NoError(t, err)
	assert.Equal(t, "Images are not available in your tier.", got[0].Text)
	// A photo past MaxImageBytes.
	_, err = s.tg.Send(telegramtest.Incoming{ChatID: groupID, From: s.user(alice, "Alice", "en"), Media: telegramtest.MediaPhoto,
		Text: "@test_bot and this?", File: make([]byte, 3000)})
	require.NoError(t, err)
	got, err = s.tg.WaitReplies(s.ctx, groupID, 1)
	require.NoError(t, err)
	assert.Equal(t, "That image is too large (the limit is 1 KB).", got[0].Text)
}

// TestBotWebhookAndHealth serves the Bot as a webhook, with /healthz and
// /readyz.
func TestBotWebhookAndHealth(t *testing.T) {
	tg := telegramtest.New(telegramtest.Options{})
	defer tg.Close()
	ai := geminitest.New(geminitest.Options{})
	defer ai.Close()
	ai.AddKey("k", storySecrets[0], "")
	st := memstore.New(memstore.Options{})
	defer st.Close()
	b, err := botkit.New(tg.Token(), botkit.Options{
		Keys: storySecrets[0], Store: st, ServerURL: tg.URL(), GeminiURL: ai.URL,
		Webhook: botkit.WebhookOptions{Secret: "hook-secret"},
		Sender:  botkit.SenderOptions{PerChatBurst: 10},
	})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/telegram", b.WebhookHandler())
	mux.Handle("/", b.HealthHandler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	get := func(path string) (int, string) {
		resp, err := srv.Client().Get(srv.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	code, body := get("/healthz")
	assert.Equal(t, 200, code)
	assert.Equal(t, "ok\n", body)
	code, _ = get("/readyz")
	assert.Equal(t, 200, code)

	require.NoError(t, b.SetWebhook(ctx, botkit.WebhookConfig{URL: srv.URL + "/telegram", Secret: "hook-secret"}))
	_, err = tg.SendText(9, "hello over the webhook")
	require.NoError(t, err)
	got, err := tg.WaitReplies(ctx, 9, 1)
	require.NoError(t, err)
	assert.Equal(t, "echo: hello over the webhook", got[0].Text)

	require.NoError(t, b.Shutdown(ctx))
	code, body = get("/readyz")
	assert.Equal(t, 503, code)
	assert.Equal(t, "not ready\n", body)
}

// TestAssistantOnOwnBot gives a program's own go-telegram/bot bot the AI
// reply as a middleware, keeping its own handlers for the rest.
func TestAssistantOnOwnBot(t *testing.T) {
	tg := telegramtest.New(telegramtest.Options{})
	defer tg.Close()
	ai := geminitest.New(geminitest.Options{Answer: geminitest.Text("from the assistant")})
	defer ai.Close()
	ai.AddKey("k", storySecrets[0], "")
	st := memstore.New(memstore.Options{})
	defer st.Close()

	var own []string
	b, err := bot.New(tg.Token(), bot.WithServerURL(tg.URL()), bot.WithSkipGetMe(), bot.WithNotAsyncHandlers(),
		bot.WithDefaultHandler(func(ctx context.Context, _ *bot.Bot, upd *models.Update) {
			own = append(own, upd.Message.Text)
		}))
	require.NoError(t, err)
	as, err := botkit.NewAssistant(b, botkit.Options{Keys: storySecrets[0], Store: st, GeminiURL: ai.URL,
		Sender: botkit.SenderOptions{PerChatBurst: 10}})
	require.NoError(t, err)
	defer func() { assert.NoError(t, as.Close()) }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	mw := as.Middleware()
	h := mw(func(ctx context.Context, b *bot.Bot, upd *models.Update) { own = append(own, upd.Message.Text) })
	for i, text := range []string{"/mycommand", "what is new?"} {
		msg, err := tg.SendText(11, text)
		require.NoError(t, err)
		h(ctx, b, &models.Update{ID: int64(i + 1), Message: &msg})
	}
	assert.Equal(t, []string{"/mycommand"}, own, "commands go to the program's handler")
	got, err := tg.WaitReplies(ctx, 11, 1)
	require.NoError(t, err)
	assert.Equal(t, "from the assistant", got[0].Text)

	msg, err := tg.SendText(11, "and again")
	require.NoError(t, err)
	as.Handler()(ctx, b, &models.Update{ID: 3, Message: &msg})
	got, err = tg.WaitReplies(ctx, 11, 1)
	require.NoError(t, err)
	assert.Equal(t, "from the assistant", got[0].Text)
}

// TestBotSQLiteByDefault opens the SQLite file when no store is given,
// keeps the conversation there across a restart, and closes it at
// Shutdown.
func TestBotSQLiteByDefault(t *testing.T) {
	tg := telegramtest.New(telegramtest.Options{})
	defer tg.Close()
	ai := geminitest.New(geminitest.Options{})
	defer ai.Close()
	ai.AddKey("k", storySecrets[0], "")
	path := t.TempDir() + "/bot.db"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	for i, text := range []string{"first question", "second question"} {
		st, err := sqlitestore.Open(ctx, path, sqlitestore.Options{})
		require.NoError(t, err)
		defer st.Close()
		b, err := botkit.New(tg.Token(), botkit.Options{Keys: storySecrets[0], Store: st, ServerURL: tg.URL(),
			GeminiURL: ai.URL, SkipCommandRegistration: true, Poller: botkit.PollerOptions{PollTimeout: time.Second}})
		require.NoError(t, err)
		done := make(chan error, 1)
		go func() { done <- b.Run(ctx) }()
		_, err = tg.SendText(12, text)
		require.NoError(t, err)
		got, err := tg.WaitReplies(ctx, 12, 1)
		require.NoError(t, err)
		assert.Equal(t, "echo: "+text, got[0].Text)
		require.NoError(t, b.Shutdown(ctx))
		require.NoError(t, <-done)
		calls := ai.Calls()
		assert.Len(t, calls[len(calls)-1].Contents, 1+2*i, "run %d remembers the earlier run", i)
	}
}

package botkit_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

// Gemini keys of the story: three projects, so that a 429 on one cools
// only that one.
var storySecrets = []string{
	"AIzaSyStoryKeyOne000000000000000000001",
	"AIzaSyStoryKeyTwo000000000000000000002",
	"AIzaSyStoryKeyThree00000000000000000003",
}

const (
	owner   = int64(1)
	alice   = int64(100) // free, English
	bob     = int64(200) // free, Chinese
	carol   = int64(300) // granted vip
	dave    = int64(400) // group member
	groupID = int64(-4001)
)

func storyTiers() []vipsession.Tier {
	u := vipsession.Unlimited
	base := vipsession.Tier{
		RequestsPerMonth: u, TokensPerDay: u, TokensPerMonth: u, RequestsPerMinute: u,
		Concurrent: 1, MemoryTokens: u, IdleExpiry: time.Hour, Capacity: u, Images: true, Personas: true,
	}
	guest, free, vip, own := base, base, base, base
	guest.Name, guest.Rank, guest.RequestsPerDay, guest.Images = "guest", 0, 20, false
	guest.Models = []string{"gemini-flash-lite-latest"}
	free.Name, free.Rank, free.RequestsPerDay, free.MemoryRounds = "free", 1, 4, 5
	free.Models = []string{"gemini-flash-latest", "gemini-flash-lite-latest"}
	// vip remembers more rounds than the story has turns, so that no
	// memory note (a message of its own) comes between a question and its
	// answer.
	vip.Name, vip.Rank, vip.RequestsPerDay, vip.MemoryRounds = "vip", 3, 100, 50
	vip.Models = []string{"gemini-pro-latest", "gemini-flash-latest", "gemini-flash-lite-latest"}
	own.Name, own.Rank, own.RequestsPerDay, own.MemoryRounds = "owner", 4, u, 5
	own.Models = vip.Models
	return []vipsession.Tier{guest, free, vip, own}
}

// logSink is a log sink safe for concurrent writes.
type logSink struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// streamGate holds streamed answers after their first chunk while shut.
type streamGate struct {
	shut  atomic.Bool
	calls atomic.Int32
}

func (g *streamGate) sleep(ctx context.Context, _ time.Duration) error {
	if !g.shut.Load() || g.calls.Add(1) == 1 {
		return nil
	}
	<-ctx.Done()
	return ctx.Err()
}

// replyLog is an Observer that hands reply events to the test.
type replyLog struct {
	replies chan botkit.ReplyEvent
	tgErrs  atomic.Int32
}

func (r *replyLog) UpdateReceived(string) {}
func (r *replyLog) ReplyFinished(e botkit.ReplyEvent) {
	select {
	case r.replies <- e:
	default: // the test only waits for some
	}
}
func (r *replyLog) TelegramError(string, string) { r.tgErrs.Add(1) }

// waitReply waits for the next reply event with the outcome.
func (s *story) waitReply(outcome string) botkit.ReplyEvent {
	s.t.Helper()
	for {
		select {
		case e := <-s.obs.replies:
			if e.Outcome == outcome {
				return e
			}
		case <-s.ctx.Done():
			s.t.Fatalf("no reply with outcome %q", outcome)
		}
	}
}

type story struct {
	obs   *replyLog
	t     *testing.T
	ctx   context.Context
	clock *fakeClock
	tg    *telegramtest.Server
	ai    *geminitest.Server
	bot   *botkit.Bot
	logs  *logSink
	gate  *streamGate
}

func (s *story) user(id int64, name, lang string) models.User {
	return models.User{ID: id, FirstName: name, LanguageCode: lang}
}

// say sends text from u in chat and returns the bot's n replies.
func (s *story) say(chat int64, u models.User, text string, n int) []models.Message {
	s.t.Helper()
	_, err := s.tg.Send(telegramtest.Incoming{ChatID: chat, From: u, Text: text})
	require.NoError(s.t, err)
	got, err := s.tg.WaitReplies(s.ctx, chat, n)
	require.NoError(s.t, err)
	return got
}

// lastCall is Gemini's last recorded generate call.
func (s *story) lastCall() geminitest.Call {
	s.t.Helper()
	calls := s.ai.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Status == 200 {
			return calls[i]
		}
	}
	s.t.Fatal("no answered Gemini call")
	return geminitest.Call{}
}

// recheck is the Poller's Recheck in the story, a duration no other timer
// uses, so that the test can find the Poller's timer and fire it.
const recheck = 700 * time.Millisecond

// pollAgain makes the Poller ask again while an update runs, until stop
// is closed.
func (s *story) pollAgain(stop <-chan struct{}) {
	ctx, cancel := context.WithCancel(s.ctx)
	go func() {
		<-stop
		cancel()
	}()
	for s.clock.WaitTimer(ctx, recheck) == nil {
		s.clock.Advance(recheck)
	}
}

func newStory(t *testing.T, configure ...func(*botkit.Options)) *story {
	clock := newFakeClock(false)
	tg := telegramtest.New(telegramtest.Options{Now: clock.Now, Pacing: telegramtest.Pacing{Disabled: true}})
	gate := &streamGate{}
	ai := geminitest.New(geminitest.Options{Now: clock.Now, Chunks: 3, ChunkDelay: time.Millisecond, Sleep: gate.sleep})
	for i, sec := range storySecrets {
		id := []string{"k1", "k2", "k3"}[i]
		ai.AddKey(id, sec, "proj-"+id)
	}
	st := memstore.New(memstore.Options{})
	logs := &logSink{}
	obs := &replyLog{replies: make(chan botkit.ReplyEvent, 64)}
	opts := botkit.Options{
		// The story's clock stands still: show progress at once.
		Stream:    botkit.StreamOptions{TypingDelay: -1, FirstProgressDelay: -1},
		Keys:      "A:p1:" + storySecrets[0] + ",A:p2:" + storySecrets[1] + ",A:p3:" + storySecrets[2],
		Store:     st,
		ServerURL: tg.URL(),
		GeminiURL: ai.URL,
		Tiers:     storyTiers(),
		Owners:    []int64{owner},
		Triggers:  []string{"小爱同学", "admin"},
		Clock:     clock,
		Observer:  obs,
		Logger:    slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Sender:    botkit.SenderOptions{PerChat: 1000, PerChatBurst: 100, PerGroup: 1000, PerGroupBurst: 100, Global: 1000, GlobalBurst: 100},
		Poller:    botkit.PollerOptions{PollTimeout: time.Second, Recheck: recheck},
	}
	for _, c := range configure {
		c(&opts)
	}
	b, err := botkit.New(tg.Token(), opts)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		assert.NoError(t, b.Shutdown(sctx))
		assert.NoError(t, <-done)
		cancel()
		tg.Close()
		ai.Close()
		_ = st.Close()
	})
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(logs.String())
		}
	})
	return &story{obs: obs, t: t, ctx: ctx, clock: clock, tg: tg, ai: ai, bot: b, logs: logs, gate: gate}
}

// TestBotStory runs the facade end to end against telegramtest and
// geminitest, with the real go-telegram/bot and genai clients, as one
// story in order.
func TestBotStory(t *testing.T) {
	s := newStory(t)
	a, b, c, d := s.user(alice, "Alice", "en"), s.user(bob, "Bob", "zh-hans"), s.user(carol, "Carol", "en"), s.user(dave, "Dave", "en")
	boss := s.user(owner, "Owner", "en")

	t.Run("commands are registered per scope", func(t *testing.T) {
		_, err := s.tg.WaitFor(s.ctx, func(c telegramtest.Call) bool { return c.Method == "setMyCommands" })
		require.NoError(t, err)
		// Registration runs before polling, so by the first answer it is done.
		s.say(alice, a, "/start", 1)
		public, err := s.tg.Commands(nil, "")
		require.NoError(t, err)
		names := commandNames(public)
		assert.Contains(t, names, "model")
		assert.NotContains(t, names, "grant")
		staff, err := s.tg.Commands(&models.BotCommandScopeChat{ChatID: owner}, "")
		require.NoError(t, err)
		assert.Contains(t, commandNames(staff), "grant")
		zh, err := s.tg.Commands(nil, "zh")
		require.NoError(t, err)
		assert.Equal(t, "帮助", zh[1].Description)
	})

	t.Run("private chat remembers the conversation", func(t *testing.T) {
		got := s.say(alice, a, "My name is Alice.", 1)
		assert.Equal(t, "echo: My name is Alice.", got[0].Text)
		got = s.say(alice, a, "What is my name?", 1)
		assert.Equal(t, "echo: What is my name?", got[0].Text)
		call := s.lastCall()
		require.Len(t, call.Contents, 3)
		assert.Equal(t, "My name is Alice.", call.Contents[0].Text)
		assert.Equal(t, "model", call.Contents[1].Role)
		assert.Equal(t, "echo: My name is Alice.", call.Contents[1].Text)
		assert.Contains(t, call.System, "helpful assistant")
		assert.Equal(t, "gemini-flash-lite-latest", call.Model, "small talk goes to the lightest model")
	})

	t.Run("group answers only when addressed", func(t *testing.T) {
		s.tg.AddChat(models.Chat{ID: groupID, Type: models.ChatTypeGroup, Title: "Story"})
		_, err := s.tg.Send(telegramtest.Incoming{ChatID: groupID, From: d, Text: "hello everyone"})
		require.NoError(t, err)
		before := len(s.ai.Calls())
		mention, err := s.tg.Send(telegramtest.Incoming{ChatID: groupID, From: d, Text: "@test_bot translate good night into French"})
		require.NoError(t, err)
		got, err := s.tg.WaitReplies(s.ctx, groupID, 1)
		require.NoError(t, err)
		assert.Equal(t, "echo: translate good night into French", got[0].Text)
		assert.Len(t, s.ai.Calls(), before+1, "the message that did not address the bot made no call")
		assert.Equal(t, mention.ID, replyTo(t, s.tg, groupID, got[0].ID), "the answer replies to the question")

		got = s.say(groupID, d, "小爱同学，今天星期几？", 1)
		assert.Equal(t, "echo: 今天星期几？", got[0].Text)
		got = s.say(groupID, d, "/vip@test_bot", 1)
		assert.True(t, strings.HasPrefix(got[0].Text, "Tier: guest"), got[0].Text)

		_, err = s.tg.Send(telegramtest.Incoming{ChatID: groupID, From: d, Media: telegramtest.MediaSticker})
		require.NoError(t, err)
		got = s.say(groupID, d, "admin: are you there?", 1)
		assert.Equal(t, "echo: are you there?", got[0].Text, "the sticker was ignored")
	})

	t.Run("photos go to Gemini as images", func(t *testing.T) {
		_, err := s.tg.Send(telegramtest.Incoming{ChatID: alice, From: a, Media: telegramtest.MediaPhoto, Text: "What is in this picture?"})
		require.NoError(t, err)
		got, err := s.tg.WaitReplies(s.ctx, alice, 1)
		require.NoError(t, err)
		assert.Equal(t, "echo: What is in this picture?", got[0].Text)
		call := s.lastCall()
		imgs := call.Images()
		require.Len(t, imgs, 1)
		assert.Equal(t, "image/png", imgs[0].MIMEType)
		assert.Equal(t, "gemini-flash-latest", call.Model, "a question with an image goes to the strongest model")

		_, err = s.tg.Send(telegramtest.Incoming{ChatID: alice, From: a, Media: telegramtest.MediaPhoto})
		require.NoError(t, err)
		_, err = s.tg.WaitReplies(s.ctx, alice, 1)
		require.NoError(t, err)
		call = s.lastCall()
		assert.Len(t, call.Images(), 1, "a photo without a caption is a question too")
		assert.Empty(t, call.LastUserText())

		_, err = s.tg.Send(telegramtest.Incoming{ChatID: alice, From: a, Media: telegramtest.MediaVoice})
		require.NoError(t, err)
		got, err = s.tg.WaitReplies(s.ctx, alice, 1)
		require.NoError(t, err)
		assert.Equal(t, "I can read text and photos only.", got[0].Text)
	})

	t.Run("quota runs out and says when it resets", func(t *testing.T) {
		for i := range 4 {
			got := s.say(bob, b, "你好呀", 1)
			require.Equal(t, "echo: 你好呀", got[0].Text, "turn %d", i)
		}
		got := s.say(bob, b, "你好呀", 1)
		tomorrow := s.clock.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
		assert.Equal(t, "你的今日请求额度已用完，将于 "+tomorrow+" 00:00 UTC 重置。", got[0].Text)
		ev := s.waitReply("quota")
		assert.Equal(t, "free", ev.Tier)
	})

	t.Run("only admins grant, and a grant raises the quota", func(t *testing.T) {
		got := s.say(alice, a, "/grant 200 vip 30d", 1)
		assert.Equal(t, "Unknown command.", got[0].Text)
		st, err := s.bot.Sessions().Status(s.ctx, vipsession.Identity{UserID: bob, ChatID: bob, Private: true})
		require.NoError(t, err)
		assert.Equal(t, "free", st.Tier.Name)

		got = s.say(owner, boss, "/grant 200 vip 30d", 1)
		assert.True(t, strings.HasPrefix(got[0].Text, "User 200 now has vip until "), got[0].Text)
		got = s.say(bob, b, "你好呀", 1)
		assert.Equal(t, "echo: 你好呀", got[0].Text)
		got = s.say(bob, b, "/usage", 1)
		assert.Contains(t, got[0].Text, "今天：已用 5 / 100 次请求（剩余 95）", "four free turns and one vip turn; the refusal cost nothing")
		got = s.say(owner, boss, "/grant 300 vip forever", 1)
		assert.Equal(t, "User 300 now has vip until no expiry.", got[0].Text)
	})

	t.Run("dead key and per-minute 429 fail over unseen", func(t *testing.T) {
		s.ai.Inject(geminitest.Fault{Kind: geminitest.FaultInvalidKey, KeyID: "k1"})
		s.ai.Inject(geminitest.Fault{Kind: geminitest.FaultRateLimited, KeyID: "k2", Times: 1, RetryDelay: 30 * time.Second})
		for turn := 0; ; turn++ {
			require.Less(t, turn, 30, "the faults were never met")
			got := s.say(carol, c, "Please explain why the sky is blue", 1)
			require.Equal(t, "echo: Please explain why the sky is blue", got[0].Text)
			dead, limited := false, false
			for _, call := range s.ai.Calls() {
				dead = dead || call.KeyID == "k1" && call.Status == 400
				limited = limited || call.KeyID == "k2" && call.Status == 429
			}
			if dead && limited {
				break
			}
		}
		assert.Equal(t, "gemini-pro-latest", s.lastCall().Model, "analysis goes to the strongest model")
		limitedModel := ""
		for _, call := range s.ai.Calls() {
			if call.KeyID == "k2" && call.Status == 429 {
				limitedModel = call.Model
			}
		}
		states := map[string]string{}
		for _, k := range s.bot.Router().Stats() {
			states[k.Project] = k.State.String()
			for _, m := range k.Models {
				if m.Model == limitedModel {
					states[k.Project+"/"+m.Model] = m.State.String()
				}
			}
		}
		assert.Equal(t, "retired", states["p1"])
		assert.Equal(t, "cooling", states["p2/"+limitedModel])
		assert.Equal(t, "ready", states["p3"])
	})

	t.Run("cancel stops a long stream and refunds it", func(t *testing.T) {
		before, err := s.bot.Sessions().Status(s.ctx, vipsession.Identity{UserID: carol, ChatID: carol, Private: true})
		require.NoError(t, err)
		s.gate.calls.Store(0)
		s.gate.shut.Store(true)
		defer s.gate.shut.Store(false)
		seen := len(s.tg.Calls())
		_, err = s.tg.Send(telegramtest.Incoming{ChatID: carol, From: c, Text: "Write a long story about the sea"})
		require.NoError(t, err)
		_, err = s.tg.WaitFor(s.ctx, func(call telegramtest.Call) bool {
			return call.Method == "sendMessageDraft" && call.ChatID == carol && call.Seq > seen
		})
		require.NoError(t, err)
		_, err = s.tg.Send(telegramtest.Incoming{ChatID: carol, From: c, Text: "/cancel"})
		require.NoError(t, err)
		stop, polled := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(polled)
			s.pollAgain(stop)
		}()
		defer func() { close(stop); <-polled }()
		// The partial reply is finished with a note; /cancel itself, handled
		// before the chat's queue, sends nothing.
		stopped, err := s.tg.WaitFor(s.ctx, func(call telegramtest.Call) bool {
			return call.Method == "sendMessage" && call.ChatID == carol && call.Seq > seen
		})
		require.NoError(t, err)
		assert.Contains(t, stopped.Text, "… (stopped)")
		assert.Contains(t, stopped.Text, "echo:", "the partial text is kept")
		s.waitReply("cancelled")
		after, err := s.bot.Sessions().Status(s.ctx, vipsession.Identity{UserID: carol, ChatID: carol, Private: true})
		require.NoError(t, err)
		assert.Equal(t, before.Day.Requests.Used, after.Day.Requests.Used, "the cancelled reply was refunded")
	})

	t.Run("keys and stats show no secret", func(t *testing.T) {
		keys := s.say(owner, boss, "/keys", 1)[0].Text
		assert.Contains(t, keys, "keys: 3")
		assert.Contains(t, keys, "retired")
		stats := s.say(owner, boss, "/stats", 1)[0].Text
		assert.Contains(t, stats, "top users:")
		assert.Regexp(t, `requests \d+, errors \d+`, stats)
		assert.Contains(t, stats, "gemini-pro-latest")
		for _, txt := range []string{keys, stats, s.logs.String()} {
			for _, sec := range storySecrets {
				assert.NotContains(t, txt, sec)
			}
		}
		for _, call := range s.tg.Calls() {
			for _, sec := range storySecrets {
				assert.NotContains(t, call.Text, sec)
			}
		}
	})
}

func commandNames(cmds []models.BotCommand) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, c.Command)
	}
	slices.Sort(out)
	return out
}

// replyTo returns the message the bot's message replies to.
func replyTo(t *testing.T, tg *telegramtest.Server, chat int64, id int) int {
	t.Helper()
	for _, c := range tg.Calls() {
		if c.ChatID == chat && c.MessageID == id && c.Method == "sendMessage" {
			return c.ReplyTo
		}
	}
	return 0
}

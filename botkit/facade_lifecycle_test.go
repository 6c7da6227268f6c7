package botkit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

// shortMemory gives the free tier two rounds of memory, kept for two
// seconds, and room for the turns of a test. (The fake clock starts at the
// real time and contexts' deadlines are real: a test moves it by seconds,
// not hours.)
func shortMemory(o *botkit.Options) {
	for i := range o.Tiers {
		if o.Tiers[i].Name == "free" {
			o.Tiers[i].MemoryRounds, o.Tiers[i].RequestsPerDay, o.Tiers[i].IdleExpiry = 2, 100, 2*time.Second
		}
	}
}

// turn is say followed by the end of the reply (its Commit included), so
// that the clock moves only between turns.
func (s *story) turn(chat int64, u models.User, text string, n int) []models.Message {
	s.t.Helper()
	got := s.say(chat, u, text, n)
	s.waitReply("ok")
	return got
}

func TestBotTellsMemoryReset(t *testing.T) {
	s := newStory(t, shortMemory)
	a, b := s.user(alice, "Alice", "en"), s.user(bob, "Bob", "zh-hans")

	t.Run("round limit is told before the answer", func(t *testing.T) {
		assert.Len(t, s.turn(alice, a, "one", 1), 1)
		assert.Len(t, s.turn(alice, a, "two", 1), 1)
		got := s.turn(alice, a, "three", 2)
		require.Len(t, got, 2)
		assert.Equal(t, "(Our conversation reached 2 rounds, so I started a fresh one and no longer remember the earlier messages.)", got[0].Text)
		assert.Equal(t, "echo: three", got[1].Text)
		assert.Len(t, s.lastCall().Contents, 1, "the model saw no history")
		got = s.turn(alice, a, "four", 1)
		assert.Equal(t, "echo: four", got[0].Text, "the fresh conversation goes on without a note")
		assert.Len(t, s.lastCall().Contents, 3)
	})

	t.Run("in the user's language", func(t *testing.T) {
		s.turn(bob, b, "一", 1)
		s.turn(bob, b, "二", 1)
		got := s.turn(bob, b, "三", 2)
		assert.Equal(t, "（我们的对话已达 2 轮，我开始了新的对话，不再记得之前的内容。）", got[0].Text)
		assert.Equal(t, "echo: 三", got[1].Text)
	})

	t.Run("idle expiry is silent by default", func(t *testing.T) {
		s.clock.Advance(3 * time.Second)
		got := s.turn(alice, a, "five", 1)
		assert.Equal(t, "echo: five", got[0].Text)
		assert.Len(t, s.lastCall().Contents, 1, "memory expired")
		msgs := s.tg.Messages(alice)
		assert.Equal(t, "five", msgs[len(msgs)-2].Text, "no note between the question and the answer")
	})
}

func TestBotTellsIdleResetWhenAsked(t *testing.T) {
	s := newStory(t, shortMemory, func(o *botkit.Options) { o.TellIdleReset = true })
	a := s.user(alice, "Alice", "en")
	s.turn(alice, a, "one", 1)
	assert.Len(t, s.turn(alice, a, "two", 1), 1, "no note within the idle expiry")
	s.clock.Advance(3 * time.Second)
	got := s.turn(alice, a, "three", 2)
	assert.Equal(t, "(It has been a while, so I started a fresh conversation.)", got[0].Text)
	assert.Equal(t, "echo: three", got[1].Text)
}

func TestBotGroupSharedMemoryHasNoResetNote(t *testing.T) {
	s := newStory(t, shortMemory, func(o *botkit.Options) { o.GroupMemory = botkit.MemoryPerGroup })
	d := s.user(dave, "Dave", "en")
	s.tg.AddChat(models.Chat{ID: groupID, Type: models.ChatTypeGroup, Title: "Story"})
	for _, q := range []string{"admin one", "admin two", "admin three"} {
		got := s.turn(groupID, d, q, 1)
		assert.True(t, strings.HasPrefix(got[0].Text, "echo: "), got[0].Text)
	}
	msgs := s.tg.Messages(groupID)
	for _, m := range msgs {
		assert.NotContains(t, m.Text, "fresh", "the group's shared memory is not the session's")
	}
}

func TestBotBroadcastInBackground(t *testing.T) {
	s := newStory(t)
	a, boss := s.user(alice, "Alice", "en"), s.user(owner, "Owner", "en")
	s.say(alice, a, "/start", 1)
	// Alice's copy is held until the client gives up: the broadcast stays
	// running.
	s.tg.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultSlow, Method: "sendMessage", ChatID: alice})
	status := s.say(owner, boss, "/broadcast Maintenance tonight", 1)[0]
	assert.True(t, strings.HasPrefix(status.Text, "Broadcast: "), status.Text)

	// The owner's own copy of the broadcast lands in the same chat: wait
	// for the answers by their text.
	ask := func(text, want string) {
		t.Helper()
		in, err := s.tg.Send(telegramtest.Incoming{ChatID: owner, From: boss, Text: text})
		require.NoError(t, err)
		_, err = s.tg.WaitFor(s.ctx, func(c telegramtest.Call) bool {
			return c.Method == "sendMessage" && c.ChatID == owner && c.ReplyTo == in.ID && strings.Contains(c.Text, want)
		})
		require.NoError(t, err, "no %q", want)
	}
	ask("/broadcast Again", "A broadcast is already running.")
	ask("/help", "/reset")

	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.bot.Shutdown(sctx), "Shutdown stops the broadcast at once")
	msgs := s.tg.Messages(owner)
	var final string
	for _, m := range msgs {
		if m.ID == status.ID {
			final = m.Text
		}
	}
	assert.True(t, strings.HasPrefix(final, "Broadcast stopped by a restart: "), final)
	assert.NotContains(t, final, "0 sent", "the owner got the copy sent before Alice's")
}

func TestBotShutdownStopsCommandRegistration(t *testing.T) {
	clock := newFakeClock(false)
	tg := newServer(t, telegramtest.Options{Now: clock.Now, Pacing: telegramtest.Pacing{Disabled: true}})
	// Telegram fails every setMyCommands: the Sender backs off on the
	// clock, which does not move, so registration would never end.
	tg.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultServerError, Status: 502, Method: "setMyCommands"})
	b, err := botkit.New(tg.Token(), botkit.Options{
		ServerURL: tg.URL(), HTTPClient: newClient(t, 30*time.Second), Clock: clock,
		Owners: []int64{owner}, Tiers: storyTiers(), Logger: quietLogger(),
	})
	require.NoError(t, err)
	ctx := testCtx(t)
	done := make(chan error, 1)
	go func() { done <- b.Run(context.Background()) }()
	_, err = tg.WaitFor(ctx, func(c telegramtest.Call) bool { return c.Method == "setMyCommands" })
	require.NoError(t, err)

	// Nothing moves the clock: Shutdown returns only if it stops the
	// registration itself.
	shut := make(chan error, 1)
	go func() { shut <- b.Shutdown(ctx) }()
	select {
	case err := <-shut:
		require.NoError(t, err)
	case <-ctx.Done():
		t.Fatal("Shutdown waited for the command registration")
	}
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-ctx.Done():
		t.Fatal("Run did not return")
	}
	for _, c := range tg.Calls() {
		assert.NotEqual(t, "getUpdates", c.Method, "a bot shut down while starting does not poll")
	}
}

func TestBotSetPersonasAndTiers(t *testing.T) {
	s := newStory(t)
	a := s.user(alice, "Alice", "en")
	s.turn(alice, a, "hello", 1)

	require.NoError(t, s.bot.SetPersonas([]botkit.Persona{
		{Name: "assistant", Prompt: "Be brief."}, {Name: "pirate", Title: "Pirate", Prompt: "Talk like a pirate."},
	}))
	got := s.say(alice, a, "/persona", 1)
	kb := got[0].ReplyMarkup
	require.NotNil(t, kb)
	require.Len(t, kb.InlineKeyboard, 2)
	assert.Equal(t, "Pirate", kb.InlineKeyboard[1][0].Text)
	s.turn(alice, a, "hi again", 1)
	assert.Equal(t, "Be brief.", s.lastCall().System, "the new default persona's prompt")
	for _, bad := range [][]botkit.Persona{{{Name: ""}}, {{Name: "two words"}}, {{Name: "x"}, {Name: "x"}}} {
		assert.ErrorIs(t, s.bot.SetPersonas(bad), botkit.ErrInvalidPersonas)
	}

	tiers := storyTiers()
	tiers[1].RequestsPerDay = 3 // free: alice has used 2
	tiers[1].KeyGroups = []string{"A"}
	require.NoError(t, s.bot.SetTiers(tiers, nil))
	assert.Equal(t, "echo: third", s.turn(alice, a, "third", 1)[0].Text)
	got = s.say(alice, a, "fourth", 1)
	assert.Contains(t, got[0].Text, "You have used up your requests for today", "the new quota applies at once")

	bad := storyTiers()[1:] // no guest tier
	require.Error(t, s.bot.SetTiers(bad, nil))
	require.Error(t, s.bot.SetTiers(tiers, map[string][]string{"": {"A"}}), "a bad key map changes nothing")
	tier, err := s.bot.Sessions().Tier("free")
	require.NoError(t, err)
	assert.Equal(t, int64(3), tier.RequestsPerDay)
}

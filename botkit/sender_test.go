package botkit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
)

// newSender returns a Sender on a fresh fake Telegram sharing clock.
func newSender(t *testing.T, clock *fakeClock, sopts botkit.SenderOptions, topts telegramtest.Options) (*botkit.Sender, *telegramtest.Server) {
	t.Helper()
	topts.Now = clock.Now
	srv := newServer(t, topts)
	sopts.Clock = clock
	if sopts.Logger == nil {
		sopts.Logger = quietLogger()
	}
	return botkit.NewSender(newBot(t, srv), sopts), srv
}

func send(ctx context.Context, s *botkit.Sender, chatID int64, text string) (*models.Message, error) {
	return s.SendMessage(ctx, &bot.SendMessageParams{ChatID: chatID, Text: text})
}

func TestSenderRidesOutA429Storm(t *testing.T) {
	clock := newFakeClock(true)
	s, srv := newSender(t, clock, botkit.SenderOptions{MaxRetries: 20}, telegramtest.Options{})
	addChats(srv, 1, 2, 3, 4)
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultTooManyRequests, Method: "sendMessage", For: 40 * time.Second, RetryAfter: 7})
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for c := int64(1); c <= 4; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				_, err := send(ctx, s, c, fmt.Sprint(i))
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.NotEmpty(t, srv.RateLimits(), "the storm happened")
	assert.Equal(t, 0, srv.EarlyRetries(), "a call came before its retry_after")
	for c := int64(1); c <= 4; c++ {
		assert.Equal(t, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, botTexts(srv, c))
	}
	assert.Contains(t, clock.Waits(), 7*time.Second)
}

func TestSenderPacesBeforeTelegramComplains(t *testing.T) {
	clock := newFakeClock(true)
	s, srv := newSender(t, clock, botkit.SenderOptions{}, telegramtest.Options{})
	addChats(srv, 1, 2, -300, -1000000000400)
	ctx := testCtx(t)
	var wg sync.WaitGroup
	for _, chat := range []int64{1, 2, -300, -1000000000400} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				_, err := send(ctx, s, chat, fmt.Sprint(i))
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	assert.Empty(t, srv.RateLimits(), "the Sender let Telegram's flood control fire")
	assert.Len(t, botTexts(srv, -300), 25)
}

func TestSenderTreatsNotModifiedAsSuccess(t *testing.T) {
	s, srv := newSender(t, newFakeClock(true), botkit.SenderOptions{}, telegramtest.Options{})
	addChats(srv, 1)
	ctx := testCtx(t)
	m, err := send(ctx, s, 1, "same")
	require.NoError(t, err)
	_, err = s.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: int64(1), MessageID: m.ID, Text: "same"})
	require.NoError(t, err)
}

func TestSenderFollowsMigration(t *testing.T) {
	s, srv := newSender(t, newFakeClock(true), botkit.SenderOptions{}, telegramtest.Options{})
	ctx := testCtx(t)
	const from, to = -500, -1000000000500
	srv.AddChat(models.Chat{ID: from, Type: models.ChatTypeGroup})
	srv.AddChat(models.Chat{ID: to, Type: models.ChatTypeSupergroup})
	srv.MigrateChat(from, to)
	for _, text := range []string{"a", "b"} {
		m, err := send(ctx, s, from, text)
		require.NoError(t, err)
		assert.Equal(t, int64(to), m.Chat.ID)
	}
	assert.Equal(t, []string{"a", "b"}, botTexts(srv, to))
	old := 0
	for _, c := range srv.Calls() {
		if c.ChatID == from {
			old++
		}
	}
	assert.Equal(t, 1, old, "the migration is remembered")
}

func TestSenderMarksBlockedUsers(t *testing.T) {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	clock := newFakeClock(true)
	s, srv := newSender(t, clock, botkit.SenderOptions{Users: st}, telegramtest.Options{})
	ctx := testCtx(t)
	_, err := st.TouchUser(ctx, store.User{ID: 42, FirstName: "x", LastSeen: clock.Now()})
	require.NoError(t, err)
	srv.BlockBot(42)
	_, err = send(ctx, s, 42, "hello?")
	require.ErrorIs(t, err, botkit.ErrBlocked)
	wrapped := fmt.Errorf("reply: %w", err)
	var ae *botkit.APIError
	require.ErrorAs(t, wrapped, &ae)
	assert.Equal(t, 403, ae.Code)
	u, err := st.GetUser(ctx, 42)
	require.NoError(t, err)
	assert.True(t, u.Blocked)
}

func TestSenderRetriesServerAndNetworkErrors(t *testing.T) {
	clock := newFakeClock(true)
	s, srv := newSender(t, clock, botkit.SenderOptions{}, telegramtest.Options{})
	addChats(srv, 1)
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultServerError, Method: "sendMessage", Times: 2, Status: 502})
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultDrop, Method: "sendMessage", Times: 1})
	_, err := send(testCtx(t), s, 1, "eventually")
	require.NoError(t, err)
	assert.Equal(t, []string{"eventually"}, botTexts(srv, 1))
	waits := clock.Waits()
	assert.Contains(t, waits, 500*time.Millisecond)
	assert.Contains(t, waits, time.Second)
	assert.Contains(t, waits, 2*time.Second)
}

func TestSenderGivesUp(t *testing.T) {
	clock := newFakeClock(true)
	s, srv := newSender(t, clock, botkit.SenderOptions{MaxRetries: 2}, telegramtest.Options{})
	addChats(srv, 1, 2, 3, 4)
	ctx := testCtx(t)

	remove := srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultServerError, Method: "sendMessage", Status: 500})
	_, err := send(ctx, s, 1, "x")
	require.ErrorIs(t, err, botkit.ErrServer)
	remove()

	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultTooManyRequests, Method: "sendMessage", Times: 1, RetryAfter: 3600})
	_, err = send(ctx, s, 2, "x")
	require.ErrorIs(t, err, botkit.ErrRetryAfterTooLong)
	var ae *botkit.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, time.Hour, ae.RetryAfter)

	_, err = send(ctx, s, 3, "")
	require.ErrorIs(t, err, botkit.ErrBadRequest)

	// A deadline that the chat's retry_after would pass fails at once.
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultTooManyRequests, Method: "sendMessage", Times: 1, RetryAfter: 30})
	_, err = send(ctx, s, 4, "x")
	require.NoError(t, err)
	short, cancel := context.WithDeadline(ctx, clock.Now().Add(time.Second))
	defer cancel()
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultTooManyRequests, Method: "sendMessage", Times: 1, RetryAfter: 30})
	_, err = send(short, s, 4, "y")
	require.ErrorIs(t, err, botkit.ErrRetryAfterTooLong)
}

func TestDownloadFile(t *testing.T) {
	s, srv := newSender(t, newFakeClock(true), botkit.SenderOptions{}, telegramtest.Options{})
	ctx := testCtx(t)
	content := bytes.Repeat([]byte("data"), 1000)
	m, err := srv.Send(telegramtest.Incoming{ChatID: 1, Media: telegramtest.MediaDocument, File: content, FileName: "a.txt"})
	require.NoError(t, err)
	data, f, err := s.DownloadFile(ctx, m.Document.FileID)
	require.NoError(t, err)
	assert.Equal(t, content, data)
	assert.Equal(t, int64(len(content)), f.FileSize)

	big, err := srv.Send(telegramtest.Incoming{ChatID: 1, Media: telegramtest.MediaDocument, File: make([]byte, botkit.MaxDownloadSize+1)})
	require.NoError(t, err)
	_, _, err = s.DownloadFile(ctx, big.Document.FileID)
	require.ErrorIs(t, err, botkit.ErrFileTooLarge)
	assert.NotContains(t, err.Error(), srv.Token())

	_, _, err = s.DownloadFile(ctx, "no-such-file")
	require.Error(t, err)
	assert.False(t, errors.Is(err, botkit.ErrFileTooLarge))
}

// TestSenderLongRetryAfterFailsLaterCallsAtOnce: after a 429 whose
// retry_after is past MaxRetryAfter, later calls to the chat fail at once
// instead of waiting it out, even with a context that has no deadline (as
// the dispatcher's handlers have); the chat is still held until then.
func TestSenderLongRetryAfterFailsLaterCallsAtOnce(t *testing.T) {
	clock := newFakeClock(true)
	s, srv := newSender(t, clock, botkit.SenderOptions{}, telegramtest.Options{})
	addChats(srv, 1, 2)
	ctx := testCtx(t) // no deadline
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultTooManyRequests, Method: "sendMessage", ChatID: 1, Times: 1, RetryAfter: 3600})
	_, err := send(ctx, s, 1, "a")
	require.ErrorIs(t, err, botkit.ErrRetryAfterTooLong)

	before := clock.Now()
	for _, text := range []string{"b", "c"} {
		_, err = send(ctx, s, 1, text)
		require.ErrorIs(t, err, botkit.ErrRetryAfterTooLong)
	}
	err = s.SendChatAction(ctx, 1, 0, models.ChatActionTyping)
	require.ErrorIs(t, err, botkit.ErrRetryAfterTooLong, "unpaced calls respect the block too")
	assert.Equal(t, before, clock.Now(), "nothing waited")
	assert.Len(t, callsOf(srv, "sendMessage", 1), 1, "nothing went out while the chat is held")

	_, err = send(ctx, s, 2, "other chat")
	require.NoError(t, err, "other chats are not held")

	clock.Advance(time.Hour)
	_, err = send(ctx, s, 1, "d")
	require.NoError(t, err, "the chat is free once the retry_after has passed")
	assert.Equal(t, []string{"d"}, botTexts(srv, 1))
	assert.Zero(t, srv.EarlyRetries())
}

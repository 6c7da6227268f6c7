package botkit_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/tgmd"
)

// streamRun runs Sender.Stream in a goroutine and hands back its result.
type streamRun struct {
	deltas chan botkit.Delta
	done   chan struct{}
	res    botkit.StreamResult
	err    error
}

func startStream(ctx context.Context, s *botkit.Sender, opts botkit.StreamOptions) *streamRun {
	r := &streamRun{deltas: make(chan botkit.Delta), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.res, r.err = s.Stream(ctx, r.deltas, opts)
	}()
	return r
}

func (r *streamRun) wait() (botkit.StreamResult, error) {
	<-r.done
	return r.res, r.err
}

func callsOf(srv *telegramtest.Server, method string, chatID int64) []telegramtest.Call {
	var out []telegramtest.Call
	for _, c := range srv.Calls() {
		if c.Method == method && c.ChatID == chatID {
			out = append(out, c)
		}
	}
	return out
}

func waitCall(t *testing.T, srv *telegramtest.Server, method string, n int) telegramtest.Call {
	t.Helper()
	seen := 0
	c, err := srv.WaitFor(testCtx(t), func(c telegramtest.Call) bool {
		if c.Method == method && c.OK() {
			seen++
		}
		return seen >= n
	})
	require.NoError(t, err)
	return c
}

func TestStreamPrivateChatUsesDrafts(t *testing.T) {
	senderClock, clock := newFakeClock(true), newFakeClock(false)
	s, srv := newSender(t, senderClock, botkit.SenderOptions{}, telegramtest.Options{})
	addChats(srv, 10)
	ctx := testCtx(t)
	r := startStream(ctx, s, botkit.StreamOptions{ChatID: 10, ReplyTo: 0, Clock: clock})

	// Typing until the first text, refreshed every 4 s.
	waitCall(t, srv, "sendChatAction", 1)
	require.NoError(t, clock.WaitTimer(ctx, 4*time.Second))
	clock.Advance(4 * time.Second)
	waitCall(t, srv, "sendChatAction", 2)

	r.deltas <- botkit.Delta{Text: "Hello "}
	d1 := waitCall(t, srv, "sendMessageDraft", 1)
	assert.NotZero(t, d1.DraftID)
	r.deltas <- botkit.Delta{Text: "**world**"}
	require.NoError(t, clock.WaitTimer(ctx, time.Second), "the next draft waits for the interval")
	assert.Len(t, callsOf(srv, "sendMessageDraft", 10), 1)
	clock.Advance(time.Second)
	d2 := waitCall(t, srv, "sendMessageDraft", 2)
	assert.Equal(t, d1.DraftID, d2.DraftID)
	assert.Equal(t, "Hello <b>world</b>", d2.Text)
	clock.Advance(10 * time.Second)
	close(r.deltas)
	res, err := r.wait()
	require.NoError(t, err)

	assert.Equal(t, 2, res.Drafts)
	assert.Equal(t, "Hello **world**", res.Text)
	require.Len(t, res.MessageIDs, 1)
	src, mode, ok := srv.Source(10, res.MessageIDs[0])
	require.True(t, ok)
	assert.Equal(t, "Hello <b>world</b>", src)
	assert.Equal(t, "HTML", mode)
	assert.Equal(t, []string{"Hello world"}, botTexts(srv, 10))
	assert.Len(t, callsOf(srv, "sendChatAction", 10), 2, "no typing after the first text")
	assert.Empty(t, srv.Drafts(10), "the draft ends with the message")
}

func TestStreamGroupEditsAtGroupPace(t *testing.T) {
	senderClock, clock := newFakeClock(true), newFakeClock(false)
	s, srv := newSender(t, senderClock, botkit.SenderOptions{}, telegramtest.Options{})
	const chat = -77
	addChats(srv, chat)
	ctx := testCtx(t)
	r := startStream(ctx, s, botkit.StreamOptions{ChatID: chat, Clock: clock, FirstMessageAfter: 10})

	r.deltas <- botkit.Delta{Text: "Hi"} // too little for a first message
	r.deltas <- botkit.Delta{Text: " there, this is a longer answer"}
	require.NoError(t, clock.WaitTimer(ctx, 3*time.Second))
	assert.Empty(t, callsOf(srv, "sendMessage", chat))
	clock.Advance(3 * time.Second)
	waitCall(t, srv, "sendMessage", 1)
	r.deltas <- botkit.Delta{Text: " that grows."}
	require.NoError(t, clock.WaitTimer(ctx, 3*time.Second), "edits wait for the group pace")
	assert.Empty(t, callsOf(srv, "editMessageText", chat))
	clock.Advance(3 * time.Second)
	waitCall(t, srv, "editMessageText", 1)
	close(r.deltas)
	res, err := r.wait()
	require.NoError(t, err)
	assert.Equal(t, 1, res.Edits)
	assert.Zero(t, res.Drafts)
	assert.Equal(t, []string{"Hi there, this is a longer answer that grows."}, botTexts(srv, chat))
	assert.Empty(t, callsOf(srv, "sendMessageDraft", chat), "no drafts in groups")
}

func TestStreamSlowsDownAfter429(t *testing.T) {
	senderClock, clock := newFakeClock(true), newFakeClock(false)
	s, srv := newSender(t, senderClock, botkit.SenderOptions{}, telegramtest.Options{Pacing: telegramtest.Pacing{Disabled: true}})
	const chat = -78
	addChats(srv, chat)
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultTooManyRequests, Method: "editMessageText", Times: 1, RetryAfter: 2})
	ctx := testCtx(t)
	r := startStream(ctx, s, botkit.StreamOptions{ChatID: chat, Clock: clock, FirstMessageAfter: 1})
	r.deltas <- botkit.Delta{Text: "one"}
	waitCall(t, srv, "sendMessage", 1)
	r.deltas <- botkit.Delta{Text: " two"}
	require.NoError(t, clock.WaitTimer(ctx, 3*time.Second))
	clock.Advance(3 * time.Second)
	waitCall(t, srv, "editMessageText", 1) // after riding out the 429
	r.deltas <- botkit.Delta{Text: " three"}
	require.NoError(t, clock.WaitTimer(ctx, 6*time.Second), "the interval doubles after a 429")
	clock.Advance(6 * time.Second)
	waitCall(t, srv, "editMessageText", 2)
	close(r.deltas)
	_, err := r.wait()
	require.NoError(t, err)
	assert.Equal(t, 0, srv.EarlyRetries())
	assert.Equal(t, []string{"one two three"}, botTexts(srv, chat))
}

func TestStreamFallsBackToEditsWhenDraftsFail(t *testing.T) {
	s, srv := newSender(t, newFakeClock(true), botkit.SenderOptions{}, telegramtest.Options{})
	addChats(srv, 11)
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultServerError, Method: "sendMessageDraft", Status: 400})
	clock := newFakeClock(false)
	ctx := testCtx(t)
	r := startStream(ctx, s, botkit.StreamOptions{ChatID: 11, Clock: clock, FirstMessageAfter: 1})
	r.deltas <- botkit.Delta{Text: "partial"}
	waitCall(t, srv, "sendMessage", 1)
	r.deltas <- botkit.Delta{Text: " and more"}
	close(r.deltas)
	res, err := r.wait()
	require.NoError(t, err)
	assert.Zero(t, res.Drafts)
	assert.Equal(t, []string{"partial and more"}, botTexts(srv, 11))
}

func TestStreamCancelFinishesWithNote(t *testing.T) {
	s, srv := newSender(t, newFakeClock(true), botkit.SenderOptions{}, telegramtest.Options{})
	addChats(srv, 12)
	clock := newFakeClock(false)
	ctx, cancel := context.WithCancel(testCtx(t))
	r := startStream(ctx, s, botkit.StreamOptions{ChatID: 12, Clock: clock})
	r.deltas <- botkit.Delta{Text: "The answer is"}
	waitCall(t, srv, "sendMessageDraft", 1)
	cancel()
	res, err := r.wait()
	require.ErrorIs(t, err, context.Canceled)
	assert.True(t, res.Cancelled)
	assert.Equal(t, []string{"The answer is\n\n… (stopped)"}, botTexts(srv, 12))
}

func TestStreamErrorFinishesWithNote(t *testing.T) {
	s, srv := newSender(t, newFakeClock(true), botkit.SenderOptions{}, telegramtest.Options{})
	addChats(srv, -13)
	r := startStream(testCtx(t), s, botkit.StreamOptions{ChatID: -13, Clock: newFakeClock(false), ErrorNote: "model failed"})
	r.deltas <- botkit.Delta{Text: "Half"}
	boom := errors.New("stream broke")
	r.deltas <- botkit.Delta{Err: boom}
	_, err := r.wait()
	require.ErrorIs(t, err, boom)
	assert.Equal(t, []string{"Half\n\nmodel failed"}, botTexts(srv, -13))
}

func TestStreamSplitsLongReplies(t *testing.T) {
	s, srv := newSender(t, newFakeClock(true), botkit.SenderOptions{}, telegramtest.Options{Pacing: telegramtest.Pacing{Disabled: true}})
	addChats(srv, 14)
	r := startStream(testCtx(t), s, botkit.StreamOptions{ChatID: 14, Clock: newFakeClock(false), NoDrafts: true})
	para := strings.Repeat("word ", 200) + "\n\n"
	for i := 0; i < 12; i++ {
		r.deltas <- botkit.Delta{Text: para}
	}
	close(r.deltas)
	res, err := r.wait()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(res.MessageIDs), 3)
	texts := botTexts(srv, 14)
	require.Len(t, texts, len(res.MessageIDs))
	total := 0
	for _, txt := range texts {
		assert.LessOrEqual(t, tgmd.UTF16Len(txt), 4096)
		total += strings.Count(txt, "word")
	}
	assert.Equal(t, 12*200, total, "nothing lost in the split")
}

// rejectHTML sits in front of a fake Telegram and refuses every message sent
// with parse_mode HTML, as Telegram does with formatting it cannot parse.
func rejectHTML(t *testing.T, target string) (string, *atomic.Int64) {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	var rejected atomic.Int64
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if (strings.HasSuffix(r.URL.Path, "/sendMessage") || strings.HasSuffix(r.URL.Path, "/editMessageText")) &&
			bytes.Contains(body, []byte("name=\"parse_mode\"\r\n\r\nHTML")) {
			rejected.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"ok":false,"error_code":400,"description":"Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 0"}`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(h.Close)
	return h.URL, &rejected
}

func TestStreamFallsBackToPlainText(t *testing.T) {
	clock := newFakeClock(true)
	srv := newServer(t, telegramtest.Options{Now: clock.Now})
	addChats(srv, -15)
	front, rejected := rejectHTML(t, srv.URL())
	b, err := bot.New(srv.Token(), bot.WithServerURL(front), bot.WithSkipGetMe(), bot.WithHTTPClient(time.Minute, newClient(t, 30*time.Second)))
	require.NoError(t, err)
	s := botkit.NewSender(b, botkit.SenderOptions{Clock: clock, Logger: quietLogger()})
	r := startStream(testCtx(t), s, botkit.StreamOptions{ChatID: -15, Clock: newFakeClock(false)})
	r.deltas <- botkit.Delta{Text: "Some **bold** claim"}
	close(r.deltas)
	res, err := r.wait()
	require.NoError(t, err)
	assert.True(t, res.Plain)
	assert.Equal(t, int64(1), rejected.Load())
	assert.Equal(t, []string{"Some bold claim"}, botTexts(srv, -15))
	_, mode, _ := srv.Source(-15, res.MessageIDs[0])
	assert.Empty(t, mode)
}

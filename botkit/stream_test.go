package botkit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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

// feed hands the stream a delta, or fails if the stream has ended.
func (r *streamRun) feed(t *testing.T, text string) {
	t.Helper()
	select {
	case r.deltas <- botkit.Delta{Text: text}:
	case <-r.done:
		t.Fatalf("the stream ended early: %v", r.err)
	}
}

// TestStreamProgressFailuresAreBestEffort: an edit on the way fails; the
// reply goes on, the next edit waits twice as long, and the final message
// shows everything.
func TestStreamProgressFailuresAreBestEffort(t *testing.T) {
	senderClock, clock := newFakeClock(true), newFakeClock(false)
	s, srv := newSender(t, senderClock, botkit.SenderOptions{MaxRetries: -1}, telegramtest.Options{})
	const chat = -21
	addChats(srv, chat)
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultServerError, Method: "editMessageText", ChatID: chat, Times: 1, Status: 502})
	ctx := testCtx(t)
	r := startStream(ctx, s, botkit.StreamOptions{ChatID: chat, Clock: clock, FirstMessageAfter: 1})
	r.feed(t, "one")
	waitCall(t, srv, "sendMessage", 1)
	r.feed(t, " two")
	require.NoError(t, clock.WaitTimer(ctx, 3*time.Second))
	clock.Advance(3 * time.Second) // this edit fails
	require.NoError(t, clock.WaitTimer(ctx, 6*time.Second), "the next try waits twice as long")
	r.feed(t, " three")
	clock.Advance(6 * time.Second)
	waitCall(t, srv, "editMessageText", 1)
	close(r.deltas)
	res, err := r.wait()
	require.NoError(t, err)
	assert.Equal(t, 1, res.Failures)
	assert.Equal(t, 1, res.Edits)
	assert.False(t, res.Rescued)
	assert.Equal(t, []string{"one two three"}, botTexts(srv, chat))
}

// TestStreamFirstMessageFailureIsBestEffort: the first message of an
// edited reply fails to go out; the reply still arrives whole.
func TestStreamFirstMessageFailureIsBestEffort(t *testing.T) {
	s, srv := newSender(t, newFakeClock(true), botkit.SenderOptions{MaxRetries: -1}, telegramtest.Options{})
	const chat = -24
	addChats(srv, chat)
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultServerError, Method: "sendMessage", ChatID: chat, Times: 1})
	clock := newFakeClock(false)
	ctx := testCtx(t)
	r := startStream(ctx, s, botkit.StreamOptions{ChatID: chat, Clock: clock, FirstMessageAfter: 1})
	r.feed(t, "first")
	require.NoError(t, clock.WaitTimer(ctx, 6*time.Second), "the failed first message is tried again later")
	r.feed(t, " and second")
	close(r.deltas)
	res, err := r.wait()
	require.NoError(t, err)
	assert.Equal(t, 1, res.Failures)
	assert.Equal(t, []string{"first and second"}, botTexts(srv, chat))
}

// TestStreamRescuesAReplyItCannotFinish: the reply's message cannot be
// edited any more (the user deleted it), so finishing fails; the whole
// text goes out again as plain text, with the error note.
func TestStreamRescuesAReplyItCannotFinish(t *testing.T) {
	s, srv := newSender(t, newFakeClock(true), botkit.SenderOptions{}, telegramtest.Options{})
	const chat = -22
	addChats(srv, chat)
	ctx := testCtx(t)
	r := startStream(ctx, s, botkit.StreamOptions{ChatID: chat, Clock: newFakeClock(false), FirstMessageAfter: 1, ReplyTo: 0})
	r.feed(t, "Part **one**")
	first := waitCall(t, srv, "sendMessage", 1)
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultServerError, Method: "editMessageText", ChatID: chat,
		Status: 400, Description: "Bad Request: message to edit not found"})
	r.feed(t, " and two")
	close(r.deltas)
	res, err := r.wait()
	require.ErrorIs(t, err, botkit.ErrBadRequest, "the caller learns that finishing failed")
	var ae *botkit.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "editMessageText", ae.Method)
	assert.True(t, res.Rescued)
	assert.True(t, res.Plain)
	assert.Equal(t, []string{"Part one", "Part one and two\n\n… (the answer was interrupted)"}, botTexts(srv, chat))
	require.Len(t, res.MessageIDs, 1)
	assert.NotEqual(t, first.MessageID, res.MessageIDs[0], "the reply is the new message")
	_, mode, _ := srv.Source(chat, res.MessageIDs[0])
	assert.Empty(t, mode)
}

// TestStreamDoesNotRescueAHopelessReply: when the user blocked the bot,
// finishing fails and no further call is tried.
func TestStreamDoesNotRescueAHopelessReply(t *testing.T) {
	s, srv := newSender(t, newFakeClock(true), botkit.SenderOptions{}, telegramtest.Options{})
	addChats(srv, 25)
	r := startStream(testCtx(t), s, botkit.StreamOptions{ChatID: 25, Clock: newFakeClock(false), NoDrafts: true, FirstMessageAfter: 1})
	r.feed(t, "hello")
	waitCall(t, srv, "sendMessage", 1)
	srv.BlockBot(25)
	r.feed(t, " there")
	close(r.deltas)
	res, err := r.wait()
	require.ErrorIs(t, err, botkit.ErrBlocked)
	assert.False(t, res.Rescued)
	assert.Len(t, callsOf(srv, "editMessageText", 25), 1, "one try, no rescue")
	assert.Len(t, callsOf(srv, "sendMessage", 25), 1)
}

// TestStreamMarkdownThatRendersToNothing: text whose Markdown shows nothing
// goes out as plain text, in groups and in private chats with drafts.
func TestStreamMarkdownThatRendersToNothing(t *testing.T) {
	for _, md := range []string{"```\n```", "![](x)", "[x]: http://a", "` `", "#", "> "} {
		for _, chat := range []int64{31, -31} {
			t.Run(fmt.Sprintf("%q in %d", md, chat), func(t *testing.T) {
				require.Empty(t, tgmd.RenderParts(md, tgmd.MaxMessageLen), "the case renders to nothing")
				s, srv := newSender(t, newFakeClock(true), botkit.SenderOptions{}, telegramtest.Options{})
				addChats(srv, chat)
				r := startStream(testCtx(t), s, botkit.StreamOptions{ChatID: chat, Clock: newFakeClock(false)})
				r.feed(t, md)
				close(r.deltas)
				res, err := r.wait()
				require.NoError(t, err)
				assert.True(t, res.Plain)
				require.Len(t, res.MessageIDs, 1)
				assert.Equal(t, []string{strings.TrimSpace(md)}, botTexts(srv, chat))
				_, mode, _ := srv.Source(chat, res.MessageIDs[0])
				assert.Empty(t, mode)
			})
		}
	}
}

// TestStreamEmptyReply: a reply with nothing visible, even as plain text,
// sends nothing and says so with ErrEmptyReply.
func TestStreamEmptyReply(t *testing.T) {
	for name, deltas := range map[string][]string{
		"no text":     nil,
		"spaces":      {"  ", "\n\n", "\t"},
		"zero width":  {"\u200b"},
		"empty delta": {""},
	} {
		t.Run(name, func(t *testing.T) {
			s, srv := newSender(t, newFakeClock(true), botkit.SenderOptions{}, telegramtest.Options{})
			addChats(srv, -32)
			r := startStream(testCtx(t), s, botkit.StreamOptions{ChatID: -32, Clock: newFakeClock(false)})
			for _, d := range deltas {
				r.feed(t, d)
			}
			close(r.deltas)
			res, err := r.wait()
			require.ErrorIs(t, err, botkit.ErrEmptyReply)
			assert.Empty(t, res.MessageIDs)
			assert.False(t, res.Plain)
			assert.Empty(t, callsOf(srv, "sendMessage", -32))
		})
	}
}

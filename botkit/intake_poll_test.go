package botkit_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// rig is one bot process: a Dispatcher fed by a Poller, answering through a
// Sender, against a fake Telegram.
type rig struct {
	d      *botkit.Dispatcher
	p      *botkit.Poller
	sender *botkit.Sender
	runErr chan error
}

func startRig(t *testing.T, srv *telegramtest.Server, st store.Store, clock *fakeClock, h func(s *botkit.Sender) botkit.Handler, dopts botkit.DispatcherOptions) *rig {
	t.Helper()
	b := newBot(t, srv)
	s := botkit.NewSender(b, botkit.SenderOptions{Clock: clock, Users: st, Logger: quietLogger()})
	if dopts.Logger == nil {
		dopts.Logger = quietLogger()
	}
	if st != nil && dopts.Dedup == nil {
		dopts.Dedup = botkit.NewDedup(st, botkit.DedupOptions{Clock: clock})
	}
	d := botkit.NewDispatcher(h(s), dopts)
	popts := botkit.PollerOptions{
		ServerURL: srv.URL(), PollTimeout: 5 * time.Second, Clock: clock, Logger: quietLogger(),
		HTTPClient: newClient(t, 30*time.Second),
	}
	if st != nil {
		popts.Offsets = st
	}
	p, err := botkit.NewPoller(srv.Token(), d, popts)
	require.NoError(t, err)
	r := &rig{d: d, p: p, sender: s, runErr: make(chan error, 1)}
	go func() { r.runErr <- p.Run(context.Background()) }()
	return r
}

// stop shuts the rig down with ctx and returns what Run returned.
func (r *rig) stop(t *testing.T, ctx context.Context) error {
	t.Helper()
	shutErr := r.d.Shutdown(ctx)
	require.NoError(t, <-r.runErr)
	return shutErr
}

// replyHandler answers every text message with "re:" and its text.
func replyHandler(s *botkit.Sender) botkit.Handler {
	return func(ctx context.Context, upd *models.Update) error {
		_, err := s.SendMessage(ctx, &bot.SendMessageParams{ChatID: upd.Message.Chat.ID, Text: "re:" + upd.Message.Text})
		return err
	}
}

// botTexts returns the texts the bot sent to chatID, in order.
func botTexts(srv *telegramtest.Server, chatID int64) []string {
	var out []string
	for _, m := range srv.Messages(chatID) {
		if m.From != nil && m.From.IsBot {
			out = append(out, m.Text)
		}
	}
	return out
}

func TestPollPerChatOrderUnder200Chats(t *testing.T) {
	clock := newFakeClock(true)
	srv := newServer(t, telegramtest.Options{Now: clock.Now})
	const chats, per = 200, 5
	for i := 0; i < per; i++ {
		for c := int64(1); c <= chats; c++ {
			_, err := srv.SendText(c, strconv.Itoa(i))
			require.NoError(t, err)
		}
	}
	var mu sync.Mutex
	order := map[int64][]string{}
	var handled atomic.Int64
	all := make(chan struct{})
	r := startRig(t, srv, nil, clock, func(s *botkit.Sender) botkit.Handler {
		return func(ctx context.Context, upd *models.Update) error {
			err := replyHandler(s)(ctx, upd)
			mu.Lock()
			order[upd.Message.Chat.ID] = append(order[upd.Message.Chat.ID], upd.Message.Text)
			mu.Unlock()
			if handled.Add(1) == chats*per {
				close(all)
			}
			return err
		}
	}, botkit.DispatcherOptions{Workers: 32})
	select {
	case <-all:
	case <-testCtx(t).Done():
		t.Fatalf("only %d of %d updates handled", handled.Load(), chats*per)
	}
	require.NoError(t, r.stop(t, context.Background()))
	want := []string{"0", "1", "2", "3", "4"}
	for c := int64(1); c <= chats; c++ {
		require.Equal(t, want, order[c], "chat %d handled out of order", c)
		require.Equal(t, []string{"re:0", "re:1", "re:2", "re:3", "re:4"}, botTexts(srv, c), "chat %d answered out of order", c)
	}
	assert.Equal(t, 0, srv.EarlyRetries())
	assert.Equal(t, int64(chats*per+1), r.p.Offset())
}

func TestPollShutdownAndRestartAnswerEveryUpdateOnce(t *testing.T) {
	clock := newFakeClock(true)
	srv := newServer(t, telegramtest.Options{Now: clock.Now, Pacing: telegramtest.Pacing{Disabled: true}})
	st := memstore.New(memstore.Options{})
	defer st.Close()
	const chats, per = 100, 5 // 500 updates
	for i := 0; i < per; i++ {
		for c := int64(1); c <= chats; c++ {
			_, err := srv.SendText(c, fmt.Sprintf("%d-%d", c, i))
			require.NoError(t, err)
		}
	}

	// First run: the first update of chats 1-3 hangs (as a slow model
	// would) until Shutdown's deadline cancels it; the rest of what the
	// poller sees is answered. The watermark stays at update 1, so every
	// update answered here is delivered again to the second run.
	var answered atomic.Int64
	hung := make(chan struct{}, 3)
	progress := make(chan struct{}, 1024)
	r1 := startRig(t, srv, st, clock, func(s *botkit.Sender) botkit.Handler {
		return func(ctx context.Context, upd *models.Update) error {
			if upd.Message.Chat.ID <= 3 {
				hung <- struct{}{}
				<-ctx.Done()
				return ctx.Err()
			}
			err := replyHandler(s)(ctx, upd)
			answered.Add(1)
			progress <- struct{}{}
			return err
		}
	}, botkit.DispatcherOptions{Workers: 16})
	for range 3 {
		<-hung
	}
	for range 97 { // updates 4-100: the poller looks 100 updates past the watermark
		<-progress
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-r1.d.Closing(); cancel() }()
	require.ErrorIs(t, r1.stop(t, ctx), context.Canceled)
	first := r1.p.Offset()
	require.Equal(t, int64(1), first, "unhandled updates must stay unconfirmed")
	require.Equal(t, int64(97), answered.Load())
	stored, err := st.GetValue(context.Background(), "botkit:offset:"+strings.Split(srv.Token(), ":")[0], clock.Now())
	require.NoError(t, err)
	assert.Equal(t, strconv.FormatInt(first, 10), string(stored))

	// Second run: the same store, a new process. Everything left is
	// answered; nothing is answered twice.
	var total atomic.Int64
	done := make(chan struct{})
	need := int64(500 - 97)
	r2 := startRig(t, srv, st, clock, func(s *botkit.Sender) botkit.Handler {
		return func(ctx context.Context, upd *models.Update) error {
			err := replyHandler(s)(ctx, upd)
			if total.Add(1) == need {
				close(done)
			}
			return err
		}
	}, botkit.DispatcherOptions{})
	select {
	case <-done:
	case <-testCtx(t).Done():
		t.Fatalf("second run answered %d of %d", total.Load(), need)
	}
	require.NoError(t, r2.stop(t, context.Background()))
	assert.Equal(t, int64(501), r2.p.Offset())
	for c := int64(1); c <= chats; c++ {
		var want []string
		for i := 0; i < per; i++ {
			want = append(want, fmt.Sprintf("re:%d-%d", c, i))
		}
		assert.ElementsMatch(t, want, botTexts(srv, c), "chat %d", c)
	}
	assert.Equal(t, need, total.Load(), "a redelivered update was answered again")
}

func TestPollConflictIsAnError(t *testing.T) {
	srv := newServer(t, telegramtest.Options{})
	ctx := testCtx(t)
	// Two processes poll the same bot: whichever comes second gets 409,
	// and its Run returns it instead of retrying forever.
	r := startRig(t, srv, nil, newFakeClock(true), func(s *botkit.Sender) botkit.Handler { return replyHandler(s) }, botkit.DispatcherOptions{})
	d2 := botkit.NewDispatcher(replyHandler(r.sender), botkit.DispatcherOptions{Logger: quietLogger()})
	p2, err := botkit.NewPoller(srv.Token(), d2, botkit.PollerOptions{ServerURL: srv.URL(), PollTimeout: 5 * time.Second, HTTPClient: newClient(t, 10*time.Second), Logger: quietLogger()})
	require.NoError(t, err)
	p2Err := make(chan error, 1)
	go func() { p2Err <- p2.Run(ctx) }()

	var conflict error
	select {
	case conflict = <-p2Err:
		require.NoError(t, r.stop(t, ctx))
		require.NoError(t, d2.Shutdown(ctx))
	case conflict = <-r.runErr:
		require.NoError(t, r.d.Shutdown(ctx))
		require.NoError(t, d2.Shutdown(ctx))
		require.NoError(t, <-p2Err)
	}
	require.ErrorIs(t, conflict, botkit.ErrConflict)
	var ae *botkit.APIError
	require.ErrorAs(t, conflict, &ae)
	assert.Equal(t, 409, ae.Code)
}

func TestPollHonoursRetryAfterAndBacksOff(t *testing.T) {
	clock := newFakeClock(true)
	srv := newServer(t, telegramtest.Options{Now: clock.Now})
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultTooManyRequests, Method: "getUpdates", Times: 1, RetryAfter: 7})
	srv.InjectFault(telegramtest.Fault{Kind: telegramtest.FaultServerError, Method: "getUpdates", Times: 2, Status: 502})
	_, err := srv.SendText(1, "hi")
	require.NoError(t, err)
	got := make(chan struct{})
	r := startRig(t, srv, nil, clock, func(s *botkit.Sender) botkit.Handler {
		return func(ctx context.Context, upd *models.Update) error { close(got); return nil }
	}, botkit.DispatcherOptions{})
	<-got
	require.NoError(t, r.stop(t, context.Background()))
	waits := clock.Waits()
	assert.Contains(t, waits, 7*time.Second, "retry_after honoured")
	assert.Contains(t, waits, 500*time.Millisecond, "first backoff")
	assert.Contains(t, waits, time.Second, "backoff doubles")
}

func TestPollUnauthorized(t *testing.T) {
	srv := newServer(t, telegramtest.Options{})
	d := botkit.NewDispatcher(func(context.Context, *models.Update) error { return nil }, botkit.DispatcherOptions{Logger: quietLogger()})
	defer d.Shutdown(context.Background())
	p, err := botkit.NewPoller("999:WRONG", d, botkit.PollerOptions{ServerURL: srv.URL(), HTTPClient: newClient(t, 10*time.Second), Logger: quietLogger()})
	require.NoError(t, err)
	err = p.Run(testCtx(t))
	require.ErrorIs(t, err, botkit.ErrUnauthorized)
	assert.NotContains(t, err.Error(), "WRONG", "the token must not leak into errors")
	_, err = botkit.NewPoller("garbage", d, botkit.PollerOptions{})
	require.Error(t, err)
}

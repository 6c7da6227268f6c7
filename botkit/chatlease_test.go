package botkit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
)

// replica is a Dispatcher sharing st with others, on its own clock.
func replica(t *testing.T, st store.Store, clock botkit.Clock, id string, h botkit.Handler) *botkit.Dispatcher {
	t.Helper()
	return botkit.NewDispatcher(h, botkit.DispatcherOptions{
		Logger:    quietLogger(),
		ChatLocks: st,
		ReplicaID: id,
		Clock:     clock,
		Dedup:     botkit.NewDedup(st, botkit.DedupOptions{Clock: clock}),
	})
}

func outcomes() (chan botkit.Outcome, func(botkit.Outcome)) {
	ch := make(chan botkit.Outcome, 16)
	return ch, func(o botkit.Outcome) { ch <- o }
}

func TestChatLeaseOneReplicaPerChat(t *testing.T) {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	clock := newFakeClock(false)
	gate := make(chan struct{})
	started := make(chan int64, 4)
	var handledA, handledB atomic.Int64
	a := replica(t, st, clock, "a", func(ctx context.Context, upd *models.Update) error {
		started <- upd.ID
		<-gate
		handledA.Add(1)
		return nil
	})
	b := replica(t, st, clock, "b", func(ctx context.Context, upd *models.Update) error {
		handledB.Add(1)
		return nil
	})
	out, done := outcomes()

	require.NoError(t, a.Submit(context.Background(), msgUpdate(1, 7, "first"), done))
	require.Equal(t, int64(1), <-started)
	// Chat 7 is A's while A has its updates: B refuses the next one, and
	// a webhook in front of B answers 503 so that Telegram delivers it again.
	require.ErrorIs(t, b.Submit(context.Background(), msgUpdate(2, 7, "second"), done), botkit.ErrChatBusy)
	rec := httptest.NewRecorder()
	botkit.NewWebhook(b, botkit.WebhookOptions{Logger: quietLogger()}).ServeHTTP(rec,
		httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"update_id":2,"message":{"message_id":2,"chat":{"id":7,"type":"private"},"text":"second"}}`)))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	// Other chats are free.
	require.NoError(t, b.Submit(context.Background(), msgUpdate(3, 8, ""), done))
	require.Equal(t, botkit.OutcomeHandled, <-out)

	// Once A has finished chat 7, B takes it.
	close(gate)
	require.Equal(t, botkit.OutcomeHandled, <-out)
	require.NoError(t, b.Submit(context.Background(), msgUpdate(2, 7, "second"), done))
	require.Equal(t, botkit.OutcomeHandled, <-out)
	require.NoError(t, a.Shutdown(context.Background()))
	require.NoError(t, b.Shutdown(context.Background()))
	require.Equal(t, int64(1), handledA.Load())
	require.Equal(t, int64(2), handledB.Load())
}

func TestChatLeaseOfDeadReplicaExpires(t *testing.T) {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	// A's clock stands still after it takes chat 7: it renews nothing, as
	// a replica that died would.
	clockA, clockB := newFakeClock(false), newFakeClock(false)
	clockB.now = clockA.now
	stuck := make(chan struct{})
	started := make(chan struct{})
	a := replica(t, st, clockA, "a", func(ctx context.Context, upd *models.Update) error {
		close(started)
		select {
		case <-stuck:
		case <-ctx.Done():
		}
		return ctx.Err()
	})
	var handledB atomic.Int64
	b := replica(t, st, clockB, "b", func(ctx context.Context, upd *models.Update) error {
		handledB.Add(1)
		return nil
	})
	out, done := outcomes()
	require.NoError(t, a.Submit(context.Background(), msgUpdate(1, 7, ""), nil))
	<-started
	require.ErrorIs(t, b.Submit(context.Background(), msgUpdate(1, 7, ""), done), botkit.ErrChatBusy)
	clockB.Advance(29 * time.Second)
	require.ErrorIs(t, b.Submit(context.Background(), msgUpdate(1, 7, ""), done), botkit.ErrChatBusy)

	// Past the chat lease the chat is B's; the update's claim by A's
	// attempt has expired as well, so the redelivery is answered here.
	clockB.Advance(2 * time.Second)
	require.NoError(t, b.Submit(context.Background(), msgUpdate(1, 7, ""), done))
	require.Equal(t, botkit.OutcomeHandled, <-out)
	require.Equal(t, int64(1), handledB.Load())

	cctx, stop := context.WithCancel(context.Background())
	stop()
	require.ErrorIs(t, a.Shutdown(cctx), context.Canceled)
	require.NoError(t, b.Shutdown(context.Background()))
}

func TestDedupWaitsForLiveAttempt(t *testing.T) {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	clock := newFakeClock(false)
	gate := make(chan struct{})
	started := make(chan struct{})
	var calls atomic.Int64
	newD := func(h botkit.Handler) *botkit.Dispatcher {
		// No chat leases: the claim alone keeps the update from running twice.
		return botkit.NewDispatcher(h, botkit.DispatcherOptions{
			Logger: quietLogger(), Clock: clock,
			Dedup: botkit.NewDedup(st, botkit.DedupOptions{Clock: clock}),
		})
	}
	a := newD(func(ctx context.Context, upd *models.Update) error {
		close(started)
		<-gate
		calls.Add(1)
		return nil
	})
	b := newD(func(ctx context.Context, upd *models.Update) error { calls.Add(1); return nil })
	outA, doneA := outcomes()
	outB, doneB := outcomes()
	require.NoError(t, a.Submit(context.Background(), msgUpdate(5, 1, ""), doneA))
	<-started
	// The redelivery meets A's live claim: it is neither handled nor
	// dropped, but tried again after RetryDelay.
	require.NoError(t, b.Submit(context.Background(), msgUpdate(5, 1, ""), doneB))
	require.NoError(t, clock.WaitTimer(testCtx(t), 500*time.Millisecond))
	require.Empty(t, outB)
	close(gate)
	require.Equal(t, botkit.OutcomeHandled, <-outA)
	clock.Advance(500 * time.Millisecond)
	require.Equal(t, botkit.OutcomeDuplicate, <-outB)
	require.Equal(t, int64(1), calls.Load())
	require.NoError(t, a.Shutdown(context.Background()))
	require.NoError(t, b.Shutdown(context.Background()))
}

func TestDedupClaimOfCrashedAttemptExpires(t *testing.T) {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	clockA, clockB := newFakeClock(false), newFakeClock(false)
	clockB.now = clockA.now
	started := make(chan struct{})
	a := botkit.NewDispatcher(func(ctx context.Context, upd *models.Update) error {
		close(started)
		<-ctx.Done() // the process "dies" mid-reply: it never finishes
		return ctx.Err()
	}, botkit.DispatcherOptions{Logger: quietLogger(), Clock: clockA,
		Dedup: botkit.NewDedup(st, botkit.DedupOptions{Clock: clockA})})
	var calls atomic.Int64
	b := botkit.NewDispatcher(func(ctx context.Context, upd *models.Update) error { calls.Add(1); return nil },
		botkit.DispatcherOptions{Logger: quietLogger(), Clock: clockB,
			Dedup: botkit.NewDedup(st, botkit.DedupOptions{Clock: clockB})})
	require.NoError(t, a.Submit(context.Background(), msgUpdate(9, 1, ""), nil))
	<-started
	out, done := outcomes()
	require.NoError(t, b.Submit(context.Background(), msgUpdate(9, 1, ""), done))
	// B retries every 500ms until A's claim (30s, never renewed) expires.
	ctx, cancel := context.WithCancel(testCtx(t))
	got := make(chan botkit.Outcome, 1)
	go func() { got <- <-out; cancel() }()
	retries := 0
	for clockB.WaitTimer(ctx, 500*time.Millisecond) == nil {
		require.Zero(t, calls.Load(), "handled before the crashed claim expired")
		clockB.Advance(500 * time.Millisecond)
		retries++
	}
	require.Equal(t, botkit.OutcomeHandled, <-got)
	require.Equal(t, int64(1), calls.Load())
	require.InDelta(t, 60, retries, 1, "handled once the crashed claim expired")

	cctx, stop := context.WithCancel(context.Background())
	stop()
	require.ErrorIs(t, a.Shutdown(cctx), context.Canceled)
	require.NoError(t, b.Shutdown(context.Background()))
}

func TestPollerWaitsForChatHeldElsewhere(t *testing.T) {
	srv := newServer(t, telegramtest.Options{})
	addChats(srv, 5)
	st := memstore.New(memstore.Options{})
	defer st.Close()
	// Another replica holds chat 5 while its reply runs.
	gate := make(chan struct{})
	started := make(chan struct{})
	other := replica(t, st, newFakeClock(false), "other", func(ctx context.Context, upd *models.Update) error {
		close(started)
		<-gate
		return nil
	})
	otherOut, otherDone := outcomes()
	require.NoError(t, other.Submit(context.Background(), msgUpdate(1_000_000, 5, ""), otherDone))
	<-started

	retry := newFakeClock(false)
	r := startRig(t, srv, st, newFakeClock(true), func(s *botkit.Sender) botkit.Handler { return replyHandler(s) },
		botkit.DispatcherOptions{ChatLocks: st, ReplicaID: "poller", Clock: retry})
	_, err := srv.SendText(5, "hello")
	require.NoError(t, err)
	// The poller cannot take the chat: it waits RetryDelay and tries again,
	// neither skipping the update nor confirming it.
	require.NoError(t, retry.WaitTimer(testCtx(t), 500*time.Millisecond))
	require.Empty(t, botTexts(srv, 5))
	require.Equal(t, int64(1), r.p.Offset(), "update 1 stays unconfirmed while its chat is held elsewhere")

	close(gate)
	require.Equal(t, botkit.OutcomeHandled, <-otherOut)
	retry.Advance(500 * time.Millisecond)
	_, err = srv.WaitReplies(testCtx(t), 5, 1)
	require.NoError(t, err)
	require.Equal(t, []string{"re:hello"}, botTexts(srv, 5))
	require.NoError(t, r.stop(t, context.Background()))
	require.NoError(t, other.Shutdown(context.Background()))
}

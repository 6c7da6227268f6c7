package botkit_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

// TestShutdownLeavesNoGoroutines runs a whole bot (poller, dispatcher,
// sender, streams) and checks that nothing it started outlives Shutdown.
func TestShutdownLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	clock := newFakeClock(true)
	srv := telegramtest.New(telegramtest.Options{Now: clock.Now})
	defer srv.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	b, err := bot.New(srv.Token(), bot.WithServerURL(srv.URL()), bot.WithSkipGetMe(), bot.WithHTTPClient(time.Minute, client))
	require.NoError(t, err)
	s := botkit.NewSender(b, botkit.SenderOptions{Clock: clock, Logger: quietLogger()})
	var n atomic.Int64
	all := make(chan struct{})
	d := botkit.NewDispatcher(func(ctx context.Context, upd *models.Update) error {
		deltas := make(chan botkit.Delta, 2)
		deltas <- botkit.Delta{Text: "echo: "}
		deltas <- botkit.Delta{Text: upd.Message.Text}
		close(deltas)
		_, err := s.Stream(ctx, deltas, botkit.StreamOptions{ChatID: upd.Message.Chat.ID, Clock: clock})
		if n.Add(1) == 50 {
			close(all)
		}
		return err
	}, botkit.DispatcherOptions{Logger: quietLogger()})
	p, err := botkit.NewPoller(srv.Token(), d, botkit.PollerOptions{ServerURL: srv.URL(), PollTimeout: 5 * time.Second, HTTPClient: client, Clock: clock, Logger: quietLogger()})
	require.NoError(t, err)
	runErr := make(chan error)
	go func() { runErr <- p.Run(context.Background()) }()
	for i := int64(1); i <= 50; i++ {
		_, err := srv.SendText(i%7+1, "x")
		require.NoError(t, err)
	}
	<-all
	require.NoError(t, d.Shutdown(context.Background()))
	require.NoError(t, <-runErr)
}

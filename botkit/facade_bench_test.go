package botkit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
	"github.com/web3-ai-game/svs-telegram-bot/gemini"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

// BenchmarkBotTurn measures one whole AI turn through the facade over
// loopback (update in by long polling, session, Gemini stream, reply out,
// commit), against the bare Gemini stream of the same answer as the
// baseline.
func BenchmarkBotTurn(b *testing.B) {
	ai := geminitest.New(geminitest.Options{Chunks: 3})
	defer ai.Close()
	ai.AddKey("k", storySecrets[0], "")

	b.Run("gemini-stream-only", func(b *testing.B) {
		r, err := keyrouter.New([]keyrouter.Key{{Secret: keyrouter.Secret(storySecrets[0])}}, keyrouter.Options{Classifier: gemini.Classify})
		require.NoError(b, err)
		g, err := gemini.New(r, gemini.Options{BaseURL: ai.URL})
		require.NoError(b, err)
		defer g.Close()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			s := g.Stream(context.Background(), &gemini.Request{Text: fmt.Sprint("question ", i)})
			for s.Next() {
			}
			require.NoError(b, s.Err())
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/turn")
	})

	b.Run("bot-turn", func(b *testing.B) {
		tg := telegramtest.New(telegramtest.Options{Pacing: telegramtest.Pacing{Disabled: true}})
		defer tg.Close()
		st := memstore.New(memstore.Options{})
		defer st.Close()
		bot, err := botkit.New(tg.Token(), botkit.Options{
			Keys: storySecrets[0], Store: st, ServerURL: tg.URL(), GeminiURL: ai.URL, SkipCommandRegistration: true,
			Tiers:  storyTiers(),
			Sender: botkit.SenderOptions{PerChat: 1e6, PerChatBurst: 1e6, Global: 1e6, GlobalBurst: 1e6},
			Poller: botkit.PollerOptions{PollTimeout: time.Second},
			Owners: []int64{1},
		})
		require.NoError(b, err)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- bot.Run(ctx) }()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_, err := tg.SendText(1, fmt.Sprint("question ", i))
			require.NoError(b, err)
			_, err = tg.WaitReplies(ctx, 1, 1)
			require.NoError(b, err)
			if i%4 == 3 { // keep the memory small and constant
				require.NoError(b, bot.Sessions().Reset(ctx, identityOf(1)))
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/turn")
		b.StopTimer()
		require.NoError(b, bot.Shutdown(ctx))
		require.NoError(b, <-done)
	})
}

func identityOf(id int64) vipsession.Identity {
	return vipsession.Identity{UserID: id, ChatID: id, Private: true}
}

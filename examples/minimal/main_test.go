package main

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
)

// The bot of main, against the fakes: /roll answers with a die, and a
// question gets Gemini's answer.
func TestMinimalBot(t *testing.T) {
	tg := telegramtest.New(telegramtest.Options{})
	defer tg.Close()
	gm := geminitest.New(geminitest.Options{})
	defer gm.Close()
	gm.AddKey("k1", "fake-key", "p1")
	st := memstore.New(memstore.Options{})
	defer st.Close()

	b, err := botkit.New(tg.Token(), botkit.Options{
		Keys: "fake-key", Commands: []botkit.Command{roll},
		ServerURL: tg.URL(), GeminiURL: gm.URL, Store: st,
	})
	require.NoError(t, err)
	ran := make(chan error, 1)
	go func() { ran <- b.Run(context.Background()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = tg.SendCommand(5, "/roll")
	require.NoError(t, err)
	replies, err := tg.WaitReplies(ctx, 5, 1)
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`^🎲 [1-6]$`), replies[0].Text)

	_, err = tg.SendText(5, "hello")
	require.NoError(t, err)
	replies, err = tg.WaitReplies(ctx, 5, 1)
	require.NoError(t, err)
	assert.Equal(t, "echo: hello", replies[0].Text)

	require.NoError(t, b.Shutdown(ctx))
	require.NoError(t, <-ran)
}

package main

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
)

// A bot on the sealed store remembers the conversation (the model gets the
// earlier round, opened) while the inner store holds it sealed.
func TestBotOnSealedStore(t *testing.T) {
	tg := telegramtest.New(telegramtest.Options{Pacing: telegramtest.Pacing{Disabled: true}})
	defer tg.Close()
	gm := geminitest.New(geminitest.Options{})
	defer gm.Close()
	gm.AddKey("k1", "fake-key", "p1")
	inner := &recorder{Store: memstore.New(memstore.Options{})}
	st, err := NewSealedStore(inner, keyNew)
	require.NoError(t, err)
	defer st.Close()

	b, err := botkit.New(tg.Token(), botkit.Options{Keys: "fake-key", Store: st, ServerURL: tg.URL(), GeminiURL: gm.URL})
	require.NoError(t, err)
	ran := make(chan error, 1)
	go func() { ran <- b.Run(context.Background()) }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, q := range []string{"my secret is 1234", "what did I say?"} {
		_, err = tg.SendText(9, q)
		require.NoError(t, err)
		_, err = tg.WaitReplies(ctx, 9, 1)
		require.NoError(t, err)
	}
	require.NoError(t, b.Shutdown(ctx))
	require.NoError(t, <-ran)

	calls := gm.Calls()
	last := calls[len(calls)-1]
	require.Len(t, last.Contents, 3, "the second question came with the first round")
	assert.Equal(t, "my secret is 1234", last.Contents[0].Text)

	require.NotEmpty(t, inner.texts)
	for _, text := range inner.texts {
		assert.True(t, strings.HasPrefix(text, sealedPrefix))
		assert.NotContains(t, text, "1234")
	}
}

// recorder is the inner store of a SealedStore that records the texts of
// the turns it is given: what would reach the disk.
type recorder struct {
	store.Store
	mu    sync.Mutex
	texts []string
}

func (r *recorder) AppendTurns(ctx context.Context, key string, turns ...store.Turn) error {
	r.mu.Lock()
	for _, t := range turns {
		r.texts = append(r.texts, t.Text)
	}
	r.mu.Unlock()
	return r.Store.AppendTurns(ctx, key, turns...)
}

func TestSealKeys(t *testing.T) {
	k := base64.StdEncoding.EncodeToString(keyNew)
	old := base64.StdEncoding.EncodeToString(keyOld)
	keys, err := sealKeys(k, old+", "+old)
	require.NoError(t, err)
	assert.Len(t, keys, 3)

	_, err = sealKeys("", "")
	assert.ErrorContains(t, err, "SVSBOT_SEAL_KEY is not set")
	_, err = sealKeys("c2hvcnQ=", "")
	assert.ErrorContains(t, err, "SVSBOT_SEAL_KEY: not the base64 of 32 bytes")
	_, err = sealKeys(k, "!!")
	assert.ErrorContains(t, err, "SVSBOT_SEAL_OLD_KEYS entry 1")
	assert.NotContains(t, err.Error(), k)
}

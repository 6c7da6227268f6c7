package gemini_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"google.golang.org/genai"

	"github.com/web3-ai-game/svs-telegram-bot/gemini"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
)

// opencensus (pulled in by genai) starts a worker goroutine at init.
var leakOpts = []goleak.Option{goleak.IgnoreTopFunction("go.opencensus.io/stats/view.(*worker).start")}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m, leakOpts...) }

// env is a fake Gemini server, a router over keys registered with it, and a
// client routing through them.
type env struct {
	srv    *geminitest.Server
	router *keyrouter.Router
	client *gemini.Client
	keys   []keyrouter.Key
}

// secretOf makes a key-shaped secret, so scrubbing is tested on the real shape.
func secretOf(id string) string { return fmt.Sprintf("AIzaSy%033s", id) }

type envOptions struct {
	keys      int                // number of keys, one project each unless perProject > 0
	project   func(i int) string // project of key i; nil = its own
	server    geminitest.Options // fake options
	router    keyrouter.Options  // MaxWait is forced negative unless set
	client    gemini.Options     // BaseURL and HTTPClient are filled in
	keyLimits keyrouter.Limits
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	srv := geminitest.New(o.server)
	t.Cleanup(srv.Close)
	var keys []keyrouter.Key
	for i := range o.keys {
		id := fmt.Sprintf("key%02d", i)
		proj := ""
		if o.project != nil {
			proj = o.project(i)
		}
		srv.AddKey(id, secretOf(id), proj)
		keys = append(keys, keyrouter.Key{ID: id, Secret: keyrouter.Secret(secretOf(id)), Project: proj, Limits: o.keyLimits})
	}
	if o.router.MaxWait == 0 {
		o.router.MaxWait = -1
	}
	r, err := keyrouter.New(keys, o.router)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	o.client.BaseURL = srv.URL
	if o.client.HTTPClient == nil {
		o.client.HTTPClient = srv.Client()
	}
	c, err := gemini.New(r, o.client)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return &env{srv: srv, router: r, client: c, keys: keys}
}

// bare is a genai client on the fake with the secret of key id.
func (e *env) bare(t testing.TB, id string) *genai.Client {
	t.Helper()
	c, err := genai.NewClient(context.Background(), &genai.ClientConfig{
		APIKey: secretOf(id), Backend: genai.BackendGeminiAPI, HTTPClient: e.srv.Client(),
		HTTPOptions: genai.HTTPOptions{BaseURL: e.srv.URL},
	})
	require.NoError(t, err)
	return c
}

// compact puts a JSON body on one line, as an SSE data field must be.
func compact(t testing.TB, s string) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, json.Compact(&b, []byte(s)))
	return b.String()
}

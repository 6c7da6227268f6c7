package gemini_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/gemini"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
)

// inFlight sums the router's leases in flight: every path must release.
func (e *env) inFlight() int {
	n := 0
	for _, k := range e.router.Stats() {
		n += k.InFlight
	}
	return n
}

func (e *env) failures(id string) map[keyrouter.Verdict]int64 {
	for _, k := range e.router.Stats() {
		if k.ID == id {
			return k.Failures
		}
	}
	return nil
}

// route lists the models of the recorded calls, and checks that no key was
// tried twice for one model.
func (e *env) route(t *testing.T) []string {
	t.Helper()
	var out []string
	seen := map[string]bool{}
	for _, c := range e.srv.Calls() {
		out = append(out, c.Model)
		assert.False(t, seen[c.Model+"/"+c.KeyID], "key %s tried twice on %s", c.KeyID, c.Model)
		seen[c.Model+"/"+c.KeyID] = true
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestGenerateSendsTheWholeRequest(t *testing.T) {
	e := newEnv(t, envOptions{keys: 1, server: geminitest.Options{ThoughtTokens: 7}})
	res, err := e.client.Generate(context.Background(), &gemini.Request{
		Tier:   "free",
		Models: []string{"m1"},
		System: "You are a pirate.",
		History: []gemini.Turn{
			{Role: gemini.RoleUser, Text: "hi"},
			{Role: gemini.RoleModel, Text: "arr"},
		},
		Text:            "what is this?",
		Images:          []gemini.Image{{MIMEType: "image/jpeg", Data: []byte{0xff, 0xd8, 0xff}}},
		Temperature:     ptr(float32(0.25)),
		MaxOutputTokens: 500,
		ThinkingBudget:  ptr(64),
		Safety:          []gemini.SafetySetting{{Category: "HARM_CATEGORY_HATE_SPEECH", Threshold: "BLOCK_NONE"}},
	})
	require.NoError(t, err)
	assert.Equal(t, "echo: what is this?", res.Text)
	assert.Equal(t, "STOP", res.FinishReason)
	assert.False(t, res.Truncated)
	assert.Equal(t, "m1", res.Model)
	assert.Equal(t, "m1", res.ModelVersion)
	assert.Equal(t, "key00", res.KeyID)
	assert.Equal(t, 1, res.Attempts)
	assert.Equal(t, geminitest.EstimateTokens(res.Text), res.Usage.Output)
	assert.Equal(t, 7, res.Usage.Thoughts)
	assert.Equal(t, res.Usage.Prompt+res.Usage.Output+res.Usage.Thoughts, res.Usage.Total)

	c := e.srv.Calls()[0]
	assert.Equal(t, "You are a pirate.", c.System)
	require.Len(t, c.Contents, 3)
	assert.Equal(t, []string{"user", "model", "user"}, []string{c.Contents[0].Role, c.Contents[1].Role, c.Contents[2].Role})
	assert.Equal(t, []geminitest.Image{{MIMEType: "image/jpeg", Data: []byte{0xff, 0xd8, 0xff}}}, c.Images())
	assert.InDelta(t, 0.25, *c.Temperature, 1e-6)
	assert.Equal(t, 500, *c.MaxOutputTokens)
	assert.Equal(t, 64, *c.ThinkingBudget)
	assert.Equal(t, []geminitest.SafetySetting{{Category: "HARM_CATEGORY_HATE_SPEECH", Threshold: "BLOCK_NONE"}}, c.SafetySettings)
	assert.Zero(t, e.inFlight())
}

func TestDefaultModels(t *testing.T) {
	e := newEnv(t, envOptions{keys: 1})
	res, err := e.client.Generate(context.Background(), &gemini.Request{Text: "x"})
	require.NoError(t, err)
	assert.Equal(t, gemini.DefaultModels[0], res.Model)
	assert.Equal(t, gemini.ModelFlash, e.srv.Calls()[0].Model)
}

// TestFailover checks, for each injected failure, where the call went next,
// as recorded by the fake, and what the router was told about the key.
func TestFailover(t *testing.T) {
	once := func(k geminitest.FaultKind) []geminitest.Fault { return []geminitest.Fault{{Kind: k, Times: 1}} }
	tests := []struct {
		name    string
		faults  []geminitest.Fault
		route   []string          // models of the calls, in order
		verdict keyrouter.Verdict // recorded against the first key, once per model it was tried on
		wantErr error
	}{
		{"500 tries another key", once(geminitest.FaultInternal), []string{"a", "a"}, keyrouter.Transient, nil},
		{"504 tries another key", once(geminitest.FaultTimeout), []string{"a", "a"}, keyrouter.Transient, nil},
		{"dropped connection tries another key", once(geminitest.FaultDrop), []string{"a", "a"}, keyrouter.Transient, nil},
		{"invalid key tries another key", once(geminitest.FaultInvalidKey), []string{"a", "a"}, keyrouter.DeadKey, nil},
		{"leaked key tries another key", once(geminitest.FaultLeakedKey), []string{"a", "a"}, keyrouter.DeadKey, nil},
		{"suspended key tries another key", once(geminitest.FaultSuspendedKey), []string{"a", "a"}, keyrouter.DeadKey, nil},
		{"per-minute quota tries another key", []geminitest.Fault{{Kind: geminitest.FaultRateLimited, Times: 1, RetryDelay: 7 * time.Second}},
			[]string{"a", "a"}, keyrouter.RateLimited, nil},
		{"day quota tries another key", once(geminitest.FaultDayExhausted), []string{"a", "a"}, keyrouter.DayExhausted, nil},
		{"no quota tries another key", once(geminitest.FaultNoQuota), []string{"a", "a"}, keyrouter.NoQuota, nil},
		{"error event before the first chunk tries another key", once(geminitest.FaultMidStream), []string{"a", "a"}, keyrouter.Transient, nil},
		{"overloaded model moves to the next model", []geminitest.Fault{{Kind: geminitest.FaultOverloaded, Model: "a"}},
			[]string{"a", "b"}, keyrouter.Transient, nil},
		{"unknown model moves to the next model", []geminitest.Fault{{Kind: geminitest.FaultRaw, Model: "a", Status: 404,
			Body: []byte(`{"error":{"code":404,"message":"models/a is not found for API version v1beta","status":"NOT_FOUND"}}`)}},
			[]string{"a", "b"}, keyrouter.BadRequest, nil},
		{"bad request stops", []geminitest.Fault{{Kind: geminitest.FaultBadRequest}},
			[]string{"a"}, keyrouter.BadRequest, gemini.ErrBadRequest},
		{"every key failing", []geminitest.Fault{{Kind: geminitest.FaultInternal}},
			[]string{"a", "a", "a", "b", "b", "b"}, keyrouter.Transient, gemini.ErrUnavailable},
	}
	for _, tt := range tests {
		for _, mode := range modes {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				e := newEnv(t, envOptions{keys: 3})
				for _, f := range tt.faults {
					e.srv.Inject(f)
				}
				req := &gemini.Request{Models: []string{"a", "b"}, Text: "hello"}
				text, res, err := run(e, mode, req)
				attempts := res.Attempts
				assert.Equal(t, tt.route, e.route(t))
				first := e.srv.Calls()[0].KeyID
				perModel := map[string]bool{}
				for _, c := range e.srv.Calls() {
					if c.KeyID == first && c.Fault != "" {
						perModel[c.Model] = true
					}
				}
				assert.Equal(t, int64(len(perModel)), e.failures(first)[tt.verdict], "%v", e.failures(first))
				assert.Zero(t, e.inFlight())
				if tt.wantErr != nil {
					require.ErrorIs(t, err, tt.wantErr)
					var ce *gemini.CallError
					require.ErrorAs(t, err, &ce)
					assert.Equal(t, tt.verdict, ce.Verdict)
					assert.False(t, ce.Interrupted)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, "echo: hello", text)
				assert.Equal(t, len(tt.route), attempts)
			})
		}
	}
}

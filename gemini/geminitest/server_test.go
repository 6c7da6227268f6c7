package geminitest_test

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"google.golang.org/genai"

	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
)

// opencensus (pulled in by genai) starts a worker at init.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("go.opencensus.io/stats/view.(*worker).start"))
}

// fakeClock is a manual clock for quotas.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newClient(t *testing.T, s *geminitest.Server, secret string) *genai.Client {
	t.Helper()
	c, err := genai.NewClient(context.Background(), &genai.ClientConfig{
		APIKey: secret, Backend: genai.BackendGeminiAPI, HTTPClient: s.Client(),
		HTTPOptions: genai.HTTPOptions{BaseURL: s.URL},
	})
	require.NoError(t, err)
	return c
}

func apiErr(t *testing.T, err error) genai.APIError {
	t.Helper()
	var e genai.APIError
	require.True(t, errors.As(err, &e), "want genai.APIError, got %T %v", err, err)
	return e
}

func TestGenerateRecordsTheRequest(t *testing.T) {
	s := geminitest.New(geminitest.Options{})
	defer s.Close()
	s.AddKey("k1", "secret-1", "proj")
	c := newClient(t, s, "secret-1")

	temp, budget := float32(0.5), int32(0)
	resp, err := c.Models.GenerateContent(context.Background(), "gemini-flash-latest",
		[]*genai.Content{
			genai.NewContentFromText("earlier", genai.RoleUser),
			genai.NewContentFromText("answer", genai.RoleModel),
			{Role: genai.RoleUser, Parts: []*genai.Part{{Text: "hello"}, genai.NewPartFromBytes([]byte{1, 2, 3}, "image/png")}},
		},
		&genai.GenerateContentConfig{
			SystemInstruction: genai.NewContentFromText("be brief", ""),
			Temperature:       &temp, MaxOutputTokens: 100,
			ThinkingConfig: &genai.ThinkingConfig{ThinkingBudget: &budget},
			SafetySettings: []*genai.SafetySetting{{Category: genai.HarmCategoryHarassment, Threshold: genai.HarmBlockThresholdBlockOnlyHigh}},
		})
	require.NoError(t, err)
	assert.Equal(t, "echo: hello", resp.Text())
	assert.Equal(t, genai.FinishReasonStop, resp.Candidates[0].FinishReason)
	u := resp.UsageMetadata
	assert.Equal(t, int32(geminitest.EstimateTokens("echo: hello")), u.CandidatesTokenCount)
	assert.Equal(t, u.PromptTokenCount+u.CandidatesTokenCount, u.TotalTokenCount)

	calls := s.Calls()
	require.Len(t, calls, 1)
	call := calls[0]
	assert.Equal(t, "generateContent", call.Method)
	assert.Equal(t, "gemini-flash-latest", call.Model)
	assert.Equal(t, "k1", call.KeyID)
	assert.Equal(t, "proj", call.Project)
	assert.Equal(t, "be brief", call.System)
	require.Len(t, call.Contents, 3)
	assert.Equal(t, "model", call.Contents[1].Role)
	assert.Equal(t, []geminitest.Image{{MIMEType: "image/png", Data: []byte{1, 2, 3}}}, call.Images())
	assert.InDelta(t, 0.5, *call.Temperature, 1e-6)
	assert.Equal(t, 100, *call.MaxOutputTokens)
	assert.Equal(t, 0, *call.ThinkingBudget)
	assert.Equal(t, []geminitest.SafetySetting{{Category: "HARM_CATEGORY_HARASSMENT", Threshold: "BLOCK_ONLY_HIGH"}}, call.SafetySettings)
	assert.Equal(t, 200, call.Status)
	assert.Equal(t, geminitest.ProjectStats{Calls: 1, Answered: 1}, s.Stats("proj"))
}

func TestUnknownKeyIsInvalid(t *testing.T) {
	s := geminitest.New(geminitest.Options{})
	defer s.Close()
	_, err := newClient(t, s, "nobody").Models.GenerateContent(context.Background(), "m", genai.Text("hi"), nil)
	e := apiErr(t, err)
	assert.Equal(t, 400, e.Code)
	assert.Equal(t, "INVALID_ARGUMENT", e.Status)
	assert.Equal(t, "API_KEY_INVALID", e.Details[0]["reason"])
	assert.Equal(t, "", s.Calls()[0].KeyID)
}

// TestStreamFraming reads the raw stream: single-line data events, each
// followed by exactly one blank line.
func TestStreamFraming(t *testing.T) {
	s := geminitest.New(geminitest.Options{Chunks: 4, Answer: geminitest.Text("abcdefgh")})
	defer s.Close()
	s.AddKey("k1", "secret-1", "")
	req, err := http.NewRequest(http.MethodPost, s.URL+"/v1beta/models/m:streamGenerateContent?alt=sse",
		strings.NewReader(`{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`))
	require.NoError(t, err)
	req.Header.Set("x-goog-api-key", "secret-1")
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	sc := bufio.NewScanner(resp.Body)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	require.Len(t, lines, 8)
	for i := 0; i < len(lines); i += 2 {
		assert.True(t, strings.HasPrefix(lines[i], "data: {"), lines[i])
		assert.Equal(t, "", lines[i+1])
	}
	assert.Contains(t, lines[6], `"finishReason":"STOP"`)
}

func TestStreamThroughGenai(t *testing.T) {
	var slept []time.Duration
	var mu sync.Mutex
	s := geminitest.New(geminitest.Options{Chunks: 5, ChunkDelay: time.Second,
		Answer: geminitest.Text("你好，世界！Hello, world."),
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			slept = append(slept, d)
			return ctx.Err()
		}})
	defer s.Close()
	s.AddKey("k1", "secret-1", "")
	var text strings.Builder
	chunks := 0
	var last *genai.GenerateContentResponse
	for resp, err := range newClient(t, s, "secret-1").Models.GenerateContentStream(context.Background(), "m", genai.Text("hi"), nil) {
		require.NoError(t, err)
		text.WriteString(resp.Text())
		chunks++
		last = resp
	}
	assert.Equal(t, "你好，世界！Hello, world.", text.String())
	assert.Equal(t, 5, chunks)
	assert.Len(t, slept, 5)
	assert.Equal(t, genai.FinishReasonStop, last.Candidates[0].FinishReason)
	assert.Equal(t, int32(geminitest.EstimateTokens(text.String())), last.UsageMetadata.CandidatesTokenCount)
}

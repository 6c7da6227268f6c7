package gemini_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genai"

	"github.com/web3-ai-game/svs-telegram-bot/gemini"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
)

// Error bodies as Google sends them.
const (
	body429PerMinute = `{
  "error": {
    "code": 429,
    "message": "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. \n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 10, model: gemini-2.5-flash\nPlease retry in 45.837906927s.",
    "status": "RESOURCE_EXHAUSTED",
    "details": [
      {
        "@type": "type.googleapis.com/google.rpc.Help",
        "links": [
          {
            "description": "Learn more about Gemini API quotas",
            "url": "https://ai.google.dev/gemini-api/docs/rate-limits"
          }
        ]
      },
      {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [
          {
            "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
            "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
            "quotaDimensions": {
              "location": "global",
              "model": "gemini-2.5-flash"
            },
            "quotaValue": "10"
          }
        ]
      },
      {
        "@type": "type.googleapis.com/google.rpc.RetryInfo",
        "retryDelay": "45.837906927s"
      }
    ]
  }
}`
	body429PerDay = `{
  "error": {
    "code": 429,
    "message": "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. \n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 250, model: gemini-2.5-flash\nPlease retry in 7s.",
    "status": "RESOURCE_EXHAUSTED",
    "details": [
      {"@type": "type.googleapis.com/google.rpc.Help", "links": [{"description": "Learn more about Gemini API quotas", "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]},
      {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests", "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier", "quotaDimensions": {"location": "global", "model": "gemini-2.5-flash"}, "quotaValue": "250"}]},
      {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}
    ]
  }
}`
	body429LimitZero = `{
  "error": {
    "code": 429,
    "message": "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. \n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_input_token_count, limit: 0, model: gemini-2.5-pro\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, model: gemini-2.5-pro\nPlease retry in 32.5s.",
    "status": "RESOURCE_EXHAUSTED",
    "details": [
      {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
        {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count", "quotaId": "GenerateContentInputTokensPerModelPerMinute-FreeTier", "quotaDimensions": {"location": "global", "model": "gemini-2.5-pro"}},
        {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests", "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier", "quotaDimensions": {"location": "global", "model": "gemini-2.5-pro"}}]},
      {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "32s"}
    ]
  }
}`
	body429Bare     = `{"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}}`
	body400KeyBad   = `{"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}}, {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": "API key not valid. Please pass a valid API key."}]}}`
	body400Argument = `{"error": {"code": 400, "message": "* GenerateContentRequest.contents[0].parts: contents.parts must not be empty.\n", "status": "INVALID_ARGUMENT"}}`
	body400Location = `{"error": {"code": 400, "message": "User location is not supported for the API use.", "status": "FAILED_PRECONDITION"}}`
	body403Leaked   = `{"error": {"code": 403, "message": "Your API key was reported as leaked. Please use another API key.", "status": "PERMISSION_DENIED"}}`
	body403Suspend  = `{"error": {"code": 403, "message": "Permission denied: Consumer 'api_key:AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW' has been suspended.", "status": "PERMISSION_DENIED", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "CONSUMER_SUSPENDED", "domain": "googleapis.com", "metadata": {"consumer": "projects/123456789012", "service": "generativelanguage.googleapis.com"}}, {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": "Permission denied: Consumer 'api_key:AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW' has been suspended."}]}}`
	body403File     = `{"error": {"code": 403, "message": "You do not have permission to access the File abc123 or it may not exist.", "status": "PERMISSION_DENIED"}}`
	body404Model    = `{"error": {"code": 404, "message": "models/gemini-1.0-pro is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.", "status": "NOT_FOUND"}}`
	body500         = `{"error": {"code": 500, "message": "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting", "status": "INTERNAL"}}`
	body503         = `{"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}}`
	body504         = `{"error": {"code": 504, "message": "Deadline expired before operation could complete.", "status": "DEADLINE_EXCEEDED"}}`
	bodyNoCode      = `{"error": {"message": "The service is currently unavailable.", "status": "UNAVAILABLE"}}`
)

func TestClassifyRealBodies(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		stream  bool // sent as an SSE error event after a 200
		verdict keyrouter.Verdict
		retry   time.Duration
	}{
		{"429 per minute", 429, body429PerMinute, false, keyrouter.RateLimited, 45837906927 * time.Nanosecond},
		{"429 per day", 429, body429PerDay, false, keyrouter.DayExhausted, 0},
		{"429 limit 0", 429, body429LimitZero, false, keyrouter.NoQuota, 0},
		{"429 without details", 429, body429Bare, false, keyrouter.RateLimited, 0},
		{"400 API_KEY_INVALID", 400, body400KeyBad, false, keyrouter.DeadKey, 0},
		{"400 invalid argument", 400, body400Argument, false, keyrouter.BadRequest, 0},
		{"400 failed precondition", 400, body400Location, false, keyrouter.BadRequest, 0},
		{"403 leaked", 403, body403Leaked, false, keyrouter.DeadKey, 0},
		{"403 CONSUMER_SUSPENDED", 403, body403Suspend, false, keyrouter.DeadKey, 0},
		{"403 other", 403, body403File, false, keyrouter.BadRequest, 0},
		{"404 model", 404, body404Model, false, keyrouter.BadRequest, 0},
		{"500", 500, body500, false, keyrouter.Transient, 0},
		{"503", 503, body503, false, keyrouter.Transient, 0},
		{"504", 504, body504, false, keyrouter.Transient, 0},
		{"502 html", 502, "<html><body>502 Bad Gateway</body></html>", false, keyrouter.Transient, 0},
		{"503 empty body", 503, "", false, keyrouter.Transient, 0},
		{"stream event 500", 200, body500, true, keyrouter.Transient, 0},
		{"stream event 429 per minute", 200, body429PerMinute, true, keyrouter.RateLimited, 45837906927 * time.Nanosecond},
		{"stream event without code", 200, bodyNoCode, true, keyrouter.Transient, 0},
	}
	e := newEnv(t, envOptions{keys: 1})
	bare := e.bare(t, "key00")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			if tt.stream {
				body = []byte("data: " + compact(t, tt.body) + "\n\n")
			}
			e.srv.Inject(geminitest.Fault{Kind: geminitest.FaultRaw, Status: tt.status, Body: body, Times: 1})
			var err error
			if tt.stream {
				for _, err = range bare.Models.GenerateContentStream(context.Background(), "m", genai.Text("hi"), nil) {
					if err != nil {
						break
					}
				}
			} else {
				_, err = bare.Models.GenerateContent(context.Background(), "m", genai.Text("hi"), nil)
			}
			var api genai.APIError
			require.True(t, errors.As(err, &api), "genai returned %T %v", err, err)
			if tt.name == "stream event without code" {
				assert.Equal(t, 0, api.Code) // what genai makes of it
			}
			o := gemini.Classify(err)
			assert.Equal(t, tt.verdict, o.Verdict, "%v", err)
			assert.Equal(t, tt.retry, o.RetryAfter)
			assert.Equal(t, err, o.Err)

			wrapped := gemini.Classify(fmt.Errorf("call: %w", &api)) // pointer, wrapped
			assert.Equal(t, tt.verdict, wrapped.Verdict)
		})
	}
}

func TestClassifyTransportAndContext(t *testing.T) {
	e := newEnv(t, envOptions{keys: 1})
	bare := e.bare(t, "key00")

	e.srv.Inject(geminitest.Fault{Kind: geminitest.FaultDrop, Times: 1})
	_, err := bare.Models.GenerateContent(context.Background(), "m", genai.Text("hi"), nil)
	require.Error(t, err)
	assert.Equal(t, keyrouter.Transient, gemini.Classify(err).Verdict, "dropped connection: %v", err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = bare.Models.GenerateContent(ctx, "m", genai.Text("hi"), nil)
	assert.Equal(t, keyrouter.Canceled, gemini.Classify(err).Verdict, "%v", err)

	assert.Equal(t, keyrouter.Success, gemini.Classify(nil).Verdict)
	assert.Equal(t, keyrouter.Canceled, gemini.Classify(context.DeadlineExceeded).Verdict)
	assert.Equal(t, keyrouter.Transient, gemini.Classify(errors.New("dial tcp: connection refused")).Verdict)
	assert.Equal(t, keyrouter.Transient, gemini.Classify(genai.APIError{}).Verdict)
	assert.Equal(t, keyrouter.Transient, gemini.Classify(genai.APIError{Status: "503 Service Unavailable", Message: "busy"}).Verdict)
	assert.Equal(t, keyrouter.RateLimited, gemini.Classify(genai.APIError{Status: "RESOURCE_EXHAUSTED"}).Verdict)
	assert.Equal(t, keyrouter.DeadKey, gemini.Classify(genai.APIError{Code: 401, Status: "UNAUTHENTICATED"}).Verdict)
	assert.Equal(t, keyrouter.RateLimited, gemini.Classify(genai.APIError{Message: `{"error":{"code":429}}`}).Verdict)
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"7s", 7 * time.Second},
		{"45.837906927s", 45837906927 * time.Nanosecond},
		{"0.5s", 500 * time.Millisecond},
		{" 3s ", 3 * time.Second},
		{"1m30s", 90 * time.Second},
		{"250ms", 250 * time.Millisecond},
		{"0s", 0},
		{"-3s", 0},
		{"NaNs", 0},
		{"s", 0},
		{"", 0},
		{"seven", 0},
		{"1e12s", 48 * time.Hour},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, gemini.ParseDuration(tt.in), "%q", tt.in)
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"7s", "45.837906927s", "1m", "-1s", "1e400s", "0x10s", "Infs"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := gemini.ParseDuration(s)
		if d < 0 || d > 48*time.Hour {
			t.Fatalf("ParseDuration(%q) = %v out of range", s, d)
		}
	})
}

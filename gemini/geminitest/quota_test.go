package geminitest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genai"

	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
)

func quotaIDs(e genai.APIError) (ids []string, retry string) {
	for _, d := range e.Details {
		switch d["@type"] {
		case "type.googleapis.com/google.rpc.QuotaFailure":
			for _, v := range d["violations"].([]any) {
				ids = append(ids, v.(map[string]any)["quotaId"].(string))
			}
		case "type.googleapis.com/google.rpc.RetryInfo":
			retry = d["retryDelay"].(string)
		}
	}
	return ids, retry
}

func TestProjectQuotas(t *testing.T) {
	start := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		quota     geminitest.Quota
		prompt    string
		allowed   int
		quotaID   string
		retry     string
		afterWait time.Duration // after this, one more call passes
	}{
		{"rpm", geminitest.Quota{RPM: 3}, "hi", 3, "GenerateRequestsPerMinutePerProjectPerModel-FreeTier", "60s", time.Minute},
		{"tpm", geminitest.Quota{TPM: 10}, strings.Repeat("abcd", 4), 2, "GenerateContentInputTokensPerModelPerMinute-FreeTier", "60s", time.Minute},
		{"rpd", geminitest.Quota{RPD: 2}, "hi", 2, "GenerateRequestsPerDayPerProjectPerModel-FreeTier", "", 19 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{now: start}
			s := geminitest.New(geminitest.Options{Now: clock.Now})
			defer s.Close()
			s.AddKey("a1", "secret-a1", "A")
			s.AddKey("a2", "secret-a2", "A")
			s.AddKey("b1", "secret-b1", "B")
			s.SetProjectQuota("A", "", tt.quota)
			a1, a2, b1 := newClient(t, s, "secret-a1"), newClient(t, s, "secret-a2"), newClient(t, s, "secret-b1")
			call := func(c *genai.Client, model string) error {
				_, err := c.Models.GenerateContent(context.Background(), model, genai.Text(tt.prompt), nil)
				return err
			}
			for i := range tt.allowed {
				c := a1
				if i%2 == 1 {
					c = a2 // keys of one project share its quota
				}
				require.NoError(t, call(c, "m"), "call %d", i)
			}
			err := call(a2, "m")
			e := apiErr(t, err)
			assert.Equal(t, 429, e.Code)
			assert.Equal(t, "RESOURCE_EXHAUSTED", e.Status)
			ids, retry := quotaIDs(e)
			assert.Equal(t, []string{tt.quotaID}, ids)
			if tt.retry != "" {
				assert.Equal(t, tt.retry, retry)
			} else {
				assert.NotEmpty(t, retry) // time to the Pacific midnight
			}
			require.NoError(t, call(a1, "other-model"), "quotas are per model")
			require.NoError(t, call(b1, "m"), "quotas are per project")
			clock.Advance(tt.afterWait)
			require.NoError(t, call(a1, "m"))
			assert.Equal(t, 1, s.Stats("A").Refused)
			assert.Equal(t, tt.allowed+3, s.Stats("A").Calls)
		})
	}
}

func TestKeyQuota(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	s := geminitest.New(geminitest.Options{Now: clock.Now})
	defer s.Close()
	s.AddKey("a1", "secret-a1", "A")
	s.AddKey("a2", "secret-a2", "A")
	s.SetKeyQuota("a1", "m", geminitest.Quota{RPM: 1})
	a1, a2 := newClient(t, s, "secret-a1"), newClient(t, s, "secret-a2")
	_, err := a1.Models.GenerateContent(context.Background(), "m", genai.Text("x"), nil)
	require.NoError(t, err)
	clock.Advance(20 * time.Second)
	_, err = a1.Models.GenerateContent(context.Background(), "m", genai.Text("x"), nil)
	_, retry := quotaIDs(apiErr(t, err))
	assert.Equal(t, "40s", retry)
	_, err = a2.Models.GenerateContent(context.Background(), "m", genai.Text("x"), nil)
	require.NoError(t, err)
}

func TestFormatDuration(t *testing.T) {
	assert.Equal(t, "7s", geminitest.FormatDuration(7*time.Second))
	assert.Equal(t, "45.837906927s", geminitest.FormatDuration(45837906927*time.Nanosecond))
}

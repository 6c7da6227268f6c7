package geminitest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// The request and response shapes below follow the v1beta REST reference
// (models.generateContent, models.streamGenerateContent, models.countTokens):
// only the fields the fake reads or writes are declared.

type wireRequest struct {
	Contents          []wireContent `json:"contents"`
	SystemInstruction *wireContent  `json:"systemInstruction,omitempty"`
	GenerationConfig  *struct {
		Temperature     *float64 `json:"temperature,omitempty"`
		MaxOutputTokens *int     `json:"maxOutputTokens,omitempty"`
		ThinkingConfig  *struct {
			ThinkingBudget *int `json:"thinkingBudget,omitempty"`
		} `json:"thinkingConfig,omitempty"`
	} `json:"generationConfig,omitempty"`
	SafetySettings []SafetySetting `json:"safetySettings,omitempty"`
}

type wireContent struct {
	Role  string     `json:"role,omitempty"`
	Parts []wirePart `json:"parts"`
}

type wirePart struct {
	Text       string      `json:"text,omitempty"`
	Thought    bool        `json:"thought,omitempty"`
	InlineData *wireInline `json:"inlineData,omitempty"`
}

type wireInline struct {
	MIMEType string `json:"mimeType"`
	Data     []byte `json:"data"`
}

type wireResponse struct {
	Candidates     []wireCandidate     `json:"candidates,omitempty"`
	PromptFeedback *wirePromptFeedback `json:"promptFeedback,omitempty"`
	UsageMetadata  *wireUsage          `json:"usageMetadata,omitempty"`
	ModelVersion   string              `json:"modelVersion,omitempty"`
	ResponseID     string              `json:"responseId,omitempty"`
}

type wireCandidate struct {
	Content      *wireContent `json:"content,omitempty"`
	FinishReason string       `json:"finishReason,omitempty"`
	Index        int          `json:"index"`
}

type wirePromptFeedback struct {
	BlockReason   string         `json:"blockReason"`
	SafetyRatings []safetyRating `json:"safetyRatings,omitempty"`
}

type safetyRating struct {
	Category    string `json:"category"`
	Probability string `json:"probability"`
}

type wireUsage struct {
	PromptTokenCount     int `json:"promptTokenCount,omitempty"`
	CandidatesTokenCount int `json:"candidatesTokenCount,omitempty"`
	ThoughtsTokenCount   int `json:"thoughtsTokenCount,omitempty"`
	TotalTokenCount      int `json:"totalTokenCount,omitempty"`
}

type wireCountTokens struct {
	TotalTokens int `json:"totalTokens"`
}

// errorBody builds the JSON body of a Google API error:
// {"error": {"code", "message", "status", "details"}}.
func errorBody(code int, status, message string, details ...map[string]any) []byte {
	e := map[string]any{"code": code, "message": message, "status": status}
	if len(details) > 0 {
		e["details"] = details
	}
	b, err := json.Marshal(map[string]any{"error": e})
	if err != nil {
		panic(fmt.Sprintf("geminitest: marshal error body: %v", err)) // only plain maps: cannot fail
	}
	return b
}

const (
	typeErrorInfo    = "type.googleapis.com/google.rpc.ErrorInfo"
	typeQuotaFailure = "type.googleapis.com/google.rpc.QuotaFailure"
	typeRetryInfo    = "type.googleapis.com/google.rpc.RetryInfo"
	typeHelp         = "type.googleapis.com/google.rpc.Help"
	typeLocalized    = "type.googleapis.com/google.rpc.LocalizedMessage"
	service          = "generativelanguage.googleapis.com"
)

// InvalidKeyBody is the body Google answers (with HTTP 400) to an unknown or
// malformed API key.
func InvalidKeyBody() []byte {
	const msg = "API key not valid. Please pass a valid API key."
	return errorBody(400, "INVALID_ARGUMENT", msg,
		map[string]any{"@type": typeErrorInfo, "reason": "API_KEY_INVALID", "domain": "googleapis.com",
			"metadata": map[string]any{"service": service}},
		map[string]any{"@type": typeLocalized, "locale": "en-US", "message": msg})
}

// SuspendedKeyBody is the body Google answers (with HTTP 403) for a key whose
// consumer was suspended. Like Google's, the message names the key itself,
// which is why clients must scrub error messages.
func SuspendedKeyBody(secret string) []byte {
	return errorBody(403, "PERMISSION_DENIED",
		fmt.Sprintf("Permission denied: Consumer 'api_key:%s' has been suspended.", secret),
		map[string]any{"@type": typeErrorInfo, "reason": "CONSUMER_SUSPENDED", "domain": "googleapis.com",
			"metadata": map[string]any{"service": service, "consumer": "projects/000000000000"}},
		map[string]any{"@type": typeLocalized, "locale": "en-US", "message": "Permission denied: Consumer has been suspended."})
}

// LeakedKeyBody is the body Google answers (with HTTP 403) for a key that was
// reported as leaked.
func LeakedKeyBody() []byte {
	return errorBody(403, "PERMISSION_DENIED", "Your API key was reported as leaked. Please use another API key.")
}

// BadRequestBody is a plain 400 INVALID_ARGUMENT body: the request is wrong,
// not the key.
func BadRequestBody(message string) []byte {
	return errorBody(400, "INVALID_ARGUMENT", message)
}

// ServerErrorBody is the body of a 500, 503 or 504 answer.
func ServerErrorBody(code int) []byte {
	switch code {
	case 503:
		return errorBody(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")
	case 504:
		return errorBody(504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.")
	default:
		return errorBody(code, "INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting")
	}
}

// QuotaWindow names the window of a quota.
type QuotaWindow int

const (
	// PerMinute is a requests- or tokens-per-minute quota.
	PerMinute QuotaWindow = iota
	// PerDay is a requests-per-day quota; it resets at midnight Pacific time.
	PerDay
)

// QuotaBody is the body of a 429 RESOURCE_EXHAUSTED answer as Google sends it:
// a Help link, a QuotaFailure violation whose quotaId says PerMinute or PerDay,
// and a RetryInfo with retryDelay (omitted when retry is zero). tokens selects
// the input-token quota instead of the request quota. A limit of 0 produces the
// "limit: 0" message Google sends for models without quota on the project.
func QuotaBody(window QuotaWindow, tokens bool, model string, limit int, retry time.Duration) []byte {
	metric, quotaID := "generate_content_free_tier_requests", "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"
	switch {
	case tokens:
		metric, quotaID = "generate_content_free_tier_input_token_count", "GenerateContentInputTokensPerModelPerMinute-FreeTier"
	case window == PerDay:
		quotaID = "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
	}
	msg := "You exceeded your current quota, please check your plan and billing details. " +
		"For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. " +
		"To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. \n" +
		fmt.Sprintf("* Quota exceeded for metric: %s/%s, limit: %d, model: %s", service, metric, limit, model)
	if retry > 0 {
		msg += "\nPlease retry in " + FormatDuration(retry) + "."
	}
	details := []map[string]any{
		{"@type": typeHelp, "links": []any{map[string]any{
			"description": "Learn more about Gemini API quotas", "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}}},
		{"@type": typeQuotaFailure, "violations": []any{map[string]any{
			"quotaMetric": service + "/" + metric, "quotaId": quotaID,
			"quotaDimensions": map[string]any{"location": "global", "model": model},
			"quotaValue":      strconv.Itoa(limit)}}},
	}
	if retry > 0 {
		details = append(details, map[string]any{"@type": typeRetryInfo, "retryDelay": FormatDuration(retry)})
	}
	return errorBody(429, "RESOURCE_EXHAUSTED", msg, details...)
}

// FormatDuration writes d as a google.protobuf.Duration in JSON form: seconds
// with up to nine fractional digits and an "s" suffix ("7s", "45.837906927s").
func FormatDuration(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}

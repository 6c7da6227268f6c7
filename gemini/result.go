package gemini

import (
	"fmt"
	"strings"

	"google.golang.org/genai"
)

// Usage is the token usage the API reported for a call.
type Usage struct {
	Prompt   int // promptTokenCount
	Output   int // candidatesTokenCount
	Thoughts int // thoughtsTokenCount
	Total    int // totalTokenCount
}

// Result is a finished answer (or, with an error, what came of it).
type Result struct {
	// Text is the answer; for a failed stream, the part that reached the caller.
	Text string
	// FinishReason is the candidate's finishReason, e.g. "STOP", "MAX_TOKENS";
	// "" when the prompt was blocked or the stream was interrupted.
	FinishReason string
	// Truncated is true when the answer was cut by MaxOutputTokens.
	Truncated bool
	// Usage is the API's usage report (the last one seen, for a stream).
	Usage Usage
	// Model is the model of the chain that answered; ModelVersion is the
	// version the API reported (aliases resolve to a versioned name).
	Model        string
	ModelVersion string
	// KeyID is the non-secret ID of the key that served the answer.
	KeyID string
	// Attempts counts the keys tried, across models, this one included.
	Attempts int
}

// answer accumulates responses (one for Generate, many chunks for Stream).
type answer struct {
	text         strings.Builder
	finish       genai.FinishReason
	finishMsg    string
	blockReason  genai.BlockedReason
	blockMsg     string
	usage        Usage
	modelVersion string
}

// add takes in one response and returns its text.
func (a *answer) add(resp *genai.GenerateContentResponse) string {
	if resp == nil {
		return ""
	}
	if u := resp.UsageMetadata; u != nil {
		a.usage = Usage{Prompt: int(u.PromptTokenCount), Output: int(u.CandidatesTokenCount),
			Thoughts: int(u.ThoughtsTokenCount), Total: int(u.TotalTokenCount)}
	}
	if resp.ModelVersion != "" {
		a.modelVersion = resp.ModelVersion
	}
	if pf := resp.PromptFeedback; pf != nil && pf.BlockReason != "" {
		a.blockReason, a.blockMsg = pf.BlockReason, pf.BlockReasonMessage
	}
	if len(resp.Candidates) == 0 || resp.Candidates[0] == nil {
		return ""
	}
	cand := resp.Candidates[0]
	if cand.FinishReason != "" {
		a.finish, a.finishMsg = cand.FinishReason, cand.FinishMessage
	}
	if cand.Content == nil {
		return ""
	}
	start := a.text.Len()
	for _, p := range cand.Content.Parts {
		if p != nil && !p.Thought {
			a.text.WriteString(p.Text)
		}
	}
	return a.text.String()[start:]
}

// blockedFinish lists the finish reasons that mean the answer was stopped
// by a safety or policy filter.
var blockedFinish = map[genai.FinishReason]bool{
	genai.FinishReasonSafety: true, genai.FinishReasonProhibitedContent: true,
	genai.FinishReasonBlocklist: true, genai.FinishReasonSPII: true,
	genai.FinishReasonRecitation: true, genai.FinishReasonImageSafety: true,
	genai.FinishReasonImageProhibitedContent: true, genai.FinishReasonImageRecitation: true,
}

// result fills a Result and returns the error the answer itself carries:
// *BlockedError, ErrEmpty, or nil (a truncated answer is not an error).
func (a *answer) result(r *Result) error {
	r.Text = a.text.String()
	r.FinishReason = string(a.finish)
	r.Truncated = a.finish == genai.FinishReasonMaxTokens
	r.Usage = a.usage
	r.ModelVersion = a.modelVersion
	switch {
	case a.blockReason != "":
		return &BlockedError{Prompt: true, Reason: string(a.blockReason), Message: a.blockMsg}
	case blockedFinish[a.finish]:
		return &BlockedError{Reason: string(a.finish), Message: a.finishMsg}
	case r.Text == "":
		reason := r.FinishReason
		if reason == "" {
			reason = "none"
		}
		return fmt.Errorf("%w from %s (finish reason %s)", ErrEmpty, r.Model, reason)
	}
	return nil
}

package geminitest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// reply answers a call that passed keys, faults and quotas: whole, or as
// server-sent events when stream is set.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, c *Call, f *Fault, text string, stream bool) {
	kind := FaultKind(0)
	if f != nil {
		kind = f.Kind
	}
	finish := "STOP"
	switch {
	case kind == FaultMaxTokens:
		text, finish = truncateTokens(text, EstimateTokens(text)/2), "MAX_TOKENS"
	case c.MaxOutputTokens != nil && *c.MaxOutputTokens > 0 && EstimateTokens(text) > *c.MaxOutputTokens:
		text, finish = truncateTokens(text, *c.MaxOutputTokens), "MAX_TOKENS"
	case kind == FaultSafety:
		text, finish = truncateTokens(text, EstimateTokens(text)/2), "SAFETY"
	}
	prompt := c.promptTokens()
	thoughts := 0
	if s.opts.ThoughtTokens > 0 && (c.ThinkingBudget == nil || *c.ThinkingBudget != 0) {
		thoughts = s.opts.ThoughtTokens
		if c.ThinkingBudget != nil && *c.ThinkingBudget > 0 {
			thoughts = min(thoughts, *c.ThinkingBudget)
		}
	}
	s.mu.Lock()
	s.responses++
	id := fmt.Sprintf("fake-%d", s.responses)
	s.mu.Unlock()
	usage := func(out string) *wireUsage {
		n := EstimateTokens(out)
		return &wireUsage{PromptTokenCount: prompt, CandidatesTokenCount: n, ThoughtsTokenCount: thoughts, TotalTokenCount: prompt + n + thoughts}
	}
	final := func(out string) wireResponse {
		resp := wireResponse{UsageMetadata: usage(out), ModelVersion: c.Model, ResponseID: id}
		switch kind {
		case FaultBlockedPrompt:
			resp.PromptFeedback = &wirePromptFeedback{BlockReason: "SAFETY", SafetyRatings: []safetyRating{
				{Category: "HARM_CATEGORY_HARASSMENT", Probability: "HIGH"}}}
			resp.UsageMetadata = &wireUsage{PromptTokenCount: prompt, TotalTokenCount: prompt}
		case FaultEmpty:
		default:
			resp.Candidates = []wireCandidate{{FinishReason: finish}}
		}
		return resp
	}

	if !stream {
		if kind == FaultMidStream {
			s.finish(c, http.StatusInternalServerError, "", true)
			writeError(w, http.StatusInternalServerError, ServerErrorBody(500))
			return
		}
		resp := final(text)
		if len(resp.Candidates) > 0 && text != "" {
			resp.Candidates[0].Content = modelContent(text)
		}
		s.finish(c, http.StatusOK, text, false)
		writeJSON(w, http.StatusOK, resp)
		return
	}

	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	var chunks []string
	if kind != FaultBlockedPrompt && kind != FaultEmpty {
		chunks = splitChunks(text, max(s.opts.Chunks, 1))
		if text == "" {
			chunks = nil
		}
	}
	failAt := -1 // the chunk before which the stream fails
	if kind == FaultMidStream || kind == FaultDrop {
		failAt = min(f.AfterChunks, max(len(chunks)-1, 0))
	}
	sent := ""
	for i := 0; i <= len(chunks); i++ {
		if i == failAt {
			if kind == FaultDrop {
				s.finish(c, http.StatusOK, sent, true)
				drop(w)
				return
			}
			code := f.Status
			if code == 0 {
				code = 500
			}
			writeEvent(w, ServerErrorBody(code))
			if flusher != nil {
				flusher.Flush()
			}
			s.finish(c, http.StatusOK, sent, true)
			return
		}
		if i < len(chunks) && s.sleep(r.Context(), s.opts.ChunkDelay) != nil {
			s.finish(c, http.StatusOK, sent, true)
			return
		}
		var resp wireResponse
		if i == len(chunks)-1 || len(chunks) == 0 {
			piece := ""
			if len(chunks) > 0 {
				piece = chunks[i]
			}
			sent += piece
			resp = final(sent)
			if len(resp.Candidates) > 0 && piece != "" {
				resp.Candidates[0].Content = modelContent(piece)
			}
			i = len(chunks) // last event
		} else {
			sent += chunks[i]
			resp = wireResponse{Candidates: []wireCandidate{{Content: modelContent(chunks[i])}},
				UsageMetadata: usage(sent), ModelVersion: c.Model, ResponseID: id}
		}
		b, err := json.Marshal(resp)
		if err != nil {
			writeEvent(w, ServerErrorBody(500))
			s.finish(c, http.StatusOK, sent, true)
			return
		}
		writeEvent(w, b)
		if flusher != nil {
			flusher.Flush()
		}
	}
	s.finish(c, http.StatusOK, sent, false)
}

func modelContent(text string) *wireContent {
	return &wireContent{Role: "model", Parts: []wirePart{{Text: text}}}
}

// writeEvent writes one server-sent event: a single "data: " line with the
// JSON and one blank line, as the Gemini API frames its stream.
func writeEvent(w http.ResponseWriter, data []byte) {
	buf := make([]byte, 0, len(data)+8)
	buf = append(buf, "data: "...)
	buf = append(buf, data...)
	buf = append(buf, "\n\n"...)
	_, _ = w.Write(buf)
}

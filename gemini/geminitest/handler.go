package geminitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

const (
	methodGenerate = "generateContent"
	methodStream   = "streamGenerateContent"
	methodCount    = "countTokens"
	pathPrefix     = "/v1beta/models/"
	maxBody        = 32 << 20
)

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	model, method, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, pathPrefix), ":")
	if !strings.HasPrefix(r.URL.Path, pathPrefix) || !ok || model == "" ||
		(method != methodGenerate && method != methodStream && method != methodCount) {
		writeError(w, http.StatusNotFound, errorBody(404, "NOT_FOUND", "Requested entity was not found."))
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, errorBody(405, "METHOD_NOT_ALLOWED", "Method "+r.Method+" is not allowed."))
		return
	}
	c := &Call{Method: method, Model: model}
	secret := r.Header.Get("x-goog-api-key")
	if secret != "" {
		c.KeyFrom = "header"
	} else if secret = r.URL.Query().Get("key"); secret != "" {
		c.KeyFrom = "query"
	}

	var req wireRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}

	s.mu.Lock()
	key, known := s.keys[secret]
	c.KeyID, c.Project = key.id, key.project
	if err == nil {
		fromWire(&req, c)
	}
	s.calls = append(s.calls, c)
	st := s.statsLocked(c.Project, known)
	switch {
	case !known:
		c.Status = http.StatusBadRequest
		s.mu.Unlock()
		writeError(w, c.Status, InvalidKeyBody())
		return
	case err != nil:
		c.Status = http.StatusBadRequest
		st.Failed++
		s.mu.Unlock()
		writeError(w, c.Status, BadRequestBody("Invalid JSON payload received. "+err.Error()))
		return
	case len(s.opts.Models) > 0 && !contains(s.opts.Models, model):
		c.Status = http.StatusNotFound
		st.Failed++
		s.mu.Unlock()
		writeError(w, c.Status, errorBody(404, "NOT_FOUND", fmt.Sprintf(
			"models/%s is not found for API version v1beta, or is not supported for %s. Call ListModels to see the list of available models and their supported methods.", model, method)))
		return
	case len(req.Contents) == 0:
		c.Status = http.StatusBadRequest
		st.Failed++
		s.mu.Unlock()
		writeError(w, c.Status, BadRequestBody("* GenerateContentRequest.contents: contents is not specified\n"))
		return
	}
	fault := s.pickFault(c)
	if fault != nil {
		c.Fault = fault.Kind.String()
	}
	if status, body := s.refusal(c, fault, secret); status != 0 {
		c.Status = status
		if status == http.StatusTooManyRequests {
			st.Refused++
		} else {
			st.Failed++
		}
		s.mu.Unlock()
		writeError(w, status, body)
		return
	}
	answer := s.answerFor(model)
	s.mu.Unlock()

	if fault != nil && fault.Kind == FaultSlowFirstByte {
		if s.sleep(r.Context(), fault.Delay) != nil {
			return
		}
	}
	if fault != nil && fault.Kind == FaultDrop && (method != methodStream || fault.AfterChunks == 0) {
		s.finish(c, 0, "", true)
		drop(w)
		return
	}
	if method == methodCount {
		s.finish(c, http.StatusOK, "", false)
		writeJSON(w, http.StatusOK, wireCountTokens{TotalTokens: c.promptTokens()})
		return
	}
	s.reply(w, r, c, fault, answer(c), method == methodStream || r.URL.Query().Get("alt") == "sse")
}

// refusal decides the error answers: faults that answer with an error status
// first, then quotas. It returns status 0 when the call is to be answered.
func (s *Server) refusal(c *Call, f *Fault, secret string) (int, []byte) {
	if f != nil {
		switch f.Kind {
		case FaultInvalidKey:
			return 400, InvalidKeyBody()
		case FaultSuspendedKey:
			return 403, SuspendedKeyBody(secret)
		case FaultLeakedKey:
			return 403, LeakedKeyBody()
		case FaultBadRequest:
			return 400, BadRequestBody("Request contains an invalid argument.")
		case FaultInternal:
			return 500, ServerErrorBody(500)
		case FaultOverloaded:
			return 503, ServerErrorBody(503)
		case FaultTimeout:
			return 504, ServerErrorBody(504)
		case FaultRateLimited:
			return 429, QuotaBody(PerMinute, false, c.Model, 10, f.RetryDelay)
		case FaultDayExhausted:
			return 429, QuotaBody(PerDay, false, c.Model, 250, 0)
		case FaultNoQuota:
			return 429, QuotaBody(PerDay, false, c.Model, 0, 0)
		case FaultRaw:
			return f.Status, f.Body
		}
	}
	if c.Method == methodCount {
		return 0, nil // countTokens is free: it does not count against generate quotas
	}
	if r := s.checkQuotas(c, c.promptTokens(), s.now()); r != nil {
		return 429, QuotaBody(r.window, r.tokens, c.Model, r.limit, r.retry)
	}
	return 0, nil
}

func (s *Server) statsLocked(project string, known bool) *ProjectStats {
	if !known {
		project = ""
	}
	st := s.stats[project]
	if st == nil {
		st = &ProjectStats{}
		s.stats[project] = st
	}
	st.Calls++
	return st
}

// finish records how an answered call ended.
func (s *Server) finish(c *Call, status int, text string, failed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.Status, c.Text = status, text
	st := s.stats[c.Project]
	if failed {
		st.Failed++
	} else {
		st.Answered++
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func writeError(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, ServerErrorBody(500))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// drop closes the connection under the response, as a network failure would.
func drop(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

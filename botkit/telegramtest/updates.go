package telegramtest

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/go-telegram/bot/models"
)

// enqueueLocked gives u the next update ID and queues it for the bot.
func (s *Server) enqueueLocked(u *models.Update) {
	u.ID = s.nextUpdateID
	s.nextUpdateID++
	s.updates = append(s.updates, u)
	s.notifyLocked()
}

// confirmLocked drops the updates below offset. A negative offset keeps
// only the last -offset updates.
func (s *Server) confirmLocked(offset int64) {
	if offset < 0 {
		keep := int(-offset)
		if keep < len(s.updates) {
			s.updates = append([]*models.Update(nil), s.updates[len(s.updates)-keep:]...)
		}
		return
	}
	i := 0
	for i < len(s.updates) && s.updates[i].ID < offset {
		i++
	}
	if i > 0 {
		s.updates = append([]*models.Update(nil), s.updates[i:]...)
	}
}

// PendingUpdates counts the updates queued and not yet confirmed.
func (s *Server) PendingUpdates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// updateType names the kind of an update as allowed_updates does.
func updateType(u *models.Update) string {
	switch {
	case u.Message != nil:
		return "message"
	case u.EditedMessage != nil:
		return "edited_message"
	case u.CallbackQuery != nil:
		return "callback_query"
	case u.ChannelPost != nil:
		return "channel_post"
	}
	return "other"
}

// deliverableLocked returns up to limit queued updates the bot asked for.
func (s *Server) deliverableLocked(limit int) []*models.Update {
	out := []*models.Update{}
	for _, u := range s.updates {
		if len(out) == limit {
			break
		}
		if len(s.allowed) > 0 && !contains(s.allowed, updateType(u)) {
			continue
		}
		out = append(out, u)
	}
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p params) {
	offset, ok1 := p.int64("offset")
	limit, ok2 := p.int("limit")
	timeout, ok3 := p.int("timeout")
	if !ok1 || !ok2 || !ok3 {
		writeError(w, badRequest("invalid getUpdates parameters"))
		return
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	var allowed []string
	if p.has("allowed_updates") {
		if err := p.json("allowed_updates", &allowed); err != nil {
			writeError(w, badRequest("can't parse allowed updates"))
			return
		}
	}
	wait := time.Duration(timeout) * time.Second
	if wait > s.opts.MaxLongPoll {
		wait = s.opts.MaxLongPoll
	}

	s.mu.Lock()
	s.polls++
	if s.webhook != nil {
		s.mu.Unlock()
		writeError(w, &apiError{code: http.StatusConflict, desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"})
		return
	}
	if s.polling {
		s.mu.Unlock()
		writeError(w, &apiError{code: http.StatusConflict, desc: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"})
		return
	}
	s.polling = true
	if p.has("allowed_updates") {
		s.allowed = allowed
	}
	s.confirmLocked(offset)
	ctx := r.Context()
	var timer <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timer = t.C
	}
	var got []*models.Update
	for {
		got = s.deliverableLocked(limit)
		if len(got) > 0 || wait <= 0 || s.webhook != nil {
			break
		}
		changed := s.changed
		s.mu.Unlock()
		done := false
		select {
		case <-changed:
		case <-timer:
			done = true
		case <-ctx.Done():
			done = true
		case <-s.closed:
			done = true
		}
		s.mu.Lock()
		if done {
			got = s.deliverableLocked(limit)
			break
		}
	}
	s.polling = false
	body, err := json.Marshal(response{OK: true, Result: got})
	s.mu.Unlock()
	if err != nil {
		writeError(w, &apiError{code: http.StatusInternalServerError, desc: "Internal Server Error"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

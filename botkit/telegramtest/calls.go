package telegramtest

import (
	"context"
	"time"

	"github.com/go-telegram/bot/models"
)

// Call is one Bot API call the bot made, as the server saw it. getUpdates
// calls are not logged (see Polls).
type Call struct {
	Seq        int       // position in the log, from 1
	At         time.Time // the server clock when the call was answered
	Method     string    // as in the URL, e.g. "sendMessage"
	ChatID     int64     // chat_id, resolved from @username; 0 if none
	ThreadID   int       // message_thread_id
	Text       string    // text or caption as sent, before parsing
	ParseMode  string    // parse_mode as sent
	MessageID  int       // the message sent, edited or deleted
	ReplyTo    int       // the message replied to
	DraftID    int64     // sendMessageDraft's draft_id
	Action     string    // sendChatAction's action
	Status     int       // the HTTP status answered: 200, 400, 429, ...
	Error      string    // the description of a failed call
	RetryAfter int       // parameters.retry_after of a 429
	Fault      string    // the injected fault that answered, if any
}

// OK reports whether the call succeeded.
func (c Call) OK() bool { return c.Status == 200 }

// recordLocked appends a call to the log, within Options.MaxCallLog, tells
// Options.OnCall and wakes waiters.
func (s *Server) recordLocked(c Call) {
	c.Seq = s.forgotten + len(s.calls) + 1
	if s.opts.OnCall != nil {
		s.opts.OnCall(c)
	}
	switch limit := s.opts.MaxCallLog; {
	case limit < 0:
		s.forgotten++
	case limit > 0 && len(s.calls) >= 2*limit:
		// Trim in one copy per max calls, keeping appends amortised O(1).
		keep := limit - 1
		s.forgotten += len(s.calls) - keep
		s.calls = append(make([]Call, 0, 2*limit), s.calls[len(s.calls)-keep:]...)
		s.calls = append(s.calls, c)
	default:
		s.calls = append(s.calls, c)
	}
	s.notifyLocked()
}

// Calls returns every call logged so far, in the order answered; with
// Options.MaxCallLog, only the last MaxCallLog of them.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	calls := s.calls
	if limit := s.opts.MaxCallLog; limit > 0 && len(calls) > limit {
		calls = calls[len(calls)-limit:]
	}
	return append([]Call(nil), calls...)
}

// Polls counts the getUpdates calls the server answered.
func (s *Server) Polls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polls
}

// waitLocked blocks until check reports done, the context ends or the
// server closes. check runs with s.mu held; waitLocked returns with s.mu held.
func (s *Server) waitLocked(ctx context.Context, check func() bool) error {
	for !check() {
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			s.mu.Lock()
			return ctx.Err()
		case <-s.closed:
			s.mu.Lock()
			return ErrClosed
		}
		s.mu.Lock()
	}
	return nil
}

// WaitFor waits until the log holds a call for which match reports true,
// looking at the whole log (what Options.MaxCallLog keeps of it), and
// returns the first such call. It returns
// ctx.Err() when the context ends first and ErrClosed when the server closes.
func (s *Server) WaitFor(ctx context.Context, match func(Call) bool) (Call, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.forgotten // the Seq-1 of the next call to look at
	var found Call
	err := s.waitLocked(ctx, func() bool {
		for next = max(next, s.forgotten); next < s.forgotten+len(s.calls); next++ {
			if c := s.calls[next-s.forgotten]; match(c) {
				found = c
				return true
			}
		}
		return false
	})
	return found, err
}

// WaitReplies waits until the bot has sent at least n messages to chatID
// since the last user message there, and returns them as they look now
// (after edits). It returns ctx.Err() when the context ends first.
func (s *Server) WaitReplies(ctx context.Context, chatID int64, n int) ([]models.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var got []models.Message
	err := s.waitLocked(ctx, func() bool {
		got = got[:0]
		c, ok := s.chats[chatID]
		if !ok {
			return false
		}
		for _, m := range c.messages[c.lastUser:] {
			if m.fromBot && !m.deleted {
				got = append(got, m.msg)
			}
		}
		return len(got) >= n
	})
	if err != nil {
		return nil, err
	}
	return got, nil
}

// Messages returns the chat's visible messages, from users and the bot, in
// order, as they look now: edits applied, deleted messages left out.
func (s *Server) Messages(chatID int64) []models.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.chats[chatID]
	if !ok {
		return nil
	}
	out := make([]models.Message, 0, len(c.messages))
	for _, m := range c.messages {
		if !m.deleted {
			out = append(out, m.msg)
		}
	}
	return out
}

// Source returns the text (or caption) and parse mode the bot last sent for
// a message of its own, before parsing, and whether there is such a message.
func (s *Server) Source(chatID int64, messageID int) (text, parseMode string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, found := s.chats[chatID]
	if !found {
		return "", "", false
	}
	m, found := c.byID[messageID]
	if !found || !m.fromBot {
		return "", "", false
	}
	return m.source, m.parseMode, true
}

// Drafts returns the visible text of each message draft the bot shows in a
// private chat, by draft_id. Drafts end when the bot sends a message there.
func (s *Server) Drafts(chatID int64) map[int64]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]string{}
	if c, ok := s.chats[chatID]; ok {
		for k, v := range c.drafts {
			out[k] = v
		}
	}
	return out
}

package main

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

// Every user message carries "q<seq>z"; every answer ends with
// "end-q<seq>z", which no partial text (a draft, an intermediate edit or a
// chunk cut in the middle) can fake, since the number must be closed by
// the "z". A bot message carrying the end marker is a final reply.
const endMarker = "end-q"

// question is the text of user message seq.
func question(seq int64) string { return "q" + strconv.FormatInt(seq, 10) + "z please answer" }

// answerTo is the answer to a text holding a question, padded to size
// bytes; "" when the text holds none.
func answerTo(text string, size int) string {
	seq, ok := questionSeq(text)
	if !ok {
		return ""
	}
	end := endMarker + strconv.FormatInt(seq, 10) + "z"
	var b strings.Builder
	b.WriteString("Answer ")
	for b.Len()+len(end)+1 < size {
		b.WriteString("lorem ")
	}
	b.WriteString(end)
	return b.String()
}

// questionSeq finds the "q<seq>z" of a user text.
func questionSeq(text string) (int64, bool) {
	for i := 0; i < len(text); i++ {
		if text[i] != 'q' || i > 0 && text[i-1] != ' ' && text[i-1] != '-' {
			continue
		}
		if seq, ok := numberBeforeZ(text[i+1:]); ok {
			return seq, true
		}
	}
	return 0, false
}

// endSeqs returns the seqs of every end marker in a bot text.
func endSeqs(text string) []int64 {
	var out []int64
	for {
		i := strings.Index(text, endMarker)
		if i < 0 {
			return out
		}
		text = text[i+len(endMarker):]
		if seq, ok := numberBeforeZ(text); ok {
			out = append(out, seq)
		}
	}
}

func numberBeforeZ(s string) (int64, bool) {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n == 0 || n >= len(s) || s[n] != 'z' {
		return 0, false
	}
	v, err := strconv.ParseInt(s[:n], 10, 64)
	return v, err == nil
}

// sent is one user message and what became of it.
type sent struct {
	chat     int64
	msgID    int // the user message's ID, once Send returned it
	at       time.Time
	answered time.Time
	replies  []int // IDs of the bot messages that carried its end marker
	notified bool  // onAnswer was called for it
}

// tracker matches the bot's calls at the Telegram fake to the user
// messages they answer. It is safe for concurrent use; onCall runs under
// the fake's lock and only takes the tracker's.
type tracker struct {
	mu       sync.Mutex
	msgs     map[int64]*sent
	answered int
	stray    int               // end markers of unknown messages
	replied  map[chatMsg]bool  // user messages the bot replied to
	bySrc    map[chatMsg]int64 // user message -> seq
	methods  map[string]int    // Bot API calls by method
	peakOpen int               // most messages sent and not yet settled at once
	lastAt   time.Time
	onAnswer func(chat int64) // called outside the tracker's lock
	settled  int              // messages answered or replied to otherwise
	changed  chan struct{}    // closed and replaced when settled grows
	lat      []time.Duration
}

func newTracker(onAnswer func(chat int64)) *tracker {
	return &tracker{msgs: map[int64]*sent{}, replied: map[chatMsg]bool{}, bySrc: map[chatMsg]int64{}, methods: map[string]int{}, onAnswer: onAnswer, changed: make(chan struct{})}
}

// expect registers a user message before it is sent.
func (t *tracker) expect(seq, chat int64, at time.Time) {
	t.mu.Lock()
	t.msgs[seq] = &sent{chat: chat, at: at}
	t.peakOpen = max(t.peakOpen, len(t.msgs)-t.settled)
	t.mu.Unlock()
}

// chatMsg names a message.
type chatMsg struct {
	chat int64
	id   int
}

// bind records the ID the fake gave user message seq.
func (t *tracker) bind(seq int64, msgID int) {
	t.mu.Lock()
	m := t.msgs[seq]
	if m != nil {
		m.msgID = msgID
		t.bySrc[chatMsg{m.chat, msgID}] = seq
	}
	t.mu.Unlock()
}

// onCall is telegramtest's Options.OnCall.
func (t *tracker) onCall(c telegramtest.Call) {
	t.mu.Lock()
	t.methods[c.Method]++
	t.mu.Unlock()
	if !c.OK() || c.Method != "sendMessage" && c.Method != "editMessageText" {
		return
	}
	seqs := endSeqs(c.Text)
	if len(seqs) == 0 {
		if c.Method != "sendMessage" || c.ReplyTo == 0 {
			return
		}
		src := chatMsg{c.ChatID, c.ReplyTo}
		t.mu.Lock()
		t.replied[src] = true
		m := t.msgs[t.bySrc[src]]
		notify := m != nil && !m.notified
		if notify {
			m.notified = true
			t.settledLocked()
		}
		t.mu.Unlock()
		if notify && t.onAnswer != nil {
			t.onAnswer(c.ChatID)
		}
		return
	}
	now := time.Now()
	var answeredChats []int64
	t.mu.Lock()
	for _, seq := range seqs {
		m := t.msgs[seq]
		if m == nil || m.chat != c.ChatID {
			t.stray++
			continue
		}
		if slices.Contains(m.replies, c.MessageID) {
			continue // an edit of the final reply, e.g. its last rendering
		}
		m.replies = append(m.replies, c.MessageID)
		if len(m.replies) == 1 {
			m.answered = now
			t.answered++
			t.lastAt = now
			t.lat = append(t.lat, now.Sub(m.at))
			if !m.notified {
				m.notified = true
				answeredChats = append(answeredChats, m.chat)
				t.settledLocked()
			}
		}
	}
	t.mu.Unlock()
	if t.onAnswer != nil {
		for _, chat := range answeredChats {
			t.onAnswer(chat)
		}
	}
}

func (t *tracker) settledLocked() {
	t.settled++
	close(t.changed)
	t.changed = make(chan struct{})
}

// waitSettled blocks until n messages are answered or replied to otherwise,
// or none was for quiet, and reports whether they all were.
func (t *tracker) waitSettled(n int, quiet time.Duration) bool {
	timer := time.NewTimer(quiet)
	defer timer.Stop()
	for {
		t.mu.Lock()
		done, changed := t.settled >= n, t.changed
		t.mu.Unlock()
		if done {
			return true
		}
		select {
		case <-changed:
			timer.Reset(quiet)
		case <-timer.C:
			return false
		}
	}
}

// integrity is what the tracker found at the end of a run. A message not
// answered is Failed when the bot replied to it with something else (an
// error note), Lost when it got no reply at all.
type integrity struct {
	Sent, Answered, Failed, Lost, Duplicated, Stray int
	Latencies                                       []time.Duration
	Last                                            time.Time
	Methods                                         map[string]int
	PeakOpen                                        int
}

func (t *tracker) result() integrity {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := integrity{Sent: len(t.msgs), Answered: t.answered, Stray: t.stray, Last: t.lastAt, PeakOpen: t.peakOpen}
	for _, m := range t.msgs {
		switch {
		case len(m.replies) > 0:
		case t.replied[chatMsg{m.chat, m.msgID}]:
			r.Failed++
		default:
			r.Lost++
		}
		if len(m.replies) > 1 {
			r.Duplicated++
		}
	}
	r.Latencies = slices.Clone(t.lat)
	r.Methods = maps.Clone(t.methods)
	return r
}

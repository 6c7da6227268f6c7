package botkit

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/tgmd"
)

// Delta is one piece of a streamed reply: text to append, or the error that
// ended the stream.
type Delta struct {
	Text string
	Err  error
}

// StreamOptions configures Sender.Stream. Only ChatID is required; the
// zero value of every other field gives the default.
type StreamOptions struct {
	// ChatID is the chat the reply goes to.
	ChatID int64
	// ThreadID is the forum topic, or 0.
	ThreadID int
	// ReplyTo is the message the first part of the reply answers, or 0.
	ReplyTo int
	// NoDrafts disables sendMessageDraft in private chats (positive chat
	// IDs): the reply then grows by edits, as in groups.
	NoDrafts bool
	// TypingInterval is how often the typing action is refreshed until the
	// first text arrives. Zero means 4 seconds.
	TypingInterval time.Duration
	// DraftInterval is the least time between two drafts. Zero means 1 s.
	DraftInterval time.Duration
	// EditInterval is the least time between two edits of the growing
	// message. Zero means 3 s in groups (20 messages a minute) and 1 s in
	// private chats. It doubles after every 429 seen in the chat, up to
	// 30 seconds.
	EditInterval time.Duration
	// FirstMessageAfter is how much text (UTF-16 code units of Markdown)
	// must arrive before the first message of an edited reply is sent.
	// Zero means 32.
	FirstMessageAfter int
	// Limit is the longest message, in UTF-16 code units of visible text.
	// Zero means 4096.
	Limit int
	// CancelNote ends a reply cut short by the caller's context. Zero means
	// "… (stopped)".
	CancelNote string
	// ErrorNote ends a reply cut short by a Delta with an error. Zero means
	// "… (the answer was interrupted)".
	ErrorNote string
	// FinishTimeout bounds the calls that finish a reply after the caller's
	// context was cancelled. Zero means 15 seconds.
	FinishTimeout time.Duration
	// Clock drives the typing refresh and the throttling. Nil means the
	// Sender's clock.
	Clock Clock
}

func (o *StreamOptions) defaults() {
	if o.TypingInterval <= 0 {
		o.TypingInterval = 4 * time.Second
	}
	if o.DraftInterval <= 0 {
		o.DraftInterval = time.Second
	}
	if o.EditInterval <= 0 {
		o.EditInterval = time.Second
		if o.ChatID < 0 {
			o.EditInterval = 3 * time.Second
		}
	}
	if o.FirstMessageAfter <= 0 {
		o.FirstMessageAfter = 32
	}
	if o.Limit <= 0 {
		o.Limit = tgmd.MaxMessageLen
	}
	if o.CancelNote == "" {
		o.CancelNote = "… (stopped)"
	}
	if o.ErrorNote == "" {
		o.ErrorNote = "… (the answer was interrupted)"
	}
	if o.FinishTimeout <= 0 {
		o.FinishTimeout = 15 * time.Second
	}
}

// StreamResult describes a finished streamed reply.
type StreamResult struct {
	// MessageIDs are the messages that hold the reply, in order.
	MessageIDs []int
	// Text is the Markdown received, without any note.
	Text string
	// Drafts and Edits count the intermediate calls made.
	Drafts, Edits int
	// Plain reports that Telegram refused the formatting and the reply was
	// sent as plain text.
	Plain bool
	// Cancelled reports that the caller's context ended the reply.
	Cancelled bool
}

// stream is the state of one Sender.Stream call; used by one goroutine.
type stream struct {
	s       *Sender
	o       StreamOptions
	res     StreamResult
	text    strings.Builder
	drafts  bool
	draftID int64
	sent    []string // HTML (or plain text) each message of the reply shows
	plain   bool
	since   time.Time // the Sender's last 429 for the chat when last checked
}

// Stream shows a reply while it is being written, from deltas, and
// finishes it. Until the first text it refreshes the typing action. In a
// private chat it shows the text growing in a draft (sendMessageDraft) at
// DraftInterval and finishes with sendMessage; in a group, or when drafts
// fail, it sends a first message once FirstMessageAfter of text has come and
// edits it at EditInterval, starting new messages past Limit. The final
// text is rendered from Markdown with tgmd and split; if Telegram rejects
// the formatting it is sent again as plain text.
//
// Stream returns when deltas is closed (nil error), when a Delta carries an
// error (that error, after finishing the reply with ErrorNote), or when ctx
// ends (ctx.Err(), after finishing the partial reply with CancelNote, using
// a context of its own bounded by FinishTimeout). Calls go through the
// Sender, so they are paced and ride out 429s.
func (s *Sender) Stream(ctx context.Context, deltas <-chan Delta, opts StreamOptions) (StreamResult, error) {
	opts.defaults()
	st := &stream{s: s, o: opts, drafts: opts.ChatID > 0 && !opts.NoDrafts, draftID: rand.Int64N(1<<53) + 1}
	st.since = s.lastLimited(opts.ChatID)
	clock := opts.Clock
	if clock == nil {
		clock = s.clock
	}

	typing := clock.NewTimer(0)
	defer func() { typing.Stop() }()
	var flush Timer
	var flushC <-chan time.Time
	defer func() {
		if flush != nil {
			flush.Stop()
		}
	}()
	var last time.Time // time of the last intermediate call
	dirty := false

	for {
		var typingC <-chan time.Time
		if st.text.Len() == 0 {
			typingC = typing.C()
		}
		select {
		case <-ctx.Done():
			st.res.Cancelled = true
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.FinishTimeout)
			defer cancel()
			err := errors.Join(ctx.Err(), st.finish(fctx, opts.CancelNote))
			return st.result(), err
		case <-typingC:
			// Typing is a courtesy: a failure must not end the reply.
			_ = s.SendChatAction(ctx, opts.ChatID, opts.ThreadID, models.ChatActionTyping)
			typing = clock.NewTimer(opts.TypingInterval)
		case <-flushC:
			flush, flushC = nil, nil
			if dirty {
				dirty = false
				last = clock.Now()
				if err := st.progress(ctx); err != nil && ctx.Err() == nil {
					return st.result(), err
				}
			}
		case d, ok := <-deltas:
			if !ok {
				err := st.finish(ctx, "")
				return st.result(), err
			}
			if d.Err != nil {
				err := errors.Join(d.Err, st.finish(ctx, opts.ErrorNote))
				return st.result(), err
			}
			st.text.WriteString(d.Text)
			dirty = true
			if flush == nil {
				wait := st.interval() - clock.Now().Sub(last)
				flush = clock.NewTimer(max(wait, 0))
				flushC = flush.C()
			}
		}
	}
}

func (st *stream) result() StreamResult {
	st.res.Text = st.text.String()
	st.res.Plain = st.plain
	return st.res
}

// interval is the current least time between intermediate calls; it
// doubles for every 429 the chat got since the stream began.
func (st *stream) interval() time.Duration {
	iv := st.o.EditInterval
	if st.drafts {
		iv = st.o.DraftInterval
	}
	if t := st.s.lastLimited(st.o.ChatID); t.After(st.since) {
		st.since = t
		if st.drafts {
			st.o.DraftInterval = min(2*st.o.DraftInterval, 30*time.Second)
		} else {
			st.o.EditInterval = min(2*st.o.EditInterval, 30*time.Second)
		}
		return st.interval()
	}
	return iv
}

// progress shows the text so far.
func (st *stream) progress(ctx context.Context) error {
	md := st.text.String()
	if st.drafts {
		parts := tgmd.RenderParts(md, st.o.Limit)
		if len(parts) == 0 {
			return nil
		}
		err := st.s.SendMessageDraft(ctx, st.o.ChatID, st.o.ThreadID, st.draftID, parts[len(parts)-1], models.ParseModeHTML)
		if err == nil {
			st.res.Drafts++
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		// Drafts are refused (an old server, a chat that does not allow
		// them): grow the reply by edits instead.
		st.s.opts.Logger.Info("botkit: drafts refused; editing instead", "chat_id", st.o.ChatID, "err", err)
		st.drafts = false
	}
	if len(st.sent) == 0 && tgmd.UTF16Len(md) < st.o.FirstMessageAfter {
		return nil
	}
	return st.show(ctx, md, true)
}

// show makes the reply's messages show md, sending and editing as needed.
func (st *stream) show(ctx context.Context, md string, intermediate bool) error {
	var parts []string
	if !st.plain {
		parts = tgmd.RenderParts(md, st.o.Limit)
	} else {
		parts = tgmd.SplitPlain(tgmd.PlainText(md), st.o.Limit)
	}
	err := st.apply(ctx, parts, intermediate)
	if errors.Is(err, ErrBadFormatting) && !st.plain {
		st.plain = true
		return st.show(ctx, md, intermediate)
	}
	return err
}

// apply edits the messages whose part changed and sends the new parts.
func (st *stream) apply(ctx context.Context, parts []string, intermediate bool) error {
	mode := models.ParseModeHTML
	if st.plain {
		mode = ""
	}
	for i, p := range parts {
		if i < len(st.sent) {
			if st.sent[i] == p {
				continue
			}
			_, err := st.s.EditMessageText(ctx, &bot.EditMessageTextParams{
				ChatID: st.o.ChatID, MessageID: st.res.MessageIDs[i], Text: p, ParseMode: mode,
			})
			if err != nil {
				return err
			}
			st.sent[i] = p
			if intermediate {
				st.res.Edits++
			}
			continue
		}
		params := &bot.SendMessageParams{ChatID: st.o.ChatID, MessageThreadID: st.o.ThreadID, Text: p, ParseMode: mode}
		if i == 0 && st.o.ReplyTo != 0 {
			params.ReplyParameters = &models.ReplyParameters{MessageID: st.o.ReplyTo, AllowSendingWithoutReply: true}
		}
		m, err := st.s.SendMessage(ctx, params)
		if err != nil {
			return err
		}
		st.sent = append(st.sent, p)
		st.res.MessageIDs = append(st.res.MessageIDs, m.ID)
	}
	return nil
}

// finish shows the whole text, with note appended when not empty.
func (st *stream) finish(ctx context.Context, note string) error {
	md := st.text.String()
	if note != "" {
		if strings.TrimSpace(md) != "" {
			md = strings.TrimRight(md, " \n") + "\n\n"
		}
		md += "_" + note + "_"
	}
	if strings.TrimSpace(md) == "" {
		return nil
	}
	return st.show(ctx, md, false)
}

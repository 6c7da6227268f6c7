package botkit

import (
	"context"
	"errors"
	"fmt"
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
	// TypingDelay is how long after the start the first typing action is
	// sent, so that an answer that is there at once costs no extra call.
	// Zero (or negative) sends it at once.
	TypingDelay time.Duration
	// FirstProgressDelay is the least time from the start to the first
	// draft or edit: an answer complete by then goes out as its final
	// message alone, one call instead of three. Zero (or negative) shows
	// the first text at once.
	FirstProgressDelay time.Duration
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

// ErrEmptyReply reports a streamed reply with nothing to show: no text,
// or text with nothing visible, neither rendered from Markdown nor as plain
// text (only spaces, say). No message was sent, so the caller should tell
// the user in some other way.
var ErrEmptyReply = errors.New("botkit: the reply has nothing to show")

// StreamResult describes a finished streamed reply.
type StreamResult struct {
	// MessageIDs are the messages that hold the reply, in order.
	MessageIDs []int
	// Text is the Markdown received, without any note.
	Text string
	// Drafts and Edits count the intermediate calls made.
	Drafts, Edits int
	// Failures counts the intermediate calls that failed. They are best
	// effort: the next one, or the final message, shows the text.
	Failures int
	// Plain reports that the reply was sent as plain text: Telegram
	// refused the formatting, the Markdown rendered to nothing visible, or
	// the reply was Rescued.
	Plain bool
	// Rescued reports that finishing the reply failed and it was finished
	// again as plain text ending with ErrorNote (CancelNote when cancelled),
	// editing its messages where Telegram allowed and sending the rest
	// anew. Stream then returns the error that made finishing fail.
	Rescued bool
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
// the formatting it is sent again as plain text, and so is Markdown that
// renders to nothing visible.
//
// Drafts and edits on the way are best effort: one that fails is logged
// and counted (StreamResult.Failures), the interval before the next one
// doubles, and the reply goes on. The reply is always finished; if
// finishing fails too, the whole text is sent again as plain text with
// ErrorNote (StreamResult.Rescued), and the error is returned.
//
// Stream returns when deltas is closed (nil error, or ErrEmptyReply if
// there was nothing to show), when a Delta carries an error (that error,
// after finishing the reply with ErrorNote), or when ctx ends (ctx.Err(),
// after finishing the partial reply with CancelNote, using a context of
// its own bounded by FinishTimeout). Calls go through the Sender, so they
// are paced and ride out 429s.
func (s *Sender) Stream(ctx context.Context, deltas <-chan Delta, opts StreamOptions) (StreamResult, error) {
	opts.defaults()
	st := &stream{s: s, o: opts, drafts: opts.ChatID > 0 && !opts.NoDrafts, draftID: rand.Int64N(1<<53) + 1}
	st.since = s.lastLimited(opts.ChatID)
	clock := opts.Clock
	if clock == nil {
		clock = s.clock
	}

	typing := clock.NewTimer(max(opts.TypingDelay, 0))
	defer func() { typing.Stop() }()
	var flush Timer
	var flushC <-chan time.Time
	defer func() {
		if flush != nil {
			flush.Stop()
		}
	}()
	var last time.Time // time of the last intermediate call
	firstAt := clock.Now().Add(max(opts.FirstProgressDelay, 0))
	dirty := false

	// flushNow shows the text so far, if there is news. It is best
	// effort: after a failure it tries again later, more slowly; the final
	// message shows everything anyway.
	flushNow := func() {
		flush, flushC = nil, nil
		if !dirty {
			return
		}
		dirty = false
		last = clock.Now()
		if err := st.progress(ctx); err != nil && ctx.Err() == nil {
			dirty = true
			st.res.Failures++
			st.slowDown()
			wait := st.interval()
			s.opts.Logger.Warn("botkit: stream: showing progress failed; trying again later",
				"chat_id", opts.ChatID, "err", err, "retry_in", wait)
			flush = clock.NewTimer(wait)
			flushC = flush.C()
		}
	}

	for {
		// A flush that is due goes before the next delta, so that a fast
		// stream cannot put off showing progress.
		select {
		case <-flushC:
			flushNow()
			continue
		default:
		}
		var typingC <-chan time.Time
		if st.text.Len() == 0 {
			typingC = typing.C()
		}
		select {
		case <-ctx.Done():
			st.res.Cancelled = true
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.FinishTimeout)
			defer cancel()
			err := errors.Join(ctx.Err(), st.end(fctx, opts.CancelNote))
			return st.result(), err
		case <-typingC:
			// Typing is a courtesy: a failure must not end the reply.
			_ = s.SendChatAction(ctx, opts.ChatID, opts.ThreadID, models.ChatActionTyping)
			typing = clock.NewTimer(opts.TypingInterval)
		case <-flushC:
			flushNow()
		case d, ok := <-deltas:
			if !ok {
				err := st.end(ctx, "")
				return st.result(), err
			}
			if d.Err != nil {
				err := errors.Join(d.Err, st.end(ctx, opts.ErrorNote))
				return st.result(), err
			}
			st.text.WriteString(d.Text)
			dirty = true
			if flush == nil {
				now := clock.Now()
				wait := max(st.interval()-now.Sub(last), firstAt.Sub(now))
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
		st.slowDown()
		return st.interval()
	}
	return iv
}

// slowDown doubles the interval between intermediate calls, up to 30 s.
func (st *stream) slowDown() {
	if st.drafts {
		st.o.DraftInterval = min(2*st.o.DraftInterval, 30*time.Second)
	} else {
		st.o.EditInterval = min(2*st.o.EditInterval, 30*time.Second)
	}
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
// Markdown that renders to nothing visible is shown as plain text when
// final (a partial text may yet render); with nothing visible even so, the
// final show fails with ErrEmptyReply.
func (st *stream) show(ctx context.Context, md string, intermediate bool) error {
	var parts []string
	if !st.plain {
		parts = tgmd.RenderParts(md, st.o.Limit)
		if len(parts) == 0 && !intermediate {
			if parts = st.plainParts(md); len(parts) > 0 {
				st.plain = true
			}
		}
	} else {
		parts = st.plainParts(md)
	}
	if len(parts) == 0 {
		if intermediate {
			return nil
		}
		return ErrEmptyReply
	}
	err := st.apply(ctx, parts, intermediate, false)
	if errors.Is(err, ErrBadFormatting) && !st.plain {
		st.plain = true
		return st.show(ctx, md, intermediate)
	}
	return err
}

// plainParts is md as plain text in parts: the text the Markdown shows, or
// md itself where that shows nothing (an empty code block, an image
// without a description).
func (st *stream) plainParts(md string) []string {
	if parts := tgmd.SplitPlain(tgmd.PlainText(md), st.o.Limit); len(parts) > 0 {
		return parts
	}
	return tgmd.SplitPlain(md, st.o.Limit)
}

// apply edits the messages whose part changed and sends the new parts.
// With resend, a message that cannot be edited (deleted by the user, say)
// is left as it is and the parts from it on are sent as new messages.
func (st *stream) apply(ctx context.Context, parts []string, intermediate, resend bool) error {
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
			if err == nil {
				st.sent[i] = p
				if intermediate {
					st.res.Edits++
				}
				continue
			}
			if !resend || ctx.Err() != nil {
				return err
			}
			st.s.opts.Logger.Warn("botkit: stream: cannot edit the reply; sending the rest anew",
				"chat_id", st.o.ChatID, "message_id", st.res.MessageIDs[i], "err", err)
			st.sent, st.res.MessageIDs = st.sent[:i], st.res.MessageIDs[:i]
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

// end finishes the reply with note (none when empty). If that fails, it
// rescues the reply: the whole text with ErrorNote (or the note given) as
// plain text.
func (st *stream) end(ctx context.Context, note string) error {
	err := st.finish(ctx, note)
	if err == nil || errors.Is(err, ErrEmptyReply) || ctx.Err() != nil || noCallCures(err) {
		return err
	}
	st.s.opts.Logger.Warn("botkit: stream: finishing the reply failed; sending it as plain text",
		"chat_id", st.o.ChatID, "err", err)
	if note == "" {
		note = st.o.ErrorNote
	}
	st.plain = true
	if rerr := st.apply(ctx, st.plainParts(withNote(st.text.String(), note)), false, true); rerr != nil {
		return errors.Join(err, rerr)
	}
	st.res.Rescued = true
	return fmt.Errorf("botkit: stream: finished as plain text after: %w", err)
}

// noCallCures reports an error after which no call to the chat can
// succeed for now, so that a rescue would only add failed calls.
func noCallCures(err error) bool {
	for _, e := range []error{ErrBlocked, ErrForbidden, ErrRetryAfterTooLong, ErrUnauthorized, ErrMalformedToken} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// finish shows the whole text, with note appended when not empty.
func (st *stream) finish(ctx context.Context, note string) error {
	return st.show(ctx, withNote(st.text.String(), note), false)
}

// withNote appends note, in italics, to the Markdown md.
func withNote(md, note string) string {
	if note == "" {
		return md
	}
	if strings.TrimSpace(md) != "" {
		md = strings.TrimRight(md, " \n") + "\n\n"
	}
	return md + "_" + note + "_"
}

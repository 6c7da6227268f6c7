package botkit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/web3-ai-game/svs-telegram-bot/gemini"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

// Reply gives the AI reply to a message update: text and photos (with or
// without a caption) become a Gemini call for the user's session, streamed
// back as it is written. In groups only messages that address the bot are
// answered (mention, reply, trigger word), with the address removed from
// the question. Unsupported media get a short answer in private chats and
// none in groups. Refusals (quota, rate, busy, no key, blocked) are told to
// the user in their language and are not errors; Reply returns an error
// only when the user could not be told.
func (a *Assistant) Reply(ctx context.Context, upd *models.Update) error {
	msg := upd.Message
	if msg == nil || msg.From == nil || msg.From.IsBot {
		return nil
	}
	start := a.clock.Now()
	lg := lang(msg.From)
	prompt, ok := a.addressing(ctx).prompt(msg)
	if !ok {
		return nil
	}
	private := isPrivate(&msg.Chat)
	photo := largestPhoto(msg)
	if photo == nil && unsupportedMedia(msg) {
		if private {
			return a.say(ctx, msg, a.text(lg, MsgUnsupported))
		}
		return nil
	}
	if photo == nil && prompt == "" {
		return a.say(ctx, msg, a.text(lg, MsgEmptyPrompt))
	}

	parent := ctx
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := a.startRun(msg.From.ID, cancel)
	defer stop()
	ctx, cancelT := context.WithTimeout(ctx, a.opts.ReplyTimeout)
	defer cancelT()

	ev := ReplyEvent{}
	err := a.reply(ctx, msg, prompt, photo, start, &ev)
	ev.Latency = a.clock.Now().Sub(start)
	if ev.Outcome == "" {
		ev.Outcome = ReplyOutcome(err)
	}
	a.obs.ReplyFinished(ev)
	if err == nil {
		return nil
	}
	if errors.Is(context.Cause(ctx), errCancelledByUser) {
		return nil
	}
	if errors.Is(err, errTelegram) {
		return err
	}
	if errors.Is(err, errShown) {
		a.log.Info("botkit: reply ended early", "update_id", upd.ID, "chat_id", msg.Chat.ID, "user_id", msg.From.ID,
			"key_id", ev.KeyID, "model", ev.Model, "outcome", ev.Outcome)
		return nil
	}
	a.log.Info("botkit: reply refused or failed", "update_id", upd.ID, "chat_id", msg.Chat.ID, "user_id", msg.From.ID,
		"key_id", ev.KeyID, "model", ev.Model, "outcome", ev.Outcome, "err", err)
	if parent.Err() != nil {
		return nil // shutting down: nothing to tell
	}
	tctx, tcancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer tcancel()
	return a.say(tctx, msg, a.explain(lg, err))
}

// reply runs one turn: Begin, the model's stream, Commit or Abort. Errors
// that were already shown to the user wrap errTelegram or come after the
// stream began and are reported through ev.
func (a *Assistant) reply(ctx context.Context, msg *models.Message, prompt string, photo *models.PhotoSize, start time.Time, ev *ReplyEvent) error {
	id := identity(msg)
	sess, err := a.sessions.Begin(ctx, id, vipsession.BeginOptions{Text: prompt})
	if err != nil {
		var qe *vipsession.QuotaError
		var ce *vipsession.CapacityError
		switch {
		case errors.As(err, &qe):
			ev.Tier = qe.Tier
		case errors.As(err, &ce):
			ev.Tier = ce.Tier
		}
		return err
	}
	ev.Tier = sess.Tier.Name
	committed := false
	defer func() {
		if !committed {
			_ = sess.Abort(context.WithoutCancel(ctx))
		}
	}()

	var images []gemini.Image
	var media []store.Media
	if photo != nil {
		if !sess.Tier.Images {
			return errImagesDenied
		}
		img, m, err := a.fetchImage(ctx, photo)
		if err != nil {
			return err
		}
		images, media = []gemini.Image{img}, []store.Media{m}
	}

	shared := ""
	if !id.Private {
		shared = sharedConversationKey(a.opts.GroupMemory, id.ChatID, id.ThreadID)
	}
	history, err := a.history(ctx, sess, shared)
	if err != nil {
		return err
	}
	req := &gemini.Request{
		Tier:            sess.Tier.Name,
		Models:          a.models(ctx, sess, prompt, len(images)),
		System:          a.persona(ctx, msg.From.ID, sess.Tier.Personas).Prompt,
		History:         history,
		Text:            prompt,
		Images:          images,
		MaxOutputTokens: a.opts.MaxOutputTokens,
		Safety:          a.opts.Safety,
	}
	s := a.gem.Stream(ctx, req)
	if !s.Next() {
		defer s.Close()
		res := s.Result()
		ev.Model, ev.KeyID = res.Model, res.KeyID
		if err := s.Err(); err != nil {
			return err
		}
		return gemini.ErrEmpty
	}
	ev.FirstText = a.clock.Now().Sub(start)

	lg := lang(msg.From)
	if note := a.resetNote(lg, sess, shared); note != "" {
		if err := a.say(ctx, msg, note); err != nil {
			a.log.Warn("botkit: memory reset note not sent", "chat_id", id.ChatID, "err", err)
		}
	}
	deltas := make(chan Delta)
	pumped := make(chan gemini.Result, 1)
	go func() {
		defer close(deltas)
		defer s.Close()
		defer func() { pumped <- s.Result() }()
		text := s.Text()
		for {
			select {
			case deltas <- Delta{Text: text}:
			case <-ctx.Done():
				return
			}
			if !s.Next() {
				break
			}
			text = s.Text()
		}
		if err := s.Err(); err != nil && ctx.Err() == nil {
			select {
			case deltas <- Delta{Err: err}:
			case <-ctx.Done():
			}
		}
	}()
	so := a.opts.Stream
	// A quick answer goes out as one message: no typing action, no draft.
	if so.TypingDelay == 0 {
		so.TypingDelay = DefaultTypingDelay
	}
	if so.FirstProgressDelay == 0 {
		so.FirstProgressDelay = DefaultFirstProgressDelay
	}
	so.ChatID, so.ReplyTo = msg.Chat.ID, msg.ID
	so.ThreadID = id.ThreadID
	so.CancelNote, so.ErrorNote = a.text(lg, MsgStopped), a.text(lg, MsgInterrupted)
	out, serr := a.sender.Stream(ctx, deltas, so)
	for range deltas { // the pump ends once ctx ends or the stream does
	}
	res := <-pumped
	ev.Model, ev.KeyID = res.Model, res.KeyID
	ev.PromptTokens, ev.OutputTokens = res.Usage.Prompt, res.Usage.Output+res.Usage.Thoughts

	if serr != nil {
		switch {
		case errors.Is(context.Cause(ctx), errCancelledByUser):
			return errCancelledByUser
		case isGeminiError(serr), ctx.Err() != nil:
			// The partial reply already ends with a note.
			ev.Outcome = ReplyOutcome(serr)
			return fmt.Errorf("%w: %w", errShown, serr)
		}
		return fmt.Errorf("%w: %w", errTelegram, serr)
	}
	latency := a.clock.Now().Sub(start)
	cerr := sess.Commit(context.WithoutCancel(ctx), vipsession.Result{
		UserText: prompt, UserMedia: media, ModelText: out.Text,
		PromptTokens: int64(res.Usage.Prompt), OutputTokens: int64(res.Usage.Output + res.Usage.Thoughts),
		Model: res.Model, KeyID: res.KeyID, Latency: latency,
	})
	committed = true
	if cerr != nil {
		a.log.Error("botkit: commit failed", "chat_id", id.ChatID, "user_id", id.UserID, "err", cerr)
	}
	if shared != "" {
		now := a.clock.Now()
		err := a.st.AppendTurns(context.WithoutCancel(ctx), shared,
			store.Turn{Role: store.RoleUser, Text: prompt, Tokens: int64(gemini.EstimateTokens(prompt)), Time: now, Media: media},
			store.Turn{Role: store.RoleModel, Text: out.Text, Tokens: int64(res.Usage.Output), Time: now})
		if err != nil {
			a.log.Error("botkit: shared memory not saved", "chat_id", id.ChatID, "err", err)
		}
	}
	if res.Truncated {
		ev.Outcome = "truncated"
		_ = a.say(context.WithoutCancel(ctx), msg, a.text(lg, MsgTruncated))
	}
	return nil
}

// resetNote is the short note sent before an answer whose memory started
// afresh, or "": the round limit and an eviction are told (the user did not
// choose to lose the conversation and may refer to it); an idle expiry only
// with Options.TellIdleReset (after a long pause people seldom continue
// where they left off, and a note on every first message of the day would
// be noise). A memory shared by a group or topic is not the session's, so
// nothing is told.
func (a *Assistant) resetNote(lg string, sess *vipsession.Session, shared string) string {
	if shared != "" {
		return ""
	}
	switch sess.MemoryReset {
	case vipsession.ResetRoundLimit:
		return a.text(lg, MsgMemoryRoundLimit, sess.Tier.MemoryRounds)
	case vipsession.ResetEvicted:
		return a.text(lg, MsgMemoryEvicted)
	case vipsession.ResetIdle:
		if a.opts.TellIdleReset {
			return a.text(lg, MsgMemoryIdle)
		}
	}
	return ""
}

// isGeminiError reports an error that came from the model's stream.
func isGeminiError(err error) bool {
	for _, s := range []error{gemini.ErrInterrupted, gemini.ErrBlocked, gemini.ErrEmpty, gemini.ErrUnavailable, gemini.ErrBadRequest, gemini.ErrNoKey} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

var (
	// errShown marks a failure the user has already seen (a note at the
	// end of a partial reply).
	errShown         = errors.New("botkit: reply ended early")
	errImagesDenied  = errors.New("botkit: images are not allowed in the tier")
	errImageTooLarge = errors.New("botkit: image too large")
)

// largestPhoto returns the largest size of the message's photo, or of an
// image sent as a document, or nil.
func largestPhoto(msg *models.Message) *models.PhotoSize {
	if n := len(msg.Photo); n > 0 {
		best := msg.Photo[0]
		for _, p := range msg.Photo[1:] {
			if p.Width*p.Height > best.Width*best.Height {
				best = p
			}
		}
		return &best
	}
	if d := msg.Document; d != nil && strings.HasPrefix(d.MimeType, "image/") {
		return &models.PhotoSize{FileID: d.FileID, FileUniqueID: d.FileUniqueID, FileSize: int(d.FileSize)}
	}
	return nil
}

// unsupportedMedia reports a message whose content the bot cannot read.
func unsupportedMedia(msg *models.Message) bool {
	return msg.Sticker != nil || msg.Voice != nil || msg.Video != nil || msg.VideoNote != nil ||
		msg.Audio != nil || msg.Animation != nil || msg.Document != nil
}

// fetchImage downloads a photo within the image limit.
func (a *Assistant) fetchImage(ctx context.Context, p *models.PhotoSize) (gemini.Image, store.Media, error) {
	if int64(p.FileSize) > a.maxImage {
		return gemini.Image{}, store.Media{}, errImageTooLarge
	}
	data, _, err := a.sender.DownloadFile(ctx, p.FileID)
	if errors.Is(err, ErrFileTooLarge) {
		return gemini.Image{}, store.Media{}, errImageTooLarge
	}
	if err != nil {
		return gemini.Image{}, store.Media{}, err
	}
	if int64(len(data)) > a.maxImage {
		return gemini.Image{}, store.Media{}, errImageTooLarge
	}
	mime := http.DetectContentType(data)
	if !strings.HasPrefix(mime, "image/") {
		mime = "image/jpeg"
	}
	return gemini.Image{MIMEType: mime, Data: data},
		store.Media{Kind: "photo", MIMEType: mime, FileID: p.FileID, Size: int64(len(data))}, nil
}

// history is the conversation to send: the session's, or the shared one
// of a group or topic, trimmed to the tier's memory.
func (a *Assistant) history(ctx context.Context, sess *vipsession.Session, shared string) ([]gemini.Turn, error) {
	turns := sess.History
	if shared != "" {
		t := sess.Tier
		if t.MemoryRounds <= 0 {
			turns = nil
		} else {
			got, err := a.st.RecentTurns(ctx, shared, 2*t.MemoryRounds)
			if err != nil {
				return nil, err
			}
			turns = trimTurns(got, t.MemoryTokens)
		}
	}
	out := make([]gemini.Turn, 0, len(turns))
	for _, t := range turns {
		role := gemini.RoleUser
		if t.Role == store.RoleModel {
			role = gemini.RoleModel
		}
		out = append(out, gemini.Turn{Role: role, Text: t.Text})
	}
	return out, nil
}

// trimTurns keeps the newest turns within budget tokens (Unlimited: all),
// starting with a user turn.
func trimTurns(turns []store.Turn, budget int64) []store.Turn {
	if budget == vipsession.Unlimited {
		budget = math.MaxInt64
	}
	var sum int64
	i := len(turns)
	for i > 0 && sum+turns[i-1].Tokens <= budget {
		sum += turns[i-1].Tokens
		i--
	}
	for i < len(turns) && turns[i].Role != store.RoleUser {
		i++
	}
	return turns[i:]
}

// models is the model chain of a turn: the user's /model choice if the
// tier allows it, else the Selector's, then the tier's others.
func (a *Assistant) models(ctx context.Context, sess *vipsession.Session, prompt string, images int) []string {
	choice := a.userModel(ctx, sess.Identity.UserID)
	if choice == "" {
		choice = a.selector(ctx, SelectInput{Text: prompt, Images: images, Tier: sess.Tier.Name, Models: sess.Models})
	}
	return modelChain(sess.Models, choice)
}

// explain turns an error into what the user is told: never an internal
// error's text, a key ID or a stack.
func (a *Assistant) explain(lg string, err error) string {
	now := a.clock.Now()
	var qe *vipsession.QuotaError
	var re *vipsession.RateLimitError
	var ne *gemini.NoKeyError
	var kne *keyrouter.NoKeyError
	switch {
	case errors.As(err, &qe):
		q := map[vipsession.Quota]MessageID{
			vipsession.QuotaRequestsPerDay: MsgQuotaReqDay, vipsession.QuotaRequestsPerMonth: MsgQuotaReqMonth,
			vipsession.QuotaTokensPerDay: MsgQuotaTokDay, vipsession.QuotaTokensPerMonth: MsgQuotaTokMonth,
		}[qe.Quota]
		if q == "" {
			q = MsgQuotaReqDay
		}
		return a.text(lg, MsgQuota, a.text(lg, q), a.formatTime(qe.Resets))
	case errors.As(err, &re):
		return a.text(lg, MsgRateLimited, max(1, int(math.Ceil(re.RetryAfter.Seconds()))))
	case errors.Is(err, vipsession.ErrBusy):
		return a.text(lg, MsgBusy)
	case errors.Is(err, vipsession.ErrCapacity):
		return a.text(lg, MsgCapacity)
	case errors.As(err, &ne) && ne.FreeAt.After(now):
		return a.text(lg, MsgNoKey, a.formatTime(ne.FreeAt))
	case errors.As(err, &kne) && kne.FreeAt.After(now):
		return a.text(lg, MsgNoKey, a.formatTime(kne.FreeAt))
	case errors.Is(err, gemini.ErrNoKey), errors.Is(err, keyrouter.ErrNoKey), errors.Is(err, gemini.ErrUnavailable):
		return a.text(lg, MsgNoKeySoon)
	case errors.Is(err, gemini.ErrBlocked):
		return a.text(lg, MsgBlocked)
	case errors.Is(err, errImagesDenied):
		return a.text(lg, MsgImagesDenied)
	case errors.Is(err, errImageTooLarge):
		return a.text(lg, MsgImageTooLarge, byteSize(a.maxImage))
	}
	return a.text(lg, MsgInternal)
}

// formatTime shows t in Options.Location: the time alone when it is today,
// else the date and time.
func (a *Assistant) formatTime(t time.Time) string {
	loc := a.opts.Location
	if loc == nil {
		loc = time.UTC
	}
	t, now := t.In(loc), a.clock.Now().In(loc)
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04 MST")
	}
	return t.Format("2006-01-02 15:04 MST")
}

// byteSize shows n bytes in MB, KB or bytes.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

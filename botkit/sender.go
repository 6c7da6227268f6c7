package botkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"golang.org/x/time/rate"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// SenderOptions configures a Sender. The zero value gives the defaults,
// which follow Telegram's rules of thumb.
type SenderOptions struct {
	// PerChat is the pace of messages to one chat, per second, and
	// PerChatBurst how many may go at once. Zero means 1 and 1.
	PerChat      rate.Limit
	PerChatBurst int
	// PerGroup is the pace of messages to one group, supergroup or channel
	// (a negative chat ID), per second, on top of PerChat; PerGroupBurst
	// how many may go at once. Zero means 20 per minute and 3.
	PerGroup      rate.Limit
	PerGroupBurst int
	// Global is the pace of all messages, per second; GlobalBurst how many
	// may go at once. Zero means 30 and 10.
	Global      rate.Limit
	GlobalBurst int
	// IdleTTL is how long the pacing state of a quiet chat is kept. Zero
	// means 10 minutes.
	IdleTTL time.Duration
	// MaxRetryAfter is the longest retry_after the Sender waits out; a 429
	// asking for more is returned at once (wrapping ErrRetryAfterTooLong),
	// and so is every later call to that chat until the retry_after has
	// passed, rather than hanging a caller whose context has no deadline.
	// A wait that would pass the context's deadline is returned at once too.
	// Zero means 1 minute.
	MaxRetryAfter time.Duration
	// MaxRetries bounds the retries of one call after a 429, a 5xx or a
	// network error. Zero means 5; negative means none.
	MaxRetries int
	// MaxBackoff caps the growing wait between retries after a 5xx or a
	// network error, which starts at 500 ms. Zero means 10 seconds.
	MaxBackoff time.Duration
	// Users, when set, records users who blocked the bot (SetUserBlocked).
	Users store.Users
	// FileClient downloads files; keep it apart from the client of API
	// calls, as files take longer. Nil means a client with a 2-minute timeout.
	FileClient *http.Client
	// Clock paces and measures waits. Nil means SystemClock.
	Clock Clock
	// Logger receives retries and store failures. Nil means slog.Default().
	Logger *slog.Logger
	// OnError, when set, is told of every failed attempt of a call (a
	// retried one too), for metrics: the method and the error, an *APIError
	// for answers of the API. It must not block.
	OnError func(method string, err error)
}

// Sender makes the bot's outbound calls through go-telegram/bot with the
// care the library lacks: it paces messages per chat, per group and overall
// before Telegram has to complain; on 429 it waits the retry_after it was
// given (no call for that chat goes out before) and retries; it retries
// 5xx and network errors with backoff; it treats "message is not modified"
// as success; it follows a group migrated to a supergroup; and it records
// users who blocked the bot. Errors are *APIError values (or wrap them),
// found with errors.As and classified with errors.Is.
//
// A Sender is safe for concurrent use.
type Sender struct {
	bot   *bot.Bot
	opts  SenderOptions
	clock Clock

	chats  *keyedLimiters
	groups *keyedLimiters
	global *rate.Limiter
	gmu    sync.Mutex

	mmu      sync.Mutex
	migrated map[int64]int64

	// The token never changes: it is checked and its redactor built once.
	tokenErr error
	red      redactor
}

// NewSender returns a Sender calling the API through b.
func NewSender(b *bot.Bot, opts SenderOptions) *Sender {
	if opts.PerChat <= 0 {
		opts.PerChat = 1
	}
	if opts.PerChatBurst <= 0 {
		opts.PerChatBurst = 1
	}
	if opts.PerGroup <= 0 {
		opts.PerGroup = rate.Limit(20.0 / 60)
	}
	if opts.PerGroupBurst <= 0 {
		opts.PerGroupBurst = 3
	}
	if opts.Global <= 0 {
		opts.Global = 30
	}
	if opts.GlobalBurst <= 0 {
		opts.GlobalBurst = 10
	}
	if opts.IdleTTL <= 0 {
		opts.IdleTTL = 10 * time.Minute
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = time.Minute
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 5
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 10 * time.Second
	}
	if opts.FileClient == nil {
		opts.FileClient = &http.Client{Timeout: 2 * time.Minute}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Sender{
		bot:      b,
		opts:     opts,
		clock:    clockOr(opts.Clock),
		chats:    newKeyedLimiters(opts.PerChat, opts.PerChatBurst, opts.IdleTTL),
		groups:   newKeyedLimiters(opts.PerGroup, opts.PerGroupBurst, opts.IdleTTL),
		global:   rate.NewLimiter(opts.Global, opts.GlobalBurst),
		migrated: make(map[int64]int64),
		tokenErr: ValidToken(b.Token()),
		red:      newRedactor(b.Token()),
	}
}

// Bot returns the client the Sender calls through.
func (s *Sender) Bot() *bot.Bot { return s.bot }

// Paced says whether a call counts against the message pace.
type Paced bool

// Whether a call made through Do is paced.
const (
	Unpaced Paced = false // chat actions, getFile, answers to callbacks
	Counted Paced = true  // messages, edits, drafts, media
)

// Do makes the call fn for chatID (0 when the call belongs to no chat) with
// pacing, 429 handling, retries and migration: fn is called with the chat ID
// to use, which changes when the group was migrated. method names the API
// method in errors. The Sender's typed methods are built on Do; use it for
// the methods they do not cover.
//
// Errors that are not answers of the API (a network failure, a request
// that could not be built) never carry the bot token in their text, in
// what Do returns, logs or passes to OnError: the token is replaced with
// "***". A token that ValidToken refuses fails every call at once, with an
// error wrapping ErrMalformedToken, before fn is called.
func (s *Sender) Do(ctx context.Context, method string, chatID int64, paced Paced, fn func(ctx context.Context, chatID int64) error) error {
	if s.tokenErr != nil {
		return fmt.Errorf("botkit: %s: %w", method, s.tokenErr)
	}
	chatID = s.resolve(chatID)
	backoff := time.Duration(0)
	for attempt := 0; ; attempt++ {
		if err := s.wait(ctx, chatID, paced); err != nil {
			return err
		}
		err := fn(ctx, chatID)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		retry := attempt < s.opts.MaxRetries
		ae := AsAPIError(method, err)
		if ae == nil {
			err = s.red.redact(err)
		}
		if s.opts.OnError != nil {
			if ae != nil {
				s.opts.OnError(method, ae)
			} else {
				s.opts.OnError(method, err)
			}
		}
		if ae == nil {
			if !retry || unbuildable(err) {
				return fmt.Errorf("botkit: %s: %w", method, err)
			}
			backoff = min(max(2*backoff, 500*time.Millisecond), s.opts.MaxBackoff)
			s.opts.Logger.Warn("botkit: call failed; retrying", "method", method, "chat_id", chatID, "err", err, "retry_in", backoff)
			if err := sleep(ctx, s.clock, backoff); err != nil {
				return err
			}
			continue
		}
		switch {
		case errors.Is(ae, ErrNotModified):
			return nil
		case ae.Code == http.StatusTooManyRequests:
			now := s.clock.Now()
			wait := max(ae.RetryAfter, time.Second)
			s.chats.block(chatID, now, now.Add(wait))
			if wait > s.opts.MaxRetryAfter {
				return fmt.Errorf("%w: %w", ErrRetryAfterTooLong, ae)
			}
			if !retry {
				return ae
			}
			s.opts.Logger.Warn("botkit: rate limited; waiting", "method", method, "chat_id", chatID, "retry_after", wait)
		case errors.Is(ae, ErrChatMigrated) && ae.MigrateTo != 0 && ae.MigrateTo != chatID:
			s.mmu.Lock()
			s.migrated[chatID] = ae.MigrateTo
			s.mmu.Unlock()
			s.opts.Logger.Info("botkit: group migrated", "from", chatID, "to", ae.MigrateTo)
			chatID = ae.MigrateTo
			if !retry {
				return ae
			}
		case errors.Is(ae, ErrBlocked):
			s.markBlocked(ctx, chatID)
			return ae
		case errors.Is(ae, ErrServer) && retry:
			backoff = min(max(2*backoff, 500*time.Millisecond), s.opts.MaxBackoff)
			s.opts.Logger.Warn("botkit: server error; retrying", "method", method, "chat_id", chatID, "err", ae, "retry_in", backoff)
			if err := sleep(ctx, s.clock, backoff); err != nil {
				return err
			}
		default:
			return ae
		}
	}
}

// unbuildable reports an error from building a request (a URL that does
// not parse): trying again builds the same request.
func unbuildable(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue) && ue.Op == "parse"
}

// resolve follows recorded migrations.
func (s *Sender) resolve(chatID int64) int64 {
	s.mmu.Lock()
	defer s.mmu.Unlock()
	for i := 0; i < 4; i++ {
		to, ok := s.migrated[chatID]
		if !ok {
			break
		}
		chatID = to
	}
	return chatID
}

// wait holds a call until the pace allows it and any retry_after given for
// the chat has passed. A retry_after that is longer than MaxRetryAfter, or
// than the context allows, fails the call at once (ErrRetryAfterTooLong)
// and stays in force for the calls that follow.
func (s *Sender) wait(ctx context.Context, chatID int64, paced Paced) error {
	now := s.clock.Now()
	dl, hasDeadline := ctx.Deadline()
	delay := s.chats.blockedFor(chatID, now)
	if err := s.checkBlocked(delay, now, dl, hasDeadline); err != nil {
		return err
	}
	var rs []*rate.Reservation
	if paced && chatID != 0 {
		rs = append(rs, s.chats.reserve(chatID, now))
		if chatID < 0 {
			rs = append(rs, s.groups.reserve(chatID, now))
		}
	}
	if paced {
		s.gmu.Lock()
		rs = append(rs, s.global.ReserveN(now, 1))
		s.gmu.Unlock()
	}
	for _, r := range rs {
		delay = max(delay, r.DelayFrom(now))
	}
	cancel := func() {
		for _, r := range rs {
			r.CancelAt(now)
		}
	}
	if hasDeadline && now.Add(delay).After(dl) {
		cancel()
		return fmt.Errorf("botkit: the pace allows no call before the deadline: %w", context.DeadlineExceeded)
	}
	if err := sleep(ctx, s.clock, delay); err != nil {
		cancel()
		return err
	}
	for {
		now := s.clock.Now()
		blocked := s.chats.blockedFor(chatID, now)
		if blocked <= 0 {
			return nil
		}
		if err := s.checkBlocked(blocked, now, dl, hasDeadline); err != nil {
			return err
		}
		if err := sleep(ctx, s.clock, blocked); err != nil {
			return err
		}
	}
}

// checkBlocked refuses a wait of blocked for a chat's retry_after that is
// longer than MaxRetryAfter or would pass the deadline dl.
func (s *Sender) checkBlocked(blocked time.Duration, now, dl time.Time, hasDeadline bool) error {
	switch {
	case blocked <= 0:
		return nil
	case blocked > s.opts.MaxRetryAfter:
		return fmt.Errorf("%w: the chat must wait %s, more than %s", ErrRetryAfterTooLong, blocked, s.opts.MaxRetryAfter)
	case hasDeadline && now.Add(blocked).After(dl):
		return fmt.Errorf("%w: the chat must wait %s, past the deadline", ErrRetryAfterTooLong, blocked)
	}
	return nil
}

func (s *Sender) markBlocked(ctx context.Context, chatID int64) {
	if s.opts.Users == nil || chatID <= 0 {
		return
	}
	err := s.opts.Users.SetUserBlocked(context.WithoutCancel(ctx), chatID, true)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.opts.Logger.Warn("botkit: could not record a blocked user", "user_id", chatID, "err", err)
	}
}

// chatIDOf returns the numeric chat ID of a params field, or 0 for a
// channel username.
func chatIDOf(v any) int64 {
	switch id := v.(type) {
	case int64:
		return id
	case int:
		return int64(id)
	case int32:
		return int64(id)
	case string:
		n, _ := strconv.ParseInt(id, 10, 64)
		return n
	}
	return 0
}

// SendMessage sends a message (see Do for what the Sender adds).
func (s *Sender) SendMessage(ctx context.Context, p *bot.SendMessageParams) (*models.Message, error) {
	var msg *models.Message
	err := s.Do(ctx, "sendMessage", chatIDOf(p.ChatID), Counted, func(ctx context.Context, id int64) error {
		// A fresh copy per attempt: go-telegram/bot may still be encoding
		// the previous attempt's params when its context ends.
		q := *p
		if id != 0 {
			q.ChatID = id
		}
		m, err := s.bot.SendMessage(ctx, &q)
		msg = m
		return err
	})
	return msg, err
}

// EditMessageText edits a message's text. An edit that changes nothing is
// not an error; the message returned is then nil.
func (s *Sender) EditMessageText(ctx context.Context, p *bot.EditMessageTextParams) (*models.Message, error) {
	var msg *models.Message
	err := s.Do(ctx, "editMessageText", chatIDOf(p.ChatID), Counted, func(ctx context.Context, id int64) error {
		q := *p // a fresh copy per attempt, as in SendMessage
		if id != 0 {
			q.ChatID = id
		}
		m, err := s.bot.EditMessageText(ctx, &q)
		msg = m
		return err
	})
	return msg, err
}

// SendChatAction shows an action ("typing") in a chat for about 5 seconds.
// It is not paced.
func (s *Sender) SendChatAction(ctx context.Context, chatID int64, threadID int, action models.ChatAction) error {
	return s.Do(ctx, "sendChatAction", chatID, Unpaced, func(ctx context.Context, id int64) error {
		_, err := s.bot.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: id, MessageThreadID: threadID, Action: action})
		return err
	})
}

// SendMessageDraft shows text as the draft draftID (non-zero) of a private
// chat. go-telegram/bot declares the draft ID as a string; Telegram wants an
// integer, which this method guarantees.
func (s *Sender) SendMessageDraft(ctx context.Context, chatID int64, threadID int, draftID int64, text string, mode models.ParseMode) error {
	if draftID == 0 {
		return errors.New("botkit: sendMessageDraft: draft ID must not be zero")
	}
	return s.Do(ctx, "sendMessageDraft", chatID, Counted, func(ctx context.Context, id int64) error {
		_, err := s.bot.SendMessageDraft(ctx, &bot.SendMessageDraftParams{
			ChatID: id, MessageThreadID: threadID, DraftID: strconv.FormatInt(draftID, 10),
			Text: text, ParseMode: mode,
		})
		return err
	})
}

// lastLimited returns when chatID last got a 429, or the zero time.
func (s *Sender) lastLimited(chatID int64) time.Time {
	return s.chats.lastLimited(s.resolve(chatID))
}

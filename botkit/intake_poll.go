package botkit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// PollerOptions configures a Poller. The zero value gives the defaults.
type PollerOptions struct {
	// ServerURL is the Bot API server. Empty means https://api.telegram.org.
	ServerURL string
	// HTTPClient makes the long-polling calls; keep it apart from the client
	// of ordinary API calls, whose timeout is much shorter. Nil means a
	// client whose timeout is PollTimeout plus 15 seconds.
	HTTPClient *http.Client
	// PollTimeout is the long-polling timeout asked of Telegram (whole
	// seconds; 0 s asks for short polling). Zero means 30 seconds.
	PollTimeout time.Duration
	// Limit is the most updates asked per call, 1 to 100. Zero means 100.
	Limit int
	// AllowedUpdates lists the update types to receive; nil keeps the
	// server's current setting.
	AllowedUpdates []string
	// Offsets keeps the confirmed offset, so that a restart resumes where
	// the last run stopped. Nil keeps it in memory only.
	Offsets store.KV
	// OffsetKey is the key of the offset in Offsets. Empty means
	// "botkit:offset:" followed by the bot's numeric ID.
	OffsetKey string
	// MaxBackoff caps the wait after consecutive failed calls. Zero means
	// 30 seconds.
	MaxBackoff time.Duration
	// Recheck is how long the Poller waits, while every update Telegram
	// returned is already in hand, before asking again anyway: updates
	// that arrived meanwhile (such as a /cancel for a running reply) are
	// then seen even though no update has finished. Zero means 1 second.
	Recheck time.Duration
	// Clock measures backoff. Nil means SystemClock.
	Clock Clock
	// Logger receives polling errors. Nil means slog.Default().
	Logger *slog.Logger
}

// Poller takes updates from Telegram by long polling and submits them to a
// Dispatcher. Unlike go-telegram/bot's own loop, it confirms an update's
// offset to Telegram only when that update and every earlier one have been
// handled: each getUpdates call sends the lowest unfinished update ID as its
// offset, and updates seen again are skipped. The confirmed offset is saved
// in PollerOptions.Offsets so that a restart resumes exactly. As Telegram
// returns updates from the offset on, at most Limit updates past the oldest
// unfinished one are in hand at a time; while none of them is new, the
// Poller waits for an update to finish (or PollerOptions.Recheck) instead
// of asking again at once.
//
// A Poller is used by one goroutine calling Run.
type Poller struct {
	d      *Dispatcher
	opts   PollerOptions
	method string                    // URL of getUpdates; holds the token, never logged
	wm     atomic.Pointer[watermark] // set by Run
	saved  int64                     // the offset last stored; used by Run only
}

// NewPoller returns a Poller for the bot with the given token.
func NewPoller(token string, d *Dispatcher, opts PollerOptions) (*Poller, error) {
	if err := ValidToken(token); err != nil {
		return nil, err
	}
	botID, _, _ := strings.Cut(token, ":") // ValidToken saw the colon and the digits

	if opts.ServerURL == "" {
		opts.ServerURL = "https://api.telegram.org"
	}
	if opts.PollTimeout <= 0 {
		opts.PollTimeout = 30 * time.Second
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: opts.PollTimeout + 15*time.Second}
	}
	if opts.Limit <= 0 || opts.Limit > 100 {
		opts.Limit = 100
	}
	if opts.OffsetKey == "" {
		opts.OffsetKey = "botkit:offset:" + botID
	}
	if opts.Recheck <= 0 {
		opts.Recheck = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 30 * time.Second
	}
	opts.Clock = clockOr(opts.Clock)
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Poller{
		d:      d,
		opts:   opts,
		method: strings.TrimRight(opts.ServerURL, "/") + "/bot" + token + "/getUpdates",
	}, nil
}

// Offset returns the offset confirmed so far: every update below it has been
// handled.
// Before Run has loaded the stored offset, it returns 0.
func (p *Poller) Offset() int64 {
	if wm := p.wm.Load(); wm != nil {
		return wm.confirmed()
	}
	return 0
}

// Run polls until the Dispatcher starts shutting down, then waits for it to
// finish, saves the confirmed offset and returns nil. It returns early with
// ctx.Err() when ctx is done, and with an error wrapping ErrConflict (409:
// another poller, or a webhook is set) or ErrUnauthorized, which retrying
// cannot cure. Other failures are retried with backoff; a 429 waits the
// retry_after Telegram asked for.
func (p *Poller) Run(ctx context.Context) error {
	if err := p.load(ctx); err != nil {
		return err
	}
	pollCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-p.d.Closing():
			cancel()
		case <-pollCtx.Done():
		}
	}()

	err := p.loop(pollCtx)
	select {
	case <-p.d.Closing():
		// Shutdown: the offset is final once every accepted update has
		// an outcome.
		select {
		case <-p.d.Done():
		case <-ctx.Done():
		}
		err = nil
	default:
	}
	if serr := p.save(context.WithoutCancel(ctx)); serr != nil && err == nil {
		err = serr
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return err
}

func (p *Poller) load(ctx context.Context) error {
	if p.opts.Offsets != nil {
		v, err := p.opts.Offsets.GetValue(ctx, p.opts.OffsetKey, p.opts.Clock.Now())
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return fmt.Errorf("botkit: load polling offset: %w", err)
		default:
			off, perr := strconv.ParseInt(string(v), 10, 64)
			if perr != nil {
				return fmt.Errorf("botkit: stored polling offset %q: %w", v, perr)
			}
			p.saved = off
		}
	}
	p.wm.Store(newWatermark(p.saved))
	return nil
}

func (p *Poller) save(ctx context.Context) error {
	off := p.wm.Load().confirmed()
	if off == p.saved || p.opts.Offsets == nil {
		p.saved = off
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := p.opts.Offsets.SetValue(ctx, p.opts.OffsetKey, []byte(strconv.FormatInt(off, 10)), 0, p.opts.Clock.Now()); err != nil {
		return fmt.Errorf("botkit: save polling offset: %w", err)
	}
	p.saved = off
	return nil
}

func (p *Poller) loop(ctx context.Context) error {
	wm := p.wm.Load()
	var backoff time.Duration
	for ctx.Err() == nil {
		if err := p.save(ctx); err != nil {
			p.opts.Logger.Warn("botkit: polling offset not saved", "err", err)
		}
		updates, err := p.getUpdates(ctx, wm.confirmed())
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ae *APIError
			switch {
			case errors.As(err, &ae) && (ae.Code == http.StatusConflict || ae.Code == http.StatusUnauthorized || ae.Code == http.StatusNotFound):
				if ae.Code == http.StatusNotFound {
					return fmt.Errorf("%w (%w)", ErrUnauthorized, err)
				}
				return err
			case errors.As(err, &ae) && ae.RetryAfter > 0:
				p.opts.Logger.Warn("botkit: getUpdates rate limited", "retry_after", ae.RetryAfter)
				_ = sleep(ctx, p.opts.Clock, ae.RetryAfter)
			default:
				backoff = min(max(2*backoff, 500*time.Millisecond), p.opts.MaxBackoff)
				p.opts.Logger.Warn("botkit: getUpdates failed", "err", err, "retry_in", backoff)
				_ = sleep(ctx, p.opts.Clock, backoff)
			}
			continue
		}
		backoff = 0
		fresh := 0
		for _, upd := range updates {
			if !wm.receive(upd.ID) {
				continue
			}
			fresh++
			id := upd.ID
			if err := p.submit(ctx, upd, func(o Outcome) { wm.finish(id, o) }); err != nil {
				wm.forget(id)
				return nil
			}
		}
		if fresh == 0 && len(updates) > 0 {
			// Everything Telegram sent is already in hand: wait for an
			// update to finish rather than ask again at once, but not so
			// long that new updates go unseen while a slow one runs.
			t := p.opts.Clock.NewTimer(p.opts.Recheck)
			select {
			case <-wm.changed:
			case <-t.C():
			case <-ctx.Done():
			}
			t.Stop()
		}
	}
	return nil
}

type pollRequest struct {
	Offset         int64    `json:"offset,omitempty"`
	Limit          int      `json:"limit,omitempty"`
	Timeout        int      `json:"timeout"`
	AllowedUpdates []string `json:"allowed_updates,omitempty"`
}

type apiAnswer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// getUpdates makes one getUpdates call. go-telegram/bot does not export it.
func (p *Poller) getUpdates(ctx context.Context, offset int64) ([]*models.Update, error) {
	body, _ := json.Marshal(pollRequest{
		Offset: offset, Limit: p.opts.Limit,
		Timeout:        int(p.opts.PollTimeout / time.Second),
		AllowedUpdates: p.opts.AllowedUpdates,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.method, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("botkit: getUpdates: %w", redactURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("botkit: getUpdates: %w", redactURL(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("botkit: getUpdates: read answer: %w", redactURL(err))
	}
	var a apiAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("botkit: getUpdates: HTTP %d, undecodable answer: %w", resp.StatusCode, err)
	}
	if !a.OK {
		return nil, newAPIError("getUpdates", a.ErrorCode, a.Description,
			time.Duration(a.Parameters.RetryAfter)*time.Second, a.Parameters.MigrateToChatID)
	}
	var updates []*models.Update
	if err := json.Unmarshal(a.Result, &updates); err != nil {
		return nil, fmt.Errorf("botkit: getUpdates: decode updates: %w", err)
	}
	return updates, nil
}

// redactURL removes the URL, which holds the bot token, from an HTTP error.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: "(redacted)", Err: ue.Err}
	}
	return err
}

// submit gives upd to the dispatcher. While another replica holds the
// update's chat (ErrChatBusy, with DispatcherOptions.ChatLocks) it tries
// again every RetryDelay: the update must not be skipped, and later
// updates of the chat must wait for it.
func (p *Poller) submit(ctx context.Context, upd *models.Update, done func(Outcome)) error {
	for {
		err := p.d.Submit(ctx, upd, done)
		if !errors.Is(err, ErrChatBusy) {
			return err
		}
		p.opts.Logger.Debug("botkit: chat busy elsewhere; retrying", "update_id", upd.ID, "err", err)
		if err := sleep(ctx, p.d.clock, p.d.retry); err != nil {
			return err
		}
	}
}

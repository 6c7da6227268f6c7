package botkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/web3-ai-game/svs-telegram-bot/gemini"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

// Assistant is the AI reply and the commands, without intake: the part of
// a Bot that programs with a go-telegram/bot *bot.Bot of their own can use
// as a handler (Handler) or a middleware (Middleware). New builds one
// inside every Bot.
//
// An Assistant is safe for concurrent use. Close it when done.
type Assistant struct {
	opts     Options
	log      *slog.Logger
	clock    Clock
	obs      Observer
	msgs     Localizer
	st       store.Store
	router   *keyrouter.Router
	gem      *gemini.Client
	sessions *vipsession.Manager
	sender   *Sender
	personas []Persona
	selector Selector
	staff    map[int64]bool // admins and owners
	commands map[string]Command
	maxImage int64
	closers  []func() error

	umu      sync.Mutex
	username string // the bot's username, once known

	cmu     sync.Mutex
	running map[int64]map[uint64]context.CancelCauseFunc // user ID → replies running
	nextRun uint64

	// life ends when the Assistant stops (Bot.Shutdown, Close): it cuts
	// short start-up calls and background work such as a broadcast.
	life     context.Context
	stopLife context.CancelFunc
	bg       sync.WaitGroup // background work
	bgMu     sync.Mutex
	bgClosed bool
	bcasting bool // a broadcast is running

	pmu sync.RWMutex // guards personas
}

// NewAssistant builds an Assistant that answers through b, from opts (the
// fields about intake, Poller, Dispatcher and Webhook, are not used).
func NewAssistant(b *bot.Bot, opts Options) (*Assistant, error) {
	if b == nil {
		return nil, errors.New("botkit: NewAssistant: nil bot")
	}
	a := &Assistant{
		opts:    opts,
		log:     opts.Logger,
		clock:   clockOr(opts.Clock),
		obs:     opts.Observer,
		msgs:    opts.Messages,
		running: make(map[int64]map[uint64]context.CancelCauseFunc),
	}
	a.life, a.stopLife = context.WithCancel(context.Background())
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.obs == nil {
		a.obs = nopObserver{}
	}
	if a.msgs == nil {
		a.msgs = DefaultCatalogs()
	}
	if err := a.build(b); err != nil {
		_ = a.Close()
		return nil, err
	}
	return a, nil
}

// build makes the parts that opts does not give.
func (a *Assistant) build(b *bot.Bot) error {
	o := &a.opts
	a.st = o.Store
	if a.st == nil {
		st := memstore.New(memstore.Options{})
		a.log.Warn("botkit: no store given: conversations, quotas and grants are kept in memory and lost at exit")
		a.st = st
		a.closers = append(a.closers, st.Close)
	}

	a.sessions = o.Sessions
	if a.sessions == nil {
		m, err := vipsession.New(a.st, vipsession.Options{
			Tiers: o.Tiers, Owners: o.Owners, Admins: o.Admins,
			Location: o.Location, Now: a.clock.Now,
		})
		if err != nil {
			return fmt.Errorf("botkit: sessions: %w", err)
		}
		a.sessions = m
	}

	a.gem = o.Gemini
	if a.gem == nil {
		a.router = o.Router
		if a.router == nil {
			r, err := a.newRouter()
			if err != nil {
				return err
			}
			a.router = r
			a.closers = append(a.closers, r.Close)
		}
		g, err := gemini.New(a.router, gemini.Options{BaseURL: o.GeminiURL, HTTPClient: o.GeminiHTTPClient})
		if err != nil {
			return fmt.Errorf("botkit: gemini: %w", err)
		}
		a.gem = g
		a.closers = append(a.closers, g.Close)
	} else {
		a.router = o.Router
	}
	if ko, ok := a.obs.(keyStatsObserver); ok && a.router != nil {
		ko.ObserveKeys(a.router.Stats)
	}

	so := o.Sender
	if so.Users == nil {
		so.Users = a.st
	}
	if so.Clock == nil {
		so.Clock = a.clock
	}
	if so.Logger == nil {
		so.Logger = a.log
	}
	if so.OnError == nil {
		so.OnError = func(method string, err error) {
			if !errors.Is(err, ErrNotModified) {
				a.obs.TelegramError(method, TelegramErrorClass(err))
			}
		}
	}
	a.sender = NewSender(b, so)

	ps, err := checkPersonas(o.Personas)
	if err != nil {
		return err
	}
	a.personas = ps
	a.selector = o.Selector
	if a.selector == nil {
		a.selector = RuleSelector
	}
	a.maxImage = o.MaxImageBytes
	if a.maxImage <= 0 {
		a.maxImage = 10 << 20
	}
	a.maxImage = min(a.maxImage, MaxDownloadSize)
	if o.ReplyTimeout <= 0 {
		o.ReplyTimeout = 3 * time.Minute
	}
	a.staff = make(map[int64]bool)
	for _, id := range slices.Concat(o.Owners, o.Admins) {
		a.staff[id] = true
	}
	a.commands = make(map[string]Command)
	for _, c := range o.Commands {
		name := strings.ToLower(strings.TrimPrefix(c.Name, "/"))
		if name == "" || c.Handler == nil {
			return fmt.Errorf("botkit: command %q needs a name and a handler", c.Name)
		}
		c.Name = name
		a.commands[name] = c
	}
	a.username = strings.TrimPrefix(o.BotUsername, "@")
	return nil
}

// newRouter builds the key router from Options.Keys.
func (a *Assistant) newRouter() (*keyrouter.Router, error) {
	o := a.opts
	keys, err := keyrouter.ParseKeys(o.Keys)
	if err != nil {
		return nil, fmt.Errorf("botkit: keys: %w", err)
	}
	tiers := o.KeyTiers
	if tiers == nil {
		tiers = tierGroups(a.sessions.Tiers(), keys)
	}
	return keyrouter.New(keys, keyrouter.Options{
		Tiers:      tiers,
		Now:        a.clock.Now,
		After:      func(d time.Duration) <-chan time.Time { return a.clock.NewTimer(d).C() },
		Classifier: gemini.Classify,
	})
}

// tierGroups maps each tier to its key groups that have keys, then the
// default group if it has keys; a tier left with none gets every group.
func tierGroups(tiers []vipsession.Tier, keys []keyrouter.Key) map[string][]string {
	have := map[string]bool{}
	var all []string
	for _, k := range keys {
		g := k.Group
		if g == "" {
			g = keyrouter.DefaultGroup
		}
		if !have[g] {
			have[g] = true
			all = append(all, g)
		}
	}
	slices.Sort(all)
	m := make(map[string][]string, len(tiers))
	for _, t := range tiers {
		var gs []string
		for _, g := range t.KeyGroups {
			if have[g] && !slices.Contains(gs, g) {
				gs = append(gs, g)
			}
		}
		if have[keyrouter.DefaultGroup] && !slices.Contains(gs, keyrouter.DefaultGroup) {
			gs = append(gs, keyrouter.DefaultGroup)
		}
		if len(gs) == 0 {
			gs = all
		}
		m[t.Name] = gs
	}
	return m
}

// Close stops the Assistant's background work (a /broadcast) and waits for
// it, then closes the parts the Assistant made (store, key router, Gemini
// client); parts given in Options stay open.
func (a *Assistant) Close() error {
	a.stopBackground(context.Background())
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// Sender returns the Sender the Assistant answers through.
func (a *Assistant) Sender() *Sender { return a.sender }

// Sessions returns the session manager.
func (a *Assistant) Sessions() *vipsession.Manager { return a.sessions }

// Store returns the store.
func (a *Assistant) Store() store.Store { return a.st }

// Router returns the key router, or nil when Options gave a Gemini client
// without its Router.
func (a *Assistant) Router() *keyrouter.Router { return a.router }

// Gemini returns the Gemini client.
func (a *Assistant) Gemini() *gemini.Client { return a.gem }

// Handler returns a go-telegram/bot handler that gives every message it
// gets the AI reply (groups: only messages addressing the bot). Register it
// with bot.WithDefaultHandler or RegisterHandler.
func (a *Assistant) Handler() bot.HandlerFunc {
	return func(ctx context.Context, _ *bot.Bot, upd *models.Update) {
		ctx = WithUpdate(ctx, upd)
		if err := a.Reply(ctx, upd); err != nil {
			a.log.Error("botkit: reply failed", "update_id", upd.ID, "err", err)
		}
	}
}

// Middleware returns a go-telegram/bot middleware that answers messages for
// the AI (text and photos that are not commands and, in groups, address the
// bot) and passes every other update on to the next handler.
func (a *Assistant) Middleware() bot.Middleware {
	h := a.Handler()
	return func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, b *bot.Bot, upd *models.Update) {
			if msg := upd.Message; msg != nil && msg.From != nil && !isCommand(msg) {
				if _, ok := a.addressing(ctx).prompt(msg); ok {
					h(ctx, b, upd)
					return
				}
			}
			next(ctx, b, upd)
		}
	}
}

// addressing returns how group messages address the bot, asking getMe for
// the username the first time it is needed.
func (a *Assistant) addressing(ctx context.Context) addressing {
	a.umu.Lock()
	name := a.username
	a.umu.Unlock()
	if name == "" {
		var me *models.User
		err := a.sender.Do(ctx, "getMe", 0, Unpaced, func(ctx context.Context, _ int64) error {
			var err error
			me, err = a.sender.Bot().GetMe(ctx)
			return err
		})
		if err == nil && me != nil {
			name = me.Username
			a.umu.Lock()
			a.username = name
			a.umu.Unlock()
		} else {
			a.log.Warn("botkit: getMe failed; mentions are not recognised yet", "err", err)
		}
	}
	return addressing{username: name, botID: a.sender.Bot().ID(), triggers: a.opts.Triggers}
}

// lang returns the language code of the update's user.
func lang(u *models.User) string {
	if u == nil {
		return ""
	}
	return u.LanguageCode
}

// text returns a localised text.
func (a *Assistant) text(lang string, id MessageID, args ...any) string {
	return a.msgs.Text(lang, id, args...)
}

// say sends a short plain-text message replying to msg, in its thread.
func (a *Assistant) say(ctx context.Context, msg *models.Message, text string) error {
	_, err := a.sendText(ctx, msg, text, nil)
	return err
}

// sendText sends text (plain) in msg's chat and thread, replying to msg.
func (a *Assistant) sendText(ctx context.Context, msg *models.Message, text string, markup models.ReplyMarkup) (*models.Message, error) {
	p := &bot.SendMessageParams{
		ChatID: msg.Chat.ID, Text: text, ReplyMarkup: markup,
		ReplyParameters: &models.ReplyParameters{MessageID: msg.ID, AllowSendingWithoutReply: true},
	}
	if msg.IsTopicMessage {
		p.MessageThreadID = msg.MessageThreadID
	}
	return a.sender.SendMessage(ctx, p)
}

// identity is who sent msg and where, for vipsession.
func identity(msg *models.Message) vipsession.Identity {
	id := vipsession.Identity{ChatID: msg.Chat.ID, Private: isPrivate(&msg.Chat)}
	if msg.From != nil {
		id.UserID = msg.From.ID
		id.Username = msg.From.Username
		id.LanguageCode = msg.From.LanguageCode
	}
	if msg.IsTopicMessage {
		id.ThreadID = msg.MessageThreadID
	}
	return id
}

// startRun registers a running reply of userID, for /cancel.
func (a *Assistant) startRun(userID int64, cancel context.CancelCauseFunc) (stop func()) {
	a.cmu.Lock()
	defer a.cmu.Unlock()
	a.nextRun++
	n := a.nextRun
	if a.running[userID] == nil {
		a.running[userID] = make(map[uint64]context.CancelCauseFunc)
	}
	a.running[userID][n] = cancel
	return func() {
		a.cmu.Lock()
		defer a.cmu.Unlock()
		delete(a.running[userID], n)
		if len(a.running[userID]) == 0 {
			delete(a.running, userID)
		}
	}
}

// Cancel stops the replies running for userID and reports whether there
// were any.
func (a *Assistant) Cancel(userID int64) bool {
	a.cmu.Lock()
	defer a.cmu.Unlock()
	runs := a.running[userID]
	for _, c := range runs {
		c(errCancelledByUser)
	}
	return len(runs) > 0
}

// errCancelledByUser is the cause of a reply stopped with /cancel.
var errCancelledByUser = errors.New("botkit: reply cancelled by the user")

// errTelegram marks a reply that failed on the Telegram side.
var errTelegram = errors.New("botkit: reply could not be delivered")

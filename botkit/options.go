package botkit

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/gemini"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

// Defaults of the facade's streamed replies: an answer complete within
// them goes out as a single sendMessage, without a typing action or a draft.
const (
	DefaultTypingDelay        = 300 * time.Millisecond
	DefaultFirstProgressDelay = 700 * time.Millisecond
)

// Options configures New and NewAssistant. The zero value gives the
// defaults, except that the bot needs Gemini keys (Keys, Router or Gemini)
// to answer anything but commands. Every part can be replaced by one of
// your own: the store, the key router, the Gemini client, the session
// manager, the model selector, the message catalogs, the handler of
// non-command messages, middleware, the Telegram server and the clock.
type Options struct {
	// Keys is the Gemini API key list in keyrouter.ParseKeys syntax
	// ("k1,k2" or "A:proj:k1,B:k2"). Ignored when Router or Gemini is set.
	Keys string
	// KeyTiers maps tiers to key groups for the router built from Keys.
	// Nil gives each tier the groups of its vipsession.Tier.KeyGroups
	// that have keys, then keys listed without a group; a tier left with
	// no group is served by every key.
	KeyTiers map[string][]string
	// Router replaces the key router built from Keys. The bot does not
	// close it.
	Router *keyrouter.Router
	// Gemini replaces the client built over Router. The bot does not close
	// it. Its routing must know the tier names of Sessions.
	Gemini *gemini.Client
	// GeminiURL is the Gemini API base URL; "" is Google's. Tests point it
	// at a geminitest.Server.
	GeminiURL string
	// GeminiHTTPClient carries Gemini calls; nil is the client's own.
	GeminiHTTPClient *http.Client

	// Store keeps everything; the bot does not close it. Nil keeps
	// everything in memory (store/memstore), lost at exit: pass
	// store/sqlitestore for the embedded, persistent default of the
	// reference bot, or a shared store for a fleet. botkit does not import
	// a database backend itself, so that a program links only the backend
	// it uses.
	Store store.Store
	// SharedStore says that Store is shared with other replicas of the bot
	// (a fleet behind a load balancer): each chat is then leased to one
	// replica at a time (DispatcherOptions.ChatLocks), so two replicas never
	// answer one chat at once and its order holds.
	SharedStore bool

	// Sessions replaces the session manager built from the fields below.
	Sessions *vipsession.Manager
	// Tiers are the tiers on offer; nil means vipsession.DefaultTiers().
	// Bot.SetTiers replaces them at run time.
	Tiers []vipsession.Tier
	// Owners and Admins are Telegram user IDs. Both may use the admin
	// commands; owners get the owner tier, admins the vip tier.
	Owners, Admins []int64
	// Location sets quota days and the times shown to people; nil is UTC.
	Location *time.Location

	// Personas are the system prompts people choose from with /persona;
	// the first is the default. Nil means one plain assistant persona.
	// Names must be unique and without spaces (ErrInvalidPersonas).
	// Bot.SetPersonas replaces them at run time.
	Personas []Persona
	// Selector picks the model when the user has not chosen one; nil
	// means RuleSelector.
	Selector Selector
	// MaxImageBytes bounds a photo sent to Gemini; zero means 10 MB (and
	// never more than MaxDownloadSize).
	MaxImageBytes int64
	// MaxOutputTokens caps answers; zero leaves the model's default.
	MaxOutputTokens int
	// Safety overrides Gemini's safety settings; nil keeps the API's.
	Safety []gemini.SafetySetting
	// ReplyTimeout bounds one AI reply; zero means 3 minutes.
	ReplyTimeout time.Duration
	// TellIdleReset sends a short note (MsgMemoryIdle) before an answer
	// whose memory expired after the tier's IdleExpiry. Zero is silent:
	// after a long pause people seldom continue where they left off. A
	// memory reset at the tier's round limit, or by an eviction from a full
	// tier, is always told.
	TellIdleReset bool

	// Triggers are words that address the bot in groups, besides mentions
	// and replies ("admin", "小爱同学"): at the start of a message, after a
	// greeting there, or at its end after a comma (see the package
	// documentation). Choose words people do not use for each other.
	Triggers []string
	// GroupMemory says whose memory a group message continues; zero is
	// MemoryPerUser.
	GroupMemory MemoryScope

	// Messages gives the texts people see; nil means DefaultCatalogs().
	Messages Localizer
	// Commands are commands of your own, answered before the built-in ones
	// of the same name.
	Commands []Command
	// Middleware wraps the bot's handler, the first outermost, inside
	// Recover and Logging.
	Middleware []Middleware
	// Handler answers non-command messages instead of the AI reply; nil
	// means the AI reply.
	Handler Handler

	// ServerURL is the Bot API server; "" is https://api.telegram.org.
	ServerURL string
	// HTTPClient makes ordinary Bot API calls; nil means a client with a
	// 30-second timeout. Long polling has a client of its own.
	HTTPClient *http.Client
	// BotUsername is the bot's username, for mentions in groups; "" asks
	// getMe once, at the first group message.
	BotUsername string
	// Sender is the template of the bot's Sender; its Users, Clock,
	// Logger and OnError are filled in when zero.
	Sender SenderOptions
	// Stream is the template of every streamed reply; ChatID, ThreadID,
	// ReplyTo and the notes are set per reply. A zero TypingDelay means
	// DefaultTypingDelay and a zero FirstProgressDelay means
	// DefaultFirstProgressDelay; negative values mean at once.
	Stream StreamOptions
	// Poller is the template of the long-polling options of Run; its
	// ServerURL, Offsets, Clock and Logger are filled in when zero.
	Poller PollerOptions
	// Dispatcher is the template of the dispatcher's options; its Dedup
	// and Logger are filled in when zero.
	Dispatcher DispatcherOptions
	// Webhook configures WebhookHandler.
	Webhook WebhookOptions
	// SkipCommandRegistration stops Run and SetWebhook from calling
	// setMyCommands (for the default scope, and the chat of each admin
	// and owner) when they start.
	SkipCommandRegistration bool

	// Clock is the time of everything: quotas, key cooldowns, pacing,
	// stream throttling. Nil means SystemClock.
	Clock Clock
	// Logger receives structured logs; nil means slog.Default().
	Logger *slog.Logger
	// Observer receives events for metrics; nil observes nothing.
	Observer Observer
}

// Persona is a system prompt people can choose with /persona.
type Persona struct {
	// Name identifies the persona in store settings and callbacks: short,
	// no spaces.
	Name string
	// Title is what people see in the chooser; "" shows Name.
	Title string
	// Prompt is the system instruction given to Gemini.
	Prompt string
}

// DefaultPersona is the persona used when Options.Personas is nil.
var DefaultPersona = Persona{
	Name:   "assistant",
	Title:  "Assistant",
	Prompt: "You are a helpful assistant in a Telegram chat. Answer concisely, in the language of the question. Use Markdown sparingly.",
}

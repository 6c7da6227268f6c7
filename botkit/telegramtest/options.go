package telegramtest

import (
	"time"
)

// DefaultToken is the bot token a Server accepts when Options.Token is empty.
const DefaultToken = "123456:TEST"

// DefaultBotUsername is the bot's username when Options.BotUsername is empty.
const DefaultBotUsername = "test_bot"

// Options configures a Server. The zero value gives the defaults documented on
// each field.
type Options struct {
	// Token is the only bot token the server accepts; calls with any other
	// token get 401 Unauthorized. Zero: DefaultToken. The part before the
	// colon must be the bot's numeric ID.
	Token string

	// BotUsername is the username getMe reports and mentions use, without
	// the "@". Zero: DefaultBotUsername.
	BotUsername string

	// Now is the clock for message dates, pacing, retry_after and 429
	// storms. Zero: time.Now. Long polls and slow answers wait in real time
	// because the client waits in real time.
	Now func() time.Time

	// Pacing is Telegram's flood control as the server enforces it.
	// Zero: Telegram's rules of thumb (see Pacing).
	Pacing Pacing

	// MaxLongPoll caps the timeout of a getUpdates call. Zero: 50 seconds.
	MaxLongPoll time.Duration

	// WebhookRetryDelay is how long the server waits before delivering an
	// update again after the webhook answered non-2xx or failed.
	// Zero: 50 milliseconds.
	WebhookRetryDelay time.Duration

	// Seed seeds the random source of probabilistic faults. Zero: 1.
	Seed int64

	// MaxCallLog caps the call log (Calls, WaitFor): past that many calls
	// the oldest are forgotten, so that long load runs keep a bounded
	// footprint. Seq keeps counting from the first call. Zero keeps every
	// call; a negative value keeps none.
	MaxCallLog int

	// MaxChatHistory caps the messages each chat remembers (Messages,
	// edits, replies, WaitReplies): each chat keeps at least its last
	// MaxChatHistory messages and forgets older ones, as if deleted, so
	// that long load runs keep a bounded footprint. Zero keeps every
	// message.
	MaxChatHistory int

	// OnCall, when set, is told of every call as it is logged, in log
	// order, whatever MaxCallLog keeps. It runs with the server's lock held:
	// it must return quickly and must not call the Server's methods.
	OnCall func(Call)
}

// Pacing sets the flood limits. The zero value gives Telegram's rules of
// thumb: about 1 message per second per chat with a burst of 3, 20 messages
// per minute per group, 30 messages per second overall. sendMessage,
// editMessageText, sendMessageDraft, sendPhoto and sendDocument count;
// sendChatAction and the other methods do not.
type Pacing struct {
	// Disabled turns flood control off: no call gets a pacing 429. Injected
	// 429 storms still apply.
	Disabled bool

	// PerChat is the sustained rate per chat in messages per second.
	// Zero: 1.
	PerChat float64

	// PerChatBurst is how many messages a chat may take at once before
	// PerChat applies. Zero: 3.
	PerChatBurst int

	// PerGroupPerMinute is the limit per group or supergroup, in messages
	// per minute, also the burst. Zero: 20.
	PerGroupPerMinute int

	// Global is the overall rate in messages per second, also the burst.
	// Zero: 30.
	Global float64
}

func (o Options) withDefaults() Options {
	if o.Token == "" {
		o.Token = DefaultToken
	}
	if o.BotUsername == "" {
		o.BotUsername = DefaultBotUsername
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxLongPoll <= 0 {
		o.MaxLongPoll = 50 * time.Second
	}
	if o.WebhookRetryDelay <= 0 {
		o.WebhookRetryDelay = 50 * time.Millisecond
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	p := &o.Pacing
	if p.PerChat <= 0 {
		p.PerChat = 1
	}
	if p.PerChatBurst <= 0 {
		p.PerChatBurst = 3
	}
	if p.PerGroupPerMinute <= 0 {
		p.PerGroupPerMinute = 20
	}
	if p.Global <= 0 {
		p.Global = 30
	}
	return o
}

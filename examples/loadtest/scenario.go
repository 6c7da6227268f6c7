package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"
)

// Scenario is one load run: the crowd, the fakes' behaviour, the store and
// the chaos. The zero value of each field is documented; withDefaults fills
// it in.
type Scenario struct {
	// Bot is the pipeline under load: "sdk" (botkit), "echo" (a bare
	// go-telegram/bot echo bot) or "both" (echo first as the floor, then
	// sdk, on fresh fakes, with the same workload). Zero: "both".
	Bot string

	// Chats is the number of private chats, one user each. Groups is the
	// number of groups; their messages mention the bot, from GroupUsers
	// members each. Zero Chats and Groups: 100 private chats.
	Chats, Groups, GroupUsers int
	// Messages is the number of user messages to send in all. Zero: 10 per
	// chat.
	Messages int
	// Duration stops sending after this long even if Messages were not all
	// sent. Zero: no limit.
	Duration time.Duration
	// Rate is the open-loop rate in messages per second across chats. Zero
	// runs a closed loop: every chat sends its next message as soon as the
	// previous one is answered, Think later.
	Rate float64
	// Think is the pause of a closed-loop chat between an answer and its
	// next message. Zero: none.
	Think time.Duration

	// Intake is how updates reach the SDK bot: "poll" or "webhook".
	// Zero: "poll".
	Intake string
	// Pacing turns the Telegram fake's flood control (and the SDK's
	// matching outbound pacing) on. Off, both run unpaced.
	Pacing bool
	// Workers is the SDK dispatcher's worker count and Queue the most
	// updates it holds accepted and not yet handled. Zero: the SDK
	// defaults.
	Workers, Queue int

	// GeminiLatency is waited before the first chunk of every answer,
	// Chunks the number of streamed chunks, ChunkDelay the wait before each
	// further chunk, AnswerBytes the length of an answer. Zero: no latency,
	// 1 chunk, 64 bytes.
	GeminiLatency, ChunkDelay time.Duration
	Chunks, AnswerBytes       int
	// Keys is the number of Gemini API keys, each with KeyRPM requests per
	// minute and KeyRPD per day as the SDK's router knows them. The fake
	// does not refuse past them, so that a call past a limit shows as a
	// quota overrun. Zero: 4 keys, no limits.
	Keys, KeyRPM, KeyRPD int

	// Store is the backend: "memory", "sqlite" or "fleet" (PostgreSQL and
	// Redis at PostgresURL and RedisURL). StoreLatency is added to every
	// store call. Zero: "memory", no latency.
	Store                 string
	PostgresURL, RedisURL string
	StoreLatency          time.Duration

	// Chaos switches. Gemini429Minute, Gemini429Day and Gemini5xx are the
	// shares of Gemini calls answered with a per-minute 429, a per-day 429
	// and a 500/503; DeadKeys keys answer 400 API_KEY_INVALID.
	// Telegram429Every injects a 429 storm lasting Telegram429For every so
	// often; Telegram5xx is the share of Telegram calls answered 502.
	// Gemini429Retry is the retryDelay of the per-minute 429s. Zero: 7 s.
	Gemini429Minute, Gemini429Day, Gemini5xx float64
	Gemini429Retry                           time.Duration
	DeadKeys                                 int
	Telegram429Every, Telegram429For         time.Duration
	Telegram5xx                              float64

	// Drain is how long to wait for answers after the last message while
	// none comes: the run ends once every message is settled or no answer
	// came for Drain. Zero: 30 seconds plus the Gemini latency.
	Drain time.Duration
	// Seed seeds the chaos. Zero: 1.
	Seed int64
	// MemProfile, when set, is the file a heap profile is written to once
	// the crowd has sent every message, when the most are in flight.
	MemProfile string `json:"-"`
	// LogLevel is the SDK's log level. Zero: info; the flag's default is
	// error, to keep the run's output to the report.
	LogLevel slog.Level
}

// bindFlags binds every field to a command-line flag.
func (s *Scenario) bindFlags(fs *flag.FlagSet) {
	fs.StringVar(&s.Bot, "bot", "both", "pipeline: sdk, echo, or both (echo floor then sdk)")
	fs.IntVar(&s.Chats, "chats", 0, "private chats (default 100 when -groups is 0)")
	fs.IntVar(&s.Groups, "groups", 0, "groups; their messages mention the bot")
	fs.IntVar(&s.GroupUsers, "group-users", 5, "members who write in each group")
	fs.IntVar(&s.Messages, "messages", 0, "user messages in all (default 10 per chat)")
	fs.DurationVar(&s.Duration, "duration", 0, "stop sending after this long (0: when -messages are sent)")
	fs.Float64Var(&s.Rate, "rate", 0, "open-loop messages per second (0: closed loop)")
	fs.DurationVar(&s.Think, "think", 0, "closed loop: pause between an answer and the chat's next message")
	fs.StringVar(&s.Intake, "intake", "poll", "SDK intake: poll or webhook")
	fs.BoolVar(&s.Pacing, "pacing", true, "Telegram flood limits in the fake and pacing in the SDK")
	fs.IntVar(&s.Workers, "workers", 0, "SDK dispatcher workers (0: SDK default)")
	fs.IntVar(&s.Queue, "queue", 0, "SDK dispatcher queue: updates accepted and not yet handled (0: SDK default)")
	fs.DurationVar(&s.GeminiLatency, "gemini-latency", 0, "wait before the first chunk of every Gemini answer")
	fs.IntVar(&s.Chunks, "chunks", 1, "streamed chunks per Gemini answer")
	fs.DurationVar(&s.ChunkDelay, "chunk-delay", 0, "wait before each further chunk")
	fs.IntVar(&s.AnswerBytes, "answer-bytes", 64, "length of a Gemini answer")
	fs.IntVar(&s.Keys, "keys", 4, "Gemini API keys")
	fs.IntVar(&s.KeyRPM, "key-rpm", 0, "requests per minute per key, as the SDK's router knows it (0: none)")
	fs.IntVar(&s.KeyRPD, "key-rpd", 0, "requests per day per key (0: none)")
	fs.StringVar(&s.Store, "store", "memory", "store backend: memory, sqlite or fleet")
	fs.StringVar(&s.PostgresURL, "postgres-url", "", "fleet store: PostgreSQL URL (default $SVSBOT_TEST_POSTGRES_URL)")
	fs.StringVar(&s.RedisURL, "redis-url", "", "fleet store: Redis URL (default $SVSBOT_TEST_REDIS_URL)")
	fs.DurationVar(&s.StoreLatency, "store-latency", 0, "latency added to every store call")
	fs.Float64Var(&s.Gemini429Minute, "gemini-429-minute", 0, "share of Gemini calls answered 429 PerMinute")
	fs.DurationVar(&s.Gemini429Retry, "gemini-429-retry", 7*time.Second, "retryDelay of the per-minute 429s")
	fs.Float64Var(&s.Gemini429Day, "gemini-429-day", 0, "share of Gemini calls answered 429 PerDay")
	fs.Float64Var(&s.Gemini5xx, "gemini-5xx", 0, "share of Gemini calls answered 500 or 503")
	fs.IntVar(&s.DeadKeys, "dead-keys", 0, "keys that answer 400 API_KEY_INVALID")
	fs.DurationVar(&s.Telegram429Every, "tg-429-every", 0, "inject a Telegram 429 storm this often (0: never)")
	fs.DurationVar(&s.Telegram429For, "tg-429-for", time.Second, "length of each Telegram 429 storm")
	fs.Float64Var(&s.Telegram5xx, "tg-5xx", 0, "share of Telegram calls answered 502")
	fs.DurationVar(&s.Drain, "drain", 0, "stop waiting for answers when none came for this long (0: 30s + Gemini latency)")
	fs.Int64Var(&s.Seed, "seed", 1, "seed of the chaos")
	s.LogLevel = slog.LevelError
	fs.TextVar(&s.LogLevel, "log-level", slog.LevelError, "SDK log level: debug, info, warn or error")
}

// withDefaults fills in the zero values and checks the rest.
func (s Scenario) withDefaults() (Scenario, error) {
	if s.Bot == "" {
		s.Bot = "both"
	}
	if s.Chats == 0 && s.Groups == 0 {
		s.Chats = 100
	}
	if s.Groups > 0 && s.GroupUsers <= 0 {
		s.GroupUsers = 5
	}
	if s.Messages == 0 {
		s.Messages = 10 * (s.Chats + s.Groups)
	}
	if s.Intake == "" {
		s.Intake = "poll"
	}
	if s.Chunks <= 0 {
		s.Chunks = 1
	}
	if s.AnswerBytes <= 0 {
		s.AnswerBytes = 64
	}
	if s.Keys <= 0 {
		s.Keys = 4
	}
	if s.Store == "" {
		s.Store = "memory"
	}
	if s.Drain <= 0 {
		s.Drain = 30*time.Second + s.GeminiLatency + time.Duration(s.Chunks)*s.ChunkDelay
	}
	if s.Gemini429Retry <= 0 {
		s.Gemini429Retry = 7 * time.Second
	}
	if s.Telegram429For <= 0 {
		s.Telegram429For = time.Second
	}
	if s.Seed == 0 {
		s.Seed = 1
	}
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(s.Bot == "sdk" || s.Bot == "echo" || s.Bot == "both", "-bot %q: want sdk, echo or both", s.Bot)
	check(s.Intake == "poll" || s.Intake == "webhook", "-intake %q: want poll or webhook", s.Intake)
	check(s.Store == "memory" || s.Store == "sqlite" || s.Store == "fleet", "-store %q: want memory, sqlite or fleet", s.Store)
	check(s.Chats >= 0 && s.Groups >= 0, "-chats and -groups must not be negative")
	check(s.Messages > 0, "-messages must be positive")
	check(s.Rate >= 0, "-rate must not be negative")
	check(s.DeadKeys < s.Keys, "-dead-keys %d leaves no live key of %d", s.DeadKeys, s.Keys)
	for _, p := range []float64{s.Gemini429Minute, s.Gemini429Day, s.Gemini5xx, s.Telegram5xx} {
		check(p >= 0 && p < 1, "chaos shares must be in [0, 1), got %v", p)
	}
	check(s.Gemini429Minute+s.Gemini429Day+s.Gemini5xx < 1, "Gemini chaos shares add up to 1 or more")
	return s, errors.Join(errs...)
}

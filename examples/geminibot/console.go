package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
	"golang.org/x/time/rate"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
)

// consoleUserID is the user the console plays: an owner, so that the
// admin commands work.
const consoleUserID int64 = 1_000_001

// consoleKey is the API key of the fake Gemini server.
const consoleKey = "console-fake-key"

// consoleChunkDelay paces the fake Gemini in the console so that replies
// visibly stream.
const consoleChunkDelay = 120 * time.Millisecond

// consoleOptions configure runConsole.
type consoleOptions struct {
	In  io.Reader
	Out io.Writer
	// Log receives the bot's logs; nil discards them (they would mix with
	// the chat).
	Log *slog.Logger
	// ChunkDelay paces the fake Gemini's streamed chunks, so that the
	// streaming shows; 0 sends them at once.
	ChunkDelay time.Duration
	// Poll is how often the console looks at the chat while the bot
	// answers; 0 = 40ms.
	Poll time.Duration
	// DraftInterval is the least time between two drafts of a streamed
	// reply; 0 = 200ms (Telegram's own pace is not at stake offline).
	DraftInterval time.Duration

	onDraft func() // called for each piece of a draft printed (tests)
}

// runConsole runs the bot of cfg against an in-process Telegram
// (telegramtest) and, without keys in cfg, an in-process Gemini
// (geminitest), and chats with it on the terminal: every line read from In
// is a message or command of the console user, and the bot's answer is
// written to Out as it streams.
func runConsole(ctx context.Context, cfg *config, opts consoleOptions) error {
	if opts.Poll <= 0 {
		opts.Poll = 40 * time.Millisecond
	}
	if opts.DraftInterval <= 0 {
		opts.DraftInterval = 200 * time.Millisecond
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	out := opts.Out

	tg := telegramtest.New(telegramtest.Options{
		BotUsername: "svsbot_console_bot",
		// The console user types faster than Telegram's flood control
		// would like only in scripts; the pacing is tested elsewhere.
		Pacing: telegramtest.Pacing{Disabled: true},
	})
	defer tg.Close()

	real := len(cfg.Keys) > 0
	c := *cfg
	c.Token = secret(tg.Token())
	c.TelegramAPIURL = tg.URL()
	c.WebhookURL, c.ListenAddr = "", ""
	c.Owners = append(append([]int64(nil), cfg.Owners...), consoleUserID)
	if _, set := cfg.from[envStoreURL]; !set {
		c.Store = storeConfig{Kind: storeMemory}
	}
	if !real {
		gm := geminitest.New(geminitest.Options{Answer: consoleAnswer, Chunks: 8, ChunkDelay: opts.ChunkDelay})
		defer gm.Close()
		gm.AddKey("console", consoleKey, "console")
		c.KeyList = secret(consoleKey)
		c.Keys = []keyrouter.Key{{Secret: consoleKey, ID: keyrouter.Fingerprint(consoleKey)}}
		c.GeminiAPIURL = gm.URL
	}

	handled := make(chan *models.Update, 1)
	app, err := newApp(ctx, &c, appOptions{
		Logger: opts.Log,
		// In the terminal the growing draft is the show: start it at once.
		Stream: botkit.StreamOptions{DraftInterval: opts.DraftInterval, TypingDelay: -1, FirstProgressDelay: -1},
		// Offline, nobody's flood control is at stake: no pacing.
		Sender: botkit.SenderOptions{PerChat: rate.Inf, Global: rate.Inf},
		Middleware: []botkit.Middleware{func(next botkit.Handler) botkit.Handler {
			return func(ctx context.Context, upd *models.Update) error {
				err := next(ctx, upd)
				select {
				case handled <- upd:
				case <-ctx.Done():
				}
				return err
			}
		}},
	})
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	runErr := make(chan error, 1)
	go func() { runErr <- app.run(runCtx, nil) }()

	gem := "a fake Gemini that echoes (set GEMINI_API_KEYS for the real one)"
	if real {
		gem = "the real Gemini API with your keys"
	}
	fmt.Fprintf(out, "svsbot console: you are user %d, an owner, chatting with the bot offline.\n", consoleUserID)
	fmt.Fprintf(out, "Answers come from %s.\n", gem)
	fmt.Fprintln(out, "Type a message or a command (/help). :photo CAPTION sends a picture, :press N presses a button, :quit (or Ctrl-D) ends.")

	con := &consoleChat{tg: tg, out: out, poll: opts.Poll, handled: handled, onDraft: opts.onDraft}
	in := bufio.NewScanner(opts.In)
	in.Buffer(make([]byte, 64<<10), 1<<20)
	for {
		fmt.Fprint(out, "\n> ")
		if !in.Scan() {
			fmt.Fprintln(out)
			break
		}
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		if quit, err := con.do(ctx, line); err != nil {
			fmt.Fprintln(out, "console:", err)
		} else if quit {
			break
		}
	}

	stop() // app.run drains the bot and closes the store
	err = <-runErr
	return errors.Join(err, in.Err())
}

// consoleChat is the console user's private chat with the bot.
type consoleChat struct {
	tg      *telegramtest.Server
	out     io.Writer
	poll    time.Duration
	handled <-chan *models.Update
	// keyboard is the last inline keyboard the bot showed.
	keyboard *models.Message
	onDraft  func()
}

// do runs one line; it reports whether the console should end.
func (c *consoleChat) do(ctx context.Context, line string) (quit bool, err error) {
	before := c.tg.Messages(consoleUserID)
	var sent models.Message
	var callback string
	switch word, arg, _ := strings.Cut(line, " "); word {
	case ":quit", ":q", "/quit", "/exit":
		return true, nil
	case ":photo":
		sent, err = c.tg.SendPhoto(consoleUserID, strings.TrimSpace(arg))
	case ":press":
		callback, err = c.press(strings.TrimSpace(arg))
	default:
		if strings.HasPrefix(line, ":") {
			return false, fmt.Errorf("unknown console command %s (:photo, :press, :quit)", word)
		}
		if strings.HasPrefix(line, "/") {
			sent, err = c.tg.SendCommand(consoleUserID, line)
		} else {
			sent, err = c.tg.SendText(consoleUserID, line)
		}
	}
	if err != nil {
		return false, err
	}
	return false, c.follow(ctx, before, func(u *models.Update) bool {
		if callback != "" {
			return u.CallbackQuery != nil && u.CallbackQuery.ID == callback
		}
		return u.Message != nil && u.Message.ID == sent.ID
	})
}

// press presses button n (from 1) of the last inline keyboard.
func (c *consoleChat) press(arg string) (string, error) {
	if c.keyboard == nil || c.keyboard.ReplyMarkup == nil {
		return "", errors.New("no buttons to press")
	}
	n, err := strconv.Atoi(arg)
	buttons := flatButtons(c.keyboard.ReplyMarkup)
	if err != nil || n < 1 || n > len(buttons) {
		return "", fmt.Errorf("press a button from 1 to %d", len(buttons))
	}
	return c.tg.SendCallback(consoleUserID, c.keyboard.ID, buttons[n-1].CallbackData)
}

func flatButtons(kb *models.InlineKeyboardMarkup) []models.InlineKeyboardButton {
	var all []models.InlineKeyboardButton
	for _, row := range kb.InlineKeyboard {
		all = append(all, row...)
	}
	return all
}

// follow prints the bot's answer as it appears, until the update that
// done recognises has been handled: the draft as it grows, then each new
// message, and the new text of messages the bot edited.
func (c *consoleChat) follow(ctx context.Context, before []models.Message, done func(*models.Update) bool) error {
	known := make(map[int]string, len(before))
	for _, m := range before {
		known[m.ID] = visible(m)
	}
	var streamed string // the draft text already printed
	tick := time.NewTicker(c.poll)
	defer tick.Stop()
	for finished := false; ; {
		select {
		case u := <-c.handled:
			finished = done(u)
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
		streamed = c.showDraft(streamed)
		streamed = c.showMessages(known, streamed)
		if finished {
			if streamed != "" {
				// The answer ended without a message (it failed): close
				// the line.
				fmt.Fprintln(c.out)
			}
			return nil
		}
	}
}

// showDraft prints the lines the draft gained since the last look. Only
// whole lines are printed: the end of a growing line may still change as
// its Markdown closes.
func (c *consoleChat) showDraft(streamed string) string {
	for _, d := range c.tg.Drafts(consoleUserID) {
		d = d[:strings.LastIndexByte(d, '\n')+1]
		switch {
		case len(d) <= len(streamed):
			continue
		case streamed == "":
			fmt.Fprint(c.out, "bot: ", d)
		case strings.HasPrefix(d, streamed):
			fmt.Fprint(c.out, d[len(streamed):])
		default:
			continue // rendering changed the lines already shown; the message will settle it
		}
		if c.onDraft != nil {
			c.onDraft()
		}
		return d
	}
	return streamed
}

// showMessages prints new and edited bot messages. A message that
// continues the streamed draft prints only what was not shown yet.
func (c *consoleChat) showMessages(known map[int]string, streamed string) string {
	for _, m := range c.tg.Messages(consoleUserID) {
		if m.From == nil || !m.From.IsBot {
			known[m.ID] = visible(m)
			continue
		}
		text := visible(m)
		old, seen := known[m.ID]
		if seen && old == text {
			continue
		}
		known[m.ID] = text
		switch {
		case seen:
			fmt.Fprintln(c.out, "bot (edited):", text)
		case streamed != "":
			// Resume after the last whole line the final text shares with
			// what was shown.
			fmt.Fprintln(c.out, text[commonLines(streamed, text):])
		default:
			fmt.Fprintln(c.out, "bot:", text)
		}
		streamed = ""
		if m.ReplyMarkup != nil && len(m.ReplyMarkup.InlineKeyboard) > 0 {
			c.keyboard = &m
			var labels []string
			for i, b := range flatButtons(m.ReplyMarkup) {
				labels = append(labels, fmt.Sprintf("[%d] %s", i+1, b.Text))
			}
			fmt.Fprintln(c.out, "     buttons:", strings.Join(labels, "  "), "(:press N)")
		}
	}
	return streamed
}

// commonLines is the length of the whole lines that a and b begin with.
func commonLines(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	if n == len(a) && strings.HasSuffix(a, "\n") {
		return n
	}
	return strings.LastIndexByte(a[:n], '\n') + 1
}

// visible is a message's text as the user sees it.
func visible(m models.Message) string {
	if m.Text != "" {
		return m.Text
	}
	return m.Caption
}

// consoleAnswer is the fake Gemini's answer in the console: an echo with
// a little Markdown, saying what the bot sent it, so that memory, /reset,
// personas and images can be seen at work.
func consoleAnswer(c *geminitest.Call) string {
	var b strings.Builder
	fmt.Fprintf(&b, "You said: **%s**\n\n", strings.ReplaceAll(c.LastUserText(), "*", ""))
	if n := len(c.Images()); n > 0 {
		fmt.Fprintf(&b, "I got %d image(s) with it.\n\n", n)
	}
	rounds := (len(c.Contents) - 1) / 2
	fmt.Fprintf(&b, "I am the console's stand-in for Gemini, so I only echo. ")
	switch rounds {
	case 0:
		b.WriteString("This is the start of our conversation.")
	case 1:
		b.WriteString("I remember *1 earlier round* of this conversation; /reset makes me forget it.")
	default:
		fmt.Fprintf(&b, "I remember *%d earlier rounds* of this conversation; /reset makes me forget them.", rounds)
	}
	fmt.Fprintf(&b, "\n\n- model: `%s`\n", c.Model)
	if first, _, _ := strings.Cut(c.System, "."); first != "" {
		if len(first) > 60 {
			first = first[:60] + "..."
		}
		fmt.Fprintf(&b, "- persona: %s\n", first)
	}
	b.WriteString("- set `GEMINI_API_KEYS` to talk to the real model")
	return b.String()
}

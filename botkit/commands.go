package botkit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/tgmd"
	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

// Command is a command of your own, given in Options.Commands.
type Command struct {
	// Name is the command without "/", e.g. "weather"; matched without
	// regard to case.
	Name string
	// Description shows in Telegram's command menu; "" keeps the command
	// out of the menu.
	Description string
	// Admin restricts the command to admins and owners: anyone else gets
	// "unknown command" and does not see it in the menu.
	Admin bool
	// Handler answers the command.
	Handler func(ctx context.Context, m *Message) error
}

// Message is a command being handled: the Telegram message, the command's
// name and arguments, and replies in the user's language.
type Message struct {
	*models.Message
	// Command is the command's name, lower case, without "/" or "@bot".
	Command string
	// Args is the text after the command, trimmed.
	Args string
	// Lang is the user's language code.
	Lang string
	a    *Assistant
}

// Reply sends text as plain text, replying to the message in its thread.
func (m *Message) Reply(ctx context.Context, text string) error {
	for _, part := range tgmd.SplitPlain(text, tgmd.MaxMessageLen) {
		if err := m.a.say(ctx, m.Message, part); err != nil {
			return err
		}
	}
	return nil
}

// ReplyMarkdown sends md rendered from Markdown to Telegram HTML, split as
// needed, replying to the message in its thread.
func (m *Message) ReplyMarkdown(ctx context.Context, md string) error {
	for _, part := range tgmd.RenderParts(md, tgmd.MaxMessageLen) {
		p := &bot.SendMessageParams{
			ChatID: m.Chat.ID, Text: part, ParseMode: models.ParseModeHTML,
			ReplyParameters: &models.ReplyParameters{MessageID: m.ID, AllowSendingWithoutReply: true},
		}
		if m.IsTopicMessage {
			p.MessageThreadID = m.MessageThreadID
		}
		if _, err := m.a.sender.SendMessage(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// Text returns the text id in the user's language.
func (m *Message) Text(id MessageID, args ...any) string { return m.a.text(m.Lang, id, args...) }

// Assistant returns the Assistant handling the command, for its sessions,
// store and sender.
func (m *Message) Assistant() *Assistant { return m.a }

// parseCommand splits "/name@target args".
func parseCommand(msg *models.Message) (name, target, args string, ok bool) {
	if !isCommand(msg) {
		return "", "", "", false
	}
	text := msg.Text
	head, rest, _ := strings.Cut(text[1:], " ")
	if i := strings.IndexAny(head, "\n"); i >= 0 {
		rest = head[i+1:] + " " + rest
		head = head[:i]
	}
	name, target, _ = strings.Cut(head, "@")
	return strings.ToLower(name), target, strings.TrimSpace(rest), true
}

// isCommand reports whether msg's text starts with a command.
func isCommand(msg *models.Message) bool {
	t := msg.Text
	if len(t) < 2 || t[0] != '/' {
		return false
	}
	r := rune(t[1])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// HandleUpdate is the whole bot's handler: commands (yours first, then the
// built-in ones), the inline keyboards of /model and /persona, and the AI
// reply (or Options.Handler) for other messages. Users are recorded in the
// store for /broadcast.
func (a *Assistant) HandleUpdate(ctx context.Context, upd *models.Update) error {
	a.obs.UpdateReceived(updateKind(upd))
	if cq := upd.CallbackQuery; cq != nil {
		return a.callback(ctx, cq)
	}
	msg := upd.Message
	if msg == nil {
		return nil
	}
	if u := msg.From; u != nil && !u.IsBot {
		_, err := a.st.TouchUser(ctx, store.User{ID: u.ID, Username: u.Username, FirstName: u.FirstName,
			LastName: u.LastName, LanguageCode: u.LanguageCode, LastSeen: a.clock.Now()})
		if err != nil {
			a.log.Warn("botkit: user not recorded", "user_id", u.ID, "err", err)
		}
	}
	if name, target, args, ok := parseCommand(msg); ok {
		if target != "" && !strings.EqualFold(target, a.addressing(ctx).username) {
			return nil // for another bot
		}
		return a.command(ctx, &Message{Message: msg, Command: name, Args: args, Lang: lang(msg.From), a: a}, target != "")
	}
	if a.opts.Handler != nil {
		return a.opts.Handler(ctx, upd)
	}
	return a.Reply(ctx, upd)
}

func updateKind(upd *models.Update) string {
	switch {
	case upd.CallbackQuery != nil:
		return "callback_query"
	case upd.Message != nil && isCommand(upd.Message):
		return "command"
	case upd.Message != nil:
		return "message"
	case upd.EditedMessage != nil:
		return "edited_message"
	}
	return "other"
}

// IsStaff reports whether userID is a configured admin or owner.
func (a *Assistant) IsStaff(userID int64) bool { return a.staff[userID] }

// command runs a command; addressed is true when it named this bot.
func (a *Assistant) command(ctx context.Context, m *Message, addressed bool) error {
	if m.From == nil {
		return nil
	}
	staff := a.staff[m.From.ID]
	if c, ok := a.commands[m.Command]; ok && (!c.Admin || staff) {
		return c.Handler(ctx, m)
	}
	if h, ok := userCommands[m.Command]; ok {
		return h(a, ctx, m)
	}
	if h, ok := adminCommands[m.Command]; ok && staff {
		return h(a, ctx, m)
	}
	if isPrivate(&m.Chat) || addressed {
		return m.Reply(ctx, m.Text(MsgUnknownCommand))
	}
	return nil
}

type commandFunc func(a *Assistant, ctx context.Context, m *Message) error

var userCommands = map[string]commandFunc{
	"start":   (*Assistant).cmdStart,
	"help":    (*Assistant).cmdHelp,
	"reset":   (*Assistant).cmdReset,
	"vip":     (*Assistant).cmdVIP,
	"usage":   (*Assistant).cmdUsage,
	"model":   (*Assistant).cmdModel,
	"persona": (*Assistant).cmdPersona,
	"cancel":  (*Assistant).cmdCancel,
}

func (a *Assistant) cmdStart(ctx context.Context, m *Message) error {
	if _, err := a.sessions.Status(ctx, identity(m.Message)); err != nil {
		a.log.Warn("botkit: status failed", "user_id", m.From.ID, "err", err)
	}
	return m.Reply(ctx, m.Text(MsgWelcome, m.From.FirstName))
}

func (a *Assistant) cmdHelp(ctx context.Context, m *Message) error {
	text := m.Text(MsgHelp)
	if a.staff[m.From.ID] {
		text += "\n\n" + m.Text(MsgAdminHelp)
	}
	return m.Reply(ctx, text)
}

func (a *Assistant) cmdReset(ctx context.Context, m *Message) error {
	id := identity(m.Message)
	if err := a.sessions.Reset(ctx, id); err != nil {
		return a.internal(ctx, m, err)
	}
	if !id.Private {
		if key := sharedConversationKey(a.opts.GroupMemory, id.ChatID, id.ThreadID); key != "" {
			if err := a.st.ClearConversation(ctx, key); err != nil {
				return a.internal(ctx, m, err)
			}
		}
	}
	return m.Reply(ctx, m.Text(MsgReset))
}

// internal logs err and tells the user something went wrong.
func (a *Assistant) internal(ctx context.Context, m *Message, err error) error {
	a.log.Error("botkit: command failed", "command", m.Command, "chat_id", m.Chat.ID, "user_id", m.From.ID, "err", err)
	return m.Reply(ctx, m.Text(MsgInternal))
}

func (a *Assistant) limit(lg string, n int64) string {
	if n == vipsession.Unlimited {
		return a.text(lg, MsgUnlimited)
	}
	return fmt.Sprint(n)
}

func (a *Assistant) cmdVIP(ctx context.Context, m *Message) error {
	st, err := a.sessions.Status(ctx, identity(m.Message))
	if err != nil {
		return a.internal(ctx, m, err)
	}
	lg, t := m.Lang, st.Tier
	since := m.Text(MsgSinceDefault)
	if st.Grant != nil {
		exp := m.Text(MsgForever)
		if !st.Grant.Expires.IsZero() {
			exp = a.formatTime(st.Grant.Expires)
		}
		since = m.Text(MsgSinceGrant, exp)
	}
	yes := m.Text(MsgNo)
	if t.Images {
		yes = m.Text(MsgYes)
	}
	benefits := m.Text(MsgBenefits, a.limit(lg, t.RequestsPerDay), a.limit(lg, t.RequestsPerMonth),
		a.limit(lg, t.TokensPerDay), t.MemoryRounds, strings.Join(t.Models, ", "), yes)
	return m.Reply(ctx, m.Text(MsgVIP, t.Name, since, benefits))
}

func (a *Assistant) cmdUsage(ctx context.Context, m *Message) error {
	st, err := a.sessions.Status(ctx, identity(m.Message))
	if err != nil {
		return a.internal(ctx, m, err)
	}
	lg, d, mo := m.Lang, st.Day, st.Month
	return m.Reply(ctx, m.Text(MsgUsage,
		d.Requests.Used, a.limit(lg, d.Requests.Limit), a.limit(lg, d.Requests.Remaining),
		d.Tokens.Used, a.limit(lg, d.Tokens.Limit), a.formatTime(d.Resets),
		mo.Requests.Used, a.limit(lg, mo.Requests.Limit), a.limit(lg, mo.Requests.Remaining),
		mo.Tokens.Used, a.limit(lg, mo.Tokens.Limit), a.formatTime(mo.Resets)))
}

func (a *Assistant) cmdCancel(ctx context.Context, m *Message) error {
	if a.Cancel(m.From.ID) {
		return m.Reply(ctx, m.Text(MsgCancelled))
	}
	return m.Reply(ctx, m.Text(MsgNothingToCancel))
}

// ExpressCancel handles /cancel before the chat's queue when the user has
// a reply running, so that it can stop that reply (which holds the chat's
// turn). Use it as DispatcherOptions.Express; New does.
func (a *Assistant) ExpressCancel(upd *models.Update) bool {
	msg := upd.Message
	if msg == nil || msg.From == nil {
		return false
	}
	name, target, _, ok := parseCommand(msg)
	if !ok || name != "cancel" {
		return false
	}
	if target != "" {
		a.umu.Lock()
		me := a.username
		a.umu.Unlock()
		if !strings.EqualFold(target, me) {
			return false
		}
	}
	return a.Cancel(msg.From.ID)
}

// Settings kept per user in the store's KV.
const (
	modelKeyPrefix   = "botkit:model:"
	personaKeyPrefix = "botkit:persona:"
)

func (a *Assistant) userSetting(ctx context.Context, prefix string, userID int64) string {
	v, err := a.st.GetValue(ctx, fmt.Sprint(prefix, userID), a.clock.Now())
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			a.log.Warn("botkit: setting not read", "user_id", userID, "err", err)
		}
		return ""
	}
	return string(v)
}

func (a *Assistant) userModel(ctx context.Context, userID int64) string {
	return a.userSetting(ctx, modelKeyPrefix, userID)
}

// persona returns the user's persona, or the default one.
func (a *Assistant) persona(ctx context.Context, userID int64, allowed bool) Persona {
	if allowed {
		name := a.userSetting(ctx, personaKeyPrefix, userID)
		for _, p := range a.personaList() {
			if p.Name == name {
				return p
			}
		}
	}
	return a.personaList()[0]
}

func (p Persona) title() string {
	if p.Title != "" {
		return p.Title
	}
	return p.Name
}

func (a *Assistant) cmdModel(ctx context.Context, m *Message) error {
	st, err := a.sessions.Status(ctx, identity(m.Message))
	if err != nil {
		return a.internal(ctx, m, err)
	}
	cur := a.userModel(ctx, m.From.ID)
	if cur == "" {
		cur = m.Text(MsgModelAuto)
	}
	rows := [][]models.InlineKeyboardButton{{{Text: m.Text(MsgModelAuto), CallbackData: "m:"}}}
	for _, name := range st.Tier.Models {
		rows = append(rows, []models.InlineKeyboardButton{{Text: name, CallbackData: "m:" + name}})
	}
	_, err = a.sendText(ctx, m.Message, m.Text(MsgModelChoose, cur), &models.InlineKeyboardMarkup{InlineKeyboard: rows})
	return err
}

func (a *Assistant) cmdPersona(ctx context.Context, m *Message) error {
	st, err := a.sessions.Status(ctx, identity(m.Message))
	if err != nil {
		return a.internal(ctx, m, err)
	}
	if !st.Tier.Personas {
		return m.Reply(ctx, m.Text(MsgPersonaDenied))
	}
	cur := a.persona(ctx, m.From.ID, true)
	var rows [][]models.InlineKeyboardButton
	for _, p := range a.personaList() {
		rows = append(rows, []models.InlineKeyboardButton{{Text: p.title(), CallbackData: "p:" + p.Name}})
	}
	_, err = a.sendText(ctx, m.Message, m.Text(MsgPersonaChoose, cur.title()), &models.InlineKeyboardMarkup{InlineKeyboard: rows})
	return err
}

// callback handles the buttons of /model and /persona.
func (a *Assistant) callback(ctx context.Context, cq *models.CallbackQuery) error {
	lg := cq.From.LanguageCode
	kind, value, _ := strings.Cut(cq.Data, ":")
	answer := ""
	id := vipsession.Identity{UserID: cq.From.ID, ChatID: cq.From.ID, Private: true, LanguageCode: lg}
	if msg := cq.Message.Message; msg != nil {
		id.ChatID, id.Private = msg.Chat.ID, isPrivate(&msg.Chat)
	}
	st, err := a.sessions.Status(ctx, id)
	if err != nil {
		a.log.Error("botkit: status failed", "user_id", cq.From.ID, "err", err)
		answer = a.text(lg, MsgInternal)
	} else {
		answer = a.applyChoice(ctx, cq.From.ID, lg, kind, value, st)
	}
	err = a.sender.Do(ctx, "answerCallbackQuery", 0, Unpaced, func(ctx context.Context, _ int64) error {
		_, err := a.sender.Bot().AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID, Text: answer})
		return err
	})
	if err != nil {
		return err
	}
	if msg := cq.Message.Message; msg != nil && answer != "" {
		_, err = a.sender.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: msg.Chat.ID, MessageID: msg.ID, Text: answer})
	}
	return err
}

// applyChoice stores a /model or /persona choice and says what it is now.
func (a *Assistant) applyChoice(ctx context.Context, userID int64, lg, kind, value string, st vipsession.Status) string {
	now := a.clock.Now()
	switch kind {
	case "m":
		key := fmt.Sprint(modelKeyPrefix, userID)
		if value == "" {
			if err := a.st.DeleteValue(ctx, key); err != nil {
				return a.text(lg, MsgInternal)
			}
			return a.text(lg, MsgModelSet, a.text(lg, MsgModelAuto))
		}
		allowed := false
		for _, m := range st.Tier.Models {
			allowed = allowed || m == value
		}
		if !allowed {
			return a.text(lg, MsgModelChoose, a.text(lg, MsgModelAuto))
		}
		if err := a.st.SetValue(ctx, key, []byte(value), 0, now); err != nil {
			return a.text(lg, MsgInternal)
		}
		return a.text(lg, MsgModelSet, value)
	case "p":
		if !st.Tier.Personas {
			return a.text(lg, MsgPersonaDenied)
		}
		for _, p := range a.personaList() {
			if p.Name == value {
				if err := a.st.SetValue(ctx, fmt.Sprint(personaKeyPrefix, userID), []byte(value), 0, now); err != nil {
					return a.text(lg, MsgInternal)
				}
				return a.text(lg, MsgPersonaSet, p.title())
			}
		}
	}
	return ""
}

// RegisterCommands sets the command menus with setMyCommands: the user
// commands (and yours with a description) for everyone, in English and
// Chinese, and the admin commands as well in the private chat of each admin
// and owner.
func (a *Assistant) RegisterCommands(ctx context.Context) error {
	userIDs := []struct {
		name string
		id   MessageID
	}{{"start", MsgCommandStart}, {"help", MsgCommandHelp}, {"reset", MsgCommandReset}, {"vip", MsgCommandVIP},
		{"usage", MsgCommandUsage}, {"model", MsgCommandModel}, {"persona", MsgCommandPersona}, {"cancel", MsgCommandCancel}}
	adminIDs := []struct {
		name string
		id   MessageID
	}{{"grant", MsgCommandGrant}, {"revoke", MsgCommandRevoke}, {"keys", MsgCommandKeys}, {"stats", MsgCommandStats}, {"broadcast", MsgCommandBroadcast}}
	for _, lg := range []string{"", "zh"} {
		var public, staff []models.BotCommand
		for _, c := range userIDs {
			public = append(public, models.BotCommand{Command: c.name, Description: a.text(lg, c.id)})
		}
		staff = append(staff, public...)
		for _, c := range adminIDs {
			staff = append(staff, models.BotCommand{Command: c.name, Description: a.text(lg, c.id)})
		}
		for _, c := range a.opts.Commands {
			if c.Description == "" {
				continue
			}
			bc := models.BotCommand{Command: strings.ToLower(strings.TrimPrefix(c.Name, "/")), Description: c.Description}
			if !c.Admin {
				public = append(public, bc)
			}
			staff = append(staff, bc)
		}
		if err := a.setCommands(ctx, public, &models.BotCommandScopeDefault{}, lg); err != nil {
			return err
		}
		for id := range a.staff {
			// An admin who never opened the bot has no chat yet: skip.
			if err := a.setCommands(ctx, staff, &models.BotCommandScopeChat{ChatID: id}, lg); err != nil {
				a.log.Warn("botkit: admin command menu not set", "user_id", id, "err", err)
			}
		}
	}
	return nil
}

func (a *Assistant) setCommands(ctx context.Context, cmds []models.BotCommand, scope models.BotCommandScope, lg string) error {
	return a.sender.Do(ctx, "setMyCommands", 0, Unpaced, func(ctx context.Context, _ int64) error {
		_, err := a.sender.Bot().SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: cmds, Scope: scope, LanguageCode: lg})
		return err
	})
}

package telegramtest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

const user = int64(42)

// chatWithUser starts a server where user 42 has written to the bot.
func chatWithUser(t *testing.T, opts telegramtest.Options) (*telegramtest.Server, *bot.Bot) {
	t.Helper()
	if opts.Pacing == (telegramtest.Pacing{}) {
		opts.Pacing.Disabled = true
	}
	srv := newServer(t, opts)
	_, err := srv.SendText(user, "/start")
	require.NoError(t, err)
	return srv, newBot(t, srv)
}

func TestGetMeAndToken(t *testing.T) {
	srv := newServer(t, telegramtest.Options{BotUsername: "svs_bot"})
	b, err := bot.New(srv.Token(), bot.WithServerURL(srv.URL()))
	require.NoError(t, err, "bot.New calls getMe")
	me, err := b.GetMe(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "svs_bot", me.Username)
	assert.True(t, me.IsBot)
	assert.Equal(t, int64(123456), me.ID)

	_, err = bot.New("123456:WRONG", bot.WithServerURL(srv.URL()))
	require.ErrorIs(t, err, bot.ErrorUnauthorized)
	assert.NotContains(t, err.Error(), "WRONG")
}

func TestSendMessageValidation(t *testing.T) {
	emoji := "😀" // two UTF-16 units
	tests := []struct {
		name   string
		params bot.SendMessageParams
		want   string // "" when the call succeeds
	}{
		{"plain", bot.SendMessageParams{Text: "hi"}, ""},
		{"empty", bot.SendMessageParams{Text: ""}, "Bad Request: message text is empty"},
		{"blank", bot.SendMessageParams{Text: " \n "}, "Bad Request: message text is empty"},
		{"4096 units", bot.SendMessageParams{Text: strings.Repeat(emoji, 2048)}, ""},
		{"4097 units", bot.SendMessageParams{Text: strings.Repeat(emoji, 2048) + "a"}, "Bad Request: message is too long"},
		{"html counts visible text", bot.SendMessageParams{Text: "<b>" + strings.Repeat("a", 4096) + "</b>", ParseMode: models.ParseModeHTML}, ""},
		{"html entity is one unit", bot.SendMessageParams{Text: strings.Repeat("&lt;", 4096), ParseMode: models.ParseModeHTML}, ""},
		{"html too long", bot.SendMessageParams{Text: "<i>" + strings.Repeat("a", 4097) + "</i>", ParseMode: models.ParseModeHTML}, "Bad Request: message is too long"},
		{"html empty", bot.SendMessageParams{Text: "<b> </b>", ParseMode: models.ParseModeHTML}, "Bad Request: message text is empty"},
		{"html unknown tag", bot.SendMessageParams{Text: "<div>x</div>", ParseMode: models.ParseModeHTML}, "Bad Request: can't parse entities: "},
		{"html unclosed", bot.SendMessageParams{Text: "<b>x", ParseMode: models.ParseModeHTML}, "Bad Request: can't parse entities: "},
		{"html misnested", bot.SendMessageParams{Text: "<b><i>x</b></i>", ParseMode: models.ParseModeHTML}, "Bad Request: can't parse entities: "},
		{"html not parsed without parse mode", bot.SendMessageParams{Text: "<div>"}, ""},
		{"bad parse mode", bot.SendMessageParams{Text: "x", ParseMode: "BBCode"}, "Bad Request: unsupported parse_mode"},
		{"unknown chat", bot.SendMessageParams{ChatID: int64(777), Text: "x"}, "Bad Request: chat not found"},
		{"unknown username", bot.SendMessageParams{ChatID: "@nobody", Text: "x"}, "Bad Request: chat not found"},
		{"reply to missing", bot.SendMessageParams{Text: "x", ReplyParameters: &models.ReplyParameters{MessageID: 999}}, "Bad Request: message to be replied not found"},
		{"reply to missing allowed", bot.SendMessageParams{Text: "x", ReplyParameters: &models.ReplyParameters{MessageID: 999, AllowSendingWithoutReply: true}}, ""},
		{"bad callback data", bot.SendMessageParams{Text: "x", ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "b", CallbackData: strings.Repeat("d", 65)}}}}}, "Bad Request: BUTTON_DATA_INVALID"},
	}
	srv, b := chatWithUser(t, telegramtest.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.params
			if p.ChatID == nil {
				p.ChatID = user
			}
			msg, err := b.SendMessage(testCtx(t), &p)
			if tt.want == "" {
				require.NoError(t, err)
				assert.NotZero(t, msg.ID)
				assert.Equal(t, user, msg.Chat.ID)
				return
			}
			require.ErrorIs(t, err, bot.ErrorBadRequest)
			assert.Contains(t, err.Error(), tt.want)
			last := srv.Calls()[len(srv.Calls())-1]
			assert.Equal(t, 400, last.Status)
			assert.True(t, strings.HasPrefix(last.Error, tt.want), last.Error)
		})
	}
}

func TestBlockedAndMigrated(t *testing.T) {
	srv, b := chatWithUser(t, telegramtest.Options{})
	ctx := testCtx(t)

	srv.BlockBot(user)
	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: user, Text: "x"})
	require.ErrorIs(t, err, bot.ErrorForbidden)
	assert.Contains(t, err.Error(), "Forbidden: bot was blocked by the user")
	srv.UnblockBot(user)
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: user, Text: "x"})
	require.NoError(t, err)

	const group, super = int64(-4001), int64(-1004001)
	_, err = srv.SendText(group, "hello group")
	require.NoError(t, err)
	srv.MigrateChat(group, super)
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: group, Text: "x"})
	var mig *bot.MigrateError
	require.True(t, errors.As(err, &mig), "%v", err)
	assert.Equal(t, int(super), mig.MigrateToChatID)
	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: super, Text: "moved"})
	require.NoError(t, err)
	assert.Equal(t, models.ChatTypeSupergroup, msg.Chat.Type)
}

func TestSendMessageShapes(t *testing.T) {
	srv, b := chatWithUser(t, telegramtest.Options{})
	ctx := testCtx(t)
	const forum = int64(-1002000)
	srv.AddChat(models.Chat{ID: forum, Type: models.ChatTypeSupergroup, Title: "Forum", IsForum: true, Username: "forumchat"})
	in, err := srv.Send(telegramtest.Incoming{ChatID: forum, ThreadID: 5, Text: "@" + telegramtest.DefaultBotUsername + " hi"})
	require.NoError(t, err)
	require.Len(t, in.Entities, 1)
	assert.Equal(t, models.MessageEntityTypeMention, in.Entities[0].Type)
	assert.True(t, in.IsTopicMessage)

	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Yes", CallbackData: "y"}}}}
	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{
		ChatID: "@forumchat", MessageThreadID: 5, Text: "<b>bold</b> &amp; more", ParseMode: models.ParseModeHTML,
		ReplyParameters: &models.ReplyParameters{MessageID: in.ID}, ReplyMarkup: kb,
	})
	require.NoError(t, err)
	assert.Equal(t, "bold & more", msg.Text)
	assert.Equal(t, 5, msg.MessageThreadID)
	require.NotNil(t, msg.ReplyToMessage)
	assert.Equal(t, in.ID, msg.ReplyToMessage.ID)
	assert.Equal(t, kb, msg.ReplyMarkup)
	src, mode, ok := srv.Source(forum, msg.ID)
	require.True(t, ok)
	assert.Equal(t, "<b>bold</b> &amp; more", src)
	assert.Equal(t, "HTML", mode)

	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: forum, MessageThreadID: 6, Text: "x"})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "message thread not found")
	srv.AddTopic(forum, 6)
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: forum, MessageThreadID: 6, Text: "x"})
	require.NoError(t, err)

	last := srv.Calls()[len(srv.Calls())-1]
	assert.Equal(t, "sendMessage", last.Method)
	assert.Equal(t, forum, last.ChatID)
	assert.Equal(t, 6, last.ThreadID)
	assert.True(t, last.OK())

	// A user reply to the bot's message carries it.
	reply, err := srv.SendReply(forum, msg.ID, "thanks")
	require.NoError(t, err)
	assert.Equal(t, msg.ID, reply.ReplyToMessage.ID)
	assert.True(t, reply.ReplyToMessage.From.IsBot)
	_, err = srv.SendReply(forum, 999, "x")
	require.ErrorIs(t, err, telegramtest.ErrUnknownMessage)
}

func TestEditMessageText(t *testing.T) {
	srv, b := chatWithUser(t, telegramtest.Options{})
	ctx := testCtx(t)
	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: user, Text: "draft"})
	require.NoError(t, err)

	edited, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: user, MessageID: msg.ID, Text: "<b>final</b>", ParseMode: models.ParseModeHTML})
	require.NoError(t, err)
	assert.Equal(t, "final", edited.Text)
	assert.NotZero(t, edited.EditDate)

	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: user, MessageID: msg.ID, Text: "<b>final</b>", ParseMode: models.ParseModeHTML})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "Bad Request: message is not modified: specified new message content and reply markup are exactly the same")

	// Same text, new keyboard: modified.
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Go", CallbackData: "go"}}}}
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: user, MessageID: msg.ID, Text: "<b>final</b>", ParseMode: models.ParseModeHTML, ReplyMarkup: kb})
	require.NoError(t, err)

	for _, tt := range []struct {
		name string
		p    bot.EditMessageTextParams
		want string
	}{
		{"missing", bot.EditMessageTextParams{ChatID: user, MessageID: 999, Text: "x"}, "message to edit not found"},
		{"user message", bot.EditMessageTextParams{ChatID: user, MessageID: 1, Text: "x"}, "message can't be edited"},
		{"empty", bot.EditMessageTextParams{ChatID: user, MessageID: msg.ID, Text: ""}, "message text is empty"},
		{"too long", bot.EditMessageTextParams{ChatID: user, MessageID: msg.ID, Text: strings.Repeat("a", 4097)}, "message is too long"},
		{"bad html", bot.EditMessageTextParams{ChatID: user, MessageID: msg.ID, Text: "<x>", ParseMode: models.ParseModeHTML}, "can't parse entities"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.EditMessageText(ctx, &tt.p)
			require.ErrorIs(t, err, bot.ErrorBadRequest)
			assert.Contains(t, err.Error(), tt.want)
		})
	}

	msgs := srv.Messages(user)
	require.Len(t, msgs, 2)
	assert.Equal(t, "/start", msgs[0].Text)
	assert.Equal(t, "final", msgs[1].Text)
	assert.Equal(t, kb, msgs[1].ReplyMarkup)

	ok, err := b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: user, MessageID: msg.ID})
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Len(t, srv.Messages(user), 1)
}

func TestSendMessageDraft(t *testing.T) {
	srv, b := chatWithUser(t, telegramtest.Options{})
	ctx := testCtx(t)
	ok, err := b.SendMessageDraft(ctx, &bot.SendMessageDraftParams{ChatID: user, DraftID: "17", Text: "thinking…"})
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, map[int64]string{17: "thinking…"}, srv.Drafts(user))
	last := srv.Calls()[len(srv.Calls())-1]
	assert.Equal(t, int64(17), last.DraftID)

	_, err = srv.SendText(-500, "group")
	require.NoError(t, err)
	for _, tt := range []struct {
		name string
		p    bot.SendMessageDraftParams
		want string
	}{
		{"zero id", bot.SendMessageDraftParams{ChatID: user, DraftID: "0", Text: "x"}, "draft_id must be a non-zero integer"},
		{"text id", bot.SendMessageDraftParams{ChatID: user, DraftID: "abc", Text: "x"}, "draft_id must be a non-zero integer"},
		{"empty id", bot.SendMessageDraftParams{ChatID: user, Text: "x"}, "draft_id must be a non-zero integer"},
		{"group", bot.SendMessageDraftParams{ChatID: -500, DraftID: "1", Text: "x"}, "private chats"},
		{"too long", bot.SendMessageDraftParams{ChatID: user, DraftID: "1", Text: strings.Repeat("a", 4097)}, "message is too long"},
		{"bad html", bot.SendMessageDraftParams{ChatID: user, DraftID: "1", Text: "<b>", ParseMode: models.ParseModeHTML}, "can't parse entities"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.SendMessageDraft(ctx, &tt.p)
			require.ErrorIs(t, err, bot.ErrorBadRequest)
			assert.Contains(t, err.Error(), tt.want)
		})
	}

	// The finished reply ends the draft.
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: user, Text: "done"})
	require.NoError(t, err)
	assert.Empty(t, srv.Drafts(user))
}

func TestSendChatAction(t *testing.T) {
	srv, b := chatWithUser(t, telegramtest.Options{})
	ctx := testCtx(t)
	ok, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: user, Action: models.ChatActionTyping})
	require.NoError(t, err)
	assert.True(t, ok)
	_, err = b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: user, Action: "dancing"})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "wrong parameter action in request")
	calls := srv.Calls()
	assert.Equal(t, "typing", calls[len(calls)-2].Action)
}

func TestHTMLEntities(t *testing.T) {
	srv, b := chatWithUser(t, telegramtest.Options{})
	ctx := testCtx(t)
	text := "  😀 <b>bold <i>both</i></b> <a href=\"https://x.y/?a=1&amp;b=2\">link</a>\n" +
		"<pre><code class=\"language-go\">x := 1</code></pre><blockquote expandable>q</blockquote>" +
		"<tg-spoiler>s</tg-spoiler><code>c</code><b></b> "
	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: user, Text: text, ParseMode: models.ParseModeHTML})
	require.NoError(t, err)
	assert.Equal(t, "😀 bold both link\nx := 1qsc", msg.Text)
	assert.Equal(t, []models.MessageEntity{
		{Type: models.MessageEntityTypeBold, Offset: 3, Length: 9},
		{Type: models.MessageEntityTypeItalic, Offset: 8, Length: 4},
		{Type: models.MessageEntityTypeTextLink, Offset: 13, Length: 4, URL: "https://x.y/?a=1&b=2"},
		{Type: models.MessageEntityTypePre, Offset: 18, Length: 6, Language: "go"},
		{Type: models.MessageEntityTypeExpandableBlockquote, Offset: 24, Length: 1},
		{Type: models.MessageEntityTypeSpoiler, Offset: 25, Length: 1},
		{Type: models.MessageEntityTypeCode, Offset: 26, Length: 1},
	}, msg.Entities)
	assert.Equal(t, msg.Entities, srv.Messages(user)[1].Entities)

	// Another spelling of the same formatting is no change.
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: user, MessageID: msg.ID, ParseMode: models.ParseModeHTML,
		Text: strings.ReplaceAll(strings.ReplaceAll(text, "<b>", "<strong>"), "</b>", "</strong>")})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.Contains(t, err.Error(), "message is not modified")
	// The same text without formatting is a change.
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: user, MessageID: msg.ID, Text: msg.Text})
	require.NoError(t, err)
	assert.Empty(t, srv.Messages(user)[1].Entities)
}

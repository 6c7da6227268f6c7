package telegramtest_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"net/http"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

// download fetches a file the way a bot does: getFile, then the file URL.
func download(t *testing.T, b *bot.Bot, fileID string) []byte {
	t.Helper()
	f, err := b.GetFile(testCtx(t), &bot.GetFileParams{FileID: fileID})
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(testCtx(t), http.MethodGet, b.FileDownloadLink(f), nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.EqualValues(t, f.FileSize, len(data))
	return data
}

func TestUserPhotoDownload(t *testing.T) {
	srv, _ := chatWithUser(t, telegramtest.Options{})
	b := newBot(t, srv, bot.WithServerURL(srv.URL()))
	msg, err := srv.SendPhoto(user, "what is this?")
	require.NoError(t, err)
	require.Len(t, msg.Photo, 1)
	assert.Equal(t, "what is this?", msg.Caption)
	data := download(t, b, msg.Photo[0].FileID)
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, msg.Photo[0].Width, img.Bounds().Dx())

	_, err = b.GetFile(testCtx(t), &bot.GetFileParams{FileID: "nope"})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	resp, err := http.Get(srv.URL() + "/file/bot123:BAD/photos/file_1.png")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func TestUserStickerVoiceDocument(t *testing.T) {
	srv, b := chatWithUser(t, telegramtest.Options{})
	st, err := srv.Send(telegramtest.Incoming{ChatID: user, Media: telegramtest.MediaSticker})
	require.NoError(t, err)
	require.NotNil(t, st.Sticker)
	v, err := srv.Send(telegramtest.Incoming{ChatID: user, Media: telegramtest.MediaVoice, File: []byte("voice bytes")})
	require.NoError(t, err)
	assert.Equal(t, []byte("voice bytes"), download(t, b, v.Voice.FileID))
	d, err := srv.Send(telegramtest.Incoming{ChatID: user, Media: telegramtest.MediaDocument, FileName: "a.txt", Text: "see"})
	require.NoError(t, err)
	assert.Equal(t, "a.txt", d.Document.FileName)
	_, err = srv.Send(telegramtest.Incoming{ChatID: user, Media: telegramtest.Media(99)})
	require.Error(t, err)
	_, err = srv.Send(telegramtest.Incoming{})
	require.Error(t, err)
}

func TestBotSendsPhotoAndDocument(t *testing.T) {
	srv, b := chatWithUser(t, telegramtest.Options{})
	ctx := testCtx(t)
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image1x1()))
	msg, err := b.SendPhoto(ctx, &bot.SendPhotoParams{
		ChatID: user, Caption: "<i>cat</i>", ParseMode: models.ParseModeHTML,
		Photo: &models.InputFileUpload{Filename: "cat.png", Data: bytes.NewReader(buf.Bytes())},
	})
	require.NoError(t, err)
	assert.Equal(t, "cat", msg.Caption)
	require.Len(t, msg.Photo, 1)
	assert.Equal(t, 1, msg.Photo[0].Width)
	assert.Equal(t, buf.Bytes(), download(t, b, msg.Photo[0].FileID))

	// Sending a known file_id again.
	again, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: user, Photo: &models.InputFileString{Data: msg.Photo[0].FileID}})
	require.NoError(t, err)
	assert.Equal(t, msg.Photo[0].FileID, again.Photo[0].FileID)

	doc, err := b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: user, Document: &models.InputFileUpload{Filename: "r.txt", Data: bytes.NewReader([]byte("report"))}})
	require.NoError(t, err)
	assert.Equal(t, "r.txt", doc.Document.FileName)
	content, ok := srv.FileContent(doc.Document.FileID)
	require.True(t, ok)
	assert.Equal(t, []byte("report"), content)

	for _, tt := range []struct {
		name string
		p    bot.SendPhotoParams
		want string
	}{
		{"long caption", bot.SendPhotoParams{ChatID: user, Caption: string(bytes.Repeat([]byte("a"), 1025)), Photo: &models.InputFileString{Data: msg.Photo[0].FileID}}, "message caption is too long"},
		{"bad file", bot.SendPhotoParams{ChatID: user, Photo: &models.InputFileString{Data: "nope"}}, "wrong file identifier"},
		{"bad caption html", bot.SendPhotoParams{ChatID: user, Caption: "<b>", ParseMode: models.ParseModeHTML, Photo: &models.InputFileString{Data: msg.Photo[0].FileID}}, "can't parse entities"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.SendPhoto(ctx, &tt.p)
			require.ErrorIs(t, err, bot.ErrorBadRequest)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestCallbackQuery(t *testing.T) {
	srv, b := chatWithUser(t, telegramtest.Options{})
	ctx := testCtx(t)
	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: user, Text: "choose"})
	require.NoError(t, err)
	id, err := srv.SendCallback(user, msg.ID, "a")
	require.NoError(t, err)
	ok, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: id, Text: "done", ShowAlert: true})
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, telegramtest.CallbackAnswer{Answered: true, Text: "done", ShowAlert: true}, srv.CallbackAnswer(id))
	_, err = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: id})
	require.ErrorIs(t, err, bot.ErrorBadRequest, "a query is answered once")
	_, err = srv.SendCallback(user, 999, "a")
	require.ErrorIs(t, err, telegramtest.ErrUnknownMessage)
}

func TestCommands(t *testing.T) {
	srv, b := chatWithUser(t, telegramtest.Options{})
	ctx := context.Background()
	cmds := []models.BotCommand{{Command: "start", Description: "Start"}, {Command: "vip", Description: "Your tier"}}
	_, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: cmds})
	require.NoError(t, err)
	admin := []models.BotCommand{{Command: "grant", Description: "Grant a tier"}}
	scope := &models.BotCommandScopeChat{ChatID: user}
	_, err = b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: admin, Scope: scope, LanguageCode: "en"})
	require.NoError(t, err)

	got, err := srv.Commands(nil, "")
	require.NoError(t, err)
	assert.Equal(t, cmds, got)
	got, err = srv.Commands(scope, "en")
	require.NoError(t, err)
	assert.Equal(t, admin, got)
	fetched, err := b.GetMyCommands(ctx, &bot.GetMyCommandsParams{Scope: scope, LanguageCode: "en"})
	require.NoError(t, err)
	assert.Equal(t, admin, fetched)

	_, err = b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "Bad-Cmd", Description: "x"}}})
	require.ErrorIs(t, err, bot.ErrorBadRequest)
	_, err = b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "ok", Description: ""}}})
	require.ErrorIs(t, err, bot.ErrorBadRequest)

	_, err = b.DeleteMyCommands(ctx, &bot.DeleteMyCommandsParams{Scope: scope, LanguageCode: "en"})
	require.NoError(t, err)
	got, err = srv.Commands(scope, "en")
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestCommandAndMentionEntities(t *testing.T) {
	srv := newServer(t, telegramtest.Options{})
	cmd, err := srv.SendCommand(-10, "start@"+telegramtest.DefaultBotUsername+" now")
	require.NoError(t, err)
	require.NotEmpty(t, cmd.Entities)
	assert.Equal(t, models.MessageEntityTypeBotCommand, cmd.Entities[0].Type)
	assert.Equal(t, len("/start@"+telegramtest.DefaultBotUsername), cmd.Entities[0].Length)
	m, err := srv.SendMention(-10, "hello")
	require.NoError(t, err)
	assert.Equal(t, "@"+telegramtest.DefaultBotUsername+" hello", m.Text)
	require.Len(t, m.Entities, 1)
	assert.Equal(t, models.MessageEntity{Type: models.MessageEntityTypeMention, Offset: 0, Length: len(telegramtest.DefaultBotUsername) + 1}, m.Entities[0])
	assert.Equal(t, models.ChatTypeGroup, m.Chat.Type)
}

func image1x1() *image.RGBA { return image.NewRGBA(image.Rect(0, 0, 1, 1)) }

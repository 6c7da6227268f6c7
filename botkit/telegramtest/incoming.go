package telegramtest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/tgmd"
)

// Media is the kind of attachment a user message carries.
type Media int

// The attachments a user message can carry.
const (
	MediaNone     Media = iota
	MediaPhoto          // a photo; Incoming.Text is its caption
	MediaDocument       // a document; Incoming.Text is its caption
	MediaSticker        // a sticker; Incoming.Text is ignored
	MediaVoice          // a voice note; Incoming.Text is its caption
)

// Incoming is a message a user sends, for Server.Send. The zero value of
// each field is documented; only ChatID is required.
type Incoming struct {
	// ChatID is the chat the message goes to. Unknown chats are created
	// from the shape of the ID (see AddChat).
	ChatID int64
	// From is the sender. Zero: the user of a private chat, or a default
	// member of a group.
	From models.User
	// Text is the text, or the caption of a photo, document or voice note.
	Text string
	// Entities are the text's entities. Zero: commands at the start and
	// mentions of the bot are marked, as Telegram marks them.
	Entities []models.MessageEntity
	// ThreadID posts into a forum topic and registers it.
	ThreadID int
	// ReplyTo is the ID of the message in the same chat this one replies to.
	ReplyTo int
	// Media attaches a file of that kind.
	Media Media
	// File is the attachment's content. Zero: a small generated file (a
	// valid PNG for photos).
	File []byte
	// FileName names a document. Zero: "file.bin".
	FileName string
}

// Send delivers a user message to the bot as an update and returns the
// message as the bot will see it.
func (s *Server) Send(in Incoming) (models.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.ChatID == 0 {
		return models.Message{}, fmt.Errorf("telegramtest: Incoming.ChatID is zero")
	}
	c := s.chatLocked(in.ChatID)
	from := in.From
	if from.ID == 0 {
		from = c.user
	}
	m := &message{}
	m.msg = models.Message{From: &from, Date: int(s.now().Unix())}
	if in.ThreadID != 0 {
		c.topics[in.ThreadID] = true
		m.msg.MessageThreadID = in.ThreadID
		m.msg.IsTopicMessage = c.info.IsForum
	}
	if in.ReplyTo != 0 {
		target, ok := c.byID[in.ReplyTo]
		if !ok || target.deleted {
			return models.Message{}, fmt.Errorf("%w: %d in chat %d", ErrUnknownMessage, in.ReplyTo, in.ChatID)
		}
		reply := target.msg
		reply.ReplyToMessage = nil
		m.msg.ReplyToMessage = &reply
	}
	entities := in.Entities
	if entities == nil {
		entities = s.autoEntities(in.Text)
	}
	switch in.Media {
	case MediaNone:
		m.msg.Text, m.msg.Entities = in.Text, entities
	case MediaPhoto:
		m.msg.Photo = s.photoLocked(in.File)
		m.msg.Caption, m.msg.CaptionEntities = in.Text, entities
	case MediaDocument:
		f := s.addFileLocked(orDefault(in.File, []byte("telegramtest document\n")), "documents", orDefaultName(in.FileName))
		m.msg.Document = &models.Document{FileID: f.id, FileUniqueID: f.unique, FileName: orDefaultName(in.FileName), MimeType: "application/octet-stream", FileSize: int64(len(f.data))}
		m.msg.Caption, m.msg.CaptionEntities = in.Text, entities
	case MediaSticker:
		f := s.addFileLocked(orDefault(in.File, generatedPNG(2, 2)), "stickers", "sticker.webp")
		m.msg.Sticker = &models.Sticker{FileID: f.id, FileUniqueID: f.unique, Type: "regular", Width: 512, Height: 512, Emoji: "🙂"}
	case MediaVoice:
		f := s.addFileLocked(orDefault(in.File, []byte("OggS telegramtest voice")), "voice", "voice.oga")
		m.msg.Voice = &models.Voice{FileID: f.id, FileUniqueID: f.unique, Duration: 1, MimeType: "audio/ogg", FileSize: int64(len(f.data))}
		m.msg.Caption, m.msg.CaptionEntities = in.Text, entities
	default:
		return models.Message{}, fmt.Errorf("telegramtest: unknown Media %d", in.Media)
	}
	c.addMessage(m)
	msg := m.msg
	s.enqueueLocked(&models.Update{Message: &msg})
	return msg, nil
}

// SendText sends a plain text message from the chat's user.
func (s *Server) SendText(chatID int64, text string) (models.Message, error) {
	return s.Send(Incoming{ChatID: chatID, Text: text})
}

// SendCommand sends a command such as "/start" or "/vip 7", marked as a
// bot_command entity. In groups, pass "/start@botname" to address the bot.
func (s *Server) SendCommand(chatID int64, command string) (models.Message, error) {
	if !strings.HasPrefix(command, "/") {
		command = "/" + command
	}
	return s.Send(Incoming{ChatID: chatID, Text: command})
}

// SendMention sends "@botname text" with a mention entity.
func (s *Server) SendMention(chatID int64, text string) (models.Message, error) {
	return s.Send(Incoming{ChatID: chatID, Text: "@" + s.opts.BotUsername + " " + text})
}

// SendReply sends text as a reply to the message replyTo of the chat,
// usually one of the bot's.
func (s *Server) SendReply(chatID int64, replyTo int, text string) (models.Message, error) {
	return s.Send(Incoming{ChatID: chatID, ReplyTo: replyTo, Text: text})
}

// SendPhoto sends a generated photo with a caption; the bot can fetch it
// with getFile and download it.
func (s *Server) SendPhoto(chatID int64, caption string) (models.Message, error) {
	return s.Send(Incoming{ChatID: chatID, Media: MediaPhoto, Text: caption})
}

// autoEntities marks a leading command and every mention of the bot.
func (s *Server) autoEntities(text string) []models.MessageEntity {
	var out []models.MessageEntity
	if strings.HasPrefix(text, "/") {
		end := strings.IndexAny(text, " \n")
		if end < 0 {
			end = len(text)
		}
		out = append(out, models.MessageEntity{Type: models.MessageEntityTypeBotCommand, Offset: 0, Length: tgmd.UTF16Len(text[:end])})
	}
	mention := "@" + s.opts.BotUsername
	lower, lowMention := strings.ToLower(text), strings.ToLower(mention)
	for from := 0; ; {
		i := strings.Index(lower[from:], lowMention)
		if i < 0 {
			break
		}
		i += from
		out = append(out, models.MessageEntity{Type: models.MessageEntityTypeMention, Offset: tgmd.UTF16Len(text[:i]), Length: tgmd.UTF16Len(mention)})
		from = i + len(mention)
	}
	return out
}

// callbackQuery is a button press waiting for answerCallbackQuery.
type callbackQuery struct {
	chatID   int64
	answered bool
	answer   CallbackAnswer
}

// CallbackAnswer is how the bot answered a callback query.
type CallbackAnswer struct {
	Answered  bool
	Text      string
	ShowAlert bool
	URL       string
}

// SendCallback presses an inline button with data under the bot's message
// messageID of the chat and returns the callback query ID.
func (s *Server) SendCallback(chatID int64, messageID int, data string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(chatID)
	m, ok := c.byID[messageID]
	if !ok || m.deleted {
		return "", fmt.Errorf("%w: %d in chat %d", ErrUnknownMessage, messageID, chatID)
	}
	s.nextCallback++
	id := strconv.Itoa(s.nextCallback)
	s.callbacks[id] = &callbackQuery{chatID: chatID}
	msg := m.msg
	s.enqueueLocked(&models.Update{CallbackQuery: &models.CallbackQuery{
		ID:           id,
		From:         c.user,
		Message:      models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: &msg},
		ChatInstance: strconv.FormatInt(chatID, 10),
		Data:         data,
	}})
	return id, nil
}

// CallbackAnswer returns the bot's answer to a callback query.
func (s *Server) CallbackAnswer(queryID string) CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q, ok := s.callbacks[queryID]; ok {
		return q.answer
	}
	return CallbackAnswer{}
}

func (s *Server) answerCallbackQuery(p params, call *Call) (any, *apiError) {
	q, ok := s.callbacks[p.str("callback_query_id")]
	if !ok || q.answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	call.ChatID = q.chatID
	call.Text = p.str("text")
	if tgmd.UTF16Len(call.Text) > 200 {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	q.answered = true
	q.answer = CallbackAnswer{Answered: true, Text: call.Text, ShowAlert: p.bool("show_alert"), URL: p.str("url")}
	return true, nil
}

func orDefault(b, def []byte) []byte {
	if b == nil {
		return def
	}
	return b
}

func orDefaultName(name string) string {
	if name == "" {
		return "file.bin"
	}
	return name
}

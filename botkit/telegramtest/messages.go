package telegramtest

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/go-telegram/bot/models"
)

func (s *Server) sendMessage(p params, call *Call) (any, *apiError) {
	o, e := s.prepareSendLocked(p, call, "text", messageBody)
	if e != nil {
		return nil, e
	}
	if e := s.paceLocked(o.c, call.Method); e != nil {
		return nil, e
	}
	m := o.message(s)
	m.msg.Text, m.msg.Entities = o.text, o.ents
	clear(o.c.drafts)
	return o.add(m), nil
}

// outgoing is a message the bot sends, checked as Telegram checks it: the
// part sendMessage, sendPhoto and sendDocument share.
type outgoing struct {
	call      *Call
	c         *chat
	thread    int
	text      string // visible text or caption
	ents      []models.MessageEntity
	reply     *models.Message
	markup    *models.InlineKeyboardMarkup
	rawMarkup string
}

// prepareSendLocked checks the target chat, retry_after, the thread, the
// text in parameter textParam against b, the reply target and the markup.
func (s *Server) prepareSendLocked(p params, call *Call, textParam string, b body) (*outgoing, *apiError) {
	call.Text, call.ParseMode = p.str(textParam), p.str("parse_mode")
	o := &outgoing{call: call}
	var e *apiError
	if o.c, e = s.targetChat(p, call); e != nil {
		return nil, e
	}
	if e := s.checkEarlyLocked(o.c, call.Method); e != nil {
		return nil, e
	}
	if o.thread, e = o.c.thread(p); e != nil {
		return nil, e
	}
	if o.text, o.ents, e = b.check(call.Text, call.ParseMode); e != nil {
		return nil, e
	}
	if o.reply, e = o.c.replyTarget(p); e != nil {
		return nil, e
	}
	if o.markup, o.rawMarkup, e = parseMarkup(p); e != nil {
		return nil, e
	}
	return o, nil
}

// message starts the bot's message.
func (o *outgoing) message(s *Server) *message {
	m := s.botMessageLocked(o.c, o.thread, o.reply, o.markup, o.rawMarkup)
	m.source, m.parseMode = o.call.Text, o.call.ParseMode
	return m
}

// add stores m in the chat, records it in the call and returns the copy
// the API answers with.
func (o *outgoing) add(m *message) *models.Message {
	o.c.addMessage(m)
	o.call.MessageID = m.msg.ID
	if o.reply != nil {
		o.call.ReplyTo = o.reply.ID
	}
	msg := m.msg
	return &msg
}

// botMessageLocked starts a message the bot sends to c.
func (s *Server) botMessageLocked(c *chat, thread int, reply *models.Message, markup *models.InlineKeyboardMarkup, rawMarkup string) *message {
	bot := s.Bot()
	m := &message{fromBot: true, markup: rawMarkup}
	m.msg = models.Message{
		From:            &bot,
		Date:            int(s.now().Unix()),
		MessageThreadID: thread,
		IsTopicMessage:  thread != 0 && c.info.IsForum,
		ReplyToMessage:  reply,
		ReplyMarkup:     markup,
	}
	return m
}

// thread validates message_thread_id: in a forum it must name a topic.
func (c *chat) thread(p params) (int, *apiError) {
	id, ok := p.int("message_thread_id")
	if !ok {
		return 0, badRequest("invalid message_thread_id")
	}
	if id != 0 && c.info.IsForum && !c.topics[id] {
		return 0, badRequest("message thread not found")
	}
	return id, nil
}

// parseMarkup reads reply_markup. Inline keyboards are attached to the
// message; reply keyboards and the like are accepted and only recorded.
func parseMarkup(p params) (*models.InlineKeyboardMarkup, string, *apiError) {
	raw := strings.TrimSpace(p.str("reply_markup"))
	if raw == "" || raw == "null" {
		return nil, "", nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &probe); err != nil {
		return nil, "", badRequest("can't parse reply keyboard markup JSON object")
	}
	if _, ok := probe["inline_keyboard"]; !ok {
		return nil, raw, nil
	}
	var kb models.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(raw), &kb); err != nil {
		return nil, "", badRequest("can't parse inline keyboard button: " + err.Error())
	}
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			if b.Text == "" {
				return nil, "", badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
			}
			if b.CallbackData != "" && len(b.CallbackData) > 64 {
				return nil, "", badRequest("BUTTON_DATA_INVALID")
			}
		}
	}
	return &kb, raw, nil
}

func sameMarkup(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	var ca, cb bytes.Buffer
	if json.Compact(&ca, []byte(a)) != nil || json.Compact(&cb, []byte(b)) != nil {
		return a == b
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

func (s *Server) editMessageText(p params, call *Call) (any, *apiError) {
	call.Text, call.ParseMode = p.str("text"), p.str("parse_mode")
	if p.str("inline_message_id") != "" {
		return nil, badRequest("inline messages are not supported by telegramtest")
	}
	c, e := s.targetChat(p, call)
	if e != nil {
		return nil, e
	}
	if e := s.checkEarlyLocked(c, call.Method); e != nil {
		return nil, e
	}
	id, ok := p.int("message_id")
	if !ok || id == 0 {
		return nil, badRequest("message identifier is not specified")
	}
	call.MessageID = id
	m, ok := c.byID[id]
	if !ok || m.deleted {
		return nil, badRequest("message to edit not found")
	}
	if !m.fromBot {
		return nil, badRequest("message can't be edited")
	}
	visible, ents, e := messageBody.check(call.Text, call.ParseMode)
	if e != nil {
		return nil, e
	}
	markup, rawMarkup, e := parseMarkup(p)
	if e != nil {
		return nil, e
	}
	// Telegram compares what the reader would see: text, formatting and
	// keyboard, not how the bot spelled them.
	sameContent := visible == m.msg.Text && slices.Equal(ents, m.msg.Entities)
	if sameContent && sameMarkup(rawMarkup, m.markup) {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	if e := s.paceLocked(c, call.Method); e != nil {
		return nil, e
	}
	m.msg.Text, m.msg.Entities = visible, ents
	m.msg.EditDate = int(s.now().Unix())
	m.msg.ReplyMarkup = markup
	m.source, m.parseMode, m.markup = call.Text, call.ParseMode, rawMarkup
	msg := m.msg
	return &msg, nil
}

func (s *Server) sendMessageDraft(p params, call *Call) (any, *apiError) {
	call.Text, call.ParseMode = p.str("text"), p.str("parse_mode")
	c, e := s.targetChat(p, call)
	if e != nil {
		return nil, e
	}
	if e := s.checkEarlyLocked(c, call.Method); e != nil {
		return nil, e
	}
	if c.info.Type != models.ChatTypePrivate {
		return nil, badRequest("message drafts can be sent only to private chats")
	}
	draftID, err := strconv.ParseInt(strings.TrimSpace(p.str("draft_id")), 10, 64)
	if err != nil || draftID == 0 {
		return nil, badRequest("draft_id must be a non-zero integer")
	}
	call.DraftID = draftID
	visible, _, e := draftBody.check(call.Text, call.ParseMode)
	if e != nil {
		return nil, e
	}
	if e := s.paceLocked(c, call.Method); e != nil {
		return nil, e
	}
	c.drafts[draftID] = visible
	return true, nil
}

var chatActions = map[string]bool{
	"typing": true, "upload_photo": true, "record_video": true, "upload_video": true,
	"record_voice": true, "upload_voice": true, "upload_document": true,
	"choose_sticker": true, "find_location": true, "record_video_note": true,
	"upload_video_note": true,
}

func (s *Server) sendChatAction(p params, call *Call) (any, *apiError) {
	call.Action = p.str("action")
	c, e := s.targetChat(p, call)
	if e != nil {
		return nil, e
	}
	if !chatActions[call.Action] {
		return nil, badRequest("wrong parameter action in request")
	}
	if _, e := c.thread(p); e != nil {
		return nil, e
	}
	return true, nil
}

func (s *Server) deleteMessage(p params, call *Call) (any, *apiError) {
	c, e := s.targetChat(p, call)
	if e != nil {
		return nil, e
	}
	id, _ := p.int("message_id")
	call.MessageID = id
	m, ok := c.byID[id]
	if !ok || m.deleted {
		return nil, badRequest("message to delete not found")
	}
	m.deleted = true
	return true, nil
}

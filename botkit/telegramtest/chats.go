package telegramtest

import (
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

// chat is the server's state of one chat. Guarded by Server.mu.
type chat struct {
	info       models.Chat
	user       models.User // the other party of a private chat, or the default sender
	blocked    bool
	migratedTo int64
	topics     map[int]bool
	messages   []*message
	byID       map[int]*message
	nextID     int
	lastUser   int // index in messages just after the last user message
	maxHistory int // Options.MaxChatHistory
	drafts     map[int64]string

	bucket       bucket
	groupBucket  bucket
	blockedUntil time.Time // the end of the last retry_after given
}

// message is one message of a chat with what the bot sent to make it.
type message struct {
	msg       models.Message
	fromBot   bool
	deleted   bool
	source    string // text or caption as the bot sent it, before parsing
	parseMode string
	markup    string // reply_markup JSON as the bot sent it
}

// isGroup reports whether c is a group or supergroup, where the group limit
// applies.
func (c *chat) isGroup() bool {
	return c.info.Type == models.ChatTypeGroup || c.info.Type == models.ChatTypeSupergroup
}

// AddChat registers a chat. Chats are also created on first use by the
// helpers that send user messages: a positive ID is a private chat with the
// user of that ID, an ID below -1000000000000 a supergroup, any other
// negative ID a group. Registering a known chat again updates its title,
// username and forum flag.
func (s *Server) AddChat(info models.Chat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(info.ID)
	if info.Type != "" {
		c.info.Type = info.Type
	}
	if info.Title != "" {
		c.info.Title = info.Title
	}
	if info.Username != "" {
		c.info.Username = info.Username
		s.usernames[strings.ToLower(info.Username)] = info.ID
	}
	if info.FirstName != "" {
		c.info.FirstName = info.FirstName
		c.user.FirstName = info.FirstName
	}
	c.info.IsForum = info.IsForum
}

// AddTopic registers a forum topic of a supergroup so the bot may post to
// it with message_thread_id. Topics are also registered by user messages
// sent into them.
func (s *Server) AddTopic(chatID int64, threadID int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(chatID)
	c.info.IsForum = true
	c.topics[threadID] = true
}

// BlockBot marks the private chat with userID as blocked: every call for it
// answers 403 "Forbidden: bot was blocked by the user" until UnblockBot.
func (s *Server) BlockBot(userID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatLocked(userID).blocked = true
}

// UnblockBot undoes BlockBot.
func (s *Server) UnblockBot(userID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatLocked(userID).blocked = false
}

// MigrateChat marks the group chatID as upgraded to the supergroup toID:
// calls for chatID answer 400 with parameters.migrate_to_chat_id = toID.
func (s *Server) MigrateChat(chatID, toID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatLocked(chatID).migratedTo = toID
	to := s.chatLocked(toID)
	to.info.Type = models.ChatTypeSupergroup
}

// chatLocked returns the chat, creating it from the shape of its ID.
func (s *Server) chatLocked(id int64) *chat {
	if c, ok := s.chats[id]; ok {
		return c
	}
	c := &chat{
		info:   models.Chat{ID: id},
		topics: map[int]bool{},
		byID:   map[int]*message{},
		nextID: 1,
		drafts: map[int64]string{},

		maxHistory: s.opts.MaxChatHistory,
	}
	switch {
	case id > 0:
		c.info.Type = models.ChatTypePrivate
		c.info.FirstName = "User" + strconv.FormatInt(id, 10)
		c.user = models.User{ID: id, FirstName: c.info.FirstName, LanguageCode: "en"}
	case id < -1000000000000:
		c.info.Type = models.ChatTypeSupergroup
		c.info.Title = "Supergroup " + strconv.FormatInt(id, 10)
		c.user = models.User{ID: 1000 - id%1000, FirstName: "Member"}
	default:
		c.info.Type = models.ChatTypeGroup
		c.info.Title = "Group " + strconv.FormatInt(id, 10)
		c.user = models.User{ID: 1000 - id%1000, FirstName: "Member"}
	}
	s.chats[id] = c
	return c
}

// targetChat resolves chat_id for a bot call: the chat must be known and
// reachable.
func (s *Server) targetChat(p params, call *Call) (*chat, *apiError) {
	raw := strings.TrimSpace(p.str("chat_id"))
	if raw == "" {
		return nil, badRequest("chat_id is empty")
	}
	var id int64
	if name, ok := strings.CutPrefix(raw, "@"); ok {
		known, found := s.usernames[strings.ToLower(name)]
		if !found {
			return nil, badRequest("chat not found")
		}
		id = known
	} else {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, badRequest("chat not found")
		}
		id = n
	}
	call.ChatID = id
	c, ok := s.chats[id]
	if !ok {
		return nil, badRequest("chat not found")
	}
	if c.blocked {
		return nil, &apiError{code: 403, desc: "Forbidden: bot was blocked by the user"}
	}
	if c.migratedTo != 0 {
		return nil, &apiError{code: 400, desc: "Bad Request: group chat was upgraded to a supergroup chat", migrateTo: c.migratedTo}
	}
	return c, nil
}

// addMessage stores m in c under the next message ID and returns it.
func (c *chat) addMessage(m *message) *message {
	m.msg.ID = c.nextID
	c.nextID++
	m.msg.Chat = c.info
	c.messages = append(c.messages, m)
	c.byID[m.msg.ID] = m
	if !m.fromBot {
		c.lastUser = len(c.messages)
	}
	if c.maxHistory > 0 && len(c.messages) >= 2*c.maxHistory {
		// Forget in one copy per maxHistory messages, keeping appends
		// amortised O(1).
		drop := len(c.messages) - c.maxHistory
		for _, old := range c.messages[:drop] {
			delete(c.byID, old.msg.ID)
		}
		c.messages = append(make([]*message, 0, 2*c.maxHistory), c.messages[drop:]...)
		c.lastUser = max(c.lastUser-drop, 0)
	}
	return m
}

// replyTarget resolves reply_parameters (or the older reply_to_message_id)
// to a message of c, or nil when the call replies to nothing.
func (c *chat) replyTarget(p params) (*models.Message, *apiError) {
	var rp models.ReplyParameters
	if err := p.json("reply_parameters", &rp); err != nil {
		return nil, badRequest("can't parse reply parameters JSON object")
	}
	if rp.MessageID == 0 {
		id, ok := p.int("reply_to_message_id")
		if !ok {
			return nil, badRequest("invalid reply_to_message_id")
		}
		rp.MessageID = id
		rp.AllowSendingWithoutReply = p.bool("allow_sending_without_reply")
	}
	if rp.MessageID == 0 {
		return nil, nil
	}
	if !sameChat(rp.ChatID, c.info.ID) {
		return nil, badRequest("replies to other chats are not supported by telegramtest")
	}
	m, ok := c.byID[rp.MessageID]
	if !ok || m.deleted {
		if rp.AllowSendingWithoutReply {
			return nil, nil
		}
		return nil, badRequest("message to be replied not found")
	}
	reply := m.msg
	reply.ReplyToMessage = nil
	return &reply, nil
}

// sameChat reports whether a decoded reply_parameters.chat_id names id (or
// is absent).
func sameChat(v any, id int64) bool {
	switch v := v.(type) {
	case nil:
		return true
	case float64:
		return int64(v) == id
	case string:
		return v == strconv.FormatInt(id, 10)
	}
	return false
}

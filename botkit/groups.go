package botkit

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// MemoryScope says whose conversation a group message continues.
type MemoryScope int

const (
	// MemoryPerUser keeps one memory per user in each group (and forum
	// topic): people in a group do not see each other's conversations.
	MemoryPerUser MemoryScope = iota
	// MemoryPerGroup shares one memory among everyone in a group.
	MemoryPerGroup
	// MemoryPerTopic shares one memory among everyone in a forum topic
	// (the whole group outside topics).
	MemoryPerTopic
)

// isPrivate reports whether the chat is a private chat with the user.
func isPrivate(c *models.Chat) bool { return c != nil && c.Type == models.ChatTypePrivate }

// messageText returns the text or caption of msg and its entities.
func messageText(msg *models.Message) (string, []models.MessageEntity) {
	if msg.Text != "" {
		return msg.Text, msg.Entities
	}
	return msg.Caption, msg.CaptionEntities
}

// addressing decides whether a group message is for the bot.
type addressing struct {
	username string // the bot's username, without "@"
	botID    int64
	triggers []string
}

// prompt returns the question of msg with the bot's mention or trigger
// word removed, and whether msg addresses the bot at all. In a private chat
// every message does; in a group only one that mentions the bot, replies to
// one of its messages or starts with a trigger word.
func (a addressing) prompt(msg *models.Message) (string, bool) {
	text, entities := messageText(msg)
	if isPrivate(&msg.Chat) {
		return strings.TrimSpace(a.stripMention(text)), true
	}
	mentioned := false
	for _, e := range entities {
		switch e.Type {
		case models.MessageEntityTypeMention:
			if m := utf16Slice(text, e.Offset, e.Length); a.username != "" && strings.EqualFold(m, "@"+a.username) {
				mentioned = true
			}
		case models.MessageEntityTypeTextMention:
			if e.User != nil && e.User.ID == a.botID {
				mentioned = true
			}
		}
	}
	if !mentioned && a.username != "" && containsFold(text, "@"+a.username) {
		mentioned = true
	}
	if mentioned {
		return cleanPrompt(a.stripMention(text)), true
	}
	if r := msg.ReplyToMessage; r != nil && r.From != nil && r.From.ID == a.botID && !isTopicStart(msg) {
		return cleanPrompt(text), true
	}
	for _, t := range a.triggers {
		if rest, ok := cutPrefixFold(strings.TrimSpace(text), t); ok && (rest == "" || !isWordRune(firstRune(rest)) || !isWordRune(lastRune(t))) {
			return cleanPrompt(rest), true
		}
	}
	return "", false
}

// isTopicStart reports a message whose reply is only the forum topic's
// first message, which Telegram sets on every message of a topic.
func isTopicStart(msg *models.Message) bool {
	return msg.IsTopicMessage && msg.ReplyToMessage != nil && msg.ReplyToMessage.ForumTopicCreated != nil
}

func (a addressing) stripMention(text string) string {
	if a.username == "" {
		return text
	}
	m := "@" + a.username
	for {
		i := indexFold(text, m)
		if i < 0 {
			return text
		}
		text = text[:i] + text[i+len(m):]
	}
}

// cleanPrompt trims spaces and the punctuation that follows an address
// ("bot, ..." / "小爱同学，...").
func cleanPrompt(s string) string {
	return strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(s), ",，:：;；!！.。、 "))
}

// utf16Slice returns the part of s at Telegram's UTF-16 offset and length.
func utf16Slice(s string, off, n int) string {
	pos, start, end := 0, -1, -1
	for i, r := range s {
		if pos == off {
			start = i
		}
		if pos == off+n {
			end = i
			break
		}
		if r >= 0x10000 {
			pos += 2
		} else {
			pos++
		}
	}
	if start < 0 {
		return ""
	}
	if end < 0 {
		end = len(s)
	}
	return s[start:end]
}

func indexFold(s, sub string) int {
	return strings.Index(strings.ToLower(s), strings.ToLower(sub))
}

func containsFold(s, sub string) bool { return indexFold(s, sub) >= 0 }

// cutPrefixFold is strings.CutPrefix without regard to case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if prefix == "" || len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) && r < 0x2E80 || unicode.IsDigit(r) || r == '_'
}

func firstRune(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }
func lastRune(s string) rune  { r, _ := utf8.DecodeLastRuneInString(s); return r }

// sharedConversationKey is the key of a memory shared by a group or topic,
// or "" when memory is per user.
func sharedConversationKey(scope MemoryScope, chatID int64, threadID int) string {
	switch scope {
	case MemoryPerGroup:
		return "botkit:shared:" + store.ConversationKey(chatID, 0, 0)
	case MemoryPerTopic:
		return "botkit:shared:" + store.ConversationKey(chatID, 0, threadID)
	}
	return ""
}

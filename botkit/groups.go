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
// one of its messages or is addressed with a trigger word (see trigger).
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
	return a.trigger(text)
}

// greetings may come before a trigger word at the start of a message
// ("hey admin, ...", "嘿，小爱同学，...").
var greetings = []string{"hey", "hi", "hello", "ok", "okay", "yo", "dear", "嘿", "嗨", "哈喽", "你好", "喂", "请问"}

// trigger finds a trigger word used to address the bot, conservatively:
// at the start of the message, or after a greeting there ("hey admin,
// ..."), or as a vocative at its end after a comma ("what time is it,
// admin?" / "今天星期几，小爱同学？"). A trigger word elsewhere, as in "ask the
// admin about it", is talk about someone, not to the bot. It returns the
// question without the address.
func (a addressing) trigger(text string) (string, bool) {
	s := strings.TrimSpace(text)
	for _, t := range a.triggers {
		if rest, ok := cutWord(s, t); ok {
			return cleanPrompt(rest), true
		}
	}
	for _, g := range greetings {
		after, ok := cutWord(s, g)
		if !ok {
			continue
		}
		after = cleanPrompt(after)
		for _, t := range a.triggers {
			if rest, ok := cutWord(after, t); ok {
				return cleanPrompt(rest), true
			}
		}
	}
	body := strings.TrimRightFunc(s, isClosingRune)
	tail := s[len(body):]
	for _, t := range a.triggers {
		head, ok := cutSuffixFold(body, t)
		if !ok || head == "" || isWordRune(lastRune(head)) && isWordRune(firstRune(t)) {
			continue
		}
		head = strings.TrimRightFunc(head, unicode.IsSpace)
		if q := strings.TrimRight(head, ",，、"); q != head && strings.TrimSpace(q) != "" {
			return cleanPrompt(strings.TrimSpace(q) + strings.TrimSpace(tail)), true
		}
	}
	return "", false
}

// cutWord cuts word from the start of s, without regard to case, when it
// is a whole word there (not the start of a longer one).
func cutWord(s, word string) (string, bool) {
	rest, ok := cutPrefixFold(s, word)
	if !ok || rest != "" && isWordRune(firstRune(rest)) && isWordRune(lastRune(word)) {
		return s, false
	}
	return rest, true
}

// isClosingRune is what may end a sentence after a vocative: spaces and
// closing punctuation.
func isClosingRune(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune("?？!！.。~～…", r)
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

// cutSuffixFold is strings.CutSuffix without regard to case.
func cutSuffixFold(s, suffix string) (string, bool) {
	i := len(s) - len(suffix)
	if suffix == "" || i < 0 || !utf8.RuneStart(s[i]) || !strings.EqualFold(s[i:], suffix) {
		return s, false
	}
	return s[:i], true
}

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

package store

import "strconv"

// ConversationKey builds the key of a conversation: a whole chat (userID and
// threadID zero), one user within a chat, or a forum topic of a chat
// (threadID non-zero), optionally per user.
func ConversationKey(chatID, userID int64, threadID int) string {
	b := make([]byte, 0, 48)
	b = append(b, "chat:"...)
	b = strconv.AppendInt(b, chatID, 10)
	if threadID != 0 {
		b = append(b, ":topic:"...)
		b = strconv.AppendInt(b, int64(threadID), 10)
	}
	if userID != 0 {
		b = append(b, ":user:"...)
		b = strconv.AppendInt(b, userID, 10)
	}
	return string(b)
}

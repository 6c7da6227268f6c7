// Package telegramtest is an in-process fake of the Telegram Bot API for
// testing bots offline: a real HTTP server on loopback that the real
// go-telegram/bot client talks to, speaking the Bot API's wire format and
// answering with Telegram's own errors.
//
// # Connecting a bot
//
// New starts a server; point the client at it:
//
//	srv := telegramtest.New(telegramtest.Options{})
//	defer srv.Close()
//	b, err := bot.New(srv.Token(), bot.WithServerURL(srv.URL()), bot.WithSkipGetMe())
//
// The server accepts only its own token (Options.Token, DefaultToken by
// default) and answers any other with 401 Unauthorized.
//
// # Playing the users
//
// Send and its shortcuts (SendText, SendCommand, SendMention, SendReply,
// SendPhoto, SendCallback) queue updates as users in private chats, groups
// and forum supergroups would cause them. Chats spring into being from the
// shape of their ID; AddChat and AddTopic describe them further. BlockBot
// and MigrateChat make a chat answer 403 or 400 with migrate_to_chat_id.
//
// # Updates
//
// getUpdates has Telegram's offset semantics: updates below the offset are
// confirmed and dropped, the rest are delivered again until confirmed. A
// long poll waits up to its timeout (capped by Options.MaxLongPoll) and
// returns as soon as an update arrives. A second concurrent getUpdates, or
// one while a webhook is set, gets 409 Conflict. After setWebhook the server
// pushes updates to the webhook one at a time, in order, with the
// X-Telegram-Bot-Api-Secret-Token header, and retries each update until the
// webhook answers 2xx.
//
// # Validation
//
// Calls are checked as Telegram checks them: unknown chats, blocked users,
// migrated groups, empty texts, texts over 4096 UTF-16 code units of visible
// text (after HTML parsing), HTML that Telegram would refuse, unchanged
// edits, replies to missing messages, unknown forum topics, draft IDs that
// are not non-zero integers, drafts outside private chats, bad chat
// actions, bad command lists. Errors carry Telegram's descriptions, so the
// client's error values (bot.ErrorBadRequest, *bot.MigrateError,
// *bot.TooManyRequestsError, ...) come out as in production.
//
// # Pacing
//
// Messages, edits, drafts, photos and documents are paced like Telegram's
// flood control, on the Options.Now clock: per chat, per group and overall
// (see Pacing). A call past a limit gets 429 "Too Many Requests: retry after
// N" with parameters.retry_after. Every 429 is kept (RateLimits); a call for
// a chat before its retry_after has passed is refused again and counted by
// EarlyRetries, which a well-behaved client keeps at zero.
//
// # Faults
//
// InjectFault disturbs chosen calls (by method and chat, for the next N
// calls, with a seeded probability, or for a period): 5xx answers, slow
// answers, dropped connections and 429 storms.
//
// # Watching the bot
//
// Calls is the log of every call the bot made, in order; Messages is what a
// chat shows now, edits applied, with the entities Telegram would derive
// from the bot's HTML; Source is the text as the bot sent it; Drafts, CallbackAnswer, Commands and
// WebhookDeliveries show the rest. WaitFor and WaitReplies block until the
// bot has done something, woken by the server as calls arrive rather than
// by polling.
//
// # Limits
//
// The server speaks the methods a chat bot needs: getMe, getUpdates,
// setWebhook, deleteWebhook, getWebhookInfo, sendMessage, editMessageText,
// sendMessageDraft, sendChatAction, deleteMessage, sendPhoto, sendDocument,
// getFile, answerCallbackQuery, setMyCommands, getMyCommands,
// deleteMyCommands, logOut and close; any other method answers 404. It
// does not edit inline messages,
// delivers webhook updates one at a time whatever max_connections says, and
// accepts http webhook URLs as well as https. Markdown parse modes are
// accepted without checking. HTML is checked by tgmd.Validate, which is at
// least as strict as Telegram.
package telegramtest

// Package botkit runs AI Telegram bots that survive real traffic, on top
// of github.com/go-telegram/bot. New composes everything a bot needs (a
// store, the Gemini key router, the Gemini client, tiered sessions and the
// Telegram layer) into a Bot with commands and a streamed AI reply; the
// parts below it (intake, dispatch, sending, streaming) can be used alone.
//
// # The facade
//
// New(token, Options{...}) builds a Bot. The zero Options give a SQLite
// store in "svsbot.db", the default tiers of vipsession, English and
// Chinese texts and the rule-based model Selector; Options.Keys (a
// keyrouter.ParseKeys list) gives the Gemini keys. Every part can be
// replaced: Store, Router, Gemini, Sessions, Selector, Messages, Handler,
// Middleware, Commands, ServerURL (a telegramtest server in tests) and
// Clock. Bot.Run polls until Bot.Shutdown; for webhooks, serve
// Bot.WebhookHandler and call Bot.SetWebhook. Bot.HealthHandler serves
// /healthz and /readyz.
//
// A program with its own go-telegram/bot *bot.Bot can take just the AI
// reply: NewAssistant(b, Options{...}) and register Assistant.Handler (a
// bot.HandlerFunc) or Assistant.Middleware.
//
// # The AI reply
//
// Text and photos (with or without a caption) become a Gemini call for the
// user's session: vipsession Begin (tier, quotas, memory), the model chain
// (the user's /model choice, else the Selector's, within the tier's
// models), the persona's system prompt (/persona), gemini Stream through
// the tier's key groups, Sender.Stream to the chat, then Commit with the
// usage, or Abort (a refund) on failure or /cancel. Stickers, voice and
// video get a short answer in private chats and are ignored in groups.
// Refusals and failures are told in the user's language (Localizer), never
// with an internal error's text or a key ID.
//
// # Commands
//
// /start /help /reset /vip /usage /model /persona /cancel for everyone;
// /grant /revoke /keys /stats /broadcast for Options.Admins and Owners
// only (anyone else gets "unknown command"). Commands work with the
// @botname suffix in groups; RegisterCommands sets the menus per scope.
// Options.Commands adds commands of your own. /cancel is handled before the
// chat's queue (DispatcherOptions.Express), so it stops a running reply.
//
// # Groups
//
// In groups the bot answers only when mentioned, replied to, or addressed
// by a trigger word (Options.Triggers), with the address removed from the
// question, replying to the user's message in its topic. A trigger word
// addresses the bot at the start of a message ("小爱同学，今天星期几？"),
// after a greeting there ("hey admin, ..."), or as a vocative at the end
// after a comma ("what time is it, admin?"); anywhere else ("ask the admin
// about it") it is talk about someone, and the bot stays silent. Memory is per user by default; Options.GroupMemory shares it per
// group or per forum topic.
//
// # Memory notes
//
// When a user's memory starts afresh because the conversation reached the
// tier's MemoryRounds, or because a full tier ended the session, a short
// note in the user's language goes out just before the answer
// (MsgMemoryRoundLimit, MsgMemoryEvicted). A memory expired after the
// tier's IdleExpiry is silent unless Options.TellIdleReset. A memory shared
// by a group or topic gets no note.
//
// # Running and reloading
//
// /broadcast runs in the background, owned by the Bot, so that it holds no
// chat's queue; its status message is edited as it goes, and a second
// /broadcast while one runs is told so. Shutdown stops at once what runs
// at start-up (the command registration, which would retry while Telegram
// is unreachable) and in the background (a broadcast, whose status then
// says how far it got), and waits for both.
//
// SetTiers and SetPersonas change a running bot: the session manager's
// tiers, the key router's tier → key groups map, and the personas, checked
// as New checks them; on error nothing changes.
//
// # Operations
//
// An Observer (Options.Observer) is told of updates, replies and Telegram
// errors; package botkit/metrics implements it for Prometheus, so botkit
// itself does not depend on Prometheus. Logs use log/slog with the update,
// chat, user and key IDs, never secrets or message text.
//
// Below the facade, botkit takes updates in (long polling or a webhook),
// dispatches them to handlers in order per chat, and sends answers out at
// a pace Telegram accepts, streaming long replies as they are written.
//
// # Intake
//
// A Poller calls getUpdates with its own HTTP client and long-polling
// timeout. It confirms an update's offset to Telegram only when that update
// and every earlier one have been handled (a watermark over the updates in
// flight), keeps the confirmed offset in a store.KV so that a restart
// resumes exactly, backs off on errors, waits the retry_after of a 429, and
// returns ErrConflict on a 409 (another poller, or a webhook is set) rather
// than retrying forever.
//
// A Webhook is the http.Handler for updates pushed by Telegram: 401 for a
// wrong secret (compared in constant time), 413 past the body limit, 400
// for malformed JSON, 405 for anything but POST, 503 while shutting down
// or while another replica holds the update's chat, 200 once the update is
// accepted. SetWebhook and DeleteWebhook manage the
// registration.
//
// Redelivered update IDs are dropped by a Dedup over store.Locks: an
// update is claimed by a short lease, renewed while it is handled, and
// marked done once handled. A done update is dropped; one claimed by a live
// attempt elsewhere is tried again later, neither handled nor confirmed;
// the claims of a process that died expire, so the redelivery is answered
// once; Shutdown frees the claims of the updates it cancelled.
//
// Replicas sharing a store take a lease per chat
// (DispatcherOptions.ChatLocks) before accepting a chat's update, so that
// one chat is answered by one replica at a time, in order: an update whose
// chat another replica holds is refused (ErrChatBusy), and the Webhook
// answers 503 so that Telegram delivers it again.
//
// # Dispatch
//
// A Dispatcher runs a Handler over submitted updates. Updates of one chat
// run one at a time and in order; different chats run in parallel on a
// bounded pool of workers; a bounded queue makes Submit block instead of
// growing memory. A panic is recovered, logged with the update ID, and the
// chat goes on. Shutdown stops intake, finishes running and queued updates
// until its context ends, then cancels the rest; their offsets stay
// unconfirmed, so Telegram delivers them again to the next run.
//
// # Middleware
//
// A Middleware is a func(Handler) Handler; Chain applies several. The
// update, its user and its chat are in the handler's context (UpdateFrom,
// UserFrom, ChatFrom). Recover, Logging (log/slog, with update, chat and
// user IDs), AllowList and RateLimit (a token bucket per user) are
// provided.
//
// # Sending
//
// A Sender wraps the client's API calls. It paces messages per chat (about
// 1 a second), per group (about 20 a minute) and overall (about 30 a
// second) before Telegram has to complain; on a 429 it waits the
// retry_after it was given, within limits and the context's deadline, and
// retries; it retries 5xx and network errors with backoff; "message is not
// modified" is success; a group migrated to a supergroup is followed; a
// user who blocked the bot is recorded in store.Users. Errors are *APIError
// values, found with errors.As through any wrapping and classified with
// errors.Is against the ErrX sentinels. DownloadFile fetches files up to the
// 20 MB bots may download, with its own HTTP client.
//
// # Streaming
//
// Sender.Stream turns a channel of text deltas into what the user sees:
// the typing action until the first text; in private chats a draft
// (sendMessageDraft) updated at a throttled pace, then the final message;
// in groups, or where drafts fail, a first message once some text has come,
// then edits no more often than the group pace allows, slower after any
// 429. The final Markdown is rendered with package tgmd and split into
// messages of at most 4096 UTF-16 code units; if Telegram rejects the
// formatting, the same text goes out as plain text. A cancelled context
// finishes the partial reply with a short note.
//
// Every wait (pacing, backoff, throttling) runs on an injectable Clock, so
// tests drive time instead of sleeping.
package botkit

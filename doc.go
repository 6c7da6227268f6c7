// Package svsbot is the map of an SDK for AI (Gemini) Telegram bots that
// survive real traffic. It holds no code; import the packages below.
//
// # Packages
//
//   - keyrouter: which Gemini API key serves the next call. Keys in groups,
//     per-key and per-project limits, cooldowns that follow the server's retry
//     hints, circuit breakers, failover, retirement and rotation. It knows
//     nothing of Telegram or Gemini.
//   - gemini: the Gemini client on google.golang.org/genai (text, images,
//     streaming, personas, safety, token counting), routing every call
//     through keyrouter; gemini/geminitest is a fake Gemini server for tests.
//   - vipsession: tiers, quotas, conversation memory, grants with expiry,
//     idle expiry; it persists through the store contracts.
//   - store: the storage contracts, with backends in subpackages
//     (memstore, sqlitestore, pgstore, redisstore) and store/storetest, the
//     conformance suite any backend runs.
//   - botkit: the facade. Telegram in and out on github.com/go-telegram/bot
//     (polling and webhook, per-chat ordered dispatch, graceful drain, 429
//     handling, streamed replies), composing all of the above;
//     botkit/tgmd renders Markdown to Telegram HTML and splits long replies;
//     botkit/telegramtest is a fake Telegram Bot API server for tests.
//
// # How they compose
//
// One message goes in through botkit (polling or webhook), is dispatched in
// order per chat, opens a vipsession turn (tier, quota reservation, memory),
// is answered by a gemini call on a key that keyrouter picked, is streamed
// back to the user through the botkit stream writer, and is committed to the
// store. Only botkit imports the other packages; each of them can be used on
// its own.
//
// # Where to start
//
// examples/geminibot is the reference bot; examples/minimal is the smallest
// bot with the full AI reply path.
package svsbot

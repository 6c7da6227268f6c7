// Command loadtest runs the SDK's whole bot pipeline (botkit.New: intake,
// dispatcher, sessions and quotas in a store, key routing, streamed Gemini
// calls, paced replies) in-process against telegramtest and geminitest over
// loopback HTTP, drives it like a crowd and reports what it did.
//
//	go run ./examples/loadtest -pacing=false -chats 1000 -messages 30000
//	go run ./examples/loadtest -json ...
//
// See README.md for the scenario of each target.
//
// # The crowd
//
// Users write in private chats and in groups (where they mention the bot),
// in an open loop at a fixed rate (-rate) or in a closed loop where each
// chat writes again once answered (-think later). Every user message
// carries a sequence number that Gemini's answer repeats in an end marker,
// so that the final reply to each message is recognised at the Telegram
// fake, whatever drafts and edits came before it.
//
// # Knobs
//
// Gemini latency, chunking and answer length; the number of keys and their
// per-minute and per-day limits; the store (memory, SQLite, or PostgreSQL
// and Redis); the intake (long polling or a webhook); the fake's Telegram
// flood limits; and chaos: Gemini per-minute and per-day 429s, 5xx and
// dead keys, Telegram 429 storms and 5xx, store latency.
//
// # The report
//
// Updates per second, latency percentiles from a message's arrival at the
// fake to its final reply, peak RSS (sampled VmRSS and VmHWM), goroutines,
// messages in flight, Telegram 429s provoked, Bot API calls per message,
// Gemini calls, quota overruns (calls Gemini answered past a key's limit
// as the router was told it), and the share of messages answered. The same
// workload runs first through a bare go-telegram/bot echo bot, the floor,
// and the SDK's overhead is the ratio of the two throughputs.
//
// # Integrity
//
// Every run ends with its integrity checked: a user message that got no
// reply at all (lost), one answered twice (duplicated) or an answer in the
// wrong chat makes the run exit with status 1. A message answered with an
// error note instead of its answer is counted as failed, not lost.
package main

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/gemini/geminitest"
	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
)

// runScript runs the console over the lines of script and returns the
// transcript.
func runScript(t *testing.T, cfg *config, opts consoleOptions, script ...string) string {
	t.Helper()
	var out bytes.Buffer
	opts.In = strings.NewReader(strings.Join(script, "\n") + "\n")
	opts.Out = &out
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, runConsole(ctx, cfg, opts))
	return out.String()
}

// answers splits a transcript into what followed each prompt.
func answers(transcript string) []string {
	parts := strings.Split(transcript, "\n> ")
	return parts[1:]
}

func TestConsoleTranscript(t *testing.T) {
	cfg, err := loadConfig(mapLookup(nil), loadOptions{Console: true})
	require.NoError(t, err)
	out := runScript(t, cfg, consoleOptions{ChunkDelay: 5 * time.Millisecond, Poll: time.Millisecond},
		"What is **Go**?",
		"and what else?",
		"/usage",
		"/reset",
		"after the reset",
		"/help",
		"/stats",
		"/keys",
		"/model",
		":press 2",
		":photo a red square",
		":press 9",
		":nonsense",
		":quit",
		"never read",
	)
	t.Log(out)
	a := answers(out)
	require.Len(t, a, 14, "one prompt per line up to :quit")

	assert.Contains(t, out, "you are user 1000001, an owner")
	assert.Contains(t, a[0], "bot: You said: What is Go?", "the question answered; Markdown rendered")
	assert.Contains(t, a[0], "This is the start of our conversation.")
	assert.Contains(t, a[0], "model: gemini-")
	assert.Contains(t, a[1], "I remember 1 earlier round", "memory")

	assert.Contains(t, a[2], "Today: 2 of unlimited requests", "/usage counts the two answers")
	assert.Contains(t, a[3], "forgot", "/reset")
	assert.Contains(t, a[4], "This is the start of our conversation.", "memory is gone after /reset")
	assert.Contains(t, a[5], "/reset", "/help lists the commands")
	assert.Contains(t, a[5], "Admin:", "the console user is an owner")
	assert.Contains(t, a[6], "requests 3", "/stats, an admin command, counts the answers")
	assert.Contains(t, a[7], keyIDOf(consoleKey), "/keys shows the key by its ID")
	assert.NotContains(t, out, consoleKey, "never the key itself")
	assert.Contains(t, a[8], "buttons: [1]", "/model shows a chooser")
	assert.Contains(t, a[9], "bot (edited):", "pressing a button edits the chooser")
	assert.Contains(t, a[10], "I got 1 image(s)", "a photo reaches the model")
	assert.Contains(t, a[11], "console: press a button from 1 to")
	assert.Contains(t, a[12], "console: unknown console command :nonsense")
	assert.NotContains(t, out, "never read")
}

// A streamed answer is printed as it grows: several pieces of the draft,
// then the rest of the final message, and the text comes out whole once.
func TestConsoleStreams(t *testing.T) {
	cfg, err := loadConfig(mapLookup(nil), loadOptions{Console: true})
	require.NoError(t, err)
	var pieces int
	out := runScript(t, cfg, consoleOptions{ChunkDelay: 50 * time.Millisecond, DraftInterval: 10 * time.Millisecond, Poll: time.Millisecond, onDraft: func() { pieces++ }},
		"stream this please")
	assert.Greater(t, pieces, 1, "the draft was shown as it grew")
	assert.Equal(t, 1, strings.Count(out, "You said: stream this please"), out)
	assert.Equal(t, 1, strings.Count(out, "set GEMINI_API_KEYS to talk to the real model"), out)
}

// End of input ends the console cleanly.
func TestConsoleEOF(t *testing.T) {
	cfg, err := loadConfig(mapLookup(nil), loadOptions{Console: true})
	require.NoError(t, err)
	out := runScript(t, cfg, consoleOptions{Poll: time.Millisecond}, "", "hi")
	assert.Contains(t, out, "You said: hi")
}

func TestConsoleAnswer(t *testing.T) {
	one := consoleAnswer(&geminitest.Call{Model: "m", Contents: []geminitest.Turn{{Role: "user", Text: "a *b*"}}})
	assert.Contains(t, one, "You said: **a b**")
	assert.Contains(t, one, "start of our conversation")
	three := consoleAnswer(&geminitest.Call{Model: "m", System: "Be brief. Really.", Contents: []geminitest.Turn{
		{Role: "user", Text: "1"}, {Role: "model", Text: "x"}, {Role: "user", Text: "2"}, {Role: "model", Text: "y"}, {Role: "user", Text: "3"},
	}})
	assert.Contains(t, three, "*2 earlier rounds*")
	assert.Contains(t, three, "persona: Be brief")
}

func keyIDOf(secret string) string { return keyrouter.Fingerprint(keyrouter.Secret(secret)) }

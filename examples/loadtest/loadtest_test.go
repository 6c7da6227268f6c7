package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

func TestMain(m *testing.M) {
	// genai's dependencies start an opencensus worker at init.
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("go.opencensus.io/stats/view.(*worker).start"))
}

// shortRun is the number of user messages of each short run.
const shortRun = 200

// TestShortRun drives both pipelines with a few hundred messages in
// private chats and groups, and checks the report and its integrity.
func TestShortRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"memory poll", []string{"-store", "memory"}},
		{"sqlite webhook", []string{"-store", "sqlite", "-intake", "webhook", "-bot", "sdk"}},
		{"chaos", []string{"-bot", "sdk", "-keys", "4", "-dead-keys", "1", "-gemini-5xx", "0.05", "-tg-5xx", "0.02"}},
		{"fleet", []string{"-bot", "sdk", "-store", "fleet"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "fleet" && (os.Getenv("SVSBOT_TEST_POSTGRES_URL") == "" || os.Getenv("SVSBOT_TEST_REDIS_URL") == "") {
				t.Skip("SVSBOT_TEST_POSTGRES_URL and SVSBOT_TEST_REDIS_URL are not set: no PostgreSQL and Redis to run the fleet store on")
			}
			args := append([]string{"-json", "-pacing=false", "-chats", "20", "-groups", "2", "-messages", strconv.Itoa(shortRun), "-chunks", "3", "-drain", "20s"}, tc.args...)
			var out, errOut bytes.Buffer
			code := runMain(args, &out, &errOut)
			require.Equal(t, 0, code, "stderr: %s\nreport: %s", errOut.String(), out.String())
			var r Report
			require.NoError(t, json.Unmarshal(out.Bytes(), &r))
			require.NotEmpty(t, r.Phases)
			for _, ph := range r.Phases {
				assert.Equal(t, shortRun, ph.Sent, ph.Bot)
				assert.Zero(t, ph.Lost, ph.Bot)
				assert.Zero(t, ph.Duplicated, ph.Bot)
				assert.Zero(t, ph.Stray, ph.Bot)
				assert.Positive(t, ph.UpdatesPerSec, ph.Bot)
				assert.Positive(t, ph.Latency.P99, ph.Bot)
				assert.GreaterOrEqual(t, ph.Latency.Max, ph.Latency.P99, ph.Bot)
				assert.Positive(t, ph.PeakRSSMB, ph.Bot)
				assert.Positive(t, ph.PeakGoroutines, ph.Bot)
			}
			sdk := r.Phases[len(r.Phases)-1]
			assert.Contains(t, sdk.Bot, "sdk")
			assert.Equal(t, 0, sdk.QuotaOverruns)
			if tc.name == "chaos" {
				assert.Positive(t, sdk.GeminiFailed, "the chaos reached Gemini")
				assert.Positive(t, sdk.Answered, "answers came through the chaos")
			} else {
				assert.Equal(t, shortRun, sdk.Answered)
				assert.Equal(t, shortRun, sdk.GeminiAnswered, "one Gemini call per message")
			}
		})
	}
}

// TestIntegrityCounts feeds the tracker the calls a faulty bot would make:
// a lost reply, a duplicate, an error note and a stray answer.
func TestIntegrityCounts(t *testing.T) {
	tr := newTracker(nil)
	now := time.Now()
	for seq := int64(1); seq <= 4; seq++ {
		tr.expect(seq, 100+seq, now)
		tr.bind(seq, int(seq))
	}
	answer := func(chat int64, msgID int, seq int64) telegramtest.Call {
		return telegramtest.Call{Method: "sendMessage", Status: 200, ChatID: chat, MessageID: msgID, Text: answerTo(question(seq), 40)}
	}
	// 1: answered, its final edit is not a duplicate.
	tr.onCall(answer(101, 10, 1))
	edit := answer(101, 10, 1)
	edit.Method = "editMessageText"
	tr.onCall(edit)
	// 2: answered twice, in two messages.
	tr.onCall(answer(102, 20, 2))
	tr.onCall(answer(102, 21, 2))
	// 3: an error note replying to it.
	tr.onCall(telegramtest.Call{Method: "sendMessage", Status: 200, ChatID: 103, MessageID: 30, ReplyTo: 3, Text: "Sorry, try later"})
	// 4: nothing. A partial draft and a failed call do not count.
	tr.onCall(telegramtest.Call{Method: "sendMessageDraft", Status: 200, ChatID: 104, Text: answerTo(question(4), 40)})
	tr.onCall(telegramtest.Call{Method: "sendMessage", Status: 429, ChatID: 104, Text: answerTo(question(4), 40)})
	tr.onCall(telegramtest.Call{Method: "sendMessage", Status: 200, ChatID: 104, MessageID: 40, Text: "Answer end-q4"})
	// An answer in the wrong chat.
	tr.onCall(answer(999, 50, 1))

	got := tr.result()
	assert.Equal(t, integrity{Sent: 4, Answered: 2, Failed: 1, Lost: 1, Duplicated: 1, Stray: 1}, integrity{
		Sent: got.Sent, Answered: got.Answered, Failed: got.Failed, Lost: got.Lost, Duplicated: got.Duplicated, Stray: got.Stray,
	})

	r := &Report{Phases: []Phase{{Bot: "sdk", Sent: got.Sent, Lost: got.Lost, Duplicated: got.Duplicated}}}
	r.check()
	assert.Len(t, r.Problems, 2, "a lost and a duplicated reply fail the run")
}

func TestMarkers(t *testing.T) {
	for _, tc := range []struct {
		text string
		seq  int64
		ok   bool
	}{
		{question(42), 42, true},
		{"@test_bot " + question(7), 7, true},
		{"q12", 0, false},
		{"aq12z", 0, false},
		{"", 0, false},
	} {
		seq, ok := questionSeq(tc.text)
		assert.Equal(t, tc.ok, ok, tc.text)
		assert.Equal(t, tc.seq, seq, tc.text)
	}
	a := answerTo(question(42), 100)
	assert.Len(t, a, 99)
	assert.Equal(t, []int64{42}, endSeqs(a))
	for cut := range len(a) - 1 {
		assert.Empty(t, endSeqs(a[:cut]), "a partial answer is never final: %q", a[:cut])
	}
	assert.Empty(t, answerTo("hello", 100))
}

func TestScenarioErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-bot", "nope"},
		{"-store", "oracle"},
		{"-dead-keys", "4", "-keys", "4"},
		{"-gemini-5xx", "1.5"},
		{"-intake", "carrier-pigeon"},
	} {
		var out, errOut bytes.Buffer
		assert.Equal(t, 2, runMain(args, &out, &errOut), args)
		assert.NotEmpty(t, errOut.String(), args)
	}
}

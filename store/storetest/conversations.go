package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

var conversationCases = []testCase{
	{"Empty", convEmpty},
	{"AppendAndRead", convAppendAndRead},
	{"RecentLimit", convRecentLimit},
	{"OrderAcrossCalls", convOrderAcrossCalls},
	{"Clear", convClear},
	{"KeysAreSeparate", convKeysAreSeparate},
	{"TrickyKeysAndTexts", convTricky},
	{"BigText", convBigText},
	{"FieldsRoundTrip", convFieldsRoundTrip},
	{"NoAliasing", convNoAliasing},
	{"Invalid", convInvalid},
	{"ConcurrentAppends", convConcurrentAppends},
}

// turn builds a turn at base+i seconds.
func turn(role store.Role, text string, i int) store.Turn {
	return store.Turn{Role: role, Text: text, Tokens: int64(len(text)), Time: base.Add(time.Duration(i) * time.Second)}
}

// requireTurns fails unless got equals want field by field (times at Precision).
func requireTurns(t testing.TB, want, got []store.Turn) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		w, g := want[i], got[i]
		require.Equalf(t, w.Role, g.Role, "turn %d role", i)
		require.Equalf(t, w.Text, g.Text, "turn %d text", i)
		require.Equalf(t, w.Tokens, g.Tokens, "turn %d tokens", i)
		requireSameTime(t, w.Time, g.Time, fmt.Sprintf("turn %d time", i))
		require.Equalf(t, len(w.Media), len(g.Media), "turn %d media count", i)
		for j := range w.Media {
			require.Equalf(t, w.Media[j], g.Media[j], "turn %d media %d", i, j)
		}
	}
}

func recent(t testing.TB, s store.Store, key string, limit int) []store.Turn {
	t.Helper()
	got, err := s.RecentTurns(ctx(t), key, limit)
	require.NoError(t, err)
	return got
}

func convEmpty(t *testing.T, s store.Store) {
	got, err := s.RecentTurns(ctx(t), "chat:1", 10)
	require.NoError(t, err, "a conversation with no turns is not an error")
	require.Empty(t, got)
	require.NoError(t, s.ClearConversation(ctx(t), "chat:1"), "clearing an empty conversation")
}

func convAppendAndRead(t *testing.T, s store.Store) {
	key := store.ConversationKey(-100123, 42, 7)
	want := []store.Turn{turn(store.RoleUser, "hello", 0), turn(store.RoleModel, "hi there", 1)}
	require.NoError(t, s.AppendTurns(ctx(t), key, want...))
	requireTurns(t, want, recent(t, s, key, 10))
}

func convRecentLimit(t *testing.T, s store.Store) {
	key := "chat:1"
	var all []store.Turn
	for i := range 25 {
		role := store.RoleUser
		if i%2 == 1 {
			role = store.RoleModel
		}
		all = append(all, turn(role, fmt.Sprintf("turn %d", i), i))
	}
	require.NoError(t, s.AppendTurns(ctx(t), key, all[:10]...))
	require.NoError(t, s.AppendTurns(ctx(t), key, all[10:]...))
	for _, limit := range []int{1, 2, 5, 10, 24, 25, 26, 1000} {
		want := all[max(0, len(all)-limit):]
		requireTurns(t, want, recent(t, s, key, limit))
	}
}

// convOrderAcrossCalls checks that order is the order of appends, not of
// the turns' Time fields, which callers may give out of order.
func convOrderAcrossCalls(t *testing.T, s store.Store) {
	key := "chat:2"
	a := turn(store.RoleUser, "first appended, latest time", 100)
	b := turn(store.RoleModel, "second appended, earliest time", 1)
	c := turn(store.RoleUser, "third appended, same time as second", 1)
	require.NoError(t, s.AppendTurns(ctx(t), key, a))
	require.NoError(t, s.AppendTurns(ctx(t), key, b))
	require.NoError(t, s.AppendTurns(ctx(t), key, c))
	requireTurns(t, []store.Turn{a, b, c}, recent(t, s, key, 3))
	requireTurns(t, []store.Turn{b, c}, recent(t, s, key, 2))
}

func convClear(t *testing.T, s store.Store) {
	require.NoError(t, s.AppendTurns(ctx(t), "chat:1", turn(store.RoleUser, "a", 0), turn(store.RoleModel, "b", 1)))
	require.NoError(t, s.AppendTurns(ctx(t), "chat:2", turn(store.RoleUser, "other", 0)))
	require.NoError(t, s.ClearConversation(ctx(t), "chat:1"))
	require.Empty(t, recent(t, s, "chat:1", 10))
	require.Len(t, recent(t, s, "chat:2", 10), 1, "clearing one conversation touched another")
	require.NoError(t, s.ClearConversation(ctx(t), "chat:1"), "clearing twice")
	// A cleared conversation starts again.
	c := turn(store.RoleUser, "again", 5)
	require.NoError(t, s.AppendTurns(ctx(t), "chat:1", c))
	requireTurns(t, []store.Turn{c}, recent(t, s, "chat:1", 10))
}

// convKeysAreSeparate checks that keys which are prefixes of one another, or
// equal under case folding or pattern matching, stay separate.
func convKeysAreSeparate(t *testing.T, s store.Store) {
	keys := []string{
		store.ConversationKey(1, 0, 0), store.ConversationKey(1, 2, 0), store.ConversationKey(1, 0, 2),
		store.ConversationKey(1, 2, 3), store.ConversationKey(11, 0, 0), store.ConversationKey(-1, 0, 0),
		"a", "A", "a%", "a_", "a*", "a ", " a",
	}
	for i, k := range keys {
		require.NoError(t, s.AppendTurns(ctx(t), k, turn(store.RoleUser, k, i)))
	}
	for i, k := range keys {
		requireTurns(t, []store.Turn{turn(store.RoleUser, k, i)}, recent(t, s, k, 10))
	}
	require.NoError(t, s.ClearConversation(ctx(t), "a%"))
	require.Empty(t, recent(t, s, "a%", 10))
	require.Len(t, recent(t, s, "a", 10), 1, "clearing a%% cleared a")
	require.Len(t, recent(t, s, "a_", 10), 1, "clearing a%% cleared a_")
}

func convTricky(t *testing.T, s store.Store) {
	for i, x := range tricky {
		require.NoError(t, s.AppendTurns(ctx(t), x, turn(store.RoleUser, x, i), turn(store.RoleModel, "reply: "+x, i)))
	}
	for i, x := range tricky {
		requireTurns(t, []store.Turn{turn(store.RoleUser, x, i), turn(store.RoleModel, "reply: "+x, i)}, recent(t, s, x, 10))
	}
}

func convBigText(t *testing.T, s store.Store) {
	big := bigText(100 << 10)
	want := []store.Turn{turn(store.RoleUser, big, 0), turn(store.RoleModel, strings.ToUpper(big), 1)}
	require.NoError(t, s.AppendTurns(ctx(t), "chat:big", want...))
	requireTurns(t, want, recent(t, s, "chat:big", 2))
}

func convFieldsRoundTrip(t *testing.T, s store.Store) {
	want := []store.Turn{
		{Role: store.RoleUser, Text: "", Tokens: 0, Time: fineTime,
			Media: []store.Media{
				{Kind: "photo", MIMEType: "image/jpeg", FileID: "AgACAgIAAxkBAAI'\"%_", Size: 123456},
				{Kind: "document", MIMEType: "application/pdf", FileID: "BQACAgIAAxkBAAI", Size: 1 << 40},
				{Kind: "voice"},
			}},
		{Role: store.RoleModel, Text: "x", Tokens: 1 << 40, Time: fineTime.Add(time.Microsecond * 1500)},
		{Role: store.RoleModel, Text: "zero time"},
	}
	require.NoError(t, s.AppendTurns(ctx(t), "chat:fields", want...))
	requireTurns(t, want, recent(t, s, "chat:fields", 10))
}

// convNoAliasing checks that neither the caller's turns nor the returned
// turns share memory with what the store keeps.
func convNoAliasing(t *testing.T, s store.Store) {
	in := []store.Turn{{Role: store.RoleUser, Text: "a", Time: base, Media: []store.Media{{Kind: "photo", FileID: "f1"}}}}
	require.NoError(t, s.AppendTurns(ctx(t), "k", in...))
	in[0].Text = "changed"
	in[0].Media[0].FileID = "changed"
	got := recent(t, s, "k", 1)
	require.Equal(t, "a", got[0].Text)
	require.Equal(t, "f1", got[0].Media[0].FileID)
	got[0].Media[0].FileID = "changed again"
	got[0].Text = "changed again"
	again := recent(t, s, "k", 1)
	require.Equal(t, "a", again[0].Text)
	require.Equal(t, "f1", again[0].Media[0].FileID)
}

func convInvalid(t *testing.T, s store.Store) {
	good := turn(store.RoleUser, "kept", 0)
	require.NoError(t, s.AppendTurns(ctx(t), "chat:1", good))
	bad := []struct {
		name  string
		key   string
		turns []store.Turn
	}{
		{"empty key", "", []store.Turn{turn(store.RoleUser, "x", 1)}},
		{"no turns", "chat:1", nil},
		{"empty role", "chat:1", []store.Turn{turn(store.RoleUser, "ok", 1), {Text: "no role"}}},
		{"unknown role", "chat:1", []store.Turn{{Role: "system", Text: "x"}, turn(store.RoleUser, "ok", 1)}},
		{"negative tokens", "chat:1", []store.Turn{turn(store.RoleUser, "ok", 1), {Role: store.RoleModel, Tokens: -1}}},
		{"new key", "chat:new", []store.Turn{turn(store.RoleUser, "ok", 1), {Role: "assistant"}}},
		{"NUL in text", "chat:1", []store.Turn{turn(store.RoleUser, "ok", 1), turn(store.RoleModel, "a\x00b", 2)}},
		{"invalid UTF-8", "chat:1", []store.Turn{turn(store.RoleUser, "ok", 1), turn(store.RoleModel, "a\xffb", 2)}},
		{"NUL in key", "chat:\x00", []store.Turn{turn(store.RoleUser, "ok", 1)}},
	}
	for _, b := range bad {
		requireErrorIs(t, s.AppendTurns(ctx(t), b.key, b.turns...), store.ErrInvalid, b.name)
	}
	requireTurns(t, []store.Turn{good}, recent(t, s, "chat:1", 10))
	require.Empty(t, recent(t, s, "chat:new", 10), "an invalid append stored turns")
	for _, limit := range []int{0, -1} {
		_, err := s.RecentTurns(ctx(t), "chat:1", limit)
		requireErrorIs(t, err, store.ErrInvalid, fmt.Sprintf("limit %d", limit))
	}
	_, err := s.RecentTurns(ctx(t), "", 10)
	requireErrorIs(t, err, store.ErrInvalid, "RecentTurns with an empty key")
	requireErrorIs(t, s.ClearConversation(ctx(t), ""), store.ErrInvalid, "ClearConversation with an empty key")
	requireTurns(t, []store.Turn{good}, recent(t, s, "chat:1", 10))
}

// convConcurrentAppends appends from many goroutines to one conversation and
// checks that every turn is kept and the turns of one call stay together,
// in order.
func convConcurrentAppends(t *testing.T, s store.Store) {
	const writers, calls, perCall = 16, 8, 3
	key := "chat:concurrent"
	parallel(writers, func(w int) {
		for c := range calls {
			turns := make([]store.Turn, perCall)
			for i := range turns {
				turns[i] = turn(store.RoleUser, fmt.Sprintf("w%d c%d t%d", w, c, i), c)
			}
			assert.NoError(t, s.AppendTurns(ctx(t), key, turns...))
		}
	})
	got := recent(t, s, key, writers*calls*perCall+10)
	require.Len(t, got, writers*calls*perCall, "turns were lost")
	nextCall := make([]int, writers)
	for i := 0; i < len(got); i += perCall {
		var w, c, n int
		_, err := fmt.Sscanf(got[i].Text, "w%d c%d t%d", &w, &c, &n)
		require.NoError(t, err)
		require.Equalf(t, nextCall[w], c, "writer %d: calls out of order at turn %d", w, i)
		nextCall[w]++
		for j := range perCall {
			require.Equalf(t, fmt.Sprintf("w%d c%d t%d", w, c, j), got[i+j].Text, "turns of one call interleaved at turn %d", i+j)
		}
	}
}

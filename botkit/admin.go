package botkit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot"

	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

// adminCommands answer admins and owners only; anyone else gets "unknown
// command".
var adminCommands = map[string]commandFunc{
	"grant":     (*Assistant).cmdGrant,
	"revoke":    (*Assistant).cmdRevoke,
	"keys":      (*Assistant).cmdKeys,
	"stats":     (*Assistant).cmdStats,
	"broadcast": (*Assistant).cmdBroadcast,
}

// ParseGrantDuration reads the duration of /grant: "30d", "2w", "12h",
// "90m", Go durations ("1h30m"), or "forever" / "permanent" / "永久" for a
// grant without expiry (vipsession.Permanent).
func ParseGrantDuration(s string) (time.Duration, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "forever", "permanent", "永久":
		return vipsession.Permanent, nil
	case "":
		return 0, errors.New("botkit: empty duration")
	}
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	if u, ok := unit[s[len(s)-1]]; ok {
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil || n <= 0 || n > 36500 {
			return 0, fmt.Errorf("botkit: bad duration %q", s)
		}
		return time.Duration(n) * u, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("botkit: bad duration %q", s)
	}
	return d, nil
}

func (a *Assistant) tierNames() string {
	var names []string
	for _, t := range a.sessions.Tiers() {
		names = append(names, t.Name)
	}
	return strings.Join(names, ", ")
}

func (a *Assistant) cmdGrant(ctx context.Context, m *Message) error {
	f := strings.Fields(m.Args)
	usage := m.Text(MsgGrantUsage, a.tierNames())
	if len(f) != 3 {
		return m.Reply(ctx, usage)
	}
	user, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || user == 0 {
		return m.Reply(ctx, usage)
	}
	if _, err := a.sessions.Tier(f[1]); err != nil {
		return m.Reply(ctx, usage)
	}
	d, err := ParseGrantDuration(f[2])
	if err != nil {
		return m.Reply(ctx, usage)
	}
	sub, err := a.sessions.Grant(ctx, user, f[1], d, m.From.ID, "via /grant")
	if err != nil {
		return a.internal(ctx, m, err)
	}
	exp := m.Text(MsgForever)
	if !sub.Expires.IsZero() {
		exp = a.formatTime(sub.Expires)
	}
	a.log.Info("botkit: grant", "user_id", user, "tier", sub.Tier, "by", m.From.ID)
	return m.Reply(ctx, m.Text(MsgGranted, user, sub.Tier, exp))
}

func (a *Assistant) cmdRevoke(ctx context.Context, m *Message) error {
	user, err := strconv.ParseInt(strings.TrimSpace(m.Args), 10, 64)
	if err != nil || user == 0 {
		return m.Reply(ctx, m.Text(MsgRevokeUsage))
	}
	switch err := a.sessions.Revoke(ctx, user, m.From.ID, "via /revoke"); {
	case errors.Is(err, vipsession.ErrNoGrant):
		return m.Reply(ctx, m.Text(MsgNoGrant, user))
	case err != nil:
		return a.internal(ctx, m, err)
	}
	a.log.Info("botkit: revoke", "user_id", user, "by", m.From.ID)
	return m.Reply(ctx, m.Text(MsgRevoked, user))
}

// cmdKeys shows the health of every key: IDs, states, use. Key statistics
// carry no secret.
func (a *Assistant) cmdKeys(ctx context.Context, m *Message) error {
	if a.router == nil {
		return m.Reply(ctx, "keys: the key router is not managed by this bot")
	}
	stats := a.router.Stats()
	var b strings.Builder
	fmt.Fprintf(&b, "keys: %d\n", len(stats))
	counts := map[string]int{}
	for _, k := range stats {
		counts[k.State.String()]++
	}
	for _, st := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(&b, "%s: %d\n", st, counts[st])
	}
	now := a.clock.Now()
	for _, k := range stats {
		fmt.Fprintf(&b, "\n%s [%s] %s", k.ID, k.Group, k.State)
		if !k.CoolingUntil.IsZero() && k.CoolingUntil.After(now) {
			fmt.Fprintf(&b, " for %s", k.CoolingUntil.Sub(now).Round(time.Second))
		}
		var fails int64
		for _, n := range k.Failures {
			fails += n
		}
		fmt.Fprintf(&b, "\n  breaker %s, in flight %d, minute %d, today %d, ok %d, failed %d", k.Breaker, k.InFlight, k.UsedMinute, k.UsedToday, k.Successes, fails)
		if k.LastError != "" {
			fmt.Fprintf(&b, ", last %s", k.LastError)
		}
	}
	return m.Reply(ctx, b.String())
}

// cmdStats shows today's (UTC) requests, tokens, errors, top users and
// top models, from the store's usage records.
func (a *Assistant) cmdStats(ctx context.Context, m *Message) error {
	day := store.DayUTC(a.clock.Now())
	buckets, err := a.st.SummarizeUsage(ctx, day, day.Add(24*time.Hour))
	if err != nil {
		return a.internal(ctx, m, err)
	}
	var total store.UsageTotals
	users := map[int64]*store.UsageTotals{}
	mods := map[string]*store.UsageTotals{}
	for _, bk := range buckets {
		total.Merge(bk.UsageTotals)
		if users[bk.UserID] == nil {
			users[bk.UserID] = &store.UsageTotals{}
		}
		users[bk.UserID].Merge(bk.UsageTotals)
		if mods[bk.Model] == nil {
			mods[bk.Model] = &store.UsageTotals{}
		}
		mods[bk.Model].Merge(bk.UsageTotals)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "stats %s (UTC)\nrequests %d, errors %d, tokens %d in + %d out", day.Format("2006-01-02"),
		total.Requests, total.Errors, total.PromptTokens, total.OutputTokens)
	if total.Requests > 0 {
		fmt.Fprintf(&b, ", mean latency %s", (total.Latency / time.Duration(total.Requests)).Round(time.Millisecond))
	}
	b.WriteString("\n\ntop users:")
	for _, id := range topN(users, 5) {
		u := users[id]
		fmt.Fprintf(&b, "\n  %d: %d requests, %d tokens", id, u.Requests, u.PromptTokens+u.OutputTokens)
	}
	b.WriteString("\n\ntop models:")
	for _, name := range topN(mods, 5) {
		u := mods[name]
		fmt.Fprintf(&b, "\n  %s: %d requests, %d tokens", name, u.Requests, u.PromptTokens+u.OutputTokens)
	}
	return m.Reply(ctx, b.String())
}

// topN returns the n keys with the most requests, ties by key.
func topN[K cmp.Ordered](m map[K]*store.UsageTotals, n int) []K {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(x, y K) int {
		if c := cmp.Compare(m[y].Requests, m[x].Requests); c != 0 {
			return c
		}
		return cmp.Compare(x, y)
	})
	return keys[:min(n, len(keys))]
}

// BroadcastResult counts what became of a broadcast.
type BroadcastResult struct {
	Sent, Skipped, Failed int
}

// Broadcast sends text to every user in the store, paced by the Sender
// under Telegram's limits, skipping users who blocked the bot (and counting
// as skipped those found to have blocked it now). progress, if not nil, is
// called after every user with the counts so far.
func (a *Assistant) Broadcast(ctx context.Context, text string, progress func(BroadcastResult)) (BroadcastResult, error) {
	var r BroadcastResult
	after := int64(0)
	for {
		users, err := a.st.ListUsers(ctx, store.UserFilter{AfterID: after, Limit: 100})
		if err != nil {
			return r, err
		}
		if len(users) == 0 {
			return r, nil
		}
		for _, u := range users {
			after = u.ID
			switch {
			case u.Blocked:
				r.Skipped++
			default:
				_, err := a.sender.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.ID, Text: text})
				switch {
				case err == nil:
					r.Sent++
				case ctx.Err() != nil:
					return r, ctx.Err()
				case errors.Is(err, ErrBlocked), errors.Is(err, ErrForbidden):
					r.Skipped++
				default:
					r.Failed++
				}
			}
			if progress != nil {
				progress(r)
			}
		}
	}
}

// cmdBroadcast starts Broadcast in the background, owned by the
// Assistant, so that it holds no chat's queue: a status message is edited
// with the progress (at most every 20 users or 5 seconds) and the result.
// One broadcast runs at a time; Shutdown (or Close) stops it, and the
// status then says how far it got.
func (a *Assistant) cmdBroadcast(ctx context.Context, m *Message) error {
	if m.Args == "" {
		return m.Reply(ctx, m.Text(MsgBroadcastUsage))
	}
	a.bgMu.Lock()
	busy := a.bcasting
	a.bcasting = !busy
	a.bgMu.Unlock()
	if busy {
		return m.Reply(ctx, m.Text(MsgBroadcastRunning))
	}
	status, err := a.sendText(ctx, m.Message, m.Text(MsgBroadcastStatus, 0, 0, 0, 0), nil)
	if err == nil && !a.goBackground(func(life context.Context) { a.broadcast(life, m, status.ID) }) {
		err = errors.New("botkit: broadcast refused: shutting down")
	}
	if err != nil {
		a.bgMu.Lock()
		a.bcasting = false
		a.bgMu.Unlock()
	}
	return err
}

// broadcast runs one /broadcast and edits its status message.
func (a *Assistant) broadcast(ctx context.Context, m *Message, statusID int) {
	defer func() {
		a.bgMu.Lock()
		a.bcasting = false
		a.bgMu.Unlock()
	}()
	last := a.clock.Now()
	edit := func(ctx context.Context, text string) {
		_, err := a.sender.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: m.Chat.ID, MessageID: statusID, Text: text})
		if err != nil {
			a.log.Warn("botkit: broadcast progress not shown", "err", err)
		}
	}
	r, err := a.Broadcast(ctx, m.Args, func(r BroadcastResult) {
		n := r.Sent + r.Skipped + r.Failed
		if now := a.clock.Now(); n%20 == 0 || now.Sub(last) >= 5*time.Second {
			last = now
			edit(ctx, m.Text(MsgBroadcastStatus, r.Sent, r.Skipped, r.Failed, n))
		}
	})
	a.log.Info("botkit: broadcast", "by", m.From.ID, "sent", r.Sent, "skipped", r.Skipped, "failed", r.Failed, "err", err)
	if ctx.Err() != nil {
		// Stopping: say how far it got, briefly and unpaced by the stop.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		edit(sctx, m.Text(MsgBroadcastStopped, r.Sent, r.Skipped, r.Failed))
		return
	}
	if err != nil {
		a.log.Error("botkit: broadcast failed", "by", m.From.ID, "err", err)
	}
	edit(ctx, m.Text(MsgBroadcastDone, r.Sent, r.Skipped, r.Failed))
}

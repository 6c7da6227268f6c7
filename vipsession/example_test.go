package vipsession_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

func Example() {
	ctx := context.Background()
	st := memstore.New(memstore.Options{})
	defer st.Close()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	m, err := vipsession.New(st, vipsession.Options{
		Owners:   []int64{1},
		Location: shanghai,
		Now:      func() time.Time { return now },
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// An owner grants a week of VIP to user 42.
	if _, err := m.Grant(ctx, 42, vipsession.TierVIP, 7*24*time.Hour, 1, "supporter"); err != nil {
		fmt.Println(err)
		return
	}

	alice := vipsession.Identity{UserID: 42, ChatID: 42, Private: true}
	for _, q := range []string{"你好", "What did I just say?"} {
		s, err := m.Begin(ctx, alice, vipsession.BeginOptions{Text: q})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s tier, models %v, %d turns of memory\n", s.Tier.Name, s.Models, len(s.History))
		// ... call the model with s.Models, s.KeyGroups and s.History ...
		if err := s.Commit(ctx, vipsession.Result{
			UserText: q, ModelText: "…", PromptTokens: 20, OutputTokens: 30,
			Model: s.Models[0], KeyID: "key-a", Latency: time.Second,
		}); err != nil {
			fmt.Println(err)
			return
		}
	}

	// A failed reply is aborted and costs nothing.
	s, _ := m.Begin(ctx, alice, vipsession.BeginOptions{Text: "this one fails"})
	_ = s.Abort(ctx)

	stat, _ := m.Status(ctx, alice)
	fmt.Printf("today: %d of %d requests, %d tokens; resets %s\n",
		stat.Day.Requests.Used, stat.Day.Requests.Limit, stat.Day.Tokens.Used,
		stat.Day.Resets.Format("2006-01-02 15:04 MST"))
	fmt.Printf("grant expires %s, %d of %d rounds remembered\n",
		stat.Grant.Expires.In(shanghai).Format("2006-01-02"), stat.MemoryRounds, stat.Tier.MemoryRounds)

	// Guests in groups get one request a turn and are told when to come back.
	bob := vipsession.Identity{UserID: 7, ChatID: -100}
	for {
		s, err := m.Begin(ctx, bob, vipsession.BeginOptions{Text: "hi"})
		var qe *vipsession.QuotaError
		if errors.As(err, &qe) {
			fmt.Printf("%s: %d used, try again after %s\n", qe.Quota, qe.Used, qe.Resets.Format("15:04 MST"))
			break
		}
		var re *vipsession.RateLimitError
		if errors.As(err, &re) {
			now = now.Add(re.RetryAfter)
			continue
		}
		_ = s.Commit(ctx, vipsession.Result{UserText: "hi", ModelText: "hello"})
	}
	// Output:
	// vip tier, models [gemini-pro-latest gemini-flash-latest], 0 turns of memory
	// vip tier, models [gemini-pro-latest gemini-flash-latest], 2 turns of memory
	// today: 2 of 1000 requests, 100 tokens; resets 2026-11-26 00:00 CST
	// grant expires 2026-12-02, 2 of 7 rounds remembered
	// requests_per_day: 10 used, try again after 00:00 CST
}

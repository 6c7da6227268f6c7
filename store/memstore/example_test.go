package memstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
)

// A daily quota of 3 requests: the fourth take of the day is refused, and
// the next day's window counts from zero. Time comes from the caller.
func Example() {
	s := memstore.New(memstore.Options{})
	defer s.Close()
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	midnight := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for range 4 {
		used, ok, err := s.TakeCounter(ctx, "quota:day:2026-11-25:user:42", 1, 3, now, midnight)
		fmt.Println(used, ok, err)
	}
	used, _ := s.ReadCounter(ctx, "quota:day:2026-11-25:user:42", midnight)
	fmt.Println("after midnight:", used)
	// Output:
	// 1 true <nil>
	// 2 true <nil>
	// 3 true <nil>
	// 3 false <nil>
	// after midnight: 0
}

package sqlitestore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/web3-ai-game/svs-telegram-bot/store"
	"github.com/web3-ai-game/svs-telegram-bot/store/sqlitestore"
)

func Example() {
	dir, err := os.MkdirTemp("", "sqlitestore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s, err := sqlitestore.Open(ctx, filepath.Join(dir, "bot.db"), sqlitestore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	// Remember a conversation.
	key := store.ConversationKey(42, 0, 0)
	err = s.AppendTurns(ctx, key,
		store.Turn{Role: store.RoleUser, Text: "Hello"},
		store.Turn{Role: store.RoleModel, Text: "Hi! How can I help?"})
	if err != nil {
		log.Fatal(err)
	}
	turns, err := s.RecentTurns(ctx, key, 20)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range turns {
		fmt.Printf("%s: %s\n", t.Role, t.Text)
	}

	// Take from a daily quota of 3 requests.
	now := time.Date(2026, time.November, 25, 9, 0, 0, 0, time.UTC)
	midnight := store.DayUTC(now).Add(24 * time.Hour)
	for range 4 {
		used, ok, err := s.TakeCounter(ctx, "quota:day:2026-11-25:user:42", 1, 3, now, midnight)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("taken:", ok, "used:", used)
	}

	// Back up the database while it is in use.
	if err := s.Backup(ctx, filepath.Join(dir, "backup.db")); err != nil {
		log.Fatal(err)
	}
	fmt.Println("backup written")
	// Output:
	// user: Hello
	// model: Hi! How can I help?
	// taken: true used: 1
	// taken: true used: 2
	// taken: true used: 3
	// taken: false used: 3
	// backup written
}

package sqlitestore

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store"
)

// crashNow is the clock of the crash child; counters expire long after it.
var crashNow = time.Date(2026, time.November, 25, 12, 0, 0, 0, time.UTC)

const crashWriters = 4

// crashChild writes to the store at path from several goroutines until it is
// killed, and prints one line per acknowledged write, only after the store
// returned: "turn <conv> <text>", "kv <key>" or "ctr <used>".
func crashChild(path string) int {
	ctx := context.Background()
	s, err := Open(ctx, path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var mu sync.Mutex
	ack := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(os.Stdout, format+"\n", args...) // unbuffered: one write per line
	}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	var wg sync.WaitGroup
	for g := range crashWriters {
		wg.Go(func() {
			conv := fmt.Sprintf("conv:%s:%d", run, g)
			for i := 0; ; i++ {
				id := fmt.Sprintf("%s-%d-%d", run, g, i)
				switch i % 3 {
				case 0:
					turn := store.Turn{Role: store.RoleUser, Text: id, Tokens: int64(i), Time: crashNow}
					if err := s.AppendTurns(ctx, conv, turn); err != nil {
						fmt.Fprintln(os.Stderr, err)
						os.Exit(1)
					}
					ack("turn %s %s", conv, id)
				case 1:
					if err := s.SetValue(ctx, "k:"+id, []byte(id), 0, crashNow); err != nil {
						fmt.Fprintln(os.Stderr, err)
						os.Exit(1)
					}
					ack("kv k:%s", id)
				case 2:
					used, ok, err := s.TakeCounter(ctx, "crash", 1, 1<<40, crashNow, crashNow.Add(time.Hour))
					if err != nil || !ok {
						fmt.Fprintln(os.Stderr, err, ok)
						os.Exit(1)
					}
					ack("ctr %d", used)
				}
			}
		})
	}
	wg.Wait()
	return 0
}

// TestAcknowledgedWritesSurviveKill kills a writing child process with
// SIGKILL in the middle of its writes, several times over the same file,
// and checks after each kill that every write the child saw acknowledged is
// in the database and that the database is intact.
func TestAcknowledgedWritesSurviveKill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	var maxCounter int64
	for round := range 3 {
		acks := runAndKill(t, path, 200+100*round)
		require.NotEmpty(t, acks)
		requireIntegrity(t, path)

		s, err := Open(t.Context(), path, Options{})
		require.NoError(t, err, "reopen after kill")
		turnsByConv := map[string][]string{}
		for _, line := range acks {
			f := strings.Fields(line)
			switch f[0] {
			case "turn":
				turnsByConv[f[1]] = append(turnsByConv[f[1]], f[2])
			case "kv":
				_, err := s.GetValue(t.Context(), f[1], crashNow)
				require.NoError(t, err, "acknowledged value %s lost", f[1])
			case "ctr":
				used, err := strconv.ParseInt(f[1], 10, 64)
				require.NoError(t, err)
				maxCounter = max(maxCounter, used)
			default:
				t.Fatalf("unexpected line %q from the child", line)
			}
		}
		for conv, want := range turnsByConv {
			got, err := s.RecentTurns(t.Context(), conv, 1<<20)
			require.NoError(t, err)
			texts := make(map[string]bool, len(got))
			for _, g := range got {
				texts[g.Text] = true
			}
			for _, w := range want {
				require.True(t, texts[w], "acknowledged turn %s of %s lost", w, conv)
			}
		}
		used, err := s.ReadCounter(t.Context(), "crash", crashNow)
		require.NoError(t, err)
		require.GreaterOrEqual(t, used, maxCounter, "acknowledged counter takes lost")
		require.NoError(t, s.Close())
		t.Logf("round %d: %d acknowledged writes survived SIGKILL", round, len(acks))
	}
}

// runAndKill starts the crash child on path, kills it with SIGKILL once it
// has acknowledged after writes, and returns every line it acknowledged,
// including those printed between the kill decision and its death.
func runAndKill(t *testing.T, path string, after int) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var acks []string
	sc := bufio.NewScanner(out)
	killed := false
	for sc.Scan() {
		acks = append(acks, sc.Text())
		if !killed && len(acks) >= after {
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			killed = true
		}
	}
	require.NoError(t, sc.Err())
	err = cmd.Wait()
	require.True(t, killed, "child ended before it was killed: %v, stderr: %s", err, stderr.String())
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr)
	ws, ok := exitErr.Sys().(syscall.WaitStatus)
	require.True(t, ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL, "child was not killed by SIGKILL: %v, stderr: %s", err, stderr.String())
	// A line cut by the kill was never fully acknowledged.
	if last := acks[len(acks)-1]; len(strings.Fields(last)) < 2 {
		acks = acks[:len(acks)-1]
	}
	return acks
}

// requireIntegrity runs PRAGMA integrity_check on the file as it is, with
// whatever WAL the last process left.
func requireIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	var res string
	require.NoError(t, db.QueryRow("PRAGMA integrity_check").Scan(&res))
	require.Equal(t, "ok", res)
}

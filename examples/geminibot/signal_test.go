package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/telegramtest"
)

// logWatch is a log writer that tells when a line containing a text has
// been written.
type logWatch struct {
	mu    sync.Mutex
	buf   strings.Builder
	waits map[string]chan struct{}
}

func (w *logWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for text, ch := range w.waits {
		if strings.Contains(w.buf.String(), text) {
			close(ch)
			delete(w.waits, text)
		}
	}
	return len(p), nil
}

// seen returns a channel closed once text has been logged.
func (w *logWatch) seen(text string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := make(chan struct{})
	if strings.Contains(w.buf.String(), text) {
		close(ch)
		return ch
	}
	if w.waits == nil {
		w.waits = map[string]chan struct{}{}
	}
	w.waits[text] = ch
	return ch
}

func (w *logWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// The real process plumbing: SIGHUP reloads the keys file, SIGTERM drains
// and realMain returns 0. Signals go to this test process, which realMain
// has asked to be told of them.
func TestSignals(t *testing.T) {
	f := newFakes(t)
	dir := t.TempDir()
	keysFile := filepath.Join(dir, "keys")
	require.NoError(t, os.WriteFile(keysFile, []byte("A:p1:"+testKey1), 0o600))
	env, _ := f.env(t, envKeys, "", envKeys+fileSuffix, keysFile)
	for _, v := range allVars {
		t.Setenv(v, "")
		t.Setenv(v+fileSuffix, "")
	}
	for k, v := range env {
		t.Setenv(k, v)
	}

	logs := &logWatch{}
	code := make(chan int, 1)
	go func() { code <- realMain([]string{"-env", filepath.Join(dir, "none")}, nil, io.Discard, logs) }()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Run registers the command menus first: realMain listens for signals by then.
	_, err := f.tg.WaitFor(ctx, func(c telegramtest.Call) bool { return c.Method == "setMyCommands" })
	require.NoError(t, err)

	askKey := func(text string) string {
		t.Helper()
		_, err := f.tg.SendText(42, text)
		require.NoError(t, err)
		_, err = f.tg.WaitReplies(ctx, 42, 1)
		require.NoError(t, err)
		c := f.gm.Calls()
		return c[len(c)-1].KeyID
	}
	assert.Equal(t, "k1", askKey("one"))

	require.NoError(t, os.WriteFile(keysFile, []byte("A:p2:"+testKey2), 0o600))
	reloaded := logs.seen("reloaded: keys rotated")
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	select {
	case <-reloaded:
	case <-ctx.Done():
		t.Fatalf("no reload; log:\n%s", logs)
	}
	assert.Equal(t, "k2", askKey("two"))

	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGTERM))
	select {
	case c := <-code:
		assert.Equal(t, 0, c, logs.String())
	case <-ctx.Done():
		t.Fatalf("no drain; log:\n%s", logs)
	}
	out := logs.String()
	assert.Contains(t, out, "signal: draining")
	assert.Contains(t, out, "msg=stopped")
	assert.Contains(t, out, "1 key; A: "+keyIDOf(testKey1)+" (p1)  (from file "+keysFile+")", "the configuration is printed")
	assertNoSecret(t, out)
}

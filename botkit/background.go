package botkit

import (
	"context"
)

// goBackground runs f in a goroutine owned by the Assistant, with a
// context that ends when the Assistant stops (Bot.Shutdown or Close), which
// waits for it. It reports false, without running f, once stopping has
// begun.
func (a *Assistant) goBackground(f func(ctx context.Context)) bool {
	a.bgMu.Lock()
	defer a.bgMu.Unlock()
	if a.bgClosed {
		return false
	}
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		f(a.life)
	}()
	return true
}

// stopBackground ends the Assistant's life (start-up calls and background
// work see their context cancelled) and waits for the background work to
// return, or for ctx to end. It returns ctx.Err() if ctx ended first.
func (a *Assistant) stopBackground(ctx context.Context) error {
	a.bgMu.Lock()
	a.bgClosed = true
	a.bgMu.Unlock()
	a.stopLife()
	done := make(chan struct{})
	go func() {
		a.bg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// withLife returns ctx, also cancelled when the Assistant stops.
func (a *Assistant) withLife(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(a.life, cancel)
	return ctx, func() { stop(); cancel() }
}

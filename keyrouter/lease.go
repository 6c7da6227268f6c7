package keyrouter

import (
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// Lease is a key held for one call; for a streamed call, until the stream
// ends. Release it exactly once with the call's outcome; later calls do
// nothing. A Lease is safe for concurrent use; its zero value is a lease on
// no key, whose methods return zero values.
//
// A Lease prints as its key's ID and model, never its secret.
type Lease struct {
	r        *Router
	ks       *keyState
	km       *keyModel
	pm       *projModel
	model    string
	tokens   int64
	takenAt  int64
	done     func(error)
	released atomic.Bool
	tried    []*keyState // Do: keys this call has tried
}

// KeyID is the non-secret ID of the leased key.
func (l *Lease) KeyID() string {
	if l == nil || l.ks == nil {
		return ""
	}
	return l.ks.id
}

// Secret is the leased key's secret, for the wire.
func (l *Lease) Secret() Secret {
	if l == nil || l.ks == nil {
		return ""
	}
	// The configuration, not the state, holds the secret: SetKeys may give
	// a key that keeps its ID a new secret.
	if c := l.ks.cfg.Load(); c != nil {
		return c.key.Secret
	}
	return l.ks.secret
}

// Model is the model the lease was acquired for.
func (l *Lease) Model() string {
	if l == nil {
		return ""
	}
	return l.model
}

// Group is the group of the leased key.
func (l *Lease) Group() string {
	if l == nil || l.ks == nil {
		return ""
	}
	return l.ks.cfg.Load().group
}

// Project is the project of the leased key ("" when it has none).
func (l *Lease) Project() string {
	if l == nil || l.ks == nil {
		return ""
	}
	return l.ks.cfg.Load().key.Project
}

// String returns the key ID and model.
func (l *Lease) String() string { return "lease " + l.KeyID() + " " + l.Model() }

// Format prints String for every verb.
func (l *Lease) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(l.String())) }

// LogValue makes slog print the key ID and model.
func (l *Lease) LogValue() slog.Value {
	return slog.GroupValue(slog.String("key", l.KeyID()), slog.String("model", l.Model()))
}

// MarshalJSON encodes the key ID and model.
func (l *Lease) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{"key":%q,"model":%q}`, l.KeyID(), l.Model()), nil
}

// Release ends the lease with the call's outcome. Calling it again does nothing.
func (l *Lease) Release(o Outcome) {
	if l == nil || l.r == nil || l.released.Swap(true) {
		return
	}
	r, ks, km, pm := l.r, l.ks, l.km, l.pm
	km.inFlight.Add(-1)
	ks.inFlight.Add(-1)
	v := o.Verdict
	if v == Success {
		ks.successes.Add(1)
	} else if v >= 0 && int(v) < numVerdicts {
		ks.failures[v].Add(1)
		ks.lastVerdict.Store(int64(v) + 1)
	}
	switch v {
	case Success:
		if o.Tokens > 0 && int64(o.Tokens) != l.tokens {
			pm.mu.Lock()
			pm.adjustTokens(l.takenAt, int64(o.Tokens)-l.tokens)
			pm.mu.Unlock()
		}
	case RateLimited:
		d := o.RetryAfter
		if d <= 0 {
			d = r.opts.Cooldown
		}
		r.cool(l, r.now().Add(d), v, StateCooling)
	case DayExhausted, NoQuota:
		r.cool(l, NextReset(r.now(), r.opts.ResetZone), v, stateOf(v))
	case DeadKey:
		if !ks.retired.Swap(true) {
			r.emit(l.change(StateRetired, v, time.Time{}))
		}
	}
	km.report(l.done, v)
	if km.tripped.Swap(false) {
		r.emit(l.change(StateBreakerOpen, v, time.Unix(0, km.openUntil.Load())))
	}
	if km.recovered.Swap(false) {
		r.emit(l.change(StateReady, v, time.Time{}))
	}
	r.wake()
}

// Return gives the lease back unused: no call was sent with it, so its
// reservation of the project's quota is refunded and its key gets no
// verdict. Use it instead of Release when a lease turns out not to be
// needed. After Release, Return does nothing, and the other way round.
func (l *Lease) Return() {
	if l == nil || l.r == nil || l.released.Swap(true) {
		return
	}
	l.km.inFlight.Add(-1)
	l.ks.inFlight.Add(-1)
	l.pm.mu.Lock()
	l.pm.untake(l.takenAt, l.tokens)
	l.pm.mu.Unlock()
	if l.done != nil {
		l.done(errExcluded)
	}
	l.r.wake()
}

// cool rests the lease's project+model until until, here and in the shared
// state, and reports it.
func (r *Router) cool(l *Lease, until time.Time, v Verdict, s KeyState) {
	pm := l.pm
	pm.mu.Lock()
	changed := pm.cool(until.UnixNano(), v)
	pm.mu.Unlock()
	if sh := r.opts.Shared; sh != nil {
		// Best effort: a failing shared store must not fail the release; the
		// next Take of another replica is refused by the upstream instead.
		_ = sh.Cool(backgroundCtx, pm.project, pm.model, until)
	}
	if changed {
		r.emit(l.change(s, v, until))
	}
}

func (l *Lease) change(s KeyState, v Verdict, until time.Time) StateChange {
	c := l.ks.cfg.Load()
	return StateChange{KeyID: l.ks.id, Group: c.group, Project: c.key.Project, Model: l.model,
		State: s, Cause: v, Until: until}
}

func (r *Router) emit(c StateChange) {
	if f := r.opts.OnStateChange; f != nil {
		f(c)
	}
}

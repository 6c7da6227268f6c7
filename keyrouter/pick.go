package keyrouter

import (
	"context"
	"time"
)

// candidate is a key evaluated for one request.
type candidate struct {
	ks     *keyState
	km     *keyModel
	pm     *projModel
	lim    Limits
	score  float64 // > 0: can serve now; higher = more headroom
	freeAt int64   // score 0: when it may serve (unix ns); 0 = unknown
	busy   bool    // score 0 because of calls in flight, which a release frees
}

// pick tries the groups in order and, within a group, two keys sampled at
// random, taking the one with more headroom; only when neither can serve
// does it scan the group. On failure it returns the soonest time a key frees
// up (zero = unknown) and whether some key waits only for a release.
func (r *Router) pick(ctx context.Context, groups []*group, req *Request, now time.Time, l *Lease,
	tried []*keyState) (freeAt time.Time, busy, ok bool) {
	nowNs := now.UnixNano()
	var soonest int64
	note := func(c *candidate) {
		if c.freeAt > nowNs && (soonest == 0 || c.freeAt < soonest) {
			soonest = c.freeAt
		}
		busy = busy || c.busy
	}
	for _, g := range groups {
		n := len(g.keys)
		if n == 0 {
			continue
		}
		if n > 2 {
			a := r.randN(n)
			b := r.randN(n - 1)
			if b >= a {
				b++
			}
			var ca, cb candidate
			r.eval(&ca, g.keys[a], req, nowNs, tried)
			r.eval(&cb, g.keys[b], req, nowNs, tried)
			best := &ca
			if cb.score > ca.score {
				best = &cb
			}
			if best.score > 0 && r.take(ctx, best, req, now, l) {
				return time.Time{}, false, true
			}
		}
		// Both samples were full (or lost a race): look at every key. The
		// lock-free hints in eval keep this cheap while most keys are cooling.
		for range 3 {
			var best candidate
			off := r.randN(n)
			for i := range n {
				var c candidate
				r.eval(&c, g.keys[(off+i)%n], req, nowNs, tried)
				if c.score == 0 {
					note(&c)
				} else if c.score > best.score {
					best = c
				}
			}
			if best.score == 0 {
				break
			}
			if r.take(ctx, &best, req, now, l) {
				return time.Time{}, false, true
			}
			note(&best)
		}
	}
	if soonest != 0 {
		freeAt = time.Unix(0, soonest)
	}
	return freeAt, busy, false
}

// eval scores ks for req at now into c.
func (r *Router) eval(c *candidate, ks *keyState, req *Request, now int64, tried []*keyState) {
	for _, t := range tried {
		if t == ks {
			return
		}
	}
	for _, id := range req.Exclude {
		if id == ks.id {
			return
		}
	}
	if ks.retired.Load() {
		return
	}
	cfg := ks.cfg.Load()
	c.ks = ks
	c.lim = cfg.key.LimitsFor(req.Model)
	c.km = ks.model(req.Model, r)
	if u := c.km.openUntil.Load(); u > now {
		c.freeAt = u
		return
	}
	inFlight := c.km.inFlight.Load()
	if c.lim.Concurrent > 0 && inFlight >= int64(c.lim.Concurrent) {
		c.busy = true
		return
	}
	c.pm = cfg.proj.model(req.Model)
	if nb := c.pm.notBefore.Load(); nb > now {
		c.freeAt = nb
		return
	}
	headroom := 1.0
	if c.lim.RPM > 0 || c.lim.TPM > 0 || c.lim.RPD > 0 {
		c.pm.mu.Lock()
		c.pm.advance(now, r.opts.ResetZone)
		h, free, why := c.pm.check(now, c.lim, int64(req.Tokens))
		c.pm.mu.Unlock()
		if h == 0 {
			if why != tokensFull && free > now && free > c.pm.notBefore.Load() {
				c.pm.notBefore.Store(free)
			}
			c.freeAt = free
			return
		}
		headroom = h
	}
	c.score = headroom * cfg.weight / float64(1+ks.inFlight.Load())
}

// take reserves c for req and fills l. It fails when c lost a race for
// capacity, or when the shared state refuses.
func (r *Router) take(ctx context.Context, c *candidate, req *Request, now time.Time, l *Lease) bool {
	km, pm, lim := c.km, c.pm, c.lim
	if lim.Concurrent > 0 {
		for {
			n := km.inFlight.Load()
			if n >= int64(lim.Concurrent) {
				c.score, c.busy = 0, true
				return false
			}
			if km.inFlight.CompareAndSwap(n, n+1) {
				break
			}
		}
	} else {
		km.inFlight.Add(1)
	}
	done, ok := km.allow()
	if !ok { // a half-open breaker has its probes out
		km.inFlight.Add(-1)
		c.score, c.busy = 0, true
		return false
	}
	nowNs := now.UnixNano()
	tokens := int64(req.Tokens)
	pm.mu.Lock()
	pm.advance(nowNs, r.opts.ResetZone)
	h, free, _ := pm.check(nowNs, lim, tokens)
	if h > 0 {
		pm.take(nowNs, lim, tokens)
	}
	dayEnd := pm.dayEnd
	pm.mu.Unlock()
	if h == 0 {
		r.undoTake(c, done, free)
		return false
	}
	if sh := r.opts.Shared; sh != nil {
		ok, freeAt, err := sh.Take(ctx, pm.project, pm.model, now, lim.RPM, lim.RPD, time.Unix(0, dayEnd))
		if err == nil && !ok {
			// Another replica spent it: correct the local view.
			free = now.Add(time.Second).UnixNano()
			if freeAt.After(now) {
				free = freeAt.UnixNano()
			}
			pm.mu.Lock()
			pm.untake(nowNs, tokens)
			pm.cool(free, RateLimited)
			pm.mu.Unlock()
			r.undoTake(c, done, free)
			return false
		}
		// A shared store that fails is not a reason to stop serving: the
		// local counts still hold this replica back.
	}
	c.ks.inFlight.Add(1)
	*l = Lease{r: r, ks: c.ks, km: km, pm: pm, model: req.Model, tokens: tokens, takenAt: nowNs, done: done}
	return true
}

func (r *Router) undoTake(c *candidate, done func(error), free int64) {
	c.km.inFlight.Add(-1)
	if done != nil {
		done(errExcluded)
	}
	c.score, c.freeAt = 0, free
}

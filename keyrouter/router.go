package keyrouter

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ErrUnknownTier is returned for a Request whose tier is not in Options.Tiers.
var ErrUnknownTier = errors.New("keyrouter: unknown tier")

// Request asks for a key.
type Request struct {
	Tier   string   // mapped to key groups by Options.Tiers
	Groups []string // explicit ordered groups; overrides Tier when non-empty
	Model  string
	Tokens int // estimated token cost, for TPM headroom
	// Exclude lists IDs of keys not to use, e.g. those a caller's own
	// failover already tried.
	Exclude []string
}

// Router picks keys. Safe for concurrent use. Build it with New; the zero
// value is not usable.
//
// The hot path takes no router-wide lock: the key set is an immutable
// snapshot behind an atomic pointer, each project+model has its own small
// mutex, and keys are chosen by sampling two at random ("power of two
// choices") so that a group of 1,000 keys costs what a group of 10 does.
type Router struct {
	opts Options

	set atomic.Pointer[keySet]

	mu       sync.Mutex // serialises SetKeys; guards projects
	projects map[string]*projState

	waitMu  sync.Mutex // guards waitCh
	waitCh  chan struct{}
	waiters atomic.Int64

	rnd func(n int) int // nil = math/rand/v2; set only by single-goroutine tests

	closed    atomic.Bool
	done      chan struct{}
	closeOnce sync.Once
}

// keySet is one immutable generation of keys.
type keySet struct {
	keys   []*keyState
	byID   map[string]*keyState
	groups map[string]*group
	all    []*group            // every group, in name order
	tiers  map[string][]*group // Options.Tiers resolved
}

type group struct {
	name string
	keys []*keyState
}

// New builds a router over keys. Keys without an ID get Fingerprint(Secret);
// an empty secret or two keys with one ID is an error unwrapping to
// ErrInvalidKeys. An empty key set is allowed: Acquire then fails with
// ErrNoKey until SetKeys adds keys.
func New(keys []Key, opts Options) (*Router, error) {
	r := &Router{
		opts:     opts.withDefaults(),
		projects: map[string]*projState{},
		done:     make(chan struct{}),
	}
	if err := r.SetKeys(keys); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Router) now() time.Time { return r.opts.Now() }

// SetKeys replaces the key set without a restart. Keys that stay (same ID)
// keep their counters, cooldowns, breakers and retirement; new keys serve at
// once; leases on removed keys finish normally. On error nothing changes.
func (r *Router) SetKeys(keys []Key) error {
	norm := make([]Key, len(keys))
	seen := make(map[string]bool, len(keys))
	for i, k := range keys {
		if k.Secret == "" {
			return &KeyListError{Entry: i + 1, Offset: -1, Reason: "empty secret"}
		}
		k = k.withID()
		if seen[k.ID] {
			return &KeyListError{Entry: i + 1, Offset: -1, Reason: "duplicate key ID " + strconv.Quote(k.ID)}
		}
		seen[k.ID] = true
		norm[i] = k
	}

	r.mu.Lock()
	old := r.set.Load()
	ns := &keySet{byID: make(map[string]*keyState, len(norm)), groups: map[string]*group{}}
	var changes []StateChange
	for _, k := range norm {
		var ks *keyState
		if old != nil {
			ks = old.byID[k.ID]
		}
		if ks == nil {
			ks = newKeyState(k)
			changes = append(changes, StateChange{KeyID: k.ID, Group: k.Group, Project: k.Project,
				State: StateAdded})
		}
		project := k.Project
		if project == "" {
			project = "key:" + k.ID
		}
		ps := r.projects[project]
		if ps == nil {
			ps = newProjState(project)
			r.projects[project] = ps
		}
		ks.cfg.Store(&keyConfig{group: k.Group, proj: ps, weight: float64(k.Weight), key: k})
		ns.keys = append(ns.keys, ks)
		ns.byID[k.ID] = ks
		g := ns.groups[k.Group]
		if g == nil {
			g = &group{name: k.Group}
			ns.groups[k.Group] = g
			ns.all = append(ns.all, g)
		}
		g.keys = append(g.keys, ks)
	}
	sort.Slice(ns.all, func(i, j int) bool { return ns.all[i].name < ns.all[j].name })
	ns.tiers = resolveTiers(r.opts.Tiers, ns.groups)
	if old != nil {
		for _, ks := range old.keys {
			if ns.byID[ks.id] == nil {
				c := ks.cfg.Load()
				changes = append(changes, StateChange{KeyID: ks.id, Group: c.group, Project: c.key.Project,
					State: StateRemoved})
			}
		}
	}
	// Limits may have changed: drop the lock-free hints derived from the old ones.
	for _, ps := range r.projects {
		for _, pm := range *ps.models.Load() {
			pm.mu.Lock()
			pm.notBefore.Store(pm.coolUntil)
			pm.mu.Unlock()
		}
	}
	r.set.Store(ns)
	r.mu.Unlock()
	r.wake()
	for _, c := range changes {
		r.emit(c)
	}
	return nil
}

// resolveTiers maps each tier to its groups that have keys, in order; nil
// stays nil (every tier uses every group).
func resolveTiers(tiers map[string][]string, groups map[string]*group) map[string][]*group {
	if tiers == nil {
		return nil
	}
	out := make(map[string][]*group, len(tiers))
	for tier, names := range tiers {
		gs := []*group{}
		for _, n := range names {
			if g := groups[n]; g != nil {
				gs = append(gs, g)
			}
		}
		out[tier] = gs
	}
	return out
}

// SetTiers replaces Options.Tiers without a restart: requests acquired
// from then on use the new tier → groups map (nil: every tier uses every
// group); leases already held finish normally, and the keys keep their
// state. A tier with an empty name, or naming a group twice, is an error
// unwrapping to ErrInvalidTiers, and then nothing changes. The map is
// copied.
func (r *Router) SetTiers(tiers map[string][]string) error {
	var cp map[string][]string
	if tiers != nil {
		cp = make(map[string][]string, len(tiers))
		for tier, names := range tiers {
			if tier == "" {
				return fmt.Errorf("%w: empty tier name", ErrInvalidTiers)
			}
			seen := make(map[string]bool, len(names))
			for _, n := range names {
				if seen[n] {
					return fmt.Errorf("%w: tier %q names group %q twice", ErrInvalidTiers, tier, n)
				}
				seen[n] = true
			}
			cp[tier] = slices.Clone(names)
		}
	}
	r.mu.Lock()
	r.opts.Tiers = cp
	ns := *r.set.Load()
	ns.tiers = resolveTiers(cp, ns.groups)
	r.set.Store(&ns)
	r.mu.Unlock()
	r.wake()
	return nil
}

// Rotate is SetKeys from a key list in ParseKeys syntax.
func (r *Router) Rotate(list string) error {
	keys, err := ParseKeys(list)
	if err != nil {
		return err
	}
	return r.SetKeys(keys)
}

// Keys returns the current key set (secrets included, as Secret values).
func (r *Router) Keys() []Key {
	set := r.set.Load()
	out := make([]Key, len(set.keys))
	for i, ks := range set.keys {
		out[i] = ks.cfg.Load().key
	}
	return out
}

// groupsFor resolves the groups a request may use, in order.
func (s *keySet) groupsFor(req *Request) ([]*group, error) {
	if len(req.Groups) == 0 {
		if s.tiers == nil {
			return s.all, nil
		}
		gs, ok := s.tiers[req.Tier]
		if !ok {
			return nil, ErrUnknownTier
		}
		return gs, nil
	}
	gs := make([]*group, 0, len(req.Groups))
	for _, n := range req.Groups {
		if g := s.groups[n]; g != nil {
			gs = append(gs, g)
		}
	}
	return gs, nil
}

// Acquire leases the best key for req: the groups of its tier in order, and
// within a group the key with the most headroom. When every eligible key is
// cooling down it waits for the soonest one if that is within the context's
// deadline and Options.MaxWait, and otherwise fails at once with a
// *NoKeyError (unwrapping to ErrNoKey) that says when a key frees up.
// The lease must be released with the call's outcome.
func (r *Router) Acquire(ctx context.Context, req Request) (l *Lease, err error) {
	// Acquire is small enough to inline, so that the Lease stays on the
	// caller's stack when the caller keeps it there: no allocation per call.
	l = new(Lease)
	if err = r.acquire(ctx, &req, l); err != nil {
		l = nil
	}
	return
}

// acquire fills l with a key not in l.tried. It must not let l escape.
func (r *Router) acquire(ctx context.Context, req *Request, l *Lease) error {
	tried := l.tried
	var (
		start time.Time
		wake  <-chan struct{}
	)
	registered := false
	defer func() {
		if registered {
			r.waiters.Add(-1)
		}
	}()
	for {
		if r.closed.Load() {
			return ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		set := r.set.Load()
		groups, err := set.groupsFor(req)
		if err != nil {
			return err
		}
		if registered {
			wake = r.wakeChan() // before the look, so no release is missed
		}
		now := r.now()
		freeAt, busy, ok := r.pick(ctx, groups, req, now, l, tried)
		if ok {
			return nil
		}
		if start.IsZero() {
			start = now
		}
		limit := start.Add(r.opts.MaxWait)
		if dl, ok := ctx.Deadline(); ok && dl.Before(limit) {
			limit = dl
		}
		if r.opts.MaxWait < 0 || (freeAt.IsZero() && !busy) || !freeAt.IsZero() && freeAt.After(limit) ||
			freeAt.IsZero() && !limit.After(now) {
			return &NoKeyError{Model: req.Model, FreeAt: freeAt}
		}
		if !registered {
			// Register before a last look, so that a release between the
			// look and the wait is not missed.
			registered = true
			r.waiters.Add(1)
			wake = r.wakeChan()
			if _, _, ok = r.pick(ctx, groups, req, now, l, tried); ok {
				return nil
			}
		}
		until := limit
		if !freeAt.IsZero() {
			until = freeAt
		}
		select {
		case <-r.opts.After(until.Sub(now)):
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		case <-r.done:
			return ErrClosed
		}
	}
}

// wakeChan returns the channel closed at the next release or key change.
func (r *Router) wakeChan() <-chan struct{} {
	r.waitMu.Lock()
	defer r.waitMu.Unlock()
	if r.waitCh == nil {
		r.waitCh = make(chan struct{})
	}
	return r.waitCh
}

// wake wakes the waiters, if any: a key may have freed up.
func (r *Router) wake() {
	if r.waiters.Load() == 0 {
		return
	}
	r.waitMu.Lock()
	if r.waitCh != nil {
		close(r.waitCh)
		r.waitCh = nil
	}
	r.waitMu.Unlock()
}

// Close wakes every waiting Acquire with ErrClosed and makes later calls
// fail with it. Leases still out may be released. The router starts no
// goroutines, so none outlives Close.
func (r *Router) Close() error {
	r.closeOnce.Do(func() {
		r.closed.Store(true)
		close(r.done)
	})
	return nil
}

// randN returns a random int in [0, n); n > 0. math/rand/v2's global source
// is per-thread and lock-free; tests that must be deterministic set rnd.
func (r *Router) randN(n int) int {
	if r.rnd != nil {
		return r.rnd(n)
	}
	return rand.IntN(n)
}

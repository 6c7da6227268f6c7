package keyrouter

import (
	"sync"
	"sync/atomic"
	"time"
)

const minuteNanos = int64(time.Minute)

// tokensFull is the reason check gives when the minute's tokens cannot take
// the request: unlike the other reasons it depends on the request's size.
const tokensFull Verdict = -1

// projState is the usage of one project: its quotas are per model.
type projState struct {
	name   string
	mu     sync.Mutex // serialises additions to models
	models atomic.Pointer[map[string]*projModel]
	hot    atomic.Pointer[projModel] // the model used last: most calls use one model
}

func newProjState(name string) *projState {
	p := &projState{name: name}
	m := map[string]*projModel{}
	p.models.Store(&m)
	return p
}

// model returns the usage of model, created on first use. The map is
// copied on write so that the hot path reads it without a lock.
func (p *projState) model(model string) *projModel {
	if pm := p.hot.Load(); pm != nil && pm.model == model {
		return pm
	}
	if pm, ok := (*p.models.Load())[model]; ok {
		p.hot.Store(pm)
		return pm
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	old := *p.models.Load()
	if pm, ok := old[model]; ok {
		return pm
	}
	m := make(map[string]*projModel, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	pm := &projModel{project: p.name, model: model}
	m[model] = pm
	p.models.Store(&m)
	return pm
}

// projModel counts one project's use of one model: an exact sliding minute
// of request times (when an RPM limit is set), fixed minute buckets for
// tokens and statistics, the day's requests, and a cooldown.
type projModel struct {
	project, model string

	// notBefore is a lock-free hint: the project+model cannot serve a request
	// before this time (unix ns). Scans skip it without taking mu.
	notBefore atomic.Int64

	mu         sync.Mutex
	ring       []int64 // request times in the last minute, oldest at head
	head, n    int
	minute     int64 // index of the current minute bucket
	reqCur     int64 // requests in the current minute bucket
	tokCur     int64 // tokens in the current minute bucket
	tokPrev    int64 // tokens in the previous minute bucket
	dayEnd     int64 // when the day counter resets
	dayCount   int64
	coolUntil  int64
	coolReason Verdict
}

// advance drops what fell out of the windows at now. Call with mu held.
func (pm *projModel) advance(now int64, zone *time.Location) {
	for pm.n > 0 && pm.ring[pm.head] <= now-minuteNanos {
		pm.head = (pm.head + 1) % len(pm.ring)
		pm.n--
	}
	if m := now / minuteNanos; m != pm.minute {
		if m == pm.minute+1 {
			pm.tokPrev = pm.tokCur
		} else {
			pm.tokPrev = 0
		}
		pm.tokCur, pm.reqCur, pm.minute = 0, 0, m
	}
	if now >= pm.dayEnd {
		pm.dayCount = 0
		pm.dayEnd = NextReset(time.Unix(0, now), zone).UnixNano()
	}
}

// tokens estimates the tokens used in the sliding minute before now.
func (pm *projModel) tokens(now int64) int64 {
	frac := float64(now%minuteNanos) / float64(minuteNanos)
	return pm.tokCur + int64(float64(pm.tokPrev)*(1-frac))
}

// check reports whether one more request of tokens fits in lim at now and,
// if not, when it may (0 = unknown), with the reason. It also returns the
// headroom left in (0, 1]. Call with mu held, after advance.
func (pm *projModel) check(now int64, lim Limits, tokens int64) (headroom float64, freeAt int64, why Verdict) {
	if pm.coolUntil > now {
		return 0, pm.coolUntil, pm.coolReason
	}
	headroom = 1
	if lim.RPD > 0 {
		if pm.dayCount >= int64(lim.RPD) {
			return 0, pm.dayEnd, DayExhausted
		}
		headroom = min(headroom, float64(int64(lim.RPD)-pm.dayCount)/float64(lim.RPD))
	}
	if lim.RPM > 0 {
		if pm.n >= lim.RPM {
			// The request that must leave the window for one more to fit.
			oldest := pm.ring[(pm.head+pm.n-lim.RPM)%len(pm.ring)]
			return 0, oldest + minuteNanos, RateLimited
		}
		headroom = min(headroom, float64(lim.RPM-pm.n)/float64(lim.RPM))
	}
	if lim.TPM > 0 {
		used := pm.tokens(now)
		if used > 0 && used+tokens > int64(lim.TPM) {
			return 0, (pm.minute + 1) * minuteNanos, tokensFull
		}
		headroom = min(headroom, max(float64(int64(lim.TPM)-used-tokens), 1)/float64(lim.TPM))
	}
	return headroom, 0, Success
}

// take counts one request of tokens at now. Call with mu held, after check.
func (pm *projModel) take(now int64, lim Limits, tokens int64) {
	pm.dayCount++
	pm.reqCur++
	pm.tokCur += tokens
	if lim.RPM <= 0 {
		return
	}
	if pm.n == len(pm.ring) {
		pm.grow(max(lim.RPM, 2*len(pm.ring)))
	}
	pm.ring[(pm.head+pm.n)%len(pm.ring)] = now
	pm.n++
}

func (pm *projModel) grow(size int) {
	ring := make([]int64, size)
	for i := range pm.n {
		ring[i] = pm.ring[(pm.head+i)%len(pm.ring)]
	}
	pm.ring, pm.head = ring, 0
}

// adjustTokens corrects the token count of a request taken at takenAt.
func (pm *projModel) adjustTokens(takenAt int64, delta int64) {
	switch takenAt / minuteNanos {
	case pm.minute:
		pm.tokCur = max(pm.tokCur+delta, 0)
	case pm.minute - 1:
		pm.tokPrev = max(pm.tokPrev+delta, 0)
	}
}

// cool keeps the project+model out of use until until, for why. A shorter
// cooldown never shortens a longer one.
func (pm *projModel) cool(until int64, why Verdict) bool {
	if until <= pm.coolUntil {
		return false
	}
	pm.coolUntil, pm.coolReason = until, why
	if until > pm.notBefore.Load() {
		pm.notBefore.Store(until)
	}
	return true
}

// keyConfig is the part of a key that rotation may change.
type keyConfig struct {
	group  string
	proj   *projState
	weight float64
	key    Key
}

// keyState is one key and its counters. Pointers to it outlive rotations
// that keep the key, and leases keep removed keys alive until released.
type keyState struct {
	id     string
	secret Secret
	cfg    atomic.Pointer[keyConfig]

	retired  atomic.Bool
	inFlight atomic.Int64

	mu     sync.Mutex // serialises additions to models
	models atomic.Pointer[map[string]*keyModel]
	hot    atomic.Pointer[keyModel] // the model used last

	successes   atomic.Int64
	failures    [numVerdicts]atomic.Int64
	lastVerdict atomic.Int64 // Verdict+1 of the last failure; 0 = none
}

func newKeyState(k Key) *keyState {
	ks := &keyState{id: k.ID, secret: k.Secret}
	m := map[string]*keyModel{}
	ks.models.Store(&m)
	return ks
}

// model returns the key's state for model, created on first use.
func (ks *keyState) model(model string, r *Router) *keyModel {
	if km := ks.hot.Load(); km != nil && km.model == model {
		return km
	}
	if km, ok := (*ks.models.Load())[model]; ok {
		ks.hot.Store(km)
		return km
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	old := *ks.models.Load()
	if km, ok := old[model]; ok {
		return km
	}
	m := make(map[string]*keyModel, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	km := newKeyModel(ks, model, r)
	m[model] = km
	ks.models.Store(&m)
	return km
}

// untake reverses take for a request that was never sent.
func (pm *projModel) untake(takenAt, tokens int64) {
	pm.dayCount = max(pm.dayCount-1, 0)
	pm.adjustTokens(takenAt, -tokens)
	if takenAt/minuteNanos == pm.minute {
		pm.reqCur = max(pm.reqCur-1, 0)
	}
	// Remove the newest entry with that time, keeping the order.
	for i := pm.n - 1; i >= 0; i-- {
		if pm.ring[(pm.head+i)%len(pm.ring)] != takenAt {
			continue
		}
		for j := i; j < pm.n-1; j++ {
			pm.ring[(pm.head+j)%len(pm.ring)] = pm.ring[(pm.head+j+1)%len(pm.ring)]
		}
		pm.n--
		break
	}
	pm.notBefore.Store(pm.coolUntil)
}

package keyrouter

import (
	"context"
	"sort"
	"time"
)

var backgroundCtx = context.Background()

// KeyState is the state of a key, or of a key's model.
type KeyState int

// The key states.
const (
	StateReady       KeyState = iota // serves calls
	StateCooling                     // project+model rests after a per-minute quota
	StateExhausted                   // project+model used up its day; back at the reset
	StateNoQuota                     // project+model has no quota ("limit: 0") until the reset
	StateBreakerOpen                 // transient failures opened the key's breaker
	StateRetired                     // dead key: never used again until rotated out and in
	StateRemoved                     // taken out of the key set (reported by SetKeys)
	StateAdded                       // added to the key set (reported by SetKeys)
)

var stateNames = [...]string{"ready", "cooling", "exhausted", "no-quota", "breaker-open", "retired",
	"removed", "added"}

// String returns the state's name, e.g. "cooling".
func (s KeyState) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// StateChange reports a change of a key's (or its project+model's) state to
// Options.OnStateChange. It carries no secret.
type StateChange struct {
	KeyID   string
	Group   string
	Project string
	Model   string    // "" for changes of the whole key
	State   KeyState  // the new state
	Cause   Verdict   // the verdict that caused it (Success for SetKeys)
	Until   time.Time // end of a cooldown, exhaustion or open breaker; zero = not timed
}

// KeyStats is a snapshot of one key, for admin commands and metrics.
// Usage counts are those of the key's project, which its keys share.
type KeyStats struct {
	ID           string
	Group        string
	Project      string
	State        KeyState     // StateReady if any model is ready, else the soonest to end
	CoolingUntil time.Time    // end of State; zero when ready or retired
	Breaker      BreakerState // the least healthy breaker of its models
	InFlight     int
	UsedMinute   int // requests in the last minute, summed over models
	UsedToday    int // requests since the last daily reset, summed over models
	Successes    int64
	Failures     map[Verdict]int64 // failed calls by verdict
	LastError    string            // verdict name of the last failure; "" = none
	Models       []ModelStats      // per model, in name order
}

// ModelStats is a snapshot of one key's use of one model.
type ModelStats struct {
	Model        string
	State        KeyState
	CoolingUntil time.Time
	Breaker      BreakerState
	InFlight     int
	UsedMinute   int
	UsedToday    int
}

// Stats returns a snapshot of every key in the set, by group then ID.
func (r *Router) Stats() []KeyStats {
	set := r.set.Load()
	now := r.now().UnixNano()
	out := make([]KeyStats, 0, len(set.keys))
	for _, ks := range set.keys {
		out = append(out, r.keyStats(ks, now))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func (r *Router) keyStats(ks *keyState, now int64) KeyStats {
	cfg := ks.cfg.Load()
	st := KeyStats{ID: ks.id, Group: cfg.group, Project: cfg.key.Project, InFlight: int(ks.inFlight.Load()),
		Successes: ks.successes.Load(), Failures: map[Verdict]int64{}}
	for v := range numVerdicts {
		if n := ks.failures[v].Load(); n > 0 {
			st.Failures[Verdict(v)] = n
		}
	}
	if lv := ks.lastVerdict.Load(); lv > 0 {
		st.LastError = Verdict(lv - 1).String()
	}
	kms := *ks.models.Load()
	anyReady := len(kms) == 0
	var soonest *ModelStats
	for model, km := range kms {
		ms := r.modelStats(cfg, km, model, now)
		st.Models = append(st.Models, ms)
		st.UsedMinute += ms.UsedMinute
		st.UsedToday += ms.UsedToday
		st.Breaker = max(st.Breaker, ms.Breaker)
	}
	sort.Slice(st.Models, func(i, j int) bool { return st.Models[i].Model < st.Models[j].Model })
	for i := range st.Models {
		ms := &st.Models[i]
		if ms.State == StateReady {
			anyReady = true
		} else if soonest == nil || ms.CoolingUntil.Before(soonest.CoolingUntil) {
			soonest = ms
		}
	}
	switch {
	case ks.retired.Load():
		st.State = StateRetired
	case !anyReady && soonest != nil:
		st.State, st.CoolingUntil = soonest.State, soonest.CoolingUntil
	}
	return st
}

func (r *Router) modelStats(cfg *keyConfig, km *keyModel, model string, now int64) ModelStats {
	ms := ModelStats{Model: model, InFlight: int(km.inFlight.Load()), Breaker: km.state(now)}
	lim := cfg.key.LimitsFor(model)
	pm := cfg.proj.model(model)
	pm.mu.Lock()
	pm.advance(now, r.opts.ResetZone)
	ms.UsedToday = int(pm.dayCount)
	ms.UsedMinute = int(pm.reqCur)
	if lim.RPM > 0 {
		ms.UsedMinute = pm.n
	}
	h, free, why := pm.check(now, lim, 0)
	pm.mu.Unlock()
	if h == 0 {
		ms.State, ms.CoolingUntil = stateOf(why), time.Unix(0, free)
	}
	if ms.Breaker == BreakerOpen && ms.State == StateReady {
		ms.State, ms.CoolingUntil = StateBreakerOpen, time.Unix(0, km.openUntil.Load())
	}
	return ms
}

func stateOf(v Verdict) KeyState {
	switch v {
	case DayExhausted:
		return StateExhausted
	case NoQuota:
		return StateNoQuota
	}
	return StateCooling
}

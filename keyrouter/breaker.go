package keyrouter

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// errTransient and errExcluded are what a key's breaker is told.
var (
	errTransient = errors.New("keyrouter: transient failure")
	errExcluded  = errors.New("keyrouter: outcome not counted")
)

// BreakerState is the state of a key's circuit breaker for one model.
type BreakerState int

// The breaker states.
const (
	BreakerClosed   BreakerState = iota // calls pass
	BreakerHalfOpen                     // a few probe calls pass
	BreakerOpen                         // no call passes until the timeout
)

// String returns "closed", "half-open" or "open".
func (s BreakerState) String() string {
	switch s {
	case BreakerClosed:
		return "closed"
	case BreakerHalfOpen:
		return "half-open"
	case BreakerOpen:
		return "open"
	}
	return "unknown"
}

// keyModel is one key's state for one model: calls in flight and a circuit
// breaker.
//
// The breaker is a gobreaker.TwoStepCircuitBreaker, which counts failures,
// trips, and limits the probes of the half-open state. gobreaker reads the
// wall clock for its open timeout, so the router sets that timeout to a
// nanosecond and keeps the key out of use itself until openUntil, read on
// the injected clock; by then gobreaker lets the probes through. The breaker
// is created on the first transient failure and consulted only while the
// key is suspect, so healthy keys cost nothing (and allocate nothing).
type keyModel struct {
	model    string
	inFlight atomic.Int64

	suspect   atomic.Bool
	openUntil atomic.Int64 // unix ns, injected clock
	tripped   atomic.Bool  // opened since the last look
	recovered atomic.Bool  // closed since the last look
	breaker   atomic.Pointer[gobreaker.TwoStepCircuitBreaker[struct{}]]
}

func newKeyModel(ks *keyState, model string, r *Router) *keyModel {
	km := &keyModel{model: model}
	timeout := int64(r.opts.BreakerTimeout)
	failures := uint32(r.opts.BreakerFailures)
	km.breaker.Store(gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        ks.id + "/" + model,
		MaxRequests: uint32(r.opts.BreakerProbes),
		Timeout:     time.Nanosecond,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
		IsExcluded:  func(err error) bool { return err == errExcluded },
		OnStateChange: func(_ string, _, to gobreaker.State) {
			switch to {
			case gobreaker.StateOpen:
				km.openUntil.Store(r.now().UnixNano() + timeout)
				km.tripped.Store(true)
			case gobreaker.StateClosed:
				km.recovered.Store(true)
			}
		},
	}))
	return km
}

// allow asks the breaker whether a suspect key may serve a call. It returns
// the callback that reports the call's outcome, or nil when the key is
// healthy and the breaker need not hear of the call.
func (km *keyModel) allow() (done func(error), ok bool) {
	if !km.suspect.Load() {
		return nil, true
	}
	done, err := km.breaker.Load().Allow()
	if err != nil {
		return nil, false
	}
	return done, true
}

// report tells the breaker the outcome of a call: through done when the
// call was let through while suspect, else only a transient failure, which
// makes the key suspect.
func (km *keyModel) report(done func(error), v Verdict) {
	err := errExcluded
	switch v {
	case Transient, DeadKey:
		err = errTransient
	case Success, RateLimited, DayExhausted, NoQuota:
		err = nil // the key answered: it works
	}
	if done != nil {
		done(err)
		if err == nil && km.breaker.Load().State() == gobreaker.StateClosed {
			km.suspect.Store(false) // failures no longer in a row
		}
		return
	}
	if err == errTransient {
		km.suspect.Store(true)
		if d, aerr := km.breaker.Load().Allow(); aerr == nil {
			d(err)
		}
	}
}

// state returns the breaker state at now.
func (km *keyModel) state(now int64) BreakerState {
	if !km.suspect.Load() {
		return BreakerClosed
	}
	if km.openUntil.Load() > now {
		return BreakerOpen
	}
	switch km.breaker.Load().State() {
	case gobreaker.StateClosed:
		return BreakerClosed
	case gobreaker.StateOpen:
		return BreakerOpen
	}
	return BreakerHalfOpen
}

package botkit

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

// ErrInvalidPersonas is what a bad persona list (Options.Personas,
// SetPersonas) unwraps to.
var ErrInvalidPersonas = errors.New("botkit: invalid personas")

// checkPersonas checks a persona list and copies it; nil or empty gives
// DefaultPersona alone.
func checkPersonas(ps []Persona) ([]Persona, error) {
	if len(ps) == 0 {
		return []Persona{DefaultPersona}, nil
	}
	seen := make(map[string]bool, len(ps))
	for i, p := range ps {
		switch {
		case p.Name == "":
			return nil, fmt.Errorf("%w: persona %d has no name", ErrInvalidPersonas, i+1)
		case strings.ContainsFunc(p.Name, unicode.IsSpace):
			return nil, fmt.Errorf("%w: persona name %q has a space", ErrInvalidPersonas, p.Name)
		case len(p.Name) > 62: // "p:" + name is a callback's data, at most 64 bytes
			return nil, fmt.Errorf("%w: persona name %q is longer than 62 bytes", ErrInvalidPersonas, p.Name)
		case seen[p.Name]:
			return nil, fmt.Errorf("%w: persona %q is listed twice", ErrInvalidPersonas, p.Name)
		}
		seen[p.Name] = true
	}
	return slices.Clone(ps), nil
}

// personaList returns the personas on offer, the first the default. The
// slice is replaced whole by SetPersonas, never changed.
func (a *Assistant) personaList() []Persona {
	a.pmu.RLock()
	defer a.pmu.RUnlock()
	return a.personas
}

// SetPersonas replaces the personas on offer without a restart (nil gives
// DefaultPersona alone), checked as Options.Personas is: names non-empty,
// without spaces, unique. On error nothing changes. A user whose chosen
// persona is gone gets the first one; replies already running keep the
// prompt they began with.
func (a *Assistant) SetPersonas(ps []Persona) error {
	ps, err := checkPersonas(ps)
	if err != nil {
		return err
	}
	a.pmu.Lock()
	a.personas = ps
	a.pmu.Unlock()
	return nil
}

// SetTiers replaces the tiers on offer without a restart: the session
// manager's (vipsession.Manager.SetTiers, checked as New checks them) and
// the key router's tier → key groups map, for the router in use (built
// from Options.Keys or given as Options.Router). keyTiers is that map;
// nil derives it as a nil Options.KeyTiers does, from the tiers' KeyGroups
// over the router's keys at this moment (so call SetTiers again after
// changing keys to other groups). Keys keep their state. On error nothing
// changes. Turns already begun finish under their old tier.
func (a *Assistant) SetTiers(tiers []vipsession.Tier, keyTiers map[string][]string) error {
	old := a.sessions.Tiers()
	if err := a.sessions.SetTiers(tiers); err != nil {
		return fmt.Errorf("botkit: tiers: %w", err)
	}
	if a.router == nil {
		return nil
	}
	if keyTiers == nil {
		keyTiers = tierGroups(a.sessions.Tiers(), a.router.Keys())
	}
	if err := a.router.SetTiers(keyTiers); err != nil {
		_ = a.sessions.SetTiers(old) // was accepted before
		return fmt.Errorf("botkit: key tiers: %w", err)
	}
	return nil
}

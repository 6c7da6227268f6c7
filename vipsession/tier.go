package vipsession

import (
	"fmt"
	"time"
)

// Unlimited is the value of a limit that does not limit. Zero is a real
// limit (nothing allowed), never a synonym for Unlimited, so a limit left
// out by mistake refuses service instead of giving it away.
const Unlimited int64 = -1

// Names of the default tiers.
const (
	TierGuest   = "guest"
	TierFree    = "free"
	TierPremium = "premium"
	TierVIP     = "vip"
	TierOwner   = "owner"
)

// Tier is a level of service. Every limit is a count (>= 0) or Unlimited.
// A Tier is a plain value; the Manager copies the tiers it is given.
type Tier struct {
	// Name identifies the tier in grants, configuration and status.
	Name string
	// Rank orders tiers: a higher rank is a better tier.
	Rank int

	// RequestsPerDay and RequestsPerMonth cap the replies a user gets per
	// calendar day and month of Options.Location.
	RequestsPerDay   int64
	RequestsPerMonth int64
	// TokensPerDay and TokensPerMonth cap prompt plus output tokens.
	TokensPerDay   int64
	TokensPerMonth int64
	// RequestsPerMinute caps the turns a user begins per clock minute,
	// whether they succeed or not.
	RequestsPerMinute int64
	// Concurrent caps the replies running at once for one user (at least
	// 1, or Unlimited).
	Concurrent int64

	// MemoryRounds is the number of rounds (a user turn and the model's
	// reply) a conversation keeps. When a conversation holds this many
	// rounds, the next turn starts fresh memory and says so. Zero means
	// single-turn service: no history is loaded and none is stored.
	MemoryRounds int
	// MemoryTokens caps the tokens of the history given to the model; the
	// oldest rounds are left out to fit. Unlimited does not cap.
	MemoryTokens int64
	// IdleExpiry is how long a conversation stays remembered after its
	// last turn. It must be positive when MemoryRounds is.
	IdleExpiry time.Duration

	// Models is the model fallback chain, best first; at least one.
	Models []string
	// KeyGroups are the key groups that serve the tier, in order of
	// preference; empty leaves the choice to the key router's default.
	KeyGroups []string
	// Images allows image input; Personas allows choosing a persona.
	Images   bool
	Personas bool

	// Capacity caps how many users hold an active session of this tier at
	// once. When it is reached, the session of the least recently active
	// user who is not waiting for a reply is ended. Zero closes the tier to
	// new sessions; owners are never refused.
	Capacity int64
}

// DefaultTiers returns the default tiers, lowest rank first: guest
// (single-turn), free (3 rounds of memory), premium (5), vip (7) and owner
// (10 rounds, no quota). The model names are the -latest aliases, the one
// place where this package names models.
func DefaultTiers() []Tier {
	return []Tier{
		{
			Name: TierGuest, Rank: 0,
			RequestsPerDay: 10, RequestsPerMonth: 100,
			TokensPerDay: 20_000, TokensPerMonth: 200_000,
			RequestsPerMinute: 3, Concurrent: 1,
			MemoryRounds: 0, MemoryTokens: 0,
			Models:    []string{"gemini-flash-lite-latest"},
			KeyGroups: []string{"free"},
			Capacity:  Unlimited,
		},
		{
			Name: TierFree, Rank: 1,
			RequestsPerDay: 50, RequestsPerMonth: 1_000,
			TokensPerDay: 100_000, TokensPerMonth: 2_000_000,
			RequestsPerMinute: 6, Concurrent: 1,
			MemoryRounds: 3, MemoryTokens: 4_000, IdleExpiry: 30 * time.Minute,
			Models:    []string{"gemini-flash-latest", "gemini-flash-lite-latest"},
			KeyGroups: []string{"free"},
			Capacity:  Unlimited,
		},
		{
			Name: TierPremium, Rank: 2,
			RequestsPerDay: 200, RequestsPerMonth: 5_000,
			TokensPerDay: 500_000, TokensPerMonth: 10_000_000,
			RequestsPerMinute: 12, Concurrent: 2,
			MemoryRounds: 5, MemoryTokens: 16_000, IdleExpiry: 2 * time.Hour,
			Models:    []string{"gemini-flash-latest", "gemini-flash-lite-latest"},
			KeyGroups: []string{"paid", "free"},
			Images:    true, Personas: true,
			Capacity: Unlimited,
		},
		{
			Name: TierVIP, Rank: 3,
			RequestsPerDay: 1_000, RequestsPerMonth: 20_000,
			TokensPerDay: 2_000_000, TokensPerMonth: 40_000_000,
			RequestsPerMinute: 30, Concurrent: 3,
			MemoryRounds: 7, MemoryTokens: 32_000, IdleExpiry: 6 * time.Hour,
			Models:    []string{"gemini-pro-latest", "gemini-flash-latest"},
			KeyGroups: []string{"vip", "paid"},
			Images:    true, Personas: true,
			Capacity: Unlimited,
		},
		{
			Name: TierOwner, Rank: 4,
			RequestsPerDay: Unlimited, RequestsPerMonth: Unlimited,
			TokensPerDay: Unlimited, TokensPerMonth: Unlimited,
			RequestsPerMinute: Unlimited, Concurrent: 4,
			MemoryRounds: 10, MemoryTokens: 64_000, IdleExpiry: 24 * time.Hour,
			Models:    []string{"gemini-pro-latest", "gemini-flash-latest"},
			KeyGroups: []string{"vip", "paid", "free"},
			Images:    true, Personas: true,
			Capacity: Unlimited,
		},
	}
}

// Validate reports the first problem of t, naming the tier and the field.
func (t *Tier) Validate() error {
	if err := validName(t.Name); err != nil {
		return &ConfigError{Tier: t.Name, Field: "name", Err: err}
	}
	limits := []struct {
		field string
		v     int64
	}{
		{"requests_per_day", t.RequestsPerDay},
		{"requests_per_month", t.RequestsPerMonth},
		{"tokens_per_day", t.TokensPerDay},
		{"tokens_per_month", t.TokensPerMonth},
		{"requests_per_minute", t.RequestsPerMinute},
		{"memory_tokens", t.MemoryTokens},
		{"capacity", t.Capacity},
	}
	for _, l := range limits {
		if l.v < Unlimited {
			return t.fieldErr(l.field, "%d is negative; use a count or unlimited (-1)", l.v)
		}
	}
	switch {
	case t.Concurrent == 0 || t.Concurrent < Unlimited:
		return t.fieldErr("concurrent", "%d: must be at least 1 or unlimited (-1)", t.Concurrent)
	case t.MemoryRounds < 0:
		return t.fieldErr("memory_rounds", "%d is negative", t.MemoryRounds)
	case t.IdleExpiry < 0:
		return t.fieldErr("idle_expiry", "%v is negative", t.IdleExpiry)
	case t.MemoryRounds > 0 && t.IdleExpiry == 0:
		return t.fieldErr("idle_expiry", "required when memory_rounds is positive")
	case len(t.Models) == 0:
		return t.fieldErr("models", "at least one model is required")
	}
	for i, m := range t.Models {
		if m == "" {
			return t.fieldErr("models", "model %d is empty", i)
		}
	}
	for i, g := range t.KeyGroups {
		if g == "" {
			return t.fieldErr("key_groups", "group %d is empty", i)
		}
	}
	return nil
}

func (t *Tier) fieldErr(field, format string, args ...any) error {
	return &ConfigError{Tier: t.Name, Field: field, Err: fmt.Errorf(format, args...)}
}

// Clone returns a copy of t that shares no slices with it.
func (t *Tier) Clone() Tier { return t.clone() }

// ValidateTiers checks a tier list as New does: names, limits, and that
// the list is not empty and has no duplicate names.
func ValidateTiers(tiers []Tier) error {
	_, err := checkTiers(tiers)
	return err
}

func (t *Tier) clone() Tier {
	c := *t
	c.Models = append([]string(nil), t.Models...)
	c.KeyGroups = append([]string(nil), t.KeyGroups...)
	return c
}

// validName accepts names that are safe inside store keys.
func validName(name string) error {
	if name == "" {
		return fmt.Errorf("empty")
	}
	if len(name) > 64 {
		return fmt.Errorf("%q is longer than 64 bytes", name)
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.'
		if !ok {
			return fmt.Errorf("%q: use lower-case letters, digits, '-', '_' and '.'", name)
		}
	}
	return nil
}

// checkTiers validates a set of tiers and indexes them by name.
func checkTiers(tiers []Tier) (map[string]*Tier, error) {
	if len(tiers) == 0 {
		return nil, &ConfigError{Field: "tiers", Err: fmt.Errorf("no tiers")}
	}
	byName := make(map[string]*Tier, len(tiers))
	for i := range tiers {
		t := tiers[i].clone()
		if err := t.Validate(); err != nil {
			return nil, err
		}
		if _, dup := byName[t.Name]; dup {
			return nil, &ConfigError{Tier: t.Name, Field: "name", Err: fmt.Errorf("defined twice")}
		}
		byName[t.Name] = &t
	}
	return byName, nil
}

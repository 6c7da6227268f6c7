package tierfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/store/memstore"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession/tierfile"
)

const tiersYAML = `
tiers:
  - name: free
    base: free
    requests_per_day: 20
    tokens_per_month: unlimited
  - name: gold
    rank: 5
    requests_per_day: 500
    requests_per_month: unlimited
    tokens_per_day: 1000000
    tokens_per_month: -1
    requests_per_minute: 20
    concurrent: 2
    memory_rounds: 6
    memory_tokens: 20000
    idle_expiry: 90m
    models: [gemini-pro-latest, gemini-flash-latest]
    key_groups: [A, B]
    images: true
    personas: false
    capacity: 50
  - name: gold-lite
    base: gold
    capacity: unlimited
    images: false
`

const tiersJSON = `{"tiers": [
  {"name": "free", "base": "free", "requests_per_day": 20, "tokens_per_month": "unlimited"},
  {"name": "gold", "rank": 5, "requests_per_day": 500, "requests_per_month": "unlimited",
   "tokens_per_day": 1000000, "tokens_per_month": -1, "requests_per_minute": 20,
   "concurrent": 2, "memory_rounds": 6, "memory_tokens": 20000, "idle_expiry": "90m",
   "models": ["gemini-pro-latest", "gemini-flash-latest"], "key_groups": ["A", "B"],
   "images": true, "personas": false, "capacity": 50},
  {"name": "gold-lite", "base": "gold", "capacity": "unlimited", "images": false}
]}`

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"tiers.yaml": tiersYAML, "tiers.json": tiersJSON} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
			tiers, err := tierfile.Load(path)
			require.NoError(t, err)
			require.Len(t, tiers, 3)

			free := vipsession.DefaultTiers()[1]
			free.RequestsPerDay, free.TokensPerMonth = 20, vipsession.Unlimited
			assert.Equal(t, free, tiers[0])

			gold := vipsession.Tier{
				Name: "gold", Rank: 5,
				RequestsPerDay: 500, RequestsPerMonth: vipsession.Unlimited,
				TokensPerDay: 1_000_000, TokensPerMonth: vipsession.Unlimited,
				RequestsPerMinute: 20, Concurrent: 2,
				MemoryRounds: 6, MemoryTokens: 20_000, IdleExpiry: 90 * time.Minute,
				Models:    []string{"gemini-pro-latest", "gemini-flash-latest"},
				KeyGroups: []string{"A", "B"},
				Images:    true, Capacity: 50,
			}
			assert.Equal(t, gold, tiers[1])
			lite := gold
			lite.Name, lite.Capacity, lite.Images = "gold-lite", vipsession.Unlimited, false
			assert.Equal(t, lite, tiers[2])

			_, err = vipsession.New(memstore.New(memstore.Options{}), vipsession.Options{Tiers: tiers, GuestTier: "free", AdminTier: "gold", OwnerTier: "gold"})
			require.NoError(t, err)
		})
	}
	_, err := tierfile.Load(filepath.Join(dir, "missing.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestParseErrorsNameTierAndField(t *testing.T) {
	tests := []struct {
		name, format, doc string
		tier, field       string
	}{
		{"missing limit", "yaml", "tiers:\n  - name: gold\n    rank: 1\n", "gold", "requests_per_day"},
		{"bad limit", "yaml", "tiers:\n  - {name: free, base: free, tokens_per_day: lots}\n", "free", "tokens_per_day"},
		{"negative limit", "json", `{"tiers":[{"name":"free","base":"free","requests_per_minute":-2}]}`, "free", "requests_per_minute"},
		{"bad duration", "yaml", "tiers:\n  - {name: vip, base: vip, idle_expiry: soon}\n", "vip", "idle_expiry"},
		{"numeric duration", "json", `{"tiers":[{"name":"vip","base":"vip","idle_expiry":30}]}`, "vip", "idle_expiry"},
		{"unknown field", "yaml", "tiers:\n  - {name: vip, base: vip, colour: red}\n", "vip", "colour"},
		{"unknown base", "json", `{"tiers":[{"name":"x","base":"nope"}]}`, "x", "base"},
		{"no models", "yaml", "tiers:\n  - {name: vip, base: vip, models: []}\n", "vip", "models"},
		{"models not a list", "yaml", "tiers:\n  - {name: vip, base: vip, models: pro}\n", "vip", "models"},
		{"zero concurrency", "yaml", "tiers:\n  - {name: vip, base: vip, concurrent: 0}\n", "vip", "concurrent"},
		{"memory without expiry", "yaml", "tiers:\n  - {name: guest, base: guest, memory_rounds: 2}\n", "guest", "idle_expiry"},
		{"duplicate", "yaml", "tiers:\n  - {name: vip, base: vip}\n  - {name: vip, base: vip}\n", "vip", "name"},
		{"bad name", "yaml", "tiers:\n  - {name: Gold Tier, base: vip}\n", "Gold Tier", "name"},
		{"no name", "json", `{"tiers":[{"base":"vip"}]}`, "#1", "name"},
		{"bad bool", "json", `{"tiers":[{"name":"vip","base":"vip","images":"yes"}]}`, "vip", "images"},
		{"duplicate key", "yaml", "tiers:\n  - {name: vip, base: vip, rank: 1, rank: 2}\n", "#1", "tiers"},
		{"no tiers", "yaml", "tiers: []\n", "", "tiers"},
		{"not a list", "json", `{"tiers": {}}`, "", "tiers"},
		{"top-level typo", "yaml", "tier: []\n", "", "tier"},
		{"broken yaml", "yaml", "tiers: [\n", "", "document"},
		{"broken json", "json", `{"tiers": [`, "", "document"},
		{"bad format", "toml", "", "", "format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tierfile.Parse([]byte(tt.doc), tt.format)
			require.ErrorIs(t, err, vipsession.ErrInvalidConfig)
			var ce *vipsession.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.tier, ce.Tier, err.Error())
			assert.Equal(t, tt.field, ce.Field, err.Error())
			assert.Contains(t, err.Error(), tt.field)
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	st := memstore.New(memstore.Options{})
	bad := vipsession.DefaultTiers()
	bad[2].RequestsPerDay = -5
	_, err := vipsession.New(st, vipsession.Options{Tiers: bad})
	var ce *vipsession.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, vipsession.TierPremium, ce.Tier)
	assert.Equal(t, "requests_per_day", ce.Field)

	_, err = vipsession.New(st, vipsession.Options{AdminTier: "gold"})
	require.ErrorIs(t, err, vipsession.ErrUnknownTier)
	require.ErrorIs(t, err, vipsession.ErrInvalidConfig)
	_, err = vipsession.New(st, vipsession.Options{Tiers: []vipsession.Tier{}})
	require.ErrorIs(t, err, vipsession.ErrInvalidConfig)
	_, err = vipsession.New(nil, vipsession.Options{})
	require.ErrorIs(t, err, vipsession.ErrInvalidConfig)
	_, err = vipsession.New(st, vipsession.Options{ReplyTokens: -1})
	require.ErrorIs(t, err, vipsession.ErrInvalidConfig)
	m, err := vipsession.New(st, vipsession.Options{})
	require.NoError(t, err)
	assert.Equal(t, vipsession.DefaultTiers(), m.Tiers())
	_, err = m.Tier("gold")
	require.ErrorIs(t, err, vipsession.ErrUnknownTier)
}

func TestDefaultTiersAreValidAndOrdered(t *testing.T) {
	want := map[string]int{"guest": 0, "free": 3, "premium": 5, "vip": 7, "owner": 10}
	tiers := vipsession.DefaultTiers()
	require.Len(t, tiers, len(want))
	for i, tier := range tiers {
		require.NoError(t, tier.Validate())
		assert.Equal(t, want[tier.Name], tier.MemoryRounds, tier.Name)
		if i > 0 {
			assert.Greater(t, tier.Rank, tiers[i-1].Rank)
		}
	}
	owner := tiers[len(tiers)-1]
	for _, l := range []int64{owner.RequestsPerDay, owner.RequestsPerMonth, owner.TokensPerDay, owner.TokensPerMonth} {
		assert.Equal(t, vipsession.Unlimited, l)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(tiersYAML), false)
	f.Add([]byte(tiersJSON), true)
	f.Add([]byte("tiers:\n  - {name: vip, base: vip, idle_expiry: 1h}\n"), false)
	f.Add([]byte("tiers: [{name: &a x, base: *a}]"), false)
	f.Add([]byte(`{"tiers":[{"name":"x","base":"vip","capacity":1e400}]}`), true)
	f.Fuzz(func(t *testing.T, data []byte, isJSON bool) {
		format := tierfile.FormatYAML
		if isJSON {
			format = tierfile.FormatJSON
		}
		tiers, err := tierfile.Parse(data, format)
		if err != nil {
			if !errors.Is(err, vipsession.ErrInvalidConfig) {
				t.Fatalf("error does not wrap ErrInvalidConfig: %v", err)
			}
			return
		}
		for _, tier := range tiers {
			if err := tier.Validate(); err != nil {
				t.Fatalf("parsed an invalid tier: %v", err)
			}
		}
	})
}

package keyrouter

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
)

// DefaultGroup is the group of a Key whose Group is empty.
const DefaultGroup = "default"

// Limits caps the use of one model through one key. RPM, TPM and RPD are
// quotas of the key's project (keys of one project share them, as Gemini
// counts them per project and model); Concurrent caps the calls in flight on
// the key itself. Zero means unlimited.
type Limits struct {
	RPM        int // requests per minute
	TPM        int // tokens per minute
	RPD        int // requests per day, reset at Options.ResetZone midnight
	Concurrent int // calls in flight on this key and model
}

// Key is one API key. Its zero value is not usable: Secret is required.
//
// Key prints and marshals with its secret redacted; see Secret.
type Key struct {
	ID      string            // non-secret stable ID; Fingerprint(Secret) when empty
	Secret  Secret            // the API key itself
	Group   string            // key group, e.g. "A".."D"; "" = DefaultGroup
	Project string            // keys of one project share its quota; "" = a project of its own
	Weight  int               // relative preference among keys of equal headroom; 0 = 1
	Limits  Limits            // default limits for every model
	Models  map[string]Limits // per-model limits that replace Limits
}

// Fingerprint returns the non-secret ID of a secret: "k-" and the first
// 8 hex digits of its SHA-256. It is stable, so logs and stats of one key
// match across restarts, and reveals nothing usable of the secret.
func Fingerprint(s Secret) string {
	sum := sha256.Sum256([]byte(s))
	return "k-" + hex.EncodeToString(sum[:4])
}

// LimitsFor returns the limits of model: its Models entry, or Limits.
func (k Key) LimitsFor(model string) Limits {
	if l, ok := k.Models[model]; ok {
		return l
	}
	return k.Limits
}

// String returns the key's ID and group, never its secret.
func (k Key) String() string {
	id := k.ID
	if id == "" && k.Secret != "" {
		id = Fingerprint(k.Secret)
	}
	g := k.Group
	if g == "" {
		g = DefaultGroup
	}
	s := id + " (group " + strconv.Quote(g)
	if k.Project != "" {
		s += ", project " + strconv.Quote(k.Project)
	}
	return s + ")"
}

// GoString is String, so %#v hides the secret.
func (k Key) GoString() string { return "keyrouter.Key{" + k.String() + "}" }

// Format prints String for every verb and flag.
func (k Key) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(k.GoString()))
		return
	}
	_, _ = f.Write([]byte(k.String()))
}

// LogValue makes slog print the key's ID, group and project.
func (k Key) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.withID().ID), slog.String("group", k.Group),
		slog.String("project", k.Project))
}

// MarshalJSON encodes the key with its secret redacted.
func (k Key) MarshalJSON() ([]byte, error) {
	type plain struct {
		ID      string            `json:"id"`
		Secret  Secret            `json:"secret"`
		Group   string            `json:"group,omitempty"`
		Project string            `json:"project,omitempty"`
		Weight  int               `json:"weight,omitempty"`
		Limits  Limits            `json:"limits"`
		Models  map[string]Limits `json:"models,omitempty"`
	}
	k = k.withID()
	return json.Marshal(plain(k))
}

// withID fills in the defaults: ID, Group, Weight.
func (k Key) withID() Key {
	if k.ID == "" && k.Secret != "" {
		k.ID = Fingerprint(k.Secret)
	}
	if k.Group == "" {
		k.Group = DefaultGroup
	}
	if k.Weight <= 0 {
		k.Weight = 1
	}
	return k
}

package tierfile

import (
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"

	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Formats accepted by Parse.
const (
	FormatYAML = "yaml"
	FormatJSON = "json"
)

// Load reads tiers from a file: JSON when its name ends in ".json",
// YAML otherwise. See Parse for the format.
func Load(path string) ([]vipsession.Tier, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("vipsession: load tiers: %w", err)
	}
	format := FormatYAML
	if strings.EqualFold(filepath.Ext(path), ".json") {
		format = FormatJSON
	}
	return Parse(data, format)
}

// Parse reads tiers from YAML or JSON (format FormatYAML or
// FormatJSON). The document has one key, "tiers", holding a list of tiers
// whose keys are the snake_case names of the vipsession.Tier fields:
//
//	tiers:
//	  - name: free
//	    base: free            # optional: start from this tier
//	    requests_per_day: 50
//	    tokens_per_month: unlimited
//	    idle_expiry: 30m
//	    models: [gemini-flash-latest]
//
// Limits are whole numbers or "unlimited" (or -1); durations are strings
// such as "30m" or "2h". A tier with a base starts as a copy of that tier,
// a default tier or one earlier in the list, and changes only the keys it
// sets. A tier without a base must set every limit: rank,
// requests_per_day, requests_per_month, tokens_per_day, tokens_per_month,
// requests_per_minute, concurrent, memory_rounds, memory_tokens, capacity
// and models. Errors name the tier and the field, and unwrap to
// vipsession.ErrInvalidConfig.
func Parse(data []byte, format string) ([]vipsession.Tier, error) {
	var (
		docs []map[string]fieldValue
		err  error
	)
	switch format {
	case FormatYAML:
		docs, err = yamlTiers(data)
	case FormatJSON:
		docs, err = jsonTiers(data)
	default:
		return nil, &vipsession.ConfigError{Field: "format", Err: fmt.Errorf("%q is neither yaml nor json", format)}
	}
	if err != nil {
		return nil, err
	}
	known := make(map[string]vipsession.Tier)
	for _, t := range vipsession.DefaultTiers() {
		known[t.Name] = t
	}
	tiers := make([]vipsession.Tier, 0, len(docs))
	for i, doc := range docs {
		t, err := buildTier(i, doc, known)
		if err != nil {
			return nil, err
		}
		known[t.Name] = t
		tiers = append(tiers, t)
	}
	if err := vipsession.ValidateTiers(tiers); err != nil {
		return nil, err
	}
	return tiers, nil
}

// fieldValue is one value of a tier document, in either format.
type fieldValue interface {
	scalar() (string, error)
	strings() ([]string, error)
	boolean() (bool, error)
}

var requiredFields = []string{
	"rank", "requests_per_day", "requests_per_month", "tokens_per_day", "tokens_per_month",
	"requests_per_minute", "concurrent", "memory_rounds", "memory_tokens", "capacity", "models",
}

func buildTier(index int, doc map[string]fieldValue, known map[string]vipsession.Tier) (vipsession.Tier, error) {
	var t vipsession.Tier
	if v, ok := doc["name"]; ok {
		name, err := v.scalar()
		if err != nil {
			return t, &vipsession.ConfigError{Tier: fmt.Sprintf("#%d", index+1), Field: "name", Err: err}
		}
		t.Name = name
	}
	if t.Name == "" {
		return t, &vipsession.ConfigError{Tier: fmt.Sprintf("#%d", index+1), Field: "name", Err: errors.New("missing")}
	}
	fail := func(field string, err error) (vipsession.Tier, error) {
		return vipsession.Tier{}, &vipsession.ConfigError{Tier: t.Name, Field: field, Err: err}
	}
	if v, ok := doc["base"]; ok {
		base, err := v.scalar()
		if err != nil {
			return fail("base", err)
		}
		bt, ok := known[base]
		if !ok {
			return fail("base", fmt.Errorf("no tier %q defined before this one", base))
		}
		name := t.Name
		t = bt.Clone()
		t.Name = name
	} else {
		for _, f := range requiredFields {
			if _, ok := doc[f]; !ok {
				return fail(f, errors.New("missing (a tier without base sets every limit)"))
			}
		}
	}
	fields := make([]string, 0, len(doc))
	for field := range doc {
		if field != "name" && field != "base" {
			fields = append(fields, field)
		}
	}
	sort.Strings(fields)
	for _, field := range fields {
		if err := setField(&t, field, doc[field]); err != nil {
			return fail(field, err)
		}
	}
	return t, nil
}

func setField(t *vipsession.Tier, field string, v fieldValue) error {
	limits := map[string]*int64{
		"requests_per_day": &t.RequestsPerDay, "requests_per_month": &t.RequestsPerMonth,
		"tokens_per_day": &t.TokensPerDay, "tokens_per_month": &t.TokensPerMonth,
		"requests_per_minute": &t.RequestsPerMinute, "concurrent": &t.Concurrent,
		"memory_tokens": &t.MemoryTokens, "capacity": &t.Capacity,
	}
	if p, ok := limits[field]; ok {
		return parseLimit(v, p)
	}
	var err error
	switch field {
	case "rank":
		t.Rank, err = parseInt(v)
	case "memory_rounds":
		t.MemoryRounds, err = parseInt(v)
	case "idle_expiry":
		var s string
		if s, err = v.scalar(); err == nil {
			t.IdleExpiry, err = time.ParseDuration(s)
			if err != nil {
				err = fmt.Errorf("%q is not a duration such as \"30m\"", s)
			}
		}
	case "models":
		t.Models, err = v.strings()
	case "key_groups":
		t.KeyGroups, err = v.strings()
	case "images":
		t.Images, err = v.boolean()
	case "personas":
		t.Personas, err = v.boolean()
	default:
		err = errors.New("unknown field")
	}
	return err
}

func parseLimit(v fieldValue, p *int64) error {
	s, err := v.scalar()
	if err != nil {
		return err
	}
	if strings.EqualFold(s, "unlimited") {
		*p = vipsession.Unlimited
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < vipsession.Unlimited {
		return fmt.Errorf("%q is not a count or \"unlimited\"", s)
	}
	*p = n
	return nil
}

func parseInt(v fieldValue) (int, error) {
	s, err := v.scalar()
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return n, nil
}

// YAML documents.

type yamlValue struct{ n *yaml.Node }

func (v yamlValue) scalar() (string, error) {
	if v.n.Kind != yaml.ScalarNode || v.n.Tag == "!!null" {
		return "", fmt.Errorf("line %d: want a single value", v.n.Line)
	}
	return v.n.Value, nil
}

func (v yamlValue) strings() ([]string, error) {
	var s []string
	if v.n.Kind != yaml.SequenceNode || v.n.Decode(&s) != nil {
		return nil, fmt.Errorf("line %d: want a list of names", v.n.Line)
	}
	return s, nil
}

func (v yamlValue) boolean() (bool, error) {
	var b bool
	if v.n.Kind != yaml.ScalarNode || v.n.Decode(&b) != nil {
		return false, fmt.Errorf("line %d: want true or false", v.n.Line)
	}
	return b, nil
}

func yamlTiers(data []byte) ([]map[string]fieldValue, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &vipsession.ConfigError{Field: "document", Err: err}
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return nil, &vipsession.ConfigError{Field: "document", Err: errors.New("want a mapping with the key \"tiers\"")}
	}
	top, err := yamlMapping(root.Content[0])
	if err != nil {
		return nil, &vipsession.ConfigError{Field: "document", Err: err}
	}
	var list *yaml.Node
	for k, v := range top {
		if k != "tiers" {
			return nil, &vipsession.ConfigError{Field: k, Err: errors.New("unknown field")}
		}
		list = v
	}
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil, &vipsession.ConfigError{Field: "tiers", Err: errors.New("want a list of tiers")}
	}
	docs := make([]map[string]fieldValue, 0, len(list.Content))
	for i, n := range list.Content {
		if n.Kind != yaml.MappingNode {
			return nil, &vipsession.ConfigError{Tier: fmt.Sprintf("#%d", i+1), Field: "tiers", Err: fmt.Errorf("line %d: want a mapping", n.Line)}
		}
		m, err := yamlMapping(n)
		if err != nil {
			return nil, &vipsession.ConfigError{Tier: fmt.Sprintf("#%d", i+1), Field: "tiers", Err: err}
		}
		doc := make(map[string]fieldValue, len(m))
		for k, v := range m {
			doc[k] = yamlValue{v}
		}
		docs = append(docs, doc)
	}
	return docs, nil
}

func yamlMapping(n *yaml.Node) (map[string]*yaml.Node, error) {
	m := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: keys must be names", k.Line)
		}
		if _, dup := m[k.Value]; dup {
			return nil, fmt.Errorf("line %d: %s set twice", k.Line, k.Value)
		}
		m[k.Value] = n.Content[i+1]
	}
	return m, nil
}

// JSON documents.

type jsonValue json.RawMessage

func (v jsonValue) scalar() (string, error) {
	raw := bytes.TrimSpace(v)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	if len(raw) == 0 || raw[0] == '{' || raw[0] == '[' || string(raw) == "null" {
		return "", errors.New("want a single value")
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", errors.New("want a single value")
	}
	return n.String(), nil
}

func (v jsonValue) strings() ([]string, error) {
	var s []string
	if err := json.Unmarshal(v, &s); err != nil || s == nil {
		return nil, errors.New("want a list of names")
	}
	return s, nil
}

func (v jsonValue) boolean() (bool, error) {
	var b bool
	if err := json.Unmarshal(v, &b); err != nil {
		return false, errors.New("want true or false")
	}
	return b, nil
}

func jsonTiers(data []byte) ([]map[string]fieldValue, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, &vipsession.ConfigError{Field: "document", Err: err}
	}
	for k := range top {
		if k != "tiers" {
			return nil, &vipsession.ConfigError{Field: k, Err: errors.New("unknown field")}
		}
	}
	var list []json.RawMessage
	if err := json.Unmarshal(top["tiers"], &list); err != nil || list == nil {
		return nil, &vipsession.ConfigError{Field: "tiers", Err: errors.New("want a list of tiers")}
	}
	docs := make([]map[string]fieldValue, 0, len(list))
	for i, raw := range list {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil || m == nil {
			return nil, &vipsession.ConfigError{Tier: fmt.Sprintf("#%d", i+1), Field: "tiers", Err: errors.New("want an object")}
		}
		doc := make(map[string]fieldValue, len(m))
		for k, v := range m {
			doc[k] = jsonValue(v)
		}
		docs = append(docs, doc)
	}
	return docs, nil
}

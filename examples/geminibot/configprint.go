package main

import (
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"text/tabwriter"
)

// print writes the effective configuration, one variable a line, with
// secrets redacted: the token and webhook secret show only where they came
// from, keys only their non-secret IDs, URLs no password.
func (c *config) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(name, value string) {
		if from := c.from[name]; from != "" {
			value += "  (from " + from + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\n", name, value)
	}
	fmt.Fprintln(tw, "configuration:")
	if c.Token != "" {
		row(envToken, c.Token.String())
	} else {
		row(envToken, "(not set)")
	}
	row(envKeys, describeKeys(c))
	row(envOwners, describeIDs(c.Owners))
	row(envAdmins, describeIDs(c.Admins))
	row(envStoreURL, describeStore(c.Store))
	if c.Store.Kind == storeFleet {
		row(envRedisURL, c.Store.RedisURL.String())
	}
	if c.WebhookURL != "" {
		row(envWebhookURL, c.WebhookURL)
		row(envWebhookSecret, c.WebhookSecret.String())
	} else {
		row(envWebhookURL, "(not set: long polling)")
	}
	if c.ListenAddr != "" {
		row(envListenAddr, c.ListenAddr+" (webhook, /healthz, /readyz, /metrics)")
	} else {
		row(envListenAddr, "off")
	}
	row(envTiersFile, orDefault(c.TiersFile, "(built-in tiers: guest, free, premium, vip, owner)"))
	row(envPersonasFile, orDefault(c.PersonasFile, "(built-in personas)"))
	if len(c.Models) > 0 {
		row(envModels, strings.Join(c.Models, ", "))
	} else {
		row(envModels, "(each tier's own model chain)")
	}
	row(envLogLevel, strings.ToLower(c.LogLevel.String()))
	if c.TelegramAPIURL != "" {
		row(envTelegramAPIURL, c.TelegramAPIURL)
	}
	if c.GeminiAPIURL != "" {
		row(envGeminiAPIURL, c.GeminiAPIURL)
	}
	_ = tw.Flush()
}

// describeKeys lists the keys by ID, grouped: "3 keys: A: k-1a2b3c4d
// (proj1), ...".
func describeKeys(c *config) string {
	if len(c.Keys) == 0 {
		return "(not set)"
	}
	groups := map[string][]string{}
	for _, k := range c.Keys {
		id := k.ID
		if k.Project != "" {
			id += " (" + k.Project + ")"
		}
		g := k.Group
		if g == "" {
			g = "default"
		}
		groups[g] = append(groups[g], id)
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, g := range names {
		parts[i] = g + ": " + strings.Join(groups[g], ", ")
	}
	noun := "keys"
	if len(c.Keys) == 1 {
		noun = "key"
	}
	return fmt.Sprintf("%d %s; %s", len(c.Keys), noun, strings.Join(parts, "; "))
}

func describeIDs(ids []int64) string {
	if len(ids) == 0 {
		return "(none)"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ", ")
}

func describeStore(sc storeConfig) string {
	switch sc.Kind {
	case storeMemory:
		return "memory:// (nothing survives a restart)"
	case storeSQLite:
		return "sqlite://" + sc.Path
	case storeFleet:
		return sc.URL.String() + " (durable) + Redis (counters, leases, dedup)"
	}
	return sc.URL.String()
}

// redactURL hides the password of a URL; a URL that does not parse is
// hidden whole.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "[REDACTED]"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

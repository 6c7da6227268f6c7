package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/web3-ai-game/svs-telegram-bot/botkit"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession/tierfile"
)

// The parsers of the variables other than the token and the keys, one
// loader method each.

// userIDs reads a list of Telegram user IDs separated by commas or spaces.
func (l *loader) userIDs(name string) []int64 {
	v, ok := l.get(name)
	if !ok {
		return nil
	}
	var ids []int64
	for i, f := range splitList(v) {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil || id <= 0 {
			l.fail(name, fmt.Sprintf("entry %d (%q) is not a positive Telegram user ID", i+1, shorten(f)))
			return nil
		}
		ids = append(ids, id)
	}
	return ids
}

// splitList splits at commas and white space, dropping empty fields.
func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
}

// shorten keeps quoted user input short in messages.
func shorten(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// store reads SVSBOT_STORE_URL and SVSBOT_REDIS_URL. URLs are never
// quoted in errors: they may hold a password.
func (l *loader) store() storeConfig {
	v, ok := l.get(envStoreURL)
	if !ok {
		v = defaultStoreURL
	}
	var sc storeConfig
	scheme, rest, hasScheme := strings.Cut(v, "://")
	switch {
	case !hasScheme:
		l.fail(envStoreURL, "want memory://, sqlite://PATH, postgres://... or redis://...")
		return sc
	case scheme == "memory":
		sc.Kind = storeMemory
		if rest != "" {
			l.fail(envStoreURL, "memory:// takes nothing after the scheme")
		}
	case scheme == "sqlite":
		sc.Kind, sc.Path = storeSQLite, rest
		if rest == "" {
			l.fail(envStoreURL, "sqlite:// needs a file path, e.g. sqlite://svsbot.db or sqlite:///data/bot.db")
		}
	case scheme == "postgres" || scheme == "postgresql":
		sc.Kind, sc.URL = storePostgres, dsn(v)
		if u, err := url.Parse(v); err != nil || u.Host == "" {
			l.fail(envStoreURL, "is not a valid postgres:// URL (want postgres://user:password@host:5432/db)")
		}
	case scheme == "redis" || scheme == "rediss":
		sc.Kind, sc.URL = storeRedis, dsn(v)
		if u, err := url.Parse(v); err != nil || u.Host == "" {
			l.fail(envStoreURL, "is not a valid redis:// URL (want redis://host:6379/0)")
		}
	default:
		l.fail(envStoreURL, fmt.Sprintf("unknown scheme %q: want memory, sqlite, postgres or redis", shorten(scheme)))
	}

	redisURL, ok := l.get(envRedisURL)
	if !ok {
		return sc
	}
	u, err := url.Parse(redisURL)
	switch {
	case err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "":
		l.fail(envRedisURL, "is not a valid redis:// URL (want redis://host:6379/0)")
	case sc.Kind != storePostgres:
		l.fail(envRedisURL, "is only used beside a postgres:// "+envStoreURL+" (the fleet composition)")
	default:
		sc.Kind, sc.RedisURL = storeFleet, dsn(redisURL)
		if v, ok := l.get(envRedisFailOpen); ok {
			switch strings.ToLower(v) {
			case "1", "true", "yes":
				sc.FailOpen = true
			case "0", "false", "no":
			default:
				l.fail(envRedisFailOpen, "is neither true nor false")
			}
		}
	}
	return sc
}

// webhook reads the webhook URL and its secret.
func (l *loader) webhook() {
	c := l.cfg
	sec, secSet := l.secret(envWebhookSecret)
	if secSet && !botkit.ValidSecret(sec) {
		l.fail(envWebhookSecret, "must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
		secSet = false
	}
	v, ok := l.get(envWebhookURL)
	if !ok {
		return
	}
	u, err := url.Parse(v)
	switch {
	case err != nil || u.Host == "":
		l.fail(envWebhookURL, "is not a URL (want https://host/path)")
		return
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	case u.Scheme != "https":
		l.fail(envWebhookURL, "must be an https:// URL: Telegram delivers webhooks over HTTPS only")
		return
	}
	c.WebhookURL = v
	switch {
	case secSet:
		c.WebhookSecret = secret(sec)
	case !l.isSet(envWebhookSecret):
		l.fail(envWebhookSecret, "is required with "+envWebhookURL+" (or set "+envWebhookSecret+fileSuffix+"), so that only Telegram can post updates")
	}
}

// isSet reports whether name or name_FILE is set, valid or not.
func (l *loader) isSet(name string) bool {
	_, _, a := l.lookup(name)
	_, _, b := l.lookup(name + fileSuffix)
	return a || b
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// listenAddr reads SVSBOT_LISTEN_ADDR: host:port, or "off".
func (l *loader) listenAddr() string {
	v, ok := l.get(envListenAddr)
	if !ok {
		return defaultListenAddr
	}
	if v == listenOff {
		if l.cfg.WebhookURL != "" {
			l.fail(envListenAddr, "cannot be off with "+envWebhookURL+": the webhook is served there")
		}
		return ""
	}
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		l.fail(envListenAddr, fmt.Sprintf("%q is not host:port (e.g. \":8080\" or \"127.0.0.1:8080\"), or \"off\"", shorten(v)))
		return ""
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		l.fail(envListenAddr, fmt.Sprintf("port %q is not a number from 0 to 65535", shorten(port)))
		return ""
	}
	return v
}

// tiers loads SVSBOT_TIERS_FILE.
func (l *loader) tiers() {
	path, ok := l.get(envTiersFile)
	if !ok {
		return
	}
	data, err := l.readFile(path)
	if err != nil {
		l.fail(envTiersFile, "cannot read the file: "+fileErrorReason(err))
		return
	}
	format := tierfile.FormatYAML
	if strings.HasSuffix(strings.ToLower(path), ".json") {
		format = tierfile.FormatJSON
	}
	tiers, err := tierfile.Parse(data, format)
	if err != nil {
		l.fail(envTiersFile, path+": "+strings.TrimPrefix(err.Error(), "vipsession: "))
		return
	}
	l.cfg.TiersFile, l.cfg.Tiers = path, tiers
}

// personas loads SVSBOT_PERSONAS_FILE.
func (l *loader) personas() {
	path, ok := l.get(envPersonasFile)
	if !ok {
		return
	}
	data, err := l.readFile(path)
	if err != nil {
		l.fail(envPersonasFile, "cannot read the file: "+fileErrorReason(err))
		return
	}
	ps, err := parsePersonas(data, path)
	if err != nil {
		l.fail(envPersonasFile, path+": "+err.Error())
		return
	}
	l.cfg.PersonasFile, l.cfg.Personas = path, ps
}

// models reads SVSBOT_MODELS: a model chain, first choice first.
func (l *loader) models() []string {
	v, ok := l.get(envModels)
	if !ok {
		return nil
	}
	var ms []string
	for i, m := range splitList(v) {
		if !validModel(m) {
			l.fail(envModels, fmt.Sprintf("entry %d (%q) is not a model name (letters, digits and \"-._/\")", i+1, shorten(m)))
			return nil
		}
		ms = append(ms, strings.TrimPrefix(m, "models/"))
	}
	return ms
}

func validModel(m string) bool {
	for _, c := range m {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-._/", c)) {
			return false
		}
	}
	return m != ""
}

// logLevel reads SVSBOT_LOG_LEVEL.
func (l *loader) logLevel() slog.Level {
	v, ok := l.get(envLogLevel)
	if !ok {
		return slog.LevelInfo
	}
	switch strings.ToLower(v) {
	case "debug":
		return slog.LevelDebug
	case "info":
		return slog.LevelInfo
	case "warn", "warning":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	l.fail(envLogLevel, fmt.Sprintf("%q is not one of debug, info, warn, error", shorten(v)))
	return slog.LevelInfo
}

// baseURL reads an API base URL: http(s)://host[:port][/path].
func (l *loader) baseURL(name string) string {
	v, ok := l.get(name)
	if !ok {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		l.fail(name, "is not an http(s)://host[:port] URL")
		return ""
	}
	return strings.TrimSuffix(v, "/")
}

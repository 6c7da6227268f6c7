package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/web3-ai-game/svs-telegram-bot/keyrouter"
	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

// The environment variables the bot reads.
const (
	envToken          = "TELEGRAM_BOT_TOKEN"
	envKeys           = "GEMINI_API_KEYS"
	envOwners         = "SVSBOT_OWNER_IDS"
	envAdmins         = "SVSBOT_ADMIN_IDS"
	envStoreURL       = "SVSBOT_STORE_URL"
	envRedisURL       = "SVSBOT_REDIS_URL"
	envRedisFailOpen  = "SVSBOT_REDIS_FAIL_OPEN"
	envWebhookURL     = "SVSBOT_WEBHOOK_URL"
	envWebhookSecret  = "SVSBOT_WEBHOOK_SECRET"
	envListenAddr     = "SVSBOT_LISTEN_ADDR"
	envTiersFile      = "SVSBOT_TIERS_FILE"
	envPersonasFile   = "SVSBOT_PERSONAS_FILE"
	envModels         = "SVSBOT_MODELS"
	envLogLevel       = "SVSBOT_LOG_LEVEL"
	envTelegramAPIURL = "SVSBOT_TELEGRAM_API_URL"
	envGeminiAPIURL   = "SVSBOT_GEMINI_API_URL"
	fileSuffix        = "_FILE"
	defaultStoreURL   = "sqlite://svsbot.db"
	defaultListenAddr = ":8080"
	listenOff         = "off"
)

// allVars lists every variable the bot reads (each secret also as
// NAME_FILE), in the order of the documentation.
var allVars = []string{
	envToken, envKeys, envOwners, envAdmins, envStoreURL, envRedisURL, envRedisFailOpen,
	envWebhookURL, envWebhookSecret, envListenAddr, envTiersFile,
	envPersonasFile, envModels, envLogLevel, envTelegramAPIURL, envGeminiAPIURL,
}

// errConfig is what every configuration error unwraps to.
var errConfig = errors.New("geminibot: invalid configuration")

// configError is one bad setting. Its text names the variable and never
// holds the value of a secret.
type configError struct {
	Var    string
	Reason string
}

func (e *configError) Error() string { return e.Var + ": " + e.Reason }

func (e *configError) Unwrap() error { return errConfig }

// secret holds a bot token or webhook secret and never prints it.
type secret string

func (secret) String() string               { return "[REDACTED]" }
func (s secret) GoString() string           { return s.String() }
func (s secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }
func (s secret) LogValue() slog.Value       { return slog.StringValue(s.String()) }
func (s secret) MarshalText() ([]byte, error) {
	return []byte(s.String()), nil
}

// storeKind names a store backend.
type storeKind string

const (
	storeMemory   storeKind = "memory"
	storeSQLite   storeKind = "sqlite"
	storePostgres storeKind = "postgres"
	storeRedis    storeKind = "redis"
	storeFleet    storeKind = "fleet" // postgres + redis
)

// storeConfig says where the bot keeps its state.
type storeConfig struct {
	Kind     storeKind
	Path     string // sqlite: the database file
	URL      dsn    // postgres or redis: the server URL
	RedisURL dsn    // fleet: the Redis URL beside the PostgreSQL one
	// FailOpen: with Redis unreachable, a fleet replica goes on with
	// in-process counters and leases instead of refusing.
	FailOpen bool
}

// dsn is a server URL that may hold a password; it prints with the
// password hidden.
type dsn string

func (d dsn) String() string             { return redactURL(string(d)) }
func (d dsn) GoString() string           { return d.String() }
func (d dsn) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(d.String())) }
func (d dsn) LogValue() slog.Value       { return slog.StringValue(d.String()) }

// config is the bot's whole configuration, read from the environment by
// loadConfig.
type config struct {
	Token secret
	Keys  []keyrouter.Key
	// KeyList is the key list as given.
	KeyList    secret
	Owners     []int64
	Admins     []int64
	Store      storeConfig
	WebhookURL string
	// WebhookSecret is required with WebhookURL.
	WebhookSecret secret
	// ListenAddr serves the webhook, /healthz, /readyz and /metrics; ""
	// when SVSBOT_LISTEN_ADDR is "off".
	ListenAddr   string
	TiersFile    string
	Tiers        []vipsession.Tier // nil = vipsession.DefaultTiers
	PersonasFile string
	Personas     []persona // nil = defaultPersonas
	Models       []string  // nil = each tier's own chain
	LogLevel     slog.Level
	// TelegramAPIURL is the Bot API server ("" = Telegram's): a local
	// telegram-bot-api server, or a fake in tests.
	TelegramAPIURL string
	// GeminiAPIURL is the Gemini API base URL ("" = Google's).
	GeminiAPIURL string

	// from says where each variable set came from, for the printout:
	// "environment", ".env", or "file /path" for a secret read from a file.
	from map[string]string
}

// lookupFunc finds a variable: its value, where it came from, and whether
// it is set at all.
type lookupFunc func(name string) (value, from string, ok bool)

// osLookup reads the process environment first, then the variables of a
// .env file. A variable set empty in the environment does not hide the
// file's value.
func osLookup(dotEnv map[string]string) lookupFunc {
	return func(name string) (string, string, bool) {
		if v, ok := os.LookupEnv(name); ok && strings.TrimSpace(v) != "" {
			return v, "environment", true
		}
		if v, ok := dotEnv[name]; ok {
			return v, ".env", true
		}
		return "", "", false
	}
}

// loadOptions change what loadConfig requires.
type loadOptions struct {
	// Console needs no token and no keys: the bot runs against the fakes
	// (and against the real Gemini API when keys are given).
	Console bool
	// ReadFile reads secret, tier and persona files; nil = os.ReadFile.
	ReadFile func(path string) ([]byte, error)
}

// loadConfig reads and checks every variable. It reports every bad
// setting at once, each error naming its variable, joined.
func loadConfig(lookup lookupFunc, opts loadOptions) (*config, error) {
	if opts.ReadFile == nil {
		opts.ReadFile = os.ReadFile
	}
	l := &loader{lookup: lookup, readFile: opts.ReadFile, cfg: &config{from: map[string]string{}}}
	c := l.cfg

	token, tokenSet := l.secret(envToken)
	switch {
	case tokenSet && !validToken(token):
		l.fail(envToken, `is not a bot token (want digits, ":" and letters, digits, "_" or "-", as @BotFather gives it)`)
	case tokenSet:
		c.Token = secret(token)
	case !opts.Console:
		l.fail(envToken, "is not set: get a token from @BotFather (or set "+envToken+fileSuffix+"; or try the bot offline with -console)")
	}

	keys, keysSet := l.secret(envKeys)
	switch {
	case keysSet:
		parsed, err := keyrouter.ParseKeys(keys)
		switch {
		case err != nil:
			l.fail(envKeys, strings.TrimPrefix(err.Error(), "keyrouter: "))
		case len(parsed) == 0:
			l.fail(envKeys, "holds no key")
		default:
			c.Keys, c.KeyList = parsed, secret(keys)
		}
	case !opts.Console:
		l.fail(envKeys, "is not set: list Gemini API keys, e.g. \"A:proj1:KEY1,B:proj2:KEY2\" (or set "+envKeys+fileSuffix+")")
	}

	c.Owners = l.userIDs(envOwners)
	c.Admins = l.userIDs(envAdmins)
	c.Store = l.store()
	l.webhook()
	c.ListenAddr = l.listenAddr()
	l.tiers()
	l.personas()
	c.Models = l.models()
	c.LogLevel = l.logLevel()
	c.TelegramAPIURL = l.baseURL(envTelegramAPIURL)
	c.GeminiAPIURL = l.baseURL(envGeminiAPIURL)

	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	return c, nil
}

// loader carries the state of one loadConfig.
type loader struct {
	lookup   lookupFunc
	readFile func(string) ([]byte, error)
	cfg      *config
	errs     []error
}

func (l *loader) fail(name, reason string) {
	l.errs = append(l.errs, &configError{Var: name, Reason: reason})
}

// get returns a non-secret variable, trimmed, and records where it came
// from. An empty value counts as unset.
func (l *loader) get(name string) (string, bool) {
	v, from, ok := l.lookup(name)
	v = strings.TrimSpace(v)
	if !ok || v == "" {
		return "", false
	}
	l.cfg.from[name] = from
	return v, true
}

// secret returns a secret from name or, when name_FILE is set, from that
// file, as Docker and Kubernetes mount secrets. Setting both is an error.
// Errors never hold the secret.
func (l *loader) secret(name string) (string, bool) {
	fileVar := name + fileSuffix
	v, inline := l.get(name)
	path, fromFile := l.get(fileVar)
	switch {
	case inline && fromFile:
		l.fail(name, "is set twice: set "+name+" or "+fileVar+", not both")
		return "", false
	case fromFile:
		data, err := l.readFile(path)
		if err != nil {
			l.fail(fileVar, "cannot read the file: "+fileErrorReason(err))
			return "", false
		}
		v = strings.TrimSpace(string(data))
		if v == "" {
			l.fail(fileVar, "the file "+path+" is empty")
			return "", false
		}
		l.cfg.from[name] = "file " + path
		delete(l.cfg.from, fileVar)
		return v, true
	}
	return v, inline
}

// fileErrorReason describes a file error with its path but without the
// package prefix of os errors.
func fileErrorReason(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Path + ": " + pe.Err.Error()
	}
	return err.Error()
}

// validToken checks the shape of a bot token: "<bot ID>:<secret>".
func validToken(t string) bool {
	id, rest, ok := strings.Cut(t, ":")
	if !ok || id == "" || rest == "" {
		return false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	for _, c := range rest {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

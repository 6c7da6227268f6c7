package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Secrets used by the tests; none of them may appear in any output.
const (
	testToken     = "987654:TOKENsecretPART_never-print"
	testKey1      = "AIzaSyTESTKEYoneNEVERPRINT000000000000"
	testKey2      = "AIzaSyTESTKEYtwoNEVERPRINT000000000000"
	testWebSecret = "hook_SECRET-never-print"
	testPGPass    = "pgPASSWORDneverprint"
)

var testSecrets = []string{testToken, "TOKENsecretPART", testKey1, testKey2, testWebSecret, testPGPass}

// mapLookup is a lookupFunc over a map, as the environment.
func mapLookup(m map[string]string) lookupFunc {
	return func(name string) (string, string, bool) {
		v, ok := m[name]
		return v, "environment", ok
	}
}

// fakeFiles is a ReadFile over a map of paths.
func fakeFiles(files map[string]string) func(string) ([]byte, error) {
	return func(path string) ([]byte, error) {
		if s, ok := files[path]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
}

// minimalEnv is the least a bot needs.
func minimalEnv() map[string]string {
	return map[string]string{envToken: testToken, envKeys: testKey1}
}

func with(kv ...string) map[string]string {
	m := minimalEnv()
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "<unset>" {
			delete(m, kv[i])
			continue
		}
		m[kv[i]] = kv[i+1]
	}
	return m
}

// assertNoSecret fails if any test secret appears in s.
func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, sec := range testSecrets {
		assert.NotContains(t, s, sec, "a secret leaked")
	}
}

const tiersYAML = `tiers:
  - name: free
    base: free
    requests_per_day: 5
  - name: gold
    base: vip
    rank: 35
`

const personasYAML = `personas:
  - name: assistant
    title: Helpful
    prompt: You are helpful.
  - name: pirate
    prompt: Talk like a pirate.
`

var testFiles = map[string]string{
	"/run/secrets/token":     testToken + "\n",
	"/run/secrets/keys":      "A:p1:" + testKey1 + "\nB:p2:" + testKey2 + "*3\n",
	"/run/secrets/hook":      testWebSecret + "\n",
	"/run/secrets/empty":     "\n",
	"/etc/bot/tiers.yaml":    tiersYAML,
	"/etc/bot/tiers.json":    `{"tiers": [{"name": "free", "base": "free", "requests_per_day": 7}]}`,
	"/etc/bot/badtiers.yml":  "tiers:\n  - name: x\n    rank: 1\n",
	"/etc/bot/personas.yml":  personasYAML,
	"/etc/bot/personas.json": `{"personas": [{"name": "a", "prompt": "p"}]}`,
	"/etc/bot/badpers.yml":   "personas:\n  - name: a\n",
	"/etc/bot/typo.yml":      "personas:\n  - name: a\n    promt: p\n",
}

func TestLoadConfigValid(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, c *config)
	}{
		{"defaults", minimalEnv(), func(t *testing.T, c *config) {
			assert.Equal(t, secret(testToken), c.Token)
			require.Len(t, c.Keys, 1)
			assert.Equal(t, testKey1, string(c.Keys[0].Secret))
			assert.Equal(t, storeConfig{Kind: storeSQLite, Path: "svsbot.db"}, c.Store)
			assert.Equal(t, ":8080", c.ListenAddr)
			assert.Empty(t, c.WebhookURL)
			assert.Nil(t, c.Tiers)
			assert.Nil(t, c.Personas)
			assert.Nil(t, c.Models)
			assert.Equal(t, slog.LevelInfo, c.LogLevel)
		}},
		{"token from file", with(envToken, "<unset>", envToken+"_FILE", "/run/secrets/token"), func(t *testing.T, c *config) {
			assert.Equal(t, secret(testToken), c.Token, "trailing newline trimmed")
			assert.Equal(t, "file /run/secrets/token", c.from[envToken])
		}},
		{"key list with groups, projects and weights", with(envKeys, "A:p1:"+testKey1+", B:p2:"+testKey2+"*3"), func(t *testing.T, c *config) {
			require.Len(t, c.Keys, 2)
			assert.Equal(t, "A", c.Keys[0].Group)
			assert.Equal(t, "p1", c.Keys[0].Project)
			assert.Equal(t, 3, c.Keys[1].Weight)
		}},
		{"keys from file", with(envKeys, "<unset>", envKeys+"_FILE", "/run/secrets/keys"), func(t *testing.T, c *config) {
			require.Len(t, c.Keys, 2)
			assert.Equal(t, "B", c.Keys[1].Group)
		}},
		{"owners and admins", with(envOwners, "1, 2 3", envAdmins, "42"), func(t *testing.T, c *config) {
			assert.Equal(t, []int64{1, 2, 3}, c.Owners)
			assert.Equal(t, []int64{42}, c.Admins)
		}},
		{"memory store", with(envStoreURL, "memory://"), func(t *testing.T, c *config) {
			assert.Equal(t, storeMemory, c.Store.Kind)
		}},
		{"sqlite absolute path", with(envStoreURL, "sqlite:///data/bot.db"), func(t *testing.T, c *config) {
			assert.Equal(t, storeConfig{Kind: storeSQLite, Path: "/data/bot.db"}, c.Store)
		}},
		{"postgres", with(envStoreURL, "postgres://u:"+testPGPass+"@db:5432/bot"), func(t *testing.T, c *config) {
			assert.Equal(t, storePostgres, c.Store.Kind)
			assert.Equal(t, "postgres://u:"+testPGPass+"@db:5432/bot", string(c.Store.URL))
		}},
		{"postgresql scheme", with(envStoreURL, "postgresql://db/bot"), func(t *testing.T, c *config) {
			assert.Equal(t, storePostgres, c.Store.Kind)
		}},
		{"redis alone", with(envStoreURL, "redis://cache:6379/0"), func(t *testing.T, c *config) {
			assert.Equal(t, storeRedis, c.Store.Kind)
		}},
		{"fleet: postgres and redis", with(envStoreURL, "postgres://db/bot", envRedisURL, "redis://cache:6379/0"), func(t *testing.T, c *config) {
			assert.Equal(t, storeConfig{Kind: storeFleet, URL: "postgres://db/bot", RedisURL: "redis://cache:6379/0"}, c.Store)
		}},
		{"webhook", with(envWebhookURL, "https://bot.example.com/tg", envWebhookSecret, testWebSecret), func(t *testing.T, c *config) {
			assert.Equal(t, "https://bot.example.com/tg", c.WebhookURL)
			assert.Equal(t, secret(testWebSecret), c.WebhookSecret)
		}},
		{"webhook secret from file", with(envWebhookURL, "https://bot.example.com/tg", envWebhookSecret+"_FILE", "/run/secrets/hook"), func(t *testing.T, c *config) {
			assert.Equal(t, secret(testWebSecret), c.WebhookSecret)
		}},
		{"webhook over http on loopback", with(envWebhookURL, "http://127.0.0.1:8080/tg", envWebhookSecret, testWebSecret), func(t *testing.T, c *config) {
			assert.Equal(t, "http://127.0.0.1:8080/tg", c.WebhookURL)
		}},
		{"listen addr", with(envListenAddr, "127.0.0.1:9090"), func(t *testing.T, c *config) {
			assert.Equal(t, "127.0.0.1:9090", c.ListenAddr)
		}},
		{"listen off", with(envListenAddr, "off"), func(t *testing.T, c *config) {
			assert.Empty(t, c.ListenAddr)
		}},
		{"tiers YAML", with(envTiersFile, "/etc/bot/tiers.yaml"), func(t *testing.T, c *config) {
			require.Len(t, c.Tiers, 2)
			assert.Equal(t, int64(5), c.Tiers[0].RequestsPerDay)
			assert.Equal(t, "gold", c.Tiers[1].Name)
		}},
		{"tiers JSON", with(envTiersFile, "/etc/bot/tiers.json"), func(t *testing.T, c *config) {
			require.Len(t, c.Tiers, 1)
			assert.Equal(t, int64(7), c.Tiers[0].RequestsPerDay)
		}},
		{"personas YAML", with(envPersonasFile, "/etc/bot/personas.yml"), func(t *testing.T, c *config) {
			require.Len(t, c.Personas, 2)
			assert.Equal(t, "pirate", c.Personas[1].Name)
			assert.Equal(t, "Talk like a pirate.", c.Personas[1].Prompt)
		}},
		{"personas JSON", with(envPersonasFile, "/etc/bot/personas.json"), func(t *testing.T, c *config) {
			require.Len(t, c.Personas, 1)
		}},
		{"models", with(envModels, "gemini-2.5-pro, models/gemini-flash-latest"), func(t *testing.T, c *config) {
			assert.Equal(t, []string{"gemini-2.5-pro", "gemini-flash-latest"}, c.Models)
		}},
		{"log level", with(envLogLevel, "DEBUG"), func(t *testing.T, c *config) {
			assert.Equal(t, slog.LevelDebug, c.LogLevel)
		}},
		{"log level warning", with(envLogLevel, "warning"), func(t *testing.T, c *config) {
			assert.Equal(t, slog.LevelWarn, c.LogLevel)
		}},
		{"API URLs", with(envTelegramAPIURL, "http://127.0.0.1:8081/", envGeminiAPIURL, "https://gemini.example.com"), func(t *testing.T, c *config) {
			assert.Equal(t, "http://127.0.0.1:8081", c.TelegramAPIURL)
			assert.Equal(t, "https://gemini.example.com", c.GeminiAPIURL)
		}},
		{"empty values count as unset", with(envStoreURL, "", envLogLevel, " "), func(t *testing.T, c *config) {
			assert.Equal(t, storeSQLite, c.Store.Kind)
			assert.Equal(t, slog.LevelInfo, c.LogLevel)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(mapLookup(tt.env), loadOptions{ReadFile: fakeFiles(testFiles)})
			require.NoError(t, err)
			tt.check(t, c)
			var out bytes.Buffer
			c.print(&out)
			assertNoSecret(t, out.String())
			assertNoSecret(t, fmt.Sprintf("%v %+v %#v", *c, *c, *c))
		})
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		varName string // the variable the message must name
		want    string // a part of the message
	}{
		{"no token", with(envToken, "<unset>"), envToken, "is not set"},
		{"bad token", with(envToken, "TOKENsecretPART"), envToken, "is not a bot token"},
		{"token with a space", with(envToken, "987654:TOKENsecretPART x"), envToken, "is not a bot token"},
		{"token twice", with(envToken+"_FILE", "/run/secrets/token"), envToken, "not both"},
		{"token file missing", with(envToken, "<unset>", envToken+"_FILE", "/run/secrets/nope"), envToken + "_FILE", "/run/secrets/nope"},
		{"token file empty", with(envToken, "<unset>", envToken+"_FILE", "/run/secrets/empty"), envToken + "_FILE", "is empty"},
		{"no keys", with(envKeys, "<unset>"), envKeys, "is not set"},
		{"keys only commas", with(envKeys, " , ,"), envKeys, "holds no key"},
		{"bad key entry", with(envKeys, testKey1+", A:b:c:"+testKey2), envKeys, "key 2"},
		{"bad key weight", with(envKeys, testKey1+"*0"), envKeys, "weight"},
		{"keys twice", with(envKeys+"_FILE", "/run/secrets/keys"), envKeys, "not both"},
		{"keys file missing", with(envKeys, "<unset>", envKeys+"_FILE", "/nope"), envKeys + "_FILE", "cannot read"},
		{"owner not a number", with(envOwners, "1,alice"), envOwners, "entry 2"},
		{"owner negative", with(envOwners, "-5"), envOwners, "positive"},
		{"admin not a number", with(envAdmins, "x"), envAdmins, "entry 1"},
		{"store no scheme", with(envStoreURL, "svsbot.db"), envStoreURL, "want memory://"},
		{"store unknown scheme", with(envStoreURL, "mysql://u:"+testPGPass+"@h/db"), envStoreURL, "unknown scheme"},
		{"sqlite no path", with(envStoreURL, "sqlite://"), envStoreURL, "needs a file path"},
		{"memory with path", with(envStoreURL, "memory://x"), envStoreURL, "nothing after"},
		{"postgres no host", with(envStoreURL, "postgres://"), envStoreURL, "not a valid postgres"},
		{"postgres bad URL", with(envStoreURL, "postgres://u:"+testPGPass+"@h:port/db"), envStoreURL, "not a valid postgres"},
		{"redis store no host", with(envStoreURL, "redis://"), envStoreURL, "not a valid redis"},
		{"redis beside sqlite", with(envRedisURL, "redis://cache:6379"), envRedisURL, "beside a postgres"},
		{"redis URL bad", with(envStoreURL, "postgres://db/x", envRedisURL, "http://cache"), envRedisURL, "not a valid redis"},
		{"webhook not https", with(envWebhookURL, "http://bot.example.com/tg", envWebhookSecret, testWebSecret), envWebhookURL, "https"},
		{"webhook not a URL", with(envWebhookURL, "bot.example.com", envWebhookSecret, testWebSecret), envWebhookURL, "not a URL"},
		{"webhook without secret", with(envWebhookURL, "https://bot.example.com/tg"), envWebhookSecret, "is required"},
		{"webhook secret bad", with(envWebhookURL, "https://bot.example.com/tg", envWebhookSecret, "has space "+testWebSecret), envWebhookSecret, "A-Z"},
		{"webhook secret twice", with(envWebhookSecret, testWebSecret, envWebhookSecret+"_FILE", "/run/secrets/hook"), envWebhookSecret, "not both"},
		{"listen addr bad", with(envListenAddr, "8080"), envListenAddr, "host:port"},
		{"listen port bad", with(envListenAddr, ":99999"), envListenAddr, "0 to 65535"},
		{"listen off with webhook", with(envListenAddr, "off", envWebhookURL, "https://b.example/tg", envWebhookSecret, testWebSecret), envListenAddr, "cannot be off"},
		{"tiers file missing", with(envTiersFile, "/etc/bot/none.yaml"), envTiersFile, "cannot read"},
		{"tiers file invalid", with(envTiersFile, "/etc/bot/badtiers.yml"), envTiersFile, "badtiers.yml"},
		{"personas file missing", with(envPersonasFile, "/etc/bot/none.yml"), envPersonasFile, "cannot read"},
		{"persona without prompt", with(envPersonasFile, "/etc/bot/badpers.yml"), envPersonasFile, "prompt is empty"},
		{"persona file typo", with(envPersonasFile, "/etc/bot/typo.yml"), envPersonasFile, "promt"},
		{"models bad", with(envModels, "gemini flash!"), envModels, "entry 2"},
		{"telegram API URL bad", with(envTelegramAPIURL, "ftp://x"), envTelegramAPIURL, "http(s)://"},
		{"gemini API URL bad", with(envGeminiAPIURL, "localhost:8080"), envGeminiAPIURL, "http(s)://"},
		{"log level bad", with(envLogLevel, "verbose"), envLogLevel, "debug, info, warn, error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(mapLookup(tt.env), loadOptions{ReadFile: fakeFiles(testFiles)})
			require.Error(t, err)
			assert.Nil(t, c)
			assert.ErrorIs(t, err, errConfig)
			var ce *configError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.varName, ce.Var)
			assert.True(t, strings.HasPrefix(err.Error(), tt.varName+": "), "message %q must start with the variable", err)
			assert.Contains(t, err.Error(), tt.want)
			assertNoSecret(t, err.Error())
		})
	}
}

// Every bad setting is reported at once, each on its own line.
func TestLoadConfigReportsEveryError(t *testing.T) {
	env := map[string]string{envOwners: "x", envLogLevel: "loud", envStoreURL: "nope"}
	_, err := loadConfig(mapLookup(env), loadOptions{ReadFile: fakeFiles(nil)})
	require.Error(t, err)
	for _, v := range []string{envToken, envKeys, envOwners, envLogLevel, envStoreURL} {
		assert.Contains(t, err.Error(), v+": ")
	}
	assert.Len(t, strings.Split(err.Error(), "\n"), 5)
}

func TestLoadConfigConsole(t *testing.T) {
	c, err := loadConfig(mapLookup(map[string]string{}), loadOptions{Console: true})
	require.NoError(t, err)
	assert.Empty(t, c.Token)
	assert.Empty(t, c.Keys)

	// Keys given in console mode are still checked.
	_, err = loadConfig(mapLookup(map[string]string{envKeys: "a:b:c:d"}), loadOptions{Console: true})
	assert.ErrorIs(t, err, errConfig)
}

func TestPrintRedacts(t *testing.T) {
	env := with(
		envToken, "<unset>", envToken+"_FILE", "/run/secrets/token",
		envKeys, "A:p1:"+testKey1+",B:"+testKey2,
		envOwners, "7",
		envStoreURL, "postgres://bot:"+testPGPass+"@db:5432/bot?sslmode=disable",
		envRedisURL, "redis://:"+testPGPass+"@cache:6379/0",
		envWebhookURL, "https://bot.example.com/tg",
		envWebhookSecret, testWebSecret,
		envModels, "gemini-flash-latest",
	)
	c, err := loadConfig(mapLookup(env), loadOptions{ReadFile: fakeFiles(testFiles)})
	require.NoError(t, err)
	var out bytes.Buffer
	c.print(&out)
	s := out.String()
	assertNoSecret(t, s)
	assert.Contains(t, s, "[REDACTED]  (from file /run/secrets/token)")
	assert.Contains(t, s, "2 keys; A: "+c.Keys[0].ID+" (p1); B: "+c.Keys[1].ID)
	assert.Contains(t, s, "postgres://bot:xxxxx@db:5432/bot")
	assert.Contains(t, s, "redis://:xxxxx@cache:6379/0")
	assert.Contains(t, s, envWebhookSecret)
	assert.Contains(t, s, "gemini-flash-latest")

	// A password given as a query parameter is hidden too.
	assert.Equal(t, "postgres://db/bot?password=xxxxx", redactURL("postgres://db/bot?password="+testPGPass))
}

// osLookup prefers the process environment to the .env file.
func TestOSLookup(t *testing.T) {
	t.Setenv("SVSBOT_TEST_LOOKUP", "from-env")
	look := osLookup(map[string]string{"SVSBOT_TEST_LOOKUP": "from-file", "SVSBOT_TEST_ONLY_FILE": "x"})
	v, from, ok := look("SVSBOT_TEST_LOOKUP")
	assert.Equal(t, []any{"from-env", "environment", true}, []any{v, from, ok})
	v, from, ok = look("SVSBOT_TEST_ONLY_FILE")
	assert.Equal(t, []any{"x", ".env", true}, []any{v, from, ok})
	_, _, ok = look("SVSBOT_TEST_NOT_SET_ANYWHERE")
	assert.False(t, ok)
}

// The real file reader names the path in errors.
func TestSecretFileFromDisk(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(path, []byte(testToken+"\r\n"), 0o600))
	c, err := loadConfig(mapLookup(map[string]string{envToken + "_FILE": path, envKeys: testKey1}), loadOptions{})
	require.NoError(t, err)
	assert.Equal(t, secret(testToken), c.Token)

	_, err = loadConfig(mapLookup(map[string]string{envToken + "_FILE": filepath.Join(dir, "missing"), envKeys: testKey1}), loadOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), envToken+"_FILE: cannot read the file: "+filepath.Join(dir, "missing"))
}

func TestSecretNeverPrints(t *testing.T) {
	s := secret(testToken)
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "token", s)
	text, _ := s.MarshalText()
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%s %v %q %x %#v %+v", s, s, s, s, s, s), logged.String(), string(text)} {
		assertNoSecret(t, out)
	}
}

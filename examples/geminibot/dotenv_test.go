package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDotEnv(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"empty", "", map[string]string{}},
		{"comments and blanks", "# a comment\n\n   # another\n", map[string]string{}},
		{"plain", "A=1\nB = two \n", map[string]string{"A": "1", "B": "two"}},
		{"export", "export TOKEN=abc", map[string]string{"TOKEN": "abc"}},
		{"trailing comment", "A=x # note\nB=y#not-a-comment", map[string]string{"A": "x", "B": "y#not-a-comment"}},
		{"empty value", "A=\nB=   ", map[string]string{"A": "", "B": ""}},
		{"double quotes", `A="a b # c"`, map[string]string{"A": "a b # c"}},
		{"escapes", `A="l1\nl2\t\"q\" \\ \$ \x"`, map[string]string{"A": "l1\nl2\t\"q\" \\ $ \\x"}},
		{"single quotes are literal", `A='a\nb "c"'`, map[string]string{"A": `a\nb "c"`}},
		{"multi-line", "KEYS=\"A:p:k1\nB:p:k2\"\nNEXT=1", map[string]string{"KEYS": "A:p:k1\nB:p:k2", "NEXT": "1"}},
		{"comment after quotes", `A="x" # note`, map[string]string{"A": "x"}},
		{"CRLF", "A=1\r\nB=2\r\n", map[string]string{"A": "1", "B": "2"}},
		{"last wins", "A=1\nA=2", map[string]string{"A": "2"}},
		{"equals in value", "URL=postgres://h/db?sslmode=disable&x=y", map[string]string{"URL": "postgres://h/db?sslmode=disable&x=y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDotEnv(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseDotEnvErrors(t *testing.T) {
	const sec = "AIzaSySECRETdotenvNEVERPRINT"
	tests := []struct {
		name string
		in   string
		line int
		want string
	}{
		{"no equals", "A=1\n" + sec, 2, "NAME=value"},
		{"bad name", "1A=" + sec, 1, "name"},
		{"name with dash", "MY-KEY=" + sec, 1, "name"},
		{"unclosed quote", "A=\"" + sec + "\nB=2", 1, "no closing quote"},
		{"text after quote", "A='" + sec + "' junk", 1, "after the closing quote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseDotEnv(tt.in)
			require.ErrorIs(t, err, errDotEnv)
			var de *dotEnvError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tt.line, de.Line)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "SECRET", "errors never quote the line")
		})
	}
}

func TestReadDotEnv(t *testing.T) {
	dir := t.TempDir()
	vars, err := readDotEnv(filepath.Join(dir, ".env"))
	require.NoError(t, err, "a missing .env is fine")
	assert.Nil(t, vars)

	path := filepath.Join(dir, ".env")
	require.NoError(t, os.WriteFile(path, []byte("A=1\n"), 0o600))
	vars, err = readDotEnv(path)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"A": "1"}, vars)

	_, err = readDotEnv(dir) // a directory cannot be read
	assert.Error(t, err)
}

// The .env.example at the root of the repository parses, and names only
// variables the bot reads.
func TestDotEnvExample(t *testing.T) {
	data, err := os.ReadFile("../../.env.example")
	require.NoError(t, err)
	vars, err := parseDotEnv(string(data))
	require.NoError(t, err)
	known := map[string]bool{}
	for _, v := range allVars {
		known[v] = true
		known[v+fileSuffix] = true
	}
	for name := range vars {
		assert.True(t, known[name], "%s in .env.example is not read by the bot", name)
	}
	for _, v := range allVars {
		assert.Contains(t, string(data), v, ".env.example should mention %s", v)
	}
}

func FuzzParseDotEnv(f *testing.F) {
	for _, s := range []string{
		"", "A=1", "export A=1 # c", `A="x\ny" # c`, "A='x", "A=\"\n\n\"", `A="\`, "=", "A==", "\r\n", "A=\"a\\\"b\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		vars, err := parseDotEnv(in)
		if err != nil {
			var de *dotEnvError
			if !strings.HasPrefix(err.Error(), "geminibot: .env line ") || !assert.ErrorAs(t, err, &de) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		for name := range vars {
			if !validEnvName(name) {
				t.Fatalf("invalid name %q accepted", name)
			}
		}
	})
}

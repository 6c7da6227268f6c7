package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// errDotEnv is what every error of a .env file unwraps to.
var errDotEnv = errors.New("geminibot: bad .env file")

// dotEnvError is a bad line of a .env file. It names the line and never
// quotes it: the line may hold a secret.
type dotEnvError struct {
	Line   int
	Reason string
}

func (e *dotEnvError) Error() string {
	return fmt.Sprintf("geminibot: .env line %d: %s", e.Line, e.Reason)
}

func (e *dotEnvError) Unwrap() error { return errDotEnv }

// parseDotEnv reads a .env file:
//
//	# comment
//	NAME=value            # a comment after a space
//	export NAME=value     # "export " is allowed and ignored
//	NAME="text with spaces, \"quotes\" and \n escapes"
//	NAME='literal text, no escapes'
//	GEMINI_API_KEYS="A:p1:AIza...
//	B:p2:AIza..."         # quoted values may span lines
//
// Names are letters, digits and "_", not starting with a digit. A name
// listed twice keeps its last value. Errors give the line, never its text.
func parseDotEnv(data string) (map[string]string, error) {
	vars := make(map[string]string)
	lines := strings.Split(strings.ReplaceAll(data, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		line := strings.TrimSpace(lines[i])
		if line == "" || line[0] == '#' {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			return nil, &dotEnvError{Line: lineNo, Reason: `want NAME=value`}
		}
		name := strings.TrimSpace(line[:eq])
		if !validEnvName(name) {
			return nil, &dotEnvError{Line: lineNo, Reason: `the name may hold only letters, digits and "_", and not start with a digit`}
		}
		rest := strings.TrimLeft(line[eq+1:], " \t")
		if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
			vars[name] = unquotedValue(rest)
			continue
		}
		quote := rest[0]
		body := rest[1:]
		// A quoted value ends at the first unescaped closing quote, which
		// may be on a later line.
		for {
			end := closingQuote(body, quote)
			if end >= 0 {
				tail := strings.TrimSpace(body[end+1:])
				if tail != "" && tail[0] != '#' {
					return nil, &dotEnvError{Line: lineNo, Reason: "text after the closing quote"}
				}
				value := body[:end]
				if quote == '"' {
					value = unescape(value)
				}
				vars[name] = value
				break
			}
			i++
			if i >= len(lines) {
				return nil, &dotEnvError{Line: lineNo, Reason: "quoted value has no closing quote"}
			}
			body += "\n" + lines[i]
		}
	}
	return vars, nil
}

// unquotedValue trims a bare value and drops a " #" comment.
func unquotedValue(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
			s = s[:i]
			break
		}
	}
	return strings.TrimSpace(s)
}

// closingQuote returns the index of the first unescaped quote in s, -1 if
// none. Only double-quoted values have escapes.
func closingQuote(s string, quote byte) int {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quote == '"':
			i++
		case s[i] == quote:
			return i
		}
	}
	return -1
}

// unescape resolves \n, \t, \r, \", \\ and \$ in a double-quoted value;
// other backslashes are kept as they are.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '"', '\\', '$':
			b.WriteByte(s[i])
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func validEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// readDotEnv reads the .env file at path; a missing file is no error and
// gives no variables.
func readDotEnv(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("geminibot: read %s: %w", path, err)
	}
	return parseDotEnv(string(data))
}

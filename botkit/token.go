package botkit

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ErrMalformedToken reports a bot token that is not of the form
// <bot ID>:<secret>, digits then a colon then A-Za-z0-9_-. Errors that
// wrap it never contain the token.
var ErrMalformedToken = errors.New("botkit: malformed bot token (want <bot ID>:<secret>)")

// ValidToken checks that token has the form Telegram gives bot tokens: the
// bot's numeric ID, a colon and a secret of A-Z, a-z, 0-9, _ and -, with
// nothing before or after. A token read from a file with Windows line
// endings ends with "\r" and fails here rather than in every API call. The
// error wraps ErrMalformedToken and says what is wrong without repeating
// any part of the token.
func ValidToken(token string) error {
	id, secret, ok := strings.Cut(token, ":")
	switch {
	case token == "":
		return fmt.Errorf("%w: the token is empty", ErrMalformedToken)
	case !ok:
		return fmt.Errorf("%w: no colon", ErrMalformedToken)
	case id == "":
		return fmt.Errorf("%w: no bot ID before the colon", ErrMalformedToken)
	case secret == "":
		return fmt.Errorf("%w: no secret after the colon", ErrMalformedToken)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < '0' || c > '9' {
			return fmt.Errorf("%w: %s in the bot ID (byte %d)", ErrMalformedToken, describeByte(c), i+1)
		}
	}
	for i := 0; i < len(secret); i++ {
		if c := secret[i]; !tokenSecretByte(c) {
			return fmt.Errorf("%w: %s in the secret (byte %d of %d after the colon)",
				ErrMalformedToken, describeByte(c), i+1, len(secret))
		}
	}
	return nil
}

func tokenSecretByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// describeByte names an unexpected byte of a token without showing it when
// it could be part of the secret: only characters that can never be in a
// valid token are named.
func describeByte(c byte) string {
	switch {
	case c == '\r' || c == '\n':
		return "a line break (check for a trailing \\r or \\n, as from a file with CRLF line endings)"
	case c == ' ' || c == '\t':
		return "a space or tab"
	case c < 0x20 || c == 0x7f:
		return "a control character"
	case c >= 0x80:
		return "a non-ASCII character"
	case c == ':':
		return "a second colon"
	}
	return "a character outside A-Za-z0-9_-"
}

// redactor replaces a bot token in error texts with "***", in the forms in
// which it shows up there: as is, quoted by %q (which escapes control
// characters), and percent-encoded in URLs. The zero value redacts nothing.
type redactor struct {
	r *strings.Replacer
}

// minSecretLen is the shortest secret redacted on its own, apart from the
// bot ID: a very short secret (as in tests) would mangle ordinary words.
const minSecretLen = 8

func newRedactor(token string) redactor {
	if token == "" {
		return redactor{}
	}
	forms := tokenForms(token)
	if _, secret, ok := strings.Cut(token, ":"); ok && len(secret) >= minSecretLen {
		forms = append(forms, tokenForms(secret)...)
	}
	var pairs []string
	seen := make(map[string]bool, len(forms))
	for _, f := range forms {
		if f != "" && !seen[f] {
			seen[f] = true
			pairs = append(pairs, f, "***")
		}
	}
	// strings.Replacer tries the patterns in order at each position: the
	// whole token comes before the secret alone, so "<ID>:***" is never
	// left behind.
	return redactor{strings.NewReplacer(pairs...)}
}

func tokenForms(s string) []string {
	q := strconv.Quote(s)
	return []string{s, q[1 : len(q)-1], url.PathEscape(s), url.QueryEscape(s)}
}

// text returns s without the token.
func (r redactor) text(s string) string {
	if r.r == nil {
		return s
	}
	return r.r.Replace(s)
}

// redact returns err with the token removed from its text; nil stays nil.
// An error whose text holds no token is returned as is.
func (r redactor) redact(err error) error {
	if err == nil || r.r == nil {
		return err
	}
	msg := err.Error()
	clean := r.text(msg)
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: r.inner(err)}
}

// inner returns what a redactedError unwraps to: the *url.Error in err with
// its URL and text redacted (that is where the token comes from: the URL of
// an API call holds it), so that errors.As finds a *url.Error, and errors.Is
// the causes beneath it (context.DeadlineExceeded, a *net.OpError), without
// the token; or, when err holds no *url.Error, err itself.
func (r redactor) inner(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	cause := ue.Err
	if cause != nil {
		if clean := r.text(cause.Error()); clean != cause.Error() {
			cause = &redactedError{msg: clean, err: cause}
		}
	}
	return &url.Error{Op: ue.Op, URL: r.text(ue.URL), Err: cause}
}

// redactedError is an error whose text had the bot token in it, now
// replaced with "***". It unwraps to the error it stands for, redacted as
// far as its type allows (see redactor.inner), so errors.Is and errors.As
// classify it as before.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

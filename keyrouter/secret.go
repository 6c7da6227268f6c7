package keyrouter

import (
	"fmt"
	"log/slog"
)

// redacted is what a Secret prints instead of itself.
const redacted = "[REDACTED]"

// Secret is an API key in a type that never prints itself: String, every fmt
// verb (%v %+v %#v %s %q %x ...), slog (LogValue), JSON and text marshalling
// show "[REDACTED]". Use string(s) only where the key must go on the wire.
//
// The zero value is the empty secret, which no Key may carry.
type Secret string

// String returns "[REDACTED]".
func (Secret) String() string { return redacted }

// GoString returns "[REDACTED]", so %#v hides the secret too.
func (Secret) GoString() string { return redacted }

// Format writes "[REDACTED]" for every verb and flag.
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue makes slog print "[REDACTED]".
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON encodes the secret as the JSON string "[REDACTED]".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText encodes the secret as "[REDACTED]".
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

package keyrouter

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseKeys(t *testing.T) {
	type k struct {
		secret, group, project string
		weight                 int
	}
	cases := []struct {
		name, in string
		want     []k
	}{
		{"empty", "", nil},
		{"blanks", " , ;\n\n ,", nil},
		{"plain", "k1,k2", []k{{"k1", "", "", 0}, {"k2", "", "", 0}}},
		{"spaces and newlines", "  k1 ,\n\tk2 ;k3\r\n", []k{{"k1", "", "", 0}, {"k2", "", "", 0}, {"k3", "", "", 0}}},
		{"rich", "A:proj1:AIza1*2, A:proj1:AIza2, B:proj2:AIza3",
			[]k{{"AIza1", "A", "proj1", 2}, {"AIza2", "A", "proj1", 0}, {"AIza3", "B", "proj2", 0}}},
		{"group only", "C:AIza4", []k{{"AIza4", "C", "", 0}}},
		{"empty fields", "::AIza5, :p:AIza6", []k{{"AIza5", "", "", 0}, {"AIza6", "", "p", 0}}},
		{"spaces in fields", " A : p : AIza7 * 3 ", []k{{"AIza7", "A", "p", 3}}},
		{"comments", "# owners\nA:p:AIza8  # main, backup below\n#B:x\nB:AIza9",
			[]k{{"AIza8", "A", "p", 0}, {"AIza9", "B", "", 0}}},
		{"duplicates keep the first", "A:AIza1,B:AIza1,AIza1,AIza2", []k{{"AIza1", "A", "", 0}, {"AIza2", "", "", 0}}},
		{"short keys", "a,b", []k{{"a", "", "", 0}, {"b", "", "", 0}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := ParseKeys(tc.in)
			require.NoError(t, err)
			var got []k
			for _, key := range keys {
				got = append(got, k{string(key.Secret), key.Group, key.Project, key.Weight})
				assert.Equal(t, Fingerprint(key.Secret), key.ID)
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseKeysErrors(t *testing.T) {
	cases := []struct {
		in            string
		entry, offset int
		reason        string
	}{
		{"k1,A:p:x:AIzaHIDDEN1", 2, 3, "too many"},
		{"k1,\n  A:p:AIzaHIDDEN2*0", 2, 6, "weight"},
		{"AIzaHIDDEN3*many", 1, 0, "weight"},
		{"AIzaHIDDEN4*2000", 1, 0, "weight"},
		{"A:p:", 1, 0, "empty secret"},
		{"A/B:AIzaHIDDEN5", 1, 0, "group name"},
		{"A:p p:AIzaHIDDEN6", 1, 0, "project name"},
		{"ok;AIza HIDDEN7", 2, 3, "secret contains"},
		{"ok; A:\"AIzaHIDDEN8\"", 2, 4, "secret contains"},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			_, err := ParseKeys(tc.in)
			var le *KeyListError
			require.ErrorAs(t, err, &le)
			require.ErrorIs(t, err, ErrInvalidKeys)
			assert.Equal(t, tc.entry, le.Entry)
			assert.Equal(t, tc.offset, le.Offset)
			assert.Contains(t, le.Reason, tc.reason)
			assert.NotContains(t, err.Error(), "HIDDEN")
		})
	}
}

// errVocabulary is every word an error of ParseKeys may hold.
var errVocabulary = func() string {
	var b strings.Builder
	for _, in := range []string{"a:b:c:d", "a*x", "a:", "/:a", "a:/:b", "a b"} {
		_, err := ParseKeys(in)
		b.WriteString(err.Error() + " ")
	}
	return b.String()
}()

var secretLike = regexp.MustCompile(`[A-Za-z0-9_\-]{6,}`)

func FuzzParseKeys(f *testing.F) {
	for _, s := range []string{"", "k1,k2", "A:proj1:AIzaSyA0123456789*2, B:proj2:AIzaSyB0123456789",
		"# c\nA:p:k # x,y\n", "::k;;\n,", "A:p:k*0", "a:b:c:d", "k*99999999999999999999", "A:p:AIza SECRET",
		"\xff\xfe:k", "ключ:проект:секрет*2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		keys, err := ParseKeys(in)
		if err != nil {
			if !errors.Is(err, ErrInvalidKeys) {
				t.Fatalf("error does not unwrap to ErrInvalidKeys: %v", err)
			}
			msg := err.Error()
			for _, tok := range secretLike.FindAllString(in, -1) {
				if strings.Contains(msg, tok) && !strings.Contains(errVocabulary, tok) {
					t.Fatalf("error %q shows input text %q", msg, tok)
				}
			}
			return
		}
		seen := map[Secret]bool{}
		for _, k := range keys {
			if k.Secret == "" || seen[k.Secret] {
				t.Fatalf("empty or duplicate secret in %q", in)
			}
			seen[k.Secret] = true
			if strings.Contains(k.String(), string(k.Secret)) && len(k.Secret) >= 6 {
				t.Fatalf("key prints its secret")
			}
		}
		if _, err := New(keys, Options{}); err != nil {
			t.Fatalf("parsed keys rejected by New: %v", err)
		}
	})
}

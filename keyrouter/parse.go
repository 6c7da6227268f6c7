package keyrouter

import (
	"strconv"
	"strings"
)

// MaxWeight is the largest weight a key list may give a key.
const MaxWeight = 1000

// ParseKeys parses a key list, as kept in an environment variable.
//
// Entries are separated by commas, semicolons or newlines. Each entry is
//
//	[GROUP:[PROJECT:]]SECRET[*WEIGHT]
//
// so a plain list is just "k1,k2", and a richer one reads
//
//	A:proj1:AIzaSy...*2, A:proj1:AIzaSy..., B:proj2:AIzaSy...
//	C:AIzaSy...          # group C, a project of its own
//	::AIzaSy...          # default group, a project of its own
//
// Group and project names are letters, digits and "_.-"; WEIGHT is an
// integer from 1 to MaxWeight. Whitespace around entries and fields is
// ignored, as are empty entries and lines starting with "#". A secret listed
// twice is kept once, as first listed. Errors (a *KeyListError unwrapping
// to ErrInvalidKeys) give the entry's number and byte offset and never any
// text of the entry, which may be a secret.
func ParseKeys(list string) ([]Key, error) {
	var keys []Key
	seen := map[Secret]bool{}
	entry := 0
	for lineStart := 0; lineStart <= len(list); {
		lineEnd := strings.IndexByte(list[lineStart:], '\n')
		if lineEnd < 0 {
			lineEnd = len(list)
		} else {
			lineEnd += lineStart
		}
		line := list[lineStart:lineEnd]
		if c := commentAt(line); c >= 0 {
			line = line[:c]
		}
		for start := 0; start <= len(line); {
			end := strings.IndexAny(line[start:], ",;")
			if end < 0 {
				end = len(line)
			} else {
				end += start
			}
			raw := line[start:end]
			offset := lineStart + start + len(raw) - len(strings.TrimLeft(raw, " \t\r\v\f"))
			start = end + 1
			text := strings.TrimSpace(raw)
			if text == "" {
				continue
			}
			entry++
			k, reason := parseEntry(text)
			if reason != "" {
				return nil, &KeyListError{Entry: entry, Offset: offset, Reason: reason}
			}
			if !seen[k.Secret] {
				seen[k.Secret] = true
				keys = append(keys, k)
			}
		}
		lineStart = lineEnd + 1
	}
	return keys, nil
}

// commentAt returns where a "#" comment starts in line: at its start or
// after a space; -1 = none.
func commentAt(line string) int {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return i
		}
	}
	return -1
}

// parseEntry parses one trimmed entry; reason is "" on success and never
// contains text of the entry.
func parseEntry(text string) (k Key, reason string) {
	if i := strings.LastIndexByte(text, '*'); i >= 0 {
		w, err := strconv.Atoi(strings.TrimSpace(text[i+1:]))
		if err != nil || w < 1 || w > MaxWeight {
			return Key{}, "weight after \"*\" is not an integer from 1 to " + strconv.Itoa(MaxWeight)
		}
		k.Weight = w
		text = strings.TrimSpace(text[:i])
	}
	fields := strings.Split(text, ":")
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	switch len(fields) {
	case 1:
	case 2:
		k.Group = fields[0]
	case 3:
		k.Group, k.Project = fields[0], fields[1]
	default:
		return Key{}, "too many \":\" (want [GROUP:[PROJECT:]]SECRET[*WEIGHT])"
	}
	if !validName(k.Group) {
		return Key{}, "group name may hold only letters, digits and \"_.-\""
	}
	if !validName(k.Project) {
		return Key{}, "project name may hold only letters, digits and \"_.-\""
	}
	secret := fields[len(fields)-1]
	switch {
	case secret == "":
		return Key{}, "empty secret"
	case strings.ContainsAny(secret, " \t\r\v\f*#\"'"):
		return Key{}, "secret contains a space, quote, \"*\" or \"#\""
	}
	k.Secret = Secret(secret)
	k.ID = Fingerprint(k.Secret)
	return k, ""
}

func validName(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

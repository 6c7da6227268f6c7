package telegramtest

import (
	"errors"
	"strconv"
	"strings"
	"unicode"

	"github.com/go-telegram/bot/models"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/tgmd"
)

// Limits Telegram puts on what a bot sends, in UTF-16 code units of visible
// text, after entity parsing and trimming.
const (
	MaxTextLen    = 4096
	MaxCaptionLen = 1024
)

// body is what a text, caption or draft must satisfy.
type body struct {
	limit      int
	allowEmpty bool
	tooLong    string
}

var (
	messageBody = body{limit: MaxTextLen, tooLong: "message is too long"}
	draftBody   = body{limit: MaxTextLen, allowEmpty: true, tooLong: "message is too long"}
	captionBody = body{limit: MaxCaptionLen, allowEmpty: true, tooLong: "message caption is too long"}
)

// check parses text in parseMode and returns what the reader sees, with
// its formatting entities, or the error Telegram gives for it.
func (b body) check(text, parseMode string) (string, []models.MessageEntity, *apiError) {
	visible := text
	var ents []models.MessageEntity
	switch strings.ToLower(parseMode) {
	case "":
	case "html":
		err := tgmd.Validate(text)
		switch {
		case err == nil, errors.Is(err, tgmd.ErrEmpty):
		case errors.Is(err, tgmd.ErrTooLong):
			return "", nil, badRequest(b.tooLong)
		default:
			return "", nil, badRequest("can't parse entities: " + describe(err))
		}
		visible, ents = parseHTML(text)
	case "markdown", "markdownv2":
		// Markdown is accepted as it is; its raw length is never shorter
		// than its visible length.
	default:
		return "", nil, badRequest("unsupported parse_mode")
	}
	trimmed := strings.TrimSpace(visible)
	if trimmed == "" && !b.allowEmpty {
		return "", nil, badRequest("message text is empty")
	}
	n := tgmd.UTF16Len(trimmed)
	if n > b.limit {
		return "", nil, badRequest(b.tooLong)
	}
	lead := tgmd.UTF16Len(visible[:len(visible)-len(strings.TrimLeftFunc(visible, unicode.IsSpace))])
	if trimmed != visible {
		ents = clipEntities(ents, lead, n)
	}
	return trimmed, ents, nil
}

// clipEntities moves entities to a text with lead units cut from its start
// and n units left, dropping those that end up empty.
func clipEntities(ents []models.MessageEntity, lead, n int) []models.MessageEntity {
	out := ents[:0]
	for _, e := range ents {
		start, end := max(e.Offset-lead, 0), min(e.Offset+e.Length-lead, n)
		if end > start {
			e.Offset, e.Length = start, end-start
			out = append(out, e)
		}
	}
	return out
}

// describe words a tgmd error the way Telegram words parse errors.
func describe(err error) string {
	var he *tgmd.HTMLError
	if errors.As(err, &he) {
		return he.Problem + " at byte offset " + strconv.Itoa(he.Offset)
	}
	return err.Error()
}

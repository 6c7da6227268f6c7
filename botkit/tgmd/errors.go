package tgmd

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error that Validate and VisibleLen return is an
// *HTMLError that unwraps to ErrInvalidHTML and, for a text that is too long
// or empty, also to ErrTooLong or ErrEmpty.
var (
	// ErrInvalidHTML means Telegram would refuse the text in HTML parse mode
	// ("can't parse entities", "message is too long", "message text is empty").
	ErrInvalidHTML = errors.New("tgmd: invalid Telegram HTML")
	// ErrTooLong means the visible text is longer than Telegram's limit
	// (MaxMessageLen UTF-16 code units).
	ErrTooLong = errors.New("tgmd: message is too long")
	// ErrEmpty means the visible text is empty or only white space.
	ErrEmpty = errors.New("tgmd: message text is empty")
)

// HTMLError describes why a text is not valid Telegram HTML and where.
type HTMLError struct {
	// Offset is the byte offset in the HTML where the problem was found.
	Offset int
	// Problem says what is wrong, in words.
	Problem string
	// Err is ErrTooLong or ErrEmpty for a length problem, nil otherwise.
	Err error
}

// Error implements error.
func (e *HTMLError) Error() string {
	return "tgmd: invalid Telegram HTML at byte " + strconv.Itoa(e.Offset) + ": " + e.Problem
}

// Unwrap returns ErrInvalidHTML and, for a length problem, ErrTooLong or
// ErrEmpty, so that errors.Is matches any of them.
func (e *HTMLError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalidHTML, e.Err}
	}
	return []error{ErrInvalidHTML}
}

func htmlErr(off int, problem string) *HTMLError {
	return &HTMLError{Offset: off, Problem: problem}
}

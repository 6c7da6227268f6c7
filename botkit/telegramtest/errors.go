package telegramtest

import "errors"

// ErrClosed is returned by waits that end because the server was closed.
var ErrClosed = errors.New("telegramtest: server closed")

// ErrUnknownMessage is returned by user helpers that refer to a message the
// chat does not have.
var ErrUnknownMessage = errors.New("telegramtest: unknown message")

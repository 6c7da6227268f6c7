package botkit

import (
	"context"

	"github.com/go-telegram/bot/models"
)

// Handler handles one update. The update, its user and its chat are also
// reachable from ctx (UpdateFrom, UserFrom, ChatFrom). A Handler must return
// soon after ctx is cancelled: that is how Shutdown ends work past its
// deadline. An error is logged by the Dispatcher; the update still counts as
// handled unless ctx was cancelled by Shutdown.
type Handler func(ctx context.Context, upd *models.Update) error

// Middleware wraps a Handler with behaviour of its own.
type Middleware func(next Handler) Handler

// Chain wraps h in mw, the first middleware outermost: Chain(h, a, b)
// runs a, then b, then h.
func Chain(h Handler, mw ...Middleware) Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

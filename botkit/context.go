package botkit

import (
	"context"

	"github.com/go-telegram/bot/models"
)

// ctxKey is the unexported key type of the values botkit puts in a context.
type ctxKey int

const (
	updateKey ctxKey = iota
)

// WithUpdate returns a copy of ctx that carries upd, for UpdateFrom, UserFrom
// and ChatFrom. The Dispatcher calls it before a handler runs; tests of
// handlers and middleware may call it themselves.
func WithUpdate(ctx context.Context, upd *models.Update) context.Context {
	return context.WithValue(ctx, updateKey, upd)
}

// UpdateFrom returns the update being handled, or nil outside a handler.
func UpdateFrom(ctx context.Context) *models.Update {
	upd, _ := ctx.Value(updateKey).(*models.Update)
	return upd
}

// UserFrom returns the user who caused the update being handled, or nil when
// the update has no user (a channel post, a poll) or ctx carries no update.
func UserFrom(ctx context.Context) *models.User {
	return UpdateUser(UpdateFrom(ctx))
}

// ChatFrom returns the chat of the update being handled, or nil when the
// update belongs to no chat (an inline query) or ctx carries no update.
func ChatFrom(ctx context.Context) *models.Chat {
	return UpdateChat(UpdateFrom(ctx))
}

// updateMessage returns the message an update carries, if any.
func updateMessage(u *models.Update) *models.Message {
	switch {
	case u == nil:
		return nil
	case u.Message != nil:
		return u.Message
	case u.EditedMessage != nil:
		return u.EditedMessage
	case u.ChannelPost != nil:
		return u.ChannelPost
	case u.EditedChannelPost != nil:
		return u.EditedChannelPost
	case u.BusinessMessage != nil:
		return u.BusinessMessage
	case u.EditedBusinessMessage != nil:
		return u.EditedBusinessMessage
	case u.CallbackQuery != nil:
		return u.CallbackQuery.Message.Message
	}
	return nil
}

// UpdateChat returns the chat an update belongs to, or nil.
func UpdateChat(u *models.Update) *models.Chat {
	if m := updateMessage(u); m != nil {
		return &m.Chat
	}
	if u == nil {
		return nil
	}
	switch {
	case u.CallbackQuery != nil && u.CallbackQuery.Message.InaccessibleMessage != nil:
		return &u.CallbackQuery.Message.InaccessibleMessage.Chat
	case u.MyChatMember != nil:
		return &u.MyChatMember.Chat
	case u.ChatMember != nil:
		return &u.ChatMember.Chat
	case u.ChatJoinRequest != nil:
		return &u.ChatJoinRequest.Chat
	case u.MessageReaction != nil:
		return &u.MessageReaction.Chat
	case u.MessageReactionCount != nil:
		return &u.MessageReactionCount.Chat
	case u.ChatBoost != nil:
		return &u.ChatBoost.Chat
	case u.RemovedChatBoost != nil:
		return &u.RemovedChatBoost.Chat
	}
	return nil
}

// UpdateUser returns the user who caused an update, or nil.
func UpdateUser(u *models.Update) *models.User {
	if u == nil {
		return nil
	}
	switch {
	case u.CallbackQuery != nil:
		return &u.CallbackQuery.From
	case u.InlineQuery != nil:
		return u.InlineQuery.From
	case u.ChosenInlineResult != nil:
		return &u.ChosenInlineResult.From
	case u.ShippingQuery != nil:
		return u.ShippingQuery.From
	case u.PreCheckoutQuery != nil:
		return u.PreCheckoutQuery.From
	case u.PollAnswer != nil:
		return u.PollAnswer.User
	case u.MyChatMember != nil:
		return &u.MyChatMember.From
	case u.ChatMember != nil:
		return &u.ChatMember.From
	case u.ChatJoinRequest != nil:
		return &u.ChatJoinRequest.From
	case u.MessageReaction != nil:
		return u.MessageReaction.User
	case u.PurchasedPaidMedia != nil:
		return &u.PurchasedPaidMedia.From
	}
	if m := updateMessage(u); m != nil {
		return m.From
	}
	return nil
}

package telegramtest

import (
	"encoding/json"
	"fmt"

	"github.com/go-telegram/bot/models"

	"github.com/web3-ai-game/svs-telegram-bot/botkit/tgmd"
)

var scopeTypes = map[string]bool{
	"default": true, "all_private_chats": true, "all_group_chats": true,
	"all_chat_administrators": true, "chat": true, "chat_administrators": true,
	"chat_member": true,
}

// scopeKey names a command list by scope and language.
func scopeKey(raw []byte, lang string) (string, *apiError) {
	sc := struct {
		Type   string `json:"type"`
		ChatID any    `json:"chat_id"`
		UserID int64  `json:"user_id"`
	}{Type: "default"}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &sc); err != nil || !scopeTypes[sc.Type] {
			return "", badRequest("can't parse BotCommandScope JSON object")
		}
	}
	chat := ""
	if sc.ChatID != nil {
		chat = fmt.Sprint(sc.ChatID)
		if f, ok := sc.ChatID.(float64); ok {
			chat = fmt.Sprint(int64(f))
		}
	}
	return fmt.Sprintf("%s|%s|%d|%s", sc.Type, chat, sc.UserID, lang), nil
}

func validCommand(c models.BotCommand) bool {
	if len(c.Command) < 1 || len(c.Command) > 32 {
		return false
	}
	for _, r := range c.Command {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func (s *Server) setMyCommands(p params, call *Call) (any, *apiError) {
	var cmds []models.BotCommand
	if err := p.json("commands", &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return nil, badRequest("too many commands specified")
	}
	for _, c := range cmds {
		if !validCommand(c) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := tgmd.UTF16Len(c.Description); n < 1 || n > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	key, e := scopeKey([]byte(p.str("scope")), p.str("language_code"))
	if e != nil {
		return nil, e
	}
	call.Text = key
	s.commands[key] = cmds
	return true, nil
}

func (s *Server) getMyCommands(p params, call *Call) (any, *apiError) {
	key, e := scopeKey([]byte(p.str("scope")), p.str("language_code"))
	if e != nil {
		return nil, e
	}
	call.Text = key
	cmds := s.commands[key]
	if cmds == nil {
		cmds = []models.BotCommand{}
	}
	return cmds, nil
}

func (s *Server) deleteMyCommands(p params, call *Call) (any, *apiError) {
	key, e := scopeKey([]byte(p.str("scope")), p.str("language_code"))
	if e != nil {
		return nil, e
	}
	call.Text = key
	delete(s.commands, key)
	return true, nil
}

// Commands returns the command list the bot set for a scope (nil: the
// default scope) and language code ("" for all languages).
func (s *Server) Commands(scope models.BotCommandScope, languageCode string) ([]models.BotCommand, error) {
	var raw []byte
	if scope != nil {
		var err error
		if raw, err = scope.MarshalCustom(); err != nil {
			return nil, fmt.Errorf("telegramtest: scope: %w", err)
		}
	}
	key, e := scopeKey(raw, languageCode)
	if e != nil {
		return nil, fmt.Errorf("telegramtest: %s", e.desc)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]models.BotCommand(nil), s.commands[key]...), nil
}

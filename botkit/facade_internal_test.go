package botkit

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/web3-ai-game/svs-telegram-bot/vipsession"
)

func groupMsg(text string, entities ...models.MessageEntity) *models.Message {
	return &models.Message{Text: text, Entities: entities, Chat: models.Chat{ID: -5, Type: models.ChatTypeSupergroup}}
}

func TestAddressing(t *testing.T) {
	ad := addressing{username: "svs_bot", botID: 99, triggers: []string{"小爱同学", "admin"}}
	tests := []struct {
		name   string
		msg    *models.Message
		prompt string
		ok     bool
	}{
		{"private always", &models.Message{Text: "hi @svs_bot", Chat: models.Chat{ID: 1, Type: models.ChatTypePrivate}}, "hi", true},
		{"group ignored", groupMsg("hello all"), "", false},
		{"mention entity", groupMsg("@svs_bot what is 2+2?", models.MessageEntity{Type: models.MessageEntityTypeMention, Offset: 0, Length: 8}), "what is 2+2?", true},
		{"mention after emoji", groupMsg("😀 @SVS_bot hi", models.MessageEntity{Type: models.MessageEntityTypeMention, Offset: 3, Length: 8}), "😀  hi", true},
		{"other bot", groupMsg("@other_bot hi", models.MessageEntity{Type: models.MessageEntityTypeMention, Offset: 0, Length: 10}), "", false},
		{"text mention", groupMsg("Bot, help", models.MessageEntity{Type: models.MessageEntityTypeTextMention, Offset: 0, Length: 3, User: &models.User{ID: 99}}), "Bot, help", true},
		{"reply to bot", func() *models.Message {
			m := groupMsg("and then?")
			m.ReplyToMessage = &models.Message{From: &models.User{ID: 99}}
			return m
		}(), "and then?", true},
		{"reply to someone", func() *models.Message {
			m := groupMsg("and then?")
			m.ReplyToMessage = &models.Message{From: &models.User{ID: 7}}
			return m
		}(), "", false},
		{"chinese trigger", groupMsg("小爱同学，今天天气怎么样"), "今天天气怎么样", true},
		{"chinese trigger no comma", groupMsg("小爱同学今天天气"), "今天天气", true},
		{"latin trigger", groupMsg("Admin: reboot?"), "reboot?", true},
		{"trigger inside a word", groupMsg("administrator here"), "", false},
		{"trigger in a sentence", groupMsg("ask the admin about it"), "", false},
		{"trigger mid-sentence after comma", groupMsg("well, admin says no"), "", false},
		{"trigger as object", groupMsg("I am the admin."), "", false},
		{"trigger inside a word at the end", groupMsg("ask, sysadmin"), "", false},
		{"chinese trigger mid-sentence", groupMsg("我问了小爱同学昨天的事"), "", false},
		{"chinese trigger at the end without comma", groupMsg("去问小爱同学"), "", false},
		{"after a greeting", groupMsg("Hey admin, what time is it?"), "what time is it?", true},
		{"after a chinese greeting", groupMsg("嘿，小爱同学，讲个笑话"), "讲个笑话", true},
		{"greeting without trigger", groupMsg("hello everyone"), "", false},
		{"greeting inside a word", groupMsg("hiadmin what"), "", false},
		{"vocative at the end", groupMsg("what time is it, admin?"), "what time is it?", true},
		{"chinese vocative at the end", groupMsg("今天星期几，小爱同学？"), "今天星期几？", true},
		{"vocative alone", groupMsg(", admin"), "", false},
		{"trigger alone", groupMsg("Admin!"), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ad.prompt(tt.msg)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.prompt, got)
		})
	}
}

func FuzzAddressing(f *testing.F) {
	for _, s := range []string{"@svs_bot hi", "小爱同学，你好", "admin", "😀 @svs_bot", "", "/start@svs_bot x", "hey admin, x", "x, admin?", "今天，小爱同学？", "\xff, admin"} {
		f.Add(s, 0, 8)
	}
	ad := addressing{username: "svs_bot", botID: 99, triggers: []string{"小爱同学", "admin"}}
	f.Fuzz(func(t *testing.T, text string, off, n int) {
		m := groupMsg(text, models.MessageEntity{Type: models.MessageEntityTypeMention, Offset: off, Length: n})
		_, _ = ad.prompt(m)
		_, _, _, _ = parseCommand(&models.Message{Text: text})
	})
}

func TestParseCommand(t *testing.T) {
	tests := []struct{ text, name, target, args string }{
		{"/start", "start", "", ""},
		{"/VIP@svs_bot", "vip", "svs_bot", ""},
		{"/grant 42 vip 30d", "grant", "", "42 vip 30d"},
		{"/broadcast\nline one\nline two", "broadcast", "", "line one\nline two"},
	}
	for _, tt := range tests {
		name, target, args, ok := parseCommand(&models.Message{Text: tt.text})
		require.True(t, ok, tt.text)
		assert.Equal(t, []string{tt.name, tt.target, tt.args}, []string{name, target, args}, tt.text)
	}
	for _, text := range []string{"", "/", "/ hi", "hello /start", "//x"} {
		_, _, _, ok := parseCommand(&models.Message{Text: text})
		assert.False(t, ok, text)
	}
}

func TestRuleSelector(t *testing.T) {
	three := []string{"pro", "flash", "lite"}
	tests := []struct {
		text   string
		images int
		models []string
		want   string
	}{
		{"hi", 0, three, "lite"},
		{"你好", 0, three, "lite"},
		{"Please fix this bug in my function", 0, three, "pro"},
		{"帮我分析一下这段代码为什么报错", 0, three, "pro"},
		{"Translate this paragraph into German for me please, thanks a lot", 0, three, "flash"},
		{"请把这段话翻译成英文", 0, three, "flash"},
		{"总结一下这篇文章", 0, three, "flash"},
		{"what's this?", 1, three, "pro"},
		{string(make([]byte, 500)), 0, three, "pro"},
		{"hi", 0, []string{"only"}, "only"},
		{"summarize this", 0, []string{"a", "b"}, "b"},
	}
	for _, tt := range tests {
		got := RuleSelector(context.Background(), SelectInput{Text: tt.text, Images: tt.images, Models: tt.models})
		assert.Equal(t, tt.want, got, "%.40q", tt.text)
	}
	assert.Equal(t, []string{"flash", "pro", "lite"}, modelChain(three, "flash"))
	assert.Equal(t, three, modelChain(three, "gpt"), "a model outside the tier is ignored")
}

func TestCatalogsComplete(t *testing.T) {
	cs := DefaultCatalogs()
	for id, en := range cs["en"] {
		zh, ok := cs["zh"][id]
		require.True(t, ok, "zh lacks %s", id)
		assert.Equal(t, verbs(en), verbs(zh), "verbs of %s", id)
	}
	assert.Equal(t, len(cs["en"]), len(cs["zh"]))
	assert.Equal(t, "未知命令。", cs.Text("zh-hans", MsgUnknownCommand))
	assert.Equal(t, "Unknown command.", cs.Text("fr", MsgUnknownCommand))
	assert.Equal(t, "nope", Catalogs{}.Text("en", "nope"))
	cs["en"][MsgReset] = "Forgotten."
	assert.Equal(t, "Forgotten.", cs.Text("", MsgReset))
	assert.Equal(t, "Done: I forgot our conversation.", DefaultCatalogs().Text("", MsgReset), "copies are independent")
}

// verbs lists the fmt verbs of a template in order.
func verbs(s string) []string {
	var out []string
	for i := 0; i < len(s)-1; i++ {
		if s[i] == '%' {
			out = append(out, s[i:i+2])
			i++
		}
	}
	return out
}

func TestParseGrantDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"30d": 30 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "12h": 12 * time.Hour, "1h30m": 90 * time.Minute,
		"forever": vipsession.Permanent, "永久": vipsession.Permanent,
	} {
		got, err := ParseGrantDuration(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "0d", "-3h", "soon", "99999999d", "d"} {
		_, err := ParseGrantDuration(in)
		assert.Error(t, err, in)
	}
}

func TestExplainNeverLeaks(t *testing.T) {
	a := &Assistant{msgs: DefaultCatalogs(), clock: SystemClock{}, maxImage: 10 << 20}
	secretErr := fmt.Errorf("gemini: call with key AIzaSySecret failed: %w", errShown)
	for _, err := range []error{secretErr, &vipsession.RateLimitError{RetryAfter: 1500 * time.Millisecond}, &vipsession.BusyError{}} {
		msg := a.explain("en", err)
		assert.NotContains(t, msg, "AIza")
		assert.NotContains(t, msg, "gemini:")
	}
	assert.Equal(t, "Too many messages. Try again in 2 s.", a.explain("en", &vipsession.RateLimitError{RetryAfter: 1500 * time.Millisecond}))
	assert.Equal(t, "Something went wrong on my side. Please try again.", a.explain("en", secretErr))
	assert.True(t, reflect.DeepEqual(ReplyOutcome(nil), "ok"))
}

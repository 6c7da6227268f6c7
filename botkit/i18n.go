package botkit

import (
	"fmt"
	"strings"
)

// MessageID names a text the bot says to people. The texts are fmt
// templates; each ID's comment lists the arguments it is given.
type MessageID string

// The texts of the bot. Templates receive the arguments listed.
const (
	MsgWelcome          MessageID = "welcome"           // the user's first name
	MsgHelp             MessageID = "help"              // none
	MsgAdminHelp        MessageID = "admin_help"        // none
	MsgUnknownCommand   MessageID = "unknown_command"   // none
	MsgReset            MessageID = "reset"             // none
	MsgVIP              MessageID = "vip"               // tier, since (MsgSince*), benefits (MsgBenefits)
	MsgSinceGrant       MessageID = "since_grant"       // expiry (a time, or MsgForever)
	MsgSinceDefault     MessageID = "since_default"     // none
	MsgForever          MessageID = "forever"           // none
	MsgBenefits         MessageID = "benefits"          // req/day, req/month, tokens/day, memory rounds, models, images (yes/no)
	MsgUsage            MessageID = "usage"             // used, limit, left (requests today), tokens used, limit, day reset, same for the month
	MsgUnlimited        MessageID = "unlimited"         // none
	MsgYes              MessageID = "yes"               // none
	MsgNo               MessageID = "no"                // none
	MsgModelChoose      MessageID = "model_choose"      // current choice
	MsgModelAuto        MessageID = "model_auto"        // none: the name of the automatic choice
	MsgModelSet         MessageID = "model_set"         // model
	MsgPersonaChoose    MessageID = "persona_choose"    // current persona
	MsgPersonaSet       MessageID = "persona_set"       // persona title
	MsgPersonaNone      MessageID = "persona_none"      // none: no personas configured
	MsgPersonaDenied    MessageID = "persona_denied"    // none: the tier has no personas
	MsgCancelled        MessageID = "cancelled"         // none
	MsgNothingToCancel  MessageID = "nothing_to_cancel" // none
	MsgQuota            MessageID = "quota"             // quota (MsgQuota*), reset time
	MsgQuotaReqDay      MessageID = "quota_requests_day"
	MsgQuotaReqMonth    MessageID = "quota_requests_month"
	MsgQuotaTokDay      MessageID = "quota_tokens_day"
	MsgQuotaTokMonth    MessageID = "quota_tokens_month"
	MsgRateLimited      MessageID = "rate_limited"       // seconds
	MsgBusy             MessageID = "busy"               // none
	MsgCapacity         MessageID = "capacity"           // none
	MsgNoKey            MessageID = "no_key"             // time
	MsgNoKeySoon        MessageID = "no_key_soon"        // none (time unknown)
	MsgBlocked          MessageID = "blocked"            // none
	MsgTruncated        MessageID = "truncated"          // none
	MsgInterrupted      MessageID = "interrupted"        // none
	MsgStopped          MessageID = "stopped"            // none
	MsgInternal         MessageID = "internal"           // none
	MsgUnsupported      MessageID = "unsupported"        // none
	MsgImageTooLarge    MessageID = "image_too_large"    // the limit, e.g. "10 MB"
	MsgImagesDenied     MessageID = "images_denied"      // none
	MsgEmptyPrompt      MessageID = "empty_prompt"       // none
	MsgGrantUsage       MessageID = "grant_usage"        // tier names
	MsgGranted          MessageID = "granted"            // user, tier, expiry
	MsgRevokeUsage      MessageID = "revoke_usage"       // none
	MsgRevoked          MessageID = "revoked"            // user
	MsgNoGrant          MessageID = "no_grant"           // user
	MsgBroadcastUsage   MessageID = "broadcast_usage"    // none
	MsgBroadcastStatus  MessageID = "broadcast_status"   // sent, skipped, failed, total so far
	MsgBroadcastDone    MessageID = "broadcast_done"     // sent, skipped, failed
	MsgBroadcastStopped MessageID = "broadcast_stopped"  // sent, skipped, failed (stopped by a shutdown)
	MsgBroadcastRunning MessageID = "broadcast_running"  // none: another broadcast runs
	MsgMemoryRoundLimit MessageID = "memory_round_limit" // rounds: memory was full and starts afresh
	MsgMemoryIdle       MessageID = "memory_idle"        // none: memory expired after a pause
	MsgMemoryEvicted    MessageID = "memory_evicted"     // none: the session was ended to make room
	MsgCommandStart     MessageID = "cmd_start"          // command descriptions (setMyCommands)
	MsgCommandHelp      MessageID = "cmd_help"
	MsgCommandReset     MessageID = "cmd_reset"
	MsgCommandVIP       MessageID = "cmd_vip"
	MsgCommandUsage     MessageID = "cmd_usage"
	MsgCommandModel     MessageID = "cmd_model"
	MsgCommandPersona   MessageID = "cmd_persona"
	MsgCommandCancel    MessageID = "cmd_cancel"
	MsgCommandGrant     MessageID = "cmd_grant"
	MsgCommandRevoke    MessageID = "cmd_revoke"
	MsgCommandKeys      MessageID = "cmd_keys"
	MsgCommandStats     MessageID = "cmd_stats"
	MsgCommandBroadcast MessageID = "cmd_broadcast"
)

// Localizer gives the text of id in a language, formatted with args. lang
// is the user's Telegram language code ("en", "zh-hans", ...) or "". It
// must always return some text and be safe for concurrent use.
type Localizer interface {
	Text(lang string, id MessageID, args ...any) string
}

// Catalog is the texts of one language, as fmt templates.
type Catalog map[MessageID]string

// Catalogs is a Localizer over catalogs by language code ("en", "zh").
// A language code is matched whole, then by its part before "-" or "_",
// and a missing language or text falls back to "en", then to the ID.
// Change a text by editing the map that DefaultCatalogs returns.
type Catalogs map[string]Catalog

// Text implements Localizer.
func (cs Catalogs) Text(lang string, id MessageID, args ...any) string {
	tmpl, ok := cs.lookup(lang, id)
	if !ok {
		return string(id)
	}
	if len(args) == 0 {
		return tmpl
	}
	return fmt.Sprintf(tmpl, args...)
}

func (cs Catalogs) lookup(lang string, id MessageID) (string, bool) {
	lang = strings.ToLower(lang)
	cands := []string{lang}
	if i := strings.IndexAny(lang, "-_"); i > 0 {
		cands = append(cands, lang[:i])
	}
	cands = append(cands, "en")
	for _, l := range cands {
		if t, ok := cs[l][id]; ok {
			return t, true
		}
	}
	return "", false
}

// DefaultCatalogs returns fresh copies of the built-in catalogs: English
// ("en") and Simplified Chinese ("zh").
func DefaultCatalogs() Catalogs {
	en := make(Catalog, len(catalogEN))
	for k, v := range catalogEN {
		en[k] = v
	}
	zh := make(Catalog, len(catalogZH))
	for k, v := range catalogZH {
		zh[k] = v
	}
	return Catalogs{"en": en, "zh": zh}
}

var catalogEN = Catalog{
	MsgWelcome:          "Hello, %s! Ask me anything, or send a photo with a question. /help lists what I can do.",
	MsgHelp:             "Send me a message or a photo and I will answer.\n/reset – forget our conversation\n/vip – your tier and its benefits\n/usage – what you used and what is left\n/model – choose the model\n/persona – choose a persona\n/cancel – stop the running answer\nIn groups, mention me or reply to me.",
	MsgAdminHelp:        "Admin: /grant <user> <tier> <duration>, /revoke <user>, /keys, /stats, /broadcast <text>",
	MsgUnknownCommand:   "Unknown command.",
	MsgReset:            "Done: I forgot our conversation.",
	MsgVIP:              "Tier: %s (%s)\n%s",
	MsgSinceGrant:       "granted until %s",
	MsgSinceDefault:     "default",
	MsgForever:          "no expiry",
	MsgBenefits:         "Requests: %s a day, %s a month\nTokens: %s a day\nMemory: %d rounds\nModels: %s\nImages: %s",
	MsgUsage:            "Today: %d of %s requests (%s left), %d of %s tokens; resets %s\nThis month: %d of %s requests (%s left), %d of %s tokens; resets %s",
	MsgUnlimited:        "unlimited",
	MsgYes:              "yes",
	MsgNo:               "no",
	MsgModelChoose:      "Choose a model (now: %s).",
	MsgModelAuto:        "automatic",
	MsgModelSet:         "Model: %s.",
	MsgPersonaChoose:    "Choose a persona (now: %s).",
	MsgPersonaSet:       "Persona: %s.",
	MsgPersonaNone:      "No personas are configured.",
	MsgPersonaDenied:    "Personas are not available in your tier.",
	MsgCancelled:        "Stopped.",
	MsgNothingToCancel:  "Nothing is running.",
	MsgQuota:            "You have used up your %s. It resets %s.",
	MsgQuotaReqDay:      "requests for today",
	MsgQuotaReqMonth:    "requests for this month",
	MsgQuotaTokDay:      "tokens for today",
	MsgQuotaTokMonth:    "tokens for this month",
	MsgRateLimited:      "Too many messages. Try again in %d s.",
	MsgBusy:             "I am still answering your last message. Wait for it, or /cancel it.",
	MsgCapacity:         "Too many people are talking to me right now. Please try again in a few minutes.",
	MsgNoKey:            "I am out of capacity for the moment. Please try again at %s.",
	MsgNoKeySoon:        "I am out of capacity for the moment. Please try again later.",
	MsgBlocked:          "I can't answer that: the content was blocked.",
	MsgTruncated:        "(the answer was cut short)",
	MsgInterrupted:      "… (the answer was interrupted)",
	MsgStopped:          "… (stopped)",
	MsgInternal:         "Something went wrong on my side. Please try again.",
	MsgUnsupported:      "I can read text and photos only.",
	MsgImageTooLarge:    "That image is too large (the limit is %s).",
	MsgImagesDenied:     "Images are not available in your tier.",
	MsgEmptyPrompt:      "What would you like to ask?",
	MsgGrantUsage:       "Usage: /grant <user ID> <tier> <duration: 30d, 12h or forever>. Tiers: %s",
	MsgGranted:          "User %d now has %s until %s.",
	MsgRevokeUsage:      "Usage: /revoke <user ID>",
	MsgRevoked:          "User %d's grant is revoked.",
	MsgNoGrant:          "User %d has no grant.",
	MsgBroadcastUsage:   "Usage: /broadcast <text>",
	MsgBroadcastStatus:  "Broadcast: %d sent, %d skipped, %d failed of %d so far…",
	MsgBroadcastDone:    "Broadcast finished: %d sent, %d skipped, %d failed.",
	MsgBroadcastStopped: "Broadcast stopped by a restart: %d sent, %d skipped, %d failed.",
	MsgBroadcastRunning: "A broadcast is already running.",
	MsgMemoryRoundLimit: "(Our conversation reached %d rounds, so I started a fresh one and no longer remember the earlier messages.)",
	MsgMemoryIdle:       "(It has been a while, so I started a fresh conversation.)",
	MsgMemoryEvicted:    "(I was busy and had to end our last conversation, so I don't remember it.)",
	MsgCommandStart:     "Start",
	MsgCommandHelp:      "What I can do",
	MsgCommandReset:     "Forget the conversation",
	MsgCommandVIP:       "Your tier and benefits",
	MsgCommandUsage:     "Usage and what is left",
	MsgCommandModel:     "Choose the model",
	MsgCommandPersona:   "Choose a persona",
	MsgCommandCancel:    "Stop the running answer",
	MsgCommandGrant:     "Grant a tier",
	MsgCommandRevoke:    "Revoke a grant",
	MsgCommandKeys:      "Key health",
	MsgCommandStats:     "Today's statistics",
	MsgCommandBroadcast: "Message every user",
}

var catalogZH = Catalog{
	MsgWelcome:          "你好，%s！有问题尽管问，也可以发图片提问。/help 查看我能做什么。",
	MsgHelp:             "给我发消息或图片，我来回答。\n/reset – 忘记对话\n/vip – 你的等级和权益\n/usage – 已用和剩余额度\n/model – 选择模型\n/persona – 选择角色\n/cancel – 停止正在生成的回答\n在群里请 @我 或回复我。",
	MsgAdminHelp:        "管理员：/grant <用户> <等级> <时长>，/revoke <用户>，/keys，/stats，/broadcast <内容>",
	MsgUnknownCommand:   "未知命令。",
	MsgReset:            "好的，我已忘记我们的对话。",
	MsgVIP:              "等级：%s（%s）\n%s",
	MsgSinceGrant:       "有效期至 %s",
	MsgSinceDefault:     "默认",
	MsgForever:          "永久",
	MsgBenefits:         "请求：每天 %s 次，每月 %s 次\nToken：每天 %s\n记忆：%d 轮\n模型：%s\n图片：%s",
	MsgUsage:            "今天：已用 %d / %s 次请求（剩余 %s），%d / %s token；重置于 %s\n本月：已用 %d / %s 次请求（剩余 %s），%d / %s token；重置于 %s",
	MsgUnlimited:        "不限",
	MsgYes:              "可以",
	MsgNo:               "不可以",
	MsgModelChoose:      "请选择模型（当前：%s）。",
	MsgModelAuto:        "自动",
	MsgModelSet:         "模型：%s。",
	MsgPersonaChoose:    "请选择角色（当前：%s）。",
	MsgPersonaSet:       "角色：%s。",
	MsgPersonaNone:      "没有可选的角色。",
	MsgPersonaDenied:    "你的等级不能选择角色。",
	MsgCancelled:        "已停止。",
	MsgNothingToCancel:  "没有正在生成的回答。",
	MsgQuota:            "你的%s已用完，将于 %s 重置。",
	MsgQuotaReqDay:      "今日请求额度",
	MsgQuotaReqMonth:    "本月请求额度",
	MsgQuotaTokDay:      "今日 token 额度",
	MsgQuotaTokMonth:    "本月 token 额度",
	MsgRateLimited:      "消息太频繁，请 %d 秒后再试。",
	MsgBusy:             "我还在回答你上一条消息，请稍候，或用 /cancel 停止。",
	MsgCapacity:         "现在使用的人太多，请过几分钟再试。",
	MsgNoKey:            "暂时没有可用的额度，请在 %s 之后再试。",
	MsgNoKeySoon:        "暂时没有可用的额度，请稍后再试。",
	MsgBlocked:          "抱歉，这个内容被拦截了，我无法回答。",
	MsgTruncated:        "（回答过长，已截断）",
	MsgInterrupted:      "…（回答被中断）",
	MsgStopped:          "…（已停止）",
	MsgInternal:         "出了点问题，请再试一次。",
	MsgUnsupported:      "我只能读文字和图片。",
	MsgImageTooLarge:    "图片太大（上限 %s）。",
	MsgImagesDenied:     "你的等级不能发送图片。",
	MsgEmptyPrompt:      "你想问什么？",
	MsgGrantUsage:       "用法：/grant <用户ID> <等级> <时长：30d、12h 或 forever>。等级：%s",
	MsgGranted:          "用户 %d 已获得 %s，有效期至 %s。",
	MsgRevokeUsage:      "用法：/revoke <用户ID>",
	MsgRevoked:          "已撤销用户 %d 的授权。",
	MsgNoGrant:          "用户 %d 没有授权。",
	MsgBroadcastUsage:   "用法：/broadcast <内容>",
	MsgBroadcastStatus:  "广播中：已发送 %d，跳过 %d，失败 %d，共 %d…",
	MsgBroadcastDone:    "广播完成：已发送 %d，跳过 %d，失败 %d。",
	MsgBroadcastStopped: "广播因重启而停止：已发送 %d，跳过 %d，失败 %d。",
	MsgBroadcastRunning: "已有广播正在进行。",
	MsgMemoryRoundLimit: "（我们的对话已达 %d 轮，我开始了新的对话，不再记得之前的内容。）",
	MsgMemoryIdle:       "（隔了一段时间，我开始了新的对话。）",
	MsgMemoryEvicted:    "（刚才太忙，只好结束了我们上次的对话，我已不记得之前的内容。）",
	MsgCommandStart:     "开始",
	MsgCommandHelp:      "帮助",
	MsgCommandReset:     "忘记对话",
	MsgCommandVIP:       "等级和权益",
	MsgCommandUsage:     "用量和剩余额度",
	MsgCommandModel:     "选择模型",
	MsgCommandPersona:   "选择角色",
	MsgCommandCancel:    "停止回答",
	MsgCommandGrant:     "授予等级",
	MsgCommandRevoke:    "撤销授权",
	MsgCommandKeys:      "密钥状态",
	MsgCommandStats:     "今日统计",
	MsgCommandBroadcast: "群发消息",
}

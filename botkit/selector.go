package botkit

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"
)

// SelectInput is what a Selector knows of a question.
type SelectInput struct {
	// Text is the user's question (mention and trigger removed).
	Text string
	// Images is the number of images attached.
	Images int
	// Tier is the user's tier name.
	Tier string
	// Models are the models the tier allows, strongest first.
	Models []string
}

// Selector picks the model for a question when the user has not chosen
// one with /model. It returns one of in.Models; any other answer (or "")
// means in.Models[0]. It must be safe for concurrent use.
type Selector func(ctx context.Context, in SelectInput) string

// RuleSelector is the default Selector. By cues in English and Chinese it
// sends code, analysis and long questions (over 400 characters, or with
// images) to the tier's strongest model, translations and summaries to the
// middle one, and small talk (short messages without such cues) to the
// lightest; anything else goes to the strongest. A tier with one model
// always gets it.
func RuleSelector(_ context.Context, in SelectInput) string {
	n := len(in.Models)
	if n == 0 {
		return ""
	}
	strong, middle, light := in.Models[0], in.Models[n/2], in.Models[n-1]
	if n == 2 {
		middle = in.Models[1]
	}
	text := strings.ToLower(in.Text)
	runes := utf8.RuneCountInString(in.Text)
	switch {
	case in.Images > 0, runes > 400, strings.Contains(in.Text, "```"), hasAny(text, strongCues):
		return strong
	case hasAny(text, middleCues):
		return middle
	case runes <= 40 || hasAny(text, lightCues):
		return light
	}
	return strong
}

var (
	strongCues = []string{
		"code", "function", "bug", "error", "stack trace", "compile", "regex", "sql", "algorithm",
		"analy", "explain why", "prove", "step by step", "design", "architecture", "debug", "refactor",
		"代码", "函数", "报错", "错误", "编译", "算法", "分析", "证明", "推导", "设计", "架构", "调试", "为什么",
	}
	middleCues = []string{
		"translate", "translation", "summar", "tl;dr", "tldr", "rewrite", "paraphrase",
		"翻译", "译成", "总结", "摘要", "概括", "改写", "润色",
	}
	lightCues = []string{
		"hello", "hi ", "hey", "thanks", "thank you", "good morning", "good night", "how are you",
		"你好", "谢谢", "早上好", "晚安", "哈哈", "在吗",
	}
)

func hasAny(s string, cues []string) bool {
	for _, c := range cues {
		if strings.Contains(s, c) {
			return true
		}
	}
	return false
}

// modelChain puts first at the head of the tier's models (when allowed),
// keeping the others, in order, as fallbacks.
func modelChain(models []string, first string) []string {
	if first == "" || !slices.Contains(models, first) {
		return slices.Clone(models)
	}
	chain := make([]string, 0, len(models))
	chain = append(chain, first)
	for _, m := range models {
		if m != first {
			chain = append(chain, m)
		}
	}
	return chain
}

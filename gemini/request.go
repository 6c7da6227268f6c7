package gemini

import (
	"fmt"

	"google.golang.org/genai"
)

// Role says who spoke a Turn.
type Role string

// The two roles of a conversation.
const (
	RoleUser  Role = "user"
	RoleModel Role = "model"
)

// Image is an inline image (or any blob Gemini accepts inline) of a turn.
type Image struct {
	MIMEType string // e.g. "image/jpeg", "image/png", "image/webp"
	Data     []byte
}

// Turn is one earlier message of the conversation.
type Turn struct {
	Role   Role // "" = RoleUser
	Text   string
	Images []Image
}

// SafetySetting sets the block threshold of one harm category, with the API's
// enum names, e.g. {"HARM_CATEGORY_HARASSMENT", "BLOCK_ONLY_HIGH"}.
type SafetySetting struct {
	Category  string
	Threshold string
}

// Request is one call: routing (tier, model chain), the persona, the
// conversation and the new user turn, and generation settings. The zero
// values of the settings leave the model's defaults.
type Request struct {
	// Tier selects the key groups (keyrouter.Options.Tiers).
	Tier string
	// Models is the model chain, first choice first; nil = Options.Models.
	Models []string

	// System is the system instruction (the persona); "" = none.
	System string
	// History is the conversation so far, oldest first.
	History []Turn
	// Text and Images are the new user turn.
	Text   string
	Images []Image

	// Temperature; nil = the model's default.
	Temperature *float32
	// MaxOutputTokens caps the answer; 0 = the model's default. An answer cut
	// by it comes back with Result.Truncated.
	MaxOutputTokens int
	// ThinkingBudget in tokens; nil = the model's default, 0 = no thinking,
	// -1 = dynamic.
	ThinkingBudget *int
	// Safety overrides the safety settings; nil = the API's defaults.
	Safety []SafetySetting
}

// models is the chain this request runs through.
func (r *Request) models(def []string) []string {
	if len(r.Models) > 0 {
		return r.Models
	}
	return def
}

func (r *Request) validate() error {
	if r == nil {
		return fmt.Errorf("%w: nil request", ErrInvalidRequest)
	}
	if r.Text == "" && len(r.Images) == 0 {
		return fmt.Errorf("%w: the user turn has no text and no image", ErrInvalidRequest)
	}
	for i, t := range r.History {
		if t.Role != "" && t.Role != RoleUser && t.Role != RoleModel {
			return fmt.Errorf("%w: history turn %d has role %q", ErrInvalidRequest, i, t.Role)
		}
	}
	return nil
}

// contents builds the genai contents: the history, then the user turn.
func (r *Request) contents() []*genai.Content {
	out := make([]*genai.Content, 0, len(r.History)+1)
	for _, t := range r.History {
		role := t.Role
		if role == "" {
			role = RoleUser
		}
		out = append(out, content(string(role), t.Text, t.Images))
	}
	return append(out, content(genai.RoleUser, r.Text, r.Images))
}

func content(role, text string, images []Image) *genai.Content {
	parts := make([]*genai.Part, 0, 1+len(images))
	if text != "" {
		parts = append(parts, &genai.Part{Text: text})
	}
	for _, im := range images {
		parts = append(parts, &genai.Part{InlineData: &genai.Blob{MIMEType: im.MIMEType, Data: im.Data}})
	}
	return &genai.Content{Role: role, Parts: parts}
}

// config builds the genai config of a generate call.
func (r *Request) config() *genai.GenerateContentConfig {
	cfg := &genai.GenerateContentConfig{Temperature: r.Temperature}
	if r.System != "" {
		cfg.SystemInstruction = &genai.Content{Parts: []*genai.Part{{Text: r.System}}}
	}
	if r.MaxOutputTokens > 0 {
		cfg.MaxOutputTokens = int32(min(r.MaxOutputTokens, 1<<31-1))
	}
	if r.ThinkingBudget != nil {
		b := int32(max(min(*r.ThinkingBudget, 1<<31-1), -1))
		cfg.ThinkingConfig = &genai.ThinkingConfig{ThinkingBudget: &b}
	}
	for _, s := range r.Safety {
		cfg.SafetySettings = append(cfg.SafetySettings, &genai.SafetySetting{
			Category: genai.HarmCategory(s.Category), Threshold: genai.HarmBlockThreshold(s.Threshold)})
	}
	return cfg
}

// estimate is the token cost the router budgets for: the prompt and, when
// capped, the answer.
func (r *Request) estimate() int {
	n := EstimateTokens(r.System) + EstimateTokens(r.Text) + imageTokens*len(r.Images)
	for _, t := range r.History {
		n += EstimateTokens(t.Text) + imageTokens*len(t.Images)
	}
	return n + r.MaxOutputTokens
}

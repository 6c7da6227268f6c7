package geminitest

import "slices"

// Image is an inline image (or other blob) of a recorded request.
type Image struct {
	MIMEType string
	Data     []byte
}

// Turn is one recorded content entry: its role ("user" or "model") and parts.
type Turn struct {
	Role   string
	Text   string // the text parts, concatenated
	Images []Image
}

// SafetySetting is a recorded safety setting.
type SafetySetting struct {
	Category  string `json:"category"`
	Threshold string `json:"threshold"`
}

// Call is one request the server received, recorded whether it was answered
// or refused.
type Call struct {
	Method  string // "generateContent", "streamGenerateContent" or "countTokens"
	Model   string // without the "models/" prefix
	KeyID   string // the registered ID of the key; "" for an unknown key
	KeyFrom string // where the key came: "header" (x-goog-api-key), "query" (?key=) or "" (none)
	Project string

	System          string // the system instruction's text
	Contents        []Turn
	Temperature     *float64
	MaxOutputTokens *int
	ThinkingBudget  *int
	SafetySettings  []SafetySetting

	Status int    // HTTP status answered (200 for a stream that later failed)
	Fault  string // the injected fault that shaped the answer, "" for none
	Text   string // the answer's full text, for answered calls
}

// LastUserText is the text of the last user turn, "" when there is none.
func (c *Call) LastUserText() string {
	for _, t := range slices.Backward(c.Contents) {
		if t.Role == "user" || t.Role == "" {
			return t.Text
		}
	}
	return ""
}

// Images lists the images of every turn, in order.
func (c *Call) Images() []Image {
	var out []Image
	for _, t := range c.Contents {
		out = append(out, t.Images...)
	}
	return out
}

// ProjectStats counts the calls of one project.
type ProjectStats struct {
	Calls    int // every request that named a known key of the project
	Answered int // answered with 200
	Refused  int // refused with 429 by a quota (injected quota faults included)
	Failed   int // failed by another injected fault
}

func (c *Call) promptTokens() int {
	n := EstimateTokens(c.System)
	for _, t := range c.Contents {
		n += EstimateTokens(t.Text) + imageTokens*len(t.Images)
	}
	return n
}

func fromWire(req *wireRequest, c *Call) {
	if req.SystemInstruction != nil {
		c.System = joinText(req.SystemInstruction.Parts)
	}
	for _, wc := range req.Contents {
		t := Turn{Role: wc.Role, Text: joinText(wc.Parts)}
		for _, p := range wc.Parts {
			if p.InlineData != nil {
				t.Images = append(t.Images, Image{MIMEType: p.InlineData.MIMEType, Data: p.InlineData.Data})
			}
		}
		c.Contents = append(c.Contents, t)
	}
	if g := req.GenerationConfig; g != nil {
		c.Temperature, c.MaxOutputTokens = g.Temperature, g.MaxOutputTokens
		if g.ThinkingConfig != nil {
			c.ThinkingBudget = g.ThinkingConfig.ThinkingBudget
		}
	}
	c.SafetySettings = req.SafetySettings
}

func joinText(parts []wirePart) string {
	if len(parts) == 1 {
		return parts[0].Text
	}
	var s string
	for _, p := range parts {
		s += p.Text
	}
	return s
}

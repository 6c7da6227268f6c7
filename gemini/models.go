package gemini

// Model aliases that Google keeps pointing at the newest model of each
// family, so a deployment keeps working when versioned models are retired.
const (
	ModelPro       = "gemini-pro-latest"
	ModelFlash     = "gemini-flash-latest"
	ModelFlashLite = "gemini-flash-lite-latest"
)

// DefaultModels is the model chain used when neither the Request nor
// Options names one: flash first, flash-lite when flash has no key with quota
// left or is overloaded. It is the one place the default model names live;
// configure others through Options.Models or Request.Models.
var DefaultModels = []string{ModelFlash, ModelFlashLite}

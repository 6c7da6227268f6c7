package main

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test shuts down what it started: bots, fakes, servers and stores.
// (The genai SDK's dependencies start an opencensus worker at init.)
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("go.opencensus.io/stats/view.(*worker).start"))
}

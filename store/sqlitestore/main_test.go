package sqlitestore

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// crashChildEnv, when set to a database path, turns the test binary into the
// writer child of TestAcknowledgedWritesSurviveKill (see crash_test.go).
const crashChildEnv = "SQLITESTORE_CRASH_CHILD_DB"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		os.Exit(crashChild(path))
	}
	goleak.VerifyTestMain(m)
}

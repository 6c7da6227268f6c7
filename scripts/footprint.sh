#!/bin/sh
# Builds the reference bot and the minimal bot as a release would
# (CGO_ENABLED=0, -trimpath, -ldflags="-s -w") and reports their sizes, the
# backends linked in, the start-up time to the first getUpdates against an
# in-process fake Telegram server, and the idle RSS. Flags go to the
# program: scripts/footprint.sh -runs 9 -json
set -eu
cd "$(dirname "$0")/.."
exec go run ./examples/loadtest/footprint "$@"

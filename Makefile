# Everyday commands. Every target runs from a fresh clone with only Go (and,
# for docker, Docker) installed.

GO      ?= go
BIN     ?= bin
IMAGE   ?= svsbot
BENCH   ?= .
BENCHTIME ?= 1s
PKGS    ?= ./...

.PHONY: help run console test race ci bench footprint build docker docker-run clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-11s %s\n", $$1, $$2}'

run: ## run the reference bot (needs TELEGRAM_BOT_TOKEN and GEMINI_API_KEYS, or a .env)
	$(GO) run ./examples/geminibot

console: ## chat with the reference bot offline, in the terminal
	$(GO) run ./examples/geminibot -console

test: ## run every test under the race detector
	$(GO) test -race -count=1 $(PKGS)

ci: ## what CI runs: gofmt, go mod tidy, vet, staticcheck, tests with PostgreSQL and Redis
	bash .ci/run

bench: ## run the benchmarks (BENCH=regexp, BENCHTIME=1s)
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) $(PKGS)

# grpcnotrace keeps grpc (pulled in by the Gemini SDK) from linking
# golang.org/x/net/trace, whose templates stop the linker from dropping
# unused methods: about 9 MiB less.
build: ## build the reference bot as a static binary in bin/
	CGO_ENABLED=0 $(GO) build -tags grpcnotrace -trimpath -ldflags='-s -w' -o $(BIN)/geminibot ./examples/geminibot

footprint: ## binary sizes, start-up to the first getUpdates, idle RSS (both bots)
	scripts/footprint.sh
	GOFLAGS=-tags=grpcnotrace scripts/footprint.sh

docker: ## build the container image (distroless, static, non-root)
	docker build -t $(IMAGE) .

docker-run: ## run the image with the variables of .env
	docker run --rm --env-file .env -p 8080:8080 -v svsbot-data:/data $(IMAGE)

clean: ## remove build output
	rm -rf $(BIN)

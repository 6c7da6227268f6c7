package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// build compiles pkg into out as a release would; stripped drops the
// symbol table and DWARF (-s -w), which go tool nm needs.
func build(ctx context.Context, pkg, out string, stripped bool) error {
	args := []string{"build", "-trimpath", "-o", out}
	if stripped {
		args = append(args, "-ldflags=-s -w")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, pkg)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
	}
	return nil
}

// modules lists the module paths go version -m finds in a binary.
func modules(ctx context.Context, bin string) ([]string, error) {
	out, err := exec.CommandContext(ctx, "go", "version", "-m", bin).Output()
	if err != nil {
		return nil, fmt.Errorf("go version -m: %w", err)
	}
	var mods []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && (f[0] == "dep" || f[0] == "=>") {
			mods = append(mods, f[1])
		}
	}
	return mods, nil
}

// forbiddenSymbols builds pkg with its symbol table and lists the
// forbidden packages go tool nm finds in it (one entry per package).
func forbiddenSymbols(ctx context.Context, pkg, out string, forbidden []string) ([]string, error) {
	if err := build(ctx, pkg, out, false); err != nil {
		return nil, err
	}
	defer os.Remove(out)
	raw, err := exec.CommandContext(ctx, "go", "tool", "nm", out).Output()
	if err != nil {
		return nil, fmt.Errorf("go tool nm: %w", err)
	}
	var found []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 {
			continue
		}
		sym := f[len(f)-1]
		for _, p := range forbidden {
			if strings.HasPrefix(sym, p) {
				entry := "symbols of " + p
				if !slices.Contains(found, entry) {
					found = append(found, entry)
				}
			}
		}
	}
	return found, nil
}

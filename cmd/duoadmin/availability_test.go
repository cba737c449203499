package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The drift check: 0 when the database matches the file, an error (exit 1)
// listing every difference when it does not.
func TestAvailabilityCheckExitCodes(t *testing.T) {
	usageFixture(t) // acme with acme/web, on a SQLite DATABASE_URL
	ctx := context.Background()
	var out bytes.Buffer
	if err := availabilityCommand(ctx, []string{"export"}, &out); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "duo.yaml")
	if err := os.WriteFile(file, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := availabilityCommand(ctx, []string{"check", file}, &out); err != nil {
		t.Fatalf("an exported file drifts: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "No changes") {
		t.Fatalf("check printed %q", out.String())
	}
	want := "instance: default_on\ngroups:\n  acme: never_on\n"
	if err := os.WriteFile(file, []byte(want), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err := availabilityCommand(ctx, []string{"check", file}, &out)
	var drift errDrift
	if !errors.As(err, &drift) || drift.n != 2 {
		t.Fatalf("check of a drifted file: %v\n%s", err, out.String())
	}
	for _, line := range []string{"group acme: inherit, file says never_on", "project acme/web: true, file says false", "1 group changes, 1 project changes, 1 lock added"} {
		if !strings.Contains(out.String(), line) {
			t.Fatalf("check output lacks %q:\n%s", line, out.String())
		}
	}
	// apply makes it match; check then passes.
	if err := availabilityCommand(ctx, []string{"apply", file}, &out); err != nil {
		t.Fatal(err)
	}
	if err := availabilityCommand(ctx, []string{"check", file}, &out); err != nil {
		t.Fatalf("after apply: %v", err)
	}
	if err := os.WriteFile(file, []byte("groups:\n  nope: default_on\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := availabilityCommand(ctx, []string{"check", file}, &out); err == nil || !strings.Contains(err.Error(), "groups.nope: no such group here") {
		t.Fatalf("unknown group: %v", err)
	}
	if err := availabilityCommand(ctx, []string{"check"}, &out); err == nil || err.Error() != availabilityUsage {
		t.Fatalf("no file: %v", err)
	}
}

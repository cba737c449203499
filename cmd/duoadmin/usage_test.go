package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// usageFixture is a SQLite database with users ann and bob and project
// acme/web, found by the command through DATABASE_URL.
func usageFixture(t *testing.T) string {
	t.Helper()
	url := "sqlite:" + filepath.Join(t.TempDir(), "cli.db")
	t.Setenv("DATABASE_URL", url)
	t.Setenv("DUO_DEPLOYMENT", string(models.SelfManaged))
	s, err := models.Open(url, storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	actor := models.Actor{Username: "test"}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"ann", "bob"} {
		if _, err := s.CreateUser(ctx, actor, models.UserInput{Username: n, Name: n, Email: n + "@example.com"}); err != nil {
			t.Fatal(err)
		}
	}
	acme, err := s.CreateGroup(ctx, actor, nil, models.GroupInput{Path: "acme", Name: "Acme", Plan: models.PlanUltimate})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateProject(ctx, actor, acme, models.ProjectInput{Path: "web", Name: "Web"}); err != nil {
		t.Fatal(err)
	}
	return url
}

func usageFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.ndjson")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func usageUser(t *testing.T, url, name string) *models.User {
	t.Helper()
	s, err := models.Open(url, storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.UserByUsername(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestUsageImport(t *testing.T) {
	url := usageFixture(t)
	file := usageFile(t, strings.Join([]string{
		`{"id":"a1","username":"ann","feature":"code_suggestions","occurred_at":"2026-05-02T09:00:00Z","project":"acme/web"}`,
		``,
		`{"id":"a2","username":"ann","feature":"duo_chat","occurred_at":"2026-05-03T09:00:00Z","project":null}`,
		`{"id":"g1","username":"ghost","feature":"duo_chat","occurred_at":"2026-05-03T09:00:00Z"}`,
		`{"id":"b1","username":"bob",`,
		`{"id":"a1","username":"ann","feature":"code_suggestions","occurred_at":"2026-05-02T09:00:00Z"}`,
		`   {"id":"b2","username":"bob","feature":"frobnicate","occurred_at":"2026-05-03T09:00:00Z"}  `,
		`{"id":"b3","username":"bob","feature":"explain_code","occurred_at":"2026-04-30T23:00:00Z","project":"acme/gone"}`,
	}, "\n")) // no newline at the end: the last line counts
	var out bytes.Buffer
	if err := usageCommand(context.Background(), []string{"import", file}, &out); err != nil {
		t.Fatal(err)
	}
	want := `line 4: unknown user "ghost"
line 5: not valid JSON
line 7: unknown feature "frobnicate"
line 8: unknown project "acme/gone"
accepted 3, rejected 4
`
	if out.String() != want {
		t.Fatalf("printed\n%s\nwant\n%s", out.String(), want)
	}
	ann := usageUser(t, url, "ann")
	if ann.LastDuoActivityOn == nil || ann.LastDuoActivityOn.String() != "2026-05-03" ||
		ann.LastCodeSuggestionsUsageAt == nil || !ann.LastCodeSuggestionsUsageAt.Equal(time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("ann: %v %v", ann.LastDuoActivityOn, ann.LastCodeSuggestionsUsageAt)
	}
	if bob := usageUser(t, url, "bob"); bob.LastDuoActivityOn != nil {
		t.Fatalf("bob's events were all rejected, yet %v", bob.LastDuoActivityOn)
	}

	// Run again: the same events are accepted and change nothing.
	out.Reset()
	if err := usageCommand(context.Background(), []string{"import", file}, &out); err != nil || !strings.HasSuffix(out.String(), "accepted 3, rejected 4\n") {
		t.Fatalf("again: %v\n%s", err, out.String())
	}
}

// More lines than one batch: line numbers stay right across batches.
func TestUsageImportBatches(t *testing.T) {
	url := usageFixture(t)
	var b strings.Builder
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n := models.MaxUsageEvents + 5
	for i := 1; i <= n; i++ {
		user := "bob"
		if i == models.MaxUsageEvents+3 {
			user = "nobody"
		}
		fmt.Fprintf(&b, `{"id":"ev%d","username":%q,"feature":"code_suggestions","occurred_at":%q}`+"\n",
			i, user, base.Add(time.Duration(i)*time.Minute).Format(time.RFC3339))
	}
	var out bytes.Buffer
	if err := usageCommand(context.Background(), []string{"import", usageFile(t, b.String())}, &out); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("line %d: unknown user \"nobody\"\naccepted %d, rejected 1\n", models.MaxUsageEvents+3, n-1)
	if out.String() != want {
		t.Fatalf("printed\n%s\nwant\n%s", out.String(), want)
	}
	bob := usageUser(t, url, "bob")
	if last := base.Add(time.Duration(n) * time.Minute); bob.LastCodeSuggestionsUsageAt == nil || !bob.LastCodeSuggestionsUsageAt.Equal(last) {
		t.Fatalf("bob's last usage %v, want %v (the second batch's newest)", bob.LastCodeSuggestionsUsageAt, last)
	}
}

func TestUsageImportErrors(t *testing.T) {
	usageFixture(t)
	var out bytes.Buffer
	if err := usageCommand(context.Background(), []string{"import", filepath.Join(t.TempDir(), "missing.ndjson")}, &out); err == nil {
		t.Fatal("a missing file must fail")
	}
	for _, args := range [][]string{nil, {"import"}, {"export", "x"}, {"import", "a", "b"}} {
		if err := usageCommand(context.Background(), args, &out); err == nil || err.Error() != usageUsage {
			t.Fatalf("%v: %v", args, err)
		}
	}
	if out.Len() != 0 {
		t.Fatalf("printed %q", out.String())
	}
}

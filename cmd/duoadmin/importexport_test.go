package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

func loginNames(ls []demoLogin) []string {
	var out []string
	for _, l := range ls {
		if l.Password != models.DemoPassword {
			panic("demo login without the demo password")
		}
		out = append(out, l.Username)
	}
	return out
}

func TestLoadDemoIfEmpty(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite(t)
	logins, err := loadDemoIfEmpty(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if got := loginNames(logins); !slices.Equal(got, []string{"admin", "owner", "support", "dev"}) {
		t.Fatalf("logins = %v", got)
	}
	before, _ := s.CountUsers(ctx)

	// Every start-up prints the logins, without loading the demo again.
	logins, err = loadDemoIfEmpty(ctx, s)
	if err != nil || len(logins) != 4 {
		t.Fatalf("second start: %v, %v", logins, err)
	}
	if after, _ := s.CountUsers(ctx); after != before {
		t.Fatalf("users %+v → %+v", before, after)
	}

	// A changed password or a blocked account is no longer advertised.
	actor := models.Actor{Username: "test"}
	dev, _ := s.UserByUsername(ctx, "dev")
	if _, err := s.UpdateUser(ctx, actor, dev.ID, models.UserInput{Username: "dev", Name: dev.Name, Email: dev.Email,
		Password: "a-new-secret"}); err != nil {
		t.Fatal(err)
	}
	owner, _ := s.UserByUsername(ctx, "owner")
	if _, err := s.SetUserState(ctx, actor, owner.ID, models.StateBlocked); err != nil {
		t.Fatal(err)
	}
	logins, err = loadDemoIfEmpty(ctx, s)
	if got := loginNames(logins); err != nil || !slices.Equal(got, []string{"admin", "support"}) {
		t.Fatalf("logins = %v, %v", got, err)
	}
}

func TestLoadDemoLeavesOtherDatabasesAlone(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite(t)
	if _, err := s.CreateUser(ctx, models.Actor{Username: "test"}, models.UserInput{Username: "alice", Name: "Alice", Email: "alice@example.com"}); err != nil {
		t.Fatal(err)
	}
	logins, err := loadDemoIfEmpty(ctx, s)
	if err != nil || logins != nil {
		t.Fatalf("logins = %v, %v", logins, err)
	}
	if c, _ := s.CountUsers(ctx); c.Total != 1 {
		t.Fatalf("%d users: the demo was loaded into a used database", c.Total)
	}
}

func TestSeedExportImportCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Setenv("DATABASE_URL", "sqlite:"+filepath.Join(dir, "db", "duoadmin.db"))
	if err := runSeedDemo(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := runSeedDemo(ctx, nil); err == nil || !strings.Contains(err.Error(), "already has users") {
		t.Fatalf("second seed-demo: %v", err)
	}
	file := filepath.Join(dir, "org.json")
	if err := runExport(ctx, []string{file}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil || !bytes.Contains(data, []byte(`"username": "admin"`)) || bytes.Contains(data, []byte("password")) {
		t.Fatalf("export: %v\n%.300s", err, data)
	}
	if err := runImport(ctx, []string{file}); err != nil {
		t.Fatal(err)
	}

	// A fresh database takes the export too: import migrates first.
	t.Setenv("DATABASE_URL", "sqlite:"+filepath.Join(dir, "other.db"))
	if err := runImport(ctx, []string{file}); err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(dir, "again.json")
	if err := runExport(ctx, []string{again}); err != nil {
		t.Fatal(err)
	}
	if data2, _ := os.ReadFile(again); !bytes.Equal(data, data2) {
		t.Fatal("the copy exports differently")
	}

	bad := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(bad, []byte(`{"users": [{"username": "x", "name": "X", "email": "nope"}], "groups": [{"path": "a/b", "name": "B"}]}`), 0o644)
	err = runImport(ctx, []string{bad})
	if err == nil || err.Error() != bad+": 2 problems; nothing was imported" {
		t.Fatalf("err = %v", err)
	}
	if err := runImport(ctx, nil); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Fatalf("no file: %v", err)
	}
}

func TestImportFailedPrintsEveryProblem(t *testing.T) {
	_, err := models.ParseDocument("bad.json", strings.NewReader(`{"users": [{"username": 1, "admin": 2}]}`))
	var out bytes.Buffer
	got := importFailed(&out, "bad.json", err)
	want := "bad.json: users[0].admin: must be true or false\nbad.json: users[0].username: must be a string\n"
	if out.String() != want || got.Error() != "bad.json: 2 problems; nothing was imported" {
		t.Fatalf("printed %q, returned %v", out.String(), got)
	}
}

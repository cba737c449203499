package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// tokenDB points DATABASE_URL at a fresh SQLite file with one active and
// one blocked user, as the command would find it.
func tokenDB(t *testing.T) string {
	t.Helper()
	url := "sqlite:" + filepath.Join(t.TempDir(), "cli.db")
	t.Setenv("DATABASE_URL", url)
	s, err := models.Open(url, storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	actor := models.Actor{Username: "test"}
	for _, name := range []string{"ada", "bob"} {
		if _, err := s.CreateUser(ctx, actor, models.UserInput{Username: name, Name: name, Email: name + "@example.com", Password: "correct-horse-battery"}); err != nil {
			t.Fatal(err)
		}
	}
	bob, err := s.UserByUsername(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetUserState(ctx, actor, bob.ID, models.StateBlocked); err != nil {
		t.Fatal(err)
	}
	return url
}

func TestTokenCreatePrintsAWorkingToken(t *testing.T) {
	url := tokenDB(t)
	var out bytes.Buffer
	expires := models.Today().AddDays(30).String()
	if err := tokenCommand(context.Background(), []string{"create", "--user", "ada", "--name", "ci", "--expires-at", expires}, &out); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSuffix(out.String(), "\n")
	if strings.Contains(token, "\n") || !strings.HasPrefix(token, "glpat-") {
		t.Fatalf("stdout %q, want one token line", out.String())
	}
	s, err := models.Open(url, storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	u, err := s.UserByToken(ctx, token)
	if err != nil || u.Username != "ada" {
		t.Fatalf("token authenticates %v, %v; want ada", u, err)
	}
	evs, err := s.AuditEventsFor(ctx, "User", u.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 || evs[0].Action != "personal_access_token_created" || evs[0].ActorName != "duoadmin CLI" ||
		!strings.Contains(evs[0].Details, `"name":"ci"`) {
		t.Fatalf("audit events %+v", evs)
	}
}

func TestTokenCreateRejectsBadInput(t *testing.T) {
	tokenDB(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "usage: duoadmin token create"},
		{[]string{"list"}, "usage: duoadmin token create"},
		{[]string{"create"}, "usage: duoadmin token create"},
		{[]string{"create", "--user", "nobody"}, `no user "nobody"`},
		{[]string{"create", "--user", "bob"}, "bob is blocked"},
		{[]string{"create", "--user", "ada", "--expires-at", "tomorrow"}, "not a date"},
		{[]string{"create", "--user", "ada", "--expires-at", models.Today().String()}, "must be after today"},
		{[]string{"create", "--user", "ada", "--name", " "}, "can't be blank"},
	} {
		var out bytes.Buffer
		err := tokenCommand(context.Background(), tc.args, &out)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
		if out.Len() != 0 {
			t.Errorf("%v: printed %q", tc.args, out.String())
		}
	}
}

package orgfile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/orgfile"
	"duoadmin/models/storetest"
)

func parseFile(t *testing.T, path string) *orgfile.Document {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := orgfile.ParseDocument(path, f)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return doc
}

func parseString(t *testing.T, js string) *orgfile.Document {
	t.Helper()
	doc, err := orgfile.ParseDocument("t.json", strings.NewReader(js))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

func mustImport(t *testing.T, s *models.Store, doc *orgfile.Document) *orgfile.ImportResult {
	t.Helper()
	res, err := orgfile.Import(context.Background(), s, orgfile.ImportActor, "t.json", doc)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return res
}

var importTables = []string{"users", "namespaces", "projects", "members", "group_group_links", "project_group_links", "audit_events"}

func countRows(t *testing.T, s *models.Store) map[string]int {
	t.Helper()
	db, err := s.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, table := range importTables {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// snapshot is every imported row's id with what changes when it is written.
func snapshot(t *testing.T, s *models.Store) map[string][]string {
	t.Helper()
	db, err := s.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for table, cols := range map[string]string{
		"users": "updated_at", "namespaces": "updated_at", "projects": "updated_at", "members": "updated_at",
		"group_group_links": "group_access", "project_group_links": "group_access", "instance_settings": "updated_at",
	} {
		rows, err := db.Query("SELECT CAST(id AS TEXT) || ' ' || CAST(" + cols + " AS TEXT) FROM " + table + " ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			out[table] = append(out[table], v)
		}
		rows.Close()
	}
	return out
}

func auditActions(t *testing.T, s *models.Store) []string {
	t.Helper()
	evs, err := s.RecentAuditEvents(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Action)
	}
	return out
}

func TestImportSmallFile(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		res := mustImport(t, s, parseFile(t, "testdata/small.json"))
		want := "imported t.json: instance settings (updated), 5 users (5 new), 3 groups (3 new), 2 projects (2 new), " +
			"6 members (6 new), 2 group links (2 new)"
		if res.Summary() != want {
			t.Fatalf("summary\n got %q\nwant %q", res.Summary(), want)
		}

		alice, err := s.UserByUsername(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if !alice.Admin || alice.Auditor || alice.State != models.StateActive || !alice.PasswordMatches("alice-secret-1") ||
			alice.LastActivityOn == nil || alice.LastActivityOn.String() != "2026-10-30" || alice.LastDuoActivityOn != nil {
			t.Fatalf("alice = %+v", alice)
		}
		bob, _ := s.UserByUsername(ctx, "bob")
		if bob.State != models.StateBlocked || bob.PasswordHash != "" || bob.LastActivityOn != nil {
			t.Fatalf("bob = %+v", bob)
		}
		carol, _ := s.UserByUsername(ctx, "carol")
		if !carol.Auditor || !carol.PublicEmail || carol.LastDuoActivityOn.String() != "2026-10-01" {
			t.Fatalf("carol = %+v", carol)
		}
		bot, _ := s.UserByUsername(ctx, "project_7_bot_a1b2c3")
		if !bot.Bot {
			t.Fatalf("bot = %+v", bot)
		}
		st, _ := s.InstanceSettings(ctx)
		if st.Plan != models.PlanPremium {
			t.Fatalf("instance plan = %s", st.Plan)
		}

		acme, err := s.GroupByFullPath(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		platform, err := s.GroupByFullPath(ctx, "acme/platform")
		if err != nil {
			t.Fatal(err)
		}
		partners, _ := s.GroupByFullPath(ctx, "partners")
		if acme.Plan != models.PlanUltimate || !acme.TopLevel() || partners.Plan != models.PlanFree {
			t.Fatalf("acme = %+v, partners = %+v", acme, partners)
		}
		if platform.ParentID == nil || *platform.ParentID != acme.ID || platform.Path != "platform" ||
			platform.Plan != "" || platform.RootID() != acme.ID || platform.Depth() != 2 {
			t.Fatalf("platform = %+v", platform)
		}
		api, err := s.ProjectByFullPath(ctx, "acme/platform/api")
		if err != nil || api.NamespaceID != platform.ID || api.Path != "api" || api.Name != "API" {
			t.Fatalf("api = %+v, %v", api, err)
		}
		if c, _ := s.CountSubtree(ctx, acme); c.Subgroups != 1 || c.Projects != 2 {
			t.Fatalf("acme subtree = %+v", c)
		}

		if owns, _ := s.OwnsGroup(ctx, alice.ID, platform); !owns {
			t.Fatal("alice owns acme, so acme/platform")
		}
		ms, err := s.Members(ctx, models.ProjectSource(api, platform), models.Page{PerPage: 20})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, m := range ms.Items {
			got[m.User.Username] = m.AccessLevel.Key()
			if m.Pending {
				got[m.User.Username] += " pending"
			}
		}
		wantMembers := map[string]string{"bob": "guest", "dave": "developer pending", "project_7_bot_a1b2c3": "maintainer"}
		if len(got) != len(wantMembers) {
			t.Fatalf("api members = %v", got)
		}
		for k, v := range wantMembers {
			if got[k] != v {
				t.Fatalf("api members = %v, want %v", got, wantMembers)
			}
		}
		invited, _ := s.InvitedGroups(ctx, platform.ID)
		if len(invited) != 1 || invited[0].ID != partners.ID {
			t.Fatalf("acme/platform shared with %+v", invited)
		}

		evs, _ := s.RecentAuditEvents(ctx, 10)
		if len(evs) != 1 || evs[0].Action != "organisation_imported" || evs[0].ActorName != "import" || evs[0].ActorID != nil {
			t.Fatalf("audit = %+v", evs)
		}
		var details map[string]any
		if err := json.Unmarshal([]byte(evs[0].Details), &details); err != nil {
			t.Fatal(err)
		}
		if u := details["members"].(map[string]any); u["created"] != 6.0 || u["in_file"] != 6.0 || details["file"] != "t.json" {
			t.Fatalf("audit details = %s", evs[0].Details)
		}
	})
}

// Re-importing a file writes nothing but the import's own audit event:
// no new rows, no row rewritten (updated_at unchanged), no password rehashed.
func TestImportTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		doc := parseFile(t, "testdata/small.json")
		mustImport(t, s, doc)
		alice, _ := s.UserByUsername(ctx, "alice")
		before, counts := snapshot(t, s), countRows(t, s)

		res := mustImport(t, s, parseFile(t, "testdata/small.json"))
		for _, sec := range res.Sections {
			if sec.Created != 0 || sec.Updated != 0 {
				t.Fatalf("second import changed %s: %+v", sec.Section, sec)
			}
		}
		if !strings.Contains(res.Summary(), "5 users (unchanged)") {
			t.Fatalf("summary = %q", res.Summary())
		}
		after := snapshot(t, s)
		for table, rows := range before {
			if !slices.Equal(rows, after[table]) {
				t.Fatalf("%s rewritten:\nbefore %v\nafter  %v", table, rows, after[table])
			}
		}
		counts["audit_events"]++
		if got := countRows(t, s); !mapsEqual(got, counts) {
			t.Fatalf("rows after re-import = %v, want %v", got, counts)
		}
		if acts := auditActions(t, s); !slices.Equal(acts, []string{"organisation_imported", "organisation_imported"}) {
			t.Fatalf("audit actions = %v", acts)
		}
		again, _ := s.UserByUsername(ctx, "alice")
		if again.PasswordHash != alice.PasswordHash {
			t.Fatal("an unchanged password was hashed again")
		}
	})
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestImportUpdatesChangedRows(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		mustImport(t, s, parseFile(t, "testdata/small.json"))
		carolBefore, _ := s.UserByUsername(ctx, "carol")
		counts := countRows(t, s)

		res := mustImport(t, s, parseString(t, `{
			"instance": {"plan": "ultimate"},
			"users": [
				{"username": "ALICE", "name": "Alice A. Anders", "email": "alice@acme.example.com"},
				{"username": "bob", "name": "Bob Brown", "email": "bob@example.com", "state": "active", "admin": true,
				 "password": "bob-new-password", "last_activity_on": "2026-11-02"},
				{"username": "carol", "name": "Carol Chen", "email": "carol@example.com", "last_duo_activity_on": null}
			],
			"groups": [{"path": "acme", "name": "Acme Inc", "plan": "premium"}, {"path": "Acme/Platform", "name": "Platform"}],
			"projects": [{"path": "acme/platform/api", "name": "Public API"}],
			"members": [
				{"user": "bob", "source": "acme/platform/api", "access_level": "maintainer"},
				{"user": "dave", "source": "acme/platform/api", "access_level": "developer", "pending": false},
				{"user": "project_7_bot_a1b2c3", "source": "acme/platform/api", "access_level": "maintainer"}
			],
			"group_links": [{"shared_project": "acme/platform/api", "with_group": "partners", "access_level": "developer"}]
		}`))
		for sec, want := range map[string]orgfile.ImportCounts{
			"instance": {InFile: 1, Updated: 1}, "users": {InFile: 3, Updated: 3}, "groups": {InFile: 2, Updated: 1},
			"projects": {InFile: 1, Updated: 1}, "members": {InFile: 3, Updated: 2}, "group_links": {InFile: 1, Updated: 1},
		} {
			if got := res.Count(sec); got != want {
				t.Errorf("%s: got %+v, want %+v", sec, got, want)
			}
		}
		counts["audit_events"]++
		if got := countRows(t, s); !mapsEqual(got, counts) {
			t.Fatalf("rows = %v, want %v (updates must not add rows)", got, counts)
		}

		alice, _ := s.UserByUsername(ctx, "alice")
		// Absent fields keep their values: alice stays an admin with her password and activity.
		if alice.Name != "Alice A. Anders" || alice.Email != "alice@acme.example.com" || alice.Username != "alice" ||
			!alice.Admin || !alice.PasswordMatches("alice-secret-1") || alice.LastActivityOn.String() != "2026-10-30" {
			t.Fatalf("alice = %+v", alice)
		}
		bob, _ := s.UserByUsername(ctx, "bob")
		if bob.State != models.StateActive || !bob.Admin || !bob.PasswordMatches("bob-new-password") || bob.LastActivityOn.String() != "2026-11-02" {
			t.Fatalf("bob = %+v", bob)
		}
		carol, _ := s.UserByUsername(ctx, "carol")
		if carol.LastDuoActivityOn != nil || !carol.Auditor || !carol.PublicEmail || !carol.UpdatedAt.After(carolBefore.UpdatedAt) {
			t.Fatalf("carol = %+v (null clears the date, absent flags stay)", carol)
		}
		acme, _ := s.GroupByFullPath(ctx, "acme")
		if acme.Name != "Acme Inc" || acme.Plan != models.PlanPremium {
			t.Fatalf("acme = %+v", acme)
		}
		platform, _ := s.GroupByFullPath(ctx, "acme/platform")
		api, _ := s.ProjectByFullPath(ctx, "acme/platform/api")
		if api.Name != "Public API" {
			t.Fatalf("api = %+v", api)
		}
		ms, _ := s.Members(ctx, models.ProjectSource(api, platform), models.Page{PerPage: 20})
		for _, m := range ms.Items {
			switch m.User.Username {
			case "bob":
				if m.AccessLevel != models.Maintainer {
					t.Fatalf("bob = %s", m.AccessLevel)
				}
			case "dave":
				if m.Pending {
					t.Fatal("dave's invitation should be accepted")
				}
			}
		}
		st, _ := s.InstanceSettings(ctx)
		if st.Plan != models.PlanUltimate {
			t.Fatalf("instance plan = %s", st.Plan)
		}
		exp, err := orgfile.Export(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range exp.GroupLinks {
			if l.SharedProject == "acme/platform/api" && l.AccessLevel != "developer" {
				t.Fatalf("project link = %+v", l)
			}
		}
	})
}

func TestImportValidationErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, js string
		want     []string
	}{
		{"bad email", `{"users": [
			{"username": "a", "name": "A", "email": "a@example.com"},
			{"username": "b", "name": "B", "email": "b@example.com"},
			{"username": "c", "name": "C", "email": "c@example.com"},
			{"username": "d", "name": "D", "email": "not-an-address"}]}`,
			[]string{"t.json: users[3].email: not a valid address"}},
		{"every user problem at once", `{"users": [
			{"username": "-x", "name": " ", "email": "", "password": "short", "state": "asleep", "last_activity_on": "2026-13-01"},
			{"username": "Ann", "name": "Ann", "email": "ann@example.com"},
			{"username": "ann", "name": "Ann", "email": "ANN@example.com"}]}`,
			[]string{
				"t.json: users[0].username: not a valid username: use letters, digits, '_', '-' and '.', and do not start with '-' or '.'",
				"t.json: users[0].name: can't be blank",
				"t.json: users[0].email: can't be blank",
				"t.json: users[0].password: too short (minimum is 8 characters)",
				"t.json: users[0].state: not a state (active, blocked, banned, deactivated)",
				`t.json: users[0].last_activity_on: not a date (YYYY-MM-DD): "2026-13-01"`,
				"t.json: users[2].username: duplicate of users[1]",
				"t.json: users[2].email: already used by users[1]",
			}},
		{"unknown fields and wrong types", `{"instance": {"plan": "gold"}, "userz": [],
			"users": [{"username": "a", "name": "A", "emial": "a@example.com", "admin": "yes"}, null],
			"groups": {"path": "x"}}`,
			[]string{
				"t.json: groups: must be an array",
				"t.json: users[0].admin: must be true or false",
				"t.json: users[0].emial: unknown field (expected one of: username, name, email, public_email, password, state, bot, admin, auditor, last_activity_on, last_duo_activity_on, last_code_suggestions_usage_at)",
				"t.json: users[1]: must not be null",
				"t.json: userz: unknown field (expected one of: instance, users, groups, projects, members, group_links, subscriptions, add_on_purchases, assignments, self_hosted_models, ai_feature_settings)",
			}},
		{"syntax error", "{\"users\": [\n  {\"username\": \"a\",}\n]}",
			[]string{"t.json: line 2, column 20: invalid character '}' looking for beginning of object key string"}},
		{"truncated", `{"users": [`, []string{"t.json: line 1, column 11: unexpected end of file: the JSON is incomplete"}},
		{"not an object", `[]`, []string{"t.json: must be an object"}},
		{"empty", ` `, []string{"t.json: empty file: expected a JSON object"}},
		{"trailing data", `{} {}`, []string{"t.json: line 1, column 4: unexpected data after the document"}},
		{"bad plan", `{"instance": {"plan": "gold"}}`, []string{"t.json: instance.plan: not a plan (free, premium, ultimate)"}},
		{"groups", `{"groups": [
			{"path": "acme", "name": "Acme", "plan": "gold"},
			{"path": "acme/team", "name": "Team", "plan": "premium"},
			{"path": "ACME", "name": "Again"},
			{"path": "nowhere/team", "name": "Lost"},
			{"path": "acme/bad path", "name": "Bad"},
			{"path": "admin", "name": ""}]}`,
			[]string{
				"t.json: groups[0].plan: not a plan (free, premium, ultimate)",
				"t.json: groups[1].plan: can only be set on a top-level group",
				"t.json: groups[2].path: duplicate of groups[0]",
				`t.json: groups[4].path: not a valid path: "bad path" can contain only letters, digits, '_', '-' and '.', and cannot start with '-' or end in '.', '.git' or '.atom'`,
				`t.json: groups[5].path: not a valid path: "admin" is a reserved name`,
				"t.json: groups[5].name: can't be blank",
				"t.json: groups[3].path: parent group nowhere is not in the file or the database",
			}},
		{"projects", `{"groups": [{"path": "acme", "name": "Acme"}, {"path": "acme/x", "name": "X"}], "projects": [
			{"path": "website", "name": "Website"},
			{"path": "other/api", "name": "API"},
			{"path": "acme/x", "name": "X"},
			{"path": "acme/api", "name": "API"},
			{"path": "acme/API", "name": "API"}]}`,
			[]string{
				"t.json: projects[0].path: must be inside a group (group/project)",
				"t.json: projects[1].path: group other is not in the file or the database",
				"t.json: projects[2].path: is also a group (groups[1])",
				"t.json: projects[4].path: duplicate of projects[3]",
			}},
		{"members", `{"users": [{"username": "alice", "name": "Alice", "email": "alice@example.com"}],
			"groups": [{"path": "acme", "name": "Acme"}], "members": [
			{"user": "alice", "source": "acme", "access_level": "owner"},
			{"user": "zed", "source": "acme", "access_level": "guest"},
			{"user": "alice", "source": "acme/nope", "access_level": "admin"},
			{"user": "Alice", "source": "ACME", "access_level": "developer"},
			{"user": "", "source": "", "access_level": ""}]}`,
			[]string{
				"t.json: members[1].user: no user zed in the file or the database",
				"t.json: members[2].source: no group or project acme/nope in the file or the database",
				`t.json: members[2].access_level: not an access level (guest, planner, reporter, developer, maintainer, owner): "admin"`,
				"t.json: members[3]: duplicate of members[0] (same user and source)",
				"t.json: members[4].user: can't be blank",
				"t.json: members[4].source: can't be blank",
				"t.json: members[4].access_level: can't be blank",
			}},
		{"group links", `{"groups": [{"path": "acme", "name": "Acme"}, {"path": "partners", "name": "Partners"}],
			"projects": [{"path": "acme/api", "name": "API"}], "group_links": [
			{"shared_group": "acme", "shared_project": "acme/api", "with_group": "partners", "access_level": "guest"},
			{"shared_group": "acme", "with_group": "acme", "access_level": "guest"},
			{"shared_project": "acme/web", "with_group": "nobody", "access_level": "guest"},
			{"shared_group": "acme", "with_group": "partners", "access_level": "developer"},
			{"shared_group": "acme", "with_group": "partners", "access_level": "guest"}]}`,
			[]string{
				"t.json: group_links[0]: needs exactly one of shared_group and shared_project",
				"t.json: group_links[1].with_group: cannot share a group with itself",
				"t.json: group_links[2].shared_project: no project acme/web in the file or the database",
				"t.json: group_links[2].with_group: no group nobody in the file or the database",
				"t.json: group_links[4]: duplicate of group_links[3]",
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *models.Store) {
				before := countRows(t, s)
				doc, err := orgfile.ParseDocument("t.json", strings.NewReader(tc.js))
				if err == nil {
					_, err = orgfile.Import(context.Background(), s, orgfile.ImportActor, "t.json", doc)
				}
				var ie *orgfile.ImportErrors
				if !errors.As(err, &ie) {
					t.Fatalf("err = %v, want ImportErrors", err)
				}
				if got := ie.Lines(); !slices.Equal(got, tc.want) {
					t.Fatalf("errors:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(tc.want, "\n     "))
				}
				if ie.Error() != strings.Join(tc.want, "\n") {
					t.Fatalf("Error() = %q", ie.Error())
				}
				if after := countRows(t, s); !mapsEqual(before, after) {
					t.Fatalf("rows changed on error: %v → %v", before, after)
				}
			})
		})
	}
}

// A file with valid rows and one bad one writes none of them.
func TestImportWritesNothingOnError(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		doc := parseFile(t, "testdata/small.json")
		doc.Members = append(doc.Members, orgfile.MemberDoc{User: "alice", Source: "acme/website", AccessLevel: "boss"})
		_, err := orgfile.Import(ctx, s, orgfile.ImportActor, "small.json", doc)
		var ie *orgfile.ImportErrors
		if !errors.As(err, &ie) || ie.Error() != `small.json: members[6].access_level: not an access level (guest, planner, reporter, developer, maintainer, owner): "boss"` {
			t.Fatalf("err = %v", err)
		}
		for table, n := range countRows(t, s) {
			if n != 0 {
				t.Errorf("%s has %d rows after a failed import", table, n)
			}
		}
		if st, _ := s.InstanceSettings(ctx); st.Plan != models.PlanFree {
			t.Fatalf("instance plan changed to %s", st.Plan)
		}
	})
}

func TestImportChecksTheDatabase(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		mustImport(t, s, parseFile(t, "testdata/small.json"))
		// References to rows that only exist in the database are fine.
		res := mustImport(t, s, parseString(t, `{"users": [{"username": "erin", "name": "Erin", "email": "erin@example.com"}],
			"groups": [{"path": "acme/platform/backend", "name": "Backend"}],
			"projects": [{"path": "acme/platform/backend/ledger", "name": "Ledger"}],
			"members": [{"user": "erin", "source": "acme/platform/backend/ledger", "access_level": "developer"},
			            {"user": "bob", "source": "acme/platform/backend", "access_level": "reporter"}],
			"group_links": [{"shared_group": "acme/platform/backend", "with_group": "partners", "access_level": "guest"}]}`))
		if res.Count("members").Created != 2 || res.Count("groups").Created != 1 {
			t.Fatalf("result = %s", res.Summary())
		}
		backend, err := s.GroupByFullPath(ctx, "acme/platform/backend")
		if err != nil || backend.Depth() != 3 || backend.Plan != "" {
			t.Fatalf("backend = %+v, %v", backend, err)
		}

		before := countRows(t, s)
		_, err = orgfile.Import(ctx, s, orgfile.ImportActor, "t.json", parseString(t, `{
			"users": [{"username": "frank", "name": "Frank", "email": "Alice@example.com"},
			          {"username": "carol", "name": "Carol", "email": "dave@partner.example.com"}],
			"groups": [{"path": "acme/website", "name": "Clash"}],
			"projects": [{"path": "acme/platform/x", "name": "X"}, {"path": "acme/platform", "name": "Clash"}],
			"members": [{"user": "alice", "source": "acme", "access_level": "maintainer"}]}`))
		want := []string{
			"t.json: users[0].email: has already been taken by user alice",
			"t.json: users[1].email: has already been taken by user dave",
			"t.json: groups[0].path: has already been taken by a project",
			"t.json: projects[1].path: has already been taken by a group",
		}
		var ie *orgfile.ImportErrors
		if !errors.As(err, &ie) || !slices.Equal(ie.Lines(), want) {
			t.Fatalf("err = %v\nwant %s", err, strings.Join(want, "\n"))
		}
		if after := countRows(t, s); !mapsEqual(before, after) {
			t.Fatalf("rows changed: %v → %v", before, after)
		}

		// Demoting the only owner of a top-level group is refused, as in the UI.
		_, err = orgfile.Import(ctx, s, orgfile.ImportActor, "t.json", parseString(t,
			`{"members": [{"user": "alice", "source": "acme", "access_level": "maintainer"}]}`))
		if !errors.As(err, &ie) || ie.Error() != "t.json: members[0].access_level: A group must have at least one owner" {
			t.Fatalf("err = %v", err)
		}
		alice, _ := s.UserByUsername(ctx, "alice")
		acme, _ := s.GroupByFullPath(ctx, "acme")
		if owns, _ := s.OwnsGroup(ctx, alice.ID, acme); !owns {
			t.Fatal("the refused import still demoted alice")
		}

		// A new user may take the address an existing user gives up in the same file.
		mustImport(t, s, parseString(t, `{"users": [
			{"username": "frank", "name": "Frank", "email": "bob@example.com"},
			{"username": "bob", "name": "Bob Brown", "email": "bob@old.example.com"}]}`))
		frank, _ := s.UserByUsername(ctx, "frank")
		if frank.Email != "bob@example.com" {
			t.Fatalf("frank = %+v", frank)
		}
	})
}

func TestImportGroupOrderDoesNotMatter(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		mustImport(t, s, parseString(t, `{"groups": [
			{"path": "a/b/c/d", "name": "D"}, {"path": "z", "name": "Z"}, {"path": "a/b", "name": "B"},
			{"path": "a/b/c", "name": "C"}, {"path": "z/y", "name": "Y"}, {"path": "a", "name": "A"}],
			"projects": [{"path": "a/b/c/d/p", "name": "P"}]}`))
		var chain []int64
		for _, p := range []string{"a", "a/b", "a/b/c", "a/b/c/d"} {
			g, err := s.GroupByFullPath(ctx, p)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if !slices.Equal(append(g.AncestorIDs(), g.ID), append(chain, g.ID)) {
				t.Fatalf("%s: ancestors %v, want %v", p, g.AncestorIDs(), chain)
			}
			if (g.ParentID == nil) != (len(chain) == 0) || (g.ParentID != nil && *g.ParentID != chain[len(chain)-1]) {
				t.Fatalf("%s: parent %v", p, g.ParentID)
			}
			chain = append(chain, g.ID)
		}
		a, _ := s.GroupByFullPath(ctx, "a")
		if c, _ := s.CountSubtree(ctx, a); c.Subgroups != 3 || c.Projects != 1 {
			t.Fatalf("a subtree = %+v", c)
		}
	})
}

// import(export(x)) is a no-op, and export is stable and has no passwords.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		mustImport(t, s, parseFile(t, "testdata/small.json"))
		// Rows made through the application, not the importer, too.
		actor := models.Actor{Username: "test"}
		erin, err := s.CreateUser(ctx, actor, models.UserInput{Username: "erin", Name: "Erin", Email: "erin@example.com", Password: "erin-password"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.TouchActivity(ctx, erin); err != nil {
			t.Fatal(err)
		}
		acme, _ := s.GroupByFullPath(ctx, "acme")
		docs, err := s.CreateGroup(ctx, actor, acme, models.GroupInput{Path: "docs", Name: "Docs"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddMember(ctx, actor, models.GroupSource(docs), erin, models.Planner); err != nil {
			t.Fatal(err)
		}

		var first bytes.Buffer
		exp, err := orgfile.Export(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if err := orgfile.WriteDocument(&first, exp); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(first.String(), "password") || strings.Contains(first.String(), "$2a$") {
			t.Fatal("export contains passwords")
		}
		if len(exp.Users) != 6 || len(exp.Groups) != 4 || len(exp.Projects) != 2 || len(exp.Members) != 7 || len(exp.GroupLinks) != 2 {
			t.Fatalf("export sizes: %d users, %d groups, %d projects, %d members, %d links",
				len(exp.Users), len(exp.Groups), len(exp.Projects), len(exp.Members), len(exp.GroupLinks))
		}
		before, counts := snapshot(t, s), countRows(t, s)

		doc, err := orgfile.ParseDocument("export.json", bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		res := mustImport(t, s, doc)
		for _, sec := range res.Sections {
			if sec.Created != 0 || sec.Updated != 0 {
				t.Fatalf("round trip changed %s: %+v", sec.Section, sec)
			}
		}
		after := snapshot(t, s)
		for table, rows := range before {
			if !slices.Equal(rows, after[table]) {
				t.Fatalf("%s rewritten by the round trip", table)
			}
		}
		counts["audit_events"]++
		if got := countRows(t, s); !mapsEqual(got, counts) {
			t.Fatalf("rows = %v, want %v", got, counts)
		}
		erinAfter, _ := s.UserByUsername(ctx, "erin")
		if !erinAfter.PasswordMatches("erin-password") {
			t.Fatal("the round trip lost erin's password")
		}

		var second bytes.Buffer
		exp2, _ := orgfile.Export(ctx, s)
		_ = orgfile.WriteDocument(&second, exp2)
		if first.String() != second.String() {
			t.Fatalf("export is not stable:\n%s\n---\n%s", first.String(), second.String())
		}
	})
}

// An export from one database loads into an empty one and exports the same.
func TestExportLoadsIntoAnotherDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, dst := storetest.SQLite(t), storetest.Any(t)
	mustImport(t, src, parseFile(t, "testdata/small.json"))
	exp, err := orgfile.Export(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	_ = orgfile.WriteDocument(&a, exp)
	doc, err := orgfile.ParseDocument("a.json", bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	mustImport(t, dst, doc)
	exp2, err := orgfile.Export(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	_ = orgfile.WriteDocument(&b, exp2)
	if a.String() != b.String() {
		t.Fatalf("exports differ:\n%s\n---\n%s", a.String(), b.String())
	}
}

func mustGroup(t *testing.T, s *models.Store, path string) *models.Group {
	t.Helper()
	g, err := s.GroupByFullPath(context.Background(), path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return g
}

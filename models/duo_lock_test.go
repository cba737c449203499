package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/orgfile"
	"duoadmin/models/storetest"
)

// A record under a lock refuses every request to set its GitLab Duo
// setting with the typed error, whatever it stores: even the value it
// already has. Nothing is written, nothing audited.

func wantLocked(t *testing.T, what string, err error) {
	t.Helper()
	var le *models.LockedError
	if !errors.As(err, &le) || !errors.Is(err, models.ErrLockedByAncestor) ||
		err.Error() != "cannot be changed because it is locked by an ancestor" {
		t.Fatalf("%s: want *LockedError, got %v", what, err)
	}
}

func duoAudits(t *testing.T, s *models.Store) int {
	t.Helper()
	return sqlCount(t, s, "SELECT count(*) FROM audit_events WHERE action = 'duo_availability_changed'")
}

func TestLockedProjectRefusesEvenTheValueItStores(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tr := buildDuoTree(t, s)
		// An import states a's own setting and does not cascade, so a/p keeps
		// its stored true under an Always off group.
		mustImport(t, s, parseString(t, `{"groups": [{"path": "a", "name": "a", "duo_availability": "never_on"}]}`))
		p := tr.projects["a"]
		if st := projectState(t, s, p); !st.Project.DuoFeaturesEnabled || st.Resolution.Enabled || !st.Resolution.Locked() {
			t.Fatalf("setup: stored %v, effective %v, locked %v", st.Project.DuoFeaturesEnabled, st.Resolution.Enabled, st.Resolution.Locked())
		}
		before := duoAudits(t, s)
		// The value it stores, and the value the lock decides: both refused.
		wantLocked(t, "project asks for its stored true", s.SetProjectDuoEnabled(ctx, tester, p, true))
		wantLocked(t, "project asks for the locked false", s.SetProjectDuoEnabled(ctx, tester, p, false))
		if st := projectState(t, s, p); !st.Project.DuoFeaturesEnabled || duoAudits(t, s) != before {
			t.Fatal("a locked project was written")
		}
		var le *models.LockedError
		errors.As(s.SetProjectDuoEnabled(ctx, tester, p, true), &le)
		if le.LockedBy.FullPath != "a" {
			t.Fatalf("locked by %q, want a", le.LockedBy.FullPath)
		}
	})
}

func TestLockedGroupRefusesEvenTheOptionItHas(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tr := buildDuoTree(t, s)
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.ab, models.NeverOn); err != nil {
			t.Fatal(err)
		}
		// The cascade stored (false, unlocked) in a/b/c: Off by default is
		// what it already has, and still refused.
		before := duoAudits(t, s)
		for _, a := range models.Availabilities {
			_, err := s.SetGroupDuoAvailability(ctx, tester, tr.abc, a)
			wantLocked(t, "a/b/c -> "+string(a), err)
			_, err = s.PreviewGroupDuoChange(ctx, tr.abc, models.ChangeFor(a))
			wantLocked(t, "preview a/b/c -> "+string(a), err)
		}
		if duoAudits(t, s) != before {
			t.Fatal("a refused change was audited")
		}
		// A change of the experiment switch alone is no availability request.
		if _, err := s.UpdateGroupDuo(ctx, tester, tr.abc, models.DuoChange{}, b(false)); err != nil {
			t.Fatalf("experiment-only change under a lock: %v", err)
		}
	})
}

func TestLockedInstanceRefusesGroupsAndProjects(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tr := buildDuoTree(t, s)
		if _, err := s.SetInstanceDuoAvailability(ctx, tester, models.NeverOn); err != nil {
			t.Fatal(err)
		}
		before := duoAudits(t, s)
		// The instance wrote false to every group and project: asking for
		// false again is refused too.
		_, err := s.SetGroupDuoAvailability(ctx, tester, tr.a, models.DefaultOff)
		wantLocked(t, "top-level group under a locked instance", err)
		wantLocked(t, "project under a locked instance", s.SetProjectDuoEnabled(ctx, tester, tr.projects["x"], false))
		var le *models.LockedError
		if errors.As(err, &le); le.LockedBy.Kind != models.NodeInstance {
			t.Fatalf("locked by %+v, want the instance", le.LockedBy)
		}
		if duoAudits(t, s) != before {
			t.Fatal("a refused change was audited")
		}
	})
}

// An import states each level's own setting and does not cascade. Under a
// lock (as the file leaves the ancestors), a value the import would write
// that differs from the locked value is refused; a value that agrees with
// the lock, or that the database already stores, writes nothing wrong and
// passes, so an export always imports back.
func TestImportRefusesValuesUnderALock(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tr := buildDuoTree(t, s)
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.ab, models.NeverOn); err != nil {
			t.Fatal(err)
		}
		rows := snapshot(t, s)
		got := importProblems(t, s, `{
		  "groups": [{"path": "a/b/c", "name": "c", "duo_availability": "default_on"},
		             {"path": "a/b/new", "name": "New", "duo_availability": "default_on"}],
		  "projects": [{"path": "a/b/p", "name": "P", "duo_features_enabled": true},
		               {"path": "a/b/c/fresh", "name": "Fresh", "duo_features_enabled": true}]}`)
		wantProblems(t, got,
			"t.json: groups[0].duo_availability: cannot be changed because it is locked by an ancestor (a/b is Always off)",
			"t.json: groups[1].duo_availability: cannot be changed because it is locked by an ancestor (a/b is Always off)",
			"t.json: projects[0].duo_features_enabled: cannot be changed because it is locked by an ancestor (a/b is Always off)",
			"t.json: projects[1].duo_features_enabled: cannot be changed because it is locked by an ancestor (a/b is Always off)")
		if len(got) != 4 {
			t.Fatalf("problems:\n%s", strings.Join(got, "\n"))
		}
		if after := snapshot(t, s); !equalSnapshots(rows, after) {
			t.Fatal("a refused import wrote rows")
		}

		// The same file locks an ancestor and sets a child: the child is
		// checked against the lock the file leaves.
		got = importProblems(t, s, `{
		  "instance": {"duo_availability": "never_on"},
		  "groups": [{"path": "x", "name": "x", "duo_availability": "default_on"}],
		  "projects": [{"path": "x/p", "name": "P", "duo_features_enabled": false}]}`)
		wantProblems(t, got, "t.json: groups[0].duo_availability: cannot be changed because it is locked by an ancestor (the instance is Always off)")
		if len(got) != 1 {
			t.Fatalf("problems:\n%s", strings.Join(got, "\n"))
		}
		// Values that agree with the lock pass, and so does a value the
		// database already stores (x/p's true under a now Always off x).
		mustImport(t, s, parseString(t, `{
		  "groups": [{"path": "x", "name": "x", "duo_availability": "never_on"},
		             {"path": "a/b/c", "name": "c", "duo_availability": "default_off"},
		             {"path": "x/sub", "name": "Sub", "duo_availability": "default_off"}],
		  "projects": [{"path": "a/b/p", "name": "P", "duo_features_enabled": false},
		               {"path": "x/p", "name": "P", "duo_features_enabled": true}]}`))
		if st := projectState(t, s, tr.projects["x"]); !st.Project.DuoFeaturesEnabled || st.Resolution.Enabled {
			t.Fatalf("x/p stored %v effective %v", st.Project.DuoFeaturesEnabled, st.Resolution.Enabled)
		}
		// An export of that state imports back unchanged.
		doc, err := orgfile.Export(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, s)
		mustImport(t, s, doc)
		if !equalSnapshots(before, snapshot(t, s)) {
			t.Fatal("re-importing the export changed rows")
		}
	})
}

func equalSnapshots(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if strings.Join(v, "\n") != strings.Join(b[k], "\n") {
			return false
		}
	}
	return true
}

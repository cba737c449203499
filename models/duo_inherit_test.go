package models_test

import (
	"context"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// A new subgroup or project starts with its parent's effective GitLab Duo
// setting: off under Off by default (or Always off), on under On by default.

func TestNewChildrenInheritTheEffectiveSetting(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tr := buildDuoTree(t, s)
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.ab, models.DefaultOff); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.x, models.NeverOn); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			parent *models.Group
			want   bool
		}{{tr.a, true}, {tr.ab, false}, {tr.abc, false}, {tr.x, false}} {
			g, err := s.CreateGroup(ctx, tester, c.parent, models.GroupInput{Path: "new", Name: "New"})
			if err != nil {
				t.Fatal(err)
			}
			if st := groupState(t, s, g); st.Resolution.Enabled != c.want {
				t.Errorf("subgroup of %s starts %v, want %v", c.parent.FullPath, st.Resolution.Enabled, c.want)
			}
			p, err := s.CreateProject(ctx, tester, c.parent, models.ProjectInput{Path: "fresh", Name: "Fresh"})
			if err != nil {
				t.Fatal(err)
			}
			st := projectState(t, s, p)
			if st.Project.DuoFeaturesEnabled != c.want || st.Resolution.Enabled != c.want || p.DuoFeaturesEnabled != c.want {
				t.Errorf("project of %s starts stored %v effective %v, want %v", c.parent.FullPath,
					st.Project.DuoFeaturesEnabled, st.Resolution.Enabled, c.want)
			}
		}
	})
}

func TestImportedProjectsWithoutAValueTakeTheirGroupsSetting(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tr := buildDuoTree(t, s)
		if _, err := s.SetGroupDuoAvailability(ctx, tester, tr.ab, models.DefaultOff); err != nil {
			t.Fatal(err)
		}
		mustImport(t, s, parseString(t, `{
		  "instance": {"duo_availability": "default_off"},
		  "groups": [{"path": "off", "name": "Off", "duo_availability": "default_off"},
		             {"path": "off/deep", "name": "Deep"},
		             {"path": "on", "name": "On", "duo_availability": "default_on"},
		             {"path": "plain", "name": "Plain"}],
		  "projects": [{"path": "a/b/c/imp", "name": "Imp"},
		               {"path": "a/imp", "name": "Imp"},
		               {"path": "off/deep/imp", "name": "Imp"},
		               {"path": "on/imp", "name": "Imp"},
		               {"path": "plain/imp", "name": "Imp"},
		               {"path": "off/opted-in", "name": "Opted in", "duo_features_enabled": true},
		               {"path": "a/p", "name": "P"}]}`))
		for path, want := range map[string]bool{
			"a/b/c/imp":    false, // a/b is Off by default
			"a/imp":        false, // a stores nothing: it inherits the instance, which the file turned Off by default
			"off/deep/imp": false, "on/imp": true, "plain/imp": false, "off/opted-in": true,
			"a/p": true, // an existing project that states nothing keeps its value
		} {
			p, err := s.ProjectByFullPath(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			if p.DuoFeaturesEnabled != want {
				t.Errorf("%s stored %v, want %v", path, p.DuoFeaturesEnabled, want)
			}
		}
	})
}

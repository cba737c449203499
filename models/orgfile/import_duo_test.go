package orgfile_test

import (
	"context"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/orgfile"
	"duoadmin/models/storetest"
)

func TestImportAndExportDuoAvailability(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		file := `{"instance": {"plan": "ultimate", "duo_availability": "default_off"},
			"groups": [{"path": "acme", "name": "Acme", "plan": "ultimate", "duo_availability": "default_on"},
			           {"path": "acme/locked", "name": "Locked", "duo_availability": "never_on"},
			           {"path": "acme/inherits", "name": "Inherits"}],
			"projects": [{"path": "acme/inherits/off", "name": "Off", "duo_features_enabled": false},
			             {"path": "acme/inherits/on", "name": "On"}]}`
		doc, err := orgfile.ParseDocument("org.json", strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := orgfile.Import(ctx, s, orgfile.ImportActor, "org.json", doc); err != nil {
			t.Fatal(err)
		}
		st, _ := s.InstanceSettings(ctx)
		if models.InstanceAvailability(st.DuoFeaturesEnabled, st.LockDuoFeaturesEnabled) != models.DefaultOff {
			t.Fatalf("instance = %+v", st)
		}
		locked, _ := s.GroupByFullPath(ctx, "acme/locked")
		if gs, _ := s.GroupDuo(ctx, locked); gs.Availability() != models.NeverOn {
			t.Fatalf("acme/locked = %s", gs.Availability())
		}
		inherits, _ := s.GroupByFullPath(ctx, "acme/inherits")
		if inherits.DuoFeaturesEnabled != nil {
			t.Fatal("a group without duo_availability must inherit (NULL)")
		}
		off, _ := s.ProjectByFullPath(ctx, "acme/inherits/off")
		on, _ := s.ProjectByFullPath(ctx, "acme/inherits/on")
		if off.DuoFeaturesEnabled || !on.DuoFeaturesEnabled {
			t.Fatalf("projects: off=%v on=%v", off.DuoFeaturesEnabled, on.DuoFeaturesEnabled)
		}
		out, err := orgfile.Export(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if out.Instance.DuoAvailability != models.DefaultOff {
			t.Fatalf("export instance %q", out.Instance.DuoAvailability)
		}
		got := map[string]models.Availability{}
		for _, g := range out.Groups {
			got[g.Path] = g.DuoAvailability
		}
		if got["acme"] != models.DefaultOn || got["acme/locked"] != models.NeverOn || got["acme/inherits"] != "" {
			t.Fatalf("export groups %v", got)
		}
		// Round trip: importing the export changes nothing.
		res, err := orgfile.Import(ctx, s, orgfile.ImportActor, "export.json", out)
		if err != nil {
			t.Fatal(err)
		}
		for _, sec := range res.Sections {
			if sec.Created != 0 || sec.Updated != 0 {
				t.Fatalf("re-import changed %s: %+v", sec.Section, sec.ImportCounts)
			}
		}
	})
}

func TestImportRejectsUnknownDuoAvailability(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	doc, err := orgfile.ParseDocument("org.json", strings.NewReader(`{"groups": [{"path": "acme", "name": "Acme", "duo_availability": "sometimes"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = orgfile.Import(context.Background(), s, orgfile.ImportActor, "org.json", doc)
	if err == nil || !strings.Contains(err.Error(), "org.json: groups[0].duo_availability: must be one of always_on, default_on, default_off, never_on") {
		t.Fatalf("error: %v", err)
	}
}

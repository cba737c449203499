package models_test

import (
	"context"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

func TestDuoOffPlacesResolvesTheCascade(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := comWorld(t, s, 5)
		sub, _ := s.GroupByFullPath(ctx, "acme/sub")
		proj, _ := s.ProjectByFullPath(ctx, "acme/sub/p")
		off, err := s.DuoOffPlaces(ctx, w.users["subdev"].ID)
		if err != nil || len(off) != 0 {
			t.Fatalf("all on: %+v %v", off, err)
		}
		if err := s.SetProjectDuoEnabled(ctx, tester, proj, false); err != nil {
			t.Fatal(err)
		}
		off, err = s.DuoOffPlaces(ctx, w.users["projguest"].ID)
		if err != nil || len(off) != 1 || off[0].FullPath != "acme/sub/p" || off[0].Kind != models.NodeProject || off[0].AlwaysOff || off[0].Why != "Set here" {
			t.Fatalf("project off: %+v %v", off, err)
		}
		if _, err := s.SetGroupDuoAvailability(ctx, tester, sub, models.NeverOn); err != nil {
			t.Fatal(err)
		}
		off, err = s.DuoOffPlaces(ctx, w.users["subdev"].ID)
		if err != nil || len(off) != 1 || off[0].FullPath != "acme/sub" || !off[0].AlwaysOff {
			t.Fatalf("subgroup Always off: %+v %v", off, err)
		}
		off, err = s.DuoOffPlaces(ctx, w.users["projguest"].ID)
		if err != nil || len(off) != 1 || !off[0].AlwaysOff || off[0].Why != "Enforced by acme/sub" {
			t.Fatalf("project under a locked group: %+v %v", off, err)
		}
		if off, _ := s.DuoOffPlaces(ctx, w.users["owner"].ID); len(off) != 0 {
			t.Fatalf("acme itself is on: %+v", off)
		}
	})
}

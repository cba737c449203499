package models_test

import (
	"context"
	"testing"

	"duoadmin/models"
	"duoadmin/models/access"
	"duoadmin/models/storetest"
)

func TestMemberOfResource(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		w := comWorld(t, s, 5)
		group := func(p string) models.ResourceRef { return models.ResourceRef{Kind: access.ResourceGroup, Path: p} }
		project := func(p string) models.ResourceRef { return models.ResourceRef{Kind: access.ResourceProject, Path: p} }
		cases := []struct {
			user string
			ref  models.ResourceRef
			want bool
		}{
			{"owner", group("acme"), true},
			{"owner", group("ACME/Sub"), true}, // through the ancestor
			{"owner", project("acme/sub/p"), true},
			{"owner", group("partners"), false},
			{"subdev", group("acme"), false}, // a subgroup's member does not see up
			{"subdev", group("acme/sub"), true},
			{"subdev", project("Acme/Sub/P"), true},
			{"projguest", project("acme/sub/p"), true},
			{"projguest", group("acme/sub"), false},
			{"pending", group("acme"), false},
			{"pending", project("acme/sub/p"), false},
			{"partner", project("acme/sub/p"), false}, // invited groups do not count
			{"owner", project("acme/nope"), false},
			{"owner", group("nope"), false},
			{"outsider", models.ResourceRef{Kind: access.ResourceNone}, true},
			{"outsider", models.ResourceRef{Kind: access.ResourceUnknownOrigin}, true},
		}
		for _, c := range cases {
			got, err := s.MemberOfResource(context.Background(), w.users[c.user].ID, c.ref)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("%s on %s %s: %v, want %v", c.user, c.ref.Kind, c.ref.Path, got, c.want)
			}
		}
	})
}

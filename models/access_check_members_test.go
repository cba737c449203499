package models_test

import (
	"context"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

func TestIsHierarchyMember(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := comWorld(t, s, 5)
		sub, _ := s.GroupByFullPath(ctx, "acme/sub")
		cases := []struct {
			g    *models.Group
			user string
			want bool
		}{
			{w.acme, "owner", true},
			{w.acme, "subdev", true},     // in a subgroup
			{w.acme, "projguest", true},  // in a project below
			{w.acme, "partner", true},    // through the invited group
			{w.acme, "vendorboss", true}, // parent of a group invited to a project
			{w.acme, "outsider", false},
			{w.acme, "pending", false},
			{sub, "owner", true},  // inherited from acme
			{sub, "subdev", true}, // direct
			{sub, "ci", true},     // acme member, inherited
			{sub, "outsider", false},
		}
		for _, tc := range cases {
			got, err := s.IsHierarchyMember(ctx, tc.g, w.users[tc.user].ID)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s in %s: %v, want %v", tc.user, tc.g.FullPath, got, tc.want)
			}
		}
	})
}

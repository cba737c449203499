package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"duoadmin/models"
)

// A subgroup or project created on the screens starts with its parent's
// effective GitLab Duo setting, and its settings page says so.
func TestScreensCreateChildrenWithTheEffectiveSetting(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	o := a.duoOrg()
	a.duoSetGroup(o.platform, models.DefaultOff)
	c := a.as("owner")
	for _, parent := range []*models.Group{o.platform, o.api, o.tools} {
		want := parent != o.platform && parent != o.api // tools inherits acme's On by default
		id := strconv.FormatInt(parent.ID, 10)

		res := c.post("/projects", url.Values{"namespace_id": {id}, "project[name]": {"Fresh"}, "project[path]": {"fresh"}})
		wantStatus(t, res, http.StatusSeeOther)
		p, err := a.store.ProjectByFullPath(context.Background(), parent.FullPath+"/fresh")
		if err != nil {
			t.Fatal(err)
		}
		if p.DuoFeaturesEnabled != want {
			t.Errorf("project under %s starts %v, want %v", parent.FullPath, p.DuoFeaturesEnabled, want)
		}
		page := c.get("/" + p.FullPath + "/edit")
		if _, on := page.Doc().Find(`#duo_features_enabled`).Attr("checked"); on != want {
			t.Errorf("%s/edit shows the switch %v, want %v", p.FullPath, on, want)
		}

		form := groupForm("New", "new")
		form.Set("parent_id", id)
		wantStatus(t, c.post("/groups", form), http.StatusSeeOther)
		g, err := a.store.GroupByFullPath(context.Background(), parent.FullPath+"/new")
		if err != nil {
			t.Fatal(err)
		}
		if got := a.duoAvailability(g); (got == models.DefaultOn) != want {
			t.Errorf("subgroup of %s starts %s", parent.FullPath, got)
		}
	}
}

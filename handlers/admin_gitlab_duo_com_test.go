package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
	"duoadmin/views/components"
)

func TestGitLabComAdminDuoOverview(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	ctx := context.Background()
	actor := models.ActorFor(a.users["admin"])
	today := models.Today()
	o := a.duoOrg()
	pro, err := a.store.CreatePurchase(ctx, actor, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoPro,
		NamespaceID: &o.acme.ID, Quantity: 10, StartedAt: new(today.AddDays(-10)), ExpiresOn: today.AddDays(355)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.AssignSeat(ctx, actor, pro.ID, a.users["owner"].ID); err != nil {
		t.Fatal(err)
	}
	globex := a.mkGroup(nil, "globex", "Globex", models.PlanPremium)
	if _, err := a.store.CreatePurchase(ctx, actor, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoPro,
		NamespaceID: &globex.ID, Quantity: 3, StartedAt: new(today.AddDays(-90)), ExpiresOn: today.AddDays(-1)}); err != nil {
		t.Fatal(err)
	}
	a.duoSetGroup(o.tools, models.NeverOn)

	for _, role := range []string{"admin", "support"} {
		c := a.as(role)
		res := c.get("/admin/gitlab_duo")
		wantStatus(t, res, http.StatusOK)
		rows := res.Doc().Find(`[data-testid="purchase-row"]`)
		if rows.Length() != 2 {
			t.Fatalf("%s: %d purchase rows", role, rows.Length())
		}
		first := rows.First()
		if got := strings.TrimSpace(first.Find(`[data-testid="group-path"]`).Text()); got != "acme" {
			t.Fatalf("first group %q", got)
		}
		if got := strings.TrimSpace(first.Find(`[data-testid="seats"]`).Text()); got != "1 / 10" {
			t.Fatalf("seats %q", got)
		}
		if got := strings.TrimSpace(first.Find(`[data-testid="purchase-status"]`).Text()); got != "Active" {
			t.Fatalf("acme status %q", got)
		}
		if got := strings.TrimSpace(rows.Eq(1).Find(`[data-testid="purchase-status"]`).Text()); got != "Expired" {
			t.Fatalf("globex status %q", got)
		}
		if !strings.Contains(first.Text(), components.Date(today.AddDays(-10))) {
			t.Fatalf("no start date in %q", first.Text())
		}
		// Read-only: nothing to submit.
		if res.Doc().Find(`form[method="post"]:not([action="/users/sign_out"])`).Length() != 0 {
			t.Fatalf("%s: the overview has forms", role)
		}
		res = c.get("/admin/gitlab_duo?tab=always_off")
		wantStatus(t, res, http.StatusOK)
		off := res.Doc().Find(`[data-testid="always-off-row"]`)
		if off.Length() != 1 || strings.TrimSpace(off.Find(`[data-testid="group-path"]`).Text()) != "acme/tools" {
			t.Fatalf("always off rows: %q", off.Text())
		}
	}
	wantStatus(t, a.as("owner").get("/admin/gitlab_duo"), http.StatusNotFound)
}

func TestGitLabComAdminDuoOverviewPaginates(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.SQLite(t), models.GitLabCom)
	ctx := context.Background()
	actor := models.ActorFor(a.users["admin"])
	for i := range 21 {
		g := a.mkGroup(nil, fmt.Sprintf("g%02d", i), fmt.Sprintf("G%02d", i), models.PlanPremium)
		if _, err := a.store.CreatePurchase(ctx, actor, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoPro,
			NamespaceID: &g.ID, Quantity: 1, ExpiresOn: models.Today().AddDays(30)}); err != nil {
			t.Fatal(err)
		}
	}
	c := a.as("admin")
	if n := c.get("/admin/gitlab_duo").Doc().Find(`[data-testid="purchase-row"]`).Length(); n != 20 {
		t.Fatalf("page 1: %d rows", n)
	}
	res := c.get("/admin/gitlab_duo?page=2")
	if n := res.Doc().Find(`[data-testid="purchase-row"]`).Length(); n != 1 {
		t.Fatalf("page 2: %d rows", n)
	}
	wantText(t, res, `[data-testid="purchase-row"] [data-testid="group-path"]`, "g20")
}

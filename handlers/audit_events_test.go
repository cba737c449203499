package handlers_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// auditFixture: acme (owner is its Owner) with subgroup acme/sub where dev
// is a developer, and other, a top-level group owner does not own, where
// dev is a developer too.
type auditFixture struct {
	*app
	acme, sub, other *models.Group
	devInSub         *models.Member
	devInOther       *models.Member
}

func newAuditFixture(t *testing.T, a *app) *auditFixture {
	t.Helper()
	ctx := context.Background()
	f := &auditFixture{app: a}
	actor := models.ActorFor(a.users["admin"])
	var err error
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f.acme, err = a.store.CreateGroup(ctx, actor, nil, models.GroupInput{Path: "acme", Name: "Acme", Plan: models.PlanUltimate})
	must(err)
	f.sub, err = a.store.CreateGroup(ctx, actor, f.acme, models.GroupInput{Path: "sub", Name: "Sub"})
	must(err)
	f.other, err = a.store.CreateGroup(ctx, actor, nil, models.GroupInput{Path: "other", Name: "Other", Plan: models.PlanUltimate})
	must(err)
	_, err = a.store.AddMember(ctx, actor, models.GroupSource(f.acme), a.users["owner"], models.Owner)
	must(err)
	f.devInSub, err = a.store.AddMember(ctx, actor, models.GroupSource(f.sub), a.users["dev"], models.Developer)
	must(err)
	f.devInOther, err = a.store.AddMember(ctx, actor, models.GroupSource(f.other), a.users["dev"], models.Developer)
	must(err)
	return f
}

// eventActions lists the data-action of each row, in page order.
func eventActions(r *response) []string {
	var out []string
	r.Doc().Find(`[data-testid="audit-event"]`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, s.AttrOr("data-action", ""))
	})
	return out
}

func TestAdminAuditEventsListsFiltersAndPages(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	f := newAuditFixture(t, a)
	c := a.as("admin")
	res := c.get("/admin/audit_events")
	wantStatus(t, res, http.StatusOK)
	if res.Text(`.nav-link.active, [aria-current="page"]`) == "" && !strings.Contains(res.Body, `href="/admin/audit_events"`) {
		t.Error("no Audit events item in the admin sidebar")
	}
	// Newest first: the last membership is on top.
	first := res.Doc().Find(`[data-testid="audit-event"]`).First()
	if first.AttrOr("data-action", "") != "member_added" || !strings.Contains(first.Find(`[data-testid="event-target"]`).Text(), "dev") {
		t.Fatalf("first row: %q", strings.Join(strings.Fields(first.Text()), " "))
	}
	if got := strings.TrimSpace(first.Find(`[data-testid="event-author"]`).Text()); got != "admin" {
		t.Errorf("author %q", got)
	}
	// A before/after pair reads "key: before → after".
	if err := a.store.SetFeatureFlag(context.Background(), models.ActorFor(a.users["admin"]), models.FlagSeatEmailsSM, false); err != nil {
		t.Fatal(err)
	}
	res = c.get("/admin/audit_events?action=feature_flag_changed")
	if got := strings.Join(strings.Fields(res.Text(`[data-testid="event-changes"]`)), " "); got != "Enabled: On → Off" {
		t.Errorf("changes %q", got)
	}
	// Filters: target user, actor, group with descendants, date range.
	res = c.get("/admin/audit_events?target_user=dev&group=acme")
	if got := eventActions(res); len(got) != 1 || got[0] != "member_added" ||
		!strings.Contains(res.Text(`[data-testid="event-changes"]`), "acme/sub") {
		t.Errorf("dev in acme: %v", got)
	}
	res = c.get("/admin/audit_events?actor=test")
	if n := len(eventActions(res)); n != 4 { // the harness's four users
		t.Errorf("actor=test: %d events", n)
	}
	today := models.Today()
	res = c.get("/admin/audit_events?from=" + today.AddDays(1).String())
	if n := len(eventActions(res)); n != 0 || res.Text(`[data-testid="events-empty"]`) == "" {
		t.Errorf("from tomorrow: %d events", n)
	}
	res = c.get("/admin/audit_events?from=" + today.String() + "&to=" + today.String() + "&action=group_created")
	if got := eventActions(res); len(got) != 3 {
		t.Errorf("groups created today: %v", got)
	}
	// Bad dates are the form's errors, with 422.
	res = c.get("/admin/audit_events?from=yesterday&to=2024-01-01")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if res.Doc().Find(`[data-field="from"]`).Length() != 1 {
		t.Error("no error under From")
	}
	res = c.get("/admin/audit_events?from=2024-02-01&to=2024-01-01")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	// Pagination keeps the filters, and so does the export link.
	for i := 0; i < 24; i++ {
		if err := a.store.SetFeatureFlag(context.Background(), models.ActorFor(a.users["admin"]), models.FlagSeatEmailsSM, i%2 == 0); err != nil {
			t.Fatal(err)
		}
	}
	res = c.get("/admin/audit_events?actor=admin&per_page=20")
	total := res.Text(`[data-testid="events-count"]`)
	next, ok := res.Doc().Find(`[data-testid="pagination"] a[rel="next"]`).Attr("href")
	if !ok {
		t.Fatalf("no next page with %s", total)
	}
	u, _ := url.Parse(next)
	if u.Query().Get("actor") != "admin" || u.Query().Get("page") != "2" {
		t.Errorf("next page %q loses the filter", next)
	}
	page2 := c.get(next)
	if eventActions(page2)[0] == eventActions(res)[0] && page2.Doc().Find(`[data-testid="audit-event"]`).First().AttrOr("data-event-id", "") ==
		res.Doc().Find(`[data-testid="audit-event"]`).First().AttrOr("data-event-id", "") {
		t.Error("page 2 repeats page 1")
	}
	if href, _ := res.Doc().Find(`[data-testid="export-csv"]`).Attr("href"); href != "/admin/audit_events/export.csv?actor=admin" {
		t.Errorf("export link %q", href)
	}
	_ = f
	// Auditors read it.
	wantStatus(t, a.as("support").get("/admin/audit_events"), http.StatusOK)
}

func TestGroupAuditEventsShowTheHierarchyOnly(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	f := newAuditFixture(t, a)
	c := a.as("owner")
	res := c.get("/groups/acme/-/audit_events")
	wantStatus(t, res, http.StatusOK)
	body := res.Text(`[data-testid="audit-events"]`)
	if strings.Contains(body, "other") || strings.Contains(body, "user_created") {
		t.Errorf("acme's page shows another group's or the instance's events:\n%s", body)
	}
	if got := eventActions(res); len(got) != 4 { // acme, sub created; owner, dev added
		t.Errorf("acme's events: %v", got)
	}
	res = c.get("/groups/acme/sub/-/audit_events")
	if got := eventActions(res); len(got) != 2 { // sub created, dev added to sub
		t.Errorf("sub's events: %v", got)
	}
	// Filtering to another hierarchy from acme's page finds nothing.
	if got := eventActions(c.get("/groups/acme/-/audit_events?group=other")); len(got) != 0 {
		t.Errorf("group=other on acme's page: %v", got)
	}
	if !strings.Contains(res.Body, `href="/groups/acme/sub/-/audit_events"`) {
		t.Error("no Audit events item in the group sidebar")
	}
	wantStatus(t, c.get("/groups/other/-/audit_events"), http.StatusNotFound)
	wantStatus(t, a.as("dev").get("/groups/acme/sub/-/audit_events"), http.StatusNotFound)
	// The export is scoped the same way.
	csvRes := c.get("/groups/acme/sub/-/audit_events/export.csv")
	wantStatus(t, csvRes, http.StatusOK)
	recs, err := csv.NewReader(strings.NewReader(csvRes.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("sub's export has %d rows: %q", len(recs), recs)
	}
	_ = f
}

func TestAuditExportIsFilteredCSV(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	newAuditFixture(t, a)
	res := a.as("admin").get("/admin/audit_events/export.csv?action=member_added&target_user=dev")
	wantStatus(t, res, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("content type %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "audit_events_instance_") {
		t.Errorf("disposition %q", cd)
	}
	recs, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0][0] != "ID" || recs[1][4] != "member_added" || recs[1][7] != "dev" || recs[1][2] != "admin" {
		t.Fatalf("export: %q", recs)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(recs[1][10]), &d); err != nil || d["source"] != "other" {
		t.Errorf("details column %q (%v)", recs[1][10], err)
	}
	wantStatus(t, a.as("admin").get("/admin/audit_events/export.csv?to=never"), http.StatusUnprocessableEntity)
}

// TestAuditExportStreams exports 100,000 events and checks, while the
// body is being read, that the heap holds no more than a few batches: a
// handler that loaded the list first would hold all of it (tens of MB).
func TestAuditExportStreams(t *testing.T) {
	// Not parallel: it measures the heap, which other tests would grow.
	if testing.Short() {
		t.Skip("100,000 events")
	}
	a := newApp(t, storetest.SQLite(t), models.SelfManaged)
	const n = 100000
	db, _ := a.store.SQLDB()
	if _, err := db.Exec(`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < $2)
		INSERT INTO audit_events (actor_name, action, target_type, target_name, details, created_at)
		SELECT 'admin', 'feature_flag_changed', 'FeatureFlag', 'a_rather_long_flag_name_to_make_rows_heavier_' || x,
			'{"enabled":{"before":false,"after":true},"note":"padding padding padding padding padding padding"}', $1 FROM g`,
		time.Now().UTC(), n); err != nil {
		t.Fatal(err)
	}
	c := a.as("admin")
	req, _ := http.NewRequest(http.MethodGet, a.http.URL+"/admin/audit_events/export.csv?action=feature_flag_changed", nil)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	lines, peak := 0, uint64(0)
	for {
		_, err := br.ReadSlice('\n')
		if err == io.EOF {
			break
		}
		if err != nil && err != bufio.ErrBufferFull {
			t.Fatal(err)
		}
		if err == nil {
			lines++
		}
		if lines%20000 == 10000 && err == nil {
			var m runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > before.HeapAlloc {
				peak = max(peak, m.HeapAlloc-before.HeapAlloc)
			}
		}
	}
	if lines != n+1 {
		t.Fatalf("%d lines, want %d", lines, n+1)
	}
	// 100,000 rows of ~250 bytes are 25 MB of text alone, more as structs.
	if peak > 8<<20 {
		t.Errorf("heap grew by %d MB while streaming: the export is not streamed", peak>>20)
	}
	t.Logf("heap growth while streaming: %d KB", peak>>10)
}

func TestAPIAuditEvents(t *testing.T) {
	t.Parallel()
	s := newSeatsAPI(t, models.SelfManaged)
	newAuditFixture(t, s.app)
	res := s.call(http.MethodGet, "/api/v4/audit_events?target_username=dev&per_page=1", "admin", "")
	if res.Status != http.StatusOK {
		t.Fatalf("status %d: %s", res.Status, res.Raw)
	}
	// user_created, personal_access_token_created (the test's token), two member_added.
	if res.Header.Get("X-Total") != "4" || res.Header.Get("X-Total-Pages") != "4" || res.Header.Get("X-Next-Page") != "2" ||
		!strings.Contains(res.Header.Get("Link"), "target_username=dev") {
		t.Errorf("pagination headers %v", res.Header)
	}
	var evs []map[string]any
	if err := json.Unmarshal([]byte(res.Raw), &evs); err != nil || len(evs) != 1 {
		t.Fatalf("body %s", res.Raw)
	}
	e := evs[0]
	author, _ := e["author"].(map[string]any)
	details, _ := e["details"].(map[string]any)
	if e["action"] != "member_added" || e["entity_type"] != "User" || e["entity_path"] != "dev" ||
		e["entity_id"] != float64(s.users["dev"].ID) || author["username"] != "admin" ||
		author["id"] != float64(s.users["admin"].ID) || details["source"] != "other" {
		t.Errorf("event %s", res.Raw)
	}
	if _, err := time.Parse(time.RFC3339, e["created_at"].(string)); err != nil {
		t.Errorf("created_at %v", e["created_at"])
	}
	// Filters: action, group with descendants, dates.
	res = s.call(http.MethodGet, "/api/v4/audit_events?action=group_created&group=acme", "support", "")
	if res.Status != http.StatusOK || res.Header.Get("X-Total") != "2" {
		t.Errorf("group_created in acme: %d %s", res.Status, res.Header.Get("X-Total"))
	}
	tomorrow := models.Today().AddDays(1).String()
	if res = s.call(http.MethodGet, "/api/v4/audit_events?created_after="+tomorrow, "admin", ""); res.Header.Get("X-Total") != "0" {
		t.Errorf("after tomorrow: %s", res.Header.Get("X-Total"))
	}
	if res = s.call(http.MethodGet, "/api/v4/audit_events?created_before="+models.Today().String(), "admin", ""); res.Header.Get("X-Total") == "0" {
		t.Error("created_before today (inclusive) found nothing")
	}
	if res = s.call(http.MethodGet, "/api/v4/audit_events?created_after=soon", "admin", ""); res.Status != http.StatusBadRequest {
		t.Errorf("bad date: %d", res.Status)
	}
	for role, want := range map[string]int{"owner": 403, "dev": 403, "": 401} {
		if res := s.call(http.MethodGet, "/api/v4/audit_events", role, ""); res.Status != want {
			t.Errorf("%s: %d, want %d", roleName(role), res.Status, want)
		}
	}
}

func TestAPIGroupAuditEvents(t *testing.T) {
	t.Parallel()
	s := newSeatsAPI(t, models.SelfManaged)
	f := newAuditFixture(t, s.app)
	path := "/api/v4/groups/" + strconv.FormatInt(f.sub.ID, 10) + "/audit_events"
	res := s.call(http.MethodGet, path, "owner", "")
	if res.Status != http.StatusOK || res.Header.Get("X-Total") != "2" {
		t.Fatalf("sub's events: %d %s %s", res.Status, res.Header.Get("X-Total"), res.Raw)
	}
	res = s.call(http.MethodGet, "/api/v4/groups/acme%2Fsub/audit_events?action=member_added", "owner", "")
	if res.Status != http.StatusOK || res.Header.Get("X-Total") != "1" {
		t.Errorf("by path: %d %s", res.Status, res.Header.Get("X-Total"))
	}
	other := "/api/v4/groups/" + strconv.FormatInt(f.other.ID, 10) + "/audit_events"
	for role, want := range map[string]int{"owner": 404, "dev": 404, "admin": 200, "support": 200} {
		if res := s.call(http.MethodGet, other, role, ""); res.Status != want {
			t.Errorf("other as %s: %d, want %d", role, res.Status, want)
		}
	}
}

func TestAdminUserGitlabDuoTab(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ctx := context.Background()
	actor := models.ActorFor(a.users["admin"])
	if err := a.store.SetInstancePlan(ctx, actor, models.PlanUltimate); err != nil {
		t.Fatal(err)
	}
	if err := a.store.SetInstanceDuoCore(ctx, actor, true); err != nil {
		t.Fatal(err)
	}
	p, err := a.store.CreatePurchase(ctx, actor, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoEnterprise, Quantity: 3,
		ExpiresOn: models.Today().AddDays(30), PurchaseXID: "A-S00000042"})
	if err != nil {
		t.Fatal(err)
	}
	dev := a.users["dev"]
	api, bulk := actor.WithSeatReason(models.SeatReasonAPI), actor.WithSeatReason(models.SeatReasonBulk)
	for _, step := range []func() error{
		func() error { _, err := a.store.AssignSeat(ctx, api, p.ID, dev.ID); return err },
		func() error { _, err := a.store.UnassignSeat(ctx, bulk, p.ID, dev.ID); return err },
		func() error { _, err := a.store.AssignSeat(ctx, actor, p.ID, dev.ID); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	res := a.as("support").get("/admin/users/dev/gitlab_duo")
	wantStatus(t, res, http.StatusOK)
	if tab := res.Doc().Find(`[data-testid="user-page-tabs"] a.active`).Text(); tab != "GitLab Duo" {
		t.Errorf("active tab %q", tab)
	}
	seat := res.Doc().Find(`[data-testid="duo-seat"]`)
	if seat.Length() != 1 || seat.AttrOr("data-purchase-xid", "") != "A-S00000042" ||
		strings.TrimSpace(seat.Find(`[data-testid="seat-namespace"]`).Text()) != "Instance" ||
		strings.TrimSpace(seat.Find(`[data-testid="seat-status"]`).Text()) != "Active" ||
		!strings.Contains(seat.Text(), "GitLab Duo Enterprise") {
		t.Errorf("seat row: %q", strings.Join(strings.Fields(seat.Text()), " "))
	}
	if res.Doc().Find(`[data-testid="duo-core-instance"]`).Length() != 1 {
		t.Error("Duo Core coverage of the instance not shown")
	}
	var hist []string
	res.Doc().Find(`[data-testid="duo-history-row"]`).Each(func(_ int, s *goquery.Selection) {
		hist = append(hist, s.AttrOr("data-event", "")+" "+strings.TrimSpace(s.Find(`[data-testid="history-reason"]`).Text())+
			" "+strings.TrimSpace(s.Find(`[data-testid="history-author"]`).Text())+" "+strings.TrimSpace(s.Find(`[data-testid="history-purchase"]`).Text()))
	})
	// Read from the seat ledger, newest first, each with its reason.
	want := []string{"gained Manual admin GitLab Duo Enterprise · A-S00000042",
		"lost Bulk admin GitLab Duo Enterprise · A-S00000042",
		"gained API admin GitLab Duo Enterprise · A-S00000042"}
	if strings.Join(hist, "\n") != strings.Join(want, "\n") {
		t.Errorf("history:\n%s", strings.Join(hist, "\n"))
	}
	if href, _ := res.Doc().Find(`[data-testid="access-check-link"]`).Attr("href"); href != "/admin/gitlab_duo/access_check?user=dev" {
		t.Errorf("access check link %q", href)
	}
	if res.Text(`[data-testid="last-duo-activity"]`) != "Never" {
		t.Errorf("last Duo activity %q", res.Text(`[data-testid="last-duo-activity"]`))
	}
	// The Account tab links to it.
	if !strings.Contains(a.as("admin").get("/admin/users/dev").Body, `href="/admin/users/dev/gitlab_duo"`) {
		t.Error("no GitLab Duo tab on the user page")
	}
	wantStatus(t, a.as("admin").get("/admin/users/nobody/gitlab_duo"), http.StatusNotFound)
}

func TestGroupMemberGitlabDuoTab(t *testing.T) {
	t.Parallel()
	a := newApp(t, storetest.Any(t), models.GitLabCom)
	f := newAuditFixture(t, a)
	ctx := context.Background()
	actor := models.ActorFor(a.users["admin"])
	dev := a.users["dev"]
	for _, g := range []*models.Group{f.acme, f.other} {
		p, err := a.store.CreatePurchase(ctx, actor, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoPro, NamespaceID: &g.ID,
			Quantity: 2, ExpiresOn: models.Today().AddDays(30), PurchaseXID: "A-S-" + g.Path})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.store.AssignSeat(ctx, actor, p.ID, dev.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.store.SetGroupDuoCore(ctx, actor, f.acme, true); err != nil {
		t.Fatal(err)
	}
	c := a.as("owner")
	members := c.get("/groups/acme/sub/-/group_members")
	link, ok := members.Doc().Find(`[data-username="dev"] [data-testid="member-duo-link"]`).Attr("href")
	want := "/groups/acme/sub/-/group_members/" + strconv.FormatInt(f.devInSub.ID, 10) + "/gitlab_duo"
	if !ok || link != want {
		t.Fatalf("members page links %q, want %q", link, want)
	}
	res := c.get(link)
	wantStatus(t, res, http.StatusOK)
	// Only acme's seat and history: the owner does not see other's.
	var xids []string
	res.Doc().Find(`[data-testid="duo-seat"]`).Each(func(_ int, s *goquery.Selection) { xids = append(xids, s.AttrOr("data-purchase-xid", "")) })
	if strings.Join(xids, ",") != "A-S-acme" {
		t.Errorf("seats %v", xids)
	}
	if n := res.Doc().Find(`[data-testid="duo-history-row"]`).Length(); n != 1 {
		t.Errorf("%d history rows, want acme's 1", n)
	}
	if got := res.Text(`[data-testid="duo-core-groups"]`); got != "acme" {
		t.Errorf("Duo Core through %q", got)
	}
	if href, _ := res.Doc().Find(`[data-testid="access-check-link"]`).Attr("href"); href != "/groups/acme/-/settings/gitlab_duo/access_check?user=dev" {
		t.Errorf("access check link %q", href)
	}
	// An inherited membership (owner's, in acme) is listed on sub's page too.
	var ownerM int64
	ms, err := a.store.Members(ctx, models.GroupSource(f.acme), models.Page{Number: 1, PerPage: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms.Items {
		if m.UserID == a.users["owner"].ID {
			ownerM = m.ID
		}
	}
	wantStatus(t, c.get("/groups/acme/sub/-/group_members/"+strconv.FormatInt(ownerM, 10)+"/gitlab_duo"), http.StatusOK)
	// A membership of another group is not this group's member.
	wantStatus(t, c.get("/groups/acme/sub/-/group_members/"+strconv.FormatInt(f.devInOther.ID, 10)+"/gitlab_duo"), http.StatusNotFound)
	wantStatus(t, c.get("/groups/acme/sub/-/group_members/x/gitlab_duo"), http.StatusNotFound)
	wantStatus(t, a.as("dev").get(link), http.StatusNotFound)
	// Projects' members pages have no Duo tab.
	if _, err := a.store.CreateProject(ctx, actor, f.acme, models.ProjectInput{Path: "web", Name: "Web"}); err != nil {
		t.Fatal(err)
	}
	if n := c.get("/acme/web/-/project_members").Doc().Find(`[data-testid="member-duo-link"]`).Length(); n != 0 {
		t.Errorf("project members page has %d Duo links", n)
	}
}

package handlers_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
)

const (
	smHistory  = smBulk + "/history"
	comHistory = comBulk + "/history"
)

// ledgerRow is one hand-written ledger row for insertLedger.
type ledgerRow struct {
	user   string
	event  string
	reason string
	actor  string
	at     time.Time
}

// insertLedger writes rows straight into seat_events with SQL, as a bulk
// change over years would have left them.
func insertLedger(t *testing.T, a *seatsApp, rows []ledgerRow) {
	t.Helper()
	db, err := a.store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, r := range rows {
		if _, ok := ids[r.user]; !ok {
			u, err := a.store.UserByUsername(context.Background(), r.user)
			if err != nil {
				t.Fatal(r.user, err)
			}
			ids[r.user] = u.ID
		}
	}
	tx, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if _, err := tx.Exec(`INSERT INTO seat_events (add_on_purchase_id, user_id, event, reason, actor_name, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, a.purchase.ID, ids[r.user], r.event, r.reason, r.actor, r.at.UTC()); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

var historyBase = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// smHistoryApp: the self-managed seats app with a small hand-built ledger.
func smHistoryApp(t *testing.T) *seatsApp {
	a := smSeatsApp(t, 5)
	insertLedger(t, a, []ledgerRow{
		{"alice", models.SeatGained, models.SeatReasonManual, "admin", historyBase},
		{"bob", models.SeatGained, models.SeatReasonBulk, "admin", historyBase.Add(24 * time.Hour)},
		{"alice", models.SeatLost, models.SeatReasonMembershipRemoved, "GitLab Duo automation", historyBase.Add(48 * time.Hour)},
		{"carol", models.SeatGained, models.SeatReasonAPI, "=HYPERLINK(\"http://evil\")", historyBase.Add(72 * time.Hour)},
	})
	return a
}

func historyRows(t *testing.T, r *response) []string {
	t.Helper()
	var out []string
	r.Doc().Find(`[data-testid="seat-event"]`).Each(func(_ int, s *goquery.Selection) {
		cell := func(id string) string { return strings.TrimSpace(s.Find(`[data-testid="` + id + `"]`).Text()) }
		out = append(out, strings.Join([]string{cell("event-user"), cell("event-event"), cell("event-reason"), cell("event-actor")}, " | "))
	})
	return out
}

func TestSeatHistoryScreenRowsAndFilters(t *testing.T) {
	t.Parallel()
	a := smHistoryApp(t)
	c := a.as("admin")

	r := c.get(smHistory)
	wantStatus(t, r, http.StatusOK)
	want := []string{
		`carol | Gained | API | =HYPERLINK("http://evil")`,
		"alice | Lost | Membership removed | GitLab Duo automation",
		"bob | Gained | Bulk | admin",
		"alice | Gained | Manual | admin",
	}
	if got := historyRows(t, r); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if href, _ := r.Doc().Find(`[data-testid="event-user"] a`).First().Attr("href"); href != "/admin/users/carol/gitlab_duo" {
		t.Fatalf("user link %q, want carol's GitLab Duo page", href)
	}
	if n := r.Doc().Find(`#filter_reason option`).Length(); n != len(models.SeatReasons)+1 {
		t.Fatalf("%d reason options, want every ledger reason and All", n)
	}

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"username=alice", []string{"alice | Lost", "alice | Gained"}},
		{"username=%40alice&reason=manual", []string{"alice | Gained"}},
		{"reason=bulk", []string{"bob | Gained"}},
		{"from=2026-03-02&to=2026-03-03", []string{"alice | Lost", "bob | Gained"}},
		{"to=2026-03-01", []string{"alice | Gained"}},
		{"username=nobody", nil},
	} {
		r := c.get(smHistory + "?" + tc.query)
		wantStatus(t, r, http.StatusOK)
		var got []string
		for _, row := range historyRows(t, r) {
			parts := strings.Split(row, " | ")
			got = append(got, parts[0]+" | "+parts[1])
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: rows %v, want %v", tc.query, got, tc.want)
		}
	}
	// The form shows the filters it applied.
	r = c.get(smHistory + "?username=alice&reason=manual&from=2026-03-01")
	if v, _ := r.Doc().Find(`#filter_username`).Attr("value"); v != "alice" {
		t.Fatalf("username field %q", v)
	}
	if v := r.Doc().Find(`#filter_reason option[selected]`).AttrOr("value", ""); v != "manual" {
		t.Fatalf("reason selected %q", v)
	}
	// The exports carry the filters.
	if href := r.Doc().Find(`[data-testid="export-ndjson"]`).AttrOr("href", ""); !strings.Contains(href, "reason=manual") || !strings.Contains(href, "username=alice") {
		t.Fatalf("export link %q drops the filters", href)
	}
}

func TestSeatHistoryBadFiltersAre422(t *testing.T) {
	t.Parallel()
	a := smHistoryApp(t)
	c := a.as("admin")
	for query, field := range map[string]string{
		"reason=nope":                    "reason",
		"from=yesterday":                 "from",
		"to=2026-13-45":                  "to",
		"from=2026-03-05&to=2026-03-01":  "to",
		"reason=%3Cscript%3E&from=bogus": "reason",
	} {
		r := c.get(smHistory + "?" + query)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if r.Doc().Find(`.field-error[data-field="`+field+`"]`).Length() != 1 {
			t.Errorf("%s: no field error on %s", query, field)
		}
		if r.Doc().Find(`[data-testid="seat-event"]`).Length() != 0 {
			t.Errorf("%s: rows shown for a filter that was not applied", query)
		}
		if strings.Contains(r.Body, "<script>") {
			t.Errorf("%s: the bad value came back unescaped", query)
		}
		for _, ext := range []string{"csv", "ndjson"} {
			wantStatus(t, c.get(smHistory+"/export."+ext+"?"+query), http.StatusUnprocessableEntity)
		}
	}
}

func TestSeatHistoryPaginationKeepsFilters(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 5)
	var rows []ledgerRow
	for i := range 45 {
		rows = append(rows, ledgerRow{"alice", models.SeatGained, models.SeatReasonBulk, "admin", historyBase.Add(time.Duration(i) * time.Minute)})
		rows = append(rows, ledgerRow{"bob", models.SeatGained, models.SeatReasonBulk, "admin", historyBase.Add(time.Duration(i) * time.Minute)})
	}
	insertLedger(t, a, rows)
	c := a.as("admin")
	r := c.get(smHistory + "?username=alice&reason=bulk")
	wantStatus(t, r, http.StatusOK)
	if got := r.Text(`[data-testid="events-count"]`); got != "45 seat events" {
		t.Fatalf("count %q", got)
	}
	next, ok := r.Doc().Find(`[data-testid="pagination"] a[rel="next"]`).Attr("href")
	if !ok {
		t.Fatal("no next page")
	}
	u, _ := url.Parse(next)
	if u.Path != smHistory || u.Query().Get("username") != "alice" || u.Query().Get("reason") != "bulk" || u.Query().Get("page") != "2" {
		t.Fatalf("next page %q does not keep the filters", next)
	}
	r = c.get(next)
	wantStatus(t, r, http.StatusOK)
	got := historyRows(t, r)
	if want := min(models.PerPageChoices[0], 45-models.PerPageChoices[0]); len(got) != want {
		t.Fatalf("page 2 has %d rows, want %d", len(got), want)
	}
	for _, row := range got {
		if !strings.HasPrefix(row, "alice |") {
			t.Fatalf("page 2 lost the filter: %s", row)
		}
	}
}

// The exports stream more rows than one batch, in the screen's order, each
// row once, in both formats; ties in time across a batch boundary are
// neither lost nor repeated (keyset on time and id).
func TestSeatHistoryExportsMoreThanOneBatch(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 5)
	const n = models.SeatEventExportBatch + 106 // the batch boundary splits rows 105-107, which share a time
	users := []string{"alice", "bob", "carol"}
	var rows []ledgerRow
	for i := range n {
		ev := models.SeatGained
		if i%2 == 1 {
			ev = models.SeatLost
		}
		// Three rows a second: many share a time, some across the batch boundary.
		rows = append(rows, ledgerRow{users[i%3], ev, models.SeatReasons[i%len(models.SeatReasons)], "actor" + strconv.Itoa(i),
			historyBase.Add(time.Duration(i/3) * time.Second)})
	}
	rows[0].actor = "=cmd|' /C calc'!A0"
	insertLedger(t, a, rows)
	c := a.as("admin")

	r := c.get(smHistory + "/export.csv")
	wantStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	records, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != n+1 || strings.Join(records[0], ",") != "Date,User,Event,Reason,Actor" {
		t.Fatalf("%d records (want %d and a header), header %v", len(records), n+1, records[0])
	}
	seen := map[string]bool{}
	for i, rec := range records[1:] {
		want := rows[n-1-i] // newest first; among equal times, the later insert first
		if rec[1] != want.user || rec[2] != want.event || rec[3] != want.reason || seen[rec[4]] {
			t.Fatalf("record %d %v, want %v", i, rec, want)
		}
		seen[rec[4]] = true
		if rec[0] != want.at.Format(time.RFC3339) {
			t.Fatalf("record %d time %s, want %s", i, rec[0], want.at.Format(time.RFC3339))
		}
	}
	if last := records[n]; last[4] != "'=cmd|' /C calc'!A0" {
		t.Fatalf("formula not defused: %q", last[4])
	}

	r = c.get(smHistory + "/export.ndjson")
	wantStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-ndjson") {
		t.Fatalf("content type %q", ct)
	}
	sc := bufio.NewScanner(strings.NewReader(r.Body))
	i := 0
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %d not JSON: %s", i, sc.Text())
		}
		want := rows[n-1-i]
		if line["username"] != want.user || line["event"] != want.event || line["reason"] != want.reason || line["actor"] != want.actor ||
			line["created_at"] != want.at.Format(time.RFC3339) {
			t.Fatalf("line %d %v, want %v", i, line, want)
		}
		i++
	}
	if i != n {
		t.Fatalf("%d lines, want %d", i, n)
	}

	// Same filters as the screen.
	r = c.get(smHistory + "/export.ndjson?username=bob&reason=" + models.SeatReasons[1])
	wantStatus(t, r, http.StatusOK)
	wantLines := 0
	for _, row := range rows {
		if row.user == "bob" && row.reason == models.SeatReasons[1] {
			wantLines++
		}
	}
	if got := strings.Count(r.Body, "\n"); got != wantLines || wantLines == 0 {
		t.Fatalf("filtered export has %d lines, want %d", got, wantLines)
	}
}

func TestSeatHistoryLinkedFromSeatUtilization(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 5)
	r := a.as("admin").get(smBulk)
	wantStatus(t, r, http.StatusOK)
	if href := r.Doc().Find(`[data-testid="seat-history-link"]`).AttrOr("href", ""); href != smHistory {
		t.Fatalf("seat history link %q, want %s", href, smHistory)
	}
}

// Who may not manage the seats gets a 404 and not one row of the ledger,
// on the screen or in an export.
func TestSeatHistoryDenied(t *testing.T) {
	t.Parallel()
	a := smHistoryApp(t)
	for _, path := range []string{smHistory, smHistory + "/export.csv", smHistory + "/export.ndjson"} {
		for _, who := range []string{"dev", "owner"} {
			r := a.as(who).get(path)
			wantStatus(t, r, http.StatusNotFound)
			for _, leak := range []string{"carol", "HYPERLINK", "membership_removed", "Membership removed"} {
				if strings.Contains(r.Body, leak) {
					t.Fatalf("%s as %s: %q in the answer", path, who, leak)
				}
			}
		}
	}
	// Anonymous: sent to sign in, nothing else.
	r := a.client().get(smHistory + "/export.csv")
	if r.StatusCode == http.StatusOK || strings.Contains(r.Body, "carol") {
		t.Fatalf("anonymous export: %d %s", r.StatusCode, snippet(r.Body))
	}
}

// GitLab.com: the group owner reads the group purchase's history; a
// developer of the group gets nothing.
func TestSeatHistoryGitLabCom(t *testing.T) {
	t.Parallel()
	a := comSeatsApp(t, 5)
	insertLedger(t, a, []ledgerRow{
		{"dev", models.SeatGained, models.SeatReasonManual, "owner", historyBase},
		{"pat", models.SeatLost, models.SeatReasonExpired, "GitLab Duo automation", historyBase.Add(time.Hour)},
	})
	r := a.as("owner").get(comHistory)
	wantStatus(t, r, http.StatusOK)
	want := []string{"pat | Lost | Expired | GitLab Duo automation", "dev | Gained | Manual | owner"}
	if got := historyRows(t, r); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rows %v, want %v", got, want)
	}
	if href := a.as("owner").get(comBulk).Doc().Find(`[data-testid="seat-history-link"]`).AttrOr("href", ""); href != comHistory {
		t.Fatalf("seat history link %q", href)
	}
	r = a.as("owner").get(comHistory + "/export.csv?reason=expired")
	wantStatus(t, r, http.StatusOK)
	if strings.Count(r.Body, "\n") != 2 || !strings.Contains(r.Body, "pat,lost,expired") {
		t.Fatalf("export %q", r.Body)
	}
	for _, path := range []string{comHistory, comHistory + "/export.csv", comHistory + "/export.ndjson"} {
		r := a.as("dev").get(path)
		wantStatus(t, r, http.StatusNotFound)
		if strings.Contains(r.Body, "pat") && strings.Contains(r.Body, "expired") {
			t.Fatalf("%s as dev: ledger in the answer", path)
		}
	}
}

// On GitLab.com a username links to the user's page the viewer may open:
// the GitLab Duo tab of their membership of the group for its owners
// (none for a user who is no direct member), the admin area's page for
// administrators; and the link opens.
func TestSeatHistoryGitLabComLinksUsers(t *testing.T) {
	t.Parallel()
	a := comSeatsApp(t, 5)
	insertLedger(t, a, []ledgerRow{
		{"dev", models.SeatGained, models.SeatReasonManual, "owner", historyBase},
		{"pat", models.SeatGained, models.SeatReasonManual, "owner", historyBase.Add(time.Hour)},
	})
	links := func(as string) map[string]string {
		out := map[string]string{}
		a.as(as).get(comHistory).Doc().Find(`[data-testid="seat-history"] tbody tr`).Each(func(_ int, tr *goquery.Selection) {
			name := strings.TrimSpace(tr.Find("td").Eq(1).Text())
			out[name] = tr.Find("td").Eq(1).Find("a").AttrOr("href", "")
		})
		return out
	}
	got := links("owner")
	if got["pat"] != "" || !strings.HasPrefix(got["dev"], "/groups/acme/-/group_members/") || !strings.HasSuffix(got["dev"], "/gitlab_duo") {
		t.Fatalf("owner's links %v", got)
	}
	r := a.as("owner").get(got["dev"])
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(r.Body, "dev") {
		t.Fatal("the member page does not name the user")
	}
	if got := links("admin"); got["pat"] != "/admin/users/pat/gitlab_duo" || got["dev"] != "/admin/users/dev/gitlab_duo" {
		t.Fatalf("admin's links %v", got)
	}
}

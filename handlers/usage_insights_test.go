package handlers_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"duoadmin/models"
)

// usageApp: the seats app with alice and bob holding seats, a snapshot two
// days ago and one today (yesterday has none), and use by alice.
func usageApp(t *testing.T, a *seatsApp, user1, user2 string) models.Date {
	t.Helper()
	ctx := context.Background()
	a.assign(user1, user2)
	today := models.Today()
	at := func(days, hour int) string {
		return today.AddDays(days).Time.Add(time.Duration(hour) * time.Hour).Format(time.RFC3339)
	}
	if _, err := a.store.ApplyUsageEvents(ctx, []models.UsageEvent{
		{ID: "u1", Username: user1, Feature: "code_suggestions", OccurredAt: at(-2, 9)},
		{ID: "u2", Username: user1, Feature: "duo_chat", OccurredAt: at(0, 0)},
	}); err != nil {
		t.Fatal(err)
	}
	for _, now := range []time.Time{today.AddDays(-2).Time.Add(23 * time.Hour), time.Now()} {
		if _, err := a.store.SnapshotUsage(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	return today
}

// svgsWellFormed parses every <svg> of the page as XML and checks it is
// labelled.
func svgsWellFormed(t *testing.T, body string) int {
	t.Helper()
	n := 0
	for rest := body; ; n++ {
		i := strings.Index(rest, "<svg")
		if i < 0 {
			return n
		}
		j := strings.Index(rest[i:], "</svg>")
		svg := rest[i : i+j+len("</svg>")]
		rest = rest[i+j:]
		if strings.Contains(svg, `class="s16`) || strings.Contains(svg, "<use") {
			n-- // an icon, not a chart
			continue
		}
		d := xml.NewDecoder(strings.NewReader(svg))
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("chart SVG is not well-formed: %v\n%s", err, svg)
			}
		}
		if !strings.Contains(svg, `role="img"`) || !strings.Contains(svg, "<title") {
			t.Errorf("chart SVG without role or title: %s", svg)
		}
	}
}

func TestUsageTabShowsChartsAndTables(t *testing.T) {
	t.Parallel()
	for name, mk := range map[string]func(*testing.T, int) *seatsApp{"self-managed": smSeatsApp, "gitlab.com": comSeatsApp} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := mk(t, 5)
			u1, u2 := "alice", "bob"
			if name == "gitlab.com" {
				u1, u2 = "dev", "pat"
			}
			today := usageApp(t, a, u1, u2)
			viewer := "admin"
			if name == "gitlab.com" {
				viewer = "owner"
			}
			c := a.as(viewer)
			bulk := c.get(a.bulk)
			if bulk.StatusCode != http.StatusOK || !strings.Contains(bulk.Body, `data-testid="tab-usage"`) {
				t.Fatalf("the seat table has no Usage tab: %d", bulk.StatusCode)
			}
			res := c.get(a.bulk + "/usage")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("usage: %d %s", res.StatusCode, snippet(res.Body))
			}
			if n := svgsWellFormed(t, res.Body); n < 4 {
				t.Errorf("%d chart SVGs, want at least 4", n)
			}
			doc, _ := goquery.NewDocumentFromReader(strings.NewReader(res.Body))
			// The purchase started 10 days ago: 11 days, two with data.
			rows := doc.Find(`[data-testid="table-seats"] tbody tr`)
			if rows.Length() != 11 {
				t.Errorf("%d daily rows, want 11 (since the purchase started)", rows.Length())
			}
			row := func(day models.Date) string {
				var out string
				rows.Each(func(_ int, s *goquery.Selection) {
					if s.Find("th").Text() == day.String() {
						out = cells(s)
					}
				})
				return out
			}
			for day, want := range map[models.Date]string{
				today.AddDays(-2): today.AddDays(-2).String() + " 5 2 1",
				today.AddDays(-1): today.AddDays(-1).String() + " — — —",
				today:             today.String() + " 5 2 1",
			} {
				if got := row(day); got != want {
					t.Errorf("row %s = %q, want %q", day, got, want)
				}
			}
			active := cells(doc.Find(`[data-testid="table-active"] tbody`))
			if active != "Last 7 days 1 2 50.0 Last 28 days 1 2 50.0" {
				t.Errorf("active table %q", active)
			}
			idle := cells(doc.Find(`[data-testid="table-idle"] tbody`))
			if idle != "Never used 1 Idle 30–59 days 0 Idle 60–89 days 0 Idle 90+ days 0" {
				t.Errorf("idle table %q", idle)
			}
			csvRes := c.get(a.bulk + "/usage/export.csv?chart=features")
			recs, err := csv.NewReader(strings.NewReader(csvRes.Body)).ReadAll()
			if err != nil || len(recs) != 12 || strings.Join(recs[0], ",") != "Date,Code Suggestions,Chat,Others" ||
				strings.Join(recs[9], ",") != today.AddDays(-2).String()+",1,0,0" || strings.Join(recs[11], ",") != today.String()+",0,1,0" {
				t.Errorf("features CSV (%v): %v", err, recs)
			}
			if r := c.get(a.bulk + "/usage/export.csv?chart=nope"); r.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("unknown chart: %d", r.StatusCode)
			}
		})
	}
}

// cells is a table body's cells, space-separated.
func cells(s *goquery.Selection) string {
	var out []string
	s.Find("th, td").Each(func(_ int, c *goquery.Selection) { out = append(out, strings.TrimSpace(c.Text())) })
	return strings.Join(out, " ")
}

func TestUsageAPIJSONAndNDJSON(t *testing.T) {
	t.Parallel()
	a := smSeatsApp(t, 5)
	today := usageApp(t, a, "alice", "bob")
	tok := a.duoToken("admin")
	get := func(q, accept string) (int, string, string) {
		req, _ := http.NewRequest(http.MethodGet, a.http.URL+"/api/v4/add_on_purchases/"+strconv.FormatInt(a.purchase.ID, 10)+"/usage"+q, nil)
		req.Header.Set("PRIVATE-TOKEN", tok)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Content-Type"), string(b)
	}
	st, _, body := get("", "")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(body), &rows); err != nil || st != http.StatusOK || len(rows) != 2 ||
		rows[0]["date"] != today.AddDays(-2).String() || rows[1]["active"] != 1.0 || rows[1]["chat_uses"] != 1.0 {
		t.Fatalf("JSON %d: %s", st, body)
	}
	var ct string
	st, ct, body = get("?from="+today.String()+"&to="+today.String(), "application/x-ndjson")
	if st != http.StatusOK || !strings.HasPrefix(ct, "application/x-ndjson") || strings.Count(body, "\n") != 1 ||
		!strings.Contains(body, `"date":"`+today.String()+`"`) {
		t.Fatalf("NDJSON %d %s: %s", st, ct, body)
	}
	for _, q := range []string{"?from=yesterday", "?from=2026-02-01&to=2026-01-01"} {
		if st, _, body := get(q, ""); st != http.StatusBadRequest {
			t.Errorf("%s: %d %s", q, st, body)
		}
	}
}

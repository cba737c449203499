package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"

	"duoadmin/models"
	"duoadmin/models/seed"
)

// usagePage: the group's Usage tab (GET …/-/usage_quotas/gitlab_duo/usage)
// as the signed-in owner sees it over HTTP — the session, the snapshots of
// the last 90 days, the live seat figures, the per-subgroup table's first
// page, and all five charts drawn as SVG on the server (four charts and a
// bar per row of the per-subgroup table) — against the floor:
// the page's raw queries written by hand (bench/floors/usage_page_*.sql).

// usageCharts is how many SVG charts the tab draws above its per-subgroup
// table, which draws one SVG bar per row.
const usageCharts = 4

var csrfInput = regexp.MustCompile(`name="authenticity_token" value="([^"]+)"`)

// ownerBrowser signs the group owner in and returns their cookie-keeping client.
func (b *bench) ownerBrowser(ctx context.Context) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page, _, err := fetch(ctx, hc, b.baseURL+"/users/sign_in")
	if err != nil {
		return nil, err
	}
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("sign-in page without an authenticity_token")
	}
	form := url.Values{"authenticity_token": {m[1]}, "user[login]": {seed.SyntheticOwner}, "user[password]": {seed.DemoPassword}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.baseURL+"/users/sign_in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in as %s: status %d", seed.SyntheticOwner, resp.StatusCode)
	}
	return hc, nil
}

func fetch(ctx context.Context, hc *http.Client, u string) (string, int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := hc.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), resp.StatusCode, err
}

func (b *bench) usagePage(ctx context.Context) ([]Result, error) {
	hc, err := b.ownerBrowser(ctx)
	if err != nil {
		return nil, err
	}
	pageURL := b.baseURL + "/groups/" + b.syn.Root.FullPath + "/-/usage_quotas/gitlab_duo/usage"
	today := models.Today()
	from, _ := models.UsageWindow(b.syn.Purchase, today)
	vars := map[string]any{"root": b.syn.Root.ID, "purchase": b.syn.Purchase.ID, "from": from.String(), "today": today.String()}
	var stmts []struct {
		q    string
		args []any
	}
	for _, f := range []string{"usage_page_days.sql", "usage_page_activity.sql", "usage_page_groups.sql"} {
		q, args, err := floorStatement(f, vars)
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, struct {
			q    string
			args []any
		}{q, args})
	}
	days, groups := 0, 0
	product := func() error {
		body, status, err := fetch(ctx, hc, pageURL)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return fmt.Errorf("usage page: status %d", status)
		}
		if n := strings.Count(body, "<svg"); n < usageCharts+groups {
			return fmt.Errorf("usage page: %d SVG elements, want %d charts and %d bars", n, usageCharts, groups)
		}
		return nil
	}
	floor := func() error {
		for i, st := range stmts {
			rows, err := b.db.QueryContext(ctx, st.q, st.args...)
			if err != nil {
				return fmt.Errorf("usage_page floor %d: %w", i, err)
			}
			n, err := drain(rows)
			if err != nil {
				return err
			}
			switch i {
			case 0:
				days = n
			case 2:
				groups = n
			}
		}
		return nil
	}
	// Warm both; the floor must find the 90 days and a page of subgroups,
	// and the page must draw a bar for each.
	if err := floor(); err != nil {
		return nil, err
	}
	if err := product(); err != nil {
		return nil, err
	}
	if days == 0 || groups == 0 {
		return nil, fmt.Errorf("usage_page: the floor found %d snapshot days and %d subgroups; the organisation was seeded without usage (drop the database to reseed it)", days, groups)
	}
	got, base, err := alternate(b.cfg.pageRuns, nil, product, floor)
	if err != nil {
		return nil, err
	}
	return []Result{ratioResult("usage_page", fmt.Sprintf("%d seats, %d days of snapshots, %d subgroups on the page", b.size.Assigned, days, groups), got, base)}, nil
}

func drain(rows *sql.Rows) (int, error) {
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

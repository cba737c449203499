package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"duoadmin/models/seed"
)

// mapFirstScreenMS is the bound on the map's first screen.
const mapFirstScreenMS = 300

var (
	csrfField = regexp.MustCompile(`name="authenticity_token" value="([^"]+)"`)
	mapCounts = regexp.MustCompile(`data-testid="map-counts">([0-9,]+) groups and projects on, ([0-9,]+) off, ([0-9,]+) lock`)
)

// availabilityMap: the availability map's first screen as the group's
// owner opens it (GET through the served handler: session, counts, the
// first level, rendering) against the floor a database engineer would
// write for that screen's data (bench/floors/availability_map_counts.sql
// and availability_map_level.sql). Product and floor runs alternate.
func (b *bench) availabilityMap(ctx context.Context) ([]Result, error) {
	client, err := b.signedIn(ctx, seed.SyntheticOwner, seed.DemoPassword)
	if err != nil {
		return nil, err
	}
	page := b.baseURL + "/groups/" + b.syn.Root.FullPath + "/-/settings/gitlab_duo/availability_map"
	var shown [3]int64
	run := func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, page, nil)
		if err != nil {
			return err
		}
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			return err
		}
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("availability_map: GET %s: %s", page, res.Status)
		}
		m := mapCounts.FindSubmatch(body)
		if m == nil {
			return fmt.Errorf("availability_map: no counts on the page")
		}
		for i := range shown {
			shown[i], _ = strconv.ParseInt(strings.ReplaceAll(string(m[i+1]), ",", ""), 10, 64)
		}
		return nil
	}
	vars := map[string]any{"root": b.syn.Root.ID}
	countsQ, countsArgs, err := floorStatement("availability_map_counts.sql", vars)
	if err != nil {
		return nil, err
	}
	levelQ, levelArgs, err := floorStatement("availability_map_level.sql", vars)
	if err != nil {
		return nil, err
	}
	var floorCounts [3]int64
	floor := func() error {
		if err := b.db.QueryRowContext(ctx, countsQ, countsArgs...).Scan(&floorCounts[0], &floorCounts[1], &floorCounts[2]); err != nil {
			return err
		}
		rows, err := b.db.QueryContext(ctx, levelQ, levelArgs...)
		if err != nil {
			return err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("empty level")
		}
		return nil
	}
	// Warm both, and check they agree on the counts.
	if err := run(); err != nil {
		return nil, err
	}
	if err := floor(); err != nil {
		return nil, fmt.Errorf("availability_map floor (bench/floors/availability_map_*.sql): %w", err)
	}
	if shown != floorCounts {
		return nil, fmt.Errorf("availability_map: the page counts %v (on, off, locks), the floor %v", shown, floorCounts)
	}
	got, base, err := alternate(b.cfg.pageRuns, nil, run, floor)
	if err != nil {
		return nil, err
	}
	r := ratioResult("availability_map/first_screen",
		fmt.Sprintf("%d groups and %d projects, first level of %s", b.syn.Groups+1, b.syn.Projects, b.syn.Root.FullPath), got, base)
	r.Target = fmt.Sprintf("ratio <= 3, p50 < %d ms", mapFirstScreenMS)
	r.Pass = r.Pass && r.P50ms < mapFirstScreenMS
	r.Notes = "GET of the owner's map page (session, counts, level, HTML) vs the counts and level floors"
	return []Result{r}, nil
}

// signedIn is a client holding a session of username, signed in through
// the sign-in form as a browser would.
func (b *bench) signedIn(ctx context.Context, username, password string) (*http.Client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (string, int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return "", 0, err
		}
		res, err := client.Do(req)
		if err != nil {
			return "", 0, err
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		return string(body), res.StatusCode, err
	}
	form, _, err := get(b.baseURL + "/users/sign_in")
	if err != nil {
		return nil, err
	}
	m := csrfField.FindStringSubmatch(form)
	if m == nil {
		return nil, fmt.Errorf("sign-in: no authenticity token on the form")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.baseURL+"/users/sign_in", strings.NewReader(url.Values{
		"authenticity_token": {m[1]}, "user[login]": {username}, "user[password]": {password}}.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusFound {
		return nil, fmt.Errorf("sign-in as %s: %s", username, res.Status)
	}
	return client, nil
}

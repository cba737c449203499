package models_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

func usageEvent(id, user, feature, at string, project *string) models.UsageEvent {
	return models.UsageEvent{ID: id, Username: user, Feature: feature, OccurredAt: at, Project: project}
}

func usageDates(t *testing.T, s *models.Store, u *models.User) (string, string) {
	t.Helper()
	fresh, err := s.UserByID(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	day, at := "", ""
	if fresh.LastDuoActivityOn != nil {
		day = fresh.LastDuoActivityOn.String()
	}
	if fresh.LastCodeSuggestionsUsageAt != nil {
		at = fresh.LastCodeSuggestionsUsageAt.UTC().Format(time.RFC3339Nano)
	}
	return day, at
}

func wantUsageDates(t *testing.T, s *models.Store, u *models.User, day, at string) {
	t.Helper()
	if gotDay, gotAt := usageDates(t, s, u); gotDay != day || gotAt != at {
		t.Fatalf("%s: last_duo_activity_on %q, last_code_suggestions_usage_at %q; want %q, %q", u.Username, gotDay, gotAt, day, at)
	}
}

func usageRows(t *testing.T, s *models.Store) int {
	t.Helper()
	db, _ := s.SQLDB()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM duo_usage_events").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestApplyUsageEvents(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		ann := mkUser(t, s, "ann", models.StateActive, false)
		bob := mkUser(t, s, "bob", models.StateActive, false)
		acme, err := s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: "acme", Name: "Acme", Plan: models.PlanUltimate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateProject(ctx, tester, acme, models.ProjectInput{Path: "web", Name: "Web"}); err != nil {
			t.Fatal(err)
		}
		web, nope, blank := "ACME/Web", "acme/nope", ""
		future := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
		events := []models.UsageEvent{
			usageEvent("e1", "ann", "code_suggestions", "2026-01-10T10:00:00Z", &web),
			usageEvent("e2", "ANN", "duo_chat", "2026-01-12T08:00:00+02:00", nil),
			usageEvent("e3", "bob", "explain_code", "2026-01-05T23:30:00-01:00", &blank),
			usageEvent("e1", "ann", "code_suggestions", "2026-01-10T10:00:00Z", &web),
			usageEvent("x1", "ghost", "duo_chat", "2026-01-10T10:00:00Z", nil),
			usageEvent("x2", "ann", "time_travel", "2026-01-10T10:00:00Z", nil),
			usageEvent("x3", "ann", "duo_chat", "yesterday", nil),
			usageEvent("x4", "ann", "duo_chat", "2026-01-10T10:00:00Z", &nope),
			usageEvent("", "ann", "duo_chat", "2026-01-10T10:00:00Z", nil),
			usageEvent("x6", "ann", "duo_chat", future, nil),
			{ID: "x7", Invalid: "feature must be a string"},
			usageEvent("x8", "", "duo_chat", "2026-01-10T10:00:00Z", nil),
		}
		res, err := s.ApplyUsageEvents(ctx, events)
		if err != nil {
			t.Fatal(err)
		}
		want := models.UsageResult{Accepted: 4, Rejected: []models.UsageRejection{
			{Index: 4, ID: "x1", Error: `unknown user "ghost"`},
			{Index: 5, ID: "x2", Error: `unknown feature "time_travel"`},
			{Index: 6, ID: "x3", Error: `occurred_at is not an RFC 3339 timestamp (e.g. 2026-06-15T09:30:00Z): "yesterday"`},
			{Index: 7, ID: "x4", Error: `unknown project "acme/nope"`},
			{Index: 8, ID: "", Error: "id is missing"},
			{Index: 9, ID: "x6", Error: fmt.Sprintf("occurred_at is in the future: %q", future)},
			{Index: 10, ID: "x7", Error: "feature must be a string"},
			{Index: 11, ID: "x8", Error: "username is missing"},
		}}
		if !reflect.DeepEqual(res, want) {
			t.Fatalf("result\n%+v\nwant\n%+v", res, want)
		}
		if n := usageRows(t, s); n != 3 {
			t.Fatalf("%d events recorded, want 3 (the duplicate once)", n)
		}
		// Dates are UTC days: bob's 23:30 at -01:00 is the 6th.
		wantUsageDates(t, s, ann, "2026-01-12", "2026-01-10T10:00:00Z")
		wantUsageDates(t, s, bob, "2026-01-06", "")

		// Forward only; an id already applied changes nothing, even with
		// another time; sub-second order counts.
		res, err = s.ApplyUsageEvents(ctx, []models.UsageEvent{
			usageEvent("e1", "ann", "code_suggestions", "2026-02-01T00:00:00Z", nil),
			usageEvent("e4", "ann", "code_suggestions", "2026-01-01T00:00:00Z", nil),
			usageEvent("e5", "ann", "code_suggestions", "2026-01-11T00:00:00.5Z", nil),
			usageEvent("e6", "ann", "code_suggestions", "2026-01-11T00:00:00Z", nil),
			usageEvent("e7", "bob", "duo_chat", "2025-12-31T00:00:00Z", nil),
		})
		if err != nil || res.Accepted != 5 || len(res.Rejected) != 0 {
			t.Fatalf("second batch: %+v %v", res, err)
		}
		wantUsageDates(t, s, ann, "2026-01-12", "2026-01-11T00:00:00.5Z")
		wantUsageDates(t, s, bob, "2026-01-06", "")
		if _, err := s.ApplyUsageEvents(ctx, []models.UsageEvent{
			usageEvent("e8", "ann", "code_suggestions", "2026-01-11T00:00:00.55Z", nil),
			usageEvent("e9", "ann", "code_suggestions", "2026-01-11T00:00:00.499Z", nil),
		}); err != nil {
			t.Fatal(err)
		}
		wantUsageDates(t, s, ann, "2026-01-12", "2026-01-11T00:00:00.55Z")

		// A stored time in another zone compares as a time, not as text.
		db, _ := s.SQLDB()
		plus2 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("", 2*3600))
		if _, err := db.Exec("UPDATE users SET last_code_suggestions_usage_at = $1 WHERE id = $2", plus2, bob.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApplyUsageEvents(ctx, []models.UsageEvent{
			usageEvent("b1", "bob", "code_suggestions", "2026-03-01T09:30:00Z", nil),
		}); err != nil {
			t.Fatal(err)
		}
		wantUsageDates(t, s, bob, "2026-03-01", "2026-03-01T10:00:00Z")
		if _, err := s.ApplyUsageEvents(ctx, []models.UsageEvent{
			usageEvent("b2", "bob", "code_suggestions", "2026-03-01T11:00:00Z", nil),
		}); err != nil {
			t.Fatal(err)
		}
		wantUsageDates(t, s, bob, "2026-03-01", "2026-03-01T11:00:00Z")

		// Nothing valid: nothing written.
		before := usageRows(t, s)
		res, err = s.ApplyUsageEvents(ctx, []models.UsageEvent{usageEvent("z", "ghost", "duo_chat", "2026-01-01T00:00:00Z", nil)})
		if err != nil || res.Accepted != 0 || len(res.Rejected) != 1 || usageRows(t, s) != before {
			t.Fatalf("all rejected: %+v %v", res, err)
		}
		res, err = s.ApplyUsageEvents(ctx, nil)
		if err != nil || res.Accepted != 0 || res.Rejected == nil {
			t.Fatalf("empty call: %+v %v", res, err)
		}
	})
}

func TestApplyUsageEventsFullBatch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		var users []*models.User
		for i := range 20 {
			users = append(users, mkUser(t, s, fmt.Sprintf("u%02d", i), models.StateActive, false))
		}
		base := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
		events := make([]models.UsageEvent, models.MaxUsageEvents)
		for i := range events {
			feature := "duo_chat"
			if i%2 == 0 {
				feature = "code_suggestions"
			}
			at := base.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
			events[i] = usageEvent(fmt.Sprintf("ev-%05d", i), users[i%20].Username, feature, at, nil)
		}
		start := time.Now()
		res, err := s.ApplyUsageEvents(ctx, events)
		if err != nil || res.Accepted != models.MaxUsageEvents || len(res.Rejected) != 0 {
			t.Fatalf("%+v %v", res.Accepted, err)
		}
		t.Logf("%d events applied in %v", len(events), time.Since(start))
		if n := usageRows(t, s); n != models.MaxUsageEvents {
			t.Fatalf("%d rows", n)
		}
		// u00's newest is event 9980 (code_suggestions), u01's 9981 (chat).
		last := func(i int) time.Time { return base.Add(time.Duration(i) * time.Minute) }
		wantUsageDates(t, s, users[0], models.DateOf(last(9980)).String(), last(9980).Format(time.RFC3339Nano))
		wantUsageDates(t, s, users[1], models.DateOf(last(9981)).String(), "")
		wantUsageDates(t, s, users[2], models.DateOf(last(9982)).String(), last(9982).Format(time.RFC3339Nano))

		// Sent again: all accepted, nothing recorded twice.
		if res, err = s.ApplyUsageEvents(ctx, events); err != nil || res.Accepted != models.MaxUsageEvents {
			t.Fatalf("again: %+v %v", res.Accepted, err)
		}
		if n := usageRows(t, s); n != models.MaxUsageEvents {
			t.Fatalf("%d rows after a repeat", n)
		}
		if _, err := s.ApplyUsageEvents(ctx, append(events, events[0])); !errors.Is(err, models.ErrTooManyUsageEvents) {
			t.Fatalf("10,001 events: %v", err)
		}
	})
}

func TestParseUsageEvent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		raw  string
		want models.UsageEvent
	}{
		{`{"id":"a","username":"ann","feature":"duo_chat","occurred_at":"2026-01-01T00:00:00Z","project":null,"extra":1}`,
			usageEvent("a", "ann", "duo_chat", "2026-01-01T00:00:00Z", nil)},
		{`{"id":"b","username":"ann","feature":7}`, models.UsageEvent{ID: "b", Invalid: "feature must be a string"}},
		{`{"id":"c","project":{"path":"x"}}`, models.UsageEvent{ID: "c", Invalid: "project must be a full path or null"}},
		{`{"id":5}`, models.UsageEvent{Invalid: "id must be a string"}},
		{`"hello"`, models.UsageEvent{Invalid: "not an event object"}},
		{`[1]`, models.UsageEvent{Invalid: "not an event object"}},
		{`{"id":"d",`, models.UsageEvent{Invalid: "not valid JSON"}},
	}
	for _, c := range cases {
		if got := models.ParseUsageEvent([]byte(c.raw)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %+v, want %+v", c.raw, got, c.want)
		}
	}
}

package models_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"duoadmin/models"
	"duoadmin/models/access"
	"duoadmin/models/storetest"
)

// cachedReads reads facts on s and tells whether the cache answered (no
// statement ran).
type cachedReads struct {
	t *testing.T
	s *models.Store
	n interface{ Load() int32 }
}

func newCachedReads(t *testing.T, s *models.Store) cachedReads {
	return cachedReads{t: t, s: s, n: counting(s)}
}

// facts asks as the access API does (a member's own question); a group or
// project they may not see is ErrNotFound, returned as found == false.
func (r cachedReads) facts(d models.Deployment, u *models.User, kind access.ResourceKind, path string) (f access.Facts, found, served bool) {
	r.t.Helper()
	before := r.n.Load()
	f, err := r.s.AccessFactsAsMember(context.Background(), d, u, models.ResourceRef{Kind: kind, Path: path})
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		r.t.Fatal(err)
	}
	return f, err == nil, r.n.Load() == before
}

func (r cachedReads) served(d models.Deployment, u *models.User, kind access.ResourceKind, path string) bool {
	r.t.Helper()
	_, _, served := r.facts(d, u, kind, path)
	return served
}

// warm reads each question twice, so that each is cached, and fails if
// the second read was not served.
func (r cachedReads) warm(qs ...question) {
	r.t.Helper()
	for _, q := range qs {
		r.facts(q.d, q.u, q.kind, q.path)
		if !r.served(q.d, q.u, q.kind, q.path) {
			r.t.Fatalf("%s about %s: the second read was not served from the cache", q.u.Username, q.path)
		}
	}
}

type question struct {
	d    models.Deployment
	u    *models.User
	kind access.ResourceKind
	path string
}

func (q question) String() string { return fmt.Sprintf("%s about %s (%s)", q.u.Username, q.path, q.d) }

// A change that names one user retires that user's entries only: another
// user's facts and token are still served. On the instance that commits it
// this holds at once (no listener here: nothing but the commit retires).
func TestAccessCacheOwnCommitRetiresItsUser(t *testing.T) {
	t.Parallel()
	s := storetest.PostgresOnly(t)
	ctx := context.Background()
	w := newFoldWorld(t, s)
	proj, guest := w.users["proj"], w.users["guest"]
	projToken, err := s.CreatePersonalAccessToken(ctx, tester, proj, "ide", nil)
	if err != nil {
		t.Fatal(err)
	}
	guestToken, err := s.CreatePersonalAccessToken(ctx, tester, guest, "ide", nil)
	if err != nil {
		t.Fatal(err)
	}
	s.SetAccessCacheLive(true)
	r := newCachedReads(t, s)
	projApp := question{models.GitLabCom, proj, access.ResourceProject, "alpha/mid/deep/app"}
	guestTop := question{models.GitLabCom, guest, access.ResourceProject, "alpha/top"}
	r.warm(projApp, guestTop)
	for _, tok := range []string{projToken, guestToken} {
		for range 2 {
			if _, err := s.UserByToken(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
	}
	gen := s.AccessCacheGeneration()

	if _, err := s.AssignSeat(ctx, tester, w.alphaPro.ID, proj.ID); err != nil {
		t.Fatal(err)
	}
	f, _, served := r.facts(projApp.d, proj, projApp.kind, projApp.path)
	if served || len(f.Seats) != 1 {
		t.Fatalf("%v after its seat was assigned here: served from the cache %v, %d seats (want a fresh read, 1)", projApp, served, len(f.Seats))
	}
	if !r.served(guestTop.d, guest, guestTop.kind, guestTop.path) {
		t.Errorf("%v was retired by a seat change of proj", guestTop)
	}
	before := r.n.Load()
	if _, err := s.UserByToken(ctx, guestToken); err != nil || r.n.Load() != before {
		t.Errorf("guest's token after proj's seat change: %v, %d statements (want none)", err, r.n.Load()-before)
	}
	if g := s.AccessCacheGeneration(); g != gen {
		t.Errorf("a seat change retired everything %d times", g-gen)
	}
}

// Another instance's changes, through its Store: a seat or membership
// retires its user's entries only, a group's setting the entries of the
// resources below it (for every user), a top-level group's Duo Core every
// GitLab.com entry (any of its users' facts may name it).
func TestAccessCacheRetiresWhatAnotherInstanceChanged(t *testing.T) {
	t.Parallel()
	a, b := storetest.PostgresTwins(t)
	ctx := context.Background()
	listening(t, a)
	w := newFoldWorld(t, b)
	settled(t, a)
	proj, guest, outsider, mid := w.users["proj"], w.users["guest"], w.users["outsider"], w.users["mid"]
	r := newCachedReads(t, a)
	projApp := question{models.GitLabCom, proj, access.ResourceProject, "alpha/mid/deep/app"}
	guestTop := question{models.GitLabCom, guest, access.ResourceProject, "alpha/top"}
	guestZ := question{models.SelfManaged, guest, access.ResourceProject, "Zeta/z"}
	midApp := question{models.SelfManaged, mid, access.ResourceProject, "alpha/mid/deep/app"}
	midGroup := question{models.SelfManaged, mid, access.ResourceGroup, "alpha/mid"}
	outsiderApp := question{models.SelfManaged, outsider, access.ResourceProject, "alpha/mid/deep/app"}
	all := []question{projApp, guestTop, guestZ, midApp, midGroup, outsiderApp}
	// expect waits until the change's notification has come (the changed
	// question is read fresh), then checks which are still served.
	expect := func(what string, changes uint64, kept map[question]bool) {
		t.Helper()
		eventually(t, 3*time.Second, what+": the notification did not arrive", func() bool { return a.AccessCacheChanges() > changes })
		settled(t, a)
		for _, q := range all {
			if got := r.served(q.d, q.u, q.kind, q.path); got != kept[q] {
				t.Errorf("%s: %v served from the cache = %v, want %v", what, q, got, kept[q])
			}
		}
		r.warm(all...)
	}
	if _, found, _ := r.facts(outsiderApp.d, outsider, outsiderApp.kind, outsiderApp.path); found {
		t.Fatal("outsider sees alpha/mid/deep/app before being a member")
	}
	r.warm(all...)

	changes := a.AccessCacheChanges()
	if _, err := b.AssignSeat(ctx, tester, w.alphaPro.ID, proj.ID); err != nil {
		t.Fatal(err)
	}
	expect("a seat for proj", changes, map[question]bool{guestTop: true, guestZ: true, midApp: true, midGroup: true, outsiderApp: true})
	if f, _, _ := r.facts(projApp.d, proj, projApp.kind, projApp.path); len(f.Seats) != 1 {
		t.Errorf("proj's seat: %d seats seen", len(f.Seats))
	}

	// A membership of a group: the member's entries go, those below the
	// group among them, everyone else's stay.
	changes = a.AccessCacheChanges()
	if _, err := b.AddMember(ctx, tester, models.GroupSource(w.groups["alpha/mid"]), outsider, models.Developer); err != nil {
		t.Fatal(err)
	}
	expect("outsider joins alpha/mid", changes, map[question]bool{projApp: true, guestTop: true, guestZ: true, midApp: true, midGroup: true})
	if _, found, _ := r.facts(outsiderApp.d, outsider, outsiderApp.kind, outsiderApp.path); !found {
		t.Error("outsider, now a member of alpha/mid, still may not see alpha/mid/deep/app")
	}

	// A group's setting: every entry about alpha/mid or below goes,
	// whoever asked; alpha/top (beside it) and Zeta stay.
	changes = a.AccessCacheChanges()
	if _, err := b.SetGroupDuoAvailability(ctx, tester, w.groups["alpha/mid"], models.NeverOn); err != nil {
		t.Fatal(err)
	}
	expect("alpha/mid never on", changes, map[question]bool{guestTop: true, guestZ: true})
	if f, _, _ := r.facts(midApp.d, mid, midApp.kind, midApp.path); f.Resource.DuoEnabled {
		t.Error("alpha/mid/deep/app is still on after alpha/mid was set to never on")
	}

	// Zeta's Duo Core: guest is a member of Zeta, so every GitLab.com
	// entry may hold it among its paid groups; self-managed ones stay.
	changes = a.AccessCacheChanges()
	if err := b.SetGroupDuoCore(ctx, tester, w.groups["Zeta"], true); err != nil {
		t.Fatal(err)
	}
	expect("Zeta's Duo Core", changes, map[question]bool{guestZ: false, midApp: true, midGroup: true, outsiderApp: true})
	f, _, _ := r.facts(guestTop.d, guest, guestTop.kind, guestTop.path)
	core := false
	for _, g := range f.PaidGroups {
		core = core || (g.Path == "Zeta" && g.DuoCore)
	}
	if !core {
		t.Errorf("guest's paid groups after Zeta's Duo Core was turned on: %+v", f.PaidGroups)
	}
}

// A read of one user's facts under way while a change to another user
// commits is kept; one under way while a change to its own user commits is
// not (TestAccessCacheChangeDuringRead).
func TestAccessCacheReadKeptAcrossOtherUsersChange(t *testing.T) {
	t.Parallel()
	a, b := storetest.PostgresTwins(t)
	listening(t, a)
	w := newFoldWorld(t, b)
	settled(t, a)
	r := newCachedReads(t, a)
	done := false
	a.OnStatement(func(sql string) {
		if done || len(sql) < 4 || sql[:4] != "WITH" {
			return
		}
		done = true
		g := a.AccessCacheChanges()
		w.seat(t, b, w.alphaPro, "guest")
		eventually(t, 3*time.Second, "guest's seat was not notified", func() bool { return a.AccessCacheChanges() > g })
	})
	r.facts(models.GitLabCom, w.users["proj"], access.ResourceProject, "alpha/mid/deep/app")
	if !done {
		t.Fatal("the facts statement was not seen")
	}
	if !r.served(models.GitLabCom, w.users["proj"], access.ResourceProject, "alpha/mid/deep/app") {
		t.Error("proj's read was not kept though the change under way was guest's")
	}
}

// A statement naming more than pg_notify's payload can carry retires
// everything rather than nothing.
func TestAccessCacheOverlongChangeRetiresEverything(t *testing.T) {
	t.Parallel()
	a, b := storetest.PostgresTwins(t)
	listening(t, a)
	g := settled(t, a)
	gen := a.AccessCacheGeneration()
	db, _ := b.SQLDB()
	if _, err := db.Exec(`SELECT access_changed_send('u:' || string_agg(n::text, ',')) FROM generate_series(1000, 4000) n`); err != nil {
		t.Fatal(err)
	}
	eventually(t, 3*time.Second, "the change was not notified", func() bool { return a.AccessCacheChanges() > g })
	if a.AccessCacheGeneration() != gen+1 {
		t.Errorf("3,001 users named: everything retired %d times, want once", a.AccessCacheGeneration()-gen)
	}
}

// During a rolling upgrade an instance of the previous version listens on
// the old channel and empties its cache on an empty payload only: every
// change still sends it one, so it never serves what a targeted change
// would have retired.
func TestAccessChangeStillTellsThePreviousVersion(t *testing.T) {
	t.Parallel()
	s := storetest.PostgresOnly(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := mkUser(t, s, "dev", models.StateActive, false)
	conn, err := pgx.Connect(ctx, s.PostgresDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN duoadmin_access_changed"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetUserState(ctx, tester, u.ID, models.StateBlocked); err != nil {
		t.Fatal(err)
	}
	n, err := conn.WaitForNotification(ctx)
	if err != nil {
		t.Fatalf("no notification on the old channel: %v", err)
	}
	if n.Payload != "" {
		t.Errorf("old channel payload %q, want empty (the previous version ignores anything else)", n.Payload)
	}
}

// A statement over more rows than a notification lists (a cascade, a bulk
// change) retires everything without reading its rows' ids, even when
// they would name few: 600 tokens of one user.
func TestAccessCacheLargeStatementRetiresEverything(t *testing.T) {
	t.Parallel()
	a, b := storetest.PostgresTwins(t)
	listening(t, a)
	u := mkUser(t, b, "dev", models.StateActive, false)
	g := settled(t, a)
	gen := a.AccessCacheGeneration()
	db, _ := b.SQLDB()
	if _, err := db.Exec(`INSERT INTO personal_access_tokens (user_id, name, token_digest)
		SELECT $1, 'bulk', md5(n::text) FROM generate_series(1, 600) n`, u.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 3*time.Second, "the change was not notified", func() bool { return a.AccessCacheChanges() > g })
	if a.AccessCacheGeneration() != gen+1 {
		t.Errorf("600 rows: everything retired %d times, want once", a.AccessCacheGeneration()-gen)
	}
}

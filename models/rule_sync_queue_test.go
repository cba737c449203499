package models_test

import (
	"context"
	"slices"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// A queued change to users of an LDAP group rule looks only those users up
// (not the group's names a thousand at a time) and matches them as a full
// sync does: by username or email, any case, the excluded left out. After
// the queue, the full sync has nothing left to do.
func TestQueuedLDAPChangeMatchesAsTheFullSync(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s0 *models.Store) {
		ctx := context.Background()
		dir := &fakeDirectory{members: map[string][]string{}}
		s := s0.WithDirectory(dir)
		p := smEmptyPurchase(t, s, 40)
		var ids []int64
		for _, n := range []string{"ann", "bob", "cid", "dee", "eve"} {
			ids = append(ids, mkUser(t, s, n, models.StateActive, false).ID)
		}
		mkUser(t, s, "gone", models.StateBlocked, false)
		dir.set("duo-users", []string{"someone-else"}, nil)
		if _, err := s.ChangeRule(ctx, tester, p.ID, models.RuleChange{Op: models.RuleCreate, Input: models.RuleInput{
			SourceKind: models.RuleSourceLDAPGroup, Source: "duo-users", Mode: models.RuleModeAssignRemove, Excluded: "dee"}}, false); err != nil {
			t.Fatal(err)
		}
		// ann by username in capitals, bob by email with spaces, dee
		// excluded, gone blocked; cid and eve are not in the group.
		dir.set("duo-users", []string{"ANN", " Bob@Example.com ", "dee", "gone", "someone-else"}, nil)
		if err := s.QueueRuleSync(ctx, append(ids, mustUserID(t, s, "gone"))...); err != nil {
			t.Fatal(err)
		}
		if got := holderNames(t, s, p); !slices.Equal(got, []string{"ann", "bob"}) {
			t.Fatalf("holders after the queue: %v, want ann and bob", got)
		}
		d, err := s.PreviewRuleSync(ctx, p.ID)
		if err != nil || !d.Empty() {
			t.Fatalf("the full sync would still change %+v (%v)", d, err)
		}
	})
}

// More queued rows than one batch: the queue is applied to the end, each
// batch in its own transaction.
func TestRuleQueueDrainsPastOneBatch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := newRuleWorld(t, s, 0, 100)
		w.addRule(t, platformDevs)
		db, _ := s.SQLDB()
		late := mkUser(t, s, "late", models.StateActive, false)
		if _, err := db.Exec(`INSERT INTO members (user_id, source_type, source_id, access_level) VALUES ($1, 'Namespace', $2, 30)`,
			late.ID, w.platform.ID); err != nil {
			t.Fatal(err)
		}
		// 1,500 rows: a full batch of the same user, then the rest.
		if _, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)
			INSERT INTO rule_sync_queue (user_id, created_at) SELECT $1, CURRENT_TIMESTAMP FROM n`, w.users["rep"].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO rule_sync_queue (user_id, created_at) VALUES ($1, CURRENT_TIMESTAMP)`, late.ID); err != nil {
			t.Fatal(err)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM rule_sync_queue"); n != 1501 {
			t.Fatalf("%d queued rows, want 1501", n)
		}
		n, err := s.ProcessRuleQueue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Fatalf("applied %d changes, want 3 (rep in two batches, then rep and late)", n)
		}
		if left := sqlCount(t, s, "SELECT count(*) FROM rule_sync_queue"); left != 0 {
			t.Fatalf("%d rows left in the queue", left)
		}
		if got := holderNames(t, s, w.p); !slices.Contains(got, "late") {
			t.Fatalf("late has no seat: %v", got)
		}
	})
}

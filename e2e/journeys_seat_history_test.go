package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/views/components"
)

// TestJourneySupportReadsWhyASeatWasGainedAndLost: olivia assigned seats to
// three developers in one bulk action; later an administrator blocked
// backend-02, which took the seat. Support signs in, opens backend-02's
// GitLab Duo page and reads, newest first, when and why the seat was
// gained and lost, and by whom.
func TestJourneySupportReadsWhyASeatWasGainedAndLost(t *testing.T) {
	s, _, p := seatGroup(t, 50)
	ctx0 := context.Background()
	olivia, err := s.store.UserByUsername(ctx0, "olivia")
	if err != nil {
		t.Fatal(err)
	}
	s.person("sam", "Sam Support", true, "auditor")
	admin := s.person("ada", "Ada Admin", false, "admin")
	ids := []int64{}
	for _, n := range []string{"backend-01", "backend-02", "backend-03"} {
		u, _ := s.store.UserByUsername(ctx0, n)
		ids = append(ids, u.ID)
	}
	if _, err := s.store.BulkAssignSeats(ctx0, models.ActorFor(olivia).WithSeatReason(models.SeatReasonBulk), p.ID, ids); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.SetUserState(ctx0, models.ActorFor(admin), ids[1], models.StateBlocked); err != nil {
		t.Fatal(err)
	}

	ctx := journeyBrowser(t)
	signInAs(t, ctx, s, "sam")
	open(t, ctx, s, "/admin/users/backend-02/gitlab_duo", 200)
	shot(t, ctx, "support-reads-seat-history")
	wantTextOf(t, ctx, `[data-testid="duo-history"] h2`, "Seat assignment history")
	rows := texts(t, ctx, `[data-testid="duo-history-row"]`)
	if len(rows) != 2 {
		t.Fatalf("history rows %q, want the loss and the gain", rows)
	}
	if got, want := attrs(t, ctx, `[data-testid="duo-history-row"]`, "data-event"), []string{"gained", "lost"}; !slices.Equal(got, want) {
		t.Errorf("events (sorted) %v, want one gained and one lost", got)
	}
	if got, want := texts(t, ctx, `[data-testid="history-reason"]`), []string{"Blocked", "Bulk"}; !slices.Equal(got, want) {
		t.Errorf("reasons %v, want %v", got, want)
	}
	if got, want := texts(t, ctx, `[data-testid="history-author"]`), []string{models.Automation.Username, "olivia"}; !slices.Equal(got, want) {
		t.Errorf("authors %v, want %v", got, want)
	}
	today := components.Date(models.Today())
	for _, r := range rows {
		if !strings.Contains(r, today) || !strings.Contains(r, "A-S00012345") {
			t.Errorf("row %q does not say when (%s) or which purchase", r, today)
		}
	}
	// Newest first: the loss, then the gain.
	if !strings.Contains(rows[0], "Removed") || !strings.Contains(rows[1], "Assigned") {
		t.Errorf("rows %q, want the removal first", rows)
	}
}

package components

import (
	"testing"
	"time"

	"duoadmin/models"
)

func TestOneDateFormat(t *testing.T) {
	at := time.Date(2026, time.May, 9, 16, 5, 7, 0, time.FixedZone("CEST", 2*3600))
	for _, c := range []struct{ got, want string }{
		{Date(models.NewDate(2026, time.May, 9)), "May 9, 2026"},
		{Day(at), "May 9, 2026"},
		{DateTime(at), "May 9, 2026, 14:05 UTC"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

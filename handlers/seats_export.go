package handlers

import (
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// The seat table as CSV, streamed (csv_download.go).

// exportSeats streams the filtered table as CSV, a batch at a time, so
// 100,000 rows never sit in memory; a failed read breaks the download off
// (finishCSV).
func (s *Server) exportSeats(c echo.Context, sc seatScope) error {
	p, err := s.seatPurchase(c, sc)
	if err != nil {
		return err
	}
	if p == nil {
		return errNotFound
	}
	req := parseSeatRequest(c.QueryParams())
	w := newCSVDownload(c, "gitlab_duo_seats_"+sc.exportName+"_"+models.Today().String()+".csv")
	if err := w.Write(seatCSVHeader); err != nil {
		return err
	}
	err = s.store.EachSeatRow(c.Request().Context(), p, req.filter, func(r models.SeatRow) error {
		email := ""
		if r.PublicEmail {
			email = r.Email
		}
		role := ""
		if r.MaxRole.Valid() {
			role = r.MaxRole.String()
		}
		assignedAt := ""
		if r.AssignedAt != nil {
			assignedAt = r.AssignedAt.UTC().Format(time.RFC3339)
		}
		return w.Write([]string{csvCell(r.Username), csvCell(r.Name), csvCell(email), role,
			strconv.FormatBool(r.Assigned()), assignedAt, csvDate(r.LastActivityOn), csvDate(r.LastDuoActivityOn)})
	})
	return s.finishCSV(w, err)
}

func csvDate(d *models.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// csvCell keeps a spreadsheet from running a name such as "=HYPERLINK(…)"
// as a formula.
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// exportSlug keeps the file name to characters every system accepts.
func exportSlug(v string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, v)
}

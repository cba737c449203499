package models_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// Pages in the second half are read from the other end and turned around;
// every page of every sort must still be exactly its slice of the whole
// table, with ties and empty dates in the mix.
func TestSeatTablePagesFromEitherEndAgree(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		db, _ := s.SQLDB()
		if _, err := db.Exec("UPDATE instance_settings SET plan = 'ultimate'"); err != nil {
			t.Fatal(err)
		}
		const n = 45
		for i := range n {
			u := mkUser(t, s, fmt.Sprintf("u%02d", i), models.StateActive, false)
			// Names repeat (ties broken by id), a third never active.
			if _, err := db.Exec("UPDATE users SET name = $1, last_activity_on = CASE WHEN $2 % 3 = 0 THEN NULL ELSE CURRENT_DATE END, last_duo_activity_on = CASE WHEN $2 % 4 = 0 THEN NULL ELSE CURRENT_DATE END WHERE id = $3",
				fmt.Sprintf("Name %d", i%7), i, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		p, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro,
			Quantity: 5, ExpiresOn: models.Today().AddDays(30)})
		if err != nil {
			t.Fatal(err)
		}
		usernames := func(rows []models.SeatRow) []string {
			out := make([]string, len(rows))
			for i, r := range rows {
				out[i] = r.Username
			}
			return out
		}
		for sort := range models.SeatSorts {
			whole, err := s.SeatTablePage(ctx, p, models.SeatFilter{Sort: sort}, 1, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if whole.Total < n || len(whole.Items) != int(whole.Total) {
				t.Fatalf("%s: whole table %d rows of %d", sort, len(whole.Items), whole.Total)
			}
			var paged []string
			for page := 1; ; page++ {
				res, err := s.SeatTablePage(ctx, p, models.SeatFilter{Sort: sort}, page, 20)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Items) == 0 {
					break
				}
				paged = append(paged, usernames(res.Items)...)
			}
			if want := usernames(whole.Items); !slices.Equal(paged, want) {
				t.Errorf("%s: pages of 20 read\n%v\nwant\n%v", sort, paged, want)
			}
		}
	})
}

func TestReversedSortsAreTheirOpposites(t *testing.T) {
	t.Parallel()
	for _, pair := range [][2]string{{"name_asc", "name_desc"}, {"last_activity_on_asc", "last_activity_on_desc"},
		{"last_duo_activity_on_asc", "last_duo_activity_on_desc"}} {
		if got := models.ReverseOrder(models.SeatSorts[pair[0]]); got != models.SeatSorts[pair[1]] {
			t.Errorf("reversed %s = %q, want %s's %q", pair[0], got, pair[1], models.SeatSorts[pair[1]])
		}
	}
}

// The seat search looks in the username, the name and the public email,
// never in a private email, and a match never spans two of them.
func TestSeatSearchFields(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		db, _ := s.SQLDB()
		if _, err := db.Exec("UPDATE instance_settings SET plan = 'ultimate'"); err != nil {
			t.Fatal(err)
		}
		for _, u := range []struct{ username, name, email string }{
			{"ada", "Ada Lovelace", "countess@analytical.example"},
			{"grace", "Grace Hopper", "cobol@navy.example"},
		} {
			created, err := s.CreateUser(ctx, tester, models.UserInput{Username: u.username, Name: u.name, Email: u.email})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec("UPDATE users SET public_email = $1 WHERE id = $2", u.username == "ada", created.ID); err != nil {
				t.Fatal(err)
			}
		}
		p, err := s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro,
			Quantity: 5, ExpiresOn: models.Today().AddDays(30)})
		if err != nil {
			t.Fatal(err)
		}
		for search, want := range map[string]string{
			"LOVELACE":      "ada",   // name, any case
			"  gra ":        "grace", // username, trimmed
			"analytical":    "ada",   // public email
			"navy.example":  "",      // private email
			"ada\nada":      "",      // a line break is a space, not a field boundary
			"hopper\ncobol": "",
		} {
			res, err := s.SeatTable(ctx, p, models.SeatFilter{Search: search}, models.Page{Number: 1, PerPage: 20})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range res.Items {
				got = append(got, r.Username)
			}
			if (want == "" && len(got) != 0) || (want != "" && (len(got) != 1 || got[0] != want)) {
				t.Errorf("search %q found %v, want %q", search, got, want)
			}
		}
	})
}

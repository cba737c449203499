package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"duoadmin/models"
	"duoadmin/models/seed"
)

type demoLogin struct{ Username, Password, Role string }

// loadDemoIfEmpty loads the demo organisation into a database without
// users, and returns the demo accounts that can still sign in with the demo
// password, so every start-up can print them.
func loadDemoIfEmpty(ctx context.Context, s *models.Store) ([]demoLogin, error) {
	c, err := s.CountUsers(ctx)
	if err != nil {
		return nil, err
	}
	if c.Total == 0 {
		// Another instance may be seeding at the same moment; then its demo stands.
		if _, err := seed.Demo(ctx, s, models.Today()); err != nil && !errors.Is(err, models.ErrDatabaseNotEmpty) {
			return nil, err
		}
	}
	return demoLogins(ctx, s)
}

// demoLogins lists the active demo accounts whose password is still the
// demo password; bcrypt is slow, so they are checked in parallel.
func demoLogins(ctx context.Context, s *models.Store) ([]demoLogin, error) {
	ok := make([]bool, len(seed.DemoAccounts))
	errs := make([]error, len(seed.DemoAccounts))
	var wg sync.WaitGroup
	for i, a := range seed.DemoAccounts {
		wg.Go(func() {
			u, err := s.UserByUsername(ctx, a.Username)
			if errors.Is(err, models.ErrNotFound) {
				return
			}
			if err != nil {
				errs[i] = err
				return
			}
			ok[i] = u.Active() && u.PasswordMatches(seed.DemoPassword)
		})
	}
	wg.Wait()
	var out []demoLogin
	for i, a := range seed.DemoAccounts {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if ok[i] {
			out = append(out, demoLogin{Username: a.Username, Password: seed.DemoPassword, Role: a.Role})
		}
	}
	return out, nil
}

func printLogins(w io.Writer, logins []demoLogin) {
	if len(logins) == 0 {
		return
	}
	fmt.Fprintln(w, "\nDemo logins (username / password):")
	for _, l := range logins {
		fmt.Fprintf(w, "  %-8s / %-22s %s\n", l.Username, l.Password, l.Role)
	}
}

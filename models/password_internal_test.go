package models

import (
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// An unknown login is compared with a hash of the same cost as a real one,
// so that it takes as long as a wrong password.
func TestUnknownLoginCostsAPasswordCompare(t *testing.T) {
	// Not parallel: it compares timings.
	// A Store with no database: only its options and dummy hash are used.
	opts := Options{PasswordCost: bcrypt.MinCost + 2}.withDefaults()
	s := &Store{opts: opts, dummyHash: newDummyHash(opts.PasswordCost)}
	cost, err := bcrypt.Cost(s.dummyHash)
	if err != nil || cost != opts.PasswordCost {
		t.Fatalf("dummy hash cost %d (%v), want the Store's %d", cost, err, opts.PasswordCost)
	}
	hash, err := s.HashPassword("the-real-password")
	if err != nil {
		t.Fatal(err)
	}
	real := &User{PasswordHash: hash}
	median := func(f func()) time.Duration {
		var ds []time.Duration
		for range 9 {
			start := time.Now()
			f()
			ds = append(ds, time.Since(start))
		}
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	wrong := median(func() { s.SignInPasswordMatches(real, "guess") })
	unknown := median(func() { s.SignInPasswordMatches(nil, "guess") })
	noPassword := median(func() { s.SignInPasswordMatches(&User{}, "guess") })
	// Without the dummy compare an unknown login answers in microseconds,
	// a thousand times faster; the bounds leave room for a busy machine.
	for name, d := range map[string]time.Duration{"unknown login": unknown, "account without password": noPassword} {
		if d < wrong/4 || d > wrong*4 {
			t.Errorf("%s took %s, a wrong password %s: not within a factor of 4", name, d, wrong)
		}
	}
	if s.SignInPasswordMatches(nil, "") || s.SignInPasswordMatches(&User{}, "") || !s.SignInPasswordMatches(real, "the-real-password") {
		t.Fatal("SignInPasswordMatches answers wrongly")
	}
}

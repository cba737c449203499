package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"duoadmin/models"
	"duoadmin/models/seed"
)

// runSeedSynthetic builds the benchmarks' organisation: a GitLab.com-style
// top-level group "synthetic" that owns a Duo Pro purchase. Run the server
// with DUO_DEPLOYMENT=gitlab_com to see it; synthetic-owner signs in with
// the demo password.
func runSeedSynthetic(ctx context.Context, args []string) error {
	def := seed.DefaultSyntheticSize
	fs := flag.NewFlagSet("seed-synthetic", flag.ContinueOnError)
	users := fs.Int("users", def.Users, "generated users, every one a member somewhere in the group")
	groups := fs.Int("groups", def.Groups, "subgroups below the top-level group, up to 6 deep")
	projects := fs.Int("projects", def.Projects, "projects spread over the groups")
	seats := fs.Int("seats", def.Seats, "seats of the Duo Pro purchase")
	assigned := fs.Int("assigned", def.Assigned, "seats assigned")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, store, err := openStore()
	if err != nil {
		return err
	}
	defer store.Close()
	if store.Dialect() != models.Postgres {
		return seed.ErrSyntheticPostgres
	}
	if _, err := store.Migrate(ctx); err != nil {
		return err
	}
	start := time.Now()
	y, err := seed.BuildSynthetic(ctx, store, seed.SyntheticSize{Users: *users, Groups: *groups, Projects: *projects,
		Seats: *seats, Assigned: *assigned})
	if err != nil {
		return err
	}
	fmt.Printf("seeded group %q in %s: %d users, %d subgroups, %d projects, %d memberships, Duo Pro purchase %d with %d of %d seats assigned\n",
		y.Root.FullPath, time.Since(start).Round(time.Millisecond), y.Users, y.Groups, y.Projects, y.Members,
		y.Purchase.ID, y.Assigned, y.Purchase.Quantity)
	fmt.Printf("sign in as %s (password %s) with DUO_DEPLOYMENT=gitlab_com\n", seed.SyntheticOwner, seed.DemoPassword)
	return nil
}

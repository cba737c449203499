package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"duoadmin/models"
)

// cliActor is who the audit log names for changes made from the command
// line; the seat ledger records its seat changes as cli.
var cliActor = models.Actor{Username: "duoadmin CLI", SeatReason: models.SeatReasonCLI}

func runToken(ctx context.Context, args []string) error { return tokenCommand(ctx, args, os.Stdout) }

// tokenCommand: token create --user NAME [--name NAME] [--expires-at
// YYYY-MM-DD]. Only the token goes to out, so scripts can capture it.
func tokenCommand(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: duoadmin token create --user NAME [--name NAME] [--expires-at YYYY-MM-DD]")
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	username := fs.String("user", "", "username of the token's owner")
	name := fs.String("name", "duoadmin CLI", "name of the token")
	expires := fs.String("expires-at", "", "last day before the token expires (YYYY-MM-DD); default never")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *username == "" || fs.NArg() > 0 {
		return errors.New("usage: duoadmin token create --user NAME [--name NAME] [--expires-at YYYY-MM-DD]")
	}
	var expiresAt *models.Date
	if *expires != "" {
		d, err := models.ParseDate(*expires)
		if err != nil {
			return fmt.Errorf("--expires-at: %w", err)
		}
		// A token stops working on its expiry date.
		if !models.Today().Before(d) {
			return fmt.Errorf("--expires-at: must be after today, got %s", d)
		}
		expiresAt = &d
	}
	store, err := openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := store.UserByUsername(ctx, *username)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("--user: no user %q", *username)
	}
	if err != nil {
		return err
	}
	if !u.Active() {
		return fmt.Errorf("--user: %s is %s; their tokens would not work", u.Username, u.State)
	}
	token, err := store.CreatePersonalAccessToken(ctx, cliActor, u, *name, expiresAt)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, token)
	return err
}

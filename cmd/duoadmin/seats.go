package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"duoadmin/models"
)

// seats bulk-assign / bulk-remove: GitLab's rake task
// gitlab_subscriptions:duo:bulk_user_assignment, with its texts. Users are
// handled one at a time in file order (each its own transaction, as the
// rake task does), so one bad row does not stop the others; only running
// out of seats stops the run.

// rakeError is one of the rake task's error texts, kept word for word.
type rakeError string

func (e rakeError) Error() string { return string(e) }

const seatsUsage = "usage: duoadmin seats bulk-assign|bulk-remove FILE.csv [--namespace PATH]"

func runSeats(ctx context.Context, args []string) error { return seatsCommand(ctx, args, os.Stdout) }

func seatsCommand(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || (args[0] != "bulk-assign" && args[0] != "bulk-remove") {
		return errors.New(seatsUsage)
	}
	assign := args[0] == "bulk-assign"
	fs := flag.NewFlagSet("seats "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	namespace := fs.String("namespace", "", "full path or id of the top-level group (GitLab.com)")
	// Flags may come before or after the file, as with the rake task's
	// positional arguments.
	var files []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			return errors.New(seatsUsage)
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(files) > 1 {
		return errors.New(seatsUsage)
	}
	var usernames []string
	var err error
	if len(files) == 1 {
		usernames, err = readUsernameCSV(files[0])
	}
	if len(files) == 0 || err != nil {
		return rakeError("File path is invalid")
	}

	cfg, store, err := openStore()
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		return err
	}
	p, err := cliSeatPurchase(ctx, store, cfg.Deployment, *namespace, assign)
	if err != nil {
		return err
	}
	var ok, failed []string
	if assign {
		ok, failed, err = cliAssign(ctx, store, p, usernames)
	} else {
		ok, failed, err = cliUnassign(ctx, store, p, usernames)
	}
	if err != nil {
		return err
	}
	// bulk-remove words its headings by symmetry with the rake task's.
	kind := "Assignments"
	if !assign {
		kind = "Unassignments"
	}
	var b strings.Builder
	b.WriteString("Successful " + kind + ":\n")
	for _, l := range ok {
		b.WriteString(l + "\n")
	}
	b.WriteString("\nFailed " + kind + ":\n")
	for _, l := range failed {
		b.WriteString(l + "\n")
	}
	_, err = io.WriteString(out, b.String())
	return err
}

// readUsernameCSV reads the username column; a file that cannot be read
// or has no username header is "invalid", as the rake task says.
func readUsernameCSV(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, err
	}
	col := -1
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), "username") {
			col = i
			break
		}
	}
	if col < 0 {
		return nil, errors.New("no username column")
	}
	var names []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return names, nil
		}
		if err != nil {
			return nil, err
		}
		if col < len(rec) {
			if n := strings.TrimSpace(rec[col]); n != "" {
				names = append(names, n)
			}
		}
	}
}

// cliSeatPurchase is the purchase the file's users get seats of: the
// namespace's (required on GitLab.com) or the instance's. Assigning needs
// an active one; removing also works on an expired one, whose seats are
// kept through the grace period.
func cliSeatPurchase(ctx context.Context, store *models.Store, d models.Deployment, namespace string, active bool) (*models.AddOnPurchase, error) {
	var nsID *int64
	if namespace == "" && d == models.GitLabCom {
		return nil, rakeError("Namespace ID is not provided")
	}
	if namespace != "" {
		var g *models.Group
		var err error
		if n, convErr := strconv.ParseInt(namespace, 10, 64); convErr == nil {
			g, err = store.GroupByID(ctx, n)
		} else {
			g, err = store.GroupByFullPath(ctx, namespace)
		}
		if errors.Is(err, models.ErrNotFound) {
			return nil, rakeError("Namespace not found")
		}
		if err != nil {
			return nil, err
		}
		nsID = &g.ID
	}
	p, err := store.SeatPurchase(ctx, nsID)
	if errors.Is(err, models.ErrNotFound) || (err == nil && active && !p.ActiveOn(models.Today())) {
		return nil, rakeError("Unable to find Duo add-on purchase")
	}
	return p, err
}

// cliUsers finds the file's users with one query; keys are lower case.
func cliUsers(ctx context.Context, store *models.Store, usernames []string) (map[string]models.User, error) {
	users, err := store.UsersByUsernameList(ctx, usernames)
	if err != nil {
		return nil, err
	}
	by := make(map[string]models.User, len(users))
	for _, u := range users {
		by[strings.ToLower(u.Username)] = u
	}
	return by, nil
}

func cliAssign(ctx context.Context, store *models.Store, p *models.AddOnPurchase, usernames []string) (ok, failed []string, err error) {
	return cliEachUser(ctx, store, usernames, func(ids []int64) ([]models.SeatOutcome, error) {
		return store.AssignSeatsInOrder(ctx, cliActor, p.ID, ids)
	}, func(name, code string) (string, string, bool) {
		switch code {
		case "":
			return "User assigned: " + name, "", false
		case models.NoSeatsAvailable:
			return "", "##No seats are left; users starting from @" + name + " onwards were not assigned.##", true
		}
		return "", fmt.Sprintf("Failed to assign seat to user: %s, Errors: [%s]", name, code), false
	})
}

// cliUnassign mirrors cliAssign: a user without a seat is a success, as an
// already assigned user is when assigning.
func cliUnassign(ctx context.Context, store *models.Store, p *models.AddOnPurchase, usernames []string) (ok, failed []string, err error) {
	return cliEachUser(ctx, store, usernames, func(ids []int64) ([]models.SeatOutcome, error) {
		return store.UnassignSeatsInOrder(ctx, cliActor, p.ID, ids)
	}, func(name, code string) (string, string, bool) {
		if code == "" {
			return "User unassigned: " + name, "", false
		}
		return "", fmt.Sprintf("Failed to unassign seat from user: %s, Errors: [%s]", name, code), false
	})
}

// cliEachUser reports on the file's users in order, as GitLab's rake task
// does: an unknown name is a failure line; the known users are changed as
// one action (change, one transaction) and line says what to print for
// each outcome and whether to stop there.
func cliEachUser(ctx context.Context, store *models.Store, usernames []string,
	change func(ids []int64) ([]models.SeatOutcome, error),
	line func(name, code string) (okLine, failLine string, stop bool)) (ok, failed []string, err error) {
	users, err := cliUsers(ctx, store, usernames)
	if err != nil {
		return nil, nil, err
	}
	var ids []int64
	for _, name := range usernames {
		if u, found := users[strings.ToLower(name)]; found {
			ids = append(ids, u.ID)
		}
	}
	outcomes := map[int64]string{}
	if len(ids) > 0 {
		res, err := change(ids)
		if err != nil {
			return nil, nil, err
		}
		for _, o := range res {
			outcomes[o.UserID] = o.Code
		}
	}
	for _, name := range usernames {
		u, found := users[strings.ToLower(name)]
		if !found {
			failed = append(failed, "User is not found: "+name)
			continue
		}
		code, decided := outcomes[u.ID]
		if !decided {
			continue // after the user who found no seat left
		}
		okLine, failLine, stop := line(name, code)
		if okLine != "" {
			ok = append(ok, okLine)
		}
		if failLine != "" {
			failed = append(failed, failLine)
		}
		if stop {
			return ok, failed, nil
		}
	}
	return ok, failed, nil
}

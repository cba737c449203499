package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"duoadmin/models"
)

// availability export|check|apply: GitLab Duo availability as code (#21).
// check exits non-zero and lists every difference when the database does
// not match the file, for CI pipelines; apply makes it match in one
// transaction. --group PATH limits them to a top-level group's tree (as
// its owners' map on GitLab.com); without it they cover the instance.

const availabilityUsage = "usage: duoadmin availability export|check FILE.yaml|apply FILE.yaml [--group PATH]"

func runAvailability(ctx context.Context, args []string) error {
	return availabilityCommand(ctx, args, os.Stdout)
}

// errDrift is check's failure: the differences are already printed.
type errDrift struct{ n int }

func (e errDrift) Error() string {
	return fmt.Sprintf("%d difference(s) between the database and the file", e.n)
}

func availabilityCommand(ctx context.Context, args []string, out io.Writer) error {
	if len(args) < 1 {
		return errors.New(availabilityUsage)
	}
	verb, rest := args[0], args[1:]
	var group, file string
	for i := 0; i < len(rest); i++ {
		switch {
		case rest[i] == "--group" && i+1 < len(rest):
			group = rest[i+1]
			i++
		case file == "" && verb != "export":
			file = rest[i]
		default:
			return errors.New(availabilityUsage)
		}
	}
	if (verb == "export") != (file == "") || (verb != "export" && verb != "check" && verb != "apply") {
		return errors.New(availabilityUsage)
	}
	cfg, store, err := openStore()
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		return err
	}
	var root *models.Group
	if group != "" {
		if root, err = store.GroupByFullPath(ctx, group); err != nil || !root.TopLevel() {
			return fmt.Errorf("--group %s: no such top-level group", group)
		}
	}
	if verb == "export" {
		f, err := store.ExportAvailability(ctx, root)
		if err != nil {
			return err
		}
		b, err := models.MarshalAvailabilityFile(f)
		if err != nil {
			return err
		}
		_, err = out.Write(b)
		return err
	}
	r, err := os.Open(file)
	if err != nil {
		return err
	}
	defer r.Close()
	f, err := models.ParseAvailabilityFile(file, r)
	if err != nil {
		return err
	}
	var plan models.AvailabilityPlan
	// The command line holds the database's credentials: an
	// administrator's power, enforcement included.
	if verb == "check" {
		plan, err = store.PlanAvailability(ctx, root, cfg.Deployment, f, true)
	} else {
		plan, err = store.ApplyAvailability(ctx, models.Actor{Username: "duoadmin availability apply"}, root, cfg.Deployment, f, true)
	}
	var fe models.FieldErrors
	if errors.As(err, &fe) {
		return fmt.Errorf("%s: %s", file, fe.Error())
	}
	if err != nil {
		return err
	}
	for _, c := range plan.Changes {
		fmt.Fprintln(out, c.String())
	}
	fmt.Fprintln(out, plan.Summary())
	if verb == "check" && !plan.Empty() {
		return errDrift{len(plan.Changes)}
	}
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

type command struct {
	name, usage string
	run         func(ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "serve [--no-migrate]       migrate, load demo data on an empty database, and serve", runServe},
		{"migrate", "migrate                    apply pending database migrations", runMigrate},
		{"import", "import FILE.json           load an organisation (idempotent, all or nothing)", runImport},
		{"export", "export [FILE.json]         write the organisation in the import format", runExport},
		{"seed-demo", "seed-demo                  load the demo organisation into an empty database", runSeedDemo},
		{"seed-synthetic", "seed-synthetic [--users N] [--groups G] [--projects P]  build a large GitLab.com-style organisation (Postgres only; for benchmarks)", runSeedSynthetic},
		{"token", "token create --user NAME [--name NAME] [--expires-at YYYY-MM-DD]  print a new personal access token", runToken},
		{"seats", "seats bulk-assign|bulk-remove FILE.csv [--namespace PATH]  assign or remove GitLab Duo seats of a CSV's usernames", runSeats},
		{"mail", "mail send                  deliver the mail that is due now (needs SMTP_HOST)", runMail},
		{"jobs", "jobs run overage|ineligible|expiry|refresh|audit_retention|session_cleanup|assignment_rules|rule_queue|usage_snapshot|reclaim   run one scheduled job now (jobs list: the schedule)", runJobs},
		{"availability", "availability export|check FILE.yaml|apply FILE.yaml [--group PATH]  GitLab Duo availability as code; check exits 1 listing differences", runAvailability},
		{"usage", "usage import FILE.ndjson   apply GitLab Duo usage events (one JSON event per line), e.g. from an AI gateway's logs", runUsage},
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: duoadmin COMMAND [ARGS]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintln(os.Stderr, "  "+c.usage)
	}
	fmt.Fprintln(os.Stderr, "\nconfiguration comes from the environment; see README.md")
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, c := range commands() {
		if c.name == os.Args[1] {
			if err := c.run(ctx, os.Args[2:]); err != nil {
				var ce configError
				if errors.As(err, &ce) {
					fmt.Fprintln(os.Stderr, "duoadmin: configuration error: "+ce.Error())
				} else {
					fmt.Fprintln(os.Stderr, "duoadmin: "+err.Error())
				}
				os.Exit(1)
			}
			return
		}
	}
	if os.Args[1] == "help" || os.Args[1] == "-h" || os.Args[1] == "--help" {
		usage()
		return
	}
	fmt.Fprintf(os.Stderr, "duoadmin: unknown command %q\n\n", os.Args[1])
	usage()
	os.Exit(2)
}

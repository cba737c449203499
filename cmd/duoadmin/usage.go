package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"duoadmin/models"
)

// usage import: back-fill GitLab Duo usage from an AI gateway's logs, one
// event per line in the format of POST /api/v4/duo/usage_events. The file
// is streamed in batches of the API's size; lines that are rejected are
// reported and skipped, and the run carries on.

const usageUsage = "usage: duoadmin usage import FILE.ndjson"

func runUsage(ctx context.Context, args []string) error { return usageCommand(ctx, args, os.Stdout) }

func usageCommand(ctx context.Context, args []string, out io.Writer) error {
	if len(args) != 2 || args[0] != "import" {
		return errors.New(usageUsage)
	}
	f, err := os.Open(args[1])
	if err != nil {
		return err
	}
	defer f.Close()
	store, err := openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	imp := &usageImport{store: store, out: out}
	r := bufio.NewReaderSize(f, 64<<10)
	for lineNo := 1; ; lineNo++ {
		line, readErr := r.ReadBytes('\n')
		if readErr != nil && readErr != io.EOF {
			return fmt.Errorf("read %s: %w", args[1], readErr)
		}
		if line = bytes.TrimSpace(line); len(line) > 0 {
			imp.events = append(imp.events, models.ParseUsageEvent(line))
			imp.lines = append(imp.lines, lineNo)
			if len(imp.events) == models.MaxUsageEvents {
				if err := imp.flush(ctx); err != nil {
					return err
				}
			}
		}
		if readErr == io.EOF {
			break
		}
	}
	if err := imp.flush(ctx); err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "accepted %d, rejected %d\n", imp.accepted, imp.rejected)
	return err
}

type usageImport struct {
	store              *models.Store
	out                io.Writer
	events             []models.UsageEvent
	lines              []int
	accepted, rejected int
}

func (u *usageImport) flush(ctx context.Context) error {
	if len(u.events) == 0 {
		return nil
	}
	res, err := u.store.ApplyUsageEvents(ctx, u.events)
	if err != nil {
		return err
	}
	u.accepted += res.Accepted
	u.rejected += len(res.Rejected)
	for _, rj := range res.Rejected {
		if _, err := fmt.Fprintf(u.out, "line %d: %s\n", u.lines[rj.Index], rj.Error); err != nil {
			return err
		}
	}
	u.events, u.lines = u.events[:0], u.lines[:0]
	return nil
}

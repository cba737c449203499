package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"duoadmin/models"
	"duoadmin/models/orgfile"
	"duoadmin/models/seed"
)

// openMigrated opens the database and migrates it, so the commands work on
// a fresh database.
func openMigrated(ctx context.Context) (*models.Store, error) {
	_, store, err := openStore()
	if err != nil {
		return nil, err
	}
	if _, err := store.Migrate(ctx); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

func runImport(ctx context.Context, args []string) error {
	return importCommand(ctx, args, os.Stdout, os.Stderr)
}

// importCommand prints the summary (with any seats the import removed) to
// stdout, or every problem to stderr.
func importCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: duoadmin import FILE.json")
	}
	file := args[0]
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	doc, err := orgfile.ParseDocument(file, f)
	if err != nil {
		return importFailed(stderr, file, err)
	}
	store, err := openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := orgfile.Import(ctx, store, orgfile.ImportActor, file, doc)
	if err != nil {
		return importFailed(stderr, file, err)
	}
	fmt.Fprintln(stdout, res.Summary())
	return nil
}

// importFailed prints every problem of an invalid file on its own line.
func importFailed(w io.Writer, file string, err error) error {
	var ie *orgfile.ImportErrors
	if !errors.As(err, &ie) {
		return fmt.Errorf("import %s: %w; nothing was imported", file, err)
	}
	for _, line := range ie.Lines() {
		fmt.Fprintln(w, line)
	}
	noun := "problems"
	if len(ie.Problems) == 1 {
		noun = "problem"
	}
	return fmt.Errorf("%s: %d %s; nothing was imported", file, len(ie.Problems), noun)
}

func runExport(ctx context.Context, args []string) error {
	if len(args) > 1 {
		return errors.New("usage: duoadmin export [FILE.json]")
	}
	store, err := openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	doc, err := orgfile.Export(ctx, store)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return orgfile.WriteDocument(os.Stdout, doc)
	}
	if err := writeFileAtomically(args[0], doc); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "exported %d users, %d groups, %d projects, %d members, %d group links to %s\n",
		len(doc.Users), len(doc.Groups), len(doc.Projects), len(doc.Members), len(doc.GroupLinks), args[0])
	return nil
}

// writeFileAtomically leaves either the old file or the complete new one.
func writeFileAtomically(path string, doc *orgfile.Document) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := orgfile.WriteDocument(tmp, doc); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func runSeedDemo(ctx context.Context, args []string) error {
	if len(args) != 0 {
		return errors.New("usage: duoadmin seed-demo")
	}
	store, err := openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := seed.Demo(ctx, store, models.Today())
	if errors.Is(err, models.ErrDatabaseNotEmpty) {
		return errors.New("seed-demo: the database already has users; the demo only loads into an empty database " +
			"(point DATABASE_URL at a new one, or use `duoadmin import`)")
	}
	if err != nil {
		return err
	}
	fmt.Println(res.Summary())
	logins, err := demoLogins(ctx, store)
	if err != nil {
		return err
	}
	printLogins(os.Stdout, logins)
	return nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"duoadmin/handlers"
	"duoadmin/models"
	"duoadmin/static"
)

// openStore reads the configuration and connects, creating the SQLite
// folder on first use so a fresh clone needs no set-up.
func openStore() (Config, *models.Store, error) {
	cfg, err := loadConfig()
	if err != nil {
		return cfg, nil, err
	}
	if d, path, _ := models.ParseDatabaseURL(cfg.DatabaseURL); d == models.SQLite {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return cfg, nil, err
		}
	}
	// Mail is rendered when queued, by any command, with links to
	// BaseURL; the audit_retention job reads the retention, in the
	// scheduler and in `jobs run`. The encryption key is checked against
	// the database before it is used (serve adds it: openSecretBox).
	store, err := models.Open(cfg.DatabaseURL, models.Options{BaseURL: cfg.BaseURL, AuditRetentionDays: cfg.AuditRetentionDays})
	return cfg, store, err
}

func runMigrate(ctx context.Context, args []string) error {
	_, store, err := openStore()
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := store.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("applied %d migration(s)\n", n)
	return nil
}

func runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	noMigrate := fs.Bool("no-migrate", false, "do not migrate; refuse to serve when the schema is behind")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, store, err := openStore()
	if err != nil {
		return err
	}
	defer store.Close()
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))

	if *noMigrate {
		if err := store.CheckSchema(ctx); err != nil {
			return err
		}
	} else if n, err := store.Migrate(ctx); err != nil {
		return err
	} else if n > 0 {
		logger.Info("migrated", "migrations", n)
	}
	logins, err := loadDemoIfEmpty(ctx, store)
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	secret := cfg.SessionSecret
	if secret == "" {
		if secret, err = store.EnsureSessionSecret(ctx); err != nil {
			return err
		}
	}
	secrets, err := openSecretBox(ctx, cfg.Encryption, store, logger)
	if err != nil {
		return err
	}
	store = store.WithSecretBox(secrets)
	srv, err := handlers.New(handlers.Options{Store: store, Deployment: cfg.Deployment, BaseURL: cfg.BaseURL,
		SessionSecret: secret, Logger: logger, Static: static.FS, SMTPDescription: cfg.SMTP.description(),
		TrustProxy: cfg.TrustProxy})
	if err != nil {
		return err
	}
	defer startMailSender(ctx, store, cfg.SMTP, logger)()
	defer startWebHookSender(ctx, store, logger)()
	defer startJobScheduler(ctx, store, logger)()
	// Every instance learns of every change through Postgres, so each may
	// keep the access API's reads in memory (models/access_cache.go).
	go store.ListenForChanges(ctx, logger)

	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("LISTEN_ADDR: %w", err)
	}
	httpSrv := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second}
	printBanner(cfg, logins)
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func printBanner(cfg Config, logins []demoLogin) {
	var b strings.Builder
	fmt.Fprintf(&b, "\nduoadmin (%s) is serving on %s\n", cfg.Deployment.Title(), cfg.BaseURL)
	if len(logins) > 0 {
		fmt.Fprintln(&b, "\nDemo logins (username / password):")
		for _, l := range logins {
			fmt.Fprintf(&b, "  %-8s / %-22s %s\n", l.Username, l.Password, l.Role)
		}
	}
	fmt.Fprintln(&b)
	fmt.Fprint(os.Stderr, b.String())
}

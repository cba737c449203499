package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"duoadmin/models"
	"duoadmin/models/mail"
)

const (
	mailTick  = 10 * time.Second
	mailBatch = 50
)

func (c SMTPConfig) configured() bool { return c.Host != "" }

func (c SMTPConfig) mailer() mail.SMTP {
	return mail.SMTP{Host: c.Host, Port: c.Port, Username: c.Username, Password: c.Password, From: c.From}
}

// description is the outbox page's status line; empty when unconfigured.
func (c SMTPConfig) description() string {
	if !c.configured() {
		return ""
	}
	return c.mailer().Addr()
}

// startMailSender runs the sender in the background; the returned stop
// waits for the mail being sent to finish, so shutdown never strands one.
func startMailSender(ctx context.Context, store *models.Store, cfg SMTPConfig, logger *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		runMailSender(ctx, store, cfg, logger)
	}()
	return func() { cancel(); <-done }
}

// runMailSender delivers due mail every mailTick until ctx ends. Without
// SMTP_HOST mail stays in the outbox, where admins can see it.
func runMailSender(ctx context.Context, store *models.Store, cfg SMTPConfig, logger *slog.Logger) {
	if !cfg.configured() {
		logger.Info("SMTP_HOST is not set: mail stays in the outbox (/admin/email_outbox)")
		return
	}
	m := cfg.mailer()
	t := time.NewTicker(mailTick)
	defer t.Stop()
	for {
		// A full batch means more is waiting: go on without waiting a tick.
		for {
			sent, failed, err := store.SendDueEmails(ctx, m, time.Now(), mailBatch)
			if err != nil && ctx.Err() == nil {
				logger.Error("mail sender", "error", err)
			}
			if sent+failed > 0 {
				logger.Info("mail sender", "sent", sent, "failed", failed)
			}
			if err != nil || sent+failed < mailBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// runMail is `duoadmin mail send`: one pass over the due mail.
func runMail(ctx context.Context, args []string) error { return mailCommand(ctx, args, os.Stdout) }

func mailCommand(ctx context.Context, args []string, out io.Writer) error {
	if len(args) != 1 || args[0] != "send" {
		return errors.New("usage: duoadmin mail send")
	}
	cfg, store, err := openStore()
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.CheckSchema(ctx); err != nil {
		return err
	}
	if !cfg.SMTP.configured() {
		return configError{"SMTP_HOST", "is not set: mail stays in the outbox"}
	}
	sent, failed, err := store.SendDueEmails(ctx, cfg.SMTP.mailer(), time.Now(), 1000)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "sent %d, failed %d\n", sent, failed)
	return nil
}

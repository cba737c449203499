package main

import (
	"context"
	"log/slog"
	"time"

	"duoadmin/models"
)

const (
	hookTick  = 5 * time.Second
	hookBatch = 20
)

// startWebHookSender delivers webhook deliveries from the outbox in the
// background, whatever the SMTP settings; the returned stop waits for the
// delivery under way. Several instances may run it: each delivery is
// claimed first (models.Store.SendDueWebHooks).
func startWebHookSender(ctx context.Context, store *models.Store, logger *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		client := models.NewWebHookClient()
		t := time.NewTicker(hookTick)
		defer t.Stop()
		for {
			for {
				sent, failed, err := store.SendDueWebHooks(ctx, client, time.Now(), hookBatch)
				if err != nil && ctx.Err() == nil {
					logger.Error("webhook sender", "error", err)
				}
				if sent+failed > 0 {
					logger.Info("webhook sender", "sent", sent, "failed", failed)
				}
				if err != nil || sent+failed < hookBatch {
					break
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}

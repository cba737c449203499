package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"duoadmin/models"
)

func TestAuditRetentionDaysConfig(t *testing.T) {
	t.Setenv("DATABASE_URL", "sqlite:"+filepath.Join(t.TempDir(), "x.db"))
	for _, bad := range []string{"0", "-3", "ninety", "1.5"} {
		t.Setenv("AUDIT_RETENTION_DAYS", bad)
		_, err := loadConfig()
		var ce configError
		if !errors.As(err, &ce) || ce.name != "AUDIT_RETENTION_DAYS" || strings.Contains(err.Error(), "\n") {
			t.Errorf("AUDIT_RETENTION_DAYS=%q: %v", bad, err)
		}
	}
	t.Setenv("AUDIT_RETENTION_DAYS", "")
	if c, err := loadConfig(); err != nil || c.AuditRetentionDays != 0 {
		t.Fatalf("unset: %d, %v (want unlimited)", c.AuditRetentionDays, err)
	}
	t.Setenv("AUDIT_RETENTION_DAYS", "365")
	_, store, err := openStore()
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	job, _ := models.JobByName("audit_retention")
	summary, err := job.Run(context.Background(), store, time.Now())
	if err != nil || !strings.Contains(summary, "retention 365 days") {
		t.Fatalf("the job sees another setting: %q, %v", summary, err)
	}
}

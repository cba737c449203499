package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"duoadmin/models"
)

func TestConfigDefaults(t *testing.T) {
	for _, k := range []string{"DATABASE_URL", "DUO_DEPLOYMENT", "LISTEN_ADDR", "SESSION_SECRET", "BASE_URL", "SMTP_HOST", "SMTP_PORT", "SMTP_FROM", "TRUST_PROXY"} {
		t.Setenv(k, "")
	}
	c, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "sqlite:data/duoadmin.db" || c.Deployment != models.SelfManaged || c.ListenAddr != "127.0.0.1:8080" ||
		c.BaseURL != "http://127.0.0.1:8080" || c.SMTP.Port != 25 || c.TrustProxy {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestConfigRejectsBadValuesNamingTheVariable(t *testing.T) {
	cases := map[string]string{
		"DATABASE_URL":   "mysql://x",
		"DUO_DEPLOYMENT": "dedicated-ish",
		"LISTEN_ADDR":    "8080",
		"SESSION_SECRET": "short",
		"BASE_URL":       "ftp://example.com",
		"SMTP_PORT":      "smtp",
		"SMTP_FROM":      "not an address",
		"TRUST_PROXY":    "yes please",
	}
	for name, bad := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, bad)
			_, err := loadConfig()
			var ce configError
			if !errors.As(err, &ce) || ce.name != name {
				t.Fatalf("%s=%q: error %v, want one naming %s", name, bad, err, name)
			}
			if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), name+": ") {
				t.Fatalf("not one clear line: %q", err.Error())
			}
		})
	}
}

func TestConfigTrustProxy(t *testing.T) {
	t.Setenv("TRUST_PROXY", "true")
	if c, err := loadConfig(); err != nil || !c.TrustProxy {
		t.Fatalf("TRUST_PROXY=true: %+v %v", c.TrustProxy, err)
	}
}

func TestServeRefusesABehindSchemaWithNoMigrate(t *testing.T) {
	t.Setenv("DATABASE_URL", "sqlite:"+filepath.Join(t.TempDir(), "x.db"))
	t.Setenv("LISTEN_ADDR", "127.0.0.1:0")
	err := runServe(context.Background(), []string{"--no-migrate"})
	if !errors.Is(err, models.ErrSchemaBehind) {
		t.Fatalf("serve --no-migrate on an empty database: %v", err)
	}
}

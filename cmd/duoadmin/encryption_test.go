package main

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestEncryptionKeyFromTheEnvironment(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("ENCRYPTION_KEY", strings.Repeat("ab", 32))
	c, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(c.Encryption.Key) != strings.Repeat("ab", 32) || c.Encryption.File != "" {
		t.Fatalf("%+v", c.Encryption)
	}
	for _, bad := range []string{"secret", strings.Repeat("ab", 16), strings.Repeat("zz", 32)} {
		t.Setenv("ENCRYPTION_KEY", bad)
		_, err := loadConfig()
		var ce configError
		if !errors.As(err, &ce) || ce.name != "ENCRYPTION_KEY" || strings.Contains(err.Error(), "\n") {
			t.Fatalf("ENCRYPTION_KEY=%q: %v", bad, err)
		}
		if strings.Contains(err.Error(), bad) {
			t.Fatalf("the error repeats the secret: %v", err)
		}
	}
}

func TestEncryptionKeyFileDefaults(t *testing.T) {
	t.Setenv("ENCRYPTION_KEY", "")
	t.Setenv("ENCRYPTION_KEY_FILE", "")
	for url, want := range map[string]string{
		"sqlite:/srv/duo/prod.db": "/srv/duo/encryption.key",
		"sqlite:data/duoadmin.db": "data/encryption.key",
		"postgres://db/duo":       "data/encryption.key",
	} {
		ec, err := loadEncryptionConfig(url)
		if err != nil || ec.File != want {
			t.Errorf("%s: %q %v, want %q", url, ec.File, err, want)
		}
	}
	t.Setenv("ENCRYPTION_KEY_FILE", "/run/secrets/duo.key")
	if ec, _ := loadEncryptionConfig("sqlite:x.db"); ec.File != "/run/secrets/duo.key" {
		t.Fatalf("ENCRYPTION_KEY_FILE ignored: %q", ec.File)
	}
}

func TestKeyFileIsCreatedOnceAndKeptPrivate(t *testing.T) {
	ctx := context.Background()
	store := storetest.SQLite(t)
	path := filepath.Join(t.TempDir(), "data", "encryption.key")
	box, err := openSecretBox(ctx, EncryptionConfig{File: path}, store, quiet)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", info.Mode().Perm())
	}
	again, err := openSecretBox(ctx, EncryptionConfig{File: path}, store, quiet)
	if err != nil || again.Fingerprint() != box.Fingerprint() {
		t.Fatalf("second start: %v (fingerprints %s, %s)", err, box.Fingerprint(), again.Fingerprint())
	}
	// The key is nowhere in the database.
	raw, _ := os.ReadFile(path)
	st, _ := store.InstanceSettings(ctx)
	if strings.Contains(st.SessionSecret, strings.TrimSpace(string(raw))) {
		t.Fatal("the key is in the database")
	}
	if err := os.WriteFile(path, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = openSecretBox(ctx, EncryptionConfig{File: path}, store, quiet)
	var ce configError
	if !errors.As(err, &ce) || ce.name != "ENCRYPTION_KEY" || !strings.Contains(err.Error(), path) {
		t.Fatalf("a broken key file: %v", err)
	}
}

// A wrong key stops start-up with one line naming ENCRYPTION_KEY, rather
// than serving API keys that decrypt to garbage.
func TestWrongEncryptionKeyStopsStartUp(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "duo.db")
	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("LISTEN_ADDR", "127.0.0.1:0")
	t.Setenv("ENCRYPTION_KEY_FILE", "")
	right := strings.Repeat("11", 32)
	t.Setenv("ENCRYPTION_KEY", right)

	store, err := models.Open(dbURL, storetest.Options())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	box, err := openSecretBox(ctx, cfg.Encryption, store, quiet)
	if err != nil {
		t.Fatal(err)
	}
	store = store.WithSecretBox(box)
	if _, err := store.CreateSelfHostedModel(ctx, models.Actor{Username: "test"}, models.SelfHostedModelInput{Name: "m",
		Platform: models.PlatformVLLM, ModelFamily: models.FamilyGPT, Endpoint: "http://x", Identifier: "i", APIKey: "sk-1"}); err != nil {
		t.Fatal(err)
	}

	t.Setenv("ENCRYPTION_KEY", strings.Repeat("22", 32))
	err = runServe(ctx, nil)
	var ce configError
	if !errors.As(err, &ce) || ce.name != "ENCRYPTION_KEY" {
		t.Fatalf("serve with a wrong key: %v", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "ENCRYPTION_KEY: the key in ENCRYPTION_KEY is not the key the 1 stored API key of self-hosted models were encrypted with") {
		t.Fatalf("not one clear line: %q", msg)
	}

	// Unset, the generated file's key is just as wrong: the message says where it came from.
	t.Setenv("ENCRYPTION_KEY", "")
	err = runServe(ctx, nil)
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), filepath.Join(dir, "encryption.key")+" (ENCRYPTION_KEY is unset) is not the key") {
		t.Fatalf("serve with a generated key: %v", err)
	}
}

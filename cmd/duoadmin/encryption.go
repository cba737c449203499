package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"duoadmin/models"
	"duoadmin/models/secretbox"
)

// EncryptionConfig says where the key that encrypts self-hosted models'
// API keys comes from: ENCRYPTION_KEY, or else a key file that serve
// creates on first start. The key is never stored in the database, so a
// database copy or backup alone does not reveal the API keys.
type EncryptionConfig struct {
	Key []byte // from ENCRYPTION_KEY; nil: use File
	// File is ENCRYPTION_KEY_FILE, by default encryption.key next to the
	// SQLite database, or data/encryption.key with Postgres.
	File string
}

func loadEncryptionConfig(databaseURL string) (EncryptionConfig, error) {
	var ec EncryptionConfig
	if raw := os.Getenv("ENCRYPTION_KEY"); raw != "" {
		key, err := secretbox.ParseKey(raw)
		if err != nil {
			return ec, configError{"ENCRYPTION_KEY", err.Error()}
		}
		ec.Key = key
		return ec, nil
	}
	ec.File = os.Getenv("ENCRYPTION_KEY_FILE")
	if ec.File == "" {
		ec.File = filepath.Join("data", "encryption.key")
		if d, path, _ := models.ParseDatabaseURL(databaseURL); d == models.SQLite {
			ec.File = filepath.Join(filepath.Dir(path), "encryption.key")
		}
	}
	return ec, nil
}

// source names where the key came from in start-up errors.
func (ec EncryptionConfig) source() string {
	if ec.Key != nil {
		return "the key in ENCRYPTION_KEY"
	}
	return "the key in " + ec.File + " (ENCRYPTION_KEY is unset)"
}

// openSecretBox loads (or, the first time, creates) the key and checks it
// against the API keys already stored, so a wrong key stops start-up with
// one line naming ENCRYPTION_KEY instead of decrypting garbage later.
func openSecretBox(ctx context.Context, ec EncryptionConfig, store *models.Store, logger *slog.Logger) (*secretbox.Box, error) {
	key := ec.Key
	if key == nil {
		var created bool
		var err error
		if key, created, err = readOrCreateKeyFile(ec.File); err != nil {
			return nil, configError{"ENCRYPTION_KEY", "is unset and the key file cannot be used: " + err.Error()}
		}
		if created {
			logger.Info("generated an encryption key for API keys; back it up with the database, or set ENCRYPTION_KEY",
				"file", ec.File)
		}
	}
	box, err := secretbox.New(key)
	if err != nil {
		return nil, configError{"ENCRYPTION_KEY", err.Error()}
	}
	if err := store.CheckEncryptionKey(ctx, box); err != nil {
		return nil, configError{"ENCRYPTION_KEY", ec.source() + " " + err.Error()}
	}
	return box, nil
}

// readOrCreateKeyFile reads the key file, or creates it (mode 0600) with a
// new key. O_EXCL makes two processes starting at once agree on one key.
func readOrCreateKeyFile(path string) (key []byte, created bool, err error) {
	for range 2 {
		b, err := os.ReadFile(path)
		if err == nil {
			key, err := secretbox.ParseKey(string(b))
			if err != nil {
				return nil, false, fmt.Errorf("%s %v", path, err)
			}
			return key, false, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, false, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue // someone else just wrote it: read theirs
		}
		if err != nil {
			return nil, false, err
		}
		key, err := secretbox.GenerateKey()
		if err != nil {
			f.Close()
			return nil, false, err
		}
		_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			os.Remove(path)
			return nil, false, werr
		}
		return key, true, nil
	}
	return nil, false, fmt.Errorf("%s: could not be read or created", path)
}

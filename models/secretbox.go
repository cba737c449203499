package models

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// SecretBox encrypts the secrets duoadmin keeps in the database (the API
// keys of self-hosted models) with AES-256-GCM. The key lives outside the
// database, so a copy of the database alone does not reveal them.
type SecretBox struct {
	aead        cipher.AEAD
	fingerprint string
}

const (
	EncryptionKeyBytes = 32
	secretVersion      = "v1"
)

// secretAAD binds a ciphertext to what it is, so one cannot be moved into
// another kind of column and decrypt there.
var secretAAD = []byte("duoadmin:self_hosted_models.api_key")

// ErrEncryptionKeyFormat never repeats the value: it is a secret.
var ErrEncryptionKeyFormat = errors.New("must be 32 bytes written as 64 hex characters or as base64 (for example the output of `openssl rand -hex 32`)")

// ParseEncryptionKey reads a key written as 64 hex characters or base64.
func ParseEncryptionKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*EncryptionKeyBytes {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == EncryptionKeyBytes {
			return b, nil
		}
	}
	return nil, ErrEncryptionKeyFormat
}

// GenerateEncryptionKey makes a new random key.
func GenerateEncryptionKey() ([]byte, error) {
	b := make([]byte, EncryptionKeyBytes)
	_, err := rand.Read(b)
	return b, err
}

func NewSecretBox(key []byte) (*SecretBox, error) {
	if len(key) != EncryptionKeyBytes {
		return nil, ErrEncryptionKeyFormat
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// A one-way digest with its own label: it tells keys apart without
	// saying anything about them.
	sum := sha256.Sum256(append([]byte("duoadmin encryption key fingerprint\x00"), key...))
	return &SecretBox{aead: aead, fingerprint: hex.EncodeToString(sum[:8])}, nil
}

// NewRandomSecretBox has a key that lives as long as the process: for
// tests and embedders that store nothing across restarts.
func NewRandomSecretBox() *SecretBox {
	key, err := GenerateEncryptionKey()
	if err != nil {
		panic(err)
	}
	b, err := NewSecretBox(key)
	if err != nil {
		panic(err)
	}
	return b
}

func (b *SecretBox) Fingerprint() string { return b.fingerprint }

// Seal returns "v1:<fingerprint>:<base64(nonce || ciphertext)>".
func (b *SecretBox) Seal(plain string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := b.aead.Seal(nonce, nonce, []byte(plain), secretAAD)
	return secretVersion + ":" + b.fingerprint + ":" + base64.StdEncoding.EncodeToString(sealed), nil
}

// ErrWrongEncryptionKey: the value was sealed with another key.
var ErrWrongEncryptionKey = errors.New("was encrypted with a different key")

// Open decrypts what Seal returned.
func (b *SecretBox) Open(stored string) (string, error) {
	fp, data, err := splitSealed(stored)
	if err != nil {
		return "", err
	}
	if fp != b.fingerprint {
		return "", fmt.Errorf("%w (key fingerprint %s, this key's is %s)", ErrWrongEncryptionKey, fp, b.fingerprint)
	}
	n := b.aead.NonceSize()
	if len(data) < n {
		return "", errors.New("encrypted value is truncated")
	}
	plain, err := b.aead.Open(nil, data[:n], data[n:], secretAAD)
	if err != nil {
		return "", errors.New("encrypted value does not authenticate: it was altered or the key is wrong")
	}
	return string(plain), nil
}

func splitSealed(stored string) (fingerprint string, data []byte, err error) {
	parts := strings.SplitN(stored, ":", 3)
	if len(parts) != 3 || parts[0] != secretVersion {
		return "", nil, errors.New("encrypted value has an unknown format")
	}
	data, err = base64.StdEncoding.DecodeString(parts[2])
	if err != nil {
		return "", nil, errors.New("encrypted value is not base64")
	}
	return parts[1], data, nil
}

var errNoSecretBox = errors.New("no encryption key configured")

// CheckEncryptionKey makes sure b is the key the stored API keys were
// encrypted with, so a wrong key fails at start-up rather than as garbage
// later: every stored fingerprint must match, and one value must decrypt.
func (s *Store) CheckEncryptionKey(ctx context.Context, b *SecretBox) error {
	var stored []string
	if err := s.q(ctx).Model(&SelfHostedModel{}).Where("api_key_encrypted <> ''").Order("id").
		Pluck("api_key_encrypted", &stored).Error; err != nil {
		return err
	}
	if len(stored) == 0 {
		return nil
	}
	for _, v := range stored {
		fp, _, err := splitSealed(v)
		if err != nil {
			return fmt.Errorf("a stored API key is unreadable: %v", err)
		}
		if fp != b.fingerprint {
			return fmt.Errorf("is not the key the %s of self-hosted models were encrypted with "+
				"(their key fingerprint is %s, this key's is %s): start with the original key",
				storedKeysCount(int64(len(stored)), "stored API key"), fp, b.fingerprint)
		}
	}
	if _, err := b.Open(stored[0]); err != nil {
		return fmt.Errorf("cannot decrypt the stored API keys of self-hosted models: %v", err)
	}
	return nil
}

func storedKeysCount(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

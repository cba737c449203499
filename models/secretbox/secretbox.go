package secretbox

import (
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

// Box encrypts with AES-256-GCM. The key lives outside the database, so a
// copy of the database alone does not reveal what it sealed.
type Box struct {
	aead        cipher.AEAD
	fingerprint string
}

const (
	KeyBytes      = 32
	sealedVersion = "v1"
)

// sealedAAD binds a ciphertext to what it is, so one cannot be moved into
// another kind of column and decrypt there.
var sealedAAD = []byte("duoadmin:self_hosted_models.api_key")

// ErrKeyFormat never repeats the value: it is a secret.
var ErrKeyFormat = errors.New("must be 32 bytes written as 64 hex characters or as base64 (for example the output of `openssl rand -hex 32`)")

// ParseKey reads a key written as 64 hex characters or base64.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeyBytes {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeyBytes {
			return b, nil
		}
	}
	return nil, ErrKeyFormat
}

// GenerateKey makes a new random key.
func GenerateKey() ([]byte, error) {
	b := make([]byte, KeyBytes)
	_, err := rand.Read(b)
	return b, err
}

func New(key []byte) (*Box, error) {
	if len(key) != KeyBytes {
		return nil, ErrKeyFormat
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
	return &Box{aead: aead, fingerprint: hex.EncodeToString(sum[:8])}, nil
}

// NewRandom has a key that lives as long as the process: for tests and
// embedders that store nothing across restarts.
func NewRandom() *Box {
	key, err := GenerateKey()
	if err != nil {
		panic(err)
	}
	b, err := New(key)
	if err != nil {
		panic(err)
	}
	return b
}

func (b *Box) Fingerprint() string { return b.fingerprint }

// Seal returns "v1:<fingerprint>:<base64(nonce || ciphertext)>".
func (b *Box) Seal(plain string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := b.aead.Seal(nonce, nonce, []byte(plain), sealedAAD)
	return sealedVersion + ":" + b.fingerprint + ":" + base64.StdEncoding.EncodeToString(sealed), nil
}

// ErrWrongKey: the value was sealed with another key.
var ErrWrongKey = errors.New("was encrypted with a different key")

// Open decrypts what Seal returned.
func (b *Box) Open(sealed string) (string, error) {
	fp, data, err := split(sealed)
	if err != nil {
		return "", err
	}
	if fp != b.fingerprint {
		return "", fmt.Errorf("%w (key fingerprint %s, this key's is %s)", ErrWrongKey, fp, b.fingerprint)
	}
	n := b.aead.NonceSize()
	if len(data) < n {
		return "", errors.New("encrypted value is truncated")
	}
	plain, err := b.aead.Open(nil, data[:n], data[n:], sealedAAD)
	if err != nil {
		return "", errors.New("encrypted value does not authenticate: it was altered or the key is wrong")
	}
	return string(plain), nil
}

// SealedFingerprint is the fingerprint of the key a value was sealed with,
// read without decrypting it.
func SealedFingerprint(sealed string) (string, error) {
	fp, _, err := split(sealed)
	return fp, err
}

func split(sealed string) (fingerprint string, data []byte, err error) {
	parts := strings.SplitN(sealed, ":", 3)
	if len(parts) != 3 || parts[0] != sealedVersion {
		return "", nil, errors.New("encrypted value has an unknown format")
	}
	data, err = base64.StdEncoding.DecodeString(parts[2])
	if err != nil {
		return "", nil, errors.New("encrypted value is not base64")
	}
	return parts[1], data, nil
}

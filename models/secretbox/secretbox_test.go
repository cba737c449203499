package secretbox_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"duoadmin/models/secretbox"
)

func TestParseKey(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{0xab}, 32)
	for name, s := range map[string]string{
		"hex":                hex.EncodeToString(key),
		"hex with newline":   hex.EncodeToString(key) + "\n",
		"base64":             base64.StdEncoding.EncodeToString(key),
		"base64 unpadded":    base64.RawStdEncoding.EncodeToString(key),
		"base64url unpadded": base64.RawURLEncoding.EncodeToString(key),
	} {
		got, err := secretbox.ParseKey(s)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("%s: %x, %v", name, got, err)
		}
	}
	for name, s := range map[string]string{
		"short hex":      hex.EncodeToString(key[:16]),
		"16-byte base64": base64.StdEncoding.EncodeToString(key[:16]),
		"not hex":        strings.Repeat("zz", 32),
		"passphrase":     "correct horse battery staple",
	} {
		_, err := secretbox.ParseKey(s)
		if !errors.Is(err, secretbox.ErrKeyFormat) {
			t.Errorf("%s: %v", name, err)
		}
		if err != nil && strings.Contains(err.Error(), s) {
			t.Errorf("%s: the error repeats the secret: %v", name, err)
		}
	}
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	box := mustBox(t, 1)
	sealed, err := box.Seal("sk-secret-123")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "sk-secret-123") || !strings.HasPrefix(sealed, "v1:"+box.Fingerprint()+":") {
		t.Fatalf("sealed %q", sealed)
	}
	again, _ := box.Seal("sk-secret-123")
	if again == sealed {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	if got, err := box.Open(sealed); err != nil || got != "sk-secret-123" {
		t.Fatalf("open: %q %v", got, err)
	}
	other := mustBox(t, 2)
	if other.Fingerprint() == box.Fingerprint() {
		t.Fatal("two keys share a fingerprint")
	}
	if _, err := other.Open(sealed); !errors.Is(err, secretbox.ErrWrongKey) {
		t.Fatalf("wrong key: %v", err)
	}
	// Tampering is caught by GCM's authentication.
	raw, _ := base64.StdEncoding.DecodeString(sealed[strings.LastIndex(sealed, ":")+1:])
	raw[len(raw)-1] ^= 1
	tampered := sealed[:strings.LastIndex(sealed, ":")+1] + base64.StdEncoding.EncodeToString(raw)
	if _, err := box.Open(tampered); err == nil {
		t.Fatal("a tampered value decrypted")
	}
	if _, err := box.Open("plain text"); err == nil {
		t.Fatal("an unsealed value decrypted")
	}
}

func mustBox(t *testing.T, fill byte) *secretbox.Box {
	t.Helper()
	b, err := secretbox.New(bytes.Repeat([]byte{fill}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

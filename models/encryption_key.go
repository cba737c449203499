package models

import (
	"context"
	"errors"
	"fmt"

	"duoadmin/models/secretbox"
)

var errNoSecretBox = errors.New("no encryption key configured")

// CheckEncryptionKey makes sure b is the key the stored API keys were
// encrypted with, so a wrong key fails at start-up rather than as garbage
// later: every stored fingerprint must match, and one value must decrypt.
func (s *Store) CheckEncryptionKey(ctx context.Context, b *secretbox.Box) error {
	var stored []string
	if err := s.q(ctx).Model(&SelfHostedModel{}).Where("api_key_encrypted <> ''").Order("id").
		Pluck("api_key_encrypted", &stored).Error; err != nil {
		return err
	}
	if len(stored) == 0 {
		return nil
	}
	for _, v := range stored {
		fp, err := secretbox.SealedFingerprint(v)
		if err != nil {
			return fmt.Errorf("a stored API key is unreadable: %v", err)
		}
		if fp != b.Fingerprint() {
			return fmt.Errorf("is not the key the %s of self-hosted models were encrypted with "+
				"(their key fingerprint is %s, this key's is %s): start with the original key",
				storedKeysCount(int64(len(stored)), "stored API key"), fp, b.Fingerprint())
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

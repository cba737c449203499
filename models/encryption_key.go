package models

import (
	"context"
	"errors"
	"fmt"

	"duoadmin/models/secretbox"
)

var errNoSecretBox = errors.New("no encryption key configured")

// CheckEncryptionKey makes sure b is the key the stored API keys (and the
// LDAP bind password) were encrypted with, so a wrong key fails at start-up
// rather than as garbage later: every stored fingerprint must match, and
// one value of each kind must decrypt.
func (s *Store) CheckEncryptionKey(ctx context.Context, b *secretbox.Box) error {
	var keys, ldap []string
	if err := s.q(ctx).Model(&SelfHostedModel{}).Where("api_key_encrypted <> ''").Order("id").
		Pluck("api_key_encrypted", &keys).Error; err != nil {
		return err
	}
	if err := s.q(ctx).Model(&LDAPServer{}).Where("password_encrypted <> ''").
		Pluck("password_encrypted", &ldap).Error; err != nil {
		return err
	}
	if err := checkSealed(b, keys, storedKeysCount(int64(len(keys)), "stored API key")+" of self-hosted models were",
		"the stored API keys of self-hosted models"); err != nil {
		return err
	}
	return checkSealed(b, ldap, "LDAP bind password was", "the LDAP bind password")
}

// checkSealed checks one kind of sealed values; what names them for the
// mismatch message ("... were"), which for the undecryptable one.
func checkSealed(b *secretbox.Box, stored []string, what, which string) error {
	if len(stored) == 0 {
		return nil
	}
	for _, v := range stored {
		fp, err := secretbox.SealedFingerprint(v)
		if err != nil {
			return fmt.Errorf("cannot read %s: %v", which, err)
		}
		if fp != b.Fingerprint() {
			return fmt.Errorf("is not the key the %s encrypted with "+
				"(their key fingerprint is %s, this key's is %s): start with the original key",
				what, fp, b.Fingerprint())
		}
	}
	if _, err := b.Open(stored[0]); err != nil {
		return fmt.Errorf("cannot decrypt %s: %v", which, err)
	}
	return nil
}

func storedKeysCount(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

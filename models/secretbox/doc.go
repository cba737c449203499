// Package secretbox owns the encryption of the secrets duoadmin keeps in
// the database (the API keys of self-hosted models): the key format,
// AES-256-GCM sealing and the key fingerprint that tells keys apart. It knows
// nothing about the Store; models checks the stored values against a Box.
package secretbox

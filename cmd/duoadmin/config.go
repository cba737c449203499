package main

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strconv"

	"duoadmin/models"
)

// Config is read from the environment once, at start-up.
type Config struct {
	DatabaseURL   string
	Deployment    models.Deployment
	ListenAddr    string
	SessionSecret string
	BaseURL       string
	SMTP          SMTPConfig
	// Encryption of self-hosted models' API keys (encryption.go).
	Encryption EncryptionConfig
	// AuditRetentionDays: 0 keeps audit events for ever.
	AuditRetentionDays int
	// TrustProxy: the client address of sign-in throttling and of sessions
	// is taken from X-Forwarded-For when a loopback or private address
	// (the reverse proxy) sent it; otherwise it is the connection's.
	TrustProxy bool
}

type SMTPConfig struct {
	Host     string // empty: mail stays in the outbox
	Port     int
	Username string
	Password string
	From     string
}

// configError names the variable, so start-up fails with one clear line.
type configError struct{ name, problem string }

func (e configError) Error() string { return e.name + ": " + e.problem }

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func loadConfig() (Config, error) {
	c := Config{
		DatabaseURL:   env("DATABASE_URL", "sqlite:data/duoadmin.db"),
		ListenAddr:    env("LISTEN_ADDR", "127.0.0.1:8080"),
		SessionSecret: os.Getenv("SESSION_SECRET"),
	}
	if _, _, err := models.ParseDatabaseURL(c.DatabaseURL); err != nil {
		return c, configError{"DATABASE_URL", err.Error()}
	}
	d, err := models.ParseDeployment(env("DUO_DEPLOYMENT", string(models.SelfManaged)))
	if err != nil {
		return c, configError{"DUO_DEPLOYMENT", err.Error()}
	}
	c.Deployment = d
	if _, port, err := net.SplitHostPort(c.ListenAddr); err != nil || port == "" {
		return c, configError{"LISTEN_ADDR", fmt.Sprintf("must be host:port, got %q", c.ListenAddr)}
	}
	if c.SessionSecret != "" && len(c.SessionSecret) < 32 {
		return c, configError{"SESSION_SECRET", "must be at least 32 characters (or unset, to generate one)"}
	}
	c.BaseURL = env("BASE_URL", "http://"+c.ListenAddr)
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, configError{"BASE_URL", fmt.Sprintf("must be an absolute http(s) URL, got %q", c.BaseURL)}
	}
	c.SMTP = SMTPConfig{
		Host:     os.Getenv("SMTP_HOST"),
		Username: os.Getenv("SMTP_USERNAME"),
		Password: os.Getenv("SMTP_PASSWORD"),
		From:     env("SMTP_FROM", "GitLab Duo <duoadmin@localhost>"),
	}
	port := env("SMTP_PORT", "25")
	if c.SMTP.Port, err = strconv.Atoi(port); err != nil || c.SMTP.Port < 1 || c.SMTP.Port > 65535 {
		return c, configError{"SMTP_PORT", fmt.Sprintf("must be a port number, got %q", port)}
	}
	if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
		return c, configError{"SMTP_FROM", fmt.Sprintf("must be an email address, got %q", c.SMTP.From)}
	}
	if raw := os.Getenv("AUDIT_RETENTION_DAYS"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return c, configError{"AUDIT_RETENTION_DAYS", fmt.Sprintf("must be a whole number of days of at least 1 (or unset, to keep events for ever), got %q", raw)}
		}
		c.AuditRetentionDays = n
	}
	switch v := os.Getenv("TRUST_PROXY"); v {
	case "", "false", "0":
	case "true", "1":
		c.TrustProxy = true
	default:
		return c, configError{"TRUST_PROXY", fmt.Sprintf("must be true or false, got %q", v)}
	}
	if c.Encryption, err = loadEncryptionConfig(c.DatabaseURL); err != nil {
		return c, err
	}
	return c, nil
}

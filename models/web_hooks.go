package models

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// WebHook is a URL that receives seat events as signed JSON: a system hook
// (NamespaceID nil, the admin area's, every purchase) or a top-level
// group's hook (GitLab.com, the group's purchases).
type WebHook struct {
	ID          int64
	NamespaceID *int64
	URL         string `gorm:"column:url"`
	// TokenEncrypted is secretbox.Box.Seal's output; the token is never
	// shown again.
	TokenEncrypted string
	CreatedByID    *int64
	CreatedAt      time.Time
}

func (WebHook) TableName() string { return "web_hooks" }

// WebHookInput is the add form.
type WebHookInput struct {
	URL   string
	Token string
}

const (
	maxWebHookURL   = 2000
	maxWebHookToken = 255
)

// ValidateWebHook: an absolute http or https URL with a host, and a secret
// token (the HMAC key: a hook without one could not be verified).
func ValidateWebHook(in WebHookInput) FieldErrors {
	errs := FieldErrors{}
	u, err := url.Parse(in.URL)
	switch {
	case strings.TrimSpace(in.URL) == "":
		errs.Add("url", "can't be blank")
	case len(in.URL) > maxWebHookURL:
		errs.Add("url", "is too long (maximum is 2000 characters)")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "":
		errs.Add("url", "is blocked: Only allowed schemes are http, https")
	case u.User != nil:
		errs.Add("url", "is blocked: must not contain credentials; use the secret token")
	}
	switch {
	case in.Token == "":
		errs.Add("token", "can't be blank")
	case utf8.RuneCountInString(in.Token) > maxWebHookToken:
		errs.Add("token", "is too long (maximum is 255 characters)")
	}
	return errs
}

// WebHooks lists the hooks of a group (nil: the system hooks), oldest first.
func (s *Store) WebHooks(ctx context.Context, namespaceID *int64) ([]WebHook, error) {
	var hs []WebHook
	err := s.hookScope(ctx, namespaceID).Order("id").Find(&hs).Error
	return hs, err
}

// WebHook finds one hook of a group (nil: a system hook); another scope's
// hook is ErrNotFound, so a group owner cannot reach the admin's.
func (s *Store) WebHook(ctx context.Context, namespaceID *int64, id int64) (*WebHook, error) {
	return first[WebHook](s.hookScope(ctx, namespaceID).Where("id = ?", id))
}

func (s *Store) hookScope(ctx context.Context, namespaceID *int64) *gorm.DB {
	if namespaceID == nil {
		return s.q(ctx).Model(&WebHook{}).Where("namespace_id IS NULL")
	}
	return s.q(ctx).Model(&WebHook{}).Where("namespace_id = ?", *namespaceID)
}

// CreateWebHook validates, seals the token and audits, in one transaction.
func (s *Store) CreateWebHook(ctx context.Context, actor Actor, namespaceID *int64, in WebHookInput) (*WebHook, error) {
	in.URL = strings.TrimSpace(in.URL)
	if errs := ValidateWebHook(in); len(errs) > 0 {
		return nil, errs
	}
	sealed, err := s.seal(in.Token)
	if err != nil {
		return nil, err
	}
	h := &WebHook{NamespaceID: namespaceID, URL: in.URL, TokenEncrypted: sealed, CreatedAt: time.Now().UTC()}
	if actor.ID != 0 {
		id := actor.ID
		h.CreatedByID = &id
	}
	err = s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Create(h).Error; err != nil {
			return err
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "web_hook_created", TargetType: "WebHook", TargetID: h.ID,
			TargetName: redactedURL(h.URL), NamespaceID: namespaceID, Details: map[string]any{"url": redactedURL(h.URL)}})
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// DeleteWebHook removes a hook, its pending deliveries and its log, and
// audits it.
func (s *Store) DeleteWebHook(ctx context.Context, actor Actor, namespaceID *int64, id int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		h, err := tx.WebHook(ctx, namespaceID, id)
		if err != nil {
			return err
		}
		if err := tx.q(ctx).Where("web_hook_id = ? AND sent_at IS NULL", h.ID).Delete(&OutboxEmail{}).Error; err != nil {
			return err
		}
		if err := tx.q(ctx).Where("web_hook_id = ?", h.ID).Delete(&WebHookLog{}).Error; err != nil {
			return err
		}
		if err := tx.q(ctx).Delete(h).Error; err != nil {
			return err
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "web_hook_destroyed", TargetType: "WebHook", TargetID: h.ID,
			TargetName: redactedURL(h.URL), NamespaceID: namespaceID, Details: map[string]any{"url": redactedURL(h.URL)}})
	})
}

// redactedURL is a hook's URL for the audit log and the list: the query
// string may carry a token of its own, so it is left out.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if u.RawQuery != "" {
		u.RawQuery = "[REDACTED]"
	}
	u.Fragment = ""
	return u.String()
}

// DisplayURL is the URL the hook list shows.
func (h *WebHook) DisplayURL() string { return redactedURL(h.URL) }

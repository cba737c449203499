package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// QueueEmail writes one mail to the outbox; call it on the transaction
// that causes it, so mail and change commit together.
func (s *Store) QueueEmail(ctx context.Context, m OutboxEmail) error {
	now := time.Now().UTC()
	m.ID, m.Attempts, m.SentAt = 0, 0, nil
	m.CreatedAt, m.NextAttemptAt = now, now
	return s.q(ctx).Create(&m).Error
}

// outbox reads mail with its body, its own or the shared one. Webhook
// deliveries share the table (web_hook_id set) and are not mail.
func (s *Store) outbox(ctx context.Context) *gorm.DB {
	return s.q(ctx).Table("email_outbox AS o").Joins("LEFT JOIN email_bodies b ON b.id = o.body_id").Where("o.web_hook_id IS NULL").
		Select(`o.id, o.to_address, o.subject, COALESCE(b.text_body, o.text_body) AS text_body,
			COALESCE(b.html_body, o.html_body) AS html_body, o.kind, o.attempts, o.last_error, o.next_attempt_at,
			o.sent_at, o.created_at`)
}

// DueEmails returns unsent mail whose next attempt is due, oldest first.
func (s *Store) DueEmails(ctx context.Context, now time.Time, limit int) ([]OutboxEmail, error) {
	var ms []OutboxEmail
	err := s.outbox(ctx).Where("o.sent_at IS NULL AND o.next_attempt_at <= ?", now).Order("o.next_attempt_at, o.id").Limit(limit).Find(&ms).Error
	return ms, err
}

// ClaimEmail marks a mail as being sent by pushing its next attempt out;
// it returns false when another sender got it first. Delivery is then at
// least once: a crash between sending and MarkEmailSent resends after the
// lease, never loses the mail.
func (s *Store) ClaimEmail(ctx context.Context, m OutboxEmail, lease time.Duration, now time.Time) (bool, error) {
	res := s.q(ctx).Model(&OutboxEmail{}).Where("id = ? AND sent_at IS NULL AND next_attempt_at = ?", m.ID, m.NextAttemptAt).
		Updates(map[string]any{"next_attempt_at": now.Add(lease), "attempts": m.Attempts + 1})
	return res.RowsAffected == 1, res.Error
}

func (s *Store) MarkEmailSent(ctx context.Context, id int64, now time.Time) error {
	return s.q(ctx).Model(&OutboxEmail{}).Where("id = ?", id).Updates(map[string]any{"sent_at": now, "last_error": ""}).Error
}

// MarkEmailFailed records the error and when to try again.
func (s *Store) MarkEmailFailed(ctx context.Context, id int64, errText string, retryAt time.Time) error {
	return s.q(ctx).Model(&OutboxEmail{}).Where("id = ?", id).
		Updates(map[string]any{"last_error": errText, "next_attempt_at": retryAt}).Error
}

type OutboxFilter struct {
	Pending bool // only unsent mail
}

func (s *Store) ListOutbox(ctx context.Context, f OutboxFilter, page Page) (Paged[OutboxEmail], error) {
	page = page.normalized()
	count := s.q(ctx).Model(&OutboxEmail{}).Where("web_hook_id IS NULL")
	list := s.outbox(ctx)
	if f.Pending {
		count, list = count.Where("sent_at IS NULL"), list.Where("o.sent_at IS NULL")
	}
	out := Paged[OutboxEmail]{Page: page.Number, PerPage: page.PerPage}
	if err := count.Count(&out.Total).Error; err != nil {
		return out, err
	}
	err := list.Order("o.id DESC").Offset(page.Offset()).Limit(page.PerPage).Find(&out.Items).Error
	return out, err
}

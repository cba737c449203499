package models

import (
	"context"
	"time"
)

// QueueEmail writes one mail to the outbox; call it on the transaction
// that causes it, so mail and change commit together.
func (s *Store) QueueEmail(ctx context.Context, m OutboxEmail) error {
	now := time.Now().UTC()
	m.ID, m.Attempts, m.SentAt = 0, 0, nil
	m.CreatedAt, m.NextAttemptAt = now, now
	return s.q(ctx).Create(&m).Error
}

// DueEmails returns unsent mail whose next attempt is due, oldest first.
func (s *Store) DueEmails(ctx context.Context, now time.Time, limit int) ([]OutboxEmail, error) {
	var ms []OutboxEmail
	err := s.q(ctx).Where("sent_at IS NULL AND next_attempt_at <= ?", now).Order("next_attempt_at, id").Limit(limit).Find(&ms).Error
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
	q := s.q(ctx).Model(&OutboxEmail{})
	if f.Pending {
		q = q.Where("sent_at IS NULL")
	}
	out := Paged[OutboxEmail]{Page: page.Number, PerPage: page.PerPage}
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	err := q.Order("id DESC").Offset(page.Offset()).Limit(page.PerPage).Find(&out.Items).Error
	return out, err
}

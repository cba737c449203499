package models

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// queueRemovalEmails tells each user who lost a seat, and sends the
// purchase's owners (GitLab.com: the top-level group's owners;
// self-managed: the administrators) one summary of who lost a seat and why.
func (s *Store) queueRemovalEmails(ctx context.Context, p *AddOnPurchase, rs []Removal, now time.Time) error {
	title := p.AddOn.Title()
	mails := make([]OutboxEmail, 0, len(rs)+4)
	for _, r := range rs {
		mails = append(mails, OutboxEmail{ToAddress: r.Email, Kind: "seat_removed",
			Subject:       "Your " + title + " seat was removed",
			TextBody:      fmt.Sprintf("Hello %s,\n\nYour %s seat was removed because %s.\n\nIf you still need GitLab Duo, ask an owner or administrator to assign you a seat: %s\n", r.Name, title, ReasonText[r.Reason], BaseURL),
			NextAttemptAt: now, CreatedAt: now})
	}
	recipients, err := s.removalRecipients(ctx, p)
	if err != nil {
		return err
	}
	if len(recipients) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "GitLab Duo automation removed %d %s seat(s):\n\n", len(rs), title)
		const listed = 1000
		for i, r := range rs {
			if i == listed {
				fmt.Fprintf(&b, "… and %d more (see the audit events).\n", len(rs)-listed)
				break
			}
			fmt.Fprintf(&b, "- @%s (%s): %s\n", r.Username, r.Name, ReasonText[r.Reason])
		}
		for _, to := range recipients {
			mails = append(mails, OutboxEmail{ToAddress: to, Kind: "seats_removed_summary",
				Subject:  fmt.Sprintf("%d %s seat(s) were removed automatically", len(rs), title),
				TextBody: b.String(), NextAttemptAt: now, CreatedAt: now})
		}
	}
	return s.q(ctx).CreateInBatches(mails, 1000).Error
}

func (s *Store) removalRecipients(ctx context.Context, p *AddOnPurchase) ([]string, error) {
	var to []string
	q := s.q(ctx).Model(&User{}).Where("state = ? AND NOT bot", StateActive)
	if p.NamespaceID == nil {
		q = q.Where("admin")
	} else {
		q = q.Where("id IN (?)", s.q(ctx).Model(&Member{}).Select("user_id").
			Where("source_type = ? AND source_id = ? AND access_level = ? AND NOT pending", SourceGroup, *p.NamespaceID, Owner))
	}
	err := q.Order("id").Pluck("email", &to).Error
	return to, err
}

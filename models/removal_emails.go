package models

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// removalMailSQL tells each user who lost a seat why: one outbox row per
// row of from, which has the columns email and reason, in from's order
// (sending order is the outbox's, not the removal's). The text is
// the same for everyone removed for one reason, so it is written once per
// reason (removalBodies) and each row points at it, as the welcome mail
// does: a cut of 40,000 seats writes 40,000 short outbox rows, not 40,000
// copies of the text. The placeholders come before from's.
func (s *Store) removalMailSQL(p *AddOnPurchase, from string, bodies map[string]int64, now time.Time) (string, []any) {
	args := []any{"Your " + p.AddOn.Title() + " seat was removed"}
	body := "CASE r.reason"
	for _, code := range removalReasons {
		if id, ok := bodies[code]; ok {
			body += " WHEN ? THEN CAST(? AS bigint)"
			args = append(args, code, id)
		}
	}
	body += " END"
	args = append(args, now, now)
	return `INSERT INTO email_outbox (to_address, subject, text_body, html_body, body_id, kind, attempts, last_error, next_attempt_at, created_at)
		SELECT r.email, ?, '', '', ` + body + `, 'seat_removed', 0, '', ?, ?
		FROM ` + from + ` AS r`, args
}

// removalBodies writes the removal mail's text once for each of the
// reasons, answering the body of each.
func (s *Store) removalBodies(ctx context.Context, p *AddOnPurchase, reasons []string, now time.Time) (map[string]int64, error) {
	out := map[string]int64{}
	for _, code := range reasons {
		if _, done := out[code]; done {
			continue
		}
		b := EmailBody{TextBody: "Hello,\n\nYour " + p.AddOn.Title() + " seat was removed because " + ReasonText[code] +
			".\n\nIf you still need GitLab Duo, ask an owner or administrator to assign you a seat: " + s.opts.BaseURL + "\n", CreatedAt: now}
		if err := s.q(ctx).Create(&b).Error; err != nil {
			return nil, err
		}
		out[code] = b.ID
	}
	return out, nil
}

// summaryListed is how many removals the owners' summary names; it counts
// the rest.
const summaryListed = 1000

// queueRemovalSummary sends the purchase's owners (GitLab.com: the
// top-level group's owners; self-managed: the administrators) one summary
// of who lost a seat and why: total seats, the first of them (listed, in
// removal order) by name.
func (s *Store) queueRemovalSummary(ctx context.Context, p *AddOnPurchase, listed []Removal, total int, now time.Time) error {
	title := p.AddOn.Title()
	recipients, err := s.removalRecipients(ctx, p)
	if err != nil || len(recipients) == 0 {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "GitLab Duo automation removed %d %s seat(s):\n\n", total, title)
	named := min(len(listed), summaryListed)
	for _, r := range listed[:named] {
		fmt.Fprintf(&b, "- @%s (%s): %s\n", r.Username, r.Name, ReasonText[r.Reason])
	}
	if total > named {
		fmt.Fprintf(&b, "… and %d more (see the Seat history).\n", total-named)
	}
	mails := make([]OutboxEmail, len(recipients))
	for i, to := range recipients {
		mails[i] = OutboxEmail{ToAddress: to, Kind: "seats_removed_summary",
			Subject:  fmt.Sprintf("%d %s seat(s) were removed automatically", total, title),
			TextBody: b.String(), NextAttemptAt: now, CreatedAt: now}
	}
	return s.q(ctx).Create(&mails).Error
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

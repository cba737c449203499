package models

import (
	"context"
	"html"
	"strings"
	"time"
)

// seatEmailsEnabled: always on GitLab.com; on self-managed behind the
// duo_seat_assignment_email_for_sm flag (on by default).
func (s *Store) seatEmailsEnabled(ctx context.Context, p *AddOnPurchase) (bool, error) {
	if p.NamespaceID != nil {
		return true, nil
	}
	return s.FeatureEnabled(ctx, FlagSeatEmailsSM)
}

type seatEmail struct{ subject, intro, features string }

func seatEmailFor(a AddOn) seatEmail {
	if a == AddOnDuoEnterprise {
		return seatEmail{
			subject:  "You have been assigned a GitLab Duo Enterprise seat",
			intro:    "You now have access to GitLab Duo Enterprise, the only AI solution that supports developers at every stage of the software development lifecycle.",
			features: "Get started with these Duo Enterprise features:\n- AI-assisted root cause analysis\n- AI-powered vulnerability remediation\n- Collaboration and summarization tools",
		}
	}
	return seatEmail{
		subject:  "You have been assigned a GitLab Duo Pro seat",
		intro:    "You now have access to GitLab Duo Pro, which features Code Suggestions and Chat.\n\nGet started with GitLab Duo Pro today to boost your efficiency and effectiveness by reducing the time required to write and understand code.",
		features: "Get started with these Duo Pro features:\n- Code Suggestions\n- Code Explanations\n- Test Generation",
	}
}

// queueSeatEmails writes the welcome mail of every newly assigned user: the
// body once, and one outbox row per user. On Postgres, where the outbox
// does not check body_id (migration 00013), both are one statement, so a
// row can only point at the body written with it.
func (s *Store) queueSeatEmails(ctx context.Context, p *AddOnPurchase, ids []int64, now time.Time) error {
	e := seatEmailFor(p.AddOn)
	text := e.intro + "\n\n" + e.features + "\n\nGo to GitLab, visit " + s.opts.BaseURL + "/users/sign_in.\n"
	htmlBody := "<h1>" + html.EscapeString(e.subject) + "</h1><p>" +
		strings.ReplaceAll(html.EscapeString(e.intro), "\n\n", "</p><p>") + "</p><p>" +
		strings.ReplaceAll(html.EscapeString(e.features), "\n", "<br>") + "</p><p><a href=\"" +
		html.EscapeString(s.opts.BaseURL) + "/users/sign_in\">Go to GitLab</a></p>"
	sub, arg := s.idSet(ids)
	rows := `INSERT INTO email_outbox (to_address, subject, text_body, html_body, body_id, kind, attempts, last_error, next_attempt_at, created_at)
		SELECT u.email, ?, '', '', %s, ?, 0, '', ?, ? FROM users u WHERE u.id IN (` + sub + `)`
	kind := "seat_assigned_" + string(p.AddOn)
	if s.dialect == Postgres {
		return s.q(ctx).Exec(`WITH b AS (INSERT INTO email_bodies (text_body, html_body, created_at) VALUES (?, ?, ?) RETURNING id) `+
			strings.Replace(rows, "%s", "(SELECT id FROM b)", 1), text, htmlBody, now, e.subject, kind, now, now, arg).Error
	}
	body := EmailBody{TextBody: text, HTMLBody: htmlBody, CreatedAt: now}
	if err := s.q(ctx).Create(&body).Error; err != nil {
		return err
	}
	return s.q(ctx).Exec(strings.Replace(rows, "%s", "?", 1), e.subject, body.ID, kind, now, now, arg).Error
}

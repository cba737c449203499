package models

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"duoadmin/models/mail"
)

// Mailer delivers one mail; SendDueEmails takes any, the app uses
// mail.SMTP.
type Mailer interface {
	Deliver(ctx context.Context, m mail.Message) error
}

// message is what the relay is given for an outbox row. The Message-ID is
// derived from the row, so a retried mail keeps its identity.
func (e OutboxEmail) message() mail.Message {
	m := mail.Message{To: e.ToAddress, Subject: e.Subject, TextBody: e.TextBody, HTMLBody: e.HTMLBody}
	if e.ID != 0 {
		m.ID = fmt.Sprintf("outbox-%d.%d", e.ID, e.CreatedAt.UnixNano())
	}
	return m
}

const (
	// EmailLease is how long a claimed mail is hidden from other senders.
	// It outlasts emailSendTimeout, so a lease never runs out while its
	// sender is still talking to the relay.
	EmailLease       = 2 * time.Minute
	emailSendTimeout = time.Minute
	emailRetryFirst  = time.Minute
	emailRetryMax    = time.Hour
	maxLastError     = 500
)

// EmailRetryDelay is the wait after the n-th failed attempt: 1 min, 2, 4 …
// then hourly for ever. Mail is never given up on; the outbox shows it as
// failing until the relay takes it.
func EmailRetryDelay(attempts int) time.Duration {
	d := emailRetryFirst
	for i := 1; i < attempts && d < emailRetryMax; i++ {
		d *= 2
	}
	return min(d, emailRetryMax)
}

// SendDueEmails delivers up to batch mails due at now. Each is claimed
// first, so concurrent senders (several app instances) never send the same
// mail at once. A failure is recorded on the mail and rescheduled; err is
// only about the database or ctx.
func (s *Store) SendDueEmails(ctx context.Context, m Mailer, now time.Time, batch int) (sent, failed int, err error) {
	now = now.UTC()
	due, err := s.DueEmails(ctx, now, batch)
	if err != nil {
		return 0, 0, err
	}
	for _, e := range due {
		if err := ctx.Err(); err != nil {
			return sent, failed, err
		}
		won, err := s.ClaimEmail(ctx, e, EmailLease, now)
		if err != nil {
			return sent, failed, err
		}
		if !won {
			continue
		}
		e.Attempts++
		derr, err := s.deliverClaimed(ctx, m, e, now)
		if err != nil {
			return sent, failed, err
		}
		if derr == nil {
			sent++
			continue
		}
		failed++
		// An unreachable relay fails every mail alike, each after a
		// timeout: leave the rest for the next round.
		var ne net.Error
		if errors.As(derr, &ne) {
			break
		}
	}
	return sent, failed, nil
}

// deliverClaimed sees a claimed mail through even when ctx is cancelled
// (shutdown), so it is not left to be resent after its lease.
// It returns the delivery error, and err for the database.
func (s *Store) deliverClaimed(ctx context.Context, m Mailer, e OutboxEmail, now time.Time) (derr, err error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), emailSendTimeout)
	defer cancel()
	derr = m.Deliver(ctx, e.message())
	if derr == nil {
		return nil, s.MarkEmailSent(ctx, e.ID, now)
	}
	msg := derr.Error()
	if len(msg) > maxLastError {
		// Postgres refuses a rune cut in half.
		msg = strings.ToValidUTF8(msg[:maxLastError], "")
	}
	return derr, s.MarkEmailFailed(ctx, e.ID, msg, now.Add(EmailRetryDelay(e.Attempts)))
}

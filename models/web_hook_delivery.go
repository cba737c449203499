package models

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhook deliveries are outbox rows with a web_hook_id. They are claimed
// as mail is (ClaimEmail: a row is pushed out of the due window before it
// is sent, so two app instances never send it at once), POSTed, logged in
// web_hook_logs, and retried with backoff until WebHookMaxAttempts.

const (
	WebHookTimeout     = 10 * time.Second
	WebHookLease       = 2 * time.Minute // outlasts WebHookTimeout
	WebHookMaxAttempts = 8
	webHookRetryFirst  = 30 * time.Second
	webHookRetryMax    = time.Hour
)

// WebHookRetryDelay is the wait after the n-th failed attempt: 30 s, 1 min,
// 2, 4 … at most an hour.
func WebHookRetryDelay(attempts int) time.Duration {
	d := webHookRetryFirst
	for i := 1; i < attempts && d < webHookRetryMax; i++ {
		d *= 2
	}
	return min(d, webHookRetryMax)
}

// WebHookSignature is the X-Duoadmin-Signature header of body: "sha256="
// and the hex HMAC-SHA256 of the exact body bytes keyed with the hook's
// secret token.
func WebHookSignature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// WebHookLog is one delivery attempt.
type WebHookLog struct {
	ID         int64
	WebHookID  int64
	OutboxID   *int64
	Trigger    string
	Attempt    int
	StatusCode int // 0: no response
	DurationMs int64
	Error      string
	CreatedAt  time.Time
}

func (WebHookLog) TableName() string { return "web_hook_logs" }

// Succeeded: the receiver answered 2xx.
func (l WebHookLog) Succeeded() bool { return l.StatusCode >= 200 && l.StatusCode < 300 }

// WebHookLogs is a hook's Recent events, newest first.
func (s *Store) WebHookLogs(ctx context.Context, hookID int64, page Page) (Paged[WebHookLog], error) {
	page = page.normalized()
	out := Paged[WebHookLog]{Page: page.Number, PerPage: page.PerPage}
	q := s.q(ctx).Model(&WebHookLog{}).Where("web_hook_id = ?", hookID)
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	err := s.q(ctx).Where("web_hook_id = ?", hookID).Order("created_at DESC, id DESC").
		Offset(page.Offset()).Limit(page.PerPage).Find(&out.Items).Error
	return out, err
}

type dueDelivery struct {
	OutboxEmail
	WebHookID      *int64
	URL            string `gorm:"column:url"`
	TokenEncrypted string
}

// SendDueWebHooks delivers up to batch due deliveries with client. A
// failure is logged and rescheduled; err is only about the database or ctx.
func (s *Store) SendDueWebHooks(ctx context.Context, client *http.Client, now time.Time, batch int) (sent, failed int, err error) {
	now = now.UTC()
	var due []dueDelivery
	err = s.q(ctx).Table("email_outbox AS o").Joins("LEFT JOIN web_hooks h ON h.id = o.web_hook_id").
		Select("o.id, o.subject, o.text_body, o.attempts, o.next_attempt_at, o.created_at, o.web_hook_id, h.url, h.token_encrypted").
		Where("o.web_hook_id IS NOT NULL AND o.sent_at IS NULL AND o.next_attempt_at <= ?", now).
		Order("o.next_attempt_at, o.id").Limit(batch).Scan(&due).Error
	if err != nil {
		return 0, 0, err
	}
	for _, d := range due {
		if err := ctx.Err(); err != nil {
			return sent, failed, err
		}
		won, err := s.ClaimEmail(ctx, d.OutboxEmail, WebHookLease, now)
		if err != nil {
			return sent, failed, err
		}
		if !won {
			continue
		}
		d.Attempts++
		ok, err := s.deliverHook(ctx, client, d, now)
		if err != nil {
			return sent, failed, err
		}
		if ok {
			sent++
		} else {
			failed++
		}
	}
	return sent, failed, nil
}

// deliverHook sends one claimed delivery, even when ctx is cancelled
// (shutdown), logs the attempt, and marks the row sent, or failed with the
// next attempt's time, or given up.
func (s *Store) deliverHook(ctx context.Context, client *http.Client, d dueDelivery, now time.Time) (bool, error) {
	ctx = context.WithoutCancel(ctx)
	if d.URL == "" { // the hook was deleted meanwhile
		return false, s.MarkEmailSent(ctx, d.ID, now)
	}
	secret, err := s.openSecret(d.TokenEncrypted)
	if err != nil {
		return false, err
	}
	lg := s.postHook(ctx, client, d.URL, secret, d.Subject, d.ID, []byte(d.TextBody))
	lg.WebHookID, lg.OutboxID, lg.Attempt, lg.CreatedAt = *d.WebHookID, &d.ID, d.Attempts, now
	if err := s.q(ctx).Create(&lg).Error; err != nil {
		return false, err
	}
	if lg.Succeeded() {
		return true, s.MarkEmailSent(ctx, d.ID, now)
	}
	msg := lg.Error
	if msg == "" {
		msg = "HTTP " + strconv.Itoa(lg.StatusCode)
	}
	if d.Attempts >= WebHookMaxAttempts {
		// Given up: the row leaves the due set; the log tells each attempt.
		return false, s.q(ctx).Model(&OutboxEmail{}).Where("id = ?", d.ID).
			Updates(map[string]any{"sent_at": now, "last_error": truncateError("gave up: " + msg)}).Error
	}
	return false, s.MarkEmailFailed(ctx, d.ID, truncateError(msg), now.Add(WebHookRetryDelay(d.Attempts)))
}

// postHook POSTs body and reports what happened as a log row (status,
// duration, error); it never returns an error of its own.
func (s *Store) postHook(ctx context.Context, client *http.Client, url, secret, event string, deliveryID int64, body []byte) WebHookLog {
	ctx, cancel := context.WithTimeout(ctx, WebHookTimeout)
	defer cancel()
	lg := WebHookLog{Trigger: event}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		lg.Error = truncateError(err.Error())
		return lg
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "duoadmin-webhook")
	req.Header.Set("X-Duoadmin-Event", event)
	req.Header.Set("X-Duoadmin-Signature", WebHookSignature(secret, body))
	if deliveryID != 0 {
		req.Header.Set("X-Duoadmin-Delivery", strconv.FormatInt(deliveryID, 10))
	}
	start := time.Now()
	resp, err := client.Do(req)
	lg.DurationMs = time.Since(start).Milliseconds()
	if err != nil {
		lg.Error = truncateError(err.Error())
		return lg
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	lg.StatusCode = resp.StatusCode
	if !lg.Succeeded() {
		lg.Error = fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	return lg
}

// TestWebHook sends the hook a test event now, as GitLab's Test button
// does, and logs it with the deliveries.
func (s *Store) TestWebHook(ctx context.Context, client *http.Client, h *WebHook) (WebHookLog, error) {
	secret, err := s.openSecret(h.TokenEncrypted)
	if err != nil {
		return WebHookLog{}, err
	}
	body := fmt.Sprintf(`{"object_kind":%q,"event_name":%q,"count":0,"seat_events":[]}`, WebHookEventTest, WebHookEventTest)
	lg := s.postHook(ctx, client, h.URL, secret, WebHookEventTest, 0, []byte(body))
	lg.WebHookID, lg.Attempt, lg.CreatedAt = h.ID, 1, time.Now().UTC()
	return lg, s.q(ctx).Create(&lg).Error
}

func (s *Store) openSecret(sealed string) (string, error) {
	if s.opts.Secrets == nil {
		return "", errNoSecretBox
	}
	return s.opts.Secrets.Open(sealed)
}

func truncateError(msg string) string {
	if len(msg) > maxLastError {
		msg = strings.ToValidUTF8(msg[:maxLastError], "")
	}
	return msg
}

// NewWebHookClient is the HTTP client deliveries use: bounded by
// WebHookTimeout, and it does not follow redirects (a hook answers where
// it was registered, or the attempt fails with the 3xx).
func NewWebHookClient() *http.Client {
	return &http.Client{Timeout: WebHookTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

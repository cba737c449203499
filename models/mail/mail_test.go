package mail_test

import (
	"mime"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"duoadmin/models/mail"
)

func TestRenderEncodesHeaders(t *testing.T) {
	from, _ := netmail.ParseAddress("Équipe Duo <duo@example.com>")
	raw, err := mail.Render(mail.Message{ID: "outbox-7.0", To: "a@example.com", Subject: "Siège attribué\r\nBcc: x@evil.test",
		TextBody: "Bonjour\n.\nfin"}, from, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	if strings.Contains(s, "\nBcc:") || !strings.Contains(s, "Subject: =?utf-8?q?") || strings.Contains(s, "\n\n") {
		t.Fatalf("message:\n%s", s)
	}
	msg, err := netmail.ReadMessage(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if !strings.HasPrefix(subj, "Siège attribué") {
		t.Fatalf("subject %q", subj)
	}
	if f, _ := msg.Header.AddressList("From"); len(f) != 1 || f[0].Name != "Équipe Duo" {
		t.Fatalf("from %v", f)
	}
	if msg.Header.Get("Date") != "Thu, 02 Jan 2025 03:04:05 +0000" {
		t.Fatalf("date %q", msg.Header.Get("Date"))
	}
}

package models_test

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/mail"
	"duoadmin/models/storetest"
)

// mailPurchase is a self-managed Premium instance with a Duo Pro purchase.
func mailPurchase(t *testing.T, s *models.Store, seats int) *models.AddOnPurchase {
	t.Helper()
	db, _ := s.SQLDB()
	if _, err := db.Exec("UPDATE instance_settings SET plan = 'premium'"); err != nil {
		t.Fatal(err)
	}
	p, err := s.CreatePurchase(context.Background(), tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoPro,
		Quantity: seats, ExpiresOn: models.Today().AddDays(30)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mailOutbox(t *testing.T, s *models.Store) []models.OutboxEmail {
	t.Helper()
	list, err := s.ListOutbox(context.Background(), models.OutboxFilter{}, models.Page{PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

func mailOnly(t *testing.T, s *models.Store) models.OutboxEmail {
	t.Helper()
	ms := mailOutbox(t, s)
	if len(ms) != 1 {
		t.Fatalf("%d mails in the outbox, want 1", len(ms))
	}
	return ms[0]
}

func mailSameTime(a, b time.Time) bool {
	d := a.Sub(b)
	return d < time.Millisecond && d > -time.Millisecond
}

func mailSend(t *testing.T, s *models.Store, m models.Mailer, now time.Time) (int, int) {
	t.Helper()
	sent, failed, err := s.SendDueEmails(context.Background(), m, now, 50)
	if err != nil {
		t.Fatal(err)
	}
	return sent, failed
}

func TestSeatMailIsDeliveredOnceAfterTheRelayComesBack(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p := mailPurchase(t, s, 5)
		alice := mkUser(t, s, "alice", models.StateActive, false)
		if _, err := s.AssignSeat(ctx, tester, p.ID, alice.ID); err != nil {
			t.Fatal(err)
		}
		srv := newSMTPServer(t)
		m := srv.mailer()
		t0 := time.Now().Add(time.Second)

		// The relay answers 451: the mail stays, with the error, for a minute.
		srv.setMode(smtpTempFail)
		if sent, failed := mailSend(t, s, m, t0); sent != 0 || failed != 1 {
			t.Fatalf("relay failing: sent %d failed %d", sent, failed)
		}
		e := mailOnly(t, s)
		if e.SentAt != nil || e.Attempts != 1 || !strings.Contains(e.LastError, "451") || !mailSameTime(e.NextAttemptAt, t0.Add(time.Minute)) {
			t.Fatalf("after a failure: sent %v attempts %d error %q next %v (t0 %v)", e.SentAt, e.Attempts, e.LastError, e.NextAttemptAt, t0)
		}

		// Up again, but the retry is not due: nothing is even tried.
		srv.setMode(smtpUp)
		sessions := srv.sessionCount()
		if sent, failed := mailSend(t, s, m, t0.Add(59*time.Second)); sent+failed != 0 || srv.sessionCount() != sessions {
			t.Fatalf("before the retry time: sent %d failed %d, %d new SMTP sessions", sent, failed, srv.sessionCount()-sessions)
		}

		// Down (421 at the greeting): the next wait doubles.
		srv.setMode(smtpDown)
		t1 := t0.Add(61 * time.Second)
		if sent, failed := mailSend(t, s, m, t1); sent != 0 || failed != 1 {
			t.Fatalf("relay down: sent %d failed %d", sent, failed)
		}
		e = mailOnly(t, s)
		if e.Attempts != 2 || !strings.Contains(e.LastError, "421") || !mailSameTime(e.NextAttemptAt, t1.Add(2*time.Minute)) {
			t.Fatalf("second failure: attempts %d error %q next %v", e.Attempts, e.LastError, e.NextAttemptAt)
		}
		if len(srv.received()) != 0 {
			t.Fatal("a failing relay received mail")
		}

		srv.setMode(smtpUp)
		t2 := t1.Add(2*time.Minute + time.Second)
		if sent, failed := mailSend(t, s, m, t2); sent != 1 || failed != 0 {
			t.Fatalf("relay up: sent %d failed %d", sent, failed)
		}
		e = mailOnly(t, s)
		if e.SentAt == nil || !mailSameTime(*e.SentAt, t2) || e.LastError != "" || e.Attempts != 3 {
			t.Fatalf("after delivery: sent %v error %q attempts %d", e.SentAt, e.LastError, e.Attempts)
		}
		// Delivered mail is never sent again.
		if sent, failed := mailSend(t, s, m, t2.Add(48*time.Hour)); sent+failed != 0 {
			t.Fatalf("sent mail was retried: sent %d failed %d", sent, failed)
		}
		got := srv.received()
		if len(got) != 1 {
			t.Fatalf("relay received %d messages, want exactly 1", len(got))
		}
		checkSeatMessage(t, got[0], "alice@example.com", "You have been assigned a GitLab Duo Pro seat")
	})
}

// checkSeatMessage parses what the relay received as a mail client would.
func checkSeatMessage(t *testing.T, got smtpMessage, to, subject string) {
	t.Helper()
	if got.From != "duo@example.com" || len(got.To) != 1 || got.To[0] != to {
		t.Fatalf("envelope from %q to %v", got.From, got.To)
	}
	msg, err := netmail.ReadMessage(strings.NewReader(got.Data))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	dec := new(mime.WordDecoder)
	subj, _ := dec.DecodeHeader(h.Get("Subject"))
	if h.Get("To") != to || subj != subject || !strings.Contains(h.Get("From"), "<duo@example.com>") {
		t.Fatalf("headers To %q Subject %q From %q", h.Get("To"), subj, h.Get("From"))
	}
	if _, err := h.Date(); err != nil {
		t.Fatalf("Date: %v", err)
	}
	if id := h.Get("Message-Id"); !strings.HasPrefix(id, "<outbox-") || !strings.HasSuffix(id, "@example.com>") {
		t.Fatalf("Message-ID %q", id)
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	parts := map[string]string{}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		b, _ := io.ReadAll(p)
		parts[ct] = string(b)
	}
	link := "http://127.0.0.1:8080/users/sign_in" // the default BaseURL: storetest sets none
	if txt := parts["text/plain"]; !strings.Contains(txt, "You now have access to GitLab Duo Pro") || !strings.Contains(txt, link) {
		t.Fatalf("text part: %q", txt)
	}
	if html := parts["text/html"]; !strings.Contains(html, "<h1>"+subject+"</h1>") || !strings.Contains(html, `href="`+link+`"`) {
		t.Fatalf("html part: %q", html)
	}
}

// gatedMailer holds each sender at its first delivery until the other has
// reached its own, so both have fetched overlapping due lists and every
// later claim is a real race.
type gatedMailer struct {
	models.Mailer
	gate  *sync.WaitGroup
	first sync.Once
}

func (g *gatedMailer) Deliver(ctx context.Context, e mail.Message) error {
	g.first.Do(func() {
		g.gate.Done()
		waited := make(chan struct{})
		go func() { g.gate.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(5 * time.Second):
		}
	})
	return g.Mailer.Deliver(ctx, e)
}

func TestTwoSendersDeliverEachMailOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		p := mailPurchase(t, s, 30)
		var ids []int64
		for i := range 20 {
			ids = append(ids, mkUser(t, s, "user"+racerName(i), models.StateActive, false).ID)
		}
		if _, err := s.BulkAssignSeats(ctx, tester, p.ID, ids); err != nil {
			t.Fatal(err)
		}
		srv := newSMTPServer(t)
		now := time.Now().Add(time.Second)
		var gate, wg sync.WaitGroup
		gate.Add(2)
		sent := make([]int, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sent[i], _, errs[i] = s.SendDueEmails(ctx, &gatedMailer{Mailer: srv.mailer(), gate: &gate}, now, 50)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if sent[0]+sent[1] != 20 || sent[0] == 0 || sent[1] == 0 {
			t.Fatalf("senders sent %v, want 20 in all and both taking part", sent)
		}
		seen := map[string]int{}
		for _, m := range srv.received() {
			seen[m.To[0]]++
		}
		if len(seen) != 20 {
			t.Fatalf("%d distinct recipients, want 20", len(seen))
		}
		for to, n := range seen {
			if n != 1 {
				t.Fatalf("%s got %d copies", to, n)
			}
		}
		for _, e := range mailOutbox(t, s) {
			if e.SentAt == nil || e.Attempts != 1 {
				t.Fatalf("mail %d: sent %v after %d attempts", e.ID, e.SentAt, e.Attempts)
			}
		}
	})
}

func TestSMTPAuthPlain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if err := s.QueueEmail(ctx, models.OutboxEmail{ToAddress: "bob@example.com", Subject: "Hi", TextBody: "Hello", Kind: "test"}); err != nil {
			t.Fatal(err)
		}
		srv := newSMTPServer(t)
		srv.requireAuth("duo", "s3cret")
		m := srv.mailer()
		m.Password = "wrong"
		now := time.Now().Add(time.Second)
		if sent, failed := mailSend(t, s, m, now); sent != 0 || failed != 1 {
			t.Fatalf("wrong password: sent %d failed %d", sent, failed)
		}
		if e := mailOnly(t, s); !strings.Contains(e.LastError, "535") {
			t.Fatalf("last error %q", e.LastError)
		}
		m.Password = "s3cret"
		if sent, _ := mailSend(t, s, m, now.Add(time.Hour)); sent != 1 || len(srv.received()) != 1 {
			t.Fatalf("right password: sent %d, relay has %d", sent, len(srv.received()))
		}
	})
}

func TestEmailRetryDelay(t *testing.T) {
	t.Parallel()
	want := map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute, 6: 32 * time.Minute,
		7: time.Hour, 10: time.Hour, 1000: time.Hour}
	for n, d := range want {
		if got := models.EmailRetryDelay(n); got != d {
			t.Errorf("after %d attempts: %v, want %v", n, got, d)
		}
	}
}

func TestUnreachableRelayStopsTheRound(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		for _, to := range []string{"a@example.com", "b@example.com"} {
			if err := s.QueueEmail(ctx, models.OutboxEmail{ToAddress: to, Subject: "Hi", TextBody: "Hello", Kind: "test"}); err != nil {
				t.Fatal(err)
			}
		}
		srv := newSMTPServer(t)
		m := srv.mailer()
		srv.ln.Close() // nothing listens: connection refused
		if sent, failed := mailSend(t, s, m, time.Now().Add(time.Second)); sent != 0 || failed != 1 {
			t.Fatalf("unreachable relay: sent %d failed %d, want one try and a stop", sent, failed)
		}
		attempts := map[string]int{}
		for _, e := range mailOutbox(t, s) {
			attempts[e.ToAddress] = e.Attempts
			if e.SentAt != nil {
				t.Fatalf("mail to %s marked sent", e.ToAddress)
			}
		}
		if attempts["a@example.com"]+attempts["b@example.com"] != 1 {
			t.Fatalf("attempts %v", attempts)
		}
	})
}

func TestSMTPStartTLSWhenOffered(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if err := s.QueueEmail(ctx, models.OutboxEmail{ToAddress: "bob@example.com", Subject: "Hi", TextBody: "Hello", Kind: "test"}); err != nil {
			t.Fatal(err)
		}
		srv := newSMTPServer(t)
		m := srv.mailer()
		// An untrusted certificate fails the delivery rather than falling back to clear text.
		srv.offerTLS()
		now := time.Now().Add(time.Second)
		if sent, failed := mailSend(t, s, m, now); sent != 0 || failed != 1 || len(srv.received()) != 0 {
			t.Fatalf("untrusted certificate: sent %d failed %d", sent, failed)
		}
		m.TLSConfig = srv.offerTLS()
		if sent, _ := mailSend(t, s, m, now.Add(time.Hour)); sent != 1 {
			t.Fatal("not delivered over STARTTLS")
		}
		if got := srv.received(); len(got) != 1 || !got[0].TLS {
			t.Fatalf("received %+v, want one message after STARTTLS", got)
		}
	})
}

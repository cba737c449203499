package models_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// hookReceiver records every request a webhook endpoint gets and answers
// with the status set in next (200 by default).
type hookReceiver struct {
	mu     sync.Mutex
	status int
	got    []received
	srv    *httptest.Server
}

type received struct {
	header http.Header
	body   []byte
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	r := &hookReceiver{status: http.StatusOK}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{header: req.Header.Clone(), body: body})
		status := r.status
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func (r *hookReceiver) answer(status int) {
	r.mu.Lock()
	r.status = status
	r.mu.Unlock()
}

func mkHook(t *testing.T, s *models.Store, ns *int64, url, token string) *models.WebHook {
	t.Helper()
	h, err := s.CreateWebHook(context.Background(), tester, ns, models.WebHookInput{URL: url, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// A bulk change queues one delivery per hook, in its transaction, listing
// each ledger row; the delivery is signed with the hook's secret.
func TestWebHookDeliveryIsSignedAndListsTheLedgerRows(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		rcv := newHookReceiver(t)
		const secret = "correct horse battery staple"
		h := mkHook(t, s, nil, rcv.srv.URL+"/seats", secret)
		// The secret is sealed at rest, never stored as typed.
		if sqlCount(t, s, "SELECT count(*) FROM web_hooks WHERE token_encrypted LIKE '%"+secret+"%'") != 0 || h.TokenEncrypted == "" {
			t.Fatal("the secret token is stored in clear")
		}
		p, users := smPurchase(t, s, 3) // three single assignments: three deliveries
		if _, err := s.BulkUnassignSeats(ctx, tester.WithSeatReason(models.SeatReasonBulk), p.ID, []int64{users[0].ID, users[1].ID}); err != nil {
			t.Fatal(err)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM email_outbox WHERE web_hook_id IS NOT NULL"); n != 4 {
			t.Fatalf("%d deliveries queued, want 4 (3 single assignments, 1 bulk removal)", n)
		}
		// Deliveries are not mail: the mail outbox does not list them.
		out, err := s.ListOutbox(ctx, models.OutboxFilter{}, models.Page{Number: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Items {
			if m.Kind == "web_hook" {
				t.Fatal("the email outbox lists a webhook delivery")
			}
		}
		sent, failed, err := s.SendDueWebHooks(ctx, models.NewWebHookClient(), time.Now(), 10)
		if err != nil || sent != 4 || failed != 0 {
			t.Fatalf("sent %d failed %d: %v", sent, failed, err)
		}
		got := rcv.requests()
		if len(got) != 4 {
			t.Fatalf("%d requests", len(got))
		}
		last := got[3]
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(last.body)
		if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); last.header.Get("X-Duoadmin-Signature") != want {
			t.Fatalf("signature %q, want %q", last.header.Get("X-Duoadmin-Signature"), want)
		}
		if last.header.Get("X-Duoadmin-Event") != "seat_events" || last.header.Get("Content-Type") != "application/json" {
			t.Fatalf("headers %v", last.header)
		}
		var pl models.SeatHookPayload
		if err := json.Unmarshal(last.body, &pl); err != nil {
			t.Fatal(err)
		}
		if pl.EventName != "seat_events" || pl.AddOnPurchase.ID != p.ID || pl.AddOnPurchase.Namespace != nil || pl.Count != 2 || len(pl.SeatEvents) != 2 {
			t.Fatalf("payload %+v", pl)
		}
		for i, e := range pl.SeatEvents {
			if e.Username != users[i].Username || e.UserID != users[i].ID || e.Event != "lost" || e.Reason != "bulk" ||
				e.Actor != "tester" || e.AddOnPurchaseID != p.ID || e.CreatedAt.IsZero() {
				t.Fatalf("row %d: %+v", i, e)
			}
		}
		// Delivered once: a second pass sends nothing.
		if sent, _, _ := s.SendDueWebHooks(ctx, models.NewWebHookClient(), time.Now().Add(time.Hour), 10); sent != 0 {
			t.Fatalf("resent %d", sent)
		}
		logs, err := s.WebHookLogs(ctx, h.ID, models.Page{Number: 1})
		if err != nil || logs.Total != 4 || !logs.Items[0].Succeeded() || logs.Items[0].Attempt != 1 || logs.Items[0].Trigger != "seat_events" {
			t.Fatalf("log %+v %v", logs, err)
		}
	})
}

// A group's hook gets its purchases' events only; a system hook gets all.
func TestWebHookScopes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		w := comWorld(t, s, 10)
		other, err := s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: "other", Name: "Other", Plan: models.PlanUltimate})
		if err != nil {
			t.Fatal(err)
		}
		acmeHook := mkHook(t, s, &w.acme.ID, "https://acme.example.com/h", "a")
		otherHook := mkHook(t, s, &other.ID, "https://other.example.com/h", "o")
		system := mkHook(t, s, nil, "https://admin.example.com/h", "s")
		if _, err := s.AssignSeat(ctx, tester, w.purchase.ID, w.users["owner"].ID); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[int64]int{acmeHook.ID: 1, otherHook.ID: 0, system.ID: 1} {
			if n := sqlCount(t, s, "SELECT count(*) FROM email_outbox WHERE web_hook_id = "+itoa(id)); n != want {
				t.Errorf("hook %d: %d deliveries, want %d", id, n, want)
			}
		}
		var body string
		db, _ := s.SQLDB()
		db.QueryRow("SELECT text_body FROM email_outbox WHERE web_hook_id = $1", acmeHook.ID).Scan(&body)
		if !strings.Contains(body, `"namespace":"acme"`) || !strings.Contains(body, `"username":"owner"`) {
			t.Fatalf("body %s", body)
		}
		// A group owner cannot reach another scope's hook.
		if _, err := s.WebHook(ctx, &other.ID, acmeHook.ID); err == nil {
			t.Fatal("other's scope found acme's hook")
		}
		if _, err := s.WebHook(ctx, nil, acmeHook.ID); err == nil {
			t.Fatal("the system scope found a group's hook")
		}
		// Deleting a hook drops its pending deliveries and is audited.
		if err := s.DeleteWebHook(ctx, tester, &w.acme.ID, acmeHook.ID); err != nil {
			t.Fatal(err)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM email_outbox WHERE web_hook_id = "+itoa(acmeHook.ID)); n != 0 {
			t.Fatalf("%d deliveries left for a deleted hook", n)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM audit_events WHERE action IN ('web_hook_created', 'web_hook_destroyed')"); n != 4 {
			t.Fatalf("%d hook audit events, want 3 created + 1 destroyed", n)
		}
	})
}

// A failing receiver is retried with growing waits, each attempt logged
// (status, error, attempt), until WebHookMaxAttempts; the seat change it
// reports stays committed throughout.
func TestWebHookRetriesWithBackoffAndLogs(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		rcv := newHookReceiver(t)
		rcv.answer(http.StatusInternalServerError)
		h := mkHook(t, s, nil, rcv.srv.URL, "k")
		p, users := smPurchase(t, s, 1)
		if n, _ := s.AssignedCount(ctx, p.ID); n != 1 {
			t.Fatal("the seat change did not commit")
		}
		client := models.NewWebHookClient()
		now := time.Now().UTC()
		if _, failed, err := s.SendDueWebHooks(ctx, client, now, 10); err != nil || failed != 1 {
			t.Fatalf("first attempt: failed %d %v", failed, err)
		}
		// Not due again before the first wait (30 s) is over.
		if sent, failed, _ := s.SendDueWebHooks(ctx, client, now.Add(29*time.Second), 10); sent+failed != 0 {
			t.Fatal("retried before its backoff")
		}
		when := now
		for attempt := 2; attempt <= models.WebHookMaxAttempts; attempt++ {
			when = when.Add(models.WebHookRetryDelay(attempt - 1))
			if _, failed, err := s.SendDueWebHooks(ctx, client, when, 10); err != nil || failed != 1 {
				t.Fatalf("attempt %d: failed %d %v", attempt, failed, err)
			}
		}
		// Given up: never due again.
		if sent, failed, _ := s.SendDueWebHooks(ctx, client, when.Add(48*time.Hour), 10); sent+failed != 0 {
			t.Fatal("tried after giving up")
		}
		if len(rcv.requests()) != models.WebHookMaxAttempts {
			t.Fatalf("%d requests, want %d", len(rcv.requests()), models.WebHookMaxAttempts)
		}
		logs, err := s.WebHookLogs(ctx, h.ID, models.Page{Number: 1, PerPage: 20})
		if err != nil || int(logs.Total) != models.WebHookMaxAttempts {
			t.Fatalf("log %d rows %v", logs.Total, err)
		}
		newest := logs.Items[0]
		if newest.StatusCode != 500 || newest.Attempt != models.WebHookMaxAttempts || newest.Error != "HTTP 500" || newest.Succeeded() {
			t.Fatalf("newest log row %+v", newest)
		}
		// The waits double from 30 s and stop growing at an hour.
		if models.WebHookRetryDelay(1) != 30*time.Second || models.WebHookRetryDelay(2) != time.Minute || models.WebHookRetryDelay(20) != time.Hour {
			t.Fatal("backoff schedule")
		}
		if n, _ := s.AssignedCount(ctx, p.ID); n != 1 || ledgerRows(t, s, users[0].ID, "gained", "manual") != 1 {
			t.Fatal("a failing webhook changed the seat or its ledger")
		}
	})
}

// An unreachable hook neither blocks nor rolls back the seat change: the
// change commits at once (nothing is sent in its transaction); a change
// that fails queues nothing.
func TestFailingWebHookNeverBlocksTheSeatChange(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		// A server that never answers in time, and a closed port.
		release := make(chan struct{})
		hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}))
		t.Cleanup(hang.Close)
		t.Cleanup(func() { close(release) }) // runs first: lets the handler end
		mkHook(t, s, nil, hang.URL, "k")
		mkHook(t, s, nil, "http://127.0.0.1:1/closed", "k")
		start := time.Now()
		p, users := smPurchase(t, s, 2)
		if time.Since(start) > 5*time.Second {
			t.Fatal("the seat change waited for the webhooks")
		}
		if n, _ := s.AssignedCount(ctx, p.ID); n != 2 {
			t.Fatalf("%d seats", n)
		}
		// Refused as a whole: no seat, no ledger row, no delivery.
		before := sqlCount(t, s, "SELECT count(*) FROM email_outbox WHERE web_hook_id IS NOT NULL")
		extra := mkUser(t, s, "extra", models.StateActive, false)
		if _, err := s.BulkAssignSeats(ctx, tester, p.ID, []int64{extra.ID}); seatCode(err) != models.NotEnoughSeats {
			t.Fatalf("over quantity: %v", err)
		}
		if after := sqlCount(t, s, "SELECT count(*) FROM email_outbox WHERE web_hook_id IS NOT NULL"); after != before {
			t.Fatalf("a refused change queued %d deliveries", after-before)
		}
		// Delivery fails (closed port, timeout) and is rescheduled; the seats stay.
		client := models.NewWebHookClient()
		client.Timeout = 200 * time.Millisecond
		if _, failed, err := s.SendDueWebHooks(ctx, client, time.Now(), 10); err != nil || failed != before {
			t.Fatalf("failed %d of %d: %v", failed, before, err)
		}
		if n := sqlCount(t, s, "SELECT count(*) FROM web_hook_logs WHERE status_code = 0 AND error <> ''"); n != before {
			t.Fatalf("%d failed attempts logged with their error, want %d", n, before)
		}
		if _, err := s.UnassignSeat(ctx, tester, p.ID, users[0].ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.AssignedCount(ctx, p.ID); n != 1 {
			t.Fatalf("%d seats after a removal", n)
		}
	})
}

// Two senders (two app instances) never deliver the same row twice.
func TestWebHookDeliveredOnceByConcurrentSenders(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		rcv := newHookReceiver(t)
		mkHook(t, s, nil, rcv.srv.URL, "k")
		smPurchase(t, s, 6)
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, _, err := s.SendDueWebHooks(ctx, models.NewWebHookClient(), time.Now(), 10); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		seen := map[string]int{}
		for _, r := range rcv.requests() {
			seen[r.header.Get("X-Duoadmin-Delivery")]++
		}
		if len(seen) != 6 {
			t.Fatalf("%d distinct deliveries, want 6", len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("delivery %s sent %d times", id, n)
			}
		}
	})
}

func TestValidateWebHook(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		url, token, field string
	}{
		{"", "t", "url"},
		{"ftp://example.com/x", "t", "url"},
		{"javascript:alert(1)", "t", "url"},
		{"http://", "t", "url"},
		{"https://user:pw@example.com/", "t", "url"},
		{"https://example.com/", "", "token"},
		{"https://example.com/hook?x=1", "t", ""},
		{"http://10.0.0.1:8080/hook", "t", ""},
	} {
		errs := models.ValidateWebHook(models.WebHookInput{URL: c.url, Token: c.token})
		if c.field == "" && len(errs) != 0 || c.field != "" && errs[c.field] == "" {
			t.Errorf("%q %q: %v", c.url, c.token, errs)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

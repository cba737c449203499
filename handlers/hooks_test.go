package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// The System hooks screen: add (validated; the token never shown again),
// Test (a signed request, logged in Recent events), delete only after the
// confirmation page.
func TestAdminSystemHooksScreens(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.Header.Get("X-Duoadmin-Event") == "test" && strings.HasPrefix(r.Header.Get("X-Duoadmin-Signature"), "sha256=") {
			hits.Add(1)
		}
	}))
	t.Cleanup(rcv.Close)
	a := newApp(t, storetest.Any(t), models.SelfManaged)
	c := a.as("admin")
	wantStatus(t, c.get("/admin/hooks"), http.StatusOK)

	// Bad input: 422, the URL kept, the token not echoed.
	r := c.post("/admin/hooks", url.Values{"hook[url]": {"ftp://example.com/x"}, "hook[token]": {"t0ps3cret"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, "Only allowed schemes are http, https") || !strings.Contains(r.Body, `value="ftp://example.com/x"`) || strings.Contains(r.Body, "t0ps3cret") {
		t.Fatal("the form did not re-render with the error and the URL only")
	}
	wantStatus(t, c.post("/admin/hooks", url.Values{"hook[url]": {rcv.URL + "/seats?key=abc"}, "hook[token]": {"t0ps3cret"}}), http.StatusSeeOther)
	hooks, err := a.store.WebHooks(context.Background(), nil)
	if err != nil || len(hooks) != 1 {
		t.Fatalf("hooks %v %v", hooks, err)
	}
	list := c.get("/admin/hooks")
	if strings.Contains(list.Body, "t0ps3cret") || strings.Contains(list.Body, "key=abc") || !strings.Contains(list.Body, "[REDACTED]") {
		t.Fatal("the list shows the token or the URL's query")
	}
	wantAudit(t, a, "web_hook_created", hooks[0].DisplayURL(), "admin")

	edit := "/admin/hooks/" + id(hooks[0].ID) + "/edit"
	if r := c.get(edit); !strings.Contains(r.Body, "No recent events") || strings.Contains(r.Body, "t0ps3cret") {
		t.Fatal("edit page before any event")
	}
	r = c.post("/admin/hooks/"+id(hooks[0].ID)+"/test", nil)
	wantStatus(t, r, http.StatusSeeOther)
	if got := c.follow(r).Flash(); got != "Hook executed successfully: HTTP 200" || hits.Load() != 1 {
		t.Fatalf("flash %q, %d signed test requests", got, hits.Load())
	}
	if rows := c.get(edit).Doc().Find(`[data-testid="hook-log"]`); rows.Length() != 1 || !strings.Contains(rows.Text(), "200") || !strings.Contains(rows.Text(), "test") {
		t.Fatalf("recent events: %q", rows.Text())
	}

	// Delete: the confirmation page first; a POST without it deletes nothing.
	del := "/admin/hooks/" + id(hooks[0].ID) + "/delete"
	if r := c.get(del); !strings.Contains(r.Body, "Are you sure you want to delete this system hook?") {
		t.Fatal("no confirmation")
	}
	wantStatus(t, c.post(del, nil), http.StatusOK)
	if hs, _ := a.store.WebHooks(context.Background(), nil); len(hs) != 1 {
		t.Fatal("deleted without confirmation")
	}
	wantStatus(t, c.post(del, url.Values{"confirm": {"1"}}), http.StatusSeeOther)
	if hs, _ := a.store.WebHooks(context.Background(), nil); len(hs) != 0 {
		t.Fatal("not deleted")
	}
	wantAudit(t, a, "web_hook_destroyed", hooks[0].DisplayURL(), "admin")
	wantStatus(t, c.get(edit), http.StatusNotFound)
}

// A group's webhooks exist on GitLab.com for top-level groups only; a
// group's hook is not reachable through another group or the admin's.
func TestGroupHooksScreens(t *testing.T) {
	t.Parallel()
	a := comSeatsApp(t, 5)
	c := a.as("owner")
	wantStatus(t, c.post("/groups/acme/-/hooks", url.Values{"hook[url]": {"https://hooks.example.com/acme"}, "hook[token]": {"s"}}), http.StatusSeeOther)
	hs, err := a.store.WebHooks(context.Background(), &a.acme.ID)
	if err != nil || len(hs) != 1 {
		t.Fatalf("acme's hooks %v %v", hs, err)
	}
	if r := c.get("/groups/acme/-/hooks"); !strings.Contains(r.Body, "https://hooks.example.com/acme") {
		t.Fatal("not listed")
	}
	wantStatus(t, c.get("/groups/acme/platform/-/hooks"), http.StatusNotFound)
	wantStatus(t, a.as("admin").get("/admin/hooks/"+id(hs[0].ID)+"/edit"), http.StatusNotFound)
	wantStatus(t, a.as("dev").get("/groups/acme/-/hooks"), http.StatusNotFound)

	sm := newApp(t, storetest.SQLite(t), models.SelfManaged)
	sm.acmeOwnedByOwner()
	wantStatus(t, sm.as("owner").get("/groups/acme/-/hooks"), http.StatusNotFound)
}

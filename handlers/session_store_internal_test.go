package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/securecookie"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// A cookie signed with the app's secret that carries a user id (what every
// session was before they moved to the database, and what a leaked secret
// would let anyone forge) signs no one in: only a database row does.
func TestSignedCookieCarryingAUserSignsNoOneIn(t *testing.T) {
	t.Parallel()
	store := storetest.SQLite(t)
	u, err := store.CreateUser(context.Background(), models.Automation, models.UserInput{Username: "dev", Name: "Dev", Email: "dev@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.Repeat("s", 32)
	st := newSessionStore(store, secret, false, func(*http.Request) string { return "192.0.2.1" })
	old, err := securecookie.EncodeMulti(sessionCookie, map[any]any{sessionUserID: u.ID, sessionCSRF: "token"}, st.codecs...)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: old})
	sess, err := st.Get(req, sessionCookie)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sess.Values[sessionUserID]; ok || sess.ID != "" {
		t.Fatalf("a signed cookie signed user %d in: %v", u.ID, sess.Values)
	}
	if sess.Values[sessionCSRF] != "token" {
		t.Fatalf("the signed-out values were lost: %v", sess.Values)
	}
}

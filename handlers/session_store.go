package handlers

import (
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"duoadmin/models"
)

// sessionStore is the gorilla/sessions Store of the web UI.
//
// A signed-in session is a row of user_sessions (models/user_sessions.go):
// the cookie carries "v2." and a random 256-bit token, nothing else; the
// database keeps the token's hash and the values. Every instance reads the
// row on each request, so a sign-out or a revocation holds everywhere at
// once.
//
// A signed-out visitor's session (CSRF token, flash, where to return after
// sign-in) stays in a signed, encrypted cookie as before: it grants
// nothing, and keeping it out of the database means that a visitor cannot
// make the app write a row per request. A user id is never read from such
// a cookie, so the cookie-only sessions of older versions sign no one in.
type sessionStore struct {
	db       *models.Store
	codecs   []securecookie.Codec
	options  sessions.Options
	clientIP func(*http.Request) string
}

// serverSessionPrefix marks a cookie that names a database session. The
// signed cookies are base64 and never contain a dot.
const serverSessionPrefix = "v2."

func newSessionStore(db *models.Store, secret string, secure bool, clientIP func(*http.Request) string) *sessionStore {
	hashKey := sha256.Sum256([]byte("duoadmin-session-hash:" + secret))
	blockKey := sha256.Sum256([]byte("duoadmin-session-block:" + secret))
	codecs := securecookie.CodecsFromPairs(hashKey[:], blockKey[:])
	for _, c := range codecs {
		c.(*securecookie.SecureCookie).MaxAge(signedOutMaxAge)
	}
	return &sessionStore{db: db, codecs: codecs, clientIP: clientIP, options: sessions.Options{
		Path: "/", MaxAge: signedOutMaxAge, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}}
}

// Get reads the request's session; the middleware calls it once per request.
func (st *sessionStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return st.New(r, name)
}

// New reads the request's session or starts an empty one. An unreadable,
// ended or expired session is an empty one; only a database failure is an
// error.
func (st *sessionStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(st, name)
	opts := st.options
	sess.Options = &opts
	sess.IsNew = true
	ck, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	if token, ok := strings.CutPrefix(ck.Value, serverSessionPrefix); ok {
		row, err := st.db.SessionByToken(r.Context(), token, time.Now())
		if errors.Is(err, models.ErrNotFound) {
			return sess, nil
		}
		if err != nil {
			return sess, err
		}
		if err := (securecookie.GobEncoder{}).Deserialize(row.Data, &sess.Values); err != nil {
			// Values of an older shape: keep the user signed in, start
			// their values (CSRF token, flashes) afresh.
			sess.Values = map[any]any{}
		}
		sess.Values[sessionUserID] = row.UserID
		sess.ID, sess.IsNew = token, false
		return sess, nil
	}
	if securecookie.DecodeMulti(name, ck.Value, &sess.Values, st.codecs...) != nil {
		// Another secret's, or tampered with: start over.
		sess.Values = map[any]any{}
		return sess, nil
	}
	// Only a database session signs anyone in.
	delete(sess.Values, sessionUserID)
	sess.IsNew = false
	return sess, nil
}

// Save writes the session where its state belongs: a signed-in one to its
// row (created at sign-in), a signed-out one to the cookie, ending the row
// it had if any (sign-out).
func (st *sessionStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	uid, signedIn := sess.Values[sessionUserID].(int64)
	if !signedIn {
		if sess.ID != "" {
			if err := st.db.EndSession(ctx, sess.ID); err != nil {
				return err
			}
			sess.ID = ""
		}
		return st.saveCookie(w, sess)
	}
	data, err := st.encodeValues(sess)
	if err != nil {
		return err
	}
	if sess.ID == "" {
		token := randomToken()
		if err := st.db.CreateSession(ctx, models.NewSession{Token: token, UserID: uid, Data: data,
			UserAgent: r.UserAgent(), IPAddress: st.clientIP(r)}, time.Now()); err != nil {
			return err
		}
		sess.ID = token
		opts := *sess.Options
		opts.MaxAge = int(models.SessionMaxLifetime / time.Second)
		http.SetCookie(w, sessions.NewCookie(sess.Name(), serverSessionPrefix+token, &opts))
		return nil
	}
	live, err := st.db.SaveSessionData(ctx, sess.ID, uid, data)
	if err != nil || live {
		return err
	}
	// Ended while this request ran (signed out elsewhere, revoked): it
	// stays ended, and the browser gets a signed-out session instead.
	delete(sess.Values, sessionUserID)
	sess.ID = ""
	return st.saveCookie(w, sess)
}

func (st *sessionStore) saveCookie(w http.ResponseWriter, sess *sessions.Session) error {
	encoded, err := securecookie.EncodeMulti(sess.Name(), sess.Values, st.codecs...)
	if err != nil {
		return err
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, sess.Options))
	return nil
}

// encodeValues is what the row keeps: the values but the user id, which
// has its own column.
func (st *sessionStore) encodeValues(sess *sessions.Session) ([]byte, error) {
	values := make(map[any]any, len(sess.Values))
	for k, v := range sess.Values {
		if k != sessionUserID {
			values[k] = v
		}
	}
	return securecookie.GobEncoder{}.Serialize(values)
}

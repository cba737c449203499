package handlers

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// errBadText: Postgres refuses a NUL byte or invalid UTF-8 in text with an
// error that would otherwise surface as a 500 from whichever query met it
// first, and SQLite stores it as given. One rule at the edge instead of
// one per handler: no such text gets past here.
var errBadText = echo.NewHTTPError(http.StatusBadRequest,
	"The request contains a NUL character or text that is not valid UTF-8. Remove it and try again.")

// refuseBadText checks the path, the query, and a form or JSON body (read
// here, bounded by limitBody, and handed on unchanged).
func (s *Server) refuseBadText(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if !cleanText(r.URL.Path) {
			return errBadText
		}
		if r.URL.RawQuery != "" {
			q, _ := url.ParseQuery(r.URL.RawQuery) // what parses is what handlers see
			if !cleanValues(q) {
				return errBadText
			}
		}
		if r.Body == nil || r.Body == http.NoBody || r.Method == http.MethodGet || r.Method == http.MethodHead {
			return next(c)
		}
		if err := checkBody(r); err != nil {
			return err
		}
		return next(c)
	}
}

// checkBody reads the body, checks it, and puts it back for the handler,
// which may parse it itself (the API's seat endpoints read it raw).
func checkBody(r *http.Request) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return bodyError(err)
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if mediaType != echo.MIMEMultipartForm && !cleanJSONText(b) {
		// The declared type is the sender's word, not a fact: some
		// handlers read a JSON body whatever it is labelled, so every
		// body but a multipart one is checked as text too.
		return errBadText
	}
	switch mediaType {
	case echo.MIMEApplicationForm:
		form, _ := url.ParseQuery(string(b))
		if !cleanValues(form) {
			return errBadText
		}
	case echo.MIMEMultipartForm:
		// Form fields are text; uploaded files are their parsers' to judge.
		copied := r.Clone(r.Context())
		copied.Body = io.NopCloser(bytes.NewReader(b))
		if err := copied.ParseMultipartForm(8 << 20); err != nil {
			return bodyError(err)
		}
		defer func() { _ = copied.MultipartForm.RemoveAll() }()
		if !cleanValues(copied.MultipartForm.Value) {
			return errBadText
		}
	}
	return nil
}

// cleanJSONText: valid UTF-8, no NUL byte, and no NUL written as a JSON
// escape.
func cleanJSONText(b []byte) bool {
	return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 && !hasJSONNulEscape(b)
}

// bodyError: a body over the limit is 413; one that does not parse, 400.
func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
	}
	return echo.NewHTTPError(http.StatusBadRequest, "The request body could not be read.")
}

func cleanText(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

func cleanValues(v map[string][]string) bool {
	for k, vs := range v {
		if !cleanText(k) {
			return false
		}
		for _, s := range vs {
			if !cleanText(s) {
				return false
			}
		}
	}
	return true
}

// hasJSONNulEscape finds \u0000 written as an escape in JSON text, which a
// decoder turns into a NUL. Each backslash escape is taken as a pair, so
// an escaped backslash followed by "u0000" is not one.
func hasJSONNulEscape(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) && string(b[i+2:i+6]) == "0000" {
			return true
		}
		i++ // skip the escaped character
	}
	return false
}

package handlers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

// A page whose template fails half-way is not sent: the client gets the
// 500 error page, never the half already rendered with a 200, and the
// failure is logged with the request id.
func TestRenderFailingHalfWayIsA500(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil)), deployment: models.SelfManaged, metrics: newMetrics()}
	e := echo.New()
	e.HTTPErrorHandler = s.handleError
	e.Use(s.requestID)
	half := templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, _ = io.WriteString(w, "<p>SECRET-HALF-PAGE</p>")
		return errors.New("template broke")
	})
	e.GET("/page", func(c echo.Context) error { return ok(c, half) })
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/page", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "SECRET-HALF-PAGE") {
		t.Fatalf("the half page was sent:\n%s", rec.Body.String())
	}
	if !strings.Contains(rec.Body.String(), "Something went wrong on our end") {
		t.Errorf("no error page:\n%s", rec.Body.String())
	}
	id := rec.Header().Get(echo.HeaderXRequestID)
	if id == "" || !strings.Contains(logs.String(), id) || !strings.Contains(logs.String(), "template broke") {
		t.Errorf("the failure is not logged with request id %q:\n%s", id, logs.String())
	}
}

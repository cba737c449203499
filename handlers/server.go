package handlers

import (
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"duoadmin/models"
)

type Options struct {
	Store         *models.Store
	Deployment    models.Deployment
	BaseURL       string // e.g. https://duo.example.com; https makes cookies Secure
	SessionSecret string
	Logger        *slog.Logger
	Static        fs.FS
	// MaxBodyBytes caps request bodies; larger ones answer 413.
	MaxBodyBytes int64
	// SMTPDescription is the host:port mail goes through, shown on the
	// outbox page; empty means SMTP is not configured.
	SMTPDescription string
	// AfterAuthorization, when set, is called for every request that its
	// route's rule allowed, just before the route's handler runs. Tests use
	// it to prove that a denied request runs no handler.
	AfterAuthorization func(*http.Request)
	// TrustProxy believes X-Forwarded-For from loopback and private
	// addresses (a reverse proxy in front); otherwise the client is the
	// connection's remote address.
	TrustProxy bool
}

type Server struct {
	store         *models.Store
	deployment    models.Deployment
	baseURL       string
	log           *slog.Logger
	sessions      *sessionStore
	static        fs.FS
	maxBody       int64
	metrics       *metrics
	routeAccess   map[string]Access
	groupRoutes   *scopedRouter
	projectRoutes *scopedRouter
	echo          *echo.Echo
	// ipExtractor finds the client's address (see Options.TrustProxy).
	ipExtractor echo.IPExtractor

	afterAuthorization func(*http.Request)

	smtpDescription string
}

// New builds the server. It refuses to start without a Store that can
// encrypt (models.Options.Secrets) or without a session secret: a key or
// secret generated here would be lost at the next restart, silently
// making stored API keys unreadable and signing everyone out.
func New(opts Options) (*Server, error) {
	switch {
	case opts.Store == nil:
		return nil, errors.New("handlers.New: no Store")
	case !opts.Store.CanEncrypt():
		return nil, errors.New("handlers.New: the Store has no encryption key (models.Options.Secrets)")
	case len(opts.SessionSecret) < 32:
		return nil, errors.New("handlers.New: the session secret must be at least 32 characters")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 8 << 20
	}
	s := &Server{
		store:       opts.Store,
		deployment:  opts.Deployment,
		baseURL:     strings.TrimSuffix(opts.BaseURL, "/"),
		log:         opts.Logger,
		ipExtractor: echo.ExtractIPDirect(),
		static:      opts.Static,
		maxBody:     opts.MaxBodyBytes,
		metrics:     newMetrics(),

		smtpDescription:    opts.SMTPDescription,
		afterAuthorization: opts.AfterAuthorization,
	}
	if opts.TrustProxy {
		s.ipExtractor = echo.ExtractIPFromXFFHeader()
	}
	s.sessions = newSessionStore(opts.Store, opts.SessionSecret, strings.HasPrefix(opts.BaseURL, "https://"), s.ipExtractor)
	s.echo = s.buildEcho()
	return s, nil
}

// ServeHTTP makes the Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

func (s *Server) Echo() *echo.Echo { return s.echo }

func (s *Server) buildEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = s.ipExtractor
	// Global: what every request needs. The session and CSRF (web) and token
	// authentication (api) are each edge's own: see routes.go.
	e.Use(s.requestID, s.observe, s.recoverPanics, s.securityHeaders, s.limitBody, s.refuseBadText)
	s.routes(e)
	return e
}

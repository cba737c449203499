package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"duoadmin/handlers"
	"duoadmin/models"
	"duoadmin/models/storetest"
	"duoadmin/static"
)

// journeyPassword signs in every person a journey creates.
const journeyPassword = "journey-horse-battery"

// journeySite is the app in one deployment mode with no seed data: each
// journey builds exactly the organisation its story needs.
type journeySite struct {
	t     *testing.T
	url   string
	store *models.Store
}

func startJourneySite(t *testing.T, d models.Deployment) *journeySite {
	t.Helper()
	store := storetest.Any(t)
	srv := mustServer(t, handlers.Options{Store: store, Deployment: d, BaseURL: "http://127.0.0.1",
		SessionSecret: strings.Repeat("j", 32), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Static: static.FS})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &journeySite{t: t, url: ts.URL, store: store}
}

// person creates a user; with signIn the user gets the journey password
// (hashing is slow, so the crowd of members has none).
func (s *journeySite) person(username, name string, signIn bool, roles ...string) *models.User {
	s.t.Helper()
	in := models.UserInput{Username: username, Name: name, Email: username + "@example.com"}
	if signIn {
		in.Password = journeyPassword
	}
	for _, r := range roles {
		switch r {
		case "admin":
			in.Admin = true
		case "auditor":
			in.Auditor = true
		}
	}
	u, err := s.store.CreateUser(context.Background(), models.Automation, in)
	if err != nil {
		s.t.Fatalf("create user %s: %v", username, err)
	}
	return u
}

func (s *journeySite) group(parent *models.Group, path, name string, plan models.Plan) *models.Group {
	s.t.Helper()
	g, err := s.store.CreateGroup(context.Background(), models.Automation, parent, models.GroupInput{Path: path, Name: name, Plan: plan})
	if err != nil {
		s.t.Fatalf("create group %s: %v", path, err)
	}
	return g
}

func (s *journeySite) project(g *models.Group, path, name string) *models.Project {
	s.t.Helper()
	p, err := s.store.CreateProject(context.Background(), models.Automation, g, models.ProjectInput{Path: path, Name: name})
	if err != nil {
		s.t.Fatalf("create project %s: %v", path, err)
	}
	return p
}

func (s *journeySite) member(g *models.Group, u *models.User, level models.AccessLevel) {
	s.t.Helper()
	if _, err := s.store.AddMember(context.Background(), models.Automation, models.GroupSource(g), u, level); err != nil {
		s.t.Fatalf("add %s to %s: %v", u.Username, g.FullPath, err)
	}
}

// seatGroup is GitLab.com's story: the top-level group acme (Ultimate)
// owned by olivia, with 30 backend developers and 9 frontend developers —
// 40 eligible members — and a Duo Pro purchase of the given seats.
func seatGroup(t *testing.T, seats int) (*journeySite, *models.Group, *models.AddOnPurchase) {
	t.Helper()
	s := startJourneySite(t, models.GitLabCom)
	acme := s.group(nil, "acme", "Acme Corp", models.PlanUltimate)
	s.member(acme, s.person("olivia", "Olivia Owner", true), models.Owner)
	for i := 1; i <= 30; i++ {
		s.member(acme, s.person(fmt.Sprintf("backend-%02d", i), fmt.Sprintf("Backend Developer %02d", i), false), models.Developer)
	}
	for i := 1; i <= 9; i++ {
		s.member(acme, s.person(fmt.Sprintf("frontend-%02d", i), fmt.Sprintf("Frontend Developer %02d", i), false), models.Developer)
	}
	start, end := models.Today().AddDays(-30), models.Today().AddDays(335)
	p, err := s.store.CreatePurchase(context.Background(), models.Automation, models.GitLabCom, models.PurchaseInput{
		AddOn: models.AddOnDuoPro, NamespaceID: &acme.ID, Quantity: seats, StartedAt: &start, ExpiresOn: end, PurchaseXID: "A-S00012345"})
	if err != nil {
		t.Fatal(err)
	}
	return s, acme, p
}

// journeyBrowser is a browser at the size the screenshots are taken at.
func journeyBrowser(t *testing.T) context.Context {
	t.Helper()
	ctx := newBrowser(t)
	do(t, ctx, "set the viewport", chromedp.EmulateViewport(1280, 800))
	return ctx
}

// signInAs goes through the real sign-in form.
func signInAs(t *testing.T, ctx context.Context, s *journeySite, username string) {
	t.Helper()
	do(t, ctx, "sign in as "+username,
		chromedp.Navigate(s.url+"/users/sign_in"),
		chromedp.WaitVisible(chromedp.ID("user_login")),
		chromedp.SendKeys(chromedp.ID("user_login"), username),
		chromedp.SendKeys(chromedp.ID("user_password"), journeyPassword),
		chromedp.Click(chromedp.CSS(`[data-testid="sign-in-button"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="current-user"]`)),
	)
}

// open navigates and fails unless the page answers with want.
func open(t *testing.T, ctx context.Context, s *journeySite, path string, want int64) {
	t.Helper()
	res := run(t, ctx, "open "+path, chromedp.NavigateResponse(s.url+path))
	if res.Status != want {
		t.Fatalf("GET %s: status %d, want %d", path, res.Status, want)
	}
}

// textOf is the visible text of the first element matching css, trimmed.
func textOf(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	return strings.Join(strings.Fields(run(t, ctx, "read "+css, chromedp.Text(chromedp.CSS(css)))), " ")
}

func wantTextOf(t *testing.T, ctx context.Context, css, want string) {
	t.Helper()
	if got := textOf(t, ctx, css); got != want {
		t.Errorf("%s shows %q, want %q", css, got, want)
	}
}

func wantContains(t *testing.T, ctx context.Context, css, want string) {
	t.Helper()
	if got := textOf(t, ctx, css); !strings.Contains(got, want) {
		t.Errorf("%s shows %q, want it to contain %q", css, got, want)
	}
}

// count is how many elements match css.
func count(t *testing.T, ctx context.Context, css string) int {
	t.Helper()
	return run(t, ctx, "count "+css, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, css)))
}

// attrs is the given attribute of every element matching css, sorted.
func attrs(t *testing.T, ctx context.Context, css, attr string) []string {
	t.Helper()
	got := run(t, ctx, "read "+attr+" of "+css, chromedp.Evaluate[[]string](fmt.Sprintf(
		`[...document.querySelectorAll(%q)].map((e) => e.getAttribute(%q) || '')`, css, attr)))
	sort.Strings(got)
	return got
}

// shot is a viewport screenshot named for the README, e.g. bulk-assign.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	saveScreenshot(t, ctx, name, chromedp.CaptureScreenshot())
}

// mustServer is handlers.New's server, or the test stops.
func mustServer(t testing.TB, opts handlers.Options) *handlers.Server {
	t.Helper()
	srv, err := handlers.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

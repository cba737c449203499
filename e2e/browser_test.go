package e2e

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"duoadmin/handlers"
	"duoadmin/models"
	"duoadmin/models/storetest"
	"duoadmin/static"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.DropTemplate()
	os.Exit(code)
}

const (
	adminPassword = "correct-horse-battery"
	// stepTimeout bounds each browser step, so a page that never shows what
	// we wait for fails in seconds instead of hanging the run.
	stepTimeout = 5 * time.Second
)

// site is the app running in-process with its seed data.
type site struct {
	url   string
	store *models.Store
	acme  *models.Group
}

// startSite serves a fresh database seeded with an admin (known password),
// the Ultimate group acme, its subgroup acme/platform and a project
// acme/backend.
func startSite(t *testing.T) *site {
	t.Helper()
	store := storetest.Any(t)
	srv := mustServer(t, handlers.Options{Store: store, Deployment: models.SelfManaged, BaseURL: "http://127.0.0.1",
		SessionSecret: strings.Repeat("e", 32), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Static: static.FS})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	ctx := context.Background()
	seed := models.Actor{Username: "e2e"}
	admin, err := store.CreateUser(ctx, seed, models.UserInput{Username: "admin", Name: "Ada Admin",
		Email: "admin@example.com", Password: adminPassword, Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	actor := models.ActorFor(admin)
	acme, err := store.CreateGroup(ctx, actor, nil, models.GroupInput{Path: "acme", Name: "Acme Corp", Plan: models.PlanUltimate})
	if err != nil {
		t.Fatal(err)
	}
	platform, err := store.CreateGroup(ctx, actor, acme, models.GroupInput{Path: "platform", Name: "Platform"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateProject(ctx, actor, acme, models.ProjectInput{Path: "backend", Name: "Backend"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateProject(ctx, actor, platform, models.ProjectInput{Path: "web", Name: "Web"}); err != nil {
		t.Fatal(err)
	}
	return &site{url: ts.URL, store: store, acme: acme}
}

// chromiumPath is $CHROMIUM_PATH or /usr/bin/chromium. A CHROMIUM_PATH that
// is set but wrong is a broken setup (CI sets it), not a reason to skip.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("CHROMIUM_PATH=%s: %v", p, err)
		}
		return p
	}
	const fallback = "/usr/bin/chromium"
	if _, err := os.Stat(fallback); err != nil {
		storetest.Report("browser: skipped (no chromium)")
		t.Skip("no browser: set CHROMIUM_PATH or install chromium (apt-get install -y chromium)")
	}
	return fallback
}

// newBrowser starts headless Chromium with its own profile and returns a
// tab context; everything is torn down when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := chromiumPath(t)
	profile, err := os.MkdirTemp("", "duoadmin-e2e-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Chromium's helpers can write to the profile for a moment after
		// the browser exits, so RemoveAll can race them; retry briefly.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1400, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	// Registered after the profile clean-up, so it runs first.
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	// The first Do starts the browser and binds its life to ctx, which has
	// no deadline; the steps get theirs from do and run.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium (%s): %v", exe, err)
	}
	storetest.Report("browser: chromium")
	return ctx
}

// do runs browser steps with a per-step deadline.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s: timed out after %s (page: %s)", what, stepTimeout, location(ctx))
		}
		t.Fatalf("%s: %v", what, err)
	}
}

// run is do for one step that returns a value.
func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v (page: %s)", what, err, location(ctx))
	}
	return v
}

func location(ctx context.Context) string {
	sctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	loc, err := chromedp.Run(sctx, chromedp.Location())
	if err != nil {
		return "unknown"
	}
	return loc
}

// screenshot captures the whole page, checks it is a real PNG, and keeps a
// copy when DUOADMIN_SCREENSHOTS=1 (see saveScreenshot).
func screenshot(t *testing.T, ctx context.Context) {
	t.Helper()
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	saveScreenshot(t, ctx, name, chromedp.FullScreenshot(100))
}

// saveScreenshot checks the capture is a real PNG and, when
// DUOADMIN_SCREENSHOTS=1, writes it as <name>.png to $DUOADMIN_SCREENSHOT_DIR
// (default e2e/screenshots/; `make screenshots` sets docs/screenshots/).
func saveScreenshot(t *testing.T, ctx context.Context, name string, capture chromedp.Action[[]byte]) {
	t.Helper()
	buf := run(t, ctx, "screenshot", capture)
	name += ".png"
	tmp := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(tmp, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("screenshot is not a PNG (%d bytes): %v", len(buf), err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Fatalf("screenshot is only %dx%d", b.Dx(), b.Dy())
	}
	if os.Getenv("DUOADMIN_SCREENSHOTS") == "1" {
		dir := os.Getenv("DUOADMIN_SCREENSHOT_DIR")
		if dir == "" {
			dir = "screenshots"
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", filepath.Join(dir, name))
	}
}

// Package e2e holds the browser tests: the app runs in-process on an
// httptest server and headless Chromium drives it through the real pages.
// Set DUOADMIN_SCREENSHOTS=1 to keep their screenshots in e2e/screenshots/.
package e2e

// Package static holds the browser assets served under /static/: our own
// css/ and js/, plus vendor/ (GitLab UI's CSS and the GitLab SVG icon
// sprite) which `make assets` copies out of node_modules and which is
// git-ignored. Everything is embedded so the binary runs without the source
// tree.
//
// The pattern is "*" rather than "css js vendor" so that the package still
// compiles on a fresh clone before `make assets` has created vendor/; the
// app then simply serves no vendor files. (It also embeds this file, which
// is harmless.)
package static

// Package handlers holds one file per screen (GET and POST together), the
// /api/v4 endpoints, and the middleware that every request goes through.
package handlers

// Package errors holds the error page (404, 403, 422, 500, 503) shown in
// the page frame.
package errors

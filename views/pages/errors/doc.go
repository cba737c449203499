// Package errors holds the error page.
package errors

// Package users holds the sign-in page.
package users

// Package dashboard holds the signed-in home page.
package dashboard

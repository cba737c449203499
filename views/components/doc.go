// Package components holds the templ pieces every page shares: form fields
// with their errors, the GitLab Duo availability radios, icons from
// @gitlab/svgs, and pagination that keeps the list's filters.
package components

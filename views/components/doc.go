// Package components holds the pieces many pages share: the CSRF field, field
// errors and the error summary, page headings, pagination, icons and the
// GitLab Duo availability controls.
package components

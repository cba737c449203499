package models

import (
	"sort"
	"strings"
)

// FieldErrors maps a form field to what is wrong with it. It is returned for
// bad input, so handlers can re-render the form with 422 instead of failing.
type FieldErrors map[string]string

func (f FieldErrors) Error() string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+f[k])
	}
	return strings.Join(parts, "; ")
}

func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// OrNil returns nil when there is nothing wrong, so callers can `return errs.OrNil()`.
func (f FieldErrors) OrNil() error {
	if len(f) == 0 {
		return nil
	}
	return f
}

// Message is an error whose text is written for people and shown as is.
type Message string

func (m Message) Error() string { return string(m) }

// msgBlank is GitLab's message for a required field left empty.
const msgBlank = "can't be blank"

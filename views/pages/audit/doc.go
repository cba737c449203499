// Package audit holds the audit events list.
package audit

// Package ldap holds the LDAP server screen (/admin/gitlab_duo/ldap,
// self-managed): its settings form and "Test connection".
package ldap

// Package userduo is a user's GitLab Duo tab: their seats and the purchase
// behind each, Duo Core, activity and seat history. The admin user page
// and a group's member page share it.
package userduo

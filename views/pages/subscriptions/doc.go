// Package subscriptions holds the subscription and billing screens: the list,
// a subscription, purchases, orders and seat quantity changes.
package subscriptions

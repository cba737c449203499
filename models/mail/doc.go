// Package mail owns the delivery of one mail: rendering it as an RFC 5322
// message and handing it to an SMTP relay. What is sent, when, and how
// often it is retried is the outbox's business (models: SendDueEmails).
package mail

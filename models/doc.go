// Package models holds the entities, every query and transaction (the Store)
// and the domain rules of duoadmin: seats and their ledger, automatic seat
// removal, the GitLab Duo availability cascade, the access facts, and
// import/export of an organisation file. Code that needs none of the
// Store's internals lives below it: models imports access (the pure access
// decision and its catalogue), accesscache (when cached access reads may be
// served, and the Postgres listener behind that), mail (rendering and SMTP
// delivery of one mail) and secretbox (encryption of the secrets kept in the
// database), never the reverse; seed (the demo and synthetic organisations)
// imports models and writes through its exported methods.
package models

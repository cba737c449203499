// Package models holds the entities, every query and transaction (the Store)
// and the domain rules of duoadmin: seats and their ledger, automatic seat
// removal, the GitLab Duo availability cascade, the access facts, and the
// writes an import makes, one method per section (import_store*.go). Code
// that needs none of the Store's internals lives below it: models imports
// access (the pure access
// decision and its catalogue), accesscache (when cached access reads may be
// served, and the Postgres listener behind that), mail (rendering and SMTP
// delivery of one mail) and secretbox (encryption of the secrets kept in the
// database), never the reverse; orgfile (the organisation file: import
// and export) and seed (the demo and synthetic organisations) import models
// and write through its exported methods.
package models

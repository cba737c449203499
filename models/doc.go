// Package models holds the entities, every query and transaction (the Store)
// and the domain rules of duoadmin. Leaf infrastructure that needs none of
// them lives below it, and models imports it, never the reverse:
// accesscache (when cached access reads may be served, and the Postgres
// listener behind that), mail (rendering and SMTP delivery of one mail)
// and secretbox (encryption of the secrets kept in the database).
package models

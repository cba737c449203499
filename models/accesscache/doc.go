// Package accesscache owns when cached access reads may be served: a
// generation that every committed change to the tables they come from
// moves on, a live flag that is set only while a Postgres listener
// receives those changes, and that listener. The entries themselves (a
// token's user, a resource's access facts) are models types and stay in
// models, which tags each with the generation it was read in.
package accesscache

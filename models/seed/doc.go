// Package seed owns the two made-up organisations: the demo (Demo,
// DemoDocument: a few hundred people in acme, globex and partners, loaded
// through the importer into an empty database, with the demo sign-in
// accounts) and the benchmarks' synthetic organisation (BuildSynthetic,
// LoadSynthetic, ResetSyntheticSeats: 100,000s of rows written set-based
// on Postgres). It writes only through exported Store methods, so its
// seats are audited and in the seat ledger like any other.
package seed

// Package orgfile owns the organisation file, duoadmin's import/export
// format (Document): reading it with every problem reported at its JSON
// path (ParseDocument), and an import's validation against the database,
// its planning (which rows are new, which columns change, which seats fit)
// and the order of its sections (Import, ImportIntoEmpty), and the export
// that imports back unchanged (Export, WriteDocument). It holds no SQL: it
// reads and writes through exported Store methods (models/import_store*.go
// keep the domain writes, such as a purchase's refresh or a seat's audit
// event and ledger row), all in one transaction (Store.Tx).
package orgfile

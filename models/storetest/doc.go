// Package storetest gives tests a fresh, migrated Store on SQLite and, when
// TEST_DATABASE_URL points at a reachable Postgres, on Postgres too. Every
// test gets its own database, dropped when it ends.
package storetest

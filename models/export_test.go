package models

import "time"

// ReverseOrder exposes reverseOrder to the external tests.
var ReverseOrder = reverseOrder

// SetAccessCacheLive serves the access cache as if a listener were live,
// without one: tests of what this process's own writes do to it.
func (s *Store) SetAccessCacheLive(live bool) { s.cache.setLive(live) }

// SetAccessCacheClock makes the access cache date and judge its entries
// by now instead of time.Now.
func (s *Store) SetAccessCacheClock(now func() time.Time) { s.cache.now = now }

// AccessCacheGeneration counts the times the cache retired everything.
func (s *Store) AccessCacheGeneration() uint64 { return s.cache.state.Generation() }

// AccessCacheChanges counts the changes the cache was told of, targeted
// or not: a notification's arrival moves it.
func (s *Store) AccessCacheChanges() uint64 { return s.cache.state.Seq() }

// PostgresDSN is what the change listener connects with.
func (s *Store) PostgresDSN() string { return s.dsn }

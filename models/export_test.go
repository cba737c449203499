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

// AccessCacheGeneration is the cache's current generation.
func (s *Store) AccessCacheGeneration() uint64 { return s.cache.state.Generation() }

package accesscache

import "sync/atomic"

// State is the generation and the live flag. A nil *State is a cache that
// is never live and always at generation 0, so callers need not check.
type State struct {
	gen  atomic.Uint64
	live atomic.Bool
}

// Invalidate retires every entry: something they were read from changed.
func (s *State) Invalidate() {
	if s != nil {
		s.gen.Add(1)
	}
}

// Generation counts the times everything cached was retired.
func (s *State) Generation() uint64 {
	if s == nil {
		return 0
	}
	return s.gen.Load()
}

// Live tells whether entries may be served and kept: a listener is
// receiving the change notifications.
func (s *State) Live() bool { return s != nil && s.live.Load() }

// SetLive turns serving on (the listener is listening) or off. Either way
// what changed while no one listened is unknown: everything is retired.
func (s *State) SetLive(live bool) {
	s.Invalidate()
	s.live.Store(live)
}

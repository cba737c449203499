package accesscache

import (
	"sync"
	"sync/atomic"
)

// State counts the changes seen, retired everything (generations) and
// whether a listener is live; it hands each change to the cache's own
// retire function. A nil *State is a cache that is never live, at change
// and generation 0, so callers need not check.
type State struct {
	live atomic.Bool
	// seq counts every change applied; gen those that retired everything.
	seq, gen atomic.Uint64
	// mu orders the changes: each is numbered and handed to retire before
	// the next.
	mu     sync.Mutex
	retire func(seq uint64, c Change)
}

// OnChange sets what is called with each change and its number, in order,
// after the number is visible to Seq. Set it before the state is used.
func (s *State) OnChange(retire func(seq uint64, c Change)) { s.retire = retire }

// Apply records that c committed.
func (s *State) Apply(c Change) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seq := s.seq.Add(1)
	if c.All {
		s.gen.Add(1)
	}
	if s.retire != nil {
		s.retire(seq, c)
	}
}

// Invalidate retires every entry: something they all may depend on changed.
func (s *State) Invalidate() { s.Apply(Everything) }

// Seq is the number of the last change applied: a read that starts now
// sees every change up to it committed.
func (s *State) Seq() uint64 {
	if s == nil {
		return 0
	}
	return s.seq.Load()
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
	if s != nil {
		s.live.Store(live)
	}
}

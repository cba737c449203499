package models

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"duoadmin/models/access"
	"duoadmin/models/accesscache"
)

// The access API answers each IDE many times a minute, and what it reads —
// the token's user, their seats and memberships, the resource's chain of
// settings — changes rarely. accessCache keeps those reads for as long as
// none of the tables they come from has changed. On Postgres, triggers on
// those tables notify every app instance when a change commits (migration
// 00012) and the listener (accesscache.Listen) moves the generation on; so
// does every transaction this process commits that wrote one of them
// (Store.Tx), so a writer reads its own writes at once. An entry of an older
// generation is never served. Without a
// live listener — SQLite, a lost connection, before the first LISTEN —
// nothing is served from or kept in the cache.
type accessCache struct {
	// state is the generation and whether a listener is live.
	state accesscache.State
	// lookups counts, by kind (tokens, facts), the answers served from the
	// cache and those read from the database while it was live.
	hits, misses [2]atomic.Uint64

	// now is the clock entries are dated and judged by: time.Now, or a
	// test's clock, so the 30 s and midnight expiries can be shown.
	now func() time.Time

	mu         sync.Mutex
	entriesGen uint64 // the generation the maps hold entries of
	tokens     map[string]*tokenEntry
	facts      map[factsCacheKey]factsEntry
	notFound   int // facts entries that are ErrNotFound
}

const (
	// accessCacheTTL bounds what the entries' validity also depends on: the
	// clock (a token's expiry date, a purchase's dates).
	accessCacheTTL = 30 * time.Second
	// accessCacheMaxEntries bounds memory: past it the cache starts over.
	accessCacheMaxEntries = 100_000
	// accessCacheMaxNotFound bounds the answers about paths that do not
	// exist, which anyone with a token can make up without end: past it
	// they are no longer kept, rather than emptying the cache for everyone.
	accessCacheMaxNotFound = 10_000
)

type tokenEntry struct {
	at        time.Time
	user      User
	tokenID   int64
	expiresAt *Date
	// lastUsedAt is the token's last use as recorded in the database.
	lastUsedAt *time.Time
}

type factsCacheKey struct {
	userID   int64
	d        Deployment
	kind     access.ResourceKind
	path     string // lower-cased: paths are looked up case-insensitively
	asMember bool
}

type factsEntry struct {
	at    time.Time
	facts access.Facts
	err   error // nil or ErrNotFound
}

const (
	lookupToken = iota
	lookupFacts
)

func newAccessCache() *accessCache { return &accessCache{now: time.Now} }

// ListenForChanges makes the access cache live for as long as ctx lasts and
// a connection LISTENs on the triggers' channel; it reconnects by itself and
// returns when ctx ends. Postgres only: elsewhere it returns at once and
// nothing is cached.
func (s *Store) ListenForChanges(ctx context.Context, log *slog.Logger) {
	if s.dialect != Postgres || s.cache == nil {
		return
	}
	accesscache.Listen(ctx, s.dsn, &s.cache.state, log)
}

// AccessCacheLive tells whether the access cache is serving (for health
// and tests).
func (s *Store) AccessCacheLive() bool { return s.cache != nil && s.cache.state.Live() }

// counted passes hit through, counting it for /-/metrics.
func (c *accessCache) counted(kind int, hit bool) bool {
	if hit {
		c.hits[kind].Add(1)
	} else {
		c.misses[kind].Add(1)
	}
	return hit
}

// AccessCacheStats is what /-/metrics reports of the access cache.
type AccessCacheStats struct {
	Live bool
	// Hits and Misses by lookup kind: "token" and "facts".
	Hits, Misses map[string]uint64
	// Generation counts the times everything cached was retired.
	Generation uint64
}

func (s *Store) AccessCacheStats() AccessCacheStats {
	c := s.cache
	st := AccessCacheStats{Hits: map[string]uint64{}, Misses: map[string]uint64{}}
	if c == nil {
		return st
	}
	st.Live, st.Generation = c.state.Live(), c.state.Generation()
	for kind, name := range []string{lookupToken: "token", lookupFacts: "facts"} {
		st.Hits[name], st.Misses[name] = c.hits[kind].Load(), c.misses[kind].Load()
	}
	return st
}

// invalidate retires every entry: something they were read from changed.
func (c *accessCache) invalidate() {
	if c != nil {
		c.state.Invalidate()
	}
}

// generation is 0 without a cache, so callers need not check.
func (c *accessCache) generation() uint64 {
	if c == nil {
		return 0
	}
	return c.state.Generation()
}

// setLive turns serving on (the listener is listening) or off. Either way
// what changed while no one listened is unknown: everything is retired.
func (c *accessCache) setLive(live bool) { c.state.SetLive(live) }

// ticket is taken before reading what an entry will hold: the entry is
// tagged with the generation and time as they were before the read, so a
// change that commits during the read retires it.
type ticket struct {
	gen  uint64
	at   time.Time
	keep bool // the cache is live: the entry may be kept
}

func (c *accessCache) begin() ticket {
	if c == nil || !c.state.Live() {
		return ticket{}
	}
	return ticket{gen: c.state.Generation(), at: c.now(), keep: true}
}

// fresh also wants the entry read on the same day: a token's expiry and a
// purchase's dates are decided by calendar day.
func fresh(at time.Time, now time.Time) bool {
	return now.Sub(at) < accessCacheTTL && DateOf(now).Equal(DateOf(at).Time)
}

// currentLocked makes the maps hold the current generation's entries only.
func (c *accessCache) currentLocked() {
	if g := c.state.Generation(); c.entriesGen != g || c.tokens == nil ||
		len(c.tokens)+len(c.facts) >= accessCacheMaxEntries {
		c.entriesGen = g
		c.tokens = map[string]*tokenEntry{}
		c.facts = map[factsCacheKey]factsEntry{}
		c.notFound = 0
	}
}

// token is the cached entry for a token digest, if there is a current one.
// The entry is shared: change it only under c.mu.
func (c *accessCache) token(digest string) (*tokenEntry, bool) {
	if c == nil || !c.state.Live() {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.currentLocked()
	e, ok := c.tokens[digest]
	if !c.counted(lookupToken, ok && fresh(e.at, c.now())) {
		return nil, false
	}
	return e, true
}

func (c *accessCache) putToken(t ticket, digest string, e *tokenEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.currentLocked()
	if t.keep && t.gen == c.entriesGen {
		e.at = t.at
		c.tokens[digest] = e
	}
}

// tokenUsed records that the token's use at now was written.
func (c *accessCache) tokenUsed(e *tokenEntry, now time.Time) {
	c.mu.Lock()
	e.lastUsedAt = &now
	c.mu.Unlock()
}

// tokenLastUsed reads an entry's last recorded use.
func (c *accessCache) tokenLastUsed(e *tokenEntry) *time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return e.lastUsedAt
}

func (c *accessCache) accessFacts(k factsCacheKey) (access.Facts, error, bool) {
	if c == nil || !c.state.Live() {
		return access.Facts{}, nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.currentLocked()
	e, ok := c.facts[k]
	if !c.counted(lookupFacts, ok && fresh(e.at, c.now())) {
		return access.Facts{}, nil, false
	}
	return cloneFacts(e.facts), e.err, true
}

func (c *accessCache) putAccessFacts(t ticket, k factsCacheKey, f access.Facts, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.currentLocked()
	if !t.keep || t.gen != c.entriesGen {
		return
	}
	if err != nil {
		if c.notFound >= accessCacheMaxNotFound {
			return
		}
		c.notFound++
	}
	c.facts[k] = factsEntry{at: t.at, facts: cloneFacts(f), err: err}
}

// cloneFacts copies the slices: callers may change their facts, and an entry
// is handed to many.
func cloneFacts(f access.Facts) access.Facts {
	f.Seats = append([]access.Seat(nil), f.Seats...)
	f.PaidGroups = append([]access.PaidGroup(nil), f.PaidGroups...)
	return f
}

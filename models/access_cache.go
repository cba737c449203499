package models

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"duoadmin/models/access"
	"duoadmin/models/accesscache"
)

// The access API answers each IDE many times a minute, and what it reads —
// the token's user, their seats and memberships, the resource's chain of
// settings — changes rarely. accessCache keeps those reads until something
// they were read from changes. On Postgres, triggers on those tables notify
// every app instance when a change commits, naming what changed (the users,
// groups, projects: migration 00030), and the listener (accesscache.Listen)
// hands the change to retire, which drops the entries it concerns; a change
// that concerns everyone (instance settings, a purchase) drops them all.
// Every transaction this process commits retires what it wrote the same way
// (Store.Tx), so a writer reads its own writes at once. An entry read while
// a change concerning it committed is never kept (ticket, recent). Without
// a live listener — SQLite, a lost connection, before the first LISTEN —
// nothing is served from or kept in the cache.
type accessCache struct {
	// state numbers the changes and says whether a listener is live.
	state accesscache.State
	// lookups counts, by kind (tokens, facts), the answers served from the
	// cache and those read from the database while it was live.
	hits, misses [2]atomic.Uint64
	// retired counts the entries dropped by changes that named them.
	retired atomic.Uint64

	// now is the clock entries are dated and judged by: time.Now, or a
	// test's clock, so the 30 s and midnight expiries can be shown.
	now func() time.Time

	mu     sync.Mutex
	tokens map[string]*tokenEntry // by token digest
	users  map[int64]*userEntries
	// facts counts the facts entries; notFound those that are ErrNotFound.
	facts, notFound int
	// flushedAt is the number of the last change that retired everything;
	// recent the targeted changes after it, oldest first, at most
	// accessCacheRecentChanges; forgotten the number of the newest one
	// dropped from recent. A read that began before one of them (its
	// ticket) is kept only if none of them concerns it.
	flushedAt, forgotten uint64
	recent               []numberedChange
}

// userEntries is what the cache holds for one user: a change naming the
// user drops it whole.
type userEntries struct {
	tokens map[string]struct{} // digests in accessCache.tokens
	facts  map[factsCacheKey]factsEntry
}

type numberedChange struct {
	seq    uint64
	change accesscache.Change
}

const (
	// accessCacheTTL bounds what the entries' validity also depends on: the
	// clock (a token's expiry date, a purchase's dates).
	accessCacheTTL = 30 * time.Second
	// accessCacheMaxEntries bounds memory: past it the cache starts over.
	accessCacheMaxEntries = 100_000
	// accessCacheRecentChanges bounds the changes remembered for reads
	// under way; a read older than all of them is not kept.
	accessCacheRecentChanges = 1024
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
	// chain is the groups the resource's facts were read from, a group's
	// own among them; project the project's id.
	chain   []int64
	project int64
}

func (k factsCacheKey) deps(e factsEntry) accesscache.Deps {
	return accesscache.Deps{User: k.userID, Groups: e.chain, Project: e.project, NotFound: e.err != nil,
		GitLabCom: k.d == GitLabCom}
}

const (
	lookupToken = iota
	lookupFacts
)

func newAccessCache() *accessCache {
	c := &accessCache{now: time.Now}
	c.state.OnChange(c.retire)
	return c
}

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
	// Generation counts the times everything cached was retired; Changes
	// every change applied, targeted or not; Retired the entries dropped
	// because a targeted change named them.
	Generation, Changes, Retired uint64
}

func (s *Store) AccessCacheStats() AccessCacheStats {
	c := s.cache
	st := AccessCacheStats{Hits: map[string]uint64{}, Misses: map[string]uint64{}}
	if c == nil {
		return st
	}
	st.Live, st.Generation, st.Changes, st.Retired = c.state.Live(), c.state.Generation(), c.state.Seq(), c.retired.Load()
	for kind, name := range []string{lookupToken: "token", lookupFacts: "facts"} {
		st.Hits[name], st.Misses[name] = c.hits[kind].Load(), c.misses[kind].Load()
	}
	return st
}

// changed retires what a committed change names.
func (c *accessCache) changed(ch accesscache.Change) {
	if c != nil {
		c.state.Apply(ch)
	}
}

// generation counts the times everything was retired; 0 without a cache,
// so callers need not check.
func (c *accessCache) generation() uint64 {
	if c == nil {
		return 0
	}
	return c.state.Generation()
}

// setLive turns serving on (the listener is listening) or off. Either way
// what changed while no one listened is unknown: everything is retired.
func (c *accessCache) setLive(live bool) { c.state.SetLive(live) }

// retire drops the entries change number seq concerns and remembers it
// for the reads under way (accesscache.State calls it, in order).
func (c *accessCache) retire(seq uint64, ch accesscache.Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch.All {
		c.resetLocked()
		c.flushedAt, c.recent = seq, nil
		return
	}
	if len(c.recent) == accessCacheRecentChanges {
		c.forgotten = c.recent[0].seq
		c.recent = slices.Delete(c.recent, 0, 1)
	}
	c.recent = append(c.recent, numberedChange{seq: seq, change: ch})
	n := 0
	for _, id := range ch.Users {
		n += c.dropUserLocked(id)
	}
	if len(ch.Groups)+len(ch.TopLevel)+len(ch.Projects) > 0 {
		// Rare (an administrator's change to a group or project): every
		// entry is looked at.
		for _, b := range c.users {
			for k, e := range b.facts {
				if ch.Concerns(k.deps(e)) {
					c.dropFactsLocked(b, k, e)
					n++
				}
			}
		}
	}
	c.retired.Add(uint64(n))
}

func (c *accessCache) resetLocked() {
	c.tokens, c.users = map[string]*tokenEntry{}, map[int64]*userEntries{}
	c.facts, c.notFound = 0, 0
}

// dropUserLocked drops a user's entries and returns how many there were.
func (c *accessCache) dropUserLocked(id int64) int {
	b := c.users[id]
	if b == nil {
		return 0
	}
	for d := range b.tokens {
		if e := c.tokens[d]; e != nil && e.user.ID == id {
			delete(c.tokens, d)
		}
	}
	n := len(b.tokens) + len(b.facts)
	for k, e := range b.facts {
		c.dropFactsLocked(b, k, e)
	}
	delete(c.users, id)
	return n
}

func (c *accessCache) dropFactsLocked(b *userEntries, k factsCacheKey, e factsEntry) {
	delete(b.facts, k)
	c.facts--
	if e.err != nil {
		c.notFound--
	}
}

// userLocked is the user's entries, made on first use.
func (c *accessCache) userLocked(id int64) *userEntries {
	b := c.users[id]
	if b == nil {
		b = &userEntries{tokens: map[string]struct{}{}, facts: map[factsCacheKey]factsEntry{}}
		c.users[id] = b
	}
	return b
}

// ticket is taken before reading what an entry will hold: the entry is
// dated as it was before the read, and kept only if no change that
// concerns it was applied since the ticket's number.
type ticket struct {
	seq  uint64
	at   time.Time
	keep bool // the cache is live: the entry may be kept
}

func (c *accessCache) begin() ticket {
	if c == nil || !c.state.Live() {
		return ticket{}
	}
	return ticket{seq: c.state.Seq(), at: c.now(), keep: true}
}

// keepableLocked tells whether an entry read from d under t may be kept:
// nothing applied since t retired everything or concerns d, as far as the
// changes remembered tell.
func (c *accessCache) keepableLocked(t ticket, d accesscache.Deps) bool {
	if !t.keep || c.flushedAt > t.seq || c.forgotten > t.seq {
		return false
	}
	for i := len(c.recent) - 1; i >= 0 && c.recent[i].seq > t.seq; i-- {
		if c.recent[i].change.Concerns(d) {
			return false
		}
	}
	return true
}

// fresh also wants the entry read on the same day: a token's expiry and a
// purchase's dates are decided by calendar day.
func fresh(at time.Time, now time.Time) bool {
	return now.Sub(at) < accessCacheTTL && DateOf(now).Equal(DateOf(at).Time)
}

// roomLocked makes room for one entry: past the bound the cache starts over.
func (c *accessCache) roomLocked() {
	if c.users == nil || len(c.tokens)+c.facts >= accessCacheMaxEntries {
		c.resetLocked()
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
	e, ok := c.tokens[digest]
	if !c.counted(lookupToken, ok && fresh(e.at, c.now())) {
		return nil, false
	}
	return e, true
}

func (c *accessCache) putToken(t ticket, digest string, e *tokenEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.keepableLocked(t, accesscache.Deps{User: e.user.ID}) {
		return
	}
	c.roomLocked()
	e.at = t.at
	if old := c.tokens[digest]; old != nil && old.user.ID != e.user.ID {
		if b := c.users[old.user.ID]; b != nil {
			delete(b.tokens, digest)
		}
	}
	c.tokens[digest] = e
	c.userLocked(e.user.ID).tokens[digest] = struct{}{}
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
	var e factsEntry
	ok := false
	if b := c.users[k.userID]; b != nil {
		e, ok = b.facts[k]
	}
	if !c.counted(lookupFacts, ok && fresh(e.at, c.now())) {
		return access.Facts{}, nil, false
	}
	return cloneFacts(e.facts), e.err, true
}

// putAccessFacts keeps what a read under t found; chain and project are
// the groups and project it was read from (factsSources).
func (c *accessCache) putAccessFacts(t ticket, k factsCacheKey, f access.Facts, err error, chain []int64, project int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := factsEntry{at: t.at, facts: cloneFacts(f), err: err, chain: chain, project: project}
	if !c.keepableLocked(t, k.deps(e)) {
		return
	}
	c.roomLocked()
	b := c.userLocked(k.userID)
	if old, ok := b.facts[k]; ok {
		c.dropFactsLocked(b, k, old)
	}
	if err != nil {
		if c.notFound >= accessCacheMaxNotFound {
			return
		}
		c.notFound++
	}
	b.facts[k] = e
	c.facts++
}

// cloneFacts copies the slices: callers may change their facts, and an entry
// is handed to many.
func cloneFacts(f access.Facts) access.Facts {
	f.Seats = append([]access.Seat(nil), f.Seats...)
	f.PaidGroups = append([]access.PaidGroup(nil), f.PaidGroups...)
	return f
}

package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"sync"
	"time"

	"duoadmin/models"
	"duoadmin/models/seed"
)

const (
	// accessUsers users ask about accessResources projects and groups, two
	// members of each.
	accessUsers     = 2000
	accessResources = accessUsers / 2
	accessTokenName = "duobench-access"
	// writerActor is the background writer's name in the audit log; its
	// events are deleted at the start of a run, as the scenarios' are.
	writerActor = "duobench-writer"
)

// accessPair is one user asking about one resource they are a member of.
type accessPair struct {
	userID int64
	token  string
	query  string // feature=…&project=… or &group=…
}

// mixMember is a membership the writer changes and changes back.
type mixMember struct {
	id     int64
	src    models.Source
	level  models.AccessLevel
	userID int64
}

type accessMix struct {
	pairs     []accessPair
	users     []int64
	members   []mixMember
	resources int
}

// accessMix picks the users and resources: accessResources projects and
// groups of the organisation (half each where the data allows) with two
// direct members apiece, no user twice, chosen by a hash so every run
// picks the same; and makes each user a token of their own (untimed).
func (b *bench) accessMix(ctx context.Context) (*accessMix, error) {
	for _, q := range []string{
		`DELETE FROM personal_access_tokens WHERE name = '` + accessTokenName + `'`,
		`DELETE FROM audit_events WHERE actor_name = '` + writerActor + `'`,
	} {
		if _, err := b.db.ExecContext(ctx, q); err != nil {
			return nil, err
		}
	}
	// Groups with four direct members or more: the first two ask about
	// the group, the next two about a project in it (members through the
	// group, as most of GitLab's are).
	rows, err := b.db.QueryContext(ctx, `WITH gm AS (
			SELECT m.id, m.user_id, m.source_id, m.access_level,
				row_number() OVER (PARTITION BY m.source_id ORDER BY m.user_id) AS k,
				count(*) OVER (PARTITION BY m.source_id) AS c
			FROM members m JOIN users u ON u.id = m.user_id
			WHERE m.source_type = 'Namespace' AND NOT m.pending AND m.root_namespace_id = $2 AND u.username LIKE $1),
		g AS (SELECT source_id FROM (SELECT DISTINCT source_id FROM gm WHERE c >= 4) d ORDER BY md5(source_id::text) LIMIT $3)
		SELECT gm.id, gm.user_id, gm.source_id, gm.access_level, n.full_path,
			coalesce((SELECT p.full_path FROM projects p WHERE p.namespace_id = gm.source_id ORDER BY p.id LIMIT 1), '')
		FROM g JOIN gm USING (source_id) JOIN namespaces n ON n.id = gm.source_id
		WHERE gm.k <= 4 ORDER BY gm.source_id, gm.k`, seed.SyntheticUserPrefix+"%", b.syn.Root.ID, accessResources*6/10)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type row struct {
		member         mixMember
		group, project string
	}
	var all []row
	for rows.Next() {
		var r row
		var level int
		if err := rows.Scan(&r.member.id, &r.member.userID, &r.member.src.ID, &level, &r.group, &r.project); err != nil {
			return nil, err
		}
		r.member.level = models.AccessLevel(level)
		r.member.src = models.Source{Type: models.SourceGroup, ID: r.member.src.ID, FullPath: r.group, RootID: b.syn.Root.ID}
		all = append(all, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	mix := &accessMix{}
	add := func(kind, path string, rs ...row) {
		mix.resources++
		for _, r := range rs {
			mix.users = append(mix.users, r.member.userID)
			mix.members = append(mix.members, r.member)
			mix.pairs = append(mix.pairs, accessPair{userID: r.member.userID,
				query: "feature=code_suggestions&" + kind + "=" + url.QueryEscape(path)})
		}
	}
	for i := 0; i+3 < len(all) && mix.resources < accessResources; i += 4 {
		g := all[i : i+4]
		if g[0].member.src.ID != g[3].member.src.ID || g[0].project == "" {
			return nil, fmt.Errorf("access_api: group %s: want four members and a project", g[0].group)
		}
		add("group", g[0].group, g[0], g[1])
		add("project", g[0].project, g[2], g[3])
	}
	if mix.resources < accessResources {
		return nil, fmt.Errorf("access_api: found %d resources with two members, want %d", mix.resources, accessResources)
	}
	// The tokens, written at once: the scenario is not about creating them.
	digests := make([]string, len(mix.pairs))
	for i := range mix.pairs {
		mix.pairs[i].token = newToken()
		sum := sha256.Sum256([]byte(mix.pairs[i].token))
		digests[i] = hex.EncodeToString(sum[:])
	}
	_, err = b.db.ExecContext(ctx, `INSERT INTO personal_access_tokens (user_id, name, token_digest)
		SELECT unnest($1::bigint[]), $2, unnest($3::text[])`, mix.users, accessTokenName, digests)
	return mix, err
}

// newToken is a personal access token as the product makes them.
func newToken() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	raw := make([]byte, 24)
	_, _ = rand.Read(raw)
	for i := range raw {
		raw[i] = alphabet[int(raw[i])%len(alphabet)]
	}
	return "glpat-" + string(raw)
}

// steadyTokenUse dates each token's last use within the last minute, as
// in a day of steady use, so a segment pays for the token-use writes of
// steady state (each token's once a minute) rather than none or 2,000 at
// once.
func (m *accessMix) steadyTokenUse(ctx context.Context, b *bench) error {
	_, err := b.db.ExecContext(ctx, `UPDATE personal_access_tokens SET last_used_at = now() - random() * interval '60 seconds'
		WHERE name = $1`, accessTokenName)
	return err
}

// writer changes one seat and one membership a second through the Store,
// toggling: an odd change undoes the one before; stop undoes what is left.
type writer struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

func (m *accessMix) startWriter(ctx context.Context, b *bench) *writer {
	ctx, cancel := context.WithCancel(ctx)
	w := &writer{cancel: cancel, done: make(chan struct{})}
	actor := models.Actor{Username: writerActor}
	pid := b.syn.Purchase.ID
	go func() {
		defer close(w.done)
		rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 7))
		t := time.NewTicker(time.Second)
		defer t.Stop()
		var seatUser int64
		var seatHad bool
		var member *mixMember
		var once sync.Once
		undo := func(c context.Context) error {
			var err error
			if seatUser != 0 {
				if seatHad {
					_, err = b.store.AssignSeat(c, actor, pid, seatUser)
				} else {
					_, err = b.store.UnassignSeat(c, actor, pid, seatUser)
				}
				seatUser = 0
			}
			if member != nil && err == nil {
				err = b.store.ChangeMemberAccess(c, actor, member.src, member.id, member.level)
				member = nil
			}
			return err
		}
		defer once.Do(func() {
			if err := undo(context.Background()); err != nil && w.err == nil {
				w.err = err
			}
		})
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if seatUser != 0 {
				if err := undo(ctx); err != nil && ctx.Err() == nil {
					w.err = err
					return
				}
				continue
			}
			seatUser = m.users[rng.IntN(len(m.users))]
			var n int
			if err := b.db.QueryRowContext(ctx, `SELECT count(*) FROM seat_assignments WHERE add_on_purchase_id = $1 AND user_id = $2`,
				pid, seatUser).Scan(&n); err != nil {
				seatUser = 0
				if ctx.Err() == nil {
					w.err = err
				}
				return
			}
			seatHad = n > 0
			var err error
			if seatHad {
				_, err = b.store.UnassignSeat(ctx, actor, pid, seatUser)
			} else {
				_, err = b.store.AssignSeat(ctx, actor, pid, seatUser)
			}
			if err == nil {
				mm := m.members[rng.IntN(len(m.members))]
				member = &mm
				// Guest <-> Reporter, Developer <-> Maintainer: the access
				// API's answers hold either way.
				next := models.Reporter
				switch mm.level {
				case models.Reporter:
					next = models.Guest
				case models.Developer:
					next = models.Maintainer
				case models.Maintainer:
					next = models.Developer
				}
				err = b.store.ChangeMemberAccess(ctx, actor, mm.src, mm.id, next)
			}
			if err != nil && ctx.Err() == nil {
				w.err = err
				return
			}
		}
	}()
	return w
}

// stop ends the writer and undoes its last change (untimed).
func (w *writer) stop() error {
	w.cancel()
	<-w.done
	return w.err
}

package models

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gorm.io/gorm"
)

// A synthetic organisation is the benchmarks' data set: one GitLab.com-style
// top-level group with a deep subgroup tree, many projects, members spread
// over them and a Duo Pro purchase owned by the group. It is built with
// set-based SQL (generate_series), so only Postgres is supported: the same
// volume row by row on SQLite would take many minutes.

const (
	SyntheticGroupPath = "synthetic"
	SyntheticOwner     = "synthetic-owner"
	// SyntheticUserPrefix starts every generated username ("synthetic-user-42").
	SyntheticUserPrefix = "synthetic-user-"
)

var (
	ErrSyntheticExists   = errors.New("a synthetic organisation already exists (group 'synthetic'); use a fresh database")
	ErrSyntheticPostgres = errors.New("seed-synthetic needs Postgres (DATABASE_URL=postgres://…): it builds 100,000s of rows with set-based SQL that SQLite cannot run in reasonable time")
)

// SyntheticSize is how large an organisation to build.
type SyntheticSize struct {
	Users, Groups, Projects int
	Seats, Assigned         int // the Duo Pro purchase's quantity and its assigned seats
}

// DefaultSyntheticSize is the organisation.
var DefaultSyntheticSize = SyntheticSize{Users: 100000, Groups: 10000, Projects: 100000, Seats: 60000, Assigned: 50000}

func (z SyntheticSize) validate() error {
	switch {
	case z.Users < 1 || z.Groups < 0 || z.Projects < 0:
		return errors.New("--users must be at least 1; --groups and --projects at least 0")
	case z.Seats < 1 || z.Assigned < 0 || z.Assigned > z.Seats || z.Assigned > z.Users:
		return errors.New("seats must be at least 1, and assigned seats at most the seats and the users")
	}
	return nil
}

// Synthetic describes a seeded organisation.
type Synthetic struct {
	Root     *Group
	Purchase *AddOnPurchase
	Owner    *User
	Users    int64 // generated users (the owner excluded)
	Groups   int64 // subgroups below Root
	Projects int64
	Members  int64
	Assigned int64
}

// subtreeLevels splits n subgroups over five levels below the root (so the
// tree is six deep), each level about ten times wider than the one above.
func subtreeLevels(n int) []int {
	var out []int
	remaining := n
	for _, share := range []float64{0.001, 0.01, 0.1, 0.4} {
		if remaining == 0 {
			return out
		}
		w := min(remaining, max(1, int(math.Ceil(float64(n)*share))))
		out = append(out, w)
		remaining -= w
	}
	if remaining > 0 {
		out = append(out, remaining)
	}
	return out
}

// SeedSynthetic builds the organisation in one transaction. The group and
// the purchase are created through their Store methods (with audit
// events); the bulk rows are written directly, without per-row audit.
func (s *Store) SeedSynthetic(ctx context.Context, z SyntheticSize) (*Synthetic, error) {
	if s.dialect != Postgres {
		return nil, ErrSyntheticPostgres
	}
	if err := z.validate(); err != nil {
		return nil, err
	}
	if _, err := s.GroupByFullPath(ctx, SyntheticGroupPath); err == nil {
		return nil, ErrSyntheticExists
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	actor := Actor{Username: "seed-synthetic"}
	err := s.Tx(ctx, func(tx *Store) error {
		exec := func(q string, args ...any) error {
			if err := tx.q(ctx).Exec(q, args...).Error; err != nil {
				return fmt.Errorf("%w\n%s", err, q)
			}
			return nil
		}
		hash, err := tx.HashPassword(DemoPassword)
		if err != nil {
			return err
		}
		owner := &User{Username: SyntheticOwner, Name: "Synthetic Owner", Email: SyntheticOwner + "@example.com",
			PasswordHash: hash, State: StateActive}
		if err := tx.q(ctx).Create(owner).Error; err != nil {
			return err
		}
		root, err := tx.CreateGroup(ctx, actor, nil, GroupInput{Path: SyntheticGroupPath, Name: "Synthetic", Plan: PlanUltimate})
		if err != nil {
			return err
		}
		if err := exec(`INSERT INTO members (user_id, source_type, source_id, access_level) VALUES (?, ?, ?, ?)`,
			owner.ID, SourceGroup, root.ID, Owner); err != nil {
			return err
		}
		if err := tx.seedSyntheticUsers(ctx, z.Users); err != nil {
			return err
		}
		if err := tx.seedSyntheticTree(ctx, root, z); err != nil {
			return err
		}
		if err := tx.seedSyntheticMembers(ctx, root, z); err != nil {
			return err
		}
		start := Today().AddDays(-60)
		p, err := tx.CreatePurchase(ctx, actor, GitLabCom, PurchaseInput{AddOn: AddOnDuoPro, NamespaceID: &root.ID,
			Quantity: z.Seats, StartedAt: &start, ExpiresOn: Today().AddDays(305), PurchaseXID: "A-S00000001"})
		if err != nil {
			return err
		}
		if err := tx.ResetSyntheticSeats(ctx, p.ID, z.Seats, z.Assigned); err != nil {
			return err
		}
		// The bulk rows go in by SQL; the load itself is one audited change.
		return tx.Audit(ctx, actor, AuditEntry{Action: "organisation_imported", TargetType: "Instance", TargetName: "instance",
			NamespaceID: &root.ID, Details: map[string]any{"file": "seed-synthetic", "users": z.Users, "groups": z.Groups,
				"projects": z.Projects, "seats": z.Seats, "assigned": z.Assigned}})
	})
	if err != nil {
		return nil, err
	}
	// As autovacuum would on a live database: fresh statistics, and the
	// visibility map that lets counts read indexes only.
	analyze := "ANALYZE"
	if s.dialect == Postgres {
		analyze = "VACUUM ANALYZE"
	}
	if err := s.q(ctx).Exec(analyze).Error; err != nil {
		return nil, err
	}
	return s.LoadSynthetic(ctx)
}

// seedSyntheticUsers writes n users with activity spread over 90 days:
// a tenth never active, a quarter never used Duo, a third never used Code
// Suggestions.
func (s *Store) seedSyntheticUsers(ctx context.Context, n int) error {
	return s.q(ctx).Exec(`INSERT INTO users (username, name, email, last_activity_on, last_duo_activity_on, last_code_suggestions_usage_at)
		SELECT ? || g,
			(ARRAY['Alice','Bob','Carla','Dmitri','Eve','Farah','Gustav','Hana','Ivan','Jun','Kofi','Lena','Mateo','Nadia','Oskar','Priya','Quinn','Rosa','Sven','Tariq'])[1 + g % 20]
				|| ' ' || (ARRAY['Smith','Garcia','Müller','Kim','Okafor','Rossi','Nowak','Silva','Tanaka','Dubois','Jensen','Khan','Lopez','Novak','Berg','Costa','Ivanova','Meyer','Sato','Walsh'])[1 + (g / 20) % 20]
				|| ' ' || g,
			? || g || '@example.com',
			CASE WHEN g % 10 <> 0 THEN current_date - (g * 7 % 90) END,
			CASE WHEN g % 4 <> 0 THEN current_date - (g * 31 % 90) END,
			CASE WHEN g % 3 <> 0 THEN now() - (g * 17 % 90) * interval '1 day' - (g % 1440) * interval '1 minute' END
		FROM generate_series(1, ?::int) g`, SyntheticUserPrefix, SyntheticUserPrefix, n).Error
}

// seedSyntheticTree adds the subgroups level by level (each new group's
// traversal path is its parent's plus a '*' until its id is known) and
// spreads the projects over the whole tree.
func (s *Store) seedSyntheticTree(ctx context.Context, root *Group, z SyntheticSize) error {
	exec := func(q string, args ...any) error { return s.q(ctx).Exec(q, args...).Error }
	lo, hi := subtreeRange(root.TraversalPath)
	// Row numbers are matched against a modulo of a constant count: with the
	// count as a window column the join could not hash and would compare
	// every pair.
	parents := int64(1)
	for i, width := range subtreeLevels(z.Groups) {
		depth := i + 1 // slashes in the parents' traversal paths
		err := exec(`WITH parents AS (
				SELECT id, full_path, traversal_path, row_number() OVER (ORDER BY id) - 1 AS n
				FROM namespaces WHERE traversal_path >= ? AND traversal_path < ?
					AND length(traversal_path) - length(replace(traversal_path, '/', '')) = ?)
			INSERT INTO namespaces (parent_id, path, full_path, name, plan, traversal_path)
			SELECT p.id, 'g' || gs, p.full_path || '/g' || gs, 'Group ' || gs, '', p.traversal_path || '*'
			FROM generate_series(1, ?::int) gs JOIN parents p ON p.n = (gs - 1) % ?::bigint`, lo, hi, depth, width, parents)
		if err != nil {
			return err
		}
		if err := exec(`UPDATE namespaces SET traversal_path = replace(traversal_path, '*', id || '/') WHERE traversal_path LIKE '%*'`); err != nil {
			return err
		}
		parents = int64(width)
	}
	return exec(`WITH g AS (
			SELECT id, full_path, row_number() OVER (ORDER BY id) - 1 AS n
			FROM namespaces WHERE traversal_path >= ? AND traversal_path < ?)
		INSERT INTO projects (namespace_id, path, full_path, name)
		SELECT g.id, 'p' || gs, g.full_path || '/p' || gs, 'Project ' || gs
		FROM generate_series(1, ?::int) gs JOIN g ON g.n = (gs - 1) % ?::bigint`, lo, hi, z.Projects, z.Groups+1)
}

// seedSyntheticMembers makes every generated user a member somewhere below
// the root: three in five of a subgroup, the others of a project, and one
// in ten also of a second project; roles from Guest to Maintainer.
func (s *Store) seedSyntheticMembers(ctx context.Context, root *Group, z SyntheticSize) error {
	lo, hi := subtreeRange(root.TraversalPath)
	// Strictly below the root, unless the root is the only group.
	groupLo, groups := lo+"0", z.Groups
	if groups == 0 {
		groupLo, groups = lo, 1
	}
	users := `u AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users WHERE username LIKE '` + SyntheticUserPrefix + `%')`
	err := s.q(ctx).Exec(`WITH `+users+`,
			g AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM namespaces WHERE traversal_path >= ? AND traversal_path < ?)
		INSERT INTO members (user_id, source_type, source_id, access_level)
		SELECT u.id, ?, g.id, (ARRAY[10, 20, 30, 40])[1 + u.n % 4]
		FROM u JOIN g ON g.n = (u.n * 7919) % ?::bigint WHERE u.n % 5 < 3`, groupLo, hi, SourceGroup, groups).Error
	if err != nil || z.Projects == 0 {
		return err
	}
	return s.q(ctx).Exec(`WITH `+users+`,
			p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
				FROM projects WHERE namespace_id IN (SELECT id FROM namespaces WHERE traversal_path >= ? AND traversal_path < ?))
		INSERT INTO members (user_id, source_type, source_id, access_level)
		SELECT u.id, ?, p.id, (ARRAY[10, 20, 30, 40])[1 + u.n % 4]
		FROM u JOIN p ON p.n = (CASE WHEN u.n % 5 >= 3 THEN u.n * 104729 ELSE u.n * 15485863 END) % ?::bigint
		WHERE u.n % 5 >= 3 OR u.n % 10 = 0`, lo, hi, SourceProject, z.Projects).Error
}

// ResetSyntheticSeats puts the purchase back to quantity seats with the
// first assigned generated users (by id) holding one, assigned over the
// last 60 days. The benchmarks call it between runs, outside the timing.
func (s *Store) ResetSyntheticSeats(ctx context.Context, purchaseID int64, quantity, assigned int) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Exec(`DELETE FROM seat_assignments WHERE add_on_purchase_id = ?`, purchaseID).Error; err != nil {
			return err
		}
		if err := tx.q(ctx).Exec(`INSERT INTO seat_assignments (add_on_purchase_id, user_id, created_at, updated_at)
			SELECT ?, id, now() - (id % 60) * interval '1 day', now() FROM users
			WHERE username LIKE '`+SyntheticUserPrefix+`%' ORDER BY id LIMIT ?`, purchaseID, assigned).Error; err != nil {
			return err
		}
		return tx.q(ctx).Exec(`UPDATE add_on_purchases SET quantity = ?, updated_at = now() WHERE id = ?`, quantity, purchaseID).Error
	})
}

// LoadSynthetic finds a seeded organisation (ErrNotFound when there is none).
func (s *Store) LoadSynthetic(ctx context.Context) (*Synthetic, error) {
	root, err := s.GroupByFullPath(ctx, SyntheticGroupPath)
	if err != nil {
		return nil, err
	}
	owner, err := s.UserByUsername(ctx, SyntheticOwner)
	if err != nil {
		return nil, err
	}
	p, err := s.SeatPurchase(ctx, &root.ID)
	if err != nil {
		return nil, err
	}
	out := &Synthetic{Root: root, Purchase: p, Owner: owner}
	lo, hi := subtreeRange(root.TraversalPath)
	err = s.q(ctx).Raw(`SELECT
			(SELECT count(*) FROM users WHERE username LIKE '`+SyntheticUserPrefix+`%'),
			(SELECT count(*) FROM namespaces WHERE traversal_path > ? AND traversal_path < ?),
			(SELECT count(*) FROM projects WHERE namespace_id IN (SELECT id FROM namespaces WHERE traversal_path >= ? AND traversal_path < ?)),
			(SELECT count(*) FROM members m JOIN users u ON u.id = m.user_id WHERE u.username LIKE '`+SyntheticUserPrefix+`%'),
			(SELECT count(*) FROM seat_assignments WHERE add_on_purchase_id = ?)`,
		lo, hi, lo, hi, p.ID).Row().Scan(&out.Users, &out.Groups, &out.Projects, &out.Members, &out.Assigned)
	return out, err
}

// SyntheticSubtreeBounds is the traversal-path range of the organisation,
// for benchmarks that time raw statements on it.
func (y *Synthetic) SubtreeBounds() (lo, hi string) { return subtreeRange(y.Root.TraversalPath) }

// SeatTableSQL is the seat table's COUNT and page query as the database
// receives them (parameters inlined), so a benchmark can time them raw.
func (s *Store) SeatTableSQL(ctx context.Context, p *AddOnPurchase, f SeatFilter, page Page) (count, list string) {
	page = page.normalized()
	dry := &Store{db: s.db.Session(&gorm.Session{DryRun: true}), dialect: s.dialect, opts: s.opts}
	inline := func(q *gorm.DB) string {
		return s.db.Dialector.Explain(q.Statement.SQL.String(), q.Statement.Vars...)
	}
	sc, err := s.seatScopeOf(ctx, p)
	if err != nil {
		return "", ""
	}
	var n int64
	count = inline(dry.seatQuery(ctx, p, sc, f).Count(&n))
	var rows []SeatRow
	list = inline(dry.seatQuery(ctx, p, sc, f).Select("u.*, sa.created_at AS assigned_at").Order(seatOrder(f.Sort)).
		Offset(page.Offset()).Limit(page.PerPage).Scan(&rows))
	return count, list
}

package seed

import (
	"context"
	"errors"
	"fmt"
	"math"

	"duoadmin/models"
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
	Root     *models.Group
	Purchase *models.AddOnPurchase
	Owner    *models.User
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

// BuildSynthetic builds the organisation in one transaction. The group and
// the purchase are created through their Store methods (with audit
// events); the bulk rows are written directly, without per-row audit.
func BuildSynthetic(ctx context.Context, s *models.Store, z SyntheticSize) (*Synthetic, error) {
	if s.Dialect() != models.Postgres {
		return nil, ErrSyntheticPostgres
	}
	if err := z.validate(); err != nil {
		return nil, err
	}
	if _, err := s.GroupByFullPath(ctx, SyntheticGroupPath); err == nil {
		return nil, ErrSyntheticExists
	} else if !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	actor := seedActor
	err := s.Tx(ctx, func(tx *models.Store) error {
		exec := func(q string, args ...any) error {
			if err := tx.Exec(ctx, q, args...); err != nil {
				return fmt.Errorf("%w\n%s", err, q)
			}
			return nil
		}
		hash, err := tx.HashPassword(DemoPassword)
		if err != nil {
			return err
		}
		if err := exec(`INSERT INTO users (username, name, email, password_hash, state) VALUES (?, ?, ?, ?, ?)`,
			SyntheticOwner, "Synthetic Owner", SyntheticOwner+"@example.com", hash, models.StateActive); err != nil {
			return err
		}
		root, err := tx.CreateGroup(ctx, actor, nil, models.GroupInput{Path: SyntheticGroupPath, Name: "Synthetic", Plan: models.PlanUltimate})
		if err != nil {
			return err
		}
		if err := exec(`INSERT INTO members (user_id, source_type, source_id, access_level)
			SELECT id, ?, ?, ? FROM users WHERE username = ?`, models.SourceGroup, root.ID, models.Owner, SyntheticOwner); err != nil {
			return err
		}
		if err := seedSyntheticUsers(ctx, tx, z.Users); err != nil {
			return err
		}
		if err := seedSyntheticTree(ctx, tx, root, z); err != nil {
			return err
		}
		if err := seedSyntheticMembers(ctx, tx, root, z); err != nil {
			return err
		}
		// Started before the usage charts' 90 days, so they are full.
		start := models.Today().AddDays(-SyntheticSeatDays)
		p, err := tx.CreatePurchase(ctx, actor, models.GitLabCom, models.PurchaseInput{AddOn: models.AddOnDuoPro, NamespaceID: &root.ID,
			Quantity: z.Seats, StartedAt: &start, ExpiresOn: models.Today().AddDays(305), PurchaseXID: "A-S00000001"})
		if err != nil {
			return err
		}
		if err := ResetSyntheticSeats(ctx, tx, p.ID, z.Seats, z.Assigned); err != nil {
			return err
		}
		if err := SeedSyntheticUsage(ctx, tx, p, models.Today()); err != nil {
			return err
		}
		// The bulk rows go in by SQL; the load itself is one audited change.
		return tx.Audit(ctx, actor, models.AuditEntry{Action: "organisation_imported", TargetType: "Instance", TargetName: "instance",
			NamespaceID: &root.ID, Details: map[string]any{"file": "seed-synthetic", "users": z.Users, "groups": z.Groups,
				"projects": z.Projects, "seats": z.Seats, "assigned": z.Assigned}})
	})
	if err != nil {
		return nil, err
	}
	// As autovacuum would on a live database: fresh statistics, and the
	// visibility map that lets counts read indexes only.
	analyze := "ANALYZE"
	if s.Dialect() == models.Postgres {
		analyze = "VACUUM ANALYZE"
	}
	if err := s.Exec(ctx, analyze); err != nil {
		return nil, err
	}
	return LoadSynthetic(ctx, s)
}

// seedSyntheticUsers writes n users, active over the last 90 days (a
// tenth never). Their GitLab Duo dates are set from their usage events
// (synthetic_usage.go).
func seedSyntheticUsers(ctx context.Context, s *models.Store, n int) error {
	return s.Exec(ctx, `INSERT INTO users (username, name, email, last_activity_on)
		SELECT ? || g,
			(ARRAY['Alice','Bob','Carla','Dmitri','Eve','Farah','Gustav','Hana','Ivan','Jun','Kofi','Lena','Mateo','Nadia','Oskar','Priya','Quinn','Rosa','Sven','Tariq'])[1 + g % 20]
				|| ' ' || (ARRAY['Smith','Garcia','Müller','Kim','Okafor','Rossi','Nowak','Silva','Tanaka','Dubois','Jensen','Khan','Lopez','Novak','Berg','Costa','Ivanova','Meyer','Sato','Walsh'])[1 + (g / 20) % 20]
				|| ' ' || g,
			? || g || '@example.com',
			CASE WHEN g % 10 <> 0 THEN current_date - (g * 7 % 90) END
		FROM generate_series(1, ?::int) g`, SyntheticUserPrefix, SyntheticUserPrefix, n)
}

// seedSyntheticTree adds the subgroups level by level (each new group's
// traversal path is its parent's plus a '*' until its id is known) and
// spreads the projects over the whole tree.
func seedSyntheticTree(ctx context.Context, s *models.Store, root *models.Group, z SyntheticSize) error {
	exec := func(q string, args ...any) error { return s.Exec(ctx, q, args...) }
	lo, hi := root.SubtreeRange()
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
func seedSyntheticMembers(ctx context.Context, s *models.Store, root *models.Group, z SyntheticSize) error {
	lo, hi := root.SubtreeRange()
	// Strictly below the root, unless the root is the only group.
	groupLo, groups := lo+"0", z.Groups
	if groups == 0 {
		groupLo, groups = lo, 1
	}
	users := `u AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users WHERE username LIKE '` + SyntheticUserPrefix + `%')`
	err := s.Exec(ctx, `WITH `+users+`,
			g AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM namespaces WHERE traversal_path >= ? AND traversal_path < ?)
		INSERT INTO members (user_id, source_type, source_id, access_level)
		SELECT u.id, ?, g.id, (ARRAY[10, 20, 30, 40])[1 + u.n % 4]
		FROM u JOIN g ON g.n = (u.n * 7919) % ?::bigint WHERE u.n % 5 < 3`, groupLo, hi, models.SourceGroup, groups)
	if err != nil || z.Projects == 0 {
		return err
	}
	return s.Exec(ctx, `WITH `+users+`,
			p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
				FROM projects WHERE namespace_id IN (SELECT id FROM namespaces WHERE traversal_path >= ? AND traversal_path < ?))
		INSERT INTO members (user_id, source_type, source_id, access_level)
		SELECT u.id, ?, p.id, (ARRAY[10, 20, 30, 40])[1 + u.n % 4]
		FROM u JOIN p ON p.n = (CASE WHEN u.n % 5 >= 3 THEN u.n * 104729 ELSE u.n * 15485863 END) % ?::bigint
		WHERE u.n % 5 >= 3 OR u.n % 10 = 0`, lo, hi, models.SourceProject, z.Projects)
}

// seedActor changes the synthetic organisation; its seats are recorded in
// the ledger as imported, as the load is an import.
var seedActor = models.Actor{Username: "seed-synthetic", SeatReason: models.SeatReasonImport}

// SyntheticSeatDays is how long ago the purchase started; its seats were
// assigned over that time.
const SyntheticSeatDays = 120

// ResetSyntheticSeats puts the purchase back to quantity seats with the
// first assigned generated users (by id) holding one, assigned over the
// last 120 days. The benchmarks call it between runs, outside the timing.
// Like every seat change it keeps the seat ledger: a lost row for each
// seat removed, a gained row for each seat given.
func ResetSyntheticSeats(ctx context.Context, s *models.Store, purchaseID int64, quantity, assigned int) error {
	return s.Tx(ctx, func(tx *models.Store) error {
		if err := tx.LedgerSeatsHeld(ctx, seedActor, purchaseID, models.SeatLost); err != nil {
			return err
		}
		if err := tx.Exec(ctx, `DELETE FROM seat_assignments WHERE add_on_purchase_id = ?`, purchaseID); err != nil {
			return err
		}
		if err := tx.Exec(ctx, `INSERT INTO seat_assignments (add_on_purchase_id, user_id, created_at, updated_at)
			SELECT ?, id, now() - (id % ?) * interval '1 day', now() FROM users
			WHERE username LIKE '`+SyntheticUserPrefix+`%' ORDER BY id LIMIT ?`, purchaseID, SyntheticSeatDays, assigned); err != nil {
			return err
		}
		if err := tx.LedgerSeatsHeld(ctx, seedActor, purchaseID, models.SeatGained); err != nil {
			return err
		}
		return tx.Exec(ctx, `UPDATE add_on_purchases SET quantity = ?, updated_at = now() WHERE id = ?`, quantity, purchaseID)
	})
}

// LoadSynthetic finds a seeded organisation (ErrNotFound when there is none).
func LoadSynthetic(ctx context.Context, s *models.Store) (*Synthetic, error) {
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
	lo, hi := root.SubtreeRange()
	err = s.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM users WHERE username LIKE '`+SyntheticUserPrefix+`%'),
			(SELECT count(*) FROM namespaces WHERE traversal_path > ? AND traversal_path < ?),
			(SELECT count(*) FROM projects WHERE namespace_id IN (SELECT id FROM namespaces WHERE traversal_path >= ? AND traversal_path < ?)),
			(SELECT count(*) FROM members m JOIN users u ON u.id = m.user_id WHERE u.username LIKE '`+SyntheticUserPrefix+`%'),
			(SELECT count(*) FROM seat_assignments WHERE add_on_purchase_id = ?)`,
		[]any{lo, hi, lo, hi, p.ID}, &out.Users, &out.Groups, &out.Projects, &out.Members, &out.Assigned)
	return out, err
}

// SubtreeBounds is the traversal-path range of the organisation,
// for benchmarks that time raw statements on it.
func (y *Synthetic) SubtreeBounds() (lo, hi string) { return y.Root.SubtreeRange() }

package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Idle-seat reclamation. A purchase's reclaim policy (off by default)
// names N idle days, counted from the later of the seat's assignment and
// its holder's last GitLab Duo use, a notice period, and who is never
// reclaimed (users, and members of chosen groups and their subgroups).
// The daily reclaim job, per purchase with a policy on: cancels notices
// whose seat was used since (or is gone, excluded, or no longer idle long
// enough under the policy), sends a notice to each seat idle N days or
// more, and reclaims the seats whose notice date has come — in that
// order, so a notice period of 0 reclaims on the day of the notice.
// Preview and run read the same candidates (reclaimCandidates), so the
// preview is what the job will do if nobody uses GitLab Duo meanwhile.

// ReclaimIdleChoices are the policy form's offered periods (or a number).
var ReclaimIdleChoices = []int{30, 60, 90}

// DefaultReclaimNoticeDays is the notice period of a new policy.
const DefaultReclaimNoticeDays = 7

// ReclaimPreviewDays is how far the preview looks ahead.
const ReclaimPreviewDays = 30

// ReclaimPolicy is one purchase's policy; a purchase without a row has
// the default (off).
type ReclaimPolicy struct {
	AddOnPurchaseID  int64 `gorm:"primaryKey;autoIncrement:false"`
	Enabled          bool
	IdleDays         int
	NoticeDays       int
	UpdatedAt        time.Time
	ExcludedUserIDs  []int64 `gorm:"-"`
	ExcludedGroupIDs []int64 `gorm:"-"`
}

func (ReclaimPolicy) TableName() string { return "seat_reclaim_policies" }

type reclaimExclusion struct {
	ID              int64
	AddOnPurchaseID int64
	UserID          *int64
	GroupID         *int64
}

func (reclaimExclusion) TableName() string { return "seat_reclaim_exclusions" }

// ReclaimNotice is a notice sent: the seat is reclaimed on ReclaimOn
// unless used after IdleSince.
type ReclaimNotice struct {
	AddOnPurchaseID int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID          int64 `gorm:"primaryKey;autoIncrement:false"`
	IdleSince       Date
	ReclaimOn       Date
	CreatedAt       time.Time
}

func (ReclaimNotice) TableName() string { return "seat_reclaim_notices" }

// ReclaimPolicyOf is the purchase's policy with its exclusions.
func (s *Store) ReclaimPolicyOf(ctx context.Context, purchaseID int64) (ReclaimPolicy, error) {
	pol := ReclaimPolicy{AddOnPurchaseID: purchaseID, IdleDays: 90, NoticeDays: DefaultReclaimNoticeDays}
	err := s.q(ctx).Where("add_on_purchase_id = ?", purchaseID).Take(&pol).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return pol, err
	}
	var ex []reclaimExclusion
	if err := s.q(ctx).Where("add_on_purchase_id = ?", purchaseID).Order("id").Find(&ex).Error; err != nil {
		return pol, err
	}
	for _, e := range ex {
		if e.UserID != nil {
			pol.ExcludedUserIDs = append(pol.ExcludedUserIDs, *e.UserID)
		} else if e.GroupID != nil {
			pol.ExcludedGroupIDs = append(pol.ExcludedGroupIDs, *e.GroupID)
		}
	}
	return pol, nil
}

// SaveReclaimPolicy stores the policy and its exclusions, audited in the
// same transaction. Turning it off withdraws the pending notices.
func (s *Store) SaveReclaimPolicy(ctx context.Context, actor Actor, p *AddOnPurchase, pol ReclaimPolicy) error {
	pol.AddOnPurchaseID = p.ID
	pol.UpdatedAt = time.Now().UTC()
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Save(&pol).Error; err != nil {
			return err
		}
		if err := tx.q(ctx).Where("add_on_purchase_id = ?", p.ID).Delete(&reclaimExclusion{}).Error; err != nil {
			return err
		}
		var ex []reclaimExclusion
		for _, id := range pol.ExcludedUserIDs {
			ex = append(ex, reclaimExclusion{AddOnPurchaseID: p.ID, UserID: &id})
		}
		for _, id := range pol.ExcludedGroupIDs {
			ex = append(ex, reclaimExclusion{AddOnPurchaseID: p.ID, GroupID: &id})
		}
		if len(ex) > 0 {
			if err := tx.q(ctx).Create(&ex).Error; err != nil {
				return err
			}
		}
		if !pol.Enabled {
			if err := tx.q(ctx).Where("add_on_purchase_id = ?", p.ID).Delete(&ReclaimNotice{}).Error; err != nil {
				return err
			}
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "seat_reclaim_policy_updated", TargetType: "AddOnPurchase",
			TargetID: p.ID, TargetName: p.AddOn.Title(), NamespaceID: p.NamespaceID, Details: map[string]any{
				"add_on_purchase_id": p.ID, "add_on": p.AddOn, "enabled": pol.Enabled, "idle_days": pol.IdleDays,
				"notice_days": pol.NoticeDays, "excluded_user_ids": pol.ExcludedUserIDs, "excluded_group_ids": pol.ExcludedGroupIDs}})
	})
}

// ReclaimCandidate is a seat idle long enough to be noticed or reclaimed.
type ReclaimCandidate struct {
	UserID    int64
	Username  string
	Name      string
	Email     string
	IdleSince Date // the later of assignment and last use
	// The notice already sent for this idleness, if any.
	NoticeReclaimOn *Date
	NoticeIdleSince *Date
	// ReclaimOn is when the seat goes if unused (preview and notices).
	ReclaimOn Date
}

// idleSinceSQL is the later of the seat's assignment day and its holder's
// last GitLab Duo day.
func (s *Store) idleSinceSQL() string {
	if s.dialect == Postgres {
		return "GREATEST(CAST(sa.created_at AT TIME ZONE 'UTC' AS date), u.last_duo_activity_on)"
	}
	return "CASE WHEN u.last_duo_activity_on > date(sa.created_at) THEN u.last_duo_activity_on ELSE date(sa.created_at) END"
}

// reclaimCandidates lists p's seats idle since cutoff or earlier, less the
// policy's exclusions, with their notice, oldest idleness first. The
// excluded groups' members are an anti-join (NOT EXISTS), not a NOT IN
// list: a large excluded group's list outgrows work_mem and is then
// scanned once per seat.
func (s *Store) reclaimCandidates(ctx context.Context, p *AddOnPurchase, pol ReclaimPolicy, cutoff Date) ([]ReclaimCandidate, error) {
	users, uarg := s.idSet(pol.ExcludedUserIDs)
	groups, garg := s.idSet(pol.ExcludedGroupIDs)
	idle := s.idleSinceSQL()
	var out []ReclaimCandidate
	err := s.q(ctx).Raw(`SELECT u.id AS user_id, u.username, u.name, u.email, `+idle+` AS idle_since,
			n.reclaim_on AS notice_reclaim_on, n.idle_since AS notice_idle_since
		FROM seat_assignments sa JOIN users u ON u.id = sa.user_id
		LEFT JOIN seat_reclaim_notices n ON n.add_on_purchase_id = sa.add_on_purchase_id AND n.user_id = sa.user_id
		WHERE sa.add_on_purchase_id = ? AND `+idle+` <= ?
			AND sa.user_id NOT IN (`+users+`)
			AND NOT EXISTS (SELECT 1 FROM members m
				JOIN namespaces d ON m.source_type = 'Namespace' AND m.source_id = d.id
				JOIN namespaces g ON d.traversal_path >= g.traversal_path
					AND d.traversal_path < substr(g.traversal_path, 1, length(g.traversal_path) - 1) || '0'
				WHERE m.user_id = sa.user_id AND NOT m.pending AND g.id IN (`+groups+`))
		ORDER BY idle_since, u.id`, p.ID, cutoff, uarg, garg).Scan(&out).Error
	return out, err
}

// validNotice: the candidate's notice is for its current idleness.
func (c *ReclaimCandidate) validNotice() bool {
	return c.NoticeIdleSince != nil && c.NoticeIdleSince.Time.Equal(c.IdleSince.Time)
}

// ReclaimPreview is what pol would reclaim from today through today+days
// if nobody used GitLab Duo meanwhile, each with its date, soonest first.
func (s *Store) ReclaimPreview(ctx context.Context, p *AddOnPurchase, pol ReclaimPolicy, today Date, days int) ([]ReclaimCandidate, error) {
	end := today.AddDays(days)
	// A seat idle since i is noticed on max(today, i+N) and reclaimed
	// NoticeDays later; so i <= end - NoticeDays - N.
	cands, err := s.reclaimCandidates(ctx, p, pol, end.AddDays(-pol.NoticeDays-pol.IdleDays))
	if err != nil {
		return nil, err
	}
	out := cands[:0]
	for _, c := range cands {
		if c.validNotice() && !today.Before(c.IdleSince.AddDays(pol.IdleDays)) {
			c.ReclaimOn = *c.NoticeReclaimOn
		} else {
			noticeOn := c.IdleSince.AddDays(pol.IdleDays)
			if noticeOn.Before(today) {
				noticeOn = today
			}
			c.ReclaimOn = noticeOn.AddDays(pol.NoticeDays)
		}
		if !end.Before(c.ReclaimOn) {
			out = append(out, c)
		}
	}
	sortByReclaimOn(out)
	return out, nil
}

func sortByReclaimOn(cs []ReclaimCandidate) {
	// Insertion sort keeps the idleness order among equal dates; lists
	// are a policy's candidates, sorted once.
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j].ReclaimOn.Before(cs[j-1].ReclaimOn); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

// ReclaimNoticeRow is a pending notice as owners and admins see it.
type ReclaimNoticeRow struct {
	UserID    int64
	Username  string
	Name      string
	IdleSince Date
	ReclaimOn Date
}

// ReclaimNotices lists p's pending notices, soonest reclaim first.
func (s *Store) ReclaimNotices(ctx context.Context, purchaseID int64, page Page) (Paged[ReclaimNoticeRow], error) {
	page = page.normalized()
	out := Paged[ReclaimNoticeRow]{Items: []ReclaimNoticeRow{}, Page: page.Number, PerPage: page.PerPage}
	q := s.q(ctx).Table("seat_reclaim_notices AS n").Joins("JOIN users u ON u.id = n.user_id").Where("n.add_on_purchase_id = ?", purchaseID)
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	err := q.Select("n.user_id, u.username, u.name, n.idle_since, n.reclaim_on").Order("n.reclaim_on, u.username").
		Offset(page.Offset()).Limit(page.PerPage).Scan(&out.Items).Error
	return out, err
}

// ReclaimResult is one run's work on one purchase.
type ReclaimResult struct {
	Cancelled int
	Noticed   int
	Reclaimed []Removal
	// Held is the held run when more seats were due than the guard allows
	// (nothing was reclaimed).
	Held *SeatSyncRun
}

// RunReclaim is the job's work on one purchase for today, in one
// transaction under the purchase's lock.
func (s *Store) RunReclaim(ctx context.Context, purchaseID int64, today Date) (ReclaimResult, error) {
	var res ReclaimResult
	err := s.Tx(ctx, func(tx *Store) error {
		p, assigned, err := tx.lockPurchase(ctx, purchaseID)
		if err != nil {
			return err
		}
		pol, err := tx.ReclaimPolicyOf(ctx, p.ID)
		if err != nil || !pol.Enabled {
			return err
		}
		cands, err := tx.reclaimCandidates(ctx, p, pol, today.AddDays(-pol.IdleDays))
		if err != nil {
			return err
		}
		if res.Cancelled, err = tx.cancelReclaimNotices(ctx, p.ID, cands); err != nil {
			return err
		}
		var fresh []ReclaimCandidate
		var due []Removal
		for _, c := range cands {
			if !c.validNotice() {
				c.ReclaimOn = today.AddDays(pol.NoticeDays)
				fresh = append(fresh, c)
			} else {
				c.ReclaimOn = *c.NoticeReclaimOn
			}
			if !today.Before(c.ReclaimOn) {
				due = append(due, Removal{UserID: c.UserID, Username: c.Username, Name: c.Name, Email: c.Email, Reason: ReasonIdleReclaimed})
			}
		}
		if err := tx.sendReclaimNotices(ctx, p, fresh); err != nil {
			return err
		}
		res.Noticed = len(fresh)
		if res.Held, err = tx.reclaimSeats(ctx, p, assigned, due); err != nil || res.Held != nil {
			return err
		}
		res.Reclaimed = due
		return nil
	})
	return res, err
}

// reclaimSeats is a run's reclaims: held as one run when more than the
// mass-removal guard allows (nothing removed, the held run returned),
// otherwise removed.
func (tx *Store) reclaimSeats(ctx context.Context, p *AddOnPurchase, assigned int64, due []Removal) (*SeatSyncRun, error) {
	if len(due) == 0 {
		return nil, nil
	}
	held, err := tx.holdReclaims(ctx, p, assigned, due)
	if err != nil || held != nil {
		return held, err
	}
	return nil, tx.removeReclaimed(ctx, p, due)
}

// removeReclaimed is the one place reclaimed seats are removed (audited,
// in the ledger with reason reclaim, mailed to each user and summarised
// to the owners), and their notices closed.
func (tx *Store) removeReclaimed(ctx context.Context, p *AddOnPurchase, due []Removal) error {
	if len(due) == 0 {
		return nil
	}
	ids := make([]int64, len(due))
	for i, r := range due {
		ids[i] = r.UserID
	}
	if err := tx.whereIDIn(tx.q(ctx).Where("add_on_purchase_id = ?", p.ID), "user_id", ids).Delete(&ReclaimNotice{}).Error; err != nil {
		return err
	}
	return tx.applyRemovals(ctx, p, due)
}

// cancelReclaimNotices deletes p's notices that are not for a current
// candidate's current idleness: the seat was used (its idleness starts
// later), removed, excluded, or is no longer idle long enough.
func (tx *Store) cancelReclaimNotices(ctx context.Context, purchaseID int64, cands []ReclaimCandidate) (int, error) {
	var keep []int64
	for _, c := range cands {
		if c.validNotice() {
			keep = append(keep, c.UserID)
		}
	}
	sub, arg := tx.idSet(keep)
	res := tx.q(ctx).Where("add_on_purchase_id = ? AND user_id NOT IN ("+sub+")", purchaseID, arg).Delete(&ReclaimNotice{})
	return int(res.RowsAffected), res.Error
}

// sendReclaimNotices records the notices and mails each user.
func (tx *Store) sendReclaimNotices(ctx context.Context, p *AddOnPurchase, cs []ReclaimCandidate) error {
	if len(cs) == 0 {
		return nil
	}
	now := time.Now().UTC()
	notices := make([]ReclaimNotice, len(cs))
	mails := make([]OutboxEmail, len(cs))
	title := p.AddOn.Title()
	for i, c := range cs {
		notices[i] = ReclaimNotice{AddOnPurchaseID: p.ID, UserID: c.UserID, IdleSince: c.IdleSince, ReclaimOn: c.ReclaimOn, CreatedAt: now}
		mails[i] = OutboxEmail{ToAddress: c.Email, Kind: "seat_reclaim_notice", NextAttemptAt: now, CreatedAt: now,
			Subject: fmt.Sprintf("Your GitLab Duo seat will be reclaimed on %s unless you use GitLab Duo", c.ReclaimOn),
			TextBody: fmt.Sprintf("Hello %s,\n\nYou have not used GitLab Duo since %s. Your %s seat will be reclaimed on %s "+
				"unless you use GitLab Duo before then, so that someone else can use it.\n\nUsing any GitLab Duo feature "+
				"(Code Suggestions, Chat, …) keeps your seat.\n\n%s\n", c.Name, c.IdleSince, title, c.ReclaimOn, tx.opts.BaseURL)}
	}
	if err := tx.q(ctx).CreateInBatches(&notices, 1000).Error; err != nil {
		return err
	}
	return tx.q(ctx).CreateInBatches(&mails, 1000).Error
}

// reclaimPurchaseIDs are the purchases whose policy is on.
func (s *Store) reclaimPurchaseIDs(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := s.q(ctx).Model(&ReclaimPolicy{}).Where("enabled").Order("add_on_purchase_id").Pluck("add_on_purchase_id", &ids).Error
	return ids, err
}

func runReclaimJob(ctx context.Context, s *Store, now time.Time) (string, error) {
	ids, err := s.reclaimPurchaseIDs(ctx)
	if err != nil {
		return "", err
	}
	var noticed, reclaimed, cancelled, held int
	for _, id := range ids {
		r, err := s.RunReclaim(ctx, id, DateOf(now))
		if err != nil {
			return "", err
		}
		noticed, reclaimed, cancelled = noticed+r.Noticed, reclaimed+len(r.Reclaimed), cancelled+r.Cancelled
		if r.Held != nil {
			held += r.Held.Losses
		}
	}
	return fmt.Sprintf("%d purchase(s) with a reclaim policy: %d notice(s) sent, %d withdrawn (used, removed or excluded since), %d seat(s) reclaimed, %d held by the mass-removal guard",
		len(ids), noticed, cancelled, reclaimed, held), nil
}

package orgfile

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"duoadmin/models"
)

// The seat sections of the import format: subscriptions, add-on purchases
// and seat assignments. A namespace makes a row GitLab.com's (a top-level
// group's); null makes it the instance's (self-managed), so one file can
// hold both and the importer need not know the deployment.

// purchaseKey finds an existing purchase: namespace id 0 is the instance.
type purchaseKey struct {
	addOn       models.AddOn
	namespaceID int64
}

// fileKey finds a purchase of the file: namespace is the lower-cased path,
// "" for the instance.
type fileKey struct {
	addOn     models.AddOn
	namespace string
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nsKey(ns *string) string { return strings.ToLower(deref(ns)) }

// nsLabel names a purchase's owner in messages.
func nsLabel(ns *string) string {
	if ns == nil {
		return "the instance"
	}
	return *ns
}

// parseTimestamp reads an RFC 3339 time, kept to the microsecond both
// databases store.
func parseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("not a timestamp (RFC 3339, e.g. 2026-06-15T09:30:00Z): %q", s)
	}
	return t.UTC().Truncate(time.Microsecond), nil
}

// sameInstant ignores what lies below a microsecond, which Postgres rounds.
func sameInstant(a, b time.Time) bool {
	d := a.Sub(b)
	return d < time.Microsecond && d > -time.Microsecond
}

// parsedSeatRows are the file's dates and times as validation parsed
// them, by index in their array, so that applying never parses again.
type parsedSeatRows struct {
	subscriptions map[int]dateRange
	purchases     map[int]purchaseDates
	assignedAt    map[int]time.Time
}

type dateRange struct{ start, end models.Date }

type purchaseDates struct {
	start *models.Date // nil: not started_at
	end   models.Date
}

func (p *parsedSeatRows) init() {
	if p.subscriptions == nil {
		p.subscriptions, p.purchases, p.assignedAt = map[int]dateRange{}, map[int]purchaseDates{}, map[int]time.Time{}
	}
}

// checkTimestamp reports a timestamp that does not parse; it returns it
// when it does.
func (r *importRun) checkTimestamp(path, v string) (time.Time, bool) {
	t, err := parseTimestamp(v)
	if err != nil {
		r.errs.add(path, "%s", err.Error())
		return time.Time{}, false
	}
	return t, true
}

// checkDateString reports a required date; it returns the date when valid.
func (r *importRun) checkDateString(path, v string) (models.Date, bool) {
	if v == "" {
		r.errs.add(path, msgBlank)
		return models.Date{}, false
	}
	d, err := models.ParseDate(v)
	if err != nil {
		r.errs.add(path, "%s", err.Error())
		return models.Date{}, false
	}
	return d, true
}

// checkNamespace: null is the instance; else a top-level group of the
// file or the database.
func (r *importRun) checkNamespace(path string, ns *string) bool {
	switch {
	case ns == nil:
		return true
	case *ns == "":
		r.errs.add(path, "%s (use null for the instance)", msgBlank)
	case strings.Contains(*ns, "/"):
		r.errs.add(path, "%s", models.ErrPurchaseNeedsRoot.Error())
	case !r.groupKnown(*ns):
		r.errs.add(path, "no group %s in the file or the database", *ns)
	default:
		return true
	}
	return false
}

// existingNamespaceID is the id of an existing namespace (0: the
// instance); ok is false when the group is new in this file.
func (r *importRun) existingNamespaceID(ns *string) (int64, bool) {
	if ns == nil {
		return 0, true
	}
	g := r.groups[nsKey(ns)]
	if g == nil {
		return 0, false
	}
	return g.ID, true
}

func (r *importRun) loadSubscriptions(ctx context.Context) error {
	subs, err := r.tx.AllSubscriptions(ctx)
	if err != nil {
		return err
	}
	r.subscriptions = map[string]*models.Subscription{}
	for i := range subs {
		r.subscriptions[subs[i].Name] = &subs[i]
	}
	return nil
}

func (r *importRun) validateSubscriptions() {
	names, owners := map[string]int{}, map[string]int{}
	for i, sd := range r.doc.Subscriptions {
		p := fmt.Sprintf("subscriptions[%d]", i)
		name := strings.TrimSpace(sd.Name)
		switch {
		case name == "":
			r.errs.add(p+".name", msgBlank)
		case len(name) > 255:
			r.errs.add(p+".name", "is too long (maximum is 255 characters)")
		default:
			if j, dup := names[name]; dup {
				r.errs.add(p+".name", "duplicate of subscriptions[%d]", j)
			}
			names[name] = i
		}
		if sd.Plan != models.PlanPremium && sd.Plan != models.PlanUltimate {
			r.errs.add(p+".plan", "not a subscription plan (premium, ultimate)")
		}
		if sd.Seats < 1 {
			r.errs.add(p+".seats", "must be a whole number of at least 1")
		}
		start, okStart := r.checkDateString(p+".starts_on", sd.StartsOn)
		end, okEnd := r.checkDateString(p+".ends_on", sd.EndsOn)
		if okStart && okEnd && !start.Before(end) {
			r.errs.add(p+".ends_on", "must be after starts_on")
		}
		r.parsed.init()
		r.parsed.subscriptions[i] = dateRange{start, end}
		if !r.checkNamespace(p+".namespace", sd.Namespace) {
			continue
		}
		owner := nsKey(sd.Namespace)
		if j, dup := owners[owner]; dup {
			r.errs.add(p+".namespace", "%s already has subscriptions[%d]: one subscription per namespace", nsLabel(sd.Namespace), j)
			continue
		}
		owners[owner] = i
		if id, ok := r.existingNamespaceID(sd.Namespace); ok {
			for _, cur := range r.subscriptions {
				if cur.Name != name && namespaceIDOf(cur.NamespaceID) == id {
					r.errs.add(p+".namespace", "%s already has subscription %s", nsLabel(sd.Namespace), cur.Name)
				}
			}
		}
	}
}

func namespaceIDOf(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

// namespaceIDPtr is the id of a namespace after groups are applied.
func (r *importRun) namespaceIDPtr(ns *string) *int64 {
	if ns == nil {
		return nil
	}
	id := r.groups[nsKey(ns)].ID
	return &id
}

func sameIDPtr(a, b *int64) bool { return namespaceIDOf(a) == namespaceIDOf(b) }

func (r *importRun) applySubscriptions(ctx context.Context) (ImportCounts, error) {
	c := ImportCounts{InFile: len(r.doc.Subscriptions)}
	for i, sd := range r.doc.Subscriptions {
		name := strings.TrimSpace(sd.Name)
		start, end := r.parsed.subscriptions[i].start, r.parsed.subscriptions[i].end
		ns := r.namespaceIDPtr(sd.Namespace)
		cur := r.subscriptions[name]
		if cur == nil {
			sub := &models.Subscription{Name: name, NamespaceID: ns, Plan: sd.Plan, Seats: sd.Seats, StartsOn: start, EndsOn: end}
			if err := r.tx.CreateImportedSubscription(ctx, sub); err != nil {
				return c, err
			}
			r.subscriptions[name] = sub
			c.Created++
			continue
		}
		var cols []string
		if !sameIDPtr(cur.NamespaceID, ns) {
			cur.NamespaceID = ns
			cols = append(cols, "namespace_id")
		}
		setCol(&cols, "plan", &cur.Plan, sd.Plan)
		setCol(&cols, "seats", &cur.Seats, sd.Seats)
		if cur.StartsOn.String() != start.String() {
			cur.StartsOn, cols = start, append(cols, "starts_on")
		}
		if cur.EndsOn.String() != end.String() {
			cur.EndsOn, cols = end, append(cols, "ends_on")
		}
		if err := c.updated(r.tx.SaveImportedSubscription(ctx, cur, cols, time.Now().UTC())); err != nil {
			return c, err
		}
	}
	return c, nil
}

func (r *importRun) loadPurchases(ctx context.Context) error {
	ps, err := r.tx.AllPurchases(ctx)
	if err != nil {
		return err
	}
	st, err := r.tx.InstanceSettings(ctx)
	if err != nil {
		return err
	}
	r.instancePlan = st.Plan
	r.purchases = map[purchaseKey]*models.AddOnPurchase{}
	for i := range ps {
		r.purchases[purchaseKey{ps[i].AddOn, namespaceIDOf(ps[i].NamespaceID)}] = &ps[i]
	}
	r.filePurchases = map[fileKey]int{}
	return nil
}

func (r *importRun) validatePurchases() {
	for i, pd := range r.doc.AddOnPurchases {
		p := fmt.Sprintf("add_on_purchases[%d]", i)
		addOnOK := pd.AddOn.Valid()
		if !addOnOK {
			r.errs.add(p+".add_on", "not an add-on with seats (duo_pro, duo_enterprise)")
		}
		if pd.Quantity < 1 {
			r.errs.add(p+".quantity", "must be a whole number of at least 1")
		}
		end, okEnd := r.checkDateString(p+".expires_on", pd.ExpiresOn)
		dates := purchaseDates{end: end}
		if v := pd.StartedAt.Value; v != nil {
			start, err := models.ParseDate(*v)
			switch {
			case err != nil:
				r.errs.add(p+".started_at", "%s", err.Error())
			case okEnd && !start.Before(end):
				r.errs.add(p+".expires_on", "must be after started_at")
			default:
				dates.start = &start
			}
		}
		r.parsed.init()
		r.parsed.purchases[i] = dates
		if len(pd.PurchaseXID) > 255 {
			r.errs.add(p+".purchase_xid", "is too long (maximum is 255 characters)")
		}
		if r.checkNamespace(p+".namespace", pd.Namespace) && addOnOK {
			k := fileKey{pd.AddOn, nsKey(pd.Namespace)}
			if j, dup := r.filePurchases[k]; dup {
				r.errs.add(p, "duplicate of add_on_purchases[%d] (one %s purchase per namespace)", j, pd.AddOn)
			} else {
				r.filePurchases[k] = i
			}
			owner, plan := r.ownerPlan(pd.Namespace)
			if refusal := models.CheckAddOnPlan(pd.AddOn, owner, plan); refusal != nil && plan.Valid() {
				r.errs.add(p+".add_on", "%s", refusal.Error())
			}
		}
	}
	r.checkPlanChanges()
}

// ownerPlan is the plan a purchase's owner has once the file is applied:
// the file's plan when it gives one, else the database's (a new group
// without one is Free).
func (r *importRun) ownerPlan(ns *string) (string, models.Plan) {
	if ns == nil {
		if in := r.doc.Instance; in != nil && in.Plan != "" {
			return models.InstanceOwner, in.Plan
		}
		return models.InstanceOwner, r.instancePlan
	}
	key := nsKey(ns)
	plan := models.PlanFree
	if g := r.groups[key]; g != nil {
		plan = g.Plan
	}
	if i, inFile := r.fileGroups[key]; inFile && r.doc.Groups[i].Plan != "" {
		plan = r.doc.Groups[i].Plan
	}
	return *ns, plan
}

// checkPlanChanges refuses a plan the file gives a group or the instance
// that an existing purchase the file does not restate needs more of.
func (r *importRun) checkPlanChanges() {
	keeps := func(path string, ns *string, namespaceID int64) {
		owner, plan := r.ownerPlan(ns)
		if !plan.Valid() {
			return
		}
		for _, addOn := range []models.AddOn{models.AddOnDuoEnterprise, models.AddOnDuoPro} {
			if r.purchases[purchaseKey{addOn, namespaceID}] == nil {
				continue
			}
			if _, restated := r.filePurchases[fileKey{addOn, nsKey(ns)}]; restated {
				continue
			}
			if refusal := models.CheckAddOnPlan(addOn, owner, plan); refusal != nil {
				r.errs.add(path, "%s keeps its %s purchase: %s", owner, addOn.Title(), refusal.Error())
			}
		}
	}
	if in := r.doc.Instance; in != nil && in.Plan != "" {
		keeps("instance.plan", nil, 0)
	}
	for i, g := range r.doc.Groups {
		if existing := r.groups[strings.ToLower(g.Path)]; existing != nil && g.Plan != "" && existing.TopLevel() {
			path := g.Path
			keeps(fmt.Sprintf("groups[%d].plan", i), &path, existing.ID)
		}
	}
}

// purchaseOf is the purchase of add-on and namespace after apply.
func (r *importRun) purchaseOf(addOn models.AddOn, ns *string) *models.AddOnPurchase {
	id, ok := r.existingNamespaceID(ns)
	if !ok {
		return nil
	}
	return r.purchases[purchaseKey{addOn, id}]
}

func (r *importRun) applyPurchases(ctx context.Context) (ImportCounts, error) {
	c := ImportCounts{InFile: len(r.doc.AddOnPurchases)}
	for i, pd := range r.doc.AddOnPurchases {
		ns := r.namespaceIDPtr(pd.Namespace)
		start, end := r.parsed.purchases[i].start, r.parsed.purchases[i].end
		key := purchaseKey{pd.AddOn, namespaceIDOf(ns)}
		cur := r.purchases[key]
		if cur == nil {
			p := &models.AddOnPurchase{AddOn: pd.AddOn, NamespaceID: ns, Quantity: pd.Quantity, StartedAt: start, ExpiresOn: end,
				Trial: pd.Trial != nil && *pd.Trial, PurchaseXID: strings.TrimSpace(pd.PurchaseXID)}
			if err := r.tx.CreateImportedPurchase(ctx, p); err != nil {
				return c, err
			}
			r.purchases[key] = p
			c.Created++
			if err := r.auditPurchase(ctx, "add_on_purchase_created", p, nil); err != nil {
				return c, err
			}
			continue
		}
		var cols []string
		setCol(&cols, "quantity", &cur.Quantity, pd.Quantity)
		if pd.StartedAt.Set && !models.SameDatePtr(cur.StartedAt, start) {
			cur.StartedAt, cols = start, append(cols, "started_at")
		}
		if cur.ExpiresOn.String() != end.String() {
			cur.ExpiresOn, cols = end, append(cols, "expires_on")
		}
		setColPtr(&cols, "trial", &cur.Trial, pd.Trial)
		if pd.PurchaseXID != "" {
			setCol(&cols, "purchase_xid", &cur.PurchaseXID, strings.TrimSpace(pd.PurchaseXID))
		}
		wrote, err := r.tx.SaveImportedPurchase(ctx, cur, cols, time.Now().UTC())
		if err != nil {
			return c, err
		}
		if !wrote {
			continue
		}
		c.Updated++
		if err := r.auditPurchase(ctx, "add_on_purchase_updated", cur, cols); err != nil {
			return c, err
		}
		// A subscription sync that changes the quantity or the dates runs
		// the refresh UpdatePurchase runs, in this transaction: users no
		// longer eligible, then the overage above a lower quantity, in
		// GitLab's order, each seat audited and mailed.
		if slices.ContainsFunc(cols, func(col string) bool { return col == "quantity" || col == "started_at" || col == "expires_on" }) {
			removed, err := r.tx.RefreshImportedPurchase(ctx, cur)
			if err != nil {
				return c, err
			}
			if len(removed) > 0 {
				r.removals = append(r.removals, PurchaseRemovals{Owner: nsLabel(pd.Namespace), AddOn: cur.AddOn, Removals: removed})
			}
		}
	}
	// Problems found while applying roll the whole import back.
	return c, r.errs.orNil()
}

func (r *importRun) auditPurchase(ctx context.Context, action string, p *models.AddOnPurchase, cols []string) error {
	details := map[string]any{"source": "import", "add_on": p.AddOn, "quantity": p.Quantity,
		"expires_on": p.ExpiresOn.String(), "trial": p.Trial, "purchase_xid": p.PurchaseXID}
	if cols != nil {
		details["changed"] = cols
	}
	return r.tx.Audit(ctx, r.actor, models.AuditEntry{Action: action, TargetType: "AddOnPurchase", TargetID: p.ID,
		TargetName: string(p.AddOn), NamespaceID: p.NamespaceID, Details: details})
}

func (r *importRun) validateAssignments() {
	seen := map[string]int{}
	for i, a := range r.doc.Assignments {
		p := fmt.Sprintf("assignments[%d]", i)
		userOK := false
		switch {
		case a.User == "":
			r.errs.add(p+".user", msgBlank)
		case !r.userKnown(a.User):
			r.errs.add(p+".user", "no user %s in the file or the database", a.User)
		default:
			userOK = true
		}
		purchaseOK := false
		switch {
		case !a.AddOn.Valid():
			r.errs.add(p+".add_on", "not an add-on with seats (duo_pro, duo_enterprise)")
		case !r.checkNamespace(p+".namespace", a.Namespace):
		case !r.purchaseKnown(a.AddOn, a.Namespace):
			r.errs.add(p, "no %s purchase of %s in the file or the database", a.AddOn, nsLabel(a.Namespace))
		default:
			purchaseOK = true
		}
		if a.AssignedAt != "" {
			if at, ok := r.checkTimestamp(p+".assigned_at", a.AssignedAt); ok {
				r.parsed.init()
				r.parsed.assignedAt[i] = at
			}
		}
		if userOK && purchaseOK {
			key := strings.ToLower(a.User) + " " + string(a.AddOn) + " " + nsKey(a.Namespace)
			if j, dup := seen[key]; dup {
				r.errs.add(p, "duplicate of assignments[%d] (same user and purchase)", j)
			} else {
				seen[key] = i
			}
		}
	}
}

func (r *importRun) purchaseKnown(addOn models.AddOn, ns *string) bool {
	if _, inFile := r.filePurchases[fileKey{addOn, nsKey(ns)}]; inFile {
		return true
	}
	return r.purchaseOf(addOn, ns) != nil
}

// seatWant is one assignment of the file, resolved.
type seatWant struct {
	index  int
	userID int64
	at     *time.Time
}

// applyAssignments checks, against the organisation as imported so far,
// that each new seat holder is eligible and each purchase has room, then
// writes the seats with an audit event each and no email.
func (r *importRun) applyAssignments(ctx context.Context) (ImportCounts, error) {
	c := ImportCounts{InFile: len(r.doc.Assignments)}
	byPurchase := map[int64][]seatWant{}
	var order []*models.AddOnPurchase
	for i, a := range r.doc.Assignments {
		p := r.purchaseOf(a.AddOn, a.Namespace)
		if _, seen := byPurchase[p.ID]; !seen {
			order = append(order, p)
		}
		w := seatWant{index: i, userID: r.users[strings.ToLower(a.User)].ID}
		if at, ok := r.parsed.assignedAt[i]; ok {
			w.at = &at
		}
		byPurchase[p.ID] = append(byPurchase[p.ID], w)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	var changes []seatPlan
	for _, p := range order {
		plan, err := r.planSeats(ctx, p, byPurchase[p.ID], now)
		if err != nil {
			return c, err
		}
		changes = append(changes, plan)
	}
	if err := r.errs.orNil(); err != nil {
		return c, err
	}
	for _, ch := range changes {
		if err := r.tx.CreateImportedSeats(ctx, r.actor, ch.p, ch.created, now); err != nil {
			return c, err
		}
		c.Created += len(ch.created)
		for _, a := range ch.moved {
			if err := r.tx.MoveImportedSeat(ctx, a, now); err != nil {
				return c, err
			}
		}
		c.Updated += len(ch.moved)
	}
	return c, nil
}

// seatPlan is what the import does to one purchase's seats: new ones, and
// existing ones whose assigned_at changes.
type seatPlan struct {
	p       *models.AddOnPurchase
	created []models.SeatAssignment
	moved   []models.SeatAssignment
}

// planSeats sorts a purchase's wanted seats into new ones and existing
// ones whose assigned_at changes, reporting ineligible users and a
// purchase without room at their paths.
func (r *importRun) planSeats(ctx context.Context, p *models.AddOnPurchase, wants []seatWant, now time.Time) (seatPlan, error) {
	out := seatPlan{p: p}
	ids := make([]int64, len(wants))
	for i, w := range wants {
		ids[i] = w.userID
	}
	have, err := r.tx.HeldSeats(ctx, p.ID, ids)
	if err != nil {
		return out, err
	}
	held := make(map[int64]models.SeatAssignment, len(have))
	for _, a := range have {
		held[a.UserID] = a
	}
	var fresh []int64
	for _, w := range wants {
		if _, ok := held[w.userID]; !ok {
			fresh = append(fresh, w.userID)
		}
	}
	eligible, err := r.tx.EligibleAmong(ctx, p, fresh)
	if err != nil {
		return out, err
	}
	ok := make(map[int64]bool, len(eligible))
	for _, id := range eligible {
		ok[id] = true
	}
	assigned, err := r.tx.AssignedCount(ctx, p.ID)
	if err != nil {
		return out, err
	}
	for _, w := range wants {
		doc := r.doc.Assignments[w.index]
		path := fmt.Sprintf("assignments[%d]", w.index)
		if a, isHeld := held[w.userID]; isHeld {
			if w.at != nil && !sameInstant(a.CreatedAt, *w.at) {
				a.CreatedAt = *w.at
				out.moved = append(out.moved, a)
			}
			continue
		}
		if !ok[w.userID] {
			r.errs.add(path+".user", "%s is not eligible for a seat of %s: %s", doc.User, nsLabel(doc.Namespace), eligibilityRule(p))
			continue
		}
		if assigned >= int64(p.Quantity) {
			r.errs.add(path, "no seat left: the %s purchase of %s has a quantity of %d", p.AddOn, nsLabel(doc.Namespace), p.Quantity)
			continue
		}
		assigned++
		at := now
		if w.at != nil {
			at = *w.at
		}
		out.created = append(out.created, models.SeatAssignment{AddOnPurchaseID: p.ID, UserID: w.userID, CreatedAt: at, UpdatedAt: now})
	}
	return out, nil
}

func eligibilityRule(p *models.AddOnPurchase) string {
	if p.NamespaceID == nil {
		return "needs an active user who is not a bot"
	}
	return "needs an active user who is not a bot, not banned there and a member of the group, a subgroup, a project or an invited group"
}

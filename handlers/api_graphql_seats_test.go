package handlers_test

import (
	"reflect"
	"strings"
	"testing"

	"duoadmin/models"
)

// The eligible-user connection (cursors, count, sorts, filters) and the
// four assignment mutations with GitLab's codes, on both databases in
// both deployments.

const eligibleFields = `count pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
	edges { cursor node { username } } nodes { username publicEmail
	addOnAssignments(addOnPurchaseIds: $ids) { nodes { addOnPurchase { id name } } } }`

// eligibleQuery is GitLab's namespace.addOnEligibleUsers on GitLab.com and
// selfManagedAddOnEligibleUsers on self-managed, with args added.
func (w *gqlWorld) eligibleQuery(args string) string {
	head := `query($ids: [GitlabSubscriptionsAddOnPurchaseID!]!) { `
	call := `addOnEligibleUsers(addOnType: CODE_SUGGESTIONS, addOnPurchaseIds: $ids` + args + `) { ` + eligibleFields + ` }`
	if w.d == models.GitLabCom {
		return head + `namespace(fullPath: "acme") { ` + call + ` } }`
	}
	return head + `selfManaged` + strings.ToUpper(call[:1]) + call[1:] + ` }`
}

func (w *gqlWorld) eligible(role, args string) any {
	w.t.Helper()
	data := w.gqlOK(role, w.eligibleQuery(args), map[string]any{"ids": []string{w.purchaseGID()}})
	if w.d == models.GitLabCom {
		return dig(data, "namespace", "addOnEligibleUsers")
	}
	return dig(data, "selfManagedAddOnEligibleUsers")
}

func usernamesOf(conn any) []string {
	out := []string{}
	for _, n := range dig(conn, "nodes").([]any) {
		out = append(out, dig(n, "username").(string))
	}
	return out
}

func (w *gqlWorld) seatManager() string {
	if w.d == models.GitLabCom {
		return "owner"
	}
	return "admin"
}

func TestGraphQLEligibleUsersPaginate(t *testing.T) {
	t.Parallel()
	eachWorld(t, 10, func(t *testing.T, w *gqlWorld) {
		role := w.seatManager()
		w.assign(w.purchase, "zed02", "zed04")
		all := usernamesOf(w.eligible(role, ""))
		if len(all) < 7 {
			t.Fatalf("eligible %v", all)
		}
		// Pages of 3, forward with after.
		var paged []string
		after := ""
		for i := 0; ; i++ {
			conn := w.eligible(role, `, first: 3`+after)
			paged = append(paged, usernamesOf(conn)...)
			if dig(conn, "count") != float64(len(all)) {
				t.Fatalf("count %v, want %d", dig(conn, "count"), len(all))
			}
			if dig(conn, "pageInfo", "hasPreviousPage") != (i > 0) {
				t.Fatalf("page %d hasPreviousPage %v", i, dig(conn, "pageInfo", "hasPreviousPage"))
			}
			if dig(conn, "pageInfo", "endCursor") != dig(conn, "edges", 2, "cursor") && dig(conn, "pageInfo", "hasNextPage") == true {
				t.Fatalf("endCursor is not the last edge's")
			}
			if dig(conn, "pageInfo", "hasNextPage") != true {
				break
			}
			after = `, after: "` + dig(conn, "pageInfo", "endCursor").(string) + `"`
		}
		if !reflect.DeepEqual(paged, all) {
			t.Fatalf("pages %v, want %v", paged, all)
		}
		// Backwards: the last two, then the two before them.
		last := w.eligible(role, `, last: 2`)
		if got := usernamesOf(last); !reflect.DeepEqual(got, all[len(all)-2:]) {
			t.Fatalf("last 2 %v", got)
		}
		before := w.eligible(role, `, last: 2, before: "`+dig(last, "pageInfo", "startCursor").(string)+`"`)
		if got := usernamesOf(before); !reflect.DeepEqual(got, all[len(all)-4:len(all)-2]) {
			t.Fatalf("2 before %v", got)
		}
		// At most 100 a page, whatever first asks; count(limit:) is limit+1 over it.
		if got := usernamesOf(w.eligible(role, `, first: 500`)); !reflect.DeepEqual(got, all) {
			t.Fatalf("first 500 %v", got)
		}
		data := w.gqlOK(role, strings.Replace(w.eligibleQuery(""), "count pageInfo", "count(limit: 2) pageInfo", 1),
			map[string]any{"ids": []string{w.purchaseGID()}})
		if c := dig(data, "namespace", "addOnEligibleUsers", "count"); w.d == models.GitLabCom && c != float64(3) {
			t.Fatalf("count(limit: 2) = %v", c)
		}
		// Filters and sorts.
		for args, want := range map[string][]string{
			`, filterByAssignedSeat: "Yes"`:                    {"zed02", "zed04"},
			`, filterByAssignedSeat: "true", sort: ID_DESC`:    {"zed04", "zed02"},
			`, filterByAssignedSeat: "0", search: "zed0"`:      {"zed01", "zed03", "zed05"},
			`, search: "zed", sort: NAME_DESC, first: 2`:       {"zed05", "zed04"},
			`, search: "zed", filterByAssignedSeat: "perhaps"`: {"zed01", "zed02", "zed03", "zed04", "zed05"},
		} {
			if got := usernamesOf(w.eligible(role, args)); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %v, want %v", args, got, want)
			}
		}
		// Assignments and public emails of a page, and an invalid cursor.
		conn := w.eligible(role, `, search: "zed0", first: 2`)
		if e := dig(conn, "nodes", 0, "publicEmail"); e != "zed01@example.com" {
			t.Fatalf("zed01's public email %v", e)
		}
		if e := dig(conn, "nodes", 1, "publicEmail"); e != nil {
			t.Fatalf("zed02's private email shown: %v", e)
		}
		if got := dig(conn, "nodes", 1, "addOnAssignments", "nodes", 0, "addOnPurchase", "name"); got != "CODE_SUGGESTIONS" {
			t.Fatalf("zed02's assignment %v", got)
		}
		if got := dig(conn, "nodes", 0, "addOnAssignments", "nodes"); !reflect.DeepEqual(got, []any{}) && got != nil {
			t.Fatalf("zed01's assignments %v", got)
		}
		r := w.gql(role, w.eligibleQuery(`, after: "%%%"`), map[string]any{"ids": []string{w.purchaseGID()}})
		if !reflect.DeepEqual(r.messages(), []string{"Invalid cursor provided"}) {
			t.Fatalf("bad cursor: %v", r.messages())
		}
	})
}

const (
	createMutation = `mutation($input: UserAddOnAssignmentCreateInput!) { userAddOnAssignmentCreate(input: $input) {
		clientMutationId errors addOnPurchase { id assignedQuantity } user { username } } }`
	removeMutation = `mutation($input: UserAddOnAssignmentRemoveInput!) { userAddOnAssignmentRemove(input: $input) {
		errors addOnPurchase { assignedQuantity } user { username } } }`
	bulkCreateMutation = `mutation($input: UserAddOnAssignmentBulkCreateInput!) { userAddOnAssignmentBulkCreate(input: $input) {
		errors addOnPurchase { assignedQuantity } users { count nodes { username } } } }`
	bulkRemoveMutation = `mutation($input: UserAddOnAssignmentBulkRemoveInput!) { userAddOnAssignmentBulkRemove(input: $input) {
		errors addOnPurchase { assignedQuantity } users { nodes { username } } } }`
)

func (w *gqlWorld) input(users ...string) map[string]any {
	in := map[string]any{"addOnPurchaseId": w.purchaseGID()}
	if len(users) == 1 {
		in["userId"] = w.userGID(users[0])
	}
	var ids []string
	for _, u := range users {
		ids = append(ids, w.userGID(u))
	}
	in["userIds"] = ids
	return map[string]any{"input": in}
}

func single(v map[string]any) map[string]any {
	in := v["input"].(map[string]any)
	delete(in, "userIds")
	return v
}

func bulk(v map[string]any) map[string]any {
	delete(v["input"].(map[string]any), "userId")
	return v
}

func TestGraphQLAssignmentMutations(t *testing.T) {
	t.Parallel()
	eachWorld(t, 3, func(t *testing.T, w *gqlWorld) {
		role := w.seatManager()
		bot := w.mustUser(models.UserInput{Username: "botty", Name: "Botty", Email: "botty@example.com", Bot: true})
		w.users["botty"] = bot
		if w.d == models.GitLabCom {
			w.mkMember(models.GroupSource(w.acme), bot, models.Developer)
		}
		payload := func(name string, data map[string]any) any { return dig(data, name) }

		// Create: success with clientMutationId, then already assigned is success too.
		in := single(w.input("zed01"))
		in["input"].(map[string]any)["clientMutationId"] = "abc"
		p := payload("userAddOnAssignmentCreate", w.gqlOK(role, createMutation, in))
		if dig(p, "clientMutationId") != "abc" || dig(p, "addOnPurchase", "assignedQuantity") != float64(1) || dig(p, "user", "username") != "zed01" {
			t.Fatalf("create %s", jsonText(p))
		}
		p = payload("userAddOnAssignmentCreate", w.gqlOK(role, createMutation, single(w.input("zed01"))))
		if !reflect.DeepEqual(dig(p, "errors"), []any{}) || dig(p, "addOnPurchase", "assignedQuantity") != float64(1) {
			t.Fatalf("create again %s", jsonText(p))
		}
		// INVALID_USER_MEMBERSHIP: a bot is never eligible.
		p = payload("userAddOnAssignmentCreate", w.gqlOK(role, createMutation, single(w.input("botty"))))
		if !reflect.DeepEqual(dig(p, "errors"), []any{"INVALID_USER_MEMBERSHIP"}) || dig(p, "addOnPurchase") != nil || dig(p, "user") != nil {
			t.Fatalf("bot %s", jsonText(p))
		}
		// Bulk create skips the ineligible bot (GitLab 19), assigns the rest.
		p = payload("userAddOnAssignmentBulkCreate", w.gqlOK(role, bulkCreateMutation, bulk(w.input("zed02", "botty", "zed01"))))
		if !reflect.DeepEqual(dig(p, "errors"), []any{}) || !reflect.DeepEqual(usernamesOf(dig(p, "users")), []string{"zed02", "zed01"}) ||
			dig(p, "addOnPurchase", "assignedQuantity") != float64(2) {
			t.Fatalf("bulk create %s", jsonText(p))
		}
		// Only ineligible: INVALID_USER_ID_PRESENT. More than the free seats: NOT_ENOUGH_SEATS, nothing assigned.
		p = payload("userAddOnAssignmentBulkCreate", w.gqlOK(role, bulkCreateMutation, bulk(w.input("botty"))))
		if !reflect.DeepEqual(dig(p, "errors"), []any{"INVALID_USER_ID_PRESENT"}) || dig(p, "users") != nil {
			t.Fatalf("only ineligible %s", jsonText(p))
		}
		p = payload("userAddOnAssignmentBulkCreate", w.gqlOK(role, bulkCreateMutation, bulk(w.input("zed03", "zed04"))))
		if !reflect.DeepEqual(dig(p, "errors"), []any{"NOT_ENOUGH_SEATS"}) || dig(p, "addOnPurchase") != nil {
			t.Fatalf("not enough %s", jsonText(p))
		}
		w.assign(w.purchase, "zed03")
		// NO_SEATS_AVAILABLE: all 3 seats used.
		p = payload("userAddOnAssignmentCreate", w.gqlOK(role, createMutation, single(w.input("zed04"))))
		if !reflect.DeepEqual(dig(p, "errors"), []any{"NO_SEATS_AVAILABLE"}) {
			t.Fatalf("no seats %s", jsonText(p))
		}
		// Remove: a holder loses the seat; a non-holder answers null.
		p = payload("userAddOnAssignmentRemove", w.gqlOK(role, removeMutation, single(w.input("zed03"))))
		if dig(p, "addOnPurchase", "assignedQuantity") != float64(2) || dig(p, "user", "username") != "zed03" {
			t.Fatalf("remove %s", jsonText(p))
		}
		if p := payload("userAddOnAssignmentRemove", w.gqlOK(role, removeMutation, single(w.input("zed03")))); p != nil {
			t.Fatalf("remove again %s", jsonText(p))
		}
		// Bulk remove: those with a seat go; none with one is NO_ASSIGNMENTS_FOUND.
		p = payload("userAddOnAssignmentBulkRemove", w.gqlOK(role, bulkRemoveMutation, bulk(w.input("zed01", "zed05"))))
		if !reflect.DeepEqual(usernamesOf(dig(p, "users")), []string{"zed01"}) || dig(p, "addOnPurchase", "assignedQuantity") != float64(1) {
			t.Fatalf("bulk remove %s", jsonText(p))
		}
		p = payload("userAddOnAssignmentBulkRemove", w.gqlOK(role, bulkRemoveMutation, bulk(w.input("zed01", "zed05"))))
		if !reflect.DeepEqual(dig(p, "errors"), []any{"NO_ASSIGNMENTS_FOUND"}) {
			t.Fatalf("bulk remove none %s", jsonText(p))
		}
		if got := w.seatHolders(); !reflect.DeepEqual(got, []string{"zed02"}) {
			t.Fatalf("holders %v", got)
		}
		// No users, or an expired purchase: resource not available.
		empty := bulk(w.input())
		empty["input"].(map[string]any)["userIds"] = []string{}
		if r := w.gql(role, bulkCreateMutation, empty); !reflect.DeepEqual(r.messages(), []string{notAvailable}) {
			t.Fatalf("empty userIds: %v", r.messages())
		}
		w.exec("UPDATE add_on_purchases SET expires_on = $1 WHERE id = $2", models.Today().AddDays(-1).String(), w.purchase.ID)
		if r := w.gql(role, createMutation, single(w.input("zed05"))); !reflect.DeepEqual(r.messages(), []string{notAvailable}) {
			t.Fatalf("expired purchase: %v", r.messages())
		}
	})
}

const notAvailable = "The resource that you are attempting to access does not exist or you don't have permission to perform this action"

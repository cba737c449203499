package handlers_test

import (
	"reflect"
	"strconv"
	"testing"

	"duoadmin/models"
)

// GitLab's documented queries and mutations, copied verbatim from
// docs.gitlab.com/api/graphql/assign_gitlab_duo_seats (only the ids
// filled in), run with client-go's GraphQL helper.

const docsPurchasesCom = `query {
 addOnPurchases (namespaceId: "gid://gitlab/Group/YOUR_NAMESPACE_ID")
 {
  name
  purchasedQuantity
  assignedQuantity
  id
 }
}`

const docsPurchasesSelfManaged = `query {
 addOnPurchases
 {
  name
  purchasedQuantity
  assignedQuantity
  id
 }
}`

const docsBulkCreate = `mutation {
  userAddOnAssignmentBulkCreate(input: {
    addOnPurchaseId: "gid://gitlab/GitlabSubscriptions::AddOnPurchase/YOUR_ADDON_PURCHASE_ID",
    userIds: [
      "gid://gitlab/User/USER_ID_1",
      "gid://gitlab/User/USER_ID_2",
      "gid://gitlab/User/USER_ID_3"
    ]
  }) {
    addOnPurchase {
      id
      name
      assignedQuantity
      purchasedQuantity
    }
    users {
      nodes {
        id
        username
        }
      }
    errors
  }
}`

func TestGraphQLDocumentedQueriesVerbatim(t *testing.T) {
	t.Parallel()
	eachWorld(t, 10, func(t *testing.T, w *gqlWorld) {
		query, role := docsPurchasesSelfManaged, "admin"
		if w.d == models.GitLabCom {
			query, role = fill(docsPurchasesCom, "YOUR_NAMESPACE_ID", strconv.FormatInt(w.acme.ID, 10)), "owner"
		}
		w.assign(w.purchase, "dev")
		got := w.gqlOK(role, query, nil)
		want := []any{map[string]any{"name": "CODE_SUGGESTIONS", "purchasedQuantity": float64(10), "assignedQuantity": float64(1),
			"id": w.purchaseGID()}}
		if !reflect.DeepEqual(got["addOnPurchases"], want) {
			t.Fatalf("addOnPurchases = %s, want %s", jsonText(got["addOnPurchases"]), jsonText(want))
		}

		mutation := fill(docsBulkCreate, "YOUR_ADDON_PURCHASE_ID", strconv.FormatInt(w.purchase.ID, 10),
			"USER_ID_1", strconv.FormatInt(w.users["zed01"].ID, 10), "USER_ID_2", strconv.FormatInt(w.users["zed02"].ID, 10),
			"USER_ID_3", strconv.FormatInt(w.users["dev"].ID, 10))
		got = w.gqlOK(role, mutation, nil)
		p := dig(got, "userAddOnAssignmentBulkCreate")
		if e := dig(p, "errors"); !reflect.DeepEqual(e, []any{}) {
			t.Fatalf("errors %v", e)
		}
		if n := dig(p, "addOnPurchase", "assignedQuantity"); n != float64(3) {
			t.Fatalf("assignedQuantity %v", n)
		}
		var names []any
		for _, n := range dig(p, "users", "nodes").([]any) {
			names = append(names, dig(n, "username"))
		}
		if !reflect.DeepEqual(names, []any{"zed01", "zed02", "dev"}) {
			t.Fatalf("users %v", names)
		}
		if h := w.seatHolders(); len(h) != 3 {
			t.Fatalf("holders %v", h)
		}
	})
}

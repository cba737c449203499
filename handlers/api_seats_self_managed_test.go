package handlers_test

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"duoadmin/models"
)

// On self-managed, seats belong to the instance and only administrators
// change them, as on /admin/gitlab_duo (auditors read). That holds for a
// purchase that names a group too (a file exported from GitLab.com can
// bring one): on self-managed the group's seat screens do not exist, and
// the API must not open them to its owner. Like GitLab's instance
// endpoints, the API answers 403 to everyone else before looking at the
// id, so ids tell nothing.
func TestAPISelfManagedSeatsAreForAdministrators(t *testing.T) {
	t.Parallel()
	s := newSeatsAPI(t, models.SelfManaged)
	s.ultimateInstance()
	acme := s.acmeOwnedByOwner()
	s.mkMember(models.GroupSource(acme), s.users["dev"], models.Developer)
	today := models.Today()
	instance := s.purchase(nil, models.AddOnDuoPro, 5, nil, today.AddDays(30), false)
	held := s.purchase(acme, models.AddOnDuoPro, 5, nil, today.AddDays(30), false)
	for name, p := range map[string]*models.AddOnPurchase{"instance purchase": instance, "purchase naming acme": held} {
		t.Run(name, func(t *testing.T) {
			s.assign(p, "dev")
			before := s.holders(p)
			eligible := fmt.Sprintf("/api/v4/add_on_purchases/%d/eligible_users", p.ID)
			assignments := fmt.Sprintf("/api/v4/add_on_purchases/%d/assignments", p.ID)
			forbidden := apiMessage("403 Forbidden")
			for _, role := range []string{"owner", "dev"} {
				res := s.call("GET", eligible, role, "")
				wantAPIJSON(t, res, http.StatusForbidden, forbidden)
				for _, secret := range []string{"Dev Eloper", "dev@example.com", `"username"`} {
					if strings.Contains(res.Raw, secret) {
						t.Fatalf("%s read the seats: %s", role, res.Raw)
					}
				}
				wantAPIJSON(t, s.call("POST", assignments, role, `{"usernames":["owner"]}`), http.StatusForbidden, forbidden)
				wantAPIJSON(t, s.call("DELETE", assignments, role, `{"usernames":["dev"]}`), http.StatusForbidden, forbidden)
			}
			wantAPIJSON(t, s.call("GET", eligible, "", ""), http.StatusUnauthorized, apiMessage("401 Unauthorized"))
			wantAPIJSON(t, s.call("POST", assignments, "", `{"usernames":["owner"]}`), http.StatusUnauthorized, apiMessage("401 Unauthorized"))
			// Auditors read, never change.
			if got := apiUsernames(t, s.call("GET", eligible+"?assigned=true", "support", "")); !reflect.DeepEqual(got, []string{"dev"}) {
				t.Fatalf("support reads %v", got)
			}
			wantAPIJSON(t, s.call("POST", assignments, "support", `{"usernames":["owner"]}`), http.StatusForbidden, forbidden)
			wantAPIJSON(t, s.call("DELETE", assignments, "support", `{"usernames":["dev"]}`), http.StatusForbidden, forbidden)
			if got := s.holders(p); !reflect.DeepEqual(got, before) {
				t.Fatalf("denied requests changed the seats: %v, was %v", got, before)
			}
			// Administrators change them.
			wantAPIJSON(t, s.call("DELETE", assignments, "admin", `{"usernames":["dev"]}`), http.StatusOK,
				map[string]any{"users": []map[string]any{{"id": s.users["dev"].ID, "username": "dev"}}, "assigned_quantity": 0})
		})
	}
	// Whether an id exists is no business of non-administrators either.
	for _, path := range []string{"/api/v4/add_on_purchases/999999/eligible_users", "/api/v4/add_on_purchases/abc/eligible_users"} {
		wantAPIJSON(t, s.call("GET", path, "owner", ""), http.StatusForbidden, apiMessage("403 Forbidden"))
		wantAPIJSON(t, s.call("GET", path, "admin", ""), http.StatusNotFound, apiMessage("404 Not Found"))
	}
}

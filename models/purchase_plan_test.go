package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// Duo Enterprise needs Ultimate (and Duo Pro a paid plan) on every path
// that creates a purchase: provisioning and trials through CreatePurchase,
// and the import. The refusal names the plan; nothing is written.

func allPurchases(t *testing.T, s *models.Store) int {
	t.Helper()
	return sqlCount(t, s, "SELECT count(*) FROM add_on_purchases")
}

func TestCreatePurchaseRefusesEnterpriseWithoutUltimate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		acme, err := s.CreateGroup(ctx, tester, nil, models.GroupInput{Path: "acme", Name: "Acme", Plan: models.PlanPremium})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetInstancePlan(ctx, tester, models.PlanPremium); err != nil {
			t.Fatal(err)
		}
		audits := sqlCount(t, s, "SELECT count(*) FROM audit_events")
		in := models.PurchaseInput{AddOn: models.AddOnDuoEnterprise, NamespaceID: &acme.ID, Quantity: 5, ExpiresOn: models.Today().AddDays(300)}
		_, err = s.CreatePurchase(ctx, tester, models.GitLabCom, in)
		var fe models.FieldErrors
		if !errors.As(err, &fe) || fe["add_on"] != "GitLab Duo Enterprise needs an Ultimate plan; acme has Premium" {
			t.Fatalf("Enterprise on a Premium group: %v", err)
		}
		_, err = s.CreatePurchase(ctx, tester, models.SelfManaged, models.PurchaseInput{AddOn: models.AddOnDuoEnterprise, Quantity: 5,
			ExpiresOn: models.Today().AddDays(300)})
		if !errors.As(err, &fe) || fe["add_on"] != "GitLab Duo Enterprise needs an Ultimate plan; this instance has Premium" {
			t.Fatalf("Enterprise on a Premium instance: %v", err)
		}
		// A trial is a purchase too.
		_, err = s.StartTrial(ctx, tester, models.GitLabCom, models.TrialRequest{AddOn: models.AddOnDuoEnterprise, NamespaceID: &acme.ID})
		var refused *models.TrialRefused
		if !errors.As(err, &refused) || refused.Reason != "A GitLab Duo Enterprise trial needs an Ultimate subscription; Acme has Premium." {
			t.Fatalf("Enterprise trial on Premium: %v", err)
		}
		if allPurchases(t, s) != 0 || sqlCount(t, s, "SELECT count(*) FROM audit_events") != audits {
			t.Fatal("a refused purchase was written")
		}
	})
}

func TestImportRefusesAddOnsThePlanDoesNotAllow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		mustImport(t, s, parseString(t, `{"instance": {"plan": "premium"},
		  "groups": [{"path": "big", "name": "Big", "plan": "ultimate"}],
		  "add_on_purchases": [{"namespace": "big", "add_on": "duo_enterprise", "quantity": 5, "expires_on": "2099-01-01"}]}`))
		rows, purchases := countRows(t, s), allPurchases(t, s)
		got := importProblems(t, s, `{
		  "groups": [{"path": "acme", "name": "Acme", "plan": "premium"},
		             {"path": "partners", "name": "Partners"},
		             {"path": "big", "name": "Big", "plan": "premium"}],
		  "add_on_purchases": [
		    {"namespace": "acme", "add_on": "duo_enterprise", "quantity": 5, "expires_on": "2099-01-01"},
		    {"namespace": null, "add_on": "duo_enterprise", "quantity": 5, "expires_on": "2099-01-01"},
		    {"namespace": "partners", "add_on": "duo_pro", "quantity": 5, "expires_on": "2099-01-01"}]}`)
		wantProblems(t, got,
			"t.json: add_on_purchases[0].add_on: GitLab Duo Enterprise needs an Ultimate plan; acme has Premium",
			"t.json: add_on_purchases[1].add_on: GitLab Duo Enterprise needs an Ultimate plan; this instance has Premium",
			"t.json: add_on_purchases[2].add_on: GitLab Duo Pro needs a Premium or Ultimate plan; partners has Free",
			// Downgrading a group that keeps its Enterprise purchase.
			"t.json: groups[2].plan: big keeps its GitLab Duo Enterprise purchase: GitLab Duo Enterprise needs an Ultimate plan; big has Premium")
		if len(got) != 4 {
			t.Fatalf("problems:\n%s", strings.Join(got, "\n"))
		}
		if !mapsEqual(rows, countRows(t, s)) || allPurchases(t, s) != purchases {
			t.Fatal("a refused import wrote rows")
		}
		// The plan the file gives is the one checked: upgrading in the same
		// file is fine.
		mustImport(t, s, parseString(t, `{"instance": {"plan": "ultimate"},
		  "groups": [{"path": "acme", "name": "Acme", "plan": "ultimate"}],
		  "add_on_purchases": [{"namespace": "acme", "add_on": "duo_enterprise", "quantity": 5, "expires_on": "2099-01-01"},
		    {"namespace": null, "add_on": "duo_enterprise", "quantity": 5, "expires_on": "2099-01-01"}]}`))
		if allPurchases(t, s) != purchases+2 {
			t.Fatalf("%d purchases", allPurchases(t, s))
		}
	})
}

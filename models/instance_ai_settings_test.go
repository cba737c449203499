package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"duoadmin/models"
	"duoadmin/models/storetest"
)

// auditsOf lists the events of one action, newest first.
func auditsOf(t *testing.T, s *models.Store, action string) []models.AuditEvent {
	t.Helper()
	evs, err := s.RecentAuditEvents(context.Background(), 10000)
	if err != nil {
		t.Fatal(err)
	}
	var out []models.AuditEvent
	for _, ev := range evs {
		if ev.Action == action {
			out = append(out, ev)
		}
	}
	return out
}

func auditDetails(t *testing.T, ev models.AuditEvent) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal([]byte(ev.Details), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestInstanceAISettingsDefaults(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		st, err := s.InstanceSettings(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.DuoChatExpirationDays != 30 || st.DuoChatExpirationColumn != models.ChatExpiresAfterLastUpdate ||
			!st.DirectCodeSuggestionsEnabled || st.BetaSelfHostedModelsEnabled || st.AILogsEnabled || st.AIGatewayURL != "" ||
			st.ExperimentFeaturesEnabled {
			t.Fatalf("defaults: %+v", st)
		}
	})
}

func TestInstanceAISettingsValidation(t *testing.T) {
	t.Parallel()
	col := func(s string) *models.ChatExpirationColumn { c := models.ChatExpirationColumn(s); return &c }
	cases := []struct {
		name  string
		in    models.InstanceAIInput
		field string
	}{
		{"0 days", models.InstanceAIInput{DuoChatExpirationDays: new(0)}, models.FieldChatExpirationDays},
		{"31 days", models.InstanceAIInput{DuoChatExpirationDays: new(31)}, models.FieldChatExpirationDays},
		{"negative days", models.InstanceAIInput{DuoChatExpirationDays: new(-5)}, models.FieldChatExpirationDays},
		{"unknown column", models.InstanceAIInput{DuoChatExpirationColumn: col("updated_at")}, models.FieldChatExpirationColumn},
		{"empty column", models.InstanceAIInput{DuoChatExpirationColumn: col("")}, models.FieldChatExpirationColumn},
		{"no scheme", models.InstanceAIInput{AIGatewayURL: new("ai-gateway.example.com")}, models.FieldAIGatewayURL},
		{"ftp", models.InstanceAIInput{AIGatewayURL: new("ftp://ai-gateway.example.com")}, models.FieldAIGatewayURL},
		{"no host", models.InstanceAIInput{AIGatewayURL: new("http://")}, models.FieldAIGatewayURL},
		{"javascript", models.InstanceAIInput{AIGatewayURL: new("javascript:alert(1)")}, models.FieldAIGatewayURL},
		{"relative", models.InstanceAIInput{AIGatewayURL: new("/ai")}, models.FieldAIGatewayURL},
		{"space inside", models.InstanceAIInput{AIGatewayURL: new("http://ai gateway")}, models.FieldAIGatewayURL},
	}
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		for _, tc := range cases {
			err := s.SaveInstanceAISettings(context.Background(), tester, tc.in)
			var fe models.FieldErrors
			if !errors.As(err, &fe) || fe[tc.field] == "" || len(fe) != 1 {
				t.Errorf("%s: %v, want an error on %s", tc.name, err, tc.field)
			}
		}
		if n := len(auditsOf(t, s, "instance_ai_settings_changed")); n != 0 {
			t.Fatalf("%d audit events for refused changes", n)
		}
		for _, ok := range []models.InstanceAIInput{
			{DuoChatExpirationDays: new(1)}, {DuoChatExpirationDays: new(30)},
			{AIGatewayURL: new("")}, {AIGatewayURL: new("http://localhost:5052")}, {AIGatewayURL: new(" https://ai.example.com/gw ")},
		} {
			if err := s.SaveInstanceAISettings(context.Background(), tester, ok); err != nil {
				t.Errorf("%+v: %v", ok, err)
			}
		}
		st, _ := s.InstanceSettings(context.Background())
		if st.AIGatewayURL != "https://ai.example.com/gw" {
			t.Fatalf("gateway URL %q, want it trimmed", st.AIGatewayURL)
		}
	})
}

func TestInstanceAISettingsSaveAuditsChangedFieldsOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		created := models.ChatExpiresAfterCreation
		in := models.InstanceAIInput{ExperimentFeaturesEnabled: new(true), DuoChatExpirationDays: new(7),
			DuoChatExpirationColumn: &created, DirectCodeSuggestionsEnabled: new(true), BetaSelfHostedModelsEnabled: new(true),
			AILogsEnabled: new(true), AIGatewayURL: new("http://ai-gw.internal:5052")}
		if err := s.SaveInstanceAISettings(ctx, tester, in); err != nil {
			t.Fatal(err)
		}
		st, _ := s.InstanceSettings(ctx)
		if !st.ExperimentFeaturesEnabled || st.DuoChatExpirationDays != 7 || st.DuoChatExpirationColumn != created ||
			!st.BetaSelfHostedModelsEnabled || !st.AILogsEnabled || st.AIGatewayURL != "http://ai-gw.internal:5052" {
			t.Fatalf("saved %+v", st)
		}
		evs := auditsOf(t, s, "instance_ai_settings_changed")
		if len(evs) != 1 || evs[0].ActorName != "tester" || evs[0].TargetType != "Instance" {
			t.Fatalf("audits %+v", evs)
		}
		d := auditDetails(t, evs[0])
		// Direct connections were already on: not a change, not in the event.
		if _, ok := d[models.FieldDirectConnections]; ok || len(d) != 6 {
			t.Fatalf("details %v", d)
		}
		days := d[models.FieldChatExpirationDays].(map[string]any)
		if days["before"] != float64(30) || days["after"] != float64(7) {
			t.Fatalf("days %v", days)
		}
		url := d[models.FieldAIGatewayURL].(map[string]any)
		if url["before"] != "" || url["after"] != "http://ai-gw.internal:5052" {
			t.Fatalf("url %v", url)
		}
		// The same values again change nothing and write nothing.
		if err := s.SaveInstanceAISettings(ctx, tester, in); err != nil {
			t.Fatal(err)
		}
		if n := len(auditsOf(t, s, "instance_ai_settings_changed")); n != 1 {
			t.Fatalf("%d events after a no-op save", n)
		}
		// Nil fields stay as they are.
		if err := s.SaveInstanceAISettings(ctx, tester, models.InstanceAIInput{AILogsEnabled: new(false)}); err != nil {
			t.Fatal(err)
		}
		st, _ = s.InstanceSettings(ctx)
		if st.AILogsEnabled || st.DuoChatExpirationDays != 7 || !st.BetaSelfHostedModelsEnabled {
			t.Fatalf("after turning logs off: %+v", st)
		}
		evs = auditsOf(t, s, "instance_ai_settings_changed")
		if d := auditDetails(t, evs[0]); len(d) != 1 || d[models.FieldAILogs] == nil {
			t.Fatalf("details %v", d)
		}
	})
}

func TestExperimentFeaturesForcedOffWhileAlwaysOff(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if err := s.SaveInstanceAISettings(ctx, tester, models.InstanceAIInput{ExperimentFeaturesEnabled: new(true)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetInstanceDuoAvailability(ctx, tester, models.NeverOn); err != nil {
			t.Fatal(err)
		}
		st, _ := s.InstanceSettings(ctx)
		if st.ExperimentFeaturesEnabled {
			t.Fatal("Always off left experiment features on")
		}
		before := len(auditsOf(t, s, "instance_ai_settings_changed"))
		if err := s.SaveInstanceAISettings(ctx, tester, models.InstanceAIInput{ExperimentFeaturesEnabled: new(true)}); err != nil {
			t.Fatal(err)
		}
		st, _ = s.InstanceSettings(ctx)
		if st.ExperimentFeaturesEnabled || len(auditsOf(t, s, "instance_ai_settings_changed")) != before {
			t.Fatal("experiment features turned on while GitLab Duo is Always off")
		}
		if _, err := s.SetInstanceDuoAvailability(ctx, tester, models.DefaultOff); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveInstanceAISettings(ctx, tester, models.InstanceAIInput{ExperimentFeaturesEnabled: new(true)}); err != nil {
			t.Fatal(err)
		}
		if st, _ = s.InstanceSettings(ctx); !st.ExperimentFeaturesEnabled {
			t.Fatal("experiment features cannot be turned on once GitLab Duo is available again")
		}
	})
}

package components

import "testing"

func TestHumanFieldWritesAcronymsAsGitLabDoes(t *testing.T) {
	for in, want := range map[string]string{
		"ai_gateway_url": "AI gateway URL",
		"quantity":       "Quantity",
		"user_ids":       "User IDs",
		"expires_on":     "Expires on",
		"":               "",
	} {
		if got := humanField(in); got != want {
			t.Errorf("humanField(%q) = %q, want %q", in, got, want)
		}
	}
}

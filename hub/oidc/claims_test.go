package oidc

import (
	"slices"
	"testing"
)

// TestGroupsClaim reads the groups or roles where providers put them:
// a plain list, Keycloak's realm roles in a nested object, one string.
func TestGroupsClaim(t *testing.T) {
	claims := map[string]any{
		"groups":       []any{"/lotse/schalter", "kantine", 7},
		"realm_access": map[string]any{"roles": []any{"lotse-leitung"}},
		"role":         "clerk",
	}
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"groups", []string{"/lotse/schalter", "kantine"}},
		{"realm_access.roles", []string{"lotse-leitung"}},
		{"role", []string{"clerk"}},
		{"missing", nil},
		{"groups.deeper", nil},
	} {
		t.Run(tc.path, func(t *testing.T) {
			if got := stringsAt(claims, tc.path); !slices.Equal(got, tc.want) {
				t.Fatalf("%q, want %q", got, tc.want)
			}
		})
	}
}

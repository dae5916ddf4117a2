package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestAccessRoles: every device names its role and every account its
// roles; a missing or unknown one is an error that names the entry.
func TestAccessRoles(t *testing.T) {
	const office = "[[office]]\nid = \"o\"\nname = \"O\"\n"
	tests := []struct {
		name, toml, wantErr string
	}{
		{"device without role", "[[device]]\nname = \"tv-1\"\ntoken = \"x\"\n", "device tv-1: role"},
		{"device with unknown role", "[[device]]\nname = \"tv-1\"\ntoken = \"x\"\nrole = \"tv\"\n", "device tv-1: role"},
		{"clerk without roles", "[[clerk]]\nuser = \"anna\"\npassword_hash = \"h\"\n", "clerk anna: roles missing"},
		{"clerk with unknown role", "[[clerk]]\nuser = \"anna\"\npassword_hash = \"h\"\nroles = [\"boss\"]\n", "clerk anna: unknown role"},
		{"valid", "[[device]]\nname = \"tv-1\"\ntoken = \"x\"\nrole = \"display\"\n[[clerk]]\nuser = \"anna\"\npassword_hash = \"h\"\nroles = [\"clerk\", \"desk\"]\ncounters = [\"platz-1\"]\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lotse.toml")
			if err := os.WriteFile(path, []byte(office+tt.toml), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := Load(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Devices[0].Role != "display" || !slices.Equal(f.Clerks[0].Roles, []string{"clerk", "desk"}) || !slices.Equal(f.Clerks[0].Counters, []string{"platz-1"}) {
				t.Fatalf("file = %+v", f)
			}
		})
	}
}

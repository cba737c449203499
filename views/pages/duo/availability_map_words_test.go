package duo

import "testing"

// A node's line on the map counts its direct subgroups and projects in
// words: singular for one, nothing said of a kind it has none of.
func TestSubtreeSizeInWords(t *testing.T) {
	for _, c := range []struct {
		subgroups, projects int
		want                string
	}{
		{1, 0, "1 subgroup"},
		{0, 1, "1 project"},
		{2, 3, "2 subgroups, 3 projects"},
		{1, 1200, "1 subgroup, 1,200 projects"},
		{0, 0, "no subgroups or projects"},
	} {
		if got := subtreeSize(c.subgroups, c.projects); got != c.want {
			t.Errorf("subtreeSize(%d, %d) = %q, want %q", c.subgroups, c.projects, got, c.want)
		}
	}
}

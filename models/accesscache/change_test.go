package accesscache

import (
	"slices"
	"testing"
)

func TestParseChange(t *testing.T) {
	c := ParseChange("u:1,22;n:3;t:4,5;p:6")
	if c.All || !slices.Equal(c.Users, []int64{1, 22}) || !slices.Equal(c.Groups, []int64{3}) ||
		!slices.Equal(c.TopLevel, []int64{4, 5}) || !slices.Equal(c.Projects, []int64{6}) {
		t.Fatalf("parsed %+v", c)
	}
	// What this version cannot read retires everything.
	for _, p := range []string{"", "*", "x:1", "u:", "u:1,a", "u1", "u:1;;n:2"} {
		if !ParseChange(p).All {
			t.Errorf("%q: not everything", p)
		}
	}
}

func TestChangeConcerns(t *testing.T) {
	entry := Deps{User: 7, Groups: []int64{1, 2}, Project: 9}
	cases := []struct {
		payload string
		d       Deps
		want    bool
	}{
		{"u:7", entry, true},
		{"u:8", entry, false},
		{"u:70", entry, false},
		{"n:2", entry, true},
		{"n:3", entry, false},
		{"t:1", entry, true},
		{"t:4", entry, false},
		{"t:4", Deps{User: 7, GitLabCom: true}, true},
		{"p:9", entry, true},
		{"p:10", entry, false},
		{"p:10", Deps{User: 7, NotFound: true}, true},
		{"n:10", Deps{User: 7, NotFound: true}, true},
		{"u:8", Deps{User: 7, NotFound: true}, false},
		{"*", entry, true},
	}
	for _, c := range cases {
		if got := ParseChange(c.payload).Concerns(c.d); got != c.want {
			t.Errorf("%q concerns %+v = %v, want %v", c.payload, c.d, got, c.want)
		}
	}
}

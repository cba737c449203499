package models

import "fmt"

// AccessLevel is GitLab's numeric member role.
type AccessLevel int

const (
	Guest      AccessLevel = 10
	Planner    AccessLevel = 15
	Reporter   AccessLevel = 20
	Developer  AccessLevel = 30
	Maintainer AccessLevel = 40
	Owner      AccessLevel = 50
)

var AccessLevels = []AccessLevel{Guest, Planner, Reporter, Developer, Maintainer, Owner}

var accessLevelNames = map[AccessLevel]string{
	Guest: "guest", Planner: "planner", Reporter: "reporter",
	Developer: "developer", Maintainer: "maintainer", Owner: "owner",
}

// Key is the lower-case name used in import files and forms.
func (a AccessLevel) Key() string { return accessLevelNames[a] }

// String is the label GitLab shows ("Maintainer").
func (a AccessLevel) String() string {
	k := accessLevelNames[a]
	if k == "" {
		return fmt.Sprintf("Unknown (%d)", int(a))
	}
	return string(k[0]-'a'+'A') + k[1:]
}

func (a AccessLevel) Valid() bool { _, ok := accessLevelNames[a]; return ok }

// ParseAccessLevel accepts a name ("developer") or a number ("30").
func ParseAccessLevel(s string) (AccessLevel, error) {
	for lvl, name := range accessLevelNames {
		if name == s || fmt.Sprint(int(lvl)) == s {
			return lvl, nil
		}
	}
	return 0, fmt.Errorf("not an access level (guest, planner, reporter, developer, maintainer, owner): %q", s)
}

package graphqlapi

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// GitLab's global ids, gid://gitlab/<Model>/<id>, as typed scalars. A value
// that is not one is refused while the arguments are read, with GitLab's
// words (app/graphql/types/global_id_type.rb), so the field is null with a
// top-level error, never a 500.

const gidPrefix = "gid://"

// parseGID reads v as a global id of one of models (the first names the
// type in messages) and returns its numeric id.
func parseGID(v any, models ...string) (int64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, inputErrorf("%s is not a valid Global ID", inspect(v))
	}
	rest, ok := strings.CutPrefix(s, gidPrefix)
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return 0, inputErrorf("%s is not a valid Global ID", inspect(v))
	}
	if parts[0] != "gitlab" {
		return 0, inputErrorf("%s is not a Gitlab Global ID", inspect(v))
	}
	known := false
	for _, m := range models {
		known = known || parts[1] == m
	}
	if !known {
		return 0, inputErrorf("%s does not represent an instance of %s", inspect(v), models[0])
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || id < 1 {
		return 0, inputErrorf("%s is not a valid ID for %s.", inspect(v), models[0])
	}
	return id, nil
}

// inspect writes a value as Ruby's #inspect does in GitLab's messages.
func inspect(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case nil:
		return "nil"
	}
	return fmt.Sprint(v)
}

func writeGID(w io.Writer, model string, id int64) {
	_, _ = io.WriteString(w, strconv.Quote(gid(model, id)))
}

func gid(model string, id int64) string {
	return gidPrefix + "gitlab/" + model + "/" + strconv.FormatInt(id, 10)
}

const (
	modelUser      = "User"
	modelGroup     = "Group"
	modelNamespace = "Namespace"
	modelProject   = "Project"
	modelPurchase  = "GitlabSubscriptions::AddOnPurchase"
)

// UserID is gid://gitlab/User/<id>.
type UserID int64

func (id UserID) MarshalGQL(w io.Writer) { writeGID(w, modelUser, int64(id)) }
func (id *UserID) UnmarshalGQL(v any) error {
	n, err := parseGID(v, modelUser)
	*id = UserID(n)
	return err
}

// NamespaceID is a group's id; GitLab accepts Group and Namespace.
type NamespaceID int64

func (id NamespaceID) MarshalGQL(w io.Writer) { writeGID(w, modelGroup, int64(id)) }
func (id *NamespaceID) UnmarshalGQL(v any) error {
	n, err := parseGID(v, modelNamespace, modelGroup)
	*id = NamespaceID(n)
	return err
}

// GroupID is gid://gitlab/Group/<id>.
type GroupID int64

func (id GroupID) MarshalGQL(w io.Writer) { writeGID(w, modelGroup, int64(id)) }
func (id *GroupID) UnmarshalGQL(v any) error {
	n, err := parseGID(v, modelGroup)
	*id = GroupID(n)
	return err
}

// ProjectID is gid://gitlab/Project/<id>.
type ProjectID int64

func (id ProjectID) MarshalGQL(w io.Writer) { writeGID(w, modelProject, int64(id)) }
func (id *ProjectID) UnmarshalGQL(v any) error {
	n, err := parseGID(v, modelProject)
	*id = ProjectID(n)
	return err
}

// PurchaseID is gid://gitlab/GitlabSubscriptions::AddOnPurchase/<id>.
type PurchaseID int64

func (id PurchaseID) MarshalGQL(w io.Writer) { writeGID(w, modelPurchase, int64(id)) }
func (id *PurchaseID) UnmarshalGQL(v any) error {
	n, err := parseGID(v, modelPurchase)
	*id = PurchaseID(n)
	return err
}

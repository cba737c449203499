package ldap

import (
	"strconv"

	"duoadmin/models"
	"duoadmin/models/ldapdir"
)

const (
	Path               = "/admin/gitlab_duo/ldap"
	TestConnectionPath = Path + "/test_connection"
)

// Props is the screen: the saved server (nil before the first save), the
// form's values as typed (never a password) and their errors.
type Props struct {
	Server *models.LDAPServer
	Values models.LDAPServerInput
	Errs   models.FieldErrors
}

// ValuesOf is the form for a saved server; a new one starts at GitLab's
// defaults (port 389, plain, uid).
func ValuesOf(l *models.LDAPServer) models.LDAPServerInput {
	if l == nil {
		return models.LDAPServerInput{Port: "389", Encryption: string(ldapdir.Plain), UserAttribute: "uid"}
	}
	return models.LDAPServerInput{Host: l.Host, Port: strconv.Itoa(l.Port), Encryption: string(l.Encryption),
		BindDN: l.BindDN, UserBase: l.UserBase, UserAttribute: l.UserAttribute, GroupBase: l.GroupBase}
}

type option struct{ value, text string }

func encryptionOptions() []option {
	var out []option
	for _, e := range ldapdir.Encryptions {
		out = append(out, option{string(e), e.Title()})
	}
	return out
}

func attributeOptions() []option {
	var out []option
	for _, a := range ldapdir.UserAttributes {
		out = append(out, option{a, a})
	}
	return out
}

// input is one text field of the form.
type input struct {
	name, label, help, value, kind string
}

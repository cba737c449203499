package ldapdir

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// groupClasses are the object classes read as groups: groupOfNames and
// Active Directory's group (member DNs), groupOfUniqueNames (uniqueMember
// DNs) and posixGroup (memberUid usernames).
var groupClasses = []string{"groupOfNames", "groupOfUniqueNames", "posixGroup", "group"}

// groupFilter matches the groups with this CN, or every group for "".
func groupFilter(cn string) string {
	var b strings.Builder
	b.WriteString("(|")
	for _, c := range groupClasses {
		b.WriteString("(objectClass=" + c + ")")
	}
	b.WriteString(")")
	if cn == "" {
		return b.String()
	}
	return "(&(cn=" + ldap.EscapeFilter(cn) + ")" + b.String() + ")"
}

// Member is a user of a group.
type Member struct {
	DN string
	// Username is the user attribute's value (uid or sAMAccountName).
	Username string
	// Email is the mail attribute's first value; "" without one.
	Email string
}

// Members implements the assignment rules' DirectoryGroups: the usernames
// and the email addresses of the group's members, nested groups included,
// each once. A duoadmin user matches when their username or their email is
// in the list (a username never contains "@", so the two cannot be
// confused). A group that does not exist is ErrNoSuchGroup, never an empty
// list; any other error means the answer is unknown, not empty.
func (d *Directory) Members(ctx context.Context, cn string) ([]string, error) {
	ms, err := d.GroupMembers(ctx, cn)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		for _, v := range []string{m.Username, m.Email} {
			if v != "" && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out, nil
}

// GroupMembers resolves the users of every group under the group base with
// this CN: member and uniqueMember DNs (a DN that is itself a group is
// followed, each group once, so cycles end) and posixGroup memberUids.
// Only entries under the user base with a user attribute are users.
func (d *Directory) GroupMembers(ctx context.Context, cn string) ([]Member, error) {
	c, err := d.open(ctx)
	if err != nil {
		return nil, err
	}
	defer c.close()
	res, err := c.Search(ldap.NewSearchRequest(d.cfg.GroupBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, 0, false, groupFilter(cn), d.entryAttributes(), nil))
	if err != nil {
		return nil, fmt.Errorf("could not search the group base %s for %s: %w", d.cfg.GroupBase, cn, describe(err))
	}
	if len(res.Entries) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoSuchGroup, cn)
	}
	w := walk{d: d, c: c, visited: map[string]bool{}, users: map[string]Member{}}
	for _, g := range res.Entries {
		if err := w.group(g); err != nil {
			return nil, err
		}
	}
	if err := w.memberUIDs(); err != nil {
		return nil, err
	}
	out := make([]Member, 0, len(w.users))
	for _, m := range w.users {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Username < out[j].Username })
	return out, nil
}

// entryAttributes are what a member's entry is read with: enough to tell a
// group from a user and to read either.
func (d *Directory) entryAttributes() []string {
	return []string{"objectClass", "member", "uniqueMember", "memberUid", d.cfg.UserAttribute, "mail"}
}

// walk is one resolution: the groups already followed (by normalised DN)
// and the users found.
type walk struct {
	d       *Directory
	c       *conn
	visited map[string]bool
	users   map[string]Member // by normalised DN
	uids    []string          // posixGroup memberUids, looked up at the end
}

func (w *walk) group(e *ldap.Entry) error {
	key := normDN(e.DN)
	if w.visited[key] {
		return nil
	}
	w.visited[key] = true
	w.uids = append(w.uids, e.GetAttributeValues("memberUid")...)
	dns := e.GetAttributeValues("member")
	for _, v := range e.GetAttributeValues("uniqueMember") {
		dns = append(dns, stripUID(v))
	}
	for _, dn := range dns {
		if err := w.member(dn); err != nil {
			return err
		}
	}
	return nil
}

// member reads one member DN: a group is followed, a user kept. A DN that
// no longer exists (a dangling member) is nobody.
func (w *walk) member(dn string) error {
	key := normDN(dn)
	if w.visited[key] {
		return nil
	}
	if _, done := w.users[key]; done {
		return nil
	}
	res, err := w.c.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases,
		1, 0, false, "(objectClass=*)", w.d.entryAttributes(), nil))
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) || ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidDNSyntax) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("could not read member %s: %w", dn, describe(err))
	}
	if len(res.Entries) == 0 {
		return nil
	}
	e := res.Entries[0]
	if isGroup(e) {
		return w.group(e)
	}
	w.keepUser(e)
	return nil
}

func (w *walk) keepUser(e *ldap.Entry) {
	name := e.GetAttributeValue(w.d.cfg.UserAttribute)
	if name == "" || !under(e.DN, w.d.cfg.UserBase) {
		return
	}
	w.users[normDN(e.DN)] = Member{DN: e.DN, Username: name, Email: e.GetAttributeValue("mail")}
}

// memberUIDs looks the posixGroups' memberUids up as usernames, a hundred
// to a search.
func (w *walk) memberUIDs() error {
	for len(w.uids) > 0 {
		n := min(len(w.uids), 100)
		var f strings.Builder
		f.WriteString("(|")
		for _, u := range w.uids[:n] {
			f.WriteString("(" + w.d.cfg.UserAttribute + "=" + ldap.EscapeFilter(u) + ")")
		}
		f.WriteString(")")
		w.uids = w.uids[n:]
		res, err := w.c.SearchWithPaging(ldap.NewSearchRequest(w.d.cfg.UserBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
			0, 0, false, f.String(), []string{w.d.cfg.UserAttribute, "mail"}, nil), 500)
		if err != nil {
			return fmt.Errorf("could not search the user base %s: %w", w.d.cfg.UserBase, describe(err))
		}
		for _, e := range res.Entries {
			w.keepUser(e)
		}
	}
	return nil
}

func isGroup(e *ldap.Entry) bool {
	for _, oc := range e.GetAttributeValues("objectClass") {
		for _, g := range groupClasses {
			if strings.EqualFold(oc, g) {
				return true
			}
		}
	}
	return false
}

// stripUID drops uniqueMember's optional "#'0101'B" unique identifier.
func stripUID(v string) string {
	if i := strings.LastIndex(v, "#'"); i > 0 && strings.HasSuffix(v, "'B") && v[i-1] != '\\' {
		return v[:i]
	}
	return v
}

// normDN is a DN as a map key: parsed and printed again, lower case, so
// "UID=Alice, OU=People" and "uid=alice,ou=people" are one entry.
func normDN(dn string) string {
	if p, err := ldap.ParseDN(dn); err == nil {
		dn = p.String()
	}
	return strings.ToLower(dn)
}

// under tells whether dn is base or below it.
func under(dn, base string) bool {
	d, err1 := ldap.ParseDN(dn)
	b, err2 := ldap.ParseDN(base)
	if err1 != nil || err2 != nil {
		return false
	}
	return b.EqualFold(d) || b.AncestorOfFold(d)
}

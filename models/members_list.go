package models

import "context"

// MemberListRow is one line of a members page: a user's membership of the
// source itself (Direct) or, failing that, inherited from an ancestor group.
type MemberListRow struct {
	MemberRow
	Direct bool
	// SourceName and SourceFullPath name the ancestor group an inherited
	// membership comes from.
	SourceName     string
	SourceFullPath string
}

// memberListScan is the flat shape of the members-page query: the
// membership's columns, then the source's and the user's.
type memberListScan struct {
	Member
	Direct         bool
	SourceName     string
	SourceFullPath string
	Username       string
	Name           string
	Email          string
	State          UserState
	Bot            bool
	Admin          bool
	Auditor        bool
}

// MembersWithInherited pages through the members of src plus those inherited
// from the groups in inheritedFrom (src's ancestors; for a project, its group
// chain). Each user appears once: their direct membership when they have one,
// so it stays editable, else their highest inherited role. Pending invites to
// ancestors grant nothing here, so they are left out.
func (s *Store) MembersWithInherited(ctx context.Context, src Source, inheritedFrom []int64, page Page) (Paged[MemberListRow], error) {
	page = page.normalized()
	out := Paged[MemberListRow]{Page: page.Number, PerPage: page.PerPage}
	const chain = `FROM members m
		WHERE (m.source_type = @type AND m.source_id = @id)
		   OR (m.source_type = @group AND m.source_id IN @inherited AND NOT m.pending)`
	args := map[string]any{"type": src.Type, "id": src.ID, "group": SourceGroup, "inherited": inheritedFrom,
		"limit": page.PerPage, "offset": page.Offset()}
	if err := s.q(ctx).Raw(`SELECT count(DISTINCT m.user_id) `+chain, args).Scan(&out.Total).Error; err != nil {
		return out, err
	}
	var rows []memberListScan
	err := s.q(ctx).Raw(`
		WITH ranked AS (
			SELECT m.id, m.user_id, m.source_type, m.source_id, m.access_level, m.pending, m.created_at,
				CASE WHEN m.source_type = @type AND m.source_id = @id THEN 1 ELSE 0 END AS direct,
				ROW_NUMBER() OVER (PARTITION BY m.user_id ORDER BY
					CASE WHEN m.source_type = @type AND m.source_id = @id THEN 0 ELSE 1 END,
					m.access_level DESC, m.id) AS rn
			`+chain+`
		)
		SELECT r.id, r.user_id, r.source_type, r.source_id, r.access_level, r.pending, r.created_at, r.direct,
			COALESCE(n.name, '') AS source_name, COALESCE(n.full_path, '') AS source_full_path,
			u.username, u.name, u.email, u.state, u.bot, u.admin, u.auditor
		FROM ranked r
		JOIN users u ON u.id = r.user_id
		LEFT JOIN namespaces n ON r.source_type = @group AND n.id = r.source_id
		WHERE r.rn = 1
		ORDER BY r.access_level DESC, lower(u.name), r.id
		LIMIT @limit OFFSET @offset`, args).Scan(&rows).Error
	if err != nil {
		return out, err
	}
	for _, r := range rows {
		out.Items = append(out.Items, MemberListRow{
			MemberRow: MemberRow{
				Member: r.Member,
				User: User{ID: r.UserID, Username: r.Username, Name: r.Name, Email: r.Email, State: r.State,
					Bot: r.Bot, Admin: r.Admin, Auditor: r.Auditor},
			},
			Direct: r.Direct, SourceName: r.SourceName, SourceFullPath: r.SourceFullPath,
		})
	}
	return out, nil
}

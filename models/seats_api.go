package models

import (
	"context"
	"slices"
)

// SeatTablePage is SeatTable for the API, whose per_page may be any size
// (the caller bounds it) rather than one of the screens' PerPageChoices.
func (s *Store) SeatTablePage(ctx context.Context, p *AddOnPurchase, f SeatFilter, number, perPage int) (Paged[SeatRow], error) {
	if number < 1 {
		number = 1
	}
	if perPage < 1 {
		perPage = PerPageChoices[0]
	}
	out := Paged[SeatRow]{Page: number, PerPage: perPage}
	sc, err := s.seatScopeOf(ctx, p)
	if err != nil {
		return out, err
	}
	if err := s.seatQuery(ctx, p, sc, f).Count(&out.Total).Error; err != nil {
		return out, err
	}
	rows, err := s.seatRows(ctx, p, sc, f, (number-1)*perPage, perPage, out.Total)
	if err != nil {
		return out, err
	}
	if err := s.fillRoles(ctx, p, sc, rows); err != nil {
		return out, err
	}
	out.Items = rows
	return out, nil
}

// seatRows reads rows offset… of the table of total rows. A page in the
// second half is read from the other end, in reverse order, and turned
// around: the last page of 100,000 costs what the first does, instead of
// walking past 99,980 rows.
func (s *Store) seatRows(ctx context.Context, p *AddOnPurchase, sc seatScope, f SeatFilter, offset, limit int, total int64) ([]SeatRow, error) {
	if int64(offset) >= total {
		return nil, nil
	}
	order := seatOrder(f.Sort)
	backwards := int64(offset) > total/2
	if backwards {
		order = reverseOrder(order)
		from := int(total) - offset - limit
		if from < 0 {
			limit += from
			from = 0
		}
		offset = from
	}
	var rows []SeatRow
	err := s.seatQuery(ctx, p, sc, f).Select("u.*, sa.created_at AS assigned_at, sa.rule_id").Order(order).
		Offset(offset).Limit(limit).Scan(&rows).Error
	if backwards {
		slices.Reverse(rows)
	}
	return rows, err
}

// UsersByUsernameList finds users by username (case-insensitive) for lists
// of any length: one query with the names as a single JSON parameter, so
// 100,000 names do not exceed the engines' limits on bound parameters.
func (s *Store) UsersByUsernameList(ctx context.Context, usernames []string) ([]User, error) {
	sub, arg := s.lowerTextSet(usernames)
	var users []User
	err := s.q(ctx).Where("lower(username) IN ("+sub+")", arg).Find(&users).Error
	return users, err
}

package models

import (
	"context"
	"crypto/rand"
	"errors"
	"net/mail"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

const MinPasswordLength = 8

var usernamePattern = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,254}$`)

// ValidUsername: letters, digits, '_', '-' and '.', not starting with '-' or '.'.
func ValidUsername(username string) bool { return usernamePattern.MatchString(username) }

// HashPassword hashes a new password at the Store's cost.
func (s *Store) HashPassword(pw string) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(pw), s.opts.PasswordCost)
	return string(b), err
}

func (u *User) PasswordMatches(pw string) bool {
	if u.PasswordHash == "" {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(pw)) == nil
}

// SignInPasswordMatches checks a sign-in's password. Without an account
// (or one without a password) it compares against a dummy hash of the same
// cost and fails, so that the answer takes as long as for a wrong password
// and its timing does not tell which logins exist.
func (s *Store) SignInPasswordMatches(u *User, pw string) bool {
	if u == nil || u.PasswordHash == "" {
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(pw))
		return false
	}
	return u.PasswordMatches(pw)
}

// newDummyHash hashes a random secret at cost. Only a cost out of bcrypt's
// range fails; then no password could have been stored either, and the nil
// hash fails every compare.
func newDummyHash(cost int) []byte {
	secret := make([]byte, 24)
	_, _ = rand.Read(secret)
	h, _ := bcrypt.GenerateFromPassword(secret, cost)
	return h
}

func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, "@")
}

func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	return first[User](s.q(ctx).Where("id = ?", id))
}

func (s *Store) UserByUsername(ctx context.Context, username string) (*User, error) {
	return first[User](s.q(ctx).Where("lower(username) = lower(?)", username))
}

// UserByLogin finds a user by username or email, as GitLab's sign-in does.
func (s *Store) UserByLogin(ctx context.Context, login string) (*User, error) {
	return first[User](s.q(ctx).Where("lower(username) = lower(?) OR lower(email) = lower(?)", login, login))
}

type UserFilter struct {
	Search string
	State  UserState // empty: every state
	Role   string    // "", "admins", "auditors", "bots"
}

func (s *Store) ListUsers(ctx context.Context, f UserFilter, page Page) (Paged[User], error) {
	page = page.normalized()
	q := s.q(ctx).Model(&User{})
	if f.Search != "" {
		pat := "%" + likeEscape(strings.ToLower(f.Search)) + "%"
		q = q.Where("lower(username) LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\' OR lower(email) LIKE ? ESCAPE '\\'", pat, pat, pat)
	}
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	switch f.Role {
	case "admins":
		q = q.Where("admin")
	case "auditors":
		q = q.Where("auditor")
	case "bots":
		q = q.Where("bot")
	}
	out := Paged[User]{Page: page.Number, PerPage: page.PerPage}
	if err := q.Count(&out.Total).Error; err != nil {
		return out, err
	}
	err := q.Order("id").Offset(page.Offset()).Limit(page.PerPage).Find(&out.Items).Error
	return out, err
}

// UserInput is what the admin user form and the importer may set.
type UserInput struct {
	Username    string
	Name        string
	Email       string
	PublicEmail bool
	Password    string // empty: keep (edit) or none (create)
	State       UserState
	Bot         bool
	Admin       bool
	Auditor     bool
}

func (in *UserInput) normalize() {
	in.Username = strings.TrimSpace(in.Username)
	in.Name = strings.TrimSpace(in.Name)
	in.Email = strings.TrimSpace(in.Email)
	if in.State == "" {
		in.State = StateActive
	}
}

func (in UserInput) validate() FieldErrors {
	errs := FieldErrors{}
	if !usernamePattern.MatchString(in.Username) {
		errs.Add("username", "can contain only letters, digits, '_', '-' and '.', and cannot start with '-' or '.'")
	}
	if in.Name == "" {
		errs.Add("name", "can't be blank")
	}
	if !ValidEmail(in.Email) {
		errs.Add("email", "is not a valid address")
	}
	if in.Password != "" && len(in.Password) < MinPasswordLength {
		errs.Add("password", "is too short (minimum is 8 characters)")
	}
	if !in.State.Valid() {
		errs.Add("state", "is not a state (active, blocked, banned, deactivated)")
	}
	return errs
}

// userInputErrors reports every problem at once: format and uniqueness.
func (s *Store) userInputErrors(ctx context.Context, in UserInput, exceptID int64) FieldErrors {
	errs := in.validate()
	var n int64
	s.q(ctx).Model(&User{}).Where("lower(username) = lower(?) AND id <> ?", in.Username, exceptID).Count(&n)
	if n > 0 {
		errs.Add("username", "has already been taken")
	}
	s.q(ctx).Model(&User{}).Where("lower(email) = lower(?) AND id <> ?", in.Email, exceptID).Count(&n)
	if n > 0 {
		errs.Add("email", "has already been taken")
	}
	return errs
}

func (s *Store) CreateUser(ctx context.Context, actor Actor, in UserInput) (*User, error) {
	in.normalize()
	if errs := s.userInputErrors(ctx, in, 0); len(errs) > 0 {
		return nil, errs
	}
	u := &User{Username: in.Username, Name: in.Name, Email: in.Email, PublicEmail: in.PublicEmail,
		State: in.State, Bot: in.Bot, Admin: in.Admin, Auditor: in.Auditor}
	if in.Password != "" {
		h, err := s.HashPassword(in.Password)
		if err != nil {
			return nil, err
		}
		u.PasswordHash = h
	}
	queued := false
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Create(u).Error; err != nil {
			return err
		}
		if err := tx.Audit(ctx, actor, AuditEntry{Action: "user_created", TargetType: "User", TargetID: u.ID,
			TargetName: u.Username, Details: map[string]any{"state": u.State, "admin": u.Admin, "auditor": u.Auditor, "bot": u.Bot}}); err != nil {
			return err
		}
		// A rule on every user of the instance gives newcomers a seat.
		var err error
		queued, err = tx.enqueueRuleSync(ctx, u.ID)
		return err
	})
	if IsUniqueViolation(err) {
		// Another request took the username or email meanwhile.
		return nil, s.userInputErrors(ctx, in, 0)
	}
	if err != nil {
		return nil, err
	}
	s.ruleSyncAfter(ctx, queued)
	return u, nil
}

// UpdateUser changes a user's profile and flags; State goes through SetUserState.
func (s *Store) UpdateUser(ctx context.Context, actor Actor, id int64, in UserInput) (*User, error) {
	in.normalize()
	var out *User
	err := s.Tx(ctx, func(tx *Store) error {
		u, err := tx.UserByID(ctx, id)
		if err != nil {
			return err
		}
		in.State = u.State
		if errs := tx.userInputErrors(ctx, in, id); len(errs) > 0 {
			return errs
		}
		before := *u
		u.Username, u.Name, u.Email, u.PublicEmail = in.Username, in.Name, in.Email, in.PublicEmail
		u.Bot, u.Admin, u.Auditor = in.Bot, in.Admin, in.Auditor
		if in.Password != "" {
			if u.PasswordHash, err = s.HashPassword(in.Password); err != nil {
				return err
			}
		}
		if err := tx.q(ctx).Select("username", "name", "email", "public_email", "bot", "admin", "auditor", "password_hash", "updated_at").Save(u).Error; err != nil {
			return err
		}
		if in.Password != "" {
			// A new password ends every session started with the old one.
			if _, err := tx.endUserSessions(ctx, u.ID); err != nil {
				return err
			}
		}
		details := map[string]any{}
		diff := func(k string, a, b any) {
			if a != b {
				details[k] = change(a, b)
			}
		}
		diff("username", before.Username, u.Username)
		diff("name", before.Name, u.Name)
		diff("email", before.Email, u.Email)
		diff("public_email", before.PublicEmail, u.PublicEmail)
		diff("bot", before.Bot, u.Bot)
		diff("admin", before.Admin, u.Admin)
		diff("auditor", before.Auditor, u.Auditor)
		if in.Password != "" {
			details["password"] = "changed"
		}
		out = u
		if len(details) == 0 {
			return nil
		}
		return tx.Audit(ctx, actor, AuditEntry{Action: "user_updated", TargetType: "User", TargetID: u.ID,
			TargetName: u.Username, Details: details})
	})
	return out, err
}

// AllowedTransition reports whether GitLab lets an admin move a user from
// one state to another: block from active or deactivated, unblock from
// blocked, ban and deactivate from active, unban from banned, activate from
// deactivated.
func AllowedTransition(from, to UserState) bool {
	switch to {
	case StateBlocked:
		return from == StateActive || from == StateDeactivated
	case StateBanned, StateDeactivated:
		return from == StateActive
	case StateActive:
		return from == StateBlocked || from == StateBanned || from == StateDeactivated
	}
	return false
}

// ErrStateTransition: the user is not in a state the change applies to.
var ErrStateTransition = errors.New("the user is not in a state this change applies to")

// SetUserState moves a user to state, checking the transition inside the
// transaction so two admins acting at once cannot slip past it. Setting
// the state a user already has is a no-op.
func (s *Store) SetUserState(ctx context.Context, actor Actor, id int64, state UserState) (*User, error) {
	return s.ChangeUserState(ctx, actor, id, nil, state)
}

// ChangeUserState is SetUserState for one admin action ("unblock"), which
// applies only from the states in from (nil: any allowed transition).
func (s *Store) ChangeUserState(ctx context.Context, actor Actor, id int64, from []UserState, state UserState) (*User, error) {
	if !state.Valid() {
		return nil, FieldErrors{"state": "is not a state (active, blocked, banned, deactivated)"}
	}
	var out *User
	queued := false
	err := s.Tx(ctx, func(tx *Store) error {
		u, err := first[User](tx.forUpdate(ctx).Where("id = ?", id))
		if err != nil {
			return err
		}
		out = u
		if u.State == state && from == nil {
			return nil
		}
		if !AllowedTransition(u.State, state) || (from != nil && !slices.Contains(from, u.State)) {
			return ErrStateTransition
		}
		before := u.State
		u.State = state
		if err := tx.q(ctx).Model(u).Select("state", "updated_at").Updates(u).Error; err != nil {
			return err
		}
		if state != StateActive {
			// Blocked, banned and deactivated users are signed out
			// everywhere; unblocking does not bring their sessions back.
			if _, err := tx.endUserSessions(ctx, u.ID); err != nil {
				return err
			}
		}
		if err := tx.Audit(ctx, actor, AuditEntry{Action: "user_state_changed", TargetType: "User", TargetID: u.ID,
			TargetName: u.Username, Details: map[string]any{"state": change(before, state)}}); err != nil {
			return err
		}
		// A blocked, banned or deactivated user loses their seats in the
		// same transaction: never a moment with a seat they cannot use.
		if err := tx.removeSeatsOfInactiveUser(ctx, u); err != nil {
			return err
		}
		// Reactivated, the rules may give them one again.
		queued, err = tx.enqueueRuleSync(ctx, u.ID)
		return err
	})
	if err == nil {
		s.ruleSyncAfter(ctx, queued)
	}
	return out, err
}

// TouchActivity records that the user did something today (at most one write a day).
func (s *Store) TouchActivity(ctx context.Context, u *User) error {
	today := Today()
	if u.LastActivityOn != nil && !u.LastActivityOn.Before(today) {
		return nil
	}
	return s.q(ctx).Model(&User{}).Where("id = ?", u.ID).Update("last_activity_on", today).Error
}

type UserCounts struct {
	Total, Active, Blocked, Banned, Deactivated, Admins, Auditors, Bots int64
}

func (s *Store) CountUsers(ctx context.Context) (UserCounts, error) {
	var c UserCounts
	err := s.q(ctx).Model(&User{}).Select(`count(*) AS total,
		count(CASE WHEN state = 'active' THEN 1 END) AS active,
		count(CASE WHEN state = 'blocked' THEN 1 END) AS blocked,
		count(CASE WHEN state = 'banned' THEN 1 END) AS banned,
		count(CASE WHEN state = 'deactivated' THEN 1 END) AS deactivated,
		count(CASE WHEN admin THEN 1 END) AS admins,
		count(CASE WHEN auditor THEN 1 END) AS auditors,
		count(CASE WHEN bot THEN 1 END) AS bots`).Scan(&c).Error
	return c, err
}

package seed

import (
	"context"

	"duoadmin/models"
)

// The synthetic organisation's GitLab Duo use over the last 90 days:
// usage events as ingestion stores them, the users' last-use dates derived
// from those events as ingestion derives them, and the purchase's daily
// snapshots as the usage_snapshot job would have written them each day.
// All set-based SQL.
//
// Who uses GitLab Duo: three users in four. Of those, three in five are
// regulars, whose last use is within the past week and who use it every
// 2 to 5 days; the others stopped 7 to 89 days ago after using it every 2
// to 11 days. Weekends are quiet (one user in five works then, and
// everyone on their last day of use). A day of
// use has one to three uses during working hours (UTC): six in ten are
// Code Suggestions, three Chat, one another feature, except that users
// whose number is a multiple of 7 never use Code Suggestions (Chat
// instead): about 51 %, 39 % and 10 % overall.

// UsageDays is how many days of use the seed writes.
const UsageDays = 90

// usageFeatures are the "others" of the seed, in the catalog's words.
const usageOthers = `ARRAY['explain_code','refactor_code','fix_code','write_tests','documentation_search']`

// SeedSyntheticUsage writes the events, the users' dates and the snapshots.
func SeedSyntheticUsage(ctx context.Context, s *models.Store, p *models.AddOnPurchase, today models.Date) error {
	return s.Tx(ctx, func(tx *models.Store) error {
		if err := seedSyntheticEvents(ctx, tx, today); err != nil {
			return err
		}
		if err := deriveSyntheticUsageDates(ctx, tx); err != nil {
			return err
		}
		return seedSyntheticSnapshots(ctx, tx, p, today)
	})
}

func seedSyntheticEvents(ctx context.Context, s *models.Store, today models.Date) error {
	// last: days between the last use and today; every: days between uses.
	return s.Exec(ctx, `WITH u AS (
			SELECT id, n,
				CAST(CASE WHEN n % 5 < 3 THEN n % 7 ELSE 7 + (n * 31) % 83 END AS int) AS last,
				CAST(CASE WHEN n % 5 < 3 THEN 2 + n % 4 ELSE 2 + n % 10 END AS int) AS every
			FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users WHERE username LIKE '`+SyntheticUserPrefix+`%') x
			WHERE n % 4 <> 0),
		d AS (
			SELECT u.id, u.n, k, CAST(?::date - k AS date) AS day
			FROM u CROSS JOIN LATERAL generate_series(u.last, ?::int - 1, u.every) AS k
			WHERE k = u.last OR extract(isodow FROM ?::date - k) < 6 OR u.n % 5 = 0)
		INSERT INTO duo_usage_events (id, user_id, feature, occurred_at, project_id, created_at)
		SELECT 'seed-' || d.id || '-' || d.k || '-' || e,
			d.id,
			CASE WHEN (d.n * 7 + d.k * 3 + e) % 10 < 6 AND d.n % 7 <> 0 THEN 'code_suggestions'
				WHEN (d.n * 7 + d.k * 3 + e) % 10 < 9 THEN 'duo_chat'
				ELSE (`+usageOthers+`)[1 + (d.n + e) % 5] END,
			LEAST(now(), (d.day + time '08:00' + ((d.n * 37 + e * 101) % 600) * interval '1 minute') AT TIME ZONE 'UTC'),
			NULL,
			LEAST(now(), (d.day + time '08:00' + ((d.n * 37 + e * 101) % 600) * interval '1 minute') AT TIME ZONE 'UTC')
		FROM d CROSS JOIN LATERAL generate_series(1, 1 + (d.n + d.k) % 3) AS e`, today, UsageDays, today)
}

// deriveSyntheticUsageDates sets each user's last GitLab Duo day and last
// Code Suggestions use from their events (none: empty).
func deriveSyntheticUsageDates(ctx context.Context, s *models.Store) error {
	if err := s.Exec(ctx, `UPDATE users SET last_duo_activity_on = NULL, last_code_suggestions_usage_at = NULL
		WHERE username LIKE '`+SyntheticUserPrefix+`%' AND (last_duo_activity_on IS NOT NULL OR last_code_suggestions_usage_at IS NOT NULL)`); err != nil {
		return err
	}
	return s.Exec(ctx, `UPDATE users SET last_duo_activity_on = x.day, last_code_suggestions_usage_at = x.cs
		FROM (SELECT user_id, CAST(max(occurred_at) AT TIME ZONE 'UTC' AS date) AS day,
				max(occurred_at) FILTER (WHERE feature = 'code_suggestions') AS cs
			FROM duo_usage_events GROUP BY user_id) x
		WHERE users.id = x.user_id`)
}

// seedSyntheticSnapshots writes one row a day from the purchase's start
// (at most 90 days back) to today: the seats held at the end of that day
// (by their assignment date), and the use of those seats' holders.
func seedSyntheticSnapshots(ctx context.Context, s *models.Store, p *models.AddOnPurchase, today models.Date) error {
	from, _ := models.UsageWindow(p, today)
	return s.Exec(ctx, `WITH days AS (
			SELECT CAST(day AS date) AS day FROM generate_series(?::date, ?::date, interval '1 day') AS day),
		seats AS (
			SELECT CAST(created_at AT TIME ZONE 'UTC' AS date) AS since, user_id FROM seat_assignments WHERE add_on_purchase_id = ?),
		held AS (
			SELECT days.day, count(seats.user_id) AS assigned FROM days LEFT JOIN seats ON seats.since <= days.day GROUP BY days.day),
		used AS (
			SELECT CAST(e.occurred_at AT TIME ZONE 'UTC' AS date) AS day, count(DISTINCT e.user_id) AS active,
				count(*) FILTER (WHERE e.feature = 'code_suggestions') AS cs,
				count(*) FILTER (WHERE e.feature = 'duo_chat') AS chat,
				count(*) FILTER (WHERE e.feature NOT IN ('code_suggestions', 'duo_chat')) AS other
			FROM duo_usage_events e JOIN seats ON seats.user_id = e.user_id AND seats.since <= CAST(e.occurred_at AT TIME ZONE 'UTC' AS date)
			WHERE e.occurred_at >= CAST(?::date AS timestamp) AT TIME ZONE 'UTC'
			GROUP BY 1)
		INSERT INTO seat_usage_snapshots (add_on_purchase_id, day, purchased, assigned, active, code_suggestions_uses, chat_uses, other_uses, taken_at)
		SELECT ?, held.day, ?, held.assigned, COALESCE(used.active, 0), COALESCE(used.cs, 0), COALESCE(used.chat, 0), COALESCE(used.other, 0),
			LEAST(now(), (held.day + time '23:00') AT TIME ZONE 'UTC')
		FROM held LEFT JOIN used ON used.day = held.day
		ON CONFLICT (add_on_purchase_id, day) DO NOTHING`, from, today, p.ID, from, p.ID, p.Quantity)
}

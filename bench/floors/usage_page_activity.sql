-- The Usage tab's live figures in one pass over the purchase's seats: assigned,
-- used in the last 7 and 28 days, and idle by age of the last use (never,
-- 30-59, 60-89, 90+ days; used within 30 days otherwise).
-- The usage page's floor, written by hand (not the product's SQL): see bench/README.md.
-- psql: psql -v purchase=PURCHASE_ID -v today=2026-12-05 -f bench/floors/usage_page_activity.sql
SELECT count(*) AS assigned,
  count(*) FILTER (WHERE u.last_duo_activity_on > CAST(:'today' AS date) - 7) AS active_7,
  count(*) FILTER (WHERE u.last_duo_activity_on > CAST(:'today' AS date) - 28) AS active_28,
  count(*) FILTER (WHERE u.last_duo_activity_on IS NULL) AS never,
  count(*) FILTER (WHERE u.last_duo_activity_on > CAST(:'today' AS date) - 30) AS recent,
  count(*) FILTER (WHERE u.last_duo_activity_on <= CAST(:'today' AS date) - 30 AND u.last_duo_activity_on > CAST(:'today' AS date) - 60) AS idle_30,
  count(*) FILTER (WHERE u.last_duo_activity_on <= CAST(:'today' AS date) - 60 AND u.last_duo_activity_on > CAST(:'today' AS date) - 90) AS idle_60,
  count(*) FILTER (WHERE u.last_duo_activity_on <= CAST(:'today' AS date) - 90) AS idle_90
FROM seat_assignments sa
JOIN users u ON u.id = sa.user_id
WHERE sa.add_on_purchase_id = :purchase;

-- The idle seats of a purchase: seats whose idleness (from the later of the
-- assignment day and the holder's last GitLab Duo day) began on or before the
-- cutoff, each with the notice already sent if any, oldest idleness first.
-- The reclaim scan's floor, written by hand (not the product's SQL): see bench/README.md.
-- psql: psql -v purchase=PURCHASE_ID -v cutoff=2026-10-29 -f bench/floors/reclaim_scan.sql
SELECT u.id, u.username, u.name, u.email,
  GREATEST(CAST(sa.created_at AT TIME ZONE 'UTC' AS date), u.last_duo_activity_on) AS idle_since,
  n.reclaim_on, n.idle_since AS notice_idle_since
FROM seat_assignments sa
JOIN users u ON u.id = sa.user_id
LEFT JOIN seat_reclaim_notices n ON n.add_on_purchase_id = sa.add_on_purchase_id AND n.user_id = sa.user_id
WHERE sa.add_on_purchase_id = :purchase
  AND GREATEST(CAST(sa.created_at AT TIME ZONE 'UTC' AS date), u.last_duo_activity_on) <= CAST(:'cutoff' AS date)
ORDER BY idle_since, u.id;

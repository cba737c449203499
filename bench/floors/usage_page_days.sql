-- The Usage tab's daily figures: the purchase's snapshot rows of the window.
-- The usage page's floor, written by hand (not the product's SQL): see bench/README.md.
-- psql: psql -v purchase=PURCHASE_ID -v from=2026-09-07 -v today=2026-12-05 -f bench/floors/usage_page_days.sql
SELECT day, purchased, assigned, active, code_suggestions_uses, chat_uses, other_uses
FROM seat_usage_snapshots
WHERE add_on_purchase_id = :purchase AND day >= CAST(:'from' AS date) AND day <= CAST(:'today' AS date)
ORDER BY day;

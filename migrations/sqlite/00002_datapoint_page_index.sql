-- Pages of one indicator in one campaign, newest first (datapoint/?indicator_id=..&campaign_id=..&order_by=-id),
-- are the dashboard's most common list. Without this index PostgreSQL walks the primary key backwards
-- through every other campaign's rows (19 ms on medium data instead of 0.2 ms); SQLite gains a sort.
-- +goose Up
CREATE INDEX datapoint_campaign_indicator_id_idx ON datapoint (campaign_id, indicator_id, id);

-- +goose Down
DROP INDEX datapoint_campaign_indicator_id_idx;

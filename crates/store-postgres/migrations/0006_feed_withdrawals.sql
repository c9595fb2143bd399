-- Renkei schema, version 6: a feed row taken out by a change of its record's handling keeps the
-- record as it was handled before (JSON, crates/store/src/feeds.rs `withdrawn_json`), so the
-- readers who received its values are told they are gone.
ALTER TABLE feed_rows ADD COLUMN withdrawn TEXT;

-- 0410 (gaps): an event HQ refuses for good is parked instead of blocking the queue behind it.
-- parked_at is set when HQ refused the event itself (a validation error naming it, not a
-- transport error or 5xx); parked_reason keeps HQ's words. `pos sync retry` clears both.
ALTER TABLE outbox ADD COLUMN parked_at TEXT;      -- RFC 3339 UTC, NULL while deliverable
ALTER TABLE outbox ADD COLUMN parked_reason TEXT;  -- never holds card data (digit runs redacted)
-- No new index: the head query still walks outbox_undelivered_seq (0100) and skips the few
-- parked rows; another index would cost every sale a page in its commit.

-- Each Z report anchors the journal head at closing (its own z_report entry: seq and hash),
-- so `pos journal verify` notices when the newest entries are deleted. NULL on Z reports
-- written before 0410.
ALTER TABLE z_reports ADD COLUMN journal_seq INTEGER;
ALTER TABLE z_reports ADD COLUMN journal_hash TEXT;

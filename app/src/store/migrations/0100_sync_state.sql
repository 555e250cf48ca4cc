-- Lane side of back-office sync (sync helper's range 0100+).

-- One row: how far this lane has pulled HQ's catalog, and the last push / pull outcomes.
CREATE TABLE sync_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  catalog_version INTEGER NOT NULL DEFAULT 0,
  last_push_ok_at TEXT,            -- RFC 3339 UTC
  last_pull_ok_at TEXT,
  last_error TEXT,                 -- never holds card data: HQ's refusal or a transport error
  last_error_at TEXT
);
INSERT INTO sync_state (id) VALUES (1);

-- The worker reads the head of the undelivered queue in seq order; without this it would
-- walk every delivered row first.
CREATE INDEX outbox_undelivered_seq ON outbox (seq) WHERE delivered_at IS NULL;

-- Tax rates as HQ publishes them, overriding `[tax] rates` of pos.toml for their class.
CREATE TABLE sync_tax_rates (
  tax_class TEXT PRIMARY KEY,
  percent TEXT NOT NULL,           -- Decimal string: 20 for 20 %
  version INTEGER NOT NULL
);

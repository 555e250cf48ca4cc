-- The store's `items` and `outbox` tables exactly as CONTRACTS.md defines them; sync tests
-- and benches build a lane database from this until the store's migrations are merged.
CREATE TABLE items (
  sku TEXT PRIMARY KEY,
  gtin TEXT UNIQUE,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  price TEXT NOT NULL,
  tax_class TEXT NOT NULL,
  unit TEXT NOT NULL CHECK (unit IN ('each','kg')),
  stock TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  updated_at TEXT NOT NULL
);
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  delivered_at TEXT,
  last_error TEXT
);

-- 0001: the lane's own tables. Money and quantities are canonical Decimal TEXT (summed in
-- Rust, never with SQL SUM); times are RFC 3339 UTC TEXT.

CREATE TABLE items (
  sku TEXT PRIMARY KEY,
  gtin TEXT UNIQUE,               -- normalised 13/14 digits or NULL
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  price TEXT NOT NULL,            -- canonical Decimal string, major units
  tax_class TEXT NOT NULL,
  unit TEXT NOT NULL CHECK (unit IN ('each','kg')),
  stock TEXT NOT NULL,            -- Decimal string
  active INTEGER NOT NULL DEFAULT 1,
  updated_at TEXT NOT NULL        -- RFC 3339 UTC
);
CREATE INDEX items_name_nocase ON items (name COLLATE NOCASE);
CREATE INDEX items_category ON items (category);

-- Names indexed by trigram: substring and prefix search as you type.
CREATE VIRTUAL TABLE items_fts USING fts5 (
  name, content = 'items', content_rowid = 'rowid', tokenize = 'trigram', detail = 'none'
);
CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
  INSERT INTO items_fts (rowid, name) VALUES (new.rowid, new.name);
END;
CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
  INSERT INTO items_fts (items_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
END;
CREATE TRIGGER items_fts_update AFTER UPDATE OF name ON items BEGIN
  INSERT INTO items_fts (items_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
  INSERT INTO items_fts (rowid, name) VALUES (new.rowid, new.name);
END;

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('cashier','manager')),
  pin_hash TEXT NOT NULL,         -- argon2 PHC string
  failed_attempts INTEGER NOT NULL DEFAULT 0,
  locked_until TEXT,              -- RFC 3339 UTC or NULL
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);

CREATE TABLE customers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT,
  phone TEXT,
  points INTEGER NOT NULL DEFAULT 0,
  total_spent TEXT NOT NULL DEFAULT '0',
  visits INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE shifts (
  id INTEGER PRIMARY KEY,
  lane_id TEXT NOT NULL,
  opened_by INTEGER NOT NULL REFERENCES users (id),
  opened_at TEXT NOT NULL,
  opening_float TEXT NOT NULL,
  closed_by INTEGER REFERENCES users (id),
  closed_at TEXT,
  expected_cash TEXT,
  counted_cash TEXT,
  counted_detail TEXT              -- JSON: denomination -> count
);
-- At most one open shift per lane.
CREATE UNIQUE INDEX shifts_one_open ON shifts (lane_id) WHERE closed_at IS NULL;

CREATE TABLE cash_movements (
  id INTEGER PRIMARY KEY,
  shift_id INTEGER NOT NULL REFERENCES shifts (id),
  kind TEXT NOT NULL CHECK (kind IN ('in','out','no_sale')),
  amount TEXT NOT NULL,
  reason TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users (id),
  approved_by INTEGER REFERENCES users (id),
  at TEXT NOT NULL
);

-- Sales and refunds share one table: a refund is a document with negative amounts that
-- points at its original sale.
CREATE TABLE sales (
  id INTEGER PRIMARY KEY,
  receipt_no TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('sale','refund')),
  status TEXT NOT NULL CHECK (status IN ('completed','voided')),
  original_sale_id INTEGER REFERENCES sales (id),
  lane_id TEXT NOT NULL,
  shift_id INTEGER REFERENCES shifts (id),
  cashier_id INTEGER NOT NULL REFERENCES users (id),
  approved_by INTEGER REFERENCES users (id),
  customer_id TEXT REFERENCES customers (id),
  currency TEXT NOT NULL,
  subtotal TEXT NOT NULL,
  discount_total TEXT NOT NULL,
  tax_total TEXT NOT NULL,
  total TEXT NOT NULL,
  cash_rounding TEXT NOT NULL,
  change_given TEXT NOT NULL,
  loyalty_points INTEGER NOT NULL DEFAULT 0,
  taxes TEXT NOT NULL,              -- JSON: per-rate breakdown
  detail TEXT NOT NULL DEFAULT '{}', -- JSON: the domain's totals, for exact refunds
  event_id TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  voided_at TEXT,
  voided_by INTEGER REFERENCES users (id)
);
CREATE INDEX sales_created_at ON sales (created_at);
CREATE INDEX sales_original ON sales (original_sale_id);

CREATE TABLE sale_lines (
  sale_id INTEGER NOT NULL REFERENCES sales (id),
  line_no INTEGER NOT NULL,
  sku TEXT NOT NULL REFERENCES items (sku),
  name TEXT NOT NULL,
  quantity TEXT NOT NULL,
  unit TEXT NOT NULL,
  unit_price TEXT NOT NULL,
  discount TEXT NOT NULL,
  tax_class TEXT NOT NULL,
  tax TEXT NOT NULL,
  total TEXT NOT NULL,              -- what the customer pays for the line, tax included
  original_line_no INTEGER,         -- for refund lines
  price_overridden INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (sale_id, line_no)
);

CREATE TABLE payments (
  sale_id INTEGER NOT NULL REFERENCES sales (id),
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,               -- cash | card | other
  amount TEXT NOT NULL,             -- applied to the sale
  tendered TEXT NOT NULL,
  masked_pan TEXT,                  -- first 6 / last 4 at most, never the full PAN
  card_brand TEXT,
  auth_code TEXT,
  reference TEXT,
  PRIMARY KEY (sale_id, seq)
);

CREATE TABLE stock_movements (
  id INTEGER PRIMARY KEY,
  sku TEXT NOT NULL REFERENCES items (sku),
  delta TEXT NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('sale','refund','void','adjust','import')),
  sale_id INTEGER REFERENCES sales (id),
  user_id INTEGER REFERENCES users (id),
  note TEXT,
  at TEXT NOT NULL
);
CREATE INDEX stock_movements_sku ON stock_movements (sku);
CREATE INDEX stock_movements_sale ON stock_movements (sale_id);

CREATE TABLE z_reports (
  no INTEGER PRIMARY KEY,           -- consecutive, never reused
  shift_id INTEGER NOT NULL UNIQUE REFERENCES shifts (id),
  created_at TEXT NOT NULL,
  content TEXT NOT NULL             -- JSON
);
CREATE TRIGGER z_reports_no_update BEFORE UPDATE ON z_reports BEGIN
  SELECT RAISE(ABORT, 'z reports are irreversible');
END;
CREATE TRIGGER z_reports_no_delete BEFORE DELETE ON z_reports BEGIN
  SELECT RAISE(ABORT, 'z reports are irreversible');
END;

CREATE TABLE holds (
  id INTEGER PRIMARY KEY,
  lane_id TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users (id),
  label TEXT NOT NULL,
  cart TEXT NOT NULL,               -- JSON
  created_at TEXT NOT NULL
);

-- Append-only, hash-chained: hash = SHA-256(prev_hash || canonical(seq, at, kind, content)).
CREATE TABLE journal (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  kind TEXT NOT NULL,
  content TEXT NOT NULL,            -- canonical JSON
  prev_hash TEXT NOT NULL,          -- hex
  hash TEXT NOT NULL                -- hex
);
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN
  SELECT RAISE(ABORT, 'the journal is append-only');
END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal BEGIN
  SELECT RAISE(ABORT, 'the journal is append-only');
END;

CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,   -- delivery order
  event_id TEXT NOT NULL UNIQUE,           -- UUID idempotency key
  kind TEXT NOT NULL,                      -- sale | refund | void | shift_close | stock_change | ...
  payload TEXT NOT NULL,                   -- JSON
  created_at TEXT NOT NULL,                -- RFC 3339 UTC
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  delivered_at TEXT,                       -- NULL until HQ acknowledged
  last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE delivered_at IS NULL;

-- Counters that must never go back (receipt numbers).
CREATE TABLE counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);

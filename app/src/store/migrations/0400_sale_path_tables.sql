-- 0400: fewer pages written by every sale (each is a WAL frame in the sale's durable commit).
-- Lines and payments are read by their sale: keyed tables (WITHOUT ROWID) store each row once,
-- in its primary-key b-tree, instead of a rowid table plus a separate index on the same key.
CREATE TABLE sale_lines_keyed (
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
) WITHOUT ROWID;
INSERT INTO sale_lines_keyed (sale_id, line_no, sku, name, quantity, unit, unit_price, discount,
  tax_class, tax, total, original_line_no, price_overridden)
SELECT sale_id, line_no, sku, name, quantity, unit, unit_price, discount,
  tax_class, tax, total, original_line_no, price_overridden FROM sale_lines;
DROP TABLE sale_lines;
ALTER TABLE sale_lines_keyed RENAME TO sale_lines;

CREATE TABLE payments_keyed (
  sale_id INTEGER NOT NULL REFERENCES sales (id),
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,               -- cash | card | other
  amount TEXT NOT NULL,             -- applied to the sale
  tendered TEXT NOT NULL,
  masked_pan TEXT,                  -- first 6 / last 4 at most, never the full PAN
  card_brand TEXT,
  auth_code TEXT,
  reference TEXT,
  emv TEXT,                         -- the receipt's EMV block (JSON), never card secrets
  PRIMARY KEY (sale_id, seq)
) WITHOUT ROWID;
INSERT INTO payments_keyed (sale_id, seq, kind, amount, tendered, masked_pan, card_brand,
  auth_code, reference, emv)
SELECT sale_id, seq, kind, amount, tendered, masked_pan, card_brand, auth_code, reference, emv
FROM payments;
DROP TABLE payments;
ALTER TABLE payments_keyed RENAME TO payments;

-- Every reader of the queue asks for undelivered rows in `seq` order, which
-- outbox_undelivered_seq (0100) serves; this second partial index was only written, never read.
DROP INDEX outbox_pending;

-- Acquirer link state (payment helper). No PAN, track data, PIN or PIN block is stored:
-- reversals name their original by STAN and time only; queued advices hold the DUKPT-
-- encrypted, MACed frame; batch lines keep the masked PAN. Amounts are canonical Decimal
-- TEXT in major units, summed in Rust.

CREATE TABLE IF NOT EXISTS acq_counter (
  name TEXT PRIMARY KEY,                 -- 'stan' | 'batch'
  value INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS acq_dukpt (
  key_set TEXT PRIMARY KEY,              -- hex of the initial KSN / key ID
  last_ksn TEXT NOT NULL                 -- hex; written BEFORE the KSN is used
);

-- A request that may have reached the host and is not settled yet: reversed unless the
-- sale completes. Written BEFORE the request is sent.
CREATE TABLE IF NOT EXISTS acq_pending_reversal (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  state TEXT NOT NULL CHECK (state IN ('in_flight', 'awaiting_completion', 'reverse')),
  original_mti TEXT NOT NULL,
  stan INTEGER NOT NULL,
  transmitted TEXT NOT NULL,             -- field 7 of the original, MMDDhhmmss
  amount TEXT NOT NULL,
  refund INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);

-- Store-and-forward: 0220 advices for offline approvals, forwarded in id order.
CREATE TABLE IF NOT EXISTS acq_saf_queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  stan INTEGER NOT NULL,
  transmitted TEXT NOT NULL,
  amount TEXT NOT NULL,
  masked_pan TEXT NOT NULL,
  ksn TEXT NOT NULL,                     -- hex; the key the frame is sealed under
  frame BLOB NOT NULL,                   -- the sealed 0220, card data encrypted
  created_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);

-- What the acquirer approved (online or by advice), for settlement.
CREATE TABLE IF NOT EXISTS acq_batch_line (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  batch_number INTEGER NOT NULL,
  stan INTEGER NOT NULL,
  transmitted TEXT NOT NULL,
  refund INTEGER NOT NULL,
  amount TEXT NOT NULL,
  auth_code TEXT,
  masked_pan TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('online', 'offline')),
  reversed INTEGER NOT NULL DEFAULT 0,
  settled_at TEXT,
  UNIQUE (stan, transmitted)
);

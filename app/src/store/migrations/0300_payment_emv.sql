-- The EMV block a card receipt prints (printing helper): AID, application label, entry mode,
-- TVR, TSI and cardholder verification, as JSON. Never a PAN, track data or PIN: the masked
-- PAN stays in payments.masked_pan.
ALTER TABLE payments ADD COLUMN emv TEXT;

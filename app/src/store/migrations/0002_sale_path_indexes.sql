-- 0002: fewer index pages written by every sale (each one is a page in the sale's WAL commit).
-- Refund lookups by original sale only ever look for refunds: index those rows alone, so a
-- sale (original_sale_id NULL) no longer touches this index.
DROP INDEX sales_original;
CREATE INDEX sales_original ON sales (original_sale_id) WHERE original_sale_id IS NOT NULL;
-- No query reads stock movements by SKU or by sale; the two indexes cost up to 11 pages per
-- 10-line sale (one per distinct SKU). Add an index back with the first query that needs it.
DROP INDEX stock_movements_sku;
DROP INDEX stock_movements_sale;

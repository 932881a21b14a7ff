-- The customer's VAT identifier (EN 16931 BT-48).
ALTER TABLE accounts ADD COLUMN vat_id TEXT;

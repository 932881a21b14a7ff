-- A credit note credits the whole of its invoice, so an invoice takes at most one: the
-- database refuses a second, also when requests race. Unposted extra notes that earlier
-- versions allowed go first (a posted note, else the oldest, is kept); posted ones cannot be
-- deleted, and two posted notes of one invoice stop this migration.
DELETE FROM invoices
WHERE credit_of IS NOT NULL AND number IS NULL
  AND EXISTS (
    SELECT 1 FROM invoices other
    WHERE other.credit_of = invoices.credit_of AND other.id <> invoices.id
      AND (other.number IS NOT NULL OR other.id < invoices.id)
  );
CREATE UNIQUE INDEX invoices_one_credit_note ON invoices (credit_of) WHERE credit_of IS NOT NULL;

-- A credit note credits the whole of its invoice, so an invoice takes at most one: the
-- database refuses a second, also when requests race.
CREATE UNIQUE INDEX invoices_one_credit_note ON invoices (credit_of) WHERE credit_of IS NOT NULL;

CREATE TRIGGER stock_moves_no_update BEFORE UPDATE ON stock_moves
BEGIN
    SELECT RAISE(ABORT, 'stock moves are append-only');
END;
CREATE TRIGGER stock_moves_no_delete BEFORE DELETE ON stock_moves
BEGIN
    SELECT RAISE(ABORT, 'stock moves are append-only');
END;

-- A posted invoice or credit note is final: only its payment status, paid amount, reminder day
-- and owner change; it is never deleted. Payments are append-only.
CREATE TRIGGER invoices_posted_fixed BEFORE UPDATE ON invoices
WHEN OLD.number IS NOT NULL AND (
    NEW.number IS NOT OLD.number
    OR NEW.kind IS NOT OLD.kind
    OR NEW.order_id IS NOT OLD.order_id
    OR NEW.delivery_id IS NOT OLD.delivery_id
    OR NEW.credit_of IS NOT OLD.credit_of
    OR NEW.account_id IS NOT OLD.account_id
    OR NEW.currency IS NOT OLD.currency
    OR NEW.price_mode IS NOT OLD.price_mode
    OR NEW.lines IS NOT OLD.lines
    OR NEW.order_lines IS NOT OLD.order_lines
    OR NEW.totals IS NOT OLD.totals
    OR NEW.total_minor IS NOT OLD.total_minor
    OR NEW.issue_date IS NOT OLD.issue_date
    OR NEW.due_date IS NOT OLD.due_date
)
BEGIN
    SELECT RAISE(ABORT, 'posted invoices are immutable');
END;
CREATE TRIGGER invoices_posted_kept BEFORE DELETE ON invoices
WHEN OLD.number IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'posted invoices are immutable');
END;
CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
BEGIN
    SELECT RAISE(ABORT, 'payments are append-only');
END;
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
BEGIN
    SELECT RAISE(ABORT, 'payments are append-only');
END;

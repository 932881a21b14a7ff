CREATE TRIGGER stock_moves_no_update_delete BEFORE UPDATE OR DELETE ON stock_moves
    FOR EACH ROW EXECUTE FUNCTION salesflow_append_only();
CREATE TRIGGER stock_moves_no_truncate BEFORE TRUNCATE ON stock_moves
    FOR EACH STATEMENT EXECUTE FUNCTION salesflow_append_only();

-- A posted invoice or credit note is final: only its payment status, paid amount, reminder day
-- and owner change; it is never deleted. Payments are append-only.
CREATE FUNCTION salesflow_posted_invoice_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'posted invoices are immutable';
    END IF;
    IF NEW.number IS DISTINCT FROM OLD.number
        OR NEW.kind IS DISTINCT FROM OLD.kind
        OR NEW.order_id IS DISTINCT FROM OLD.order_id
        OR NEW.delivery_id IS DISTINCT FROM OLD.delivery_id
        OR NEW.credit_of IS DISTINCT FROM OLD.credit_of
        OR NEW.account_id IS DISTINCT FROM OLD.account_id
        OR NEW.currency IS DISTINCT FROM OLD.currency
        OR NEW.price_mode IS DISTINCT FROM OLD.price_mode
        OR NEW.lines IS DISTINCT FROM OLD.lines
        OR NEW.order_lines IS DISTINCT FROM OLD.order_lines
        OR NEW.totals IS DISTINCT FROM OLD.totals
        OR NEW.total_minor IS DISTINCT FROM OLD.total_minor
        OR NEW.issue_date IS DISTINCT FROM OLD.issue_date
        OR NEW.due_date IS DISTINCT FROM OLD.due_date THEN
        RAISE EXCEPTION 'posted invoices are immutable';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER invoices_posted_fixed BEFORE UPDATE OR DELETE ON invoices
    FOR EACH ROW WHEN (OLD.number IS NOT NULL) EXECUTE FUNCTION salesflow_posted_invoice_fixed();
CREATE TRIGGER payments_no_update_delete BEFORE UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION salesflow_append_only();
CREATE TRIGGER payments_no_truncate BEFORE TRUNCATE ON payments
    FOR EACH STATEMENT EXECUTE FUNCTION salesflow_append_only();

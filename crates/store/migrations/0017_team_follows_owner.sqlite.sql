-- Payments stay append-only, except that their team follows their owner's team (visibility).
DROP TRIGGER payments_no_update;
CREATE TRIGGER payments_fixed BEFORE UPDATE ON payments
WHEN NEW.id IS NOT OLD.id
    OR NEW.account_id IS NOT OLD.account_id
    OR NEW.currency IS NOT OLD.currency
    OR NEW.amount_minor IS NOT OLD.amount_minor
    OR NEW.received_on IS NOT OLD.received_on
    OR NEW.method IS NOT OLD.method
    OR NEW.reference IS NOT OLD.reference
    OR NEW.allocations IS NOT OLD.allocations
    OR NEW.credit_minor IS NOT OLD.credit_minor
    OR NEW.owner_id IS NOT OLD.owner_id
    OR NEW.archived IS NOT OLD.archived
    OR NEW.created_at IS NOT OLD.created_at
    OR NEW.updated_at IS NOT OLD.updated_at
    OR NEW.version IS NOT OLD.version
    OR NEW.merged_into IS NOT OLD.merged_into
BEGIN
    SELECT RAISE(ABORT, 'payments are append-only');
END;

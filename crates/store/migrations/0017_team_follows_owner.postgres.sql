-- Payments stay append-only, except that their team follows their owner's team (visibility).
DROP TRIGGER payments_no_update_delete ON payments;
CREATE FUNCTION salesflow_payment_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    probe payments;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'payments are append-only';
    END IF;
    probe := NEW;
    probe.team_id := OLD.team_id;
    IF probe IS DISTINCT FROM OLD THEN
        RAISE EXCEPTION 'payments are append-only';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER payments_fixed BEFORE UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION salesflow_payment_fixed();

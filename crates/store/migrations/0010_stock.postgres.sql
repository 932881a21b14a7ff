CREATE TRIGGER stock_moves_no_update_delete BEFORE UPDATE OR DELETE ON stock_moves
    FOR EACH ROW EXECUTE FUNCTION salesflow_append_only();
CREATE TRIGGER stock_moves_no_truncate BEFORE TRUNCATE ON stock_moves
    FOR EACH STATEMENT EXECUTE FUNCTION salesflow_append_only();

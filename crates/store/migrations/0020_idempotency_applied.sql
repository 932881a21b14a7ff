-- 1 once a write of the key's request committed (in that write's transaction): an unanswered
-- claim then tells whether its request took effect.
ALTER TABLE idempotency_keys ADD COLUMN applied BIGINT NOT NULL DEFAULT 0;

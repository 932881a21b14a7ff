-- Warehouses, stock balances and the immutable stock ledger; confirmed orders keep what they
-- reserved.

CREATE TABLE warehouses (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    is_default BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX warehouses_code ON warehouses (code);
INSERT INTO warehouses (id, code, name, is_default, created_at)
VALUES ('0190a000-0000-7000-8000-000000000201', 'MAIN', 'Main warehouse', 1, 0);

-- One row per product and warehouse; always equal to the sum of its moves.
CREATE TABLE stock_balances (
    product_id TEXT NOT NULL REFERENCES products (id),
    warehouse_id TEXT NOT NULL REFERENCES warehouses (id),
    on_hand_milli BIGINT NOT NULL,
    reserved_milli BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (product_id, warehouse_id),
    CHECK (on_hand_milli >= 0 AND reserved_milli >= 0 AND reserved_milli <= on_hand_milli)
);
CREATE INDEX stock_balances_warehouse ON stock_balances (warehouse_id, product_id);

CREATE TABLE stock_moves (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (id),
    warehouse_id TEXT NOT NULL REFERENCES warehouses (id),
    kind TEXT NOT NULL,
    quantity_milli BIGINT NOT NULL,
    order_id TEXT,
    note TEXT,
    at BIGINT NOT NULL,
    actor_id TEXT
);
CREATE INDEX stock_moves_product ON stock_moves (product_id, warehouse_id, at, id);
CREATE INDEX stock_moves_order ON stock_moves (order_id);
CREATE INDEX stock_moves_at ON stock_moves (at, id);

ALTER TABLE sales_orders ADD COLUMN reservations TEXT NOT NULL DEFAULT '[]';
ALTER TABLE sales_orders ADD COLUMN confirmed_at BIGINT;

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
ALTER TABLE sales_orders ADD COLUMN progress TEXT NOT NULL DEFAULT '[]';
ALTER TABLE sales_orders ADD COLUMN inspections TEXT NOT NULL DEFAULT '[]';

-- Deliveries: a pick release's delivery note, then its shipment.
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    status TEXT NOT NULL,
    order_id TEXT NOT NULL REFERENCES sales_orders (id),
    order_number TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    contact_id TEXT,
    case_id TEXT NOT NULL,
    warehouse_id TEXT NOT NULL REFERENCES warehouses (id),
    lines TEXT NOT NULL,
    carrier TEXT,
    tracking TEXT,
    shipped_at BIGINT,
    owner_id TEXT NOT NULL REFERENCES users (id),
    team_id TEXT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    merged_into TEXT
);
CREATE UNIQUE INDEX deliveries_number ON deliveries (number);
CREATE INDEX deliveries_order ON deliveries (order_id);
CREATE INDEX deliveries_status ON deliveries (status, created_at, id);
CREATE INDEX deliveries_created ON deliveries (created_at, id);
CREATE INDEX deliveries_updated ON deliveries (updated_at, id);
CREATE INDEX deliveries_owner ON deliveries (owner_id, created_at, id);
CREATE INDEX deliveries_team ON deliveries (team_id, created_at, id);
CREATE INDEX deliveries_case ON deliveries (case_id);
INSERT INTO number_series (series, prefix, next_value) VALUES ('delivery', 'DN-', 1);

-- Invoices and credit notes; orders say how they are invoiced.
ALTER TABLE sales_orders ADD COLUMN invoice_policy TEXT NOT NULL DEFAULT 'on_order';
CREATE TABLE invoices (
    id TEXT PRIMARY KEY,
    number TEXT,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    order_id TEXT NOT NULL REFERENCES sales_orders (id),
    order_number TEXT NOT NULL,
    delivery_id TEXT REFERENCES deliveries (id),
    credit_of TEXT REFERENCES invoices (id),
    credit_of_number TEXT,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    contact_id TEXT,
    case_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    price_mode TEXT NOT NULL,
    terms TEXT,
    lines TEXT NOT NULL,
    order_lines TEXT NOT NULL,
    totals TEXT NOT NULL,
    total_minor BIGINT NOT NULL,
    issue_date TEXT,
    due_date TEXT,
    paid_minor BIGINT NOT NULL,
    -- The day the last overdue reminder went out.
    reminded_on TEXT,
    owner_id TEXT NOT NULL REFERENCES users (id),
    team_id TEXT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    merged_into TEXT,
    -- Outstanding (total − paid) is never negative, nothing is paid twice.
    CHECK (paid_minor >= 0 AND paid_minor <= total_minor)
);
CREATE UNIQUE INDEX invoices_number ON invoices (number);
-- One invoice per shipment at most.
CREATE UNIQUE INDEX invoices_delivery ON invoices (delivery_id, kind);
CREATE INDEX invoices_order ON invoices (order_id);
CREATE INDEX invoices_status ON invoices (status, created_at, id);
CREATE INDEX invoices_due ON invoices (status, due_date);
CREATE INDEX invoices_created ON invoices (created_at, id);
CREATE INDEX invoices_updated ON invoices (updated_at, id);
CREATE INDEX invoices_owner ON invoices (owner_id, created_at, id);
CREATE INDEX invoices_team ON invoices (team_id, created_at, id);
CREATE INDEX invoices_account ON invoices (account_id);
CREATE INDEX invoices_case ON invoices (case_id);
INSERT INTO number_series (series, prefix, next_value) VALUES ('invoice', 'INV-', 1);
INSERT INTO number_series (series, prefix, next_value) VALUES ('credit_note', 'CN-', 1);

-- Payments with their allocations to invoices (JSON) and the customer credit they leave.
CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    received_on TEXT NOT NULL,
    method TEXT NOT NULL,
    reference TEXT,
    allocations TEXT NOT NULL,
    credit_minor BIGINT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users (id),
    team_id TEXT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    merged_into TEXT,
    CHECK (amount_minor > 0 AND credit_minor >= 0 AND credit_minor <= amount_minor)
);
CREATE INDEX payments_account ON payments (account_id, received_on);
CREATE INDEX payments_created ON payments (created_at, id);
CREATE INDEX payments_updated ON payments (updated_at, id);
CREATE INDEX payments_owner ON payments (owner_id, created_at, id);
CREATE INDEX payments_team ON payments (team_id, created_at, id);
CREATE INDEX invoices_open ON invoices (account_id, status, due_date);

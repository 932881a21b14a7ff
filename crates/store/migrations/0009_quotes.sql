-- The catalogue, quotes with their revisions, portal links, sales orders and number series.

CREATE TABLE products (
    id TEXT PRIMARY KEY,
    sku TEXT NOT NULL,
    sku_key TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    description TEXT,
    unit TEXT NOT NULL,
    list_price_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    tax_category TEXT NOT NULL,
    stockable BIGINT NOT NULL,
    category TEXT,
    active BIGINT NOT NULL,
    -- Read and written only by the product cost use case, never with the product.
    cost_minor BIGINT,
    owner_id TEXT NOT NULL REFERENCES users (id),
    team_id TEXT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    merged_into TEXT
);
CREATE UNIQUE INDEX products_sku ON products (sku);
CREATE INDEX products_sku_key ON products (sku_key, id);
CREATE INDEX products_name ON products (name_key, id);
CREATE INDEX products_created ON products (created_at, id);
CREATE INDEX products_updated ON products (updated_at, id);
CREATE INDEX products_owner ON products (owner_id, created_at, id);
CREATE INDEX products_team ON products (team_id, created_at, id);

-- One row per quote: the current revision in columns; earlier revisions, the approval and
-- the customer's answer as JSON.
CREATE TABLE quotes (
    id TEXT PRIMARY KEY,
    number TEXT,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    status TEXT NOT NULL,
    revision BIGINT NOT NULL,
    opportunity_id TEXT REFERENCES opportunities (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    contact_id TEXT REFERENCES contacts (id),
    case_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    price_mode TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    valid_until_key TEXT NOT NULL,
    terms TEXT,
    lines TEXT NOT NULL,
    totals TEXT NOT NULL,
    net_minor BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    max_discount_bp BIGINT NOT NULL,
    requested_by TEXT NOT NULL,
    revision_comment TEXT,
    revisions TEXT NOT NULL,
    approval TEXT,
    answer TEXT,
    sent_at BIGINT,
    owner_id TEXT NOT NULL REFERENCES users (id),
    team_id TEXT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    merged_into TEXT
);
CREATE UNIQUE INDEX quotes_number ON quotes (number);
CREATE INDEX quotes_created ON quotes (created_at, id);
CREATE INDEX quotes_updated ON quotes (updated_at, id);
CREATE INDEX quotes_title ON quotes (title_key, id);
CREATE INDEX quotes_valid_until ON quotes (valid_until_key, id);
CREATE INDEX quotes_status ON quotes (status, created_at, id);
CREATE INDEX quotes_expiry ON quotes (status, valid_until);
CREATE INDEX quotes_owner ON quotes (owner_id, created_at, id);
CREATE INDEX quotes_team ON quotes (team_id, created_at, id);
CREATE INDEX quotes_opportunity ON quotes (opportunity_id);
CREATE INDEX quotes_account ON quotes (account_id);
CREATE INDEX quotes_case ON quotes (case_id);

-- At most one order per quote: a second acceptance cannot create another.
CREATE TABLE sales_orders (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    status TEXT NOT NULL,
    quote_id TEXT NOT NULL REFERENCES quotes (id),
    quote_number TEXT,
    quote_revision BIGINT NOT NULL,
    opportunity_id TEXT REFERENCES opportunities (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    contact_id TEXT REFERENCES contacts (id),
    case_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    price_mode TEXT NOT NULL,
    terms TEXT,
    lines TEXT NOT NULL,
    totals TEXT NOT NULL,
    total_minor BIGINT NOT NULL,
    signature TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users (id),
    team_id TEXT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    merged_into TEXT
);
CREATE UNIQUE INDEX sales_orders_number ON sales_orders (number);
CREATE UNIQUE INDEX sales_orders_quote ON sales_orders (quote_id);
CREATE INDEX sales_orders_created ON sales_orders (created_at, id);
CREATE INDEX sales_orders_updated ON sales_orders (updated_at, id);
CREATE INDEX sales_orders_title ON sales_orders (title_key, id);
CREATE INDEX sales_orders_status ON sales_orders (status, created_at, id);
CREATE INDEX sales_orders_owner ON sales_orders (owner_id, created_at, id);
CREATE INDEX sales_orders_team ON sales_orders (team_id, created_at, id);
CREATE INDEX sales_orders_account ON sales_orders (account_id);
CREATE INDEX sales_orders_case ON sales_orders (case_id);

-- Gapless document numbers: the counter moves inside the transaction that uses the number.
CREATE TABLE number_series (
    series TEXT PRIMARY KEY,
    prefix TEXT NOT NULL,
    next_value BIGINT NOT NULL
);
INSERT INTO number_series (series, prefix, next_value) VALUES ('quote', 'Q-', 1);
INSERT INTO number_series (series, prefix, next_value) VALUES ('sales_order', 'SO-', 1);

-- Customer portal links: only a hash of the token is kept.
CREATE TABLE portal_links (
    token_hash TEXT PRIMARY KEY,
    document_type TEXT NOT NULL,
    document_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX portal_links_document ON portal_links (document_type, document_id);

-- Price lists per customer group and currency, with validity dates; accounts name their group.
ALTER TABLE accounts ADD COLUMN customer_group TEXT;
CREATE TABLE price_lists (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    currency TEXT NOT NULL,
    customer_group TEXT,
    valid_from TEXT,
    valid_to TEXT,
    prices TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users (id),
    team_id TEXT,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    merged_into TEXT
);
CREATE INDEX price_lists_name ON price_lists (name_key, id);
CREATE INDEX price_lists_created ON price_lists (created_at, id);
CREATE INDEX price_lists_updated ON price_lists (updated_at, id);
CREATE INDEX price_lists_owner ON price_lists (owner_id, created_at, id);
CREATE INDEX price_lists_team ON price_lists (team_id, created_at, id);
CREATE INDEX price_lists_currency ON price_lists (currency, archived);

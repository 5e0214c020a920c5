-- Foundation: organisation, accounts, sessions, audit log, calendars, settings, jobs.
-- Portable SQL; see src/migrate.rs for the {{ID}} marker and the dialect blocks.
-- Conventions: instants are BIGINT microseconds since the Unix epoch (UTC); civil dates are
-- TEXT 'YYYY-MM-DD'; booleans are BIGINT 0/1; JSON documents are TEXT.

CREATE TABLE calendars (
    id {{ID}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- JSON of tongdai_domain::calendar::CalendarConfig: office hours per weekday, holiday
    -- rules and the declared days (official notices, administrator entries)
    config TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE admin_units (
    id {{ID}},
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    kind TEXT NOT NULL,
    level BIGINT NOT NULL,
    parent_id BIGINT REFERENCES admin_units(id),
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    legal_basis TEXT NOT NULL DEFAULT '',
    UNIQUE (code, valid_from)
);
CREATE INDEX admin_units_parent ON admin_units (parent_id);
CREATE INDEX admin_units_folded ON admin_units (name_folded);

CREATE TABLE unit_lineage (
    old_unit_id BIGINT NOT NULL REFERENCES admin_units(id),
    new_unit_id BIGINT NOT NULL REFERENCES admin_units(id),
    kind TEXT NOT NULL,
    legal_basis TEXT NOT NULL DEFAULT '',
    effective_date TEXT NOT NULL,
    PRIMARY KEY (old_unit_id, new_unit_id)
);

CREATE TABLE tenants (
    id {{ID}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id BIGINT REFERENCES tenants(id),
    admin_unit_id BIGINT REFERENCES admin_units(id),
    calendar_id BIGINT NOT NULL REFERENCES calendars(id),
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    address TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    -- JSON: per-tenant settings (deadline limits, summary time, …)
    settings TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE tenant_lineage (
    predecessor_id BIGINT NOT NULL REFERENCES tenants(id),
    successor_id BIGINT NOT NULL REFERENCES tenants(id),
    kind TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    legal_basis TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (predecessor_id, successor_id)
);

CREATE TABLE hotline_numbers (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    number TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    UNIQUE (number, valid_from)
);

CREATE TABLE agencies (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id BIGINT REFERENCES agencies(id),
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    -- mã định danh điện tử (QĐ 20/2020/QĐ-TTg)
    dvc_code TEXT NOT NULL DEFAULT '',
    -- plays the plan's Phòng Nội vụ role for its tenant
    is_coordinator BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (tenant_id, code)
);
CREATE INDEX agencies_tenant ON agencies (tenant_id);

CREATE TABLE agency_lineage (
    predecessor_id BIGINT NOT NULL REFERENCES agencies(id),
    successor_id BIGINT NOT NULL REFERENCES agencies(id),
    kind TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    legal_basis TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (predecessor_id, successor_id)
);

CREATE TABLE fields (
    id {{ID}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE case_categories (
    id {{ID}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    field_id BIGINT REFERENCES fields(id),
    -- which case kind the category belongs to (hoi_dap_tthc, phan_anh, …), '' for any
    case_kind TEXT NOT NULL DEFAULT '',
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE agency_fields (
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    field_id BIGINT NOT NULL REFERENCES fields(id),
    PRIMARY KEY (agency_id, field_id)
);

CREATE TABLE accounts (
    id {{ID}},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    tenant_id BIGINT REFERENCES tenants(id),
    active BIGINT NOT NULL DEFAULT 1,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    totp_secret TEXT,
    totp_enabled BIGINT NOT NULL DEFAULT 0,
    totp_last_step BIGINT,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_login_at BIGINT,
    password_changed_at BIGINT NOT NULL,
    locale TEXT NOT NULL DEFAULT 'vi',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE account_roles (
    id {{ID}},
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    role TEXT NOT NULL,
    tenant_id BIGINT REFERENCES tenants(id),
    agency_id BIGINT REFERENCES agencies(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX account_roles_account ON account_roles (account_id);
CREATE INDEX account_roles_agency ON account_roles (agency_id);

CREATE TABLE role_settings (
    role TEXT PRIMARY KEY,
    require_totp BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);

CREATE TABLE agency_contacts (
    id {{ID}},
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    account_id BIGINT REFERENCES accounts(id),
    name TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL,
    -- focal | head | deputy | support
    duty TEXT NOT NULL,
    sort_order BIGINT NOT NULL DEFAULT 0,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX agency_contacts_agency ON agency_contacts (agency_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    csrf_token TEXT NOT NULL,
    -- 1 while the second factor is still to be checked
    mfa_pending BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id {{ID}},
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    expires_at BIGINT,
    revoked_at BIGINT
);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at_us BIGINT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    ip TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at_us);
CREATE INDEX audit_log_actor ON audit_log (actor_id);

-- The chain head: one row, updated in the same transaction as each append. Updating it takes
-- a row lock on PostgreSQL, which serialises appends across nodes.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only: the application can neither edit nor delete audit rows. (Someone with the
-- database owner's rights can drop the trigger; the hash chain still shows the change.)
-- sqlite:begin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
-- sqlite:end
-- postgres:begin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
-- postgres:end

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

-- The durable job queue: deadlines, deliveries and scheduled work are rows, never sleeps.
CREATE TABLE jobs (
    id {{ID}},
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    -- at most one pending/running job per key (e.g. 'deadline:case:12:due')
    dedupe_key TEXT UNIQUE,
    run_at BIGINT NOT NULL,
    -- pending | running | done | failed | cancelled
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL DEFAULT 10,
    last_error TEXT,
    locked_by TEXT,
    locked_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX jobs_due ON jobs (status, run_at);

-- The duty roster (ADM-3): who staffs the hotline when.
CREATE TABLE roster_shifts (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    day TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX roster_shifts_day ON roster_shifts (tenant_id, day);
CREATE INDEX roster_shifts_account ON roster_shifts (account_id, day);

-- Cases (CASE-1 … CASE-14). The domain's `Case` value is stored whole as JSON in `doc`; the
-- columns beside it are copies for queries (lists, the logbook, due and overdue lists,
-- lookups), rewritten from the document on every change. `version` guards concurrent changes:
-- an update names the version it read.

CREATE TABLE cases (
    id {{ID}},
    code TEXT NOT NULL UNIQUE,
    year BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    state TEXT NOT NULL,
    kind TEXT NOT NULL,
    class TEXT,
    channel TEXT NOT NULL,
    caller_name TEXT NOT NULL,
    caller_name_folded TEXT NOT NULL,
    caller_phone TEXT NOT NULL,
    caller_address TEXT NOT NULL,
    admin_unit_id BIGINT,
    content_folded TEXT NOT NULL,
    field_id BIGINT,
    category_id BIGINT,
    lead_agency_id BIGINT,
    pressing BIGINT NOT NULL DEFAULT 0,
    complex BIGINT NOT NULL DEFAULT 0,
    confidential BIGINT NOT NULL DEFAULT 0,
    received_at BIGINT NOT NULL,
    received_by BIGINT,
    due_at BIGINT,
    hard_due_at BIGINT,
    statutory_due_at BIGINT,
    answered_at BIGINT,
    closed_at BIGINT,
    published_at BIGINT,
    rating BIGINT,
    merged_into BIGINT,
    source_ip TEXT NOT NULL DEFAULT '',
    doc TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (year, seq)
);
CREATE INDEX cases_tenant_received ON cases (tenant_id, received_at);
CREATE INDEX cases_received ON cases (received_at);
CREATE INDEX cases_lead_state_due ON cases (lead_agency_id, state, due_at);
CREATE INDEX cases_state_due ON cases (state, due_at);
CREATE INDEX cases_phone ON cases (caller_phone, received_at);
CREATE INDEX cases_published ON cases (published_at);

-- Every agency a case was forwarded to (lead and supporting), for scoping: an officer sees the
-- cases of the agencies they belong to.
CREATE TABLE case_agencies (
    case_id BIGINT NOT NULL REFERENCES cases(id),
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    lead BIGINT NOT NULL,
    PRIMARY KEY (case_id, agency_id)
);
CREATE INDEX case_agencies_agency ON case_agencies (agency_id, case_id);

-- The history (CASE-12): one row per event, never changed or deleted.
CREATE TABLE case_events (
    id {{ID}},
    case_id BIGINT NOT NULL REFERENCES cases(id),
    at BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL DEFAULT '',
    from_state TEXT,
    to_state TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);
-- sqlite:begin
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;
-- sqlite:end
-- postgres:begin
CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'case_events is append-only'; END; $$;
CREATE TRIGGER case_events_no_change BEFORE UPDATE OR DELETE ON case_events
FOR EACH ROW EXECUTE FUNCTION case_events_append_only();
-- postgres:end

CREATE TABLE case_attachments (
    id {{ID}},
    case_id BIGINT NOT NULL REFERENCES cases(id),
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    original_name TEXT NOT NULL,
    uploaded_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments (case_id);

-- Routing rules (CASE-4): criteria left NULL match anything.
CREATE TABLE routing_rules (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    field_id BIGINT,
    kind TEXT,
    admin_unit_id BIGINT,
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    priority BIGINT NOT NULL DEFAULT 0,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX routing_rules_tenant ON routing_rules (tenant_id);

-- The daily 16:30 summaries (CASE-13), kept as generated.
CREATE TABLE daily_summaries (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    day TEXT NOT NULL,
    generated_at BIGINT NOT NULL,
    content TEXT NOT NULL,
    UNIQUE (tenant_id, day)
);

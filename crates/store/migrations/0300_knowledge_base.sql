-- Knowledge base (KB-1, KB-2, KB-3, KB-4, ADM-6): the procedure catalogue with every version
-- kept, tenants' local copies, FAQs with their review workflow and history, synonym lists, and
-- the change log that keeps every node's in-memory search index current.

-- The catalogue of administrative procedures (TTHC), one row per code (a provincial copy
-- `1.001612.000.00.00.H01` is a code of its own). `record` is the current version as JSON
-- (the fields of tthc_record.schema.json); the other columns are copies for lists and filters.
CREATE TABLE kb_procedures (
    id {{ID}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    -- cấp thực hiện and lĩnh vực, joined with '; '
    levels TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '',
    -- toàn trình | một phần | cung cấp thông tin | ''
    online_level TEXT NOT NULL DEFAULT '',
    record TEXT NOT NULL,
    -- SHA-256 of the canonical JSON: an import of the same record changes nothing
    hash TEXT NOT NULL,
    version BIGINT NOT NULL,
    -- 0 once the procedure is abolished (kept, with its history, but no longer searched)
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX kb_procedures_folded ON kb_procedures (name_folded);

-- Every version of every procedure, the current one included: who changed what, when, how.
CREATE TABLE kb_procedure_versions (
    id {{ID}},
    procedure_id BIGINT NOT NULL REFERENCES kb_procedures(id),
    version BIGINT NOT NULL,
    record TEXT NOT NULL,
    hash TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    -- JSON array of the top-level fields that differ from the previous version
    changed_fields TEXT NOT NULL DEFAULT '[]',
    -- import:<file> | web | demo | cli
    source TEXT NOT NULL,
    actor_id BIGINT REFERENCES accounts(id),
    actor_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (procedure_id, version)
);

-- A tenant's local copy of a procedure: its own executing agency, address and online-service
-- page, shown on that tenant's portal in place of the national text.
CREATE TABLE kb_local_copies (
    id {{ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    procedure_id BIGINT NOT NULL REFERENCES kb_procedures(id),
    agency_id BIGINT REFERENCES agencies(id),
    agency_name TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    online_url TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    published BIGINT NOT NULL DEFAULT 1,
    updated_by BIGINT REFERENCES accounts(id),
    updated_by_name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (tenant_id, procedure_id)
);

-- Questions and answers written by an agency (KB-2). `draft` is the working text (JSON:
-- cau_hoi, tra_loi, linh_vuc, tu_khoa, thu_tuc_lien_quan); `published` is what the portal
-- shows (NULL until a head approves), so an edit of a published FAQ stays off the portal until
-- it is approved in turn.
CREATE TABLE kb_faqs (
    id {{ID}},
    code TEXT NOT NULL UNIQUE,
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    agency_id BIGINT REFERENCES agencies(id),
    -- draft | review | published | withdrawn
    status TEXT NOT NULL,
    draft TEXT NOT NULL,
    published TEXT,
    review_note TEXT NOT NULL DEFAULT '',
    -- bumped by every change: a form carries it, a stale form is refused
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT REFERENCES accounts(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    published_at BIGINT
);
CREATE INDEX kb_faqs_tenant ON kb_faqs (tenant_id, status);
CREATE INDEX kb_faqs_agency ON kb_faqs (agency_id, status);

-- Procedures a published FAQ is about (for the procedure's page).
CREATE TABLE kb_faq_links (
    faq_id BIGINT NOT NULL REFERENCES kb_faqs(id),
    procedure_code TEXT NOT NULL,
    PRIMARY KEY (faq_id, procedure_code)
);
CREATE INDEX kb_faq_links_code ON kb_faq_links (procedure_code);

-- What happened to an FAQ: each save, submission, approval, rejection, with the text then.
CREATE TABLE kb_faq_history (
    id {{ID}},
    faq_id BIGINT NOT NULL REFERENCES kb_faqs(id),
    -- create | edit | submit | approve | reject | withdraw
    action TEXT NOT NULL,
    content TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    actor_id BIGINT REFERENCES accounts(id),
    actor_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX kb_faq_history_faq ON kb_faq_history (faq_id, id);

-- Synonym lists in the line format (`sổ đỏ, giấy đỏ => giấy chứng nhận …`): one global list
-- (tenant_id NULL; the shipped default until an administrator saves one) and one per tenant.
CREATE TABLE kb_synonyms (
    scope TEXT PRIMARY KEY,
    tenant_id BIGINT REFERENCES tenants(id),
    body TEXT NOT NULL,
    updated_by BIGINT REFERENCES accounts(id),
    updated_by_name TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);

-- Every change to what the search index holds: each node applies the rows after the last one it
-- saw, so an edit made on one node (or by `tongdai kb import`) is found on all of them.
-- kind: procedure | faq | synonyms | rebuild; ref: code or scope. `seq` comes from the counter
-- below, whose row lock is held to commit: numbers are handed out in commit order, so a node
-- never skips a change committed late under a smaller number.
CREATE TABLE kb_changes (
    seq BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('kb.changes', 0);

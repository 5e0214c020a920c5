-- Telephony (issue 5, TEL-1…TEL-11): what the SIP engine loads and persists, through
-- tongdai_telephony::store::sql. Configuration (flows, trunks, agents, queues) is edited by
-- administrators; runtime rows (reservations, queue entries, call events, CDRs, recordings)
-- are written by the engine nodes, which share them through this database.
-- One hotline per installation: these tables carry no tenant; the pages that show them are
-- for tenant-wide roles.

-- Call flows as versioned JSON documents; one version per flow id is active.
CREATE TABLE flows (
    id TEXT NOT NULL,
    version BIGINT NOT NULL,
    -- JSON array of normalised DIDs (a copy of the document's, for listing)
    dids TEXT NOT NULL,
    -- the whole tongdai_telephony::flow::Flow as JSON
    document TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    activated_at BIGINT,
    PRIMARY KEY (id, version)
);
CREATE INDEX flows_active ON flows (active, id);

-- Carrier trunks: the Trunk as JSON without its registration password, which is encrypted.
CREATE TABLE trunks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    config TEXT NOT NULL,
    registration_password TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);

-- Agents (operators' phones). status is set by people (JSON of AgentStatus), state by the
-- engine; a reservation (state = 'offered') is taken by one conditional UPDATE.
CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    account_id BIGINT REFERENCES accounts(id),
    display_name TEXT NOT NULL,
    sip_username TEXT NOT NULL UNIQUE,
    -- ChaCha20-Poly1305 under the installation's SIP key (nonce ‖ ciphertext, base64)
    sip_password TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT '{"status":"logged_out"}',
    state TEXT NOT NULL DEFAULT 'idle',
    call_id TEXT,
    node_id TEXT,
    lease_until BIGINT,
    wrap_up_s BIGINT,
    active BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
);
CREATE INDEX agents_account ON agents (account_id);

-- Queues: settings as JSON (QueueRow without tiers), tiers as rows.
CREATE TABLE queues (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    config TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE queue_tiers (
    queue_id TEXT NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    level BIGINT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (queue_id, agent_id)
);

-- Callers waiting (any node can see the backlog).
CREATE TABLE queue_entries (
    call_id TEXT PRIMARY KEY,
    queue_id TEXT NOT NULL,
    node_id TEXT NOT NULL,
    caller_number TEXT NOT NULL,
    enqueued_at BIGINT NOT NULL,
    priority BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX queue_entries_queue ON queue_entries (queue_id, enqueued_at);

-- Append-only call events.
CREATE TABLE call_events (
    call_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    leg_id TEXT,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (call_id, seq)
);

-- The CDR: the columns lists and filters need, and the whole CallRecord (without legs) as
-- JSON so that every field round-trips.
CREATE TABLE calls (
    call_id TEXT PRIMARY KEY,
    node_id TEXT NOT NULL,
    status TEXT NOT NULL,
    direction TEXT NOT NULL,
    did TEXT NOT NULL,
    caller_number TEXT NOT NULL,
    arrived_at BIGINT NOT NULL,
    ended_at BIGINT,
    queue_id TEXT,
    agent_id TEXT,
    disposition TEXT,
    recording_id TEXT,
    case_id TEXT,
    record TEXT NOT NULL
);
CREATE INDEX calls_arrived ON calls (arrived_at);
CREATE INDEX calls_open ON calls (node_id, status);
CREATE INDEX calls_agent ON calls (agent_id, arrived_at);

CREATE TABLE call_legs (
    call_id TEXT NOT NULL REFERENCES calls(call_id) ON DELETE CASCADE,
    leg_id TEXT NOT NULL,
    role TEXT NOT NULL,
    target TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    answered_at BIGINT,
    ended_at BIGINT,
    final_sip_code BIGINT,
    initiated_by TEXT,
    PRIMARY KEY (call_id, leg_id)
);

-- Recordings with their place in the hash chain (seq gives the chain order). A legal hold
-- blocks deletion; a deleted recording keeps its row (the chain stays verifiable).
CREATE TABLE recordings (
    seq {{ID}},
    id TEXT NOT NULL UNIQUE,
    call_id TEXT NOT NULL,
    path TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    prev_chain_hash TEXT,
    chain_hash TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    closed_at BIGINT NOT NULL,
    repaired BIGINT NOT NULL DEFAULT 0,
    legal_hold BIGINT NOT NULL DEFAULT 0,
    legal_hold_reason TEXT NOT NULL DEFAULT '',
    deleted_at BIGINT
);
CREATE INDEX recordings_call ON recordings (call_id);
CREATE INDEX recordings_closed ON recordings (closed_at);

-- Callback tasks (TEL-11) and voicemails.
CREATE TABLE callback_tasks (
    id TEXT PRIMARY KEY,
    call_id TEXT NOT NULL,
    number TEXT NOT NULL,
    did TEXT NOT NULL,
    queue_id TEXT,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    assigned_to BIGINT,
    done_at BIGINT
);
CREATE INDEX callback_tasks_open ON callback_tasks (status, created_at);

CREATE TABLE voicemails (
    id TEXT PRIMARY KEY,
    call_id TEXT NOT NULL,
    number TEXT NOT NULL,
    path TEXT NOT NULL,
    duration_ms BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Engine nodes' heartbeats.
CREATE TABLE nodes (
    node_id TEXT PRIMARY KEY,
    sip_addr TEXT NOT NULL,
    heartbeat_at BIGINT NOT NULL,
    draining BIGINT NOT NULL DEFAULT 0
);

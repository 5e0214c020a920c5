-- Notifications (CASE-5, CH-5): in-app notifications per account, and the outbox of messages
-- to other channels (e-mail now; SMS and Zalo plug into the same table). Both are written in
-- the same transaction as the event that causes them; a job delivers each outbox row with
-- retries, so a crash loses no message and a retry sends none twice (idempotency key).

CREATE TABLE notifications (
    id {{ID}},
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_account ON notifications (account_id, id);

CREATE TABLE outbox (
    id {{ID}},
    -- email | sms | zalo
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    -- what caused it: notification kind and, when about a case, its id
    kind TEXT NOT NULL,
    case_id BIGINT,
    idempotency_key TEXT NOT NULL UNIQUE,
    -- queued | accepted | delivered | failed
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    provider_id TEXT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX outbox_status ON outbox (status, created_at);

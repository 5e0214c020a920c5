-- Callback worklist (TEL-11): every attempt to call a citizen back, with its outcome.
CREATE TABLE callback_attempts (
    id {{ID}},
    task_id TEXT NOT NULL REFERENCES callback_tasks(id),
    account_id BIGINT REFERENCES accounts(id),
    agent_id TEXT,
    call_id TEXT,
    outcome TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE INDEX callback_attempts_task ON callback_attempts (task_id, at);

-- The console's screen pop (TEL-9) finds a caller's earlier calls by number.
CREATE INDEX calls_caller ON calls (caller_number, arrived_at);

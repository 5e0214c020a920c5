-- The deadline runner's indexes (BENCHMARKS.md, deadline runner).

-- A runner claims each kind it handles on its own range of this index. One claim for "every
-- kind but the batch kinds" read every due deadline job to find none: 100 to 300 ms a claim
-- with 100,000 escalations due.
CREATE INDEX jobs_kind_due ON jobs (kind, status, run_at);

-- Two indexes of `cases` were prefixes of later ones ((received_at) of (received_at, id),
-- (published_at) of (published_at, id)): every changed case paid for them on PostgreSQL, which
-- writes a new entry in every index of a row it cannot update in place.
DROP INDEX cases_received;
DROP INDEX cases_published;

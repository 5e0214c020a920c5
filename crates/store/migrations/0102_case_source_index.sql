-- The public form's spam limit counts the cases of one source address in the last hour and day
-- (CASE-1, point 14 of issue 4); without this index that count scanned every recent case.
CREATE INDEX cases_source_received ON cases (source_ip, received_at);

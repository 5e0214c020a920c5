-- Cases, second step (issue 4's web layer): the redacted public text folded for the portal's
-- search (CASE-10: searched with or without diacritics, never the unredacted content), and the
-- indexes the lists, the logbook and the overdue list need on a million cases (BENCHMARKS.md).

ALTER TABLE cases ADD COLUMN public_text_folded TEXT;

-- The public answers, newest first.
CREATE INDEX cases_published_list ON cases (published_at, id);
-- Keyset pagination of every list (newest first) and the logbook's period filter.
CREATE INDEX cases_received_id ON cases (received_at, id);
-- An agency's cases by arrival (the officer's lists, the logbook filtered by agency).
CREATE INDEX case_agencies_case ON case_agencies (case_id, agency_id);
-- The first acknowledgement of each case (the logbook's hand-over sign-off).
CREATE INDEX case_events_case_kind ON case_events (case_id, kind, id);

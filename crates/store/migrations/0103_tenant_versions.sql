-- Every change to a tenant bumps its version, as calendars already do: the case service caches
-- each tenant's decision context (calendar, policy, tenant path) and re-reads it only when the
-- versions of tenants or calendars changed (`org::context_stamp`), instead of five queries per
-- intake and per decision.
ALTER TABLE tenants ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- Phones' registrations shared by the engine nodes (issue 5, point 8; design §11): each node
-- records the live bindings it holds, so a node whose ACD picks an agent can ring the agent's
-- phone even when it registered with another node behind the same Kamailio.
CREATE TABLE phone_registrations (
    -- the SIP user name (the agent's extension)
    username TEXT PRIMARY KEY,
    -- the Contact the phone registered
    contact TEXT NOT NULL,
    -- where its REGISTER came from (address:port; INVITEs go there, NAT-safe)
    source TEXT NOT NULL,
    -- the node holding the binding (the one that answered the latest REGISTER)
    node_id TEXT NOT NULL,
    -- Unix seconds
    expires_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX phone_registrations_node ON phone_registrations (node_id);

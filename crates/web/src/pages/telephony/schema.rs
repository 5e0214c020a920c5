//! Schemas of the console API for `/api/openapi.json` (design §10): the commands that
//! `POST /api/v1/telephony/commands` takes and the events `GET /api/v1/telephony/events`
//! streams, one `oneOf` branch per `type`. The tables are the engine's wire names; the tests
//! read every command example back with `tongdai_telephony::api::Command`, so a field renamed
//! there fails here.

use serde_json::{Map, Value, json};

/// A field's JSON Schema by a short name.
fn ty(t: &str) -> Value {
    match t {
        "string" => json!({ "type": "string" }),
        "integer" => json!({ "type": "integer", "minimum": 0 }),
        "boolean" => json!({ "type": "boolean" }),
        "number?" => json!({ "type": ["number", "null"] }),
        "string?" => json!({ "type": ["string", "null"] }),
        "hours?" => json!({ "enum": ["force_open", "force_closed", null] }),
        "agent_state" => json!({ "enum": ["idle", "offered", "in_call", "wrap_up"] }),
        "agent_status" => json!({
            "type": "object",
            "required": ["status"],
            "properties": {
                "status": { "enum": ["logged_out", "available", "on_break"] },
                "reason": { "type": "string" },
            },
        }),
        _ => json!({ "type": "string", "description": t }),
    }
}

/// Commands: type, fields (name, type), what it does.
#[allow(clippy::type_complexity)]
pub(crate) const COMMANDS: &[(&str, &[(&str, &str)], &str)] = &[
    (
        "agent.login",
        &[("agent_id", "string")],
        "Join the agent's queues.",
    ),
    (
        "agent.logout",
        &[("agent_id", "string")],
        "Leave the queues (a call in progress goes on).",
    ),
    (
        "agent.pause",
        &[("agent_id", "string"), ("reason", "string")],
        "Pause with a reason.",
    ),
    (
        "agent.unpause",
        &[("agent_id", "string")],
        "Available again.",
    ),
    (
        "agent.end_wrapup",
        &[("agent_id", "string")],
        "End the wrap-up time early.",
    ),
    (
        "call.answer",
        &[("call_id", "string"), ("agent_id", "string")],
        "Answer a call ringing at the agent's phone: the engine offers it again with \
         `Call-Info: …;answer-after=0`, which phones configured for auto-answer honour. 409 \
         unless the call rings there.",
    ),
    ("call.hangup", &[("call_id", "string")], "End the call."),
    (
        "call.hold",
        &[("call_id", "string")],
        "The caller hears music on hold.",
    ),
    (
        "call.unhold",
        &[("call_id", "string")],
        "Back to the conversation.",
    ),
    (
        "call.mute",
        &[("call_id", "string")],
        "The caller stops hearing the agent (silence is sent; the recording's staff channel \
         is silent). 409 unless the call is answered.",
    ),
    (
        "call.unmute",
        &[("call_id", "string")],
        "The caller hears the agent again.",
    ),
    (
        "call.transfer.blind",
        &[("call_id", "string"), ("target", "string")],
        "Transfer to an extension or a national number.",
    ),
    (
        "call.transfer.attended.start",
        &[("call_id", "string"), ("target", "string")],
        "Consult the target while the caller holds.",
    ),
    (
        "call.transfer.attended.complete",
        &[("call_id", "string")],
        "Join caller and target.",
    ),
    (
        "call.transfer.attended.cancel",
        &[("call_id", "string")],
        "Back to the caller.",
    ),
    (
        "call.originate",
        &[("agent_id", "string"), ("number", "string")],
        "Click-to-call: the agent's phone rings first, then the number.",
    ),
    (
        "callback.dial",
        &[
            ("task_id", "string"),
            ("agent_id", "string"),
            ("number", "string"),
        ],
        "Call back a citizen for a callback task.",
    ),
    (
        "hours.override",
        &[("value", "hours?")],
        "Force the line open or closed; null follows the calendar (administrators).",
    ),
];

/// Events: type, fields (name, type). Every event also has `seq`, `node_id` and `at`.
#[allow(clippy::type_complexity)]
pub(crate) const EVENTS: &[(&str, &[(&str, &str)])] = &[
    (
        "call.arrived",
        &[
            ("call_id", "string"),
            ("did", "string"),
            ("caller_number", "string"),
        ],
    ),
    (
        "call.offered",
        &[
            ("call_id", "string"),
            ("agent_id", "string"),
            ("caller_number", "string"),
            ("did", "string"),
            ("ivr_path", "string"),
            ("queue_id", "string"),
            ("wait_s", "integer"),
        ],
    ),
    (
        "call.answered",
        &[("call_id", "string"), ("agent_id", "string?")],
    ),
    (
        "call.held",
        &[("call_id", "string"), ("on_hold", "boolean")],
    ),
    ("call.muted", &[("call_id", "string"), ("muted", "boolean")]),
    (
        "call.transfer.started",
        &[
            ("call_id", "string"),
            ("kind", "blind or attended"),
            ("target", "string"),
        ],
    ),
    (
        "call.transfer.completed",
        &[("call_id", "string"), ("target", "string")],
    ),
    (
        "call.transfer.failed",
        &[
            ("call_id", "string"),
            ("target", "string"),
            ("code", "integer"),
        ],
    ),
    (
        "call.transfer.cancelled",
        &[("call_id", "string"), ("target", "string")],
    ),
    (
        "call.ended",
        &[
            ("call_id", "string"),
            ("disposition", "the call record's disposition"),
        ],
    ),
    (
        "queue.updated",
        &[
            ("queue_id", "string"),
            ("waiting", "integer"),
            ("longest_wait_s", "integer"),
            ("agents_free", "integer"),
            ("sl", "number?"),
        ],
    ),
    (
        "agent.status",
        &[("agent_id", "string"), ("status", "agent_status")],
    ),
    (
        "agent.state",
        &[("agent_id", "string"), ("state", "agent_state")],
    ),
    (
        "recording.ready",
        &[
            ("call_id", "string"),
            ("recording_id", "string"),
            ("sha256", "string"),
        ],
    ),
    (
        "callback.created",
        &[
            ("call_id", "string"),
            ("task_id", "string"),
            ("number", "string"),
        ],
    ),
    ("trunk.state", &[("trunk_id", "string"), ("up", "boolean")]),
];

fn variant(kind: &str, fields: &[(&str, &str)], common: &[(&str, Value)]) -> Value {
    let mut props = Map::new();
    props.insert("type".into(), json!({ "const": kind }));
    for (name, schema) in common {
        props.insert((*name).into(), schema.clone());
    }
    for (name, t) in fields {
        props.insert((*name).into(), ty(t));
    }
    let required: Vec<&str> = std::iter::once("type")
        .chain(common.iter().map(|(n, _)| *n))
        .chain(fields.iter().map(|(n, _)| *n))
        .collect();
    json!({ "type": "object", "required": required, "properties": props })
}

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The schemas, added to the document's components.
pub fn components() -> Map<String, Value> {
    let commands: Vec<Value> = COMMANDS
        .iter()
        .map(|(kind, fields, what)| {
            let mut v = variant(kind, fields, &[]);
            v["description"] = json!(what);
            v
        })
        .collect();
    let common = [
        (
            "seq",
            json!({ "type": "integer", "description": "Per node; the SSE id" }),
        ),
        ("node_id", json!({ "type": "string" })),
        ("at", json!({ "type": "string", "format": "date-time" })),
    ];
    let events: Vec<Value> = EVENTS
        .iter()
        .map(|(kind, fields)| variant(kind, fields, &common))
        .collect();
    let mut m = Map::new();
    m.insert(
        "TelephonyCommand".into(),
        json!({ "oneOf": commands, "discriminator": { "propertyName": "type" } }),
    );
    m.insert(
        "TelephonyCommandRequest".into(),
        json!({
            "type": "object",
            "required": ["idempotency_key", "command"],
            "properties": {
                "idempotency_key": { "type": "string", "minLength": 1, "maxLength": 200, "description": "A retried key returns the first reply" },
                "command": r("TelephonyCommand"),
            },
        }),
    );
    m.insert(
        "TelephonyCommandReply".into(),
        json!({
            "type": "object",
            "required": ["result"],
            "properties": {
                "result": { "enum": ["ok", "error"] },
                "detail": { "type": ["string", "null"], "description": "The new call's id for call.originate and callback.dial" },
                "code": { "enum": ["not_found", "invalid_state", "not_allowed", "busy", "internal"] },
                "message": { "type": "string" },
            },
        }),
    );
    m.insert(
        "TelephonyEvent".into(),
        json!({ "oneOf": events, "discriminator": { "propertyName": "type" } }),
    );
    m
}

/// Add the request body and responses of the console routes to their operations.
pub fn extend(method: &str, path: &str, op: &mut Value) {
    let Some(o) = op.as_object_mut() else { return };
    match (method, path) {
        ("post", "/api/v1/telephony/commands") => {
            o.insert(
                "requestBody".into(),
                json!({ "required": true, "content": { "application/json": { "schema": r("TelephonyCommandRequest") } } }),
            );
            let reply = |d: &str| json!({ "description": d, "content": { "application/json": { "schema": r("TelephonyCommandReply") } } });
            if let Some(resp) = o.get_mut("responses").and_then(Value::as_object_mut) {
                resp.insert("200".into(), reply("Done"));
                resp.insert("404".into(), reply("No such call or agent"));
                resp.insert(
                    "409".into(),
                    reply("Not in this state (e.g. mute before the answer)"),
                );
                resp.insert(
                    "503".into(),
                    json!({ "description": "The SIP engine is off" }),
                );
            }
        }
        ("get", "/api/v1/telephony/events") => {
            if let Some(resp) = o.get_mut("responses").and_then(Value::as_object_mut) {
                resp.insert(
                    "200".into(),
                    json!({
                        "description": "Server-sent events: `id` = seq, `event` = type, `data` = the event's JSON; `resync` when events were lost, `unavailable` when the engine is off",
                        "content": { "text/event-stream": { "schema": r("TelephonyEvent") } },
                    }),
                );
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tongdai_telephony::api::Command;

    /// TEL-9: every documented command, with its documented fields, is a command the engine
    /// reads, under the same type name.
    #[test]
    fn tel_9_documented_commands_are_the_engines() {
        for (kind, fields, _) in COMMANDS {
            let mut v = json!({ "type": kind });
            for (name, t) in *fields {
                v[*name] = if *t == "hours?" {
                    Value::Null
                } else {
                    json!("x")
                };
            }
            let c: Command =
                serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{kind}: {e} ({v})"));
            assert_eq!(serde_json::to_value(&c).unwrap()["type"], *kind);
        }
        let doc = components();
        let n = doc["TelephonyCommand"]["oneOf"].as_array().unwrap().len();
        assert_eq!(n, COMMANDS.len());
        assert!(
            doc["TelephonyEvent"]["oneOf"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["properties"]["type"]["const"] == "call.muted")
        );
    }
}

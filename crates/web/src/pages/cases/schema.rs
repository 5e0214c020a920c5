//! Request and response schemas of the case API for `/api/openapi.json` (OpenAPI 3.1, JSON
//! Schema 2020-12). The route table says which routes exist and who may call them; this table
//! adds what they take and return.

use serde_json::{Value, json};
use tongdai_domain::case::{CaseKind, CaseState, Channel, CommandKind, ContentClass};

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|x| code(*x)).collect()
}

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn body(name: &str) -> Value {
    json!({ "description": name, "content": { "application/json": { "schema": r(name) } } })
}

fn errors() -> Value {
    json!({
        "404": body("Error"),
        "409": body("Error"),
        "422": body("ValidationError"),
        "429": body("Error"),
    })
}

/// Add the request body, parameters and responses of a case API route to its operation.
pub fn extend(method: &str, path: &str, op: &mut Value) {
    let (request, ok_status, response, params): (Option<&str>, &str, &str, Value) = match (
        method, path,
    ) {
        ("post", "/api/v1/public/cases") => (
            Some("PublicSubmission"),
            "201",
            "PublicSubmitted",
            json!([]),
        ),
        ("get", "/api/v1/public/cases/{code}") => (
            None,
            "200",
            "PublicStatus",
            json!([
                { "name": "code", "in": "path", "required": true, "schema": { "type": "string", "examples": ["PA-2026-000123"] } },
                { "name": "phone", "in": "query", "required": true, "description": "The phone number given with the case; without it the answer is 404.", "schema": { "type": "string" } },
            ]),
        ),
        ("get", "/api/v1/cases") => (
            None,
            "200",
            "CaseList",
            json!([
                { "name": "from", "in": "query", "schema": { "type": "string", "format": "date" } },
                { "name": "to", "in": "query", "schema": { "type": "string", "format": "date" } },
                { "name": "agency", "in": "query", "schema": { "type": "integer" } },
                { "name": "field", "in": "query", "schema": { "type": "integer" } },
                { "name": "kind", "in": "query", "schema": { "enum": codes(CaseKind::ALL, CaseKind::code) } },
                { "name": "state", "in": "query", "schema": { "enum": codes(CaseState::ALL, CaseState::code) } },
                { "name": "channel", "in": "query", "schema": { "enum": codes(Channel::ALL, Channel::code) } },
                { "name": "q", "in": "query", "description": "Code, name, phone or content, with or without diacritics", "schema": { "type": "string" } },
                { "name": "before", "in": "query", "description": "The `next` cursor of the previous page", "schema": { "type": "string" } },
                { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 500 } },
            ]),
        ),
        ("post", "/api/v1/cases") => (Some("CaseIntake"), "201", "Changed", json!([])),
        ("get", "/api/v1/cases/{id}") => (None, "200", "Case", Value::Null),
        ("post", "/api/v1/cases/{id}/commands") => {
            (Some("CommandRequest"), "200", "Changed", Value::Null)
        }
        _ => return,
    };
    let Some(o) = op.as_object_mut() else { return };
    if let Some(req) = request {
        o.insert(
            "requestBody".into(),
            json!({ "required": true, "content": { "application/json": { "schema": r(req) } } }),
        );
    }
    if params.is_array() {
        o.insert("parameters".into(), params);
    }
    let mut responses = o.get("responses").cloned().unwrap_or_else(|| json!({}));
    if let Some(map) = responses.as_object_mut() {
        map.remove("200");
        map.insert(ok_status.into(), body(response));
        if let Some(e) = errors().as_object() {
            for (k, v) in e {
                map.insert(k.clone(), v.clone());
            }
        }
    }
    o.insert("responses".into(), responses);
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn text(max: u32) -> Value {
    json!({ "type": "string", "maxLength": max })
}

fn opt_id() -> Value {
    json!({ "type": ["integer", "null"], "minimum": 1 })
}

fn datetime() -> Value {
    json!({ "type": "string", "format": "date-time" })
}

fn opt_datetime() -> Value {
    json!({ "type": ["string", "null"], "format": "date-time" })
}

/// One command: its `command` code and payload properties.
fn command_schema(kind: CommandKind) -> Value {
    let (props, required): (Value, Vec<&str>) = match kind {
        CommandKind::Classify => (
            json!({
                "kind": { "enum": codes(CaseKind::ALL, CaseKind::code) },
                "class": { "enum": codes(ContentClass::ALL, ContentClass::code).into_iter().map(Value::from).chain([Value::Null]).collect::<Vec<_>>() },
                "field_id": opt_id(), "pressing": { "type": "boolean" }, "complex": { "type": "boolean" },
            }),
            vec!["kind", "pressing", "complex"],
        ),
        CommandKind::AnswerOnSpot => (json!({ "answer": text(20000) }), vec!["answer"]),
        CommandKind::Redirect => (
            json!({ "guidance": { "type": ["string", "null"] } }),
            vec![],
        ),
        CommandKind::NotAccept
        | CommandKind::ReturnMisrouted
        | CommandKind::Pause
        | CommandKind::Reopen
        | CommandKind::Unpublish => (json!({ "reason": text(20000) }), vec!["reason"]),
        CommandKind::ForwardOut => (
            json!({ "body": text(200), "reason": text(20000) }),
            vec!["body", "reason"],
        ),
        CommandKind::Forward => (
            json!({
                "lead_agency_id": { "type": "integer", "minimum": 1 },
                "other_agency_ids": { "type": "array", "items": { "type": "integer", "minimum": 1 } },
                "note": { "type": ["string", "null"] },
            }),
            vec!["lead_agency_id"],
        ),
        CommandKind::Answer | CommandKind::AddNote => {
            (json!({ "text": text(20000) }), vec!["text"])
        }
        CommandKind::Approve => (json!({ "comment": { "type": ["string", "null"] } }), vec![]),
        CommandKind::RequestChanges => (json!({ "comment": text(5000) }), vec!["comment"]),
        CommandKind::RequestExtension => (
            json!({ "hours": { "type": "integer", "minimum": 1 }, "reason": text(5000) }),
            vec!["hours", "reason"],
        ),
        CommandKind::DecideExtension => (
            json!({ "decision": { "enum": ["approve", "reject"] }, "comment": { "type": ["string", "null"] } }),
            vec!["decision"],
        ),
        CommandKind::Rate => (
            json!({ "stars": { "type": "integer", "minimum": 1, "maximum": 5 }, "comment": { "type": ["string", "null"] } }),
            vec!["stars"],
        ),
        CommandKind::Publish => (json!({ "public_text": text(20000) }), vec!["public_text"]),
        CommandKind::Merge => (
            json!({ "into": { "type": "object", "description": "The case to merge into; only its id is read.", "properties": { "id": { "type": "integer" } }, "required": ["id"] } }),
            vec!["into"],
        ),
        CommandKind::UpdateFields => (
            json!({ "changes": { "type": "array", "items": { "type": "object", "properties": {
                "field": { "enum": ["caller_name", "organisation", "phone", "email", "address", "admin_unit_id", "content", "field_id", "category_id", "pressing", "complex", "dossier_code", "tthc_code"] },
                "value": {} }, "required": ["field", "value"] } } }),
            vec!["changes"],
        ),
        CommandKind::Acknowledge
        | CommandKind::Resume
        | CommandKind::Close
        | CommandKind::Escalate
        | CommandKind::HardDeadlineBreached
        | CommandKind::AddAttachment => (json!({}), vec![]),
    };
    let mut props = props;
    if let Some(m) = props.as_object_mut() {
        m.insert("command".into(), json!({ "const": kind.code() }));
    }
    let mut required: Vec<&str> = required;
    required.insert(0, "command");
    json!({ "type": "object", "title": kind.label_vi(), "properties": props, "required": required })
}

/// The schemas the operations refer to.
pub fn components() -> Value {
    let commands: Vec<Value> = CommandKind::ALL
        .iter()
        .filter(|k| {
            !matches!(
                k,
                CommandKind::Escalate
                    | CommandKind::HardDeadlineBreached
                    | CommandKind::AddAttachment
                    | CommandKind::Rate
            )
        })
        .map(|k| command_schema(*k))
        .collect();
    let mut m = serde_json::Map::new();
    m.insert("Error".into(), json!({ "type": "object", "properties": { "error": string(), "message": string() }, "required": ["error", "message"] }));
    m.insert("ValidationError".into(), json!({ "type": "object", "properties": {
            "error": { "const": "validation" }, "message": string(),
            "fields": { "type": "array", "items": { "type": "object", "properties": { "field": string(), "message": string() }, "required": ["field", "message"] } } },
            "required": ["error", "message", "fields"] }));
    m.insert("PublicSubmission".into(), json!({ "type": "object", "additionalProperties": false, "properties": {
            "tenant": { "type": "string", "description": "Tenant code (xa-an-chau); the hotline's top tenant when absent" },
            "caller_name": text(100), "organisation": text(200), "phone": string(), "email": string(), "address": text(300),
            "admin_unit_id": opt_id(), "kind": { "enum": ["hoi_dap_tthc", "phan_anh", "kien_nghi", "yeu_cau_dich_vu"] },
            "field_id": opt_id(), "content": text(10000),
            "notice_version": { "type": "string", "description": "The version of the personal-data notice shown to the citizen (SEC-4)" },
            "channel": { "enum": ["web", "embed"] } },
            "required": ["caller_name", "phone", "address", "content", "notice_version"] }));
    m.insert("PublicSubmitted".into(), json!({ "type": "object", "properties": { "code": string(), "state": string(), "lookup_url": string(), "message": string() }, "required": ["code", "state", "lookup_url"] }));
    m.insert("PublicStatus".into(), json!({ "type": "object", "properties": {
            "code": string(), "kind": string(), "state": { "enum": codes(CaseState::ALL, CaseState::code) }, "state_label": string(),
            "received_at": datetime(), "answered_at": opt_datetime(), "answer": { "type": ["string", "null"] },
            "public_text": { "type": ["string", "null"] }, "rating": { "type": ["integer", "null"] } },
            "required": ["code", "kind", "state", "state_label", "received_at"] }));
    m.insert("CaseItem".into(), json!({ "type": "object", "properties": {
            "id": { "type": "integer" }, "code": string(), "tenant_id": { "type": "integer" }, "state": string(), "kind": string(),
            "channel": string(), "received_at": datetime(), "caller_name": { "type": ["string", "null"] },
            "caller_phone": { "type": ["string", "null"], "description": "Masked (0912 *** 678) outside the coordinator role" },
            "lead_agency_id": opt_id(), "due_at": opt_datetime(), "hard_due_at": opt_datetime(), "answered_at": opt_datetime(),
            "pressing": { "type": "boolean" }, "confidential": { "type": "boolean" } },
            "required": ["id", "code", "state", "kind", "received_at"] }));
    m.insert("CaseList".into(), json!({ "type": "object", "properties": { "items": { "type": "array", "items": r("CaseItem") }, "next": { "type": ["string", "null"] } }, "required": ["items"] }));
    m.insert("Case".into(), json!({ "type": "object", "properties": {
            "id": { "type": "integer" }, "code": string(), "version": { "type": "integer" }, "tenant_id": { "type": "integer" },
            "state": string(), "kind": string(), "class": { "type": ["string", "null"] }, "channel": string(), "confidential": { "type": "boolean" },
            "caller": { "oneOf": [ { "type": "null" }, { "type": "object", "properties": { "name": string(), "organisation": { "type": ["string", "null"] }, "phone": string(), "email": { "type": ["string", "null"] }, "address": string(), "admin_unit_id": opt_id() } } ] },
            "content": string(), "field_id": opt_id(), "lead_agency_id": opt_id(), "other_agency_ids": { "type": "array", "items": { "type": "integer" } },
            "received_at": datetime(), "due_at": opt_datetime(), "hard_due_at": opt_datetime(), "statutory_due_at": opt_datetime(),
            "answer": { "type": ["string", "null"] }, "publication": { "type": ["string", "null"] }, "rating": { "type": ["integer", "null"] },
            "allowed_commands": { "type": "array", "items": { "enum": codes(CommandKind::ALL, CommandKind::code) } },
            "history": { "type": "array", "items": { "type": "object", "properties": { "at": datetime(), "kind": string(), "actor_kind": string(), "actor_name": string(), "from_state": { "type": ["string", "null"] }, "to_state": string() } } } },
            "required": ["id", "code", "version", "state", "kind", "allowed_commands", "history"] }));
    m.insert("CaseIntake".into(), json!({ "type": "object", "additionalProperties": false, "properties": {
            "tenant_id": opt_id(), "caller_name": text(100), "organisation": text(200), "phone": string(), "email": string(),
            "address": text(300), "admin_unit_id": opt_id(), "channel": { "enum": codes(Channel::ALL, Channel::code) },
            "kind": { "enum": codes(CaseKind::ALL, CaseKind::code) }, "content": text(10000), "field_id": opt_id(), "category_id": opt_id(),
            "notice_version": string(), "call_id": string(), "dossier_code": string(), "tthc_code": string() },
            "required": ["caller_name", "phone", "address", "channel", "kind", "content", "notice_version"] }));
    m.insert("Changed".into(), json!({ "type": "object", "properties": { "id": { "type": "integer" }, "code": string(), "state": string(), "version": { "type": "integer" } }, "required": ["id", "code", "state", "version"] }));
    m.insert("CommandRequest".into(), json!({ "description": "One of the domain's commands, with the version of the case it was decided on (a stale version is refused with 409).",
            "allOf": [ { "oneOf": commands }, { "type": "object", "properties": { "expected_version": { "type": ["integer", "null"] } } } ] }));
    Value::Object(m)
}

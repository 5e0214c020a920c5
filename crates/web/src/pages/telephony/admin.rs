//! Telephony administration (TEL-2, TEL-3): call flows as versioned JSON documents checked on
//! the server (problems listed in Vietnamese; a version is activated only when valid), queues
//! with their tiers, agents and trunks as JSON documents, prompts uploaded as audio files
//! (checked by content, converted to 8 kHz mono with sox), and the manual open/closed switch.

use super::Telephony;
use crate::auth::Ctx;
use crate::error::AppError;
use crate::layout::Layout;
use crate::pages::{redirect_with, render_page};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use tongdai_telephony::HoursOverride;
use tongdai_telephony::api::{Command, CommandRequest};
use tongdai_telephony::store::admin::{AgentInput, FlowVersion, check_flow};
use tongdai_telephony::store::{EngineStore, QueueRow};
use tongdai_telephony::trunk::Trunk;

/// The setting that keeps the override across restarts.
pub const HOURS_OVERRIDE: &str = "telephony.hours_override";

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

fn tel(state: &AppState) -> Result<&Arc<Telephony>, AppError> {
    state.telephony.as_ref().ok_or(AppError::NotFound)
}

/// A row of the index lists.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    pub label: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "telephony/admin.html")]
struct IndexPage {
    layout: Layout,
    available: bool,
    engine: String,
    hours: String,
    flows: Vec<FlowVersion>,
    queues: Vec<Item>,
    agents: Vec<Item>,
    trunks: Vec<Item>,
    prompts: Vec<String>,
}

/// `GET /admin/telephony`
pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    ctx.user()?;
    let flash = crate::flash::read(&headers);
    let Some(t) = state.telephony.as_ref() else {
        let page = IndexPage {
            layout: Layout::new(&ctx, "tel.admin", flash),
            available: false,
            engine: ctx.tr.t("tel.off").into(),
            hours: String::new(),
            flows: vec![],
            queues: vec![],
            agents: vec![],
            trunks: vec![],
            prompts: vec![],
        };
        return render_page(&page, &headers);
    };
    let engine = match t.engine() {
        Some(e) => ctx.tr.f(
            "tel.engine_on",
            &[
                ("addr", &e.sip_addr().to_string()),
                ("calls", &e.stats().active_calls.to_string()),
            ],
        ),
        None => ctx.tr.t("tel.engine_off").to_owned(),
    };
    let hours: Option<HoursOverride> = {
        let mut c = state.store.conn().await?;
        tongdai_store::settings::get::<Option<HoursOverride>>(&mut c, HOURS_OVERRIDE)
            .await?
            .flatten()
    };
    let hours = match hours {
        None => "auto",
        Some(HoursOverride::ForceOpen) => "open",
        Some(HoursOverride::ForceClosed) => "closed",
    };
    let queues = t
        .store
        .queues()
        .await
        .map_err(internal)?
        .into_iter()
        .map(|q| Item {
            detail: format!(
                "{:?} · {}",
                q.strategy,
                q.tiers
                    .iter()
                    .map(|x| format!("{} (T{})", x.agent_id, x.level))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            id: q.id,
            label: q.name,
        })
        .collect();
    let agents = t
        .store
        .agent_list()
        .await
        .map_err(internal)?
        .into_iter()
        .map(|a| Item {
            detail: format!(
                "SIP {} · {} · {}",
                a.sip_username,
                serde_json::to_value(&a.status)
                    .ok()
                    .and_then(|v| v["status"].as_str().map(str::to_owned))
                    .unwrap_or_default(),
                tongdai_telephony::store::admin::agent_state_name(a.state)
            ),
            id: a.id,
            label: a.display_name,
        })
        .collect();
    let trunks = t
        .store
        .trunks()
        .await
        .map_err(internal)?
        .into_iter()
        .map(|x| Item {
            detail: x.dids.join(", "),
            id: x.id,
            label: x.name,
        })
        .collect();
    let page = IndexPage {
        layout: Layout::new(&ctx, "tel.admin", flash),
        available: true,
        engine,
        hours: hours.into(),
        flows: t.store.flow_versions().await.map_err(internal)?,
        queues,
        agents,
        trunks,
        prompts: t.prompt_ids(),
    };
    render_page(&page, &headers)
}

#[derive(Debug, Deserialize)]
pub struct HoursForm {
    #[serde(default)]
    value: String,
}

/// `POST /admin/telephony/hours`: `open`, `closed` or `auto` (follow the working calendar).
pub async fn hours(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<HoursForm>,
) -> Result<Response, AppError> {
    ctx.user()?;
    let t = tel(&state)?;
    let value = match f.value.as_str() {
        "open" => Some(HoursOverride::ForceOpen),
        "closed" => Some(HoursOverride::ForceClosed),
        "auto" => None,
        _ => return Err(AppError::BadRequest("value: open, closed or auto".into())),
    };
    let mut tx = state.store.begin().await?;
    tongdai_store::settings::set(&mut tx, HOURS_OVERRIDE, &value, state.now()).await?;
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        "telephony.hours_override",
        "telephony",
        serde_json::json!({ "value": f.value }),
    )
    .await?;
    tx.commit().await?;
    if let Some(e) = t.engine() {
        let _ = e
            .command(CommandRequest {
                idempotency_key: format!("hours-{}", state.now().timestamp_micros()),
                command: Command::HoursOverride { value },
            })
            .await;
    }
    Ok(redirect_with(
        "/admin/telephony",
        "success",
        ctx.tr.t("common.saved"),
    ))
}

#[derive(Template)]
#[template(path = "telephony/flow_edit.html")]
struct FlowEditPage {
    layout: Layout,
    id: String,
    version: String,
    active: bool,
    text: String,
    note: String,
    errors: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct FlowQuery {
    #[serde(default)]
    id: String,
    version: Option<u32>,
}

/// `GET /admin/telephony/flows/edit?id=&version=`: the editor (a new flow from the demo
/// template without `id`).
pub async fn flow_edit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<FlowQuery>,
) -> Result<Response, AppError> {
    ctx.user()?;
    let found = match (&state.telephony, q.id.is_empty()) {
        (Some(t), false) => t
            .store
            .flow_document(&q.id, q.version)
            .await
            .map_err(internal)?,
        _ => None,
    };
    if !q.id.is_empty() && state.telephony.is_some() && found.is_none() {
        return Err(AppError::NotFound);
    }
    let (flow, active) = found.unwrap_or_else(|| {
        (
            tongdai_telephony::flow::demo_flow("new", &["1800888880"]),
            false,
        )
    });
    let page = FlowEditPage {
        layout: Layout::new(&ctx, "tel.flow_editor", crate::flash::read(&headers)),
        id: if q.id.is_empty() {
            String::new()
        } else {
            flow.id.clone()
        },
        version: if q.id.is_empty() {
            String::new()
        } else {
            flow.version.to_string()
        },
        active,
        text: serde_json::to_string_pretty(&flow).map_err(internal)?,
        note: String::new(),
        errors: vec![],
    };
    render_page(&page, &headers)
}

/// Check a flow document against the prompts on disk and the queues in the store.
async fn check(
    t: &Telephony,
    text: &str,
) -> Result<Result<tongdai_telephony::flow::Flow, Vec<String>>, AppError> {
    let queues: Vec<String> = t
        .store
        .queues()
        .await
        .map_err(internal)?
        .into_iter()
        .map(|q| q.id)
        .collect();
    Ok(check_flow(
        text,
        |p| t.prompt_exists(p),
        |q| queues.iter().any(|x| x == q),
    ))
}

#[derive(Debug, Deserialize)]
pub struct FlowForm {
    #[serde(default)]
    document: String,
    #[serde(default)]
    note: String,
    /// `1` = activate the new version at once when it is valid.
    #[serde(default)]
    activate: String,
}

/// `POST /admin/telephony/flows`: check the document; invalid → the editor again with the
/// problems (422); valid → a new version, activated when asked.
pub async fn flow_save(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<FlowForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let t = tel(&state)?;
    let flow = match check(t, &f.document).await? {
        Ok(flow) => flow,
        Err(errors) => {
            let page = FlowEditPage {
                layout: Layout::new(&ctx, "tel.flow_editor", None),
                id: String::new(),
                version: String::new(),
                active: false,
                text: f.document.clone(),
                note: f.note.clone(),
                errors,
            };
            let mut resp = render_page(&page, &headers)?;
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(resp);
        }
    };
    let note: String = f.note.trim().chars().take(300).collect();
    let now = state.now();
    let version = t
        .store
        .save_flow(&flow, &note, Some(user.account.id), now)
        .await
        .map_err(internal)?;
    let activate = f.activate == "1";
    if activate {
        t.store
            .activate_flow(&flow.id, version, now)
            .await
            .map_err(internal)?;
    }
    {
        let mut tx = state.store.begin().await?;
        crate::auth::audit_change(
            &mut tx,
            &state,
            &ctx,
            if activate {
                "telephony.flow.activate"
            } else {
                "telephony.flow.save"
            },
            &format!("flow:{}:{version}", flow.id),
            serde_json::json!({ "note": note, "dids": flow.dids }),
        )
        .await?;
        tx.commit().await?;
    }
    let msg = reload_flows(t, &ctx, activate).await;
    Ok(redirect_with(
        &format!(
            "/admin/telephony/flows/edit?id={}&version={version}",
            crate::auth::urlencode(&flow.id)
        ),
        "success",
        &msg,
    ))
}

async fn reload_flows(t: &Telephony, ctx: &Ctx, activated: bool) -> String {
    let saved = ctx.tr.t("common.saved").to_owned();
    if !activated {
        return saved;
    }
    match t.engine() {
        Some(e) => match e.reload_flows().await {
            Ok(_) => ctx.tr.t("tel.flow_live").to_owned(),
            Err(err) => format!("{saved} {err}"),
        },
        None => saved,
    }
}

#[derive(Debug, Deserialize)]
pub struct ActivateForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    version: u32,
}

/// `POST /admin/telephony/flows/activate`: make a stored version active, after checking it
/// again (prompts or queues may have changed since it was saved).
pub async fn flow_activate(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ActivateForm>,
) -> Result<Response, AppError> {
    ctx.user()?;
    let t = tel(&state)?;
    let (flow, _) = t
        .store
        .flow_document(&f.id, Some(f.version))
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    let text = serde_json::to_string(&flow).map_err(internal)?;
    if let Err(errors) = check(t, &text).await? {
        return Ok(redirect_with(
            "/admin/telephony",
            "error",
            &format!("{} {}", ctx.tr.t("tel.flow_invalid"), errors.join(" ")),
        ));
    }
    t.store
        .activate_flow(&f.id, f.version, state.now())
        .await
        .map_err(internal)?;
    {
        let mut tx = state.store.begin().await?;
        crate::auth::audit_change(
            &mut tx,
            &state,
            &ctx,
            "telephony.flow.activate",
            &format!("flow:{}:{}", f.id, f.version),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
    }
    let msg = reload_flows(t, &ctx, true).await;
    Ok(redirect_with("/admin/telephony", "success", &msg))
}

#[derive(Template)]
#[template(path = "telephony/config_edit.html")]
struct ConfigEditPage {
    layout: Layout,
    kind: String,
    text: String,
    errors: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct ConfigQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id: String,
}

/// The editor's title for a kind of document.
fn edit_title(ctx: &Ctx, kind: &str) -> String {
    match kind {
        "agent" => ctx.tr.t("tel.edit_agent"),
        "trunk" => ctx.tr.t("tel.edit_trunk"),
        _ => ctx.tr.t("tel.edit_queue"),
    }
    .to_owned()
}

/// A new document of a kind, as a starting point.
fn template_of(kind: &str) -> serde_json::Value {
    match kind {
        "trunk" => serde_json::json!({
            "id": "carrier", "name": "Nhà mạng", "allow": ["203.0.113.10/32"],
            "outbound_proxy": "203.0.113.10:5060", "dids": ["1800888880"],
            "hotline_number": "1800888880", "max_concurrent": 30, "max_cps": 5,
            "trust_pai": true, "registration": null, "outbound_prefixes": []
        }),
        "agent" => serde_json::json!({
            "id": "1003", "display_name": "Điện thoại viên", "sip_username": "1003",
            "sip_password": "một mật khẩu dài cho điện thoại", "account_id": null, "wrap_up_s": null
        }),
        _ => serde_json::json!({
            "id": "tthc", "name": "Hướng dẫn thủ tục hành chính", "strategy": "longest-idle",
            "ring_timeout_s": 18, "wrap_up_s": 10, "max_len": 200, "announce_every_s": 45,
            "tiers": [{ "agent_id": "1001", "level": 1, "position": 0 }]
        }),
    }
}

/// `GET /admin/telephony/edit?kind=queue|agent|trunk&id=`: a JSON editor for one queue (with
/// its tiers), agent (the password is never shown: leave `sip_password` null to keep it) or
/// trunk (its registration password is never shown either).
pub async fn config_edit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<ConfigQuery>,
) -> Result<Response, AppError> {
    ctx.user()?;
    let kind = match q.kind.as_str() {
        "agent" | "trunk" => q.kind.clone(),
        _ => "queue".to_owned(),
    };
    let mut doc = template_of(&kind);
    if let (Some(t), false) = (&state.telephony, q.id.is_empty()) {
        doc = match kind.as_str() {
            "queue" => serde_json::to_value(
                t.store
                    .queue(&q.id)
                    .await
                    .map_err(internal)?
                    .ok_or(AppError::NotFound)?,
            ),
            "agent" => {
                let a = t
                    .store
                    .agent_list()
                    .await
                    .map_err(internal)?
                    .into_iter()
                    .find(|a| a.id == q.id)
                    .ok_or(AppError::NotFound)?;
                Ok(serde_json::json!({
                    "id": a.id, "display_name": a.display_name, "sip_username": a.sip_username,
                    "sip_password": null, "account_id": a.account_id, "wrap_up_s": a.wrap_up_s
                }))
            }
            _ => {
                let mut tr = t
                    .store
                    .trunks()
                    .await
                    .map_err(internal)?
                    .into_iter()
                    .find(|x| x.id == q.id)
                    .ok_or(AppError::NotFound)?;
                if let Some(r) = tr.registration.as_mut() {
                    r.password = String::new();
                }
                serde_json::to_value(tr)
            }
        }
        .map_err(internal)?;
    }
    let page = ConfigEditPage {
        layout: Layout::with_title(&ctx, edit_title(&ctx, &kind), crate::flash::read(&headers)),
        text: serde_json::to_string_pretty(&doc).map_err(internal)?,
        kind,
        errors: vec![],
    };
    render_page(&page, &headers)
}

#[derive(Debug, Deserialize)]
pub struct ConfigForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    document: String,
}

fn json_error(e: &serde_json::Error) -> String {
    format!(
        "Tài liệu JSON không hợp lệ (dòng {}, cột {}): {e}",
        e.line(),
        e.column()
    )
}

/// `POST /admin/telephony/edit`: save a queue, an agent or a trunk; the engine picks up
/// agents' passwords and trunks at once, queue changes at its next start.
pub async fn config_save(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<ConfigForm>,
) -> Result<Response, AppError> {
    ctx.user()?;
    let t = tel(&state)?;
    let now = state.now();
    let valid_id = |id: &str| {
        !id.is_empty()
            && id.len() <= 40
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
    };
    let mut errors: Vec<String> = Vec::new();
    let mut target = String::new();
    match f.kind.as_str() {
        "queue" => match serde_json::from_str::<QueueRow>(&f.document) {
            Ok(q) if valid_id(&q.id) => {
                let agents = t.store.agent_list().await.map_err(internal)?;
                for tier in &q.tiers {
                    if !agents.iter().any(|a| a.id == tier.agent_id) {
                        errors.push(format!(
                            "Điện thoại viên «{}» không tồn tại.",
                            tier.agent_id
                        ));
                    }
                }
                if errors.is_empty() {
                    t.store.put_queue(&q, now).await.map_err(internal)?;
                    target = format!("queue:{}", q.id);
                }
            }
            Ok(_) => errors.push("Mã (id) chỉ gồm chữ, số, «_», «-», «.» (tối đa 40).".into()),
            Err(e) => errors.push(json_error(&e)),
        },
        "agent" => match serde_json::from_str::<AgentInput>(&f.document) {
            Ok(a) if valid_id(&a.id) && valid_id(&a.sip_username) => {
                if let Some(p) = &a.sip_password
                    && p.chars().count() < 12
                {
                    errors.push("Mật khẩu SIP cần ít nhất 12 ký tự.".into());
                }
                if errors.is_empty() {
                    match t.store.put_agent(&a, now).await {
                        Ok(()) => target = format!("agent:{}", a.id),
                        Err(e) => errors.push(format!("Không lưu được: {e}")),
                    }
                }
            }
            Ok(_) => errors.push("Mã và tên SIP chỉ gồm chữ, số, «_», «-», «.».".into()),
            Err(e) => errors.push(json_error(&e)),
        },
        "trunk" => match serde_json::from_str::<Trunk>(&f.document) {
            Ok(mut tr) if valid_id(&tr.id) => {
                // an empty password keeps the stored one
                if let Some(r) = tr.registration.as_mut()
                    && r.password.is_empty()
                {
                    let old = t.store.trunks().await.map_err(internal)?;
                    if let Some(p) = old
                        .iter()
                        .find(|x| x.id == tr.id)
                        .and_then(|x| x.registration.as_ref())
                    {
                        r.password = p.password.clone();
                    }
                }
                if tr
                    .dids
                    .iter()
                    .any(|d| tongdai_telephony::trunk::normalise_did(d).is_none())
                {
                    errors.push("Có số gọi vào (dids) không hợp lệ.".into());
                } else {
                    t.store.put_trunk(&tr, now).await.map_err(internal)?;
                    target = format!("trunk:{}", tr.id);
                }
            }
            Ok(_) => errors.push("Mã (id) chỉ gồm chữ, số, «_», «-», «.».".into()),
            Err(e) => errors.push(json_error(&e)),
        },
        _ => return Err(AppError::BadRequest("kind".into())),
    }
    if !errors.is_empty() {
        let page = ConfigEditPage {
            layout: Layout::with_title(&ctx, edit_title(&ctx, &f.kind), None),
            kind: f.kind.clone(),
            text: f.document.clone(),
            errors,
        };
        let mut resp = render_page(&page, &headers)?;
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    }
    {
        let mut tx = state.store.begin().await?;
        crate::auth::audit_change(
            &mut tx,
            &state,
            &ctx,
            &format!("telephony.{}.save", f.kind),
            &target,
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
    }
    if let Some(e) = t.engine()
        && let Err(err) = e.reload_peers().await
    {
        tracing::error!(error = %err, "engine did not reload trunks and agents");
    }
    Ok(redirect_with(
        "/admin/telephony",
        "success",
        ctx.tr.t("common.saved"),
    ))
}

/// Largest prompt upload.
const MAX_PROMPT: usize = 10 * 1024 * 1024;

/// `POST /admin/telephony/prompts` (multipart: `id`, `file`): a WAV or MP3 file, recognised
/// from its bytes, converted to the engine's format (8 kHz mono 16-bit WAV) with sox.
pub async fn prompt_upload(
    State(state): State<AppState>,
    ctx: Ctx,
    mut form: Multipart,
) -> Result<Response, AppError> {
    ctx.user()?;
    let t = tel(&state)?;
    let mut id = String::new();
    let mut bytes: Vec<u8> = Vec::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(e.to_string()))?
    {
        match field.name() {
            Some("id") => {
                id = field
                    .text()
                    .await
                    .map_err(|e| AppError::BadRequest(e.to_string()))?
            }
            Some("file") => {
                let b = field
                    .bytes()
                    .await
                    .map_err(|e| AppError::BadRequest(e.to_string()))?;
                if b.len() > MAX_PROMPT {
                    return Ok(redirect_with(
                        "/admin/telephony",
                        "error",
                        ctx.tr.t("tel.prompt_too_big"),
                    ));
                }
                bytes = b.to_vec();
            }
            _ => {}
        }
    }
    let id = id.trim().to_owned();
    if !super::valid_prompt_id(&id) {
        return Ok(redirect_with(
            "/admin/telephony",
            "error",
            ctx.tr.t("tel.prompt_bad_id"),
        ));
    }
    let kind = tongdai_store::files::sniff(&bytes);
    let ext = match kind {
        Some(tongdai_store::files::FileType::Wav) => "wav",
        Some(tongdai_store::files::FileType::Mp3) => "mp3",
        _ => {
            return Ok(redirect_with(
                "/admin/telephony",
                "error",
                ctx.tr.t("tel.prompt_not_audio"),
            ));
        }
    };
    std::fs::create_dir_all(&t.prompts_dir).map_err(internal)?;
    let tmp = tempfile_path(&t.prompts_dir, ext);
    tokio::fs::write(&tmp, &bytes).await.map_err(internal)?;
    let out = t.prompts_dir.join(format!(".{id}.converting.wav"));
    let status = tokio::process::Command::new("sox")
        .arg(&tmp)
        .args(["-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer"])
        .arg(&out)
        .status()
        .await;
    let _ = tokio::fs::remove_file(&tmp).await;
    if !matches!(status, Ok(s) if s.success()) {
        let _ = tokio::fs::remove_file(&out).await;
        return Ok(redirect_with(
            "/admin/telephony",
            "error",
            ctx.tr.t("tel.prompt_not_audio"),
        ));
    }
    tokio::fs::rename(&out, t.prompts_dir.join(format!("{id}.wav")))
        .await
        .map_err(internal)?;
    {
        let mut tx = state.store.begin().await?;
        crate::auth::audit_change(
            &mut tx,
            &state,
            &ctx,
            "telephony.prompt.upload",
            &format!("prompt:{id}"),
            serde_json::json!({ "bytes": bytes.len(), "type": ext }),
        )
        .await?;
        tx.commit().await?;
    }
    if let Some(e) = t.engine()
        && let Err(err) = e.reload_flows().await
    {
        tracing::warn!(error = %err, "prompts reloaded with an error");
    }
    Ok(redirect_with("/admin/telephony", "success", ctx.tr.t("common.saved")).into_response())
}

fn tempfile_path(dir: &std::path::Path, ext: &str) -> std::path::PathBuf {
    let mut b = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut b);
    dir.join(format!(
        ".upload-{}.{ext}",
        data_encoding::HEXLOWER.encode(&b)
    ))
}

//! Call recordings (TEL-7, SEC-3): only inspectors and administrators open them, always with a
//! stated reason, and every play or download is in the audit log. The file's SHA-256 is
//! checked against the row before a byte is sent; a legal hold keeps a recording past its
//! retention period.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::layout::Layout;
use crate::pages::{redirect_with, render_page};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// One recording as listed.
#[derive(Debug, Clone)]
pub struct RecordingView {
    pub id: String,
    pub call_id: String,
    pub closed: String,
    pub duration: String,
    pub size_kb: u64,
    pub sha256: String,
    pub legal_hold: bool,
    pub hold_reason: String,
    pub deleted: bool,
    pub repaired: bool,
}

#[derive(Template)]
#[template(path = "telephony/recordings.html")]
struct RecordingsPage {
    layout: Layout,
    available: bool,
    retention_note: String,
    recordings: Vec<RecordingView>,
}

/// `GET /telephony/recordings`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    ctx.user()?;
    let (list, months) = match &state.telephony {
        Some(t) => (
            t.store
                .recordings(300)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?,
            t.retention_months,
        ),
        None => (Vec::new(), 0),
    };
    let recordings = list
        .into_iter()
        .map(|r| RecordingView {
            closed: ctx.tr.datetime(&r.row.closed_at),
            duration: {
                let s = r.row.duration_ms / 1000;
                format!("{}:{:02}", s / 60, s % 60)
            },
            size_kb: r.row.bytes / 1024,
            sha256: r.row.sha256.chars().take(16).collect(),
            legal_hold: r.legal_hold,
            hold_reason: r.legal_hold_reason,
            deleted: r.deleted_at.is_some(),
            repaired: r.row.repaired,
            id: r.row.id,
            call_id: r.row.call_id,
        })
        .collect();
    let flash = crate::flash::read(&headers);
    let page = RecordingsPage {
        layout: Layout::new(&ctx, "tel.recordings", flash),
        available: state.telephony.is_some(),
        retention_note: ctx
            .tr
            .f("tel.retention_note", &[("n", &months.to_string())]),
        recordings,
    };
    render_page(&page, &headers)
}

#[derive(Debug, Deserialize)]
pub struct PlayForm {
    #[serde(default)]
    reason: String,
    /// `1` = download as an attachment; otherwise played in the browser.
    #[serde(default)]
    download: String,
}

/// `POST /telephony/recordings/{recording}/play`: the WAV file, after the reason is recorded
/// in the audit log and the file's hash checked.
pub async fn play(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<PlayForm>,
) -> Result<Response, AppError> {
    ctx.user()?;
    let t = state.telephony.as_ref().ok_or(AppError::NotFound)?;
    let rec = t
        .store
        .recording(&id)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .ok_or(AppError::NotFound)?;
    let reason: String = f.reason.trim().chars().take(500).collect();
    if reason.chars().count() < 5 {
        return Ok(redirect_with(
            "/telephony/recordings",
            "error",
            ctx.tr.t("tel.reason_required"),
        ));
    }
    if rec.deleted_at.is_some() {
        return Err(AppError::Conflict(ctx.tr.t("tel.recording_deleted").into()));
    }
    let download = f.download == "1";
    let bytes = tokio::fs::read(&rec.row.path)
        .await
        .map_err(|_| AppError::Conflict(ctx.tr.t("tel.recording_missing").into()))?;
    let sha = {
        use sha2::Digest;
        data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(&bytes))
    };
    let intact = sha == rec.row.sha256;
    {
        let mut tx = state.store.begin().await?;
        crate::auth::audit_change(
            &mut tx,
            &state,
            &ctx,
            if !intact {
                "recording.integrity_failed"
            } else if download {
                "recording.download"
            } else {
                "recording.play"
            },
            &format!("recording:{id}"),
            serde_json::json!({ "call_id": rec.row.call_id, "reason": reason, "sha256": sha }),
        )
        .await?;
        tx.commit().await?;
    }
    if !intact {
        return Err(AppError::Conflict(ctx.tr.t("tel.recording_altered").into()));
    }
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let disposition = format!(
        "{}; filename=\"ghi-am-{}.wav\"",
        if download { "attachment" } else { "inline" },
        rec.row
            .call_id
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "")
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

#[derive(Debug, Deserialize)]
pub struct HoldForm {
    #[serde(default)]
    hold: String,
    #[serde(default)]
    reason: String,
}

/// `POST /telephony/recordings/{recording}/hold`: put on (`hold=1`) or release from legal
/// hold, with a reason; audited.
pub async fn hold(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<HoldForm>,
) -> Result<Response, AppError> {
    ctx.user()?;
    let t = state.telephony.as_ref().ok_or(AppError::NotFound)?;
    let hold = f.hold == "1";
    let reason: String = f.reason.trim().chars().take(500).collect();
    if reason.chars().count() < 5 {
        return Ok(redirect_with(
            "/telephony/recordings",
            "error",
            ctx.tr.t("tel.reason_required"),
        ));
    }
    // The engine's store writes on a connection of its own: on SQLite it would wait for the
    // write transaction of the audit entry, so the change comes first, then its audit entry.
    let found = t
        .store
        .set_legal_hold(&id, hold, if hold { &reason } else { "" })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if !found {
        return Err(AppError::NotFound);
    }
    let mut tx = state.store.begin().await?;
    crate::auth::audit_change(
        &mut tx,
        &state,
        &ctx,
        if hold {
            "recording.legal_hold"
        } else {
            "recording.legal_hold_release"
        },
        &format!("recording:{id}"),
        serde_json::json!({ "reason": reason }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        "/telephony/recordings",
        "success",
        ctx.tr.t("common.saved"),
    ))
}

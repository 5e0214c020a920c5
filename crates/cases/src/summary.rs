//! The daily summary (CASE-13): on each working day at 16:30 (a setting), for every tenant that
//! runs a hotline, the day's cases by kind and channel, the new PAKN, the pressing ones, those
//! past the focal deadline or near the head deadline, and those awaiting the Committee's
//! opinion. Kept in `daily_summaries`, shown in the app, e-mailed to the coordinators and the
//! configured recipients. A run missed while the server was down happens when it is back: the
//! job row waits.

use crate::{CaseError, CaseService};
use chrono::{Days, NaiveDate, NaiveTime};
use serde_json::json;
use std::collections::BTreeMap;
use tongdai_domain::Instant;
use tongdai_domain::access::Role;
use tongdai_domain::calendar::WorkingCalendar;
use tongdai_domain::case::{CaseKind, CaseState};
use tongdai_domain::time::{from_vietnam, to_vietnam};
use tongdai_jobs::JobError;
use tongdai_store::cases::{self, Filter, Scope};
use tongdai_store::jobs::{self, Job, NewJob};
use tongdai_store::notifications::{self, OutgoingMessage};
use tongdai_store::{accounts, org};

fn summary_time(service: &CaseService) -> NaiveTime {
    NaiveTime::parse_from_str(&service.settings.summary_time, "%H:%M")
        .unwrap_or_else(|_| NaiveTime::from_hms_opt(16, 30, 0).unwrap_or_default())
}

/// The next working day at or after `from` (by the default calendar).
fn next_working_day(cal: &WorkingCalendar, from: NaiveDate) -> NaiveDate {
    let mut d = from;
    for _ in 0..400 {
        if cal.is_working_day(d) {
            return d;
        }
        d = d.checked_add_days(Days::new(1)).unwrap_or(d);
    }
    from
}

fn summary_job(day: NaiveDate, at: Instant) -> NewJob {
    NewJob::new(
        crate::jobs::DAILY_SUMMARY,
        json!({ "day": day.to_string() }),
        at,
    )
    .dedupe(format!("{}:{day}", crate::jobs::DAILY_SUMMARY))
}

/// Make sure the next summary is scheduled (idempotent; called at start-up).
pub async fn ensure_scheduled(service: &CaseService) -> Result<(), CaseError> {
    let now = service.clock.now();
    let mut tx = service.store.begin().await?;
    let cal_id = tongdai_store::calendar::ensure_default(&mut tx, now).await?;
    let (cal, _) = tongdai_store::calendar::load(&mut tx, cal_id).await?;
    let local = to_vietnam(now);
    let t = summary_time(service);
    let mut day = next_working_day(&cal, local.date());
    if day == local.date() && local.time() >= t {
        day = next_working_day(&cal, day.checked_add_days(Days::new(1)).unwrap_or(day));
    }
    jobs::enqueue(
        &mut tx,
        &summary_job(day, from_vietnam(day.and_time(t))),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The summary of one tenant for the period (from, to].
pub async fn build(
    service: &CaseService,
    tenant_id: i64,
    day: NaiveDate,
    from: Instant,
    to: Instant,
) -> Result<serde_json::Value, CaseError> {
    let mut c = service.store.conn().await?;
    let tenant = org::tenant(&mut c, tenant_id).await?;
    let subtree = org::tenant_subtree(&mut c, tenant_id).await?;
    let scope = Scope {
        tenants: Some(subtree.clone()),
        agencies: vec![],
    };
    let new = cases::list(
        &mut c,
        &Filter {
            scope: scope.clone(),
            from: Some(from),
            to: Some(to),
            limit: 5000,
            ..Default::default()
        },
    )
    .await?;
    let mut by_kind: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_channel: BTreeMap<String, i64> = BTreeMap::new();
    let mut new_pakn = Vec::new();
    let agencies = org::agencies(&mut c, Some(&subtree)).await?;
    let agency_name = |id: Option<i64>| {
        id.and_then(|id| agencies.iter().find(|a| a.id == id))
            .map(|a| a.name.clone())
            .unwrap_or_default()
    };
    for r in &new {
        let kind: Option<CaseKind> = r.kind.parse().ok();
        *by_kind
            .entry(
                kind.map(|k| k.label_vi().to_owned())
                    .unwrap_or(r.kind.clone()),
            )
            .or_default() += 1;
        *by_channel.entry(r.channel.clone()).or_default() += 1;
        if kind.is_some_and(CaseKind::is_pakn) {
            let (case, _) = cases::get(&mut c, r.id).await?;
            let line: String = if case.confidential {
                "(bảo mật)".into()
            } else {
                case.content.chars().take(120).collect()
            };
            new_pakn.push(json!({ "code": r.code, "kind": kind.map(|k| k.label_vi()), "summary": line, "agency": agency_name(r.lead_agency_id), "state": r.state }));
        }
    }
    let open: Vec<CaseState> = CaseService::with_agency_states();
    let pressing = cases::list(
        &mut c,
        &Filter {
            scope: scope.clone(),
            pressing: true,
            states: open.clone(),
            limit: 500,
            ..Default::default()
        },
    )
    .await?;
    let overdue = cases::list(
        &mut c,
        &Filter {
            scope: scope.clone(),
            overdue_at: Some(to),
            limit: 500,
            order_by_due: true,
            ..Default::default()
        },
    )
    .await?;
    let open_rows = cases::list(
        &mut c,
        &Filter {
            scope: scope.clone(),
            states: open,
            limit: 5000,
            order_by_due: true,
            ..Default::default()
        },
    )
    .await?;
    let near_hard: Vec<_> = open_rows
        .iter()
        .filter(|r| {
            r.hard_due_at
                .is_some_and(|h| h > to && h <= to + chrono::Duration::hours(24))
        })
        .collect();
    let awaiting = cases::list(
        &mut c,
        &Filter {
            scope,
            states: vec![CaseState::AwaitingApproval],
            limit: 500,
            ..Default::default()
        },
    )
    .await?;
    let line = |r: &cases::CaseRow| json!({ "code": r.code, "state": r.state, "agency": agency_name(r.lead_agency_id), "due_at": r.due_at.map(|d| d.to_rfc3339()), "hard_due_at": r.hard_due_at.map(|d| d.to_rfc3339()) });
    Ok(json!({
        "tenant": tenant.name,
        "day": day.to_string(),
        "from": from.to_rfc3339(),
        "to": to.to_rfc3339(),
        "received": new.len(),
        "by_kind": by_kind,
        "by_channel": by_channel,
        "new_pakn": new_pakn,
        "pressing": pressing.iter().map(line).collect::<Vec<_>>(),
        "overdue": overdue.iter().map(line).collect::<Vec<_>>(),
        "near_hard_deadline": near_hard.into_iter().map(line).collect::<Vec<_>>(),
        "awaiting_approval": awaiting.iter().map(line).collect::<Vec<_>>(),
    }))
}

/// The summary as plain text for e-mail.
pub fn render_text(s: &serde_json::Value) -> String {
    let mut out = format!(
        "TỔNG HỢP PHẢN ÁNH, KIẾN NGHỊ NGÀY {}\n{}\n\nTổng số yêu cầu tiếp nhận: {}\n",
        s["day"].as_str().unwrap_or(""),
        s["tenant"].as_str().unwrap_or(""),
        s["received"]
    );
    if let Some(m) = s["by_kind"].as_object() {
        for (k, v) in m {
            out.push_str(&format!("  - {k}: {v}\n"));
        }
    }
    let section = |title: &str, key: &str, out: &mut String| {
        let items = s[key].as_array().cloned().unwrap_or_default();
        out.push_str(&format!("\n{title} ({}):\n", items.len()));
        for i in items {
            out.push_str(&format!(
                "  - {} {} {}\n",
                i["code"].as_str().unwrap_or(""),
                i["agency"].as_str().unwrap_or(""),
                i["summary"].as_str().unwrap_or("")
            ));
        }
    };
    section("Phản ánh, kiến nghị mới", "new_pakn", &mut out);
    section("Vụ việc bức xúc", "pressing", &mut out);
    section("Quá hạn 8 giờ làm việc", "overdue", &mut out);
    section(
        "Sắp hết hạn thủ trưởng (trong 24 giờ)",
        "near_hard_deadline",
        &mut out,
    );
    section("Chờ ý kiến UBND", "awaiting_approval", &mut out);
    out
}

fn is_empty(s: &serde_json::Value) -> bool {
    s["received"].as_u64() == Some(0)
        && [
            "pressing",
            "overdue",
            "near_hard_deadline",
            "awaiting_approval",
        ]
        .iter()
        .all(|k| s[*k].as_array().is_none_or(Vec::is_empty))
}

/// The job: summaries for every hotline tenant, then the next run.
pub async fn run(service: &CaseService, job: &Job) -> Result<(), JobError> {
    let day: NaiveDate = job
        .payload
        .get("day")
        .and_then(|d| d.as_str())
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| JobError::Fatal("payload without day".into()))?;
    let now = service.clock.now();
    let t = summary_time(service);
    let to = from_vietnam(day.and_time(t));
    let mut c = service.store.conn().await?;
    let tenants: Vec<i64> = {
        let hotlines = org::hotlines(&mut c, None).await?;
        let mut t: Vec<i64> = hotlines
            .iter()
            .filter(|h| h.validity.contains(day))
            .map(|h| h.tenant_id)
            .collect();
        t.sort_unstable();
        t.dedup();
        t
    };
    for tenant_id in tenants {
        let previous = cases::summaries(&mut c, &[tenant_id], 1)
            .await?
            .into_iter()
            .next();
        if previous.as_ref().is_some_and(|p| p.day == day) {
            continue; // done before a crash
        }
        let from = previous
            .map(|p| {
                p.content["to"]
                    .as_str()
                    .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                    .map(|d| d.to_utc())
                    .unwrap_or(p.generated_at)
            })
            .unwrap_or(to - chrono::Duration::days(1));
        let summary = build(service, tenant_id, day, from, to)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        let text = render_text(&summary);
        let send = service.settings.summary_when_empty || !is_empty(&summary);
        let mut tx = service.store.begin().await?;
        if !cases::save_summary(&mut tx, tenant_id, day, &summary, now).await? {
            continue;
        }
        if send {
            let path = org::tenant_path(&mut tx, tenant_id).await?;
            let title = format!(
                "Tổng hợp PAKN ngày {}",
                tongdai_domain::time::date_short_vi(day)
            );
            let mut emails: Vec<String> = service.settings.summary_recipients.clone();
            for a in accounts::holders(&mut tx, Role::Coordinator, None, &path).await? {
                notifications::notify(
                    &mut tx,
                    a.id,
                    "daily_summary",
                    &title,
                    &text,
                    "/summaries",
                    now,
                )
                .await?;
                if !a.email.is_empty() {
                    emails.push(a.email);
                }
            }
            emails.sort();
            emails.dedup();
            for e in emails {
                notifications::enqueue(
                    &mut tx,
                    &OutgoingMessage {
                        channel: "email".into(),
                        recipient: e.clone(),
                        subject: title.clone(),
                        body: text.clone(),
                        kind: "daily_summary".into(),
                        case_id: None,
                        idempotency_key: format!("summary:{tenant_id}:{day}:{e}"),
                    },
                    now,
                )
                .await?;
            }
        }
        tx.commit().await?;
    }
    // The next run: the next working day.
    let mut tx = service.store.begin().await?;
    let cal_id = tongdai_store::calendar::ensure_default(&mut tx, now).await?;
    let (cal, _) = tongdai_store::calendar::load(&mut tx, cal_id).await?;
    let next = next_working_day(&cal, day.checked_add_days(Days::new(1)).unwrap_or(day));
    jobs::enqueue(
        &mut tx,
        &summary_job(next, from_vietnam(next.and_time(t))),
        now,
    )
    .await?;
    tx.commit().await?;
    service.live.notify_waiters();
    Ok(())
}

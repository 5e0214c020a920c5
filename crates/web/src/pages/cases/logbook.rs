//! The logbook, *sổ theo dõi* (CASE-11): every contact with its number, time received,
//! citizen or organisation, phone, address, content, the officer who received it, the hand-over
//! sign-off (who acknowledged it first, and when) and its status; filtered by period, agency,
//! field, kind and status; printable as PDF and exported as CSV and XLSX. Phones are masked
//! outside the coordinator role; a *tố cáo* never shows who sent it. Views and exports are
//! audited (SEC-3).

use super::lists::{ListQuery, filter_of};
use super::view::{audit_access, file_response};
use super::{HIDDEN, Names, cursor, phone_for};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::flash;
use crate::layout::Layout;
use crate::pages::admin::Choice;
use crate::pages::render_page;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use tongdai_docs::Cell;
use tongdai_docs::pdf::{Column, Table, TableDocument};
use tongdai_domain::access::Role;
use tongdai_domain::case::{CaseKind, CaseState};
use tongdai_domain::time::{datetime_short_vi, to_vietnam};
use tongdai_store::cases::{self, Filter};

/// The column headings (the plan's *sổ theo dõi*).
pub const HEADINGS: [&str; 9] = [
    "STT",
    "Thời gian tiếp nhận",
    "Công dân, tổ chức",
    "Số điện thoại",
    "Địa chỉ",
    "Nội dung",
    "Người tiếp nhận",
    "Ký nhận bàn giao",
    "Tình trạng",
];

/// The most rows an export holds (a larger period is split by the user).
pub const EXPORT_MAX: usize = 50_000;

/// One line of the logbook.
#[derive(Debug, Clone)]
pub struct Line {
    pub no: i64,
    pub id: i64,
    pub code: String,
    pub received_at: tongdai_domain::Instant,
    pub received: String,
    pub caller: String,
    pub phone: String,
    pub address: String,
    pub content: String,
    pub receiver: String,
    pub handover: String,
    pub handover_at: Option<tongdai_domain::Instant>,
    pub handover_by: String,
    pub status: String,
}

/// The logbook's query: the list filters and where the page starts.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LogbookQuery {
    #[serde(flatten)]
    pub list: ListQuery,
    #[serde(default)]
    pub n: String,
}

/// Lines of the logbook for a page of cases.
async fn lines(
    state: &AppState,
    rows: &[cases::CaseRow],
    first_no: i64,
    whole_phones: bool,
    names: &mut Names,
) -> Result<Vec<Line>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let (docs, handovers) = {
        let mut c = state.store.conn().await?;
        (
            cases::get_many(&mut c, &ids).await?,
            cases::first_events(&mut c, &ids, "acknowledged").await?,
        )
    };
    let mut out = Vec::with_capacity(docs.len());
    for (i, (case, _)) in docs.into_iter().enumerate() {
        let h = handovers.get(&case.id);
        let (caller, phone, address) = if case.confidential {
            (HIDDEN.to_owned(), String::new(), String::new())
        } else {
            let who = match &case.caller.organisation {
                Some(o) => format!("{} ({o})", case.caller.name),
                None => case.caller.name.clone(),
            };
            (
                who,
                phone_for(case.caller.phone.canonical(), whole_phones),
                case.caller.address.clone(),
            )
        };
        out.push(Line {
            no: first_no + i as i64,
            id: case.id,
            code: case.code.to_string(),
            received_at: case.received_at,
            received: datetime_short_vi(case.received_at),
            caller,
            phone,
            address,
            content: format!("[{}] {}", case.code, case.content),
            receiver: names.account(state, case.received_by).await,
            handover: h
                .map(|h| format!("{} — {}", h.actor_name, datetime_short_vi(h.at)))
                .unwrap_or_default(),
            handover_at: h.map(|h| h.at),
            handover_by: h.map(|h| h.actor_name.clone()).unwrap_or_default(),
            status: case.state.label_vi().to_owned(),
        });
    }
    Ok(out)
}

async fn scoped_filter(state: &AppState, ctx: &Ctx, q: &ListQuery) -> Result<Filter, AppError> {
    let p = &ctx.user()?.principal;
    let mut f = filter_of(q);
    let mut c = state.store.conn().await?;
    f.scope = tongdai_cases::scope::of(&mut c, p).await?;
    Ok(f)
}

fn whole_phones(ctx: &Ctx) -> bool {
    ctx.user
        .as_ref()
        .is_some_and(|u| u.principal.roles().contains(&Role::Coordinator))
}

#[derive(Template)]
#[template(path = "cases/logbook.html")]
struct LogbookPage {
    layout: Layout,
    q: ListQuery,
    lines: Vec<Line>,
    next: String,
    export: String,
    kinds: Vec<Choice>,
    states: Vec<Choice>,
    agencies: Vec<Choice>,
    fields: Vec<Choice>,
}

/// The query string of the filters (for the export links and the next page).
fn filters_query(q: &ListQuery) -> String {
    let pairs = [
        ("from", &q.from),
        ("to", &q.to),
        ("agency", &q.agency),
        ("field", &q.field),
        ("kind", &q.kind),
        ("state", &q.state),
    ];
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::auth::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `GET /cases/logbook`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<LogbookQuery>,
) -> Result<Response, AppError> {
    let mut f = scoped_filter(&state, &ctx, &q.list).await?;
    f.limit = 100;
    let rows = {
        let mut c = state.store.conn().await?;
        cases::list(&mut c, &f).await?
    };
    let first = q.n.trim().parse::<i64>().unwrap_or(1).max(1);
    let mut names = Names::load(&state).await?;
    let lines = lines(&state, &rows, first, whole_phones(&ctx), &mut names).await?;
    audit_access(
        &state,
        &ctx,
        "case.logbook.view",
        "logbook",
        serde_json::json!({ "filter": filters_query(&q.list), "rows": lines.len() }),
    )
    .await?;
    let export = filters_query(&q.list);
    let next = if rows.len() as i64 == f.limit {
        rows.last()
            .map(|r| {
                let mut s = format!(
                    "/cases/logbook?before={}&n={}",
                    cursor(r.received_at, r.id),
                    first + rows.len() as i64
                );
                if !export.is_empty() {
                    s.push('&');
                    s.push_str(&export);
                }
                s
            })
            .unwrap_or_default()
    } else {
        String::new()
    };
    let all = ctx.tr.t("common.all");
    let list = &q.list;
    let mut kinds = vec![Choice::new("", all, &list.kind)];
    kinds.extend(
        CaseKind::ALL
            .iter()
            .map(|k| Choice::new(k.code(), k.label_vi(), &list.kind)),
    );
    let mut states = vec![Choice::new("", all, &list.state)];
    states.extend(
        CaseState::ALL
            .iter()
            .map(|k| Choice::new(k.code(), k.label_vi(), &list.state)),
    );
    let mut agencies = vec![Choice::new("", all, &list.agency)];
    let mut agency_list: Vec<(&i64, &String)> = names.agencies.iter().collect();
    agency_list.sort_by(|a, b| a.1.cmp(b.1));
    agencies.extend(
        agency_list
            .into_iter()
            .map(|(id, n)| Choice::new(id, n.clone(), &list.agency)),
    );
    let mut fields = vec![Choice::new("", all, &list.field)];
    let mut field_list: Vec<(&i64, &String)> = names.fields.iter().collect();
    field_list.sort_by(|a, b| a.1.cmp(b.1));
    fields.extend(
        field_list
            .into_iter()
            .map(|(id, n)| Choice::new(id, n.clone(), &list.field)),
    );
    let page = LogbookPage {
        layout: Layout::new(&ctx, "logbook.title", flash::read(&headers)),
        q: q.list,
        lines,
        next,
        export,
        kinds,
        states,
        agencies,
        fields,
    };
    render_page(&page, &headers)
}

/// Every line of the logbook for the filters (up to [`EXPORT_MAX`]).
async fn all_lines(state: &AppState, ctx: &Ctx, q: &ListQuery) -> Result<Vec<Line>, AppError> {
    let mut f = scoped_filter(state, ctx, q).await?;
    f.limit = 1000;
    f.before = None;
    let mut names = Names::load(state).await?;
    let whole = whole_phones(ctx);
    let mut out: Vec<Line> = Vec::new();
    loop {
        let rows = {
            let mut c = state.store.conn().await?;
            cases::list(&mut c, &f).await?
        };
        let next = rows
            .last()
            .map(|r| (tongdai_store::micros(r.received_at), r.id));
        let more = rows.len() as i64 == f.limit;
        let first = out.len() as i64 + 1;
        out.extend(lines(state, &rows, first, whole, &mut names).await?);
        if !more || out.len() >= EXPORT_MAX {
            break;
        }
        f.before = next;
    }
    out.truncate(EXPORT_MAX);
    Ok(out)
}

fn cells(l: &Line) -> Vec<Cell> {
    vec![
        Cell::Integer(l.no),
        Cell::DateTime(to_vietnam(l.received_at)),
        Cell::text(&l.caller),
        Cell::text(&l.phone),
        Cell::text(&l.address),
        Cell::text(&l.content),
        Cell::text(&l.receiver),
        Cell::text(&l.handover),
        Cell::text(&l.status),
    ]
}

fn period(q: &ListQuery) -> String {
    let d = |s: &str| {
        super::lists::day_start(s)
            .map(|t| tongdai_domain::time::date_short_vi(to_vietnam(t).date()))
            .unwrap_or_default()
    };
    match (d(&q.from), d(&q.to)) {
        (a, b) if a.is_empty() && b.is_empty() => String::new(),
        (a, b) if b.is_empty() => format!("(Từ ngày {a})"),
        (a, b) if a.is_empty() => format!("(Đến ngày {b})"),
        (a, b) => format!("(Từ ngày {a} đến ngày {b})"),
    }
}

async fn export(
    state: &AppState,
    ctx: &Ctx,
    q: &ListQuery,
    format: &str,
) -> Result<Vec<Line>, AppError> {
    let lines = all_lines(state, ctx, q).await?;
    audit_access(
        state,
        ctx,
        "case.logbook.export",
        "logbook",
        serde_json::json!({ "format": format, "filter": filters_query(q), "rows": lines.len() }),
    )
    .await?;
    Ok(lines)
}

fn stamp(state: &AppState) -> String {
    to_vietnam(state.now()).format("%Y%m%d-%H%M").to_string()
}

/// `GET /cases/logbook.csv`
pub async fn csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LogbookQuery>,
) -> Result<Response, AppError> {
    let lines = export(&state, &ctx, &q.list, "csv").await?;
    let rows: Vec<Vec<Cell>> = lines.iter().map(cells).collect();
    let bytes = tongdai_docs::csv::write_table(&HEADINGS, &rows)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(file_response(
        &bytes,
        "text/csv; charset=utf-8",
        &format!("so-theo-doi-{}.csv", stamp(&state)),
    ))
}

/// `GET /cases/logbook.xlsx`
pub async fn xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LogbookQuery>,
) -> Result<Response, AppError> {
    let lines = export(&state, &ctx, &q.list, "xlsx").await?;
    let rows: Vec<Vec<Cell>> = lines.iter().map(cells).collect();
    let bytes = tongdai_docs::xlsx::write_table("Sổ theo dõi", &HEADINGS, &rows)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(file_response(
        &bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("so-theo-doi-{}.xlsx", stamp(&state)),
    ))
}

/// `GET /cases/logbook.pdf`: the printable logbook (landscape A4, headings on every page).
pub async fn pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LogbookQuery>,
) -> Result<Response, AppError> {
    let lines = export(&state, &ctx, &q.list, "pdf").await?;
    let widths = [0.5, 1.2, 1.5, 1.1, 1.6, 3.2, 1.2, 1.5, 1.1];
    let columns = HEADINGS
        .iter()
        .zip(widths)
        .map(|(h, w)| Column::new(*h, w))
        .collect();
    let rows = lines.iter().map(cells).collect();
    let issuer = {
        let p = &ctx.user()?.principal;
        let mut c = state.store.conn().await?;
        match p.tenant_scope(tongdai_domain::access::Permission::LogbookRead) {
            Some(ids) if !ids.is_empty() => tongdai_store::org::tenant(&mut c, ids[0])
                .await
                .map(|t| t.name)
                .ok(),
            _ => None,
        }
    };
    let mut doc = TableDocument::new(
        "Sổ theo dõi tiếp nhận yêu cầu, phản ánh, kiến nghị",
        Table::new(columns, rows),
    );
    doc.issuing_body = issuer;
    doc.font_size = 9.0;
    let p = period(&q.list);
    if !p.is_empty() {
        doc.subtitle.push(p);
    }
    let bytes = doc
        .to_pdf()
        .map_err(|e| AppError::Internal(format!("logbook PDF: {e}")))?;
    let mut resp = file_response(
        &bytes,
        "application/pdf",
        &format!("so-theo-doi-{}.pdf", stamp(&state)),
    );
    resp.headers_mut().insert(
        axum::http::header::CONTENT_DISPOSITION,
        axum::http::HeaderValue::from_static("inline"),
    );
    Ok(resp)
}

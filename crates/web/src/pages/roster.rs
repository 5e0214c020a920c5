//! The duty roster page (ADM-3): a week per tenant of who staffs the hotline when, with the
//! gaps — opening hours of the tenant's working calendar with fewer operators expected than
//! needed — shown for the week and for the next fortnight, so they are seen in advance.
//! Coordinators and administrators (`ConsoleSupervise`) add and remove shifts; operators read.

use crate::auth::{Ctx, audit_change, require_at};
use crate::error::AppError;
use crate::flash;
use crate::forms::{self, FormErrors};
use crate::layout::Layout;
use crate::pages::admin::Choice;
use crate::pages::{redirect_with, render_page};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta};
use serde::Deserialize;
use tongdai_domain::access::{Permission, Role, Target};
use tongdai_domain::roster::{Gap, Shift, gaps};
use tongdai_domain::time::to_vietnam;
use tongdai_store::{StoreError, accounts, calendar, org, roster};

/// How far ahead the page looks for gaps (days from today).
const LOOKAHEAD_DAYS: i64 = 14;

/// One shift as shown.
#[derive(Debug, Clone)]
pub struct ShiftView {
    pub id: i64,
    pub who: String,
    pub start: String,
    pub end: String,
    pub note: String,
}

/// One gap as shown.
#[derive(Debug, Clone)]
pub struct GapView {
    pub day: String,
    pub from: String,
    pub to: String,
    pub expected: u32,
    pub needed: u32,
}

/// One day column of the week.
#[derive(Debug, Clone)]
pub struct DayView {
    pub iso: String,
    pub title: String,
    pub today: bool,
    pub shifts: Vec<ShiftView>,
    pub gaps: Vec<GapView>,
}

#[derive(Template)]
#[template(path = "roster.html")]
struct RosterPage {
    layout: Layout,
    tenants: Vec<Choice>,
    tenant_id: i64,
    week: String,
    prev: String,
    next: String,
    needed: u32,
    days: Vec<DayView>,
    ahead: Vec<GapView>,
    can_edit: bool,
    staff: Vec<Choice>,
    errors: FormErrors,
    form: ShiftForm,
}

#[derive(Debug, Deserialize, Default)]
pub struct RosterQuery {
    /// Tenant id.
    t: Option<i64>,
    /// Any date of the week (`YYYY-MM-DD`); the week starts on Monday.
    w: Option<String>,
    /// Operators needed at any opening time (default 1).
    n: Option<u32>,
}

/// A shift as submitted.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct ShiftForm {
    #[serde(default)]
    pub tenant_id: String,
    #[serde(default)]
    pub account_id: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
    #[serde(default)]
    pub note: String,
}

async fn target(state: &AppState, tenant_id: i64) -> Result<Target, AppError> {
    let mut c = state.store.conn().await?;
    Ok(Target {
        tenant_path: org::tenant_path(&mut c, tenant_id).await?,
        agency_id: None,
    })
}

/// The tenants whose roster the user may see with `p`; those with a hotline first.
async fn tenants_for(
    state: &AppState,
    ctx: &Ctx,
    p: Permission,
) -> Result<Vec<org::Tenant>, AppError> {
    let principal = &ctx.user()?.principal;
    let mut c = state.store.conn().await?;
    let with_hotline: Vec<i64> = org::hotlines(&mut c, None)
        .await?
        .into_iter()
        .map(|h| h.tenant_id)
        .collect();
    let mut out = Vec::new();
    for t in org::tenants(&mut c).await? {
        let path = org::tenant_path(&mut c, t.id).await?;
        if principal.allows(
            p,
            &Target {
                tenant_path: path,
                agency_id: None,
            },
        ) {
            out.push(t);
        }
    }
    out.sort_by_key(|t| !with_hotline.contains(&t.id));
    Ok(out)
}

/// Who may be put on the roster of a tenant: active operators and coordinators whose grant
/// covers it.
async fn staff_of(state: &AppState, tenant_id: i64) -> Result<Vec<accounts::Account>, AppError> {
    let mut c = state.store.conn().await?;
    let path = org::tenant_path(&mut c, tenant_id).await?;
    let mut out = accounts::holders(&mut c, Role::Operator, None, &path).await?;
    for a in accounts::holders(&mut c, Role::Coordinator, None, &path).await? {
        if !out.iter().any(|x| x.id == a.id) {
            out.push(a);
        }
    }
    out.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    Ok(out)
}

fn monday_of(d: NaiveDate) -> NaiveDate {
    d - TimeDelta::days(i64::from(d.weekday().num_days_from_monday()))
}

fn gap_view(ctx: &Ctx, g: &Gap) -> GapView {
    let (a, b) = (to_vietnam(g.from), to_vietnam(g.to));
    GapView {
        day: format!("{} {}", ctx.tr.weekday(&a.date()), ctx.tr.date(&a.date())),
        from: a.format("%H:%M").to_string(),
        to: b.format("%H:%M").to_string(),
        expected: g.expected,
        needed: g.needed,
    }
}

async fn roster_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    q: RosterQuery,
    errors: FormErrors,
    form: ShiftForm,
    status: StatusCode,
) -> Result<Response, AppError> {
    let tenants = tenants_for(state, ctx, Permission::ConsoleUse).await?;
    let Some(first) = tenants.first() else {
        return Err(AppError::Forbidden);
    };
    let tenant_id = match q.t {
        Some(t) if tenants.iter().any(|x| x.id == t) => t,
        Some(t) => {
            require_at(
                state,
                ctx,
                Permission::ConsoleUse,
                &target(state, t).await?,
                &format!("roster:{t}"),
            )
            .await?;
            t
        }
        None => first.id,
    };
    let today = to_vietnam(state.now()).date();
    let week_of =
        q.w.as_deref()
            .and_then(|w| NaiveDate::parse_from_str(w.trim(), "%Y-%m-%d").ok())
            .unwrap_or(today);
    let monday = monday_of(week_of);
    let sunday = monday + TimeDelta::days(6);
    let needed = q.n.filter(|n| (1..=50).contains(n)).unwrap_or(1);
    let ahead_to = today + TimeDelta::days(LOOKAHEAD_DAYS - 1);
    let (from, to) = (monday.min(today), sunday.max(ahead_to));
    let (rows, cal) = {
        let mut c = state.store.conn().await?;
        let rows = roster::shifts(&mut c, &[tenant_id], from, to).await?;
        let (cal, _) = calendar::for_tenant(&mut c, tenant_id).await?;
        (rows, cal)
    };
    let staff = staff_of(state, tenant_id).await?;
    let mut names: std::collections::HashMap<i64, String> = staff
        .iter()
        .map(|a| (a.id, a.display_name.clone()))
        .collect();
    {
        let mut c = state.store.conn().await?;
        for r in &rows {
            if !names.contains_key(&r.shift.account_id)
                && let Ok(a) = accounts::get(&mut c, r.shift.account_id).await
            {
                names.insert(a.id, a.display_name);
            }
        }
    }
    let shifts: Vec<Shift> = rows.iter().map(|r| r.shift.clone()).collect();
    let week_gaps = gaps(&cal, &shifts, needed, monday, sunday);
    let mut days = Vec::new();
    for i in 0..7 {
        let d = monday + TimeDelta::days(i);
        days.push(DayView {
            iso: d.format("%Y-%m-%d").to_string(),
            title: format!("{} {}", ctx.tr.weekday(&d), ctx.tr.date(&d)),
            today: d == today,
            shifts: rows
                .iter()
                .filter(|r| r.shift.date == d)
                .map(|r| ShiftView {
                    id: r.id,
                    who: names
                        .get(&r.shift.account_id)
                        .cloned()
                        .unwrap_or_else(|| format!("#{}", r.shift.account_id)),
                    start: r.shift.start.format("%H:%M").to_string(),
                    end: r.shift.end.format("%H:%M").to_string(),
                    note: r.note.clone(),
                })
                .collect(),
            gaps: week_gaps
                .iter()
                .filter(|g| to_vietnam(g.from).date() == d)
                .map(|g| gap_view(ctx, g))
                .collect(),
        });
    }
    let ahead = gaps(&cal, &shifts, needed, today, ahead_to)
        .iter()
        .filter(|g| g.to > state.now())
        .map(|g| gap_view(ctx, g))
        .collect();
    let can_edit = ctx.user()?.principal.allows(
        Permission::ConsoleSupervise,
        &target(state, tenant_id).await?,
    );
    let iso = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let mut form = form;
    if form.date.is_empty() {
        form.date = iso(if monday <= today && today <= sunday {
            today
        } else {
            monday
        });
        form.start = "07:30".into();
        form.end = "11:30".into();
    }
    let page = RosterPage {
        layout: Layout::new(ctx, "roster.title", flash::read(headers)),
        tenants: tenants
            .iter()
            .map(|t| Choice::new(t.id, t.name.clone(), &tenant_id.to_string()))
            .collect(),
        tenant_id,
        week: iso(monday),
        prev: iso(monday - TimeDelta::days(7)),
        next: iso(monday + TimeDelta::days(7)),
        needed,
        days,
        ahead,
        can_edit,
        staff: staff
            .iter()
            .map(|a| {
                Choice::new(
                    a.id,
                    format!("{} ({})", a.display_name, a.username),
                    &form.account_id,
                )
            })
            .collect(),
        errors,
        form,
    };
    Ok((status, render_page(&page, headers)?).into_response())
}

/// `GET /roster?t=&w=&n=`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<RosterQuery>,
) -> Result<Response, AppError> {
    roster_page(
        &state,
        &ctx,
        &headers,
        q,
        FormErrors::default(),
        ShiftForm::default(),
        StatusCode::OK,
    )
    .await
}

fn clock_time(errors: &mut FormErrors, field: &str, v: &str) -> Option<NaiveTime> {
    match NaiveTime::parse_from_str(v.trim(), "%H:%M") {
        Ok(t) => Some(t),
        Err(_) => {
            errors.add(field, "Giờ không hợp lệ (hh:mm).");
            None
        }
    }
}

fn roster_url(tenant_id: i64, date: NaiveDate) -> String {
    format!("/roster?t={tenant_id}&w={}", date.format("%Y-%m-%d"))
}

/// `POST /roster/shifts`: add a shift (coordinators, administrators).
pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<ShiftForm>,
) -> Result<Response, AppError> {
    let mut errors = FormErrors::default();
    let tenant_id = forms::opt_id(&mut errors, "tenant_id", &f.tenant_id)
        .ok_or_else(|| AppError::BadRequest("Chọn đơn vị.".into()))?;
    require_at(
        &state,
        &ctx,
        Permission::ConsoleSupervise,
        &target(&state, tenant_id).await?,
        &format!("roster:{tenant_id}"),
    )
    .await?;
    let staff = staff_of(&state, tenant_id).await?;
    let account = forms::opt_id(&mut errors, "account_id", &f.account_id);
    match account {
        Some(a) if staff.iter().any(|s| s.id == a) => {}
        _ => errors.add("account_id", "Chọn tổng đài viên của đơn vị."),
    }
    let date = forms::date(&mut errors, "date", &f.date);
    let start = clock_time(&mut errors, "start", &f.start);
    let end = clock_time(&mut errors, "end", &f.end);
    let note = forms::opt_text(&mut errors, "note", &f.note, 200);
    let shift = match (account, date, start, end) {
        (Some(a), Some(d), Some(s), Some(e)) if errors.is_empty() => match Shift::new(a, d, s, e) {
            Ok(sh) => Some(sh),
            Err(err) => {
                errors.add("end", err.to_string());
                None
            }
        },
        _ => None,
    };
    let again = |errors: FormErrors| {
        let q = RosterQuery {
            t: Some(tenant_id),
            w: Some(f.date.clone()),
            n: None,
        };
        (q, errors, f.clone())
    };
    let Some(shift) = shift else {
        let (q, errors, form) = again(errors);
        return roster_page(
            &state,
            &ctx,
            &headers,
            q,
            errors,
            form,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let by = ctx.user()?.account.id;
    let mut tx = state.store.begin().await?;
    let id = match roster::add(&mut tx, tenant_id, &shift, &note, Some(by), state.now()).await {
        Ok(id) => id,
        Err(StoreError::Invalid(m)) => {
            drop(tx);
            let mut errors = FormErrors::default();
            errors.add("start", m);
            let (q, errors, form) = again(errors);
            return roster_page(
                &state,
                &ctx,
                &headers,
                q,
                errors,
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    audit_change(
        &mut tx,
        &state,
        &ctx,
        "roster.shift.add",
        &format!("roster_shift:{id}"),
        serde_json::json!({
            "tenant_id": tenant_id,
            "account_id": shift.account_id,
            "date": shift.date,
            "start": shift.start.format("%H:%M").to_string(),
            "end": shift.end.format("%H:%M").to_string(),
            "note": note,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(
        &roster_url(tenant_id, shift.date),
        "success",
        ctx.tr.t("roster.added"),
    ))
}

/// The delete form: the tenant and the week to come back to.
#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    tenant_id: String,
    #[serde(default)]
    week: String,
}

/// `POST /roster/shifts/{shift}/delete`
pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(shift): Path<i64>,
    Form(f): Form<DeleteForm>,
) -> Result<Response, AppError> {
    let tenant_id: i64 = f
        .tenant_id
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest("Chọn đơn vị.".into()))?;
    require_at(
        &state,
        &ctx,
        Permission::ConsoleSupervise,
        &target(&state, tenant_id).await?,
        &format!("roster:{tenant_id}"),
    )
    .await?;
    let mut tx = state.store.begin().await?;
    if !roster::remove(&mut tx, tenant_id, shift).await? {
        return Err(AppError::NotFound);
    }
    audit_change(
        &mut tx,
        &state,
        &ctx,
        "roster.shift.remove",
        &format!("roster_shift:{shift}"),
        serde_json::json!({ "tenant_id": tenant_id }),
    )
    .await?;
    tx.commit().await?;
    let week = NaiveDate::parse_from_str(f.week.trim(), "%Y-%m-%d")
        .unwrap_or_else(|_| to_vietnam(state.now()).date());
    Ok(redirect_with(
        &roster_url(tenant_id, week),
        "success",
        ctx.tr.t("roster.removed"),
    ))
}

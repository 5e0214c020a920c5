//! The working calendar's administration page (ADM-4): a month at a glance with holidays,
//! compensatory, swapped and make-up days and their lunar dates; declaring and removing days;
//! office hours per weekday; enabling holiday rules (e.g. 24/11 once it becomes law).

use super::Choice;
use crate::auth::{Ctx, require_global};
use crate::error::AppError;
use crate::flash;
use crate::forms::{self, FormErrors};
use crate::layout::Layout;
use crate::pages::{redirect_with, render_page};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use tongdai_domain::access::Permission;
use tongdai_domain::calendar::{
    DayException, DayKind, ExceptionKind, Intervals, OfficeHours, WorkingCalendar,
};
use tongdai_store::calendar::{self, CalendarRow};

/// One cell of the month grid.
#[derive(Debug, Clone)]
pub struct DayCell {
    pub in_month: bool,
    pub day: u32,
    pub iso: String,
    pub class: &'static str,
    pub label: String,
    pub lunar: String,
    pub hours: String,
}

/// A declared day as listed.
#[derive(Debug, Clone)]
pub struct DeclaredView {
    pub iso: String,
    pub date: String,
    pub kind: String,
    pub name: String,
    pub source: String,
}

/// A weekday's hours in the form.
#[derive(Debug, Clone)]
pub struct WeekdayHours {
    pub key: &'static str,
    pub label: String,
    pub value: String,
}

/// A rule in the rules form.
#[derive(Debug, Clone)]
pub struct RuleView {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub note: String,
    /// First year the rule applies ("" = every year): a new holiday (24/11) must not turn
    /// past years' working days into days off.
    pub from_year: String,
    /// The form field of `from_year`.
    pub field: String,
}

#[derive(Template)]
#[template(path = "admin/calendar.html")]
struct Page {
    layout: Layout,
    calendars: Vec<Choice>,
    cal_id: i64,
    version: i64,
    year: i32,
    month: u32,
    month_title: String,
    prev: (i32, u32),
    next: (i32, u32),
    weekdays: Vec<String>,
    cells: Vec<DayCell>,
    declared: Vec<DeclaredView>,
    declared_title: String,
    kinds: Vec<Choice>,
    hours: Vec<WeekdayHours>,
    rules: Vec<RuleView>,
    errors: FormErrors,
}

#[derive(Debug, Deserialize, Default)]
pub struct CalQuery {
    cal: Option<i64>,
    y: Option<i32>,
    m: Option<u32>,
}

const WEEKDAYS: [(Weekday, &str, &str); 7] = [
    (Weekday::Mon, "mon", "Thứ Hai"),
    (Weekday::Tue, "tue", "Thứ Ba"),
    (Weekday::Wed, "wed", "Thứ Tư"),
    (Weekday::Thu, "thu", "Thứ Năm"),
    (Weekday::Fri, "fri", "Thứ Sáu"),
    (Weekday::Sat, "sat", "Thứ Bảy"),
    (Weekday::Sun, "sun", "Chủ nhật"),
];

const KINDS: [(&str, &str); 5] = [
    ("holiday", "Nghỉ lễ, Tết"),
    ("compensatory", "Nghỉ bù"),
    ("swap_off", "Nghỉ hoán đổi"),
    ("makeup_workday", "Làm bù (ngày nghỉ đi làm)"),
    ("special_hours", "Giờ làm việc đặc biệt"),
];

async fn load_row(state: &AppState, id: Option<i64>) -> Result<CalendarRow, AppError> {
    let mut c = state.store.conn().await?;
    let id = match id {
        Some(id) => id,
        None => calendar::ensure_default(&mut c, state.now()).await?,
    };
    Ok(calendar::calendar(&mut c, id).await?)
}

async fn page_with(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    q: CalQuery,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let row = load_row(state, q.cal).await?;
    let today = tongdai_domain::time::to_vietnam(state.now()).date();
    let year =
        q.y.filter(|y| (1900..=2199).contains(y))
            .unwrap_or(today.year());
    let month =
        q.m.filter(|m| (1..=12).contains(m))
            .unwrap_or(today.month());
    let cal =
        WorkingCalendar::new(row.config.clone()).map_err(|e| AppError::Internal(e.to_string()))?;
    let days = cal
        .month(year, month)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or(AppError::NotFound)?;
    let mut cells = Vec::new();
    for _ in 0..first.weekday().num_days_from_monday() {
        cells.push(DayCell {
            in_month: false,
            day: 0,
            iso: String::new(),
            class: "other-month",
            label: String::new(),
            lunar: String::new(),
            hours: String::new(),
        });
    }
    for d in days {
        let class = match d.kind {
            DayKind::Workday => "",
            DayKind::WeeklyRest => "off",
            DayKind::Holiday | DayKind::Compensatory | DayKind::SwapOff => "holiday",
            DayKind::MakeupWorkday => "makeup",
            DayKind::SpecialHours => "special",
        };
        let label = match (&d.name, d.kind) {
            (Some(n), _) => n.clone(),
            (None, DayKind::WeeklyRest) => String::new(),
            _ => String::new(),
        };
        let hours = if matches!(d.kind, DayKind::SpecialHours | DayKind::MakeupWorkday) {
            d.intervals.to_string()
        } else {
            String::new()
        };
        cells.push(DayCell {
            in_month: true,
            day: d.date.day(),
            iso: d.date.format("%Y-%m-%d").to_string(),
            class,
            label,
            lunar: format!("{}/{}", d.lunar.day, d.lunar.month),
            hours,
        });
    }
    let declared = row
        .config
        .declared_in(year)
        .map(|e| DeclaredView {
            iso: e.date.format("%Y-%m-%d").to_string(),
            date: format!("{} {}", ctx.tr.weekday(&e.date), ctx.tr.date(&e.date)),
            kind: e.kind.label_vi().to_owned(),
            name: e.name.clone(),
            source: e.source_document.clone().unwrap_or_default(),
        })
        .collect();
    let mut calendars = Vec::new();
    {
        let mut c = state.store.conn().await?;
        for r in calendar::calendars(&mut c).await? {
            calendars.push(Choice::new(r.id, r.name, &row.id.to_string()));
        }
    }
    let prev = if month == 1 {
        (year - 1, 12)
    } else {
        (year, month - 1)
    };
    let next = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    let hours = WEEKDAYS
        .iter()
        .map(|(wd, key, vi)| WeekdayHours {
            key,
            label: if ctx.tr.locale == crate::i18n::Locale::En {
                format!("{wd:?}")
            } else {
                (*vi).to_owned()
            },
            value: row.config.office_hours.on(*wd).to_string(),
        })
        .collect();
    let rules = row
        .config
        .rules
        .iter()
        .map(|r| RuleView {
            id: r.id.clone(),
            name: r.name.clone(),
            enabled: r.enabled,
            note: r.note.clone().unwrap_or_default(),
            from_year: r.from_year.map(|y| y.to_string()).unwrap_or_default(),
            field: format!("from_year.{}", r.id),
        })
        .collect();
    // A refused form answers 422, like every other form.
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = Page {
        layout: Layout::new(ctx, "admin.calendar", flash::read(headers)),
        calendars,
        cal_id: row.id,
        version: row.version,
        year,
        month,
        month_title: format!("{} {month:02}/{year}", ctx.tr.t("calendar.month")),
        prev,
        next,
        weekdays: WEEKDAYS
            .iter()
            .map(|(wd, _, vi)| {
                if ctx.tr.locale == crate::i18n::Locale::En {
                    format!("{wd:?}")
                } else {
                    (*vi).to_owned()
                }
            })
            .collect(),
        cells,
        declared,
        declared_title: ctx
            .tr
            .f("calendar.declared_in", &[("y", &year.to_string())]),
        kinds: KINDS.iter().map(|(k, l)| Choice::new(k, *l, "")).collect(),
        hours,
        rules,
        errors,
    };
    Ok((status, render_page(&page, headers)?).into_response())
}

/// `GET /admin/calendar?cal=&y=&m=`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<CalQuery>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::CalendarManage).await?;
    page_with(&state, &ctx, &headers, q, FormErrors::default()).await
}

/// A change to a calendar, for the audit log and the page to return to.
struct Change<'a> {
    action: &'a str,
    detail: serde_json::Value,
    back: &'a str,
}

async fn save(
    state: &AppState,
    ctx: &Ctx,
    row: &CalendarRow,
    version: i64,
    config: &tongdai_domain::calendar::CalendarConfig,
    change: Change<'_>,
) -> Result<Response, AppError> {
    let Change {
        action,
        detail,
        back,
    } = change;
    let mut tx = state.store.begin().await?;
    match calendar::save(&mut tx, row.id, config, version, state.now()).await {
        Ok(_) => {}
        Err(tongdai_store::StoreError::Conflict(m) | tongdai_store::StoreError::Invalid(m)) => {
            drop(tx);
            return Ok(redirect_with(back, "error", &m));
        }
        Err(e) => return Err(e.into()),
    }
    crate::auth::audit_change(
        &mut tx,
        state,
        ctx,
        action,
        &format!("calendar:{}", row.id),
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with(back, "success", ctx.tr.t("common.saved")))
}

#[derive(Debug, Deserialize)]
pub struct DayForm {
    cal: i64,
    version: i64,
    date: String,
    kind: String,
    name: String,
    #[serde(default)]
    source_document: String,
    #[serde(default)]
    hours: String,
}

/// `POST /admin/calendar/days`: declare (or replace) a day.
pub async fn declare_day(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<DayForm>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::CalendarManage).await?;
    let mut errors = FormErrors::default();
    let date = forms::date(&mut errors, "date", &f.date);
    let name = forms::text(&mut errors, "name", &f.name, 200);
    let source = forms::opt_text(&mut errors, "source_document", &f.source_document, 200);
    let kind = match f.kind.as_str() {
        "holiday" => Some(ExceptionKind::Holiday),
        "compensatory" => Some(ExceptionKind::Compensatory),
        "swap_off" => Some(ExceptionKind::SwapOff),
        "makeup_workday" => Some(ExceptionKind::MakeupWorkday),
        "special_hours" => match Intervals::parse(&f.hours) {
            Ok(i) => Some(ExceptionKind::SpecialHours(i)),
            Err(e) => {
                errors.add("hours", e.to_string());
                None
            }
        },
        _ => {
            errors.add("kind", "Chọn loại ngày.");
            None
        }
    };
    let (Some(date), Some(kind), true) = (date, kind, errors.is_empty()) else {
        let q = CalQuery {
            cal: Some(f.cal),
            y: date.map(|d| d.year()),
            m: date.map(|d| d.month()),
        };
        return page_with(&state, &ctx, &headers, q, errors).await;
    };
    let row = load_row(&state, Some(f.cal)).await?;
    let mut config = row.config.clone();
    let mut day = DayException::confirmed(date, kind.clone(), name.clone());
    if !source.is_empty() {
        day = day.with_source(source.clone());
    }
    if let Err(e) = config.declare(day) {
        return Ok(redirect_with(
            &format!(
                "/admin/calendar?cal={}&y={}&m={}",
                row.id,
                date.year(),
                date.month()
            ),
            "error",
            &e.to_string(),
        ));
    }
    let back = format!(
        "/admin/calendar?cal={}&y={}&m={}",
        row.id,
        date.year(),
        date.month()
    );
    let change = Change {
        action: "calendar.declare",
        detail: serde_json::json!({ "date": date, "kind": f.kind, "name": name, "source": source }),
        back: &back,
    };
    save(&state, &ctx, &row, f.version, &config, change).await
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    cal: i64,
    version: i64,
    date: String,
}

/// `POST /admin/calendar/days/delete`: remove a declared day (the rules apply again).
pub async fn remove_day(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<RemoveForm>,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::CalendarManage).await?;
    let mut errors = FormErrors::default();
    let Some(date) = forms::date(&mut errors, "date", &f.date) else {
        return Err(AppError::BadRequest(errors.get("date").to_owned()));
    };
    let row = load_row(&state, Some(f.cal)).await?;
    let mut config = row.config.clone();
    let back = format!(
        "/admin/calendar?cal={}&y={}&m={}",
        row.id,
        date.year(),
        date.month()
    );
    if !config.undeclare(date) {
        return Ok(redirect_with(
            &back,
            "error",
            ctx.tr.t("calendar.not_declared"),
        ));
    }
    let change = Change {
        action: "calendar.undeclare",
        detail: serde_json::json!({ "date": date }),
        back: &back,
    };
    save(&state, &ctx, &row, f.version, &config, change).await
}

/// `POST /admin/calendar/hours`: office hours per weekday (`mon` … `sun`).
pub async fn set_hours(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::CalendarManage).await?;
    let pairs = super::agencies::serde_urlencoded_pairs(&body);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let cal: i64 = get("cal")
        .parse()
        .map_err(|_| AppError::BadRequest("cal".into()))?;
    let version: i64 = get("version")
        .parse()
        .map_err(|_| AppError::BadRequest("version".into()))?;
    let mut errors = FormErrors::default();
    let mut week: Vec<Intervals> = Vec::new();
    for (_, key, _) in WEEKDAYS {
        match Intervals::parse(&get(key)) {
            Ok(i) => week.push(i),
            Err(e) => {
                errors.add(key, e.to_string());
                week.push(Intervals::closed());
            }
        }
    }
    let office_hours = <[Intervals; 7]>::try_from(week).ok().and_then(|w| {
        OfficeHours::new(w)
            .map_err(|e| errors.add("mon", e.to_string()))
            .ok()
    });
    let Some(office_hours) = office_hours.filter(|_| errors.is_empty()) else {
        return page_with(
            &state,
            &ctx,
            &headers,
            CalQuery {
                cal: Some(cal),
                ..Default::default()
            },
            errors,
        )
        .await;
    };
    let row = load_row(&state, Some(cal)).await?;
    let before: Vec<String> = WEEKDAYS
        .iter()
        .map(|(wd, _, _)| row.config.office_hours.on(*wd).to_string())
        .collect();
    let mut config = row.config.clone();
    config.office_hours = office_hours;
    let after: Vec<String> = WEEKDAYS
        .iter()
        .map(|(wd, _, _)| config.office_hours.on(*wd).to_string())
        .collect();
    let change = Change {
        action: "calendar.hours",
        detail: serde_json::json!({ "before": before, "after": after }),
        back: &format!("/admin/calendar?cal={}", row.id),
    };
    save(&state, &ctx, &row, version, &config, change).await
}

/// `POST /admin/calendar/rules`: the body lists `enabled=<rule id>` for each enabled rule, and
/// `from_year.<rule id>=YYYY` (empty: every year).
pub async fn set_rules(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    require_global(&state, &ctx, Permission::CalendarManage).await?;
    let pairs = super::agencies::serde_urlencoded_pairs(&body);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let cal: i64 = get("cal")
        .parse()
        .map_err(|_| AppError::BadRequest("cal".into()))?;
    let version: i64 = get("version")
        .parse()
        .map_err(|_| AppError::BadRequest("version".into()))?;
    let enabled: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "enabled")
        .map(|(_, v)| v.clone())
        .collect();
    let row = load_row(&state, Some(cal)).await?;
    let mut config = row.config.clone();
    let mut errors = FormErrors::default();
    let mut from_years = serde_json::Map::new();
    for r in &mut config.rules {
        r.enabled = enabled.contains(&r.id);
        let key = format!("from_year.{}", r.id);
        if !pairs.iter().any(|(k, _)| *k == key) {
            continue; // an older form without the field: keep what is stored
        }
        r.from_year = match get(&key).trim() {
            "" => None,
            y => match y.parse::<i32>() {
                Ok(y) if (1900..=2199).contains(&y) => Some(y),
                _ => {
                    errors.add(&key, "Năm không hợp lệ (1900–2199).");
                    None
                }
            },
        };
        if let Some(y) = r.from_year {
            from_years.insert(r.id.clone(), y.into());
        }
    }
    if !errors.is_empty() {
        let q = CalQuery {
            cal: Some(cal),
            ..Default::default()
        };
        return page_with(&state, &ctx, &headers, q, errors).await;
    }
    let change = Change {
        action: "calendar.rules",
        detail: serde_json::json!({ "enabled": enabled, "from_year": from_years }),
        back: &format!("/admin/calendar?cal={}", row.id),
    };
    save(&state, &ctx, &row, version, &config, change).await
}

//! The queues and lists (CASE-4, CASE-6, CASE-10, SEC-2): all cases with filters, the
//! coordinator's queue, each agency's due and overdue lists coloured by the time left, "my
//! cases", and the moderation queue. Every list is limited to what the viewer may see
//! (`tongdai_cases::scope::of`) and pages by keyset (newest first, or by deadline).

use super::{HIDDEN, Names, cursor, parse_cursor, phone_for, urgency_class};
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
use std::collections::HashMap;
use tongdai_domain::access::Role;
use tongdai_domain::case::offer::urgency;
use tongdai_domain::case::{CaseKind, CaseState, Channel, Urgency};
use tongdai_domain::time::{datetime_short_vi, from_vietnam, to_vietnam};
use tongdai_store::cases::{self, Filter};
use tongdai_store::org;

/// The filters of a list, as typed in its form (GET, so a list can be bookmarked).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub agency: String,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub before: String,
}

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    All,
    Queue,
    Due,
    Overdue,
    Mine,
    Moderation,
}

impl View {
    fn path(self) -> &'static str {
        match self {
            View::All => "/cases",
            View::Queue => "/cases/queue",
            View::Due => "/cases/due",
            View::Overdue => "/cases/overdue",
            View::Mine => "/cases/mine",
            View::Moderation => "/cases/moderation",
        }
    }
}

/// A case as a list row.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: i64,
    pub code: String,
    pub received_at: String,
    pub caller: String,
    pub phone: String,
    pub kind: String,
    pub state: String,
    pub channel: String,
    pub agency: String,
    pub excerpt: String,
    pub due_at: String,
    pub urgency: String,
    pub urgency_code: String,
    pub urgency_class: String,
    pub pressing: bool,
}

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    layout: Layout,
    view: &'static str,
    tabs: Vec<(String, String, bool)>,
    q: ListQuery,
    rows: Vec<Row>,
    next: String,
    agencies: Vec<Choice>,
    fields: Vec<Choice>,
    kinds: Vec<Choice>,
    states: Vec<Choice>,
    channels: Vec<Choice>,
    can_intake: bool,
}

/// A date typed in a filter (`YYYY-MM-DD` or `dd/mm/yyyy`): the start of that day in Vietnam.
pub fn day_start(s: &str) -> Option<tongdai_domain::Instant> {
    let s = s.trim();
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()?;
    Some(from_vietnam(d.and_hms_opt(0, 0, 0)?))
}

/// The store filter of a list query (the scope is added by the caller).
pub fn filter_of(q: &ListQuery) -> Filter {
    Filter {
        states: q.state.parse::<CaseState>().into_iter().collect(),
        kind: q.kind.parse::<CaseKind>().ok(),
        channel: q
            .channel
            .parse::<Channel>()
            .ok()
            .map(|c| c.code().to_owned()),
        field_id: q.field.trim().parse().ok(),
        agency_id: q.agency.trim().parse().ok(),
        from: day_start(&q.from),
        to: day_start(&q.to).map(|t| t + chrono::Duration::days(1)),
        text: Some(q.q.trim().to_owned()).filter(|t| !t.is_empty()),
        before: parse_cursor(&q.before),
        limit: 50,
        ..Default::default()
    }
}

/// The list rows of a page of cases, with the urgency of each (CASE-6).
pub async fn rows_of(
    state: &AppState,
    list: &[cases::CaseRow],
    names: &Names,
    whole_phones: bool,
    text: &str,
) -> Result<Vec<Row>, AppError> {
    let ids: Vec<i64> = list.iter().map(|r| r.id).collect();
    let docs = {
        let mut c = state.store.conn().await?;
        cases::get_many(&mut c, &ids).await?
    };
    let mut contexts = HashMap::new();
    let now = state.now();
    let folded = tongdai_store::fold(text);
    let mut out = Vec::with_capacity(list.len());
    for (case, _) in docs {
        // A search by name or phone never lists a confidential case (SEC-4): only its code or
        // its content may match.
        if case.confidential
            && !folded.is_empty()
            && case.code.to_string() != text.to_uppercase()
            && !tongdai_store::fold(&case.content).contains(&folded)
        {
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(e) = contexts.entry(case.tenant_id) {
            let mut c = state.store.conn().await?;
            let tc = state
                .cases
                .tenant_context(&mut c, case.tenant_id)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
            e.insert(tc);
        }
        let tc = &contexts[&case.tenant_id];
        let u = urgency(&case, &tc.calendar, tc.policy.deadlines_for(case.kind), now);
        let d = case.deadlines(&tc.calendar);
        let due = if case.state == CaseState::Escalated {
            d.hard_due_at
        } else {
            d.due_at
        };
        let excerpt: String = case.content.chars().take(120).collect();
        out.push(Row {
            id: case.id,
            code: case.code.to_string(),
            received_at: datetime_short_vi(case.received_at),
            caller: if case.confidential {
                HIDDEN.to_owned()
            } else {
                case.caller.name.clone()
            },
            phone: if case.confidential {
                String::new()
            } else {
                phone_for(case.caller.phone.canonical(), whole_phones)
            },
            kind: case.kind.label_vi().to_owned(),
            state: case.state.label_vi().to_owned(),
            channel: case.channel.label_vi().to_owned(),
            agency: names.agency(case.lead_agency_id),
            excerpt,
            due_at: if u == Urgency::Done {
                String::new()
            } else {
                due.map(datetime_short_vi).unwrap_or_default()
            },
            urgency: if u == Urgency::Done {
                String::new()
            } else {
                u.label_vi().to_owned()
            },
            urgency_code: u.code().to_owned(),
            urgency_class: urgency_class(u).to_owned(),
            pressing: case.pressing,
        });
    }
    Ok(out)
}

async fn list_view(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    view: View,
    q: ListQuery,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let p = &user.principal;
    let scope = {
        let mut c = state.store.conn().await?;
        tongdai_cases::scope::of(&mut c, p).await?
    };
    let mut f = filter_of(&q);
    f.scope = scope.clone();
    let now = state.now();
    match view {
        View::All => {}
        View::Queue => {
            if f.states.is_empty() {
                f.states = vec![
                    CaseState::Received,
                    CaseState::Classifying,
                    CaseState::Reopened,
                ];
            }
        }
        View::Due => {
            if f.states.is_empty() {
                f.states = tongdai_cases::CaseService::with_agency_states();
            }
            f.order_by_due = true;
        }
        View::Overdue => {
            f.overdue_at = Some(now);
            f.order_by_due = true;
        }
        View::Mine => {
            if p.agency_ids().is_empty() {
                f.received_by = Some(p.account_id);
            } else if f.states.is_empty() {
                f.states = tongdai_cases::CaseService::with_agency_states();
                f.order_by_due = true;
            }
        }
        View::Moderation => {
            if f.states.is_empty() {
                f.states = vec![CaseState::Answered, CaseState::Closed];
            }
        }
    }
    // Lists ordered by deadline show one long page; keyset paging is by arrival.
    if f.order_by_due {
        f.before = None;
        f.limit = 500;
    }
    let found = {
        let mut c = state.store.conn().await?;
        cases::list(&mut c, &f).await?
    };
    let next = if !f.order_by_due && found.len() as i64 == f.limit {
        found
            .last()
            .map(|r| cursor(r.received_at, r.id))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let list: Vec<cases::CaseRow> = if view == View::Moderation {
        found
            .into_iter()
            .filter(|r| {
                !r.confidential
                    && r.kind
                        .parse::<CaseKind>()
                        .is_ok_and(CaseKind::is_publishable)
            })
            .collect()
    } else {
        found
    };
    let names = Names::load(state).await?;
    let whole = p.roles().contains(&Role::Coordinator);
    let rows = rows_of(state, &list, &names, whole, q.q.trim()).await?;
    // Filter choices: the agencies the viewer's scope reaches.
    let agency_choices = {
        let mut c = state.store.conn().await?;
        let list = match &scope.tenants {
            None => org::agencies(&mut c, None).await?,
            Some(t) => {
                let mut all = org::agencies(&mut c, Some(t)).await?;
                for a in &scope.agencies {
                    if !all.iter().any(|x| x.id == *a)
                        && let Ok(x) = org::agency(&mut c, *a).await
                    {
                        all.push(x);
                    }
                }
                all
            }
        };
        let mut v = vec![Choice::new("", ctx.tr.t("common.all"), &q.agency)];
        v.extend(
            list.into_iter()
                .map(|a| Choice::new(a.id, a.name, &q.agency)),
        );
        v
    };
    let mut fields = vec![Choice::new("", ctx.tr.t("common.all"), &q.field)];
    let mut field_list: Vec<(&i64, &String)> = names.fields.iter().collect();
    field_list.sort_by(|a, b| a.1.cmp(b.1));
    fields.extend(
        field_list
            .into_iter()
            .map(|(id, n)| Choice::new(id, n.clone(), &q.field)),
    );
    let mut kinds = vec![Choice::new("", ctx.tr.t("common.all"), &q.kind)];
    kinds.extend(
        CaseKind::ALL
            .iter()
            .map(|k| Choice::new(k.code(), k.label_vi(), &q.kind)),
    );
    let mut states = vec![Choice::new("", ctx.tr.t("common.all"), &q.state)];
    states.extend(
        CaseState::ALL
            .iter()
            .map(|k| Choice::new(k.code(), k.label_vi(), &q.state)),
    );
    let mut channels = vec![Choice::new("", ctx.tr.t("common.all"), &q.channel)];
    channels.extend(
        Channel::ALL
            .iter()
            .map(|k| Choice::new(k.code(), k.label_vi(), &q.channel)),
    );
    let tr = ctx.tr;
    let mut tabs = vec![
        (View::All.path().to_owned(), tr.t("cases.all").to_owned()),
        (
            View::Queue.path().to_owned(),
            tr.t("cases.queue").to_owned(),
        ),
        (View::Due.path().to_owned(), tr.t("cases.due").to_owned()),
        (
            View::Overdue.path().to_owned(),
            tr.t("cases.overdue").to_owned(),
        ),
        (View::Mine.path().to_owned(), tr.t("cases.mine").to_owned()),
    ];
    if p.has(tongdai_domain::access::Permission::CaseModerate) {
        tabs.push((
            View::Moderation.path().to_owned(),
            tr.t("cases.moderation").to_owned(),
        ));
    }
    let title = match view {
        View::All => "cases.title",
        View::Queue => "cases.queue",
        View::Due => "cases.due",
        View::Overdue => "cases.overdue",
        View::Mine => "cases.mine",
        View::Moderation => "cases.moderation",
    };
    let page = ListPage {
        layout: Layout::with_title(ctx, tr.t(title).to_owned(), flash::read(headers)),
        view: view.path(),
        tabs: tabs
            .into_iter()
            .map(|(h, l)| {
                let on = h == view.path();
                (h, l, on)
            })
            .collect(),
        q,
        rows,
        next,
        agencies: agency_choices,
        fields,
        kinds,
        states,
        channels,
        can_intake: p.has(tongdai_domain::access::Permission::CaseIntake),
    };
    render_page(&page, headers)
}

impl ListPage {
    /// The query string of the next page (the filters with the keyset cursor).
    fn next_href(&self) -> String {
        let q = &self.q;
        let pairs = [
            ("from", &q.from),
            ("to", &q.to),
            ("agency", &q.agency),
            ("field", &q.field),
            ("kind", &q.kind),
            ("state", &q.state),
            ("channel", &q.channel),
            ("q", &q.q),
        ];
        let mut s = format!("{}?before={}", self.view, self.next);
        for (k, v) in pairs {
            if !v.is_empty() {
                s.push_str(&format!("&{k}={}", crate::auth::urlencode(v)));
            }
        }
        s
    }
}

macro_rules! list_handler {
    ($name:ident, $view:expr, $doc:literal) => {
        #[doc = $doc]
        pub async fn $name(
            State(state): State<AppState>,
            ctx: Ctx,
            headers: HeaderMap,
            Query(q): Query<ListQuery>,
        ) -> Result<Response, AppError> {
            list_view(&state, &ctx, &headers, $view, q).await
        }
    };
}

list_handler!(
    all,
    View::All,
    "`GET /cases`: every case the viewer may see, filtered."
);
list_handler!(
    queue,
    View::Queue,
    "`GET /cases/queue`: the coordinator's queue (received, classifying, returned, reopened)."
);
list_handler!(
    due,
    View::Due,
    "`GET /cases/due`: cases with an agency, by deadline, coloured by the time left."
);
list_handler!(
    overdue,
    View::Overdue,
    "`GET /cases/overdue`: cases past the focal officer's deadline."
);
list_handler!(
    mine,
    View::Mine,
    "`GET /cases/mine`: what I recorded (operators) or what my agency holds (officers)."
);
list_handler!(
    moderation,
    View::Moderation,
    "`GET /cases/moderation`: answered cases waiting for moderation and publication (CASE-10)."
);

/// The date of an instant for a date input.
pub fn iso_day(t: tongdai_domain::Instant) -> String {
    to_vietnam(t).date().format("%Y-%m-%d").to_string()
}

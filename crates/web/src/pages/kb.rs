//! The knowledge base for staff (KB-1…KB-4): the operator's search box (results as one types,
//! htmx), procedures with their versions and local copies, the FAQ workflow pages, imports and
//! synonym lists. Rights are decided by `tongdai_kb` (the same checks the command line and
//! tests go through); refusals are audited here.

use super::{redirect_with, render, render_page};
use crate::auth::{Ctx, refuse};
use crate::error::AppError;
use crate::flash;
use crate::forms::{FormErrors, checkbox};
use crate::layout::Layout;
use crate::pages::admin::Choice;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use tongdai_domain::access::{Permission, Target};
use tongdai_domain::text::fold;
use tongdai_kb::diff::{copies_text, fee_text, time_text};
use tongdai_kb::{
    Actor, DocKind, Faq, FaqAction, FaqContent, FaqStatus, KbError, Procedure, Scope,
};
use tongdai_store::kb::{FaqFilter, LocalCopy, LocalCopyInput, ProcedureFilter};
use tongdai_store::org;

// ------------------------------------------------------------ shared helpers

/// The actor of a request.
pub fn actor(ctx: &Ctx) -> Result<Actor, AppError> {
    let u = ctx.user()?;
    Ok(Actor::user(u.principal.clone(), ctx.ip.clone()))
}

/// A knowledge-base error as a page error; refusals are audited.
pub async fn kb_error(state: &AppState, ctx: &Ctx, e: KbError, what: &str) -> AppError {
    match e {
        KbError::Forbidden => {
            refuse(state, ctx, "Kb", what).await;
            AppError::Forbidden
        }
        KbError::NotFound(_) => AppError::NotFound,
        KbError::Invalid(p) => AppError::BadRequest(
            p.iter()
                .map(|p| p.message.clone())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        KbError::Workflow(m) => AppError::Conflict(m),
        KbError::File(m) => AppError::BadRequest(m),
        KbError::Store(e) => e.into(),
    }
}

/// The search scope of the signed-in user.
async fn staff_scope(state: &AppState, ctx: &Ctx) -> Result<Scope, AppError> {
    let u = ctx.user()?;
    state
        .kb
        .scope_for_staff(&u.principal, u.account.tenant_id)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A search hit as shown.
#[derive(Debug, Clone)]
pub struct HitView {
    pub kind: &'static str,
    pub id: String,
    pub name: String,
    /// HTML-escaped by the engine, matched words in `<mark>`.
    pub snippet: String,
    pub href: String,
    /// The text an operator can answer with (CASE-3); filled only when asked for.
    pub answer: String,
}

/// Hits as shown, linking under `base` (`/kb` for staff, `/portal/kb` for the public) with
/// an optional query suffix (`?t=xa-an-chau`).
pub fn hit_views(hits: &[tongdai_kb::Hit], base: &str, suffix: &str) -> Vec<HitView> {
    hits.iter()
        .map(|h| HitView {
            kind: h.kind.as_str(),
            id: h.id.clone(),
            name: h.name.clone(),
            snippet: h.snippet.clone(),
            href: match h.kind {
                DocKind::Procedure => format!("{base}/procedures/{}{suffix}", h.id),
                DocKind::Faq => format!("{base}/faqs/{}{suffix}", h.id),
            },
            answer: String::new(),
        })
        .collect()
}

/// A group of steps.
#[derive(Debug, Clone)]
pub struct StepGroup {
    pub case: String,
    pub steps: Vec<String>,
}

/// A channel with its limits and fees.
#[derive(Debug, Clone)]
pub struct ChannelView {
    pub name: String,
    pub times: Vec<String>,
    pub fees: Vec<String>,
}

/// A dossier document.
#[derive(Debug, Clone)]
pub struct DocView {
    pub name: String,
    pub copies: String,
    pub form_name: String,
    pub form_url: String,
}

/// The documents of one case.
#[derive(Debug, Clone)]
pub struct DossierGroup {
    pub case: String,
    pub docs: Vec<DocView>,
}

/// A tenant's local version of the receiving agency and address.
#[derive(Debug, Clone)]
pub struct LocalView {
    pub tenant: String,
    pub agency: String,
    pub address: String,
    pub online_url: String,
    pub note: String,
}

/// A procedure, ready for a page (KB-1, KB-4).
#[derive(Debug, Clone)]
pub struct ProcedureView {
    pub code: String,
    pub name: String,
    pub decision: String,
    pub levels: String,
    pub kind: String,
    pub fields: String,
    pub subjects: String,
    pub competent: String,
    pub agencies: Vec<String>,
    pub authorized: String,
    pub coordinating: String,
    pub address: Vec<String>,
    pub steps: Vec<StepGroup>,
    pub channels: Vec<ChannelView>,
    pub dossier: Vec<DossierGroup>,
    pub sets: String,
    pub conditions: Vec<String>,
    pub results: Vec<String>,
    pub legal: Vec<String>,
    pub related: Vec<String>,
    pub online_level: String,
    /// Where to submit online: the local copy's page, else the record's.
    pub online_url: String,
    pub source_url: String,
    pub updated: String,
    pub notes: Vec<String>,
    pub local: Option<LocalView>,
    pub active: bool,
    pub version: i64,
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The view of a procedure, with a tenant's local copy applied when given.
pub fn procedure_view(p: &Procedure, local: Option<(&LocalCopy, String)>) -> ProcedureView {
    let r = &p.record;
    let local = local.map(|(l, tenant)| LocalView {
        tenant,
        agency: l.agency_name.clone(),
        address: l.address.clone(),
        online_url: l.online_url.clone(),
        note: l.note.clone(),
    });
    let mut agencies: Vec<String> = r
        .co_quan_thuc_hien
        .iter()
        .map(|c| c.ten_don_vi.clone())
        .collect();
    let mut address = lines(&r.dia_chi_tiep_nhan);
    let mut online_url = r.dvc_url.clone();
    if let Some(l) = &local {
        if !l.agency.is_empty() {
            agencies = vec![l.agency.clone()];
        }
        if !l.address.is_empty() {
            address = lines(&l.address);
        }
        if !l.online_url.is_empty() {
            online_url = l.online_url.clone();
        }
    }
    ProcedureView {
        code: r.ma_tthc.clone(),
        name: r.ten_tthc.clone(),
        decision: r.quyet_dinh_cong_bo.clone(),
        levels: r.cap_thuc_hien.join(", "),
        kind: r.loai_thu_tuc.clone(),
        fields: r
            .linh_vuc
            .iter()
            .map(|l| l.ten.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        subjects: r.doi_tuong_thuc_hien.join(", "),
        competent: r.co_quan_co_tham_quyen.clone(),
        agencies,
        authorized: r.co_quan_duoc_uy_quyen.clone(),
        coordinating: r.co_quan_phoi_hop.clone(),
        address,
        steps: r
            .trinh_tu_thuc_hien
            .iter()
            .map(|t| StepGroup {
                case: t.truong_hop.clone(),
                steps: t.buoc.clone(),
            })
            .collect(),
        channels: r
            .cach_thuc_thuc_hien
            .iter()
            .map(|c| ChannelView {
                name: match c.kenh {
                    1 => "Trực tiếp",
                    2 => "Trực tuyến",
                    3 => "Dịch vụ bưu chính công ích",
                    _ => "Khác",
                }
                .to_owned(),
                times: c.thoi_han.iter().map(time_text).collect(),
                fees: c.phi_le_phi.iter().map(fee_text).collect(),
            })
            .collect(),
        dossier: r
            .thanh_phan_ho_so
            .iter()
            .map(|t| DossierGroup {
                case: t.truong_hop.clone(),
                docs: t
                    .giay_to
                    .iter()
                    .map(|g| DocView {
                        name: g.ten_giay_to.clone(),
                        copies: copies_text(g),
                        form_name: g
                            .mau_don
                            .as_ref()
                            .map(|m| {
                                if m.ten.is_empty() {
                                    "Tải mẫu".to_owned()
                                } else {
                                    m.ten.clone()
                                }
                            })
                            .unwrap_or_default(),
                        form_url: g
                            .mau_don
                            .as_ref()
                            .map(|m| m.url.clone())
                            .unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect(),
        sets: r
            .so_luong_bo_ho_so
            .map(|n| n.to_string())
            .unwrap_or_default(),
        conditions: lines(&r.yeu_cau_dieu_kien),
        results: r.ket_qua.iter().map(|k| k.ten.clone()).collect(),
        legal: r
            .can_cu_phap_ly
            .iter()
            .map(|c| {
                format!("{} {}", c.so_ky_hieu, c.trich_yeu)
                    .trim()
                    .to_owned()
            })
            .collect(),
        related: r.thu_tuc_lien_quan.clone(),
        online_level: r.muc_do_dvc.clone(),
        online_url,
        source_url: r.nguon_url.clone(),
        updated: r.ngay_cap_nhat.clone(),
        notes: lines(&r.ghi_chu),
        local,
        active: p.row.active != 0,
        version: p.row.version,
    }
}

/// An FAQ linked from a page.
#[derive(Debug, Clone)]
pub struct FaqLink {
    pub code: String,
    pub question: String,
}

// ------------------------------------------------------------ search

/// Query of the search page and of the live results.
#[derive(Debug, Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub t: String,
    /// Non-empty: each hit carries its answer text, for the intake form's "use this answer".
    #[serde(default)]
    pub answers: String,
}

/// The kind filter of a search form.
pub fn kind_of(s: &str) -> Option<DocKind> {
    match s {
        "procedure" => Some(DocKind::Procedure),
        "faq" => Some(DocKind::Faq),
        _ => None,
    }
}

/// The choices of the kind filter.
pub fn kind_choices(ctx: &Ctx, current: &str) -> Vec<Choice> {
    vec![
        Choice::new("", ctx.tr.t("kb.kind_all"), current),
        Choice::new("procedure", ctx.tr.t("kb.kind_procedure"), current),
        Choice::new("faq", ctx.tr.t("kb.kind_faq"), current),
    ]
}

#[derive(Template)]
#[template(path = "kb/results.html")]
struct Results {
    layout: Layout,
    q: String,
    hits: Vec<HitView>,
    took_ms: String,
    /// Offer "use this answer" on each hit (the intake form's panel, CASE-3).
    answers: bool,
}

#[derive(Template)]
#[template(path = "kb/search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    kinds: Vec<Choice>,
    hits: Vec<HitView>,
    took_ms: String,
    can_edit_faq: bool,
    can_manage: bool,
    /// The shared results template's "use this answer" (never on this page).
    answers: bool,
}

async fn run_search(
    state: &AppState,
    ctx: &Ctx,
    q: &SearchQuery,
) -> Result<(Vec<HitView>, String), AppError> {
    if q.q.trim().is_empty() {
        return Ok((Vec::new(), String::new()));
    }
    let scope = staff_scope(state, ctx).await?;
    let started = std::time::Instant::now();
    let hits = state
        .kb
        .search(
            &q.q,
            q.limit.unwrap_or(15).clamp(1, 50),
            kind_of(&q.kind),
            &scope,
        )
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let took = format!("{:.1}", started.elapsed().as_secs_f64() * 1000.0);
    Ok((hit_views(&hits, "/kb", ""), took))
}

/// `GET /kb`: the search box (results as one types) and the ways into the knowledge base.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let (hits, took_ms) = run_search(&state, &ctx, &q).await?;
    let p = &ctx.user()?.principal;
    let page = SearchPage {
        layout: Layout::new(&ctx, "kb.title", flash::read(&headers)),
        kinds: kind_choices(&ctx, &q.kind),
        q: q.q,
        hits,
        took_ms,
        can_edit_faq: p.has(Permission::KbEdit) || p.has(Permission::KbReview),
        can_manage: p.has(Permission::KbManage),
        answers: false,
    };
    render_page(&page, &headers)
}

/// `GET /kb/search?q=…`: the results list alone (what htmx swaps in as the operator types).
pub async fn results(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let (mut hits, took_ms) = run_search(&state, &ctx, &q).await?;
    let answers = !q.answers.is_empty();
    if answers {
        fill_answers(&state, &ctx, &mut hits).await?;
    }
    render(&Results {
        layout: Layout::new(&ctx, "kb.title", None),
        q: q.q,
        hits,
        took_ms,
        answers,
    })
}

/// Put each hit's answer text in it: an FAQ's published answer, a procedure told in a few
/// lines (with the local copy of the user's home tenant, when there is one).
async fn fill_answers(state: &AppState, ctx: &Ctx, hits: &mut [HitView]) -> Result<(), AppError> {
    let home = ctx.user()?.account.tenant_id;
    let internal = |e: tongdai_kb::KbError| AppError::Internal(e.to_string());
    for h in hits.iter_mut() {
        h.answer = if h.kind == DocKind::Faq.as_str() {
            state
                .kb
                .faq_by_code(&h.id)
                .await
                .map_err(internal)?
                .and_then(|f| f.published)
                .map(|p| p.tra_loi)
                .unwrap_or_default()
        } else {
            match state.kb.procedure(&h.id).await.map_err(internal)? {
                Some(p) => {
                    let local = match home {
                        Some(t) => state
                            .kb
                            .local_copy_for(p.row.id, t)
                            .await
                            .map_err(internal)?,
                        None => None,
                    };
                    procedure_answer(&procedure_view(
                        &p,
                        local.as_ref().map(|l| (l, String::new())),
                    ))
                }
                None => String::new(),
            }
        };
    }
    Ok(())
}

/// A procedure as an operator tells it on the phone (CASE-3): who handles it, where and how
/// to submit, how long it takes and what it costs, what to bring, where to submit online.
pub fn procedure_answer(p: &ProcedureView) -> String {
    fn sentence(s: &str) -> String {
        format!("{}.", s.trim().trim_end_matches(['.', ';']))
    }
    let named = if p.name.to_lowercase().starts_with("thủ tục") {
        format!("“{}” (mã {})", p.name, p.code)
    } else {
        format!("Thủ tục “{}” (mã {})", p.name, p.code)
    };
    let mut out = vec![sentence(&named)];
    if !p.agencies.is_empty() {
        out.push(sentence(&format!(
            "Cơ quan thực hiện: {}",
            p.agencies.join("; ")
        )));
    }
    if !p.address.is_empty() {
        out.push(sentence(&format!(
            "Nơi nộp hồ sơ: {}",
            p.address.join("; ")
        )));
    }
    for ch in &p.channels {
        let mut parts = Vec::new();
        if !ch.times.is_empty() {
            parts.push(format!("thời hạn giải quyết {}", ch.times.join("; ")));
        }
        if !ch.fees.is_empty() {
            parts.push(format!("phí, lệ phí: {}", ch.fees.join("; ")));
        }
        if !parts.is_empty() {
            out.push(sentence(&format!("{}: {}", ch.name, parts.join("; "))));
        }
    }
    for g in &p.dossier {
        let docs: Vec<&str> = g.docs.iter().map(|d| d.name.trim()).collect();
        if docs.is_empty() {
            continue;
        }
        let head = if g.case.trim().is_empty() {
            "Hồ sơ gồm".to_owned()
        } else {
            format!("Hồ sơ ({})", g.case.trim())
        };
        out.push(sentence(&format!("{head}: {}", docs.join("; "))));
    }
    if !p.online_url.is_empty() {
        out.push(format!("Nộp trực tuyến: {}", p.online_url));
    }
    out.join("\n")
}

// ------------------------------------------------------------ procedures

/// Query of the procedure list.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    all: Option<String>,
}

/// A procedure in the list.
#[derive(Debug, Clone)]
pub struct ProcedureRowView {
    pub code: String,
    pub name: String,
    pub levels: String,
    pub fields: String,
    pub online_level: String,
    pub version: i64,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "kb/procedures.html")]
struct ListPage {
    layout: Layout,
    q: String,
    all: bool,
    rows: Vec<ProcedureRowView>,
    total: i64,
    page: i64,
    next: Option<i64>,
    prev: Option<i64>,
}

const PAGE: i64 = 50;

/// `GET /kb/procedures`: the catalogue.
pub async fn procedures(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let page = q.page.unwrap_or(1).max(1);
    let all = checkbox(&q.all);
    let mut c = state.store.conn().await?;
    let rows = tongdai_store::kb::list_procedures(
        &mut c,
        &ProcedureFilter {
            name_folded: fold(q.q.trim()),
            include_inactive: all,
            limit: PAGE + 1,
            offset: (page - 1) * PAGE,
        },
    )
    .await?;
    let total = tongdai_store::kb::procedure_count(&mut c, all).await?;
    let more = rows.len() as i64 > PAGE;
    let rows = rows
        .into_iter()
        .take(PAGE as usize)
        .map(|r| ProcedureRowView {
            code: r.code,
            name: r.name,
            levels: r.levels,
            fields: r.fields,
            online_level: r.online_level,
            version: r.version,
            active: r.active != 0,
        })
        .collect();
    let view = ListPage {
        layout: Layout::new(&ctx, "kb.catalogue", flash::read(&headers)),
        q: q.q,
        all,
        rows,
        total,
        page,
        next: more.then_some(page + 1),
        prev: (page > 1).then_some(page - 1),
    };
    render_page(&view, &headers)
}

/// A local copy as listed on the staff page.
#[derive(Debug, Clone)]
pub struct LocalRow {
    pub tenant: String,
    pub agency: String,
    pub address: String,
    pub online_url: String,
    pub published: bool,
    pub by: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "kb/procedure.html")]
struct ProcedurePage {
    layout: Layout,
    p: ProcedureView,
    faqs: Vec<FaqLink>,
    locals: Vec<LocalRow>,
    /// Tenants the user may publish a local copy for.
    tenants: Vec<Choice>,
    agencies: Vec<Choice>,
    can_edit: bool,
    versions: usize,
    errors: FormErrors,
}

async fn load_procedure(state: &AppState, code: &str) -> Result<Procedure, AppError> {
    state
        .kb
        .procedure(code)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .ok_or(AppError::NotFound)
}

/// Tenants (with their path) where the user holds `p`.
async fn tenants_with(
    state: &AppState,
    ctx: &Ctx,
    p: Permission,
) -> Result<Vec<org::Tenant>, AppError> {
    let principal = &ctx.user()?.principal;
    let mut c = state.store.conn().await?;
    let mut out = Vec::new();
    for t in org::tenants(&mut c).await? {
        let target = Target {
            tenant_path: org::tenant_path(&mut c, t.id).await?,
            agency_id: None,
        };
        if principal.allows(p, &target) {
            out.push(t);
        }
    }
    Ok(out)
}

async fn procedure_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    code: &str,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let p = load_procedure(state, code).await?;
    let scope = staff_scope(state, ctx).await?;
    let faqs = state
        .kb
        .faqs_for_procedure(code, &scope)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .into_iter()
        .map(|(code, f)| FaqLink {
            code,
            question: f.cau_hoi,
        })
        .collect();
    let mut c = state.store.conn().await?;
    let mut locals = Vec::new();
    for l in tongdai_store::kb::local_copies(&mut c, p.row.id).await? {
        locals.push(LocalRow {
            tenant: org::tenant(&mut c, l.tenant_id).await?.name,
            agency: l.agency_name,
            address: l.address,
            online_url: l.online_url,
            published: l.published != 0,
            by: l.updated_by_name,
            at: ctx.tr.datetime(&tongdai_store::instant(l.updated_at)),
        });
    }
    drop(c);
    let managed = tenants_with(state, ctx, Permission::KbManage).await?;
    let mut agencies = vec![Choice::new("", ctx.tr.t("kb.local_agency_none"), "")];
    if !managed.is_empty() {
        let ids: Vec<i64> = managed.iter().map(|t| t.id).collect();
        let mut c = state.store.conn().await?;
        for a in org::agencies(&mut c, Some(&ids)).await? {
            let tenant = managed
                .iter()
                .find(|t| t.id == a.tenant_id)
                .map_or(String::new(), |t| t.name.clone());
            agencies.push(Choice::new(a.id, format!("{} ({tenant})", a.name), ""));
        }
    }
    let versions = state
        .kb
        .history(code)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .len();
    let can_edit = ctx
        .user()?
        .principal
        .allows(Permission::KbManage, &Target::global());
    let page = ProcedurePage {
        layout: Layout::with_title(ctx, p.record.ten_tthc.clone(), flash::read(headers)),
        p: procedure_view(&p, None),
        faqs,
        locals,
        tenants: managed
            .iter()
            .map(|t| Choice::new(t.id, t.name.clone(), ""))
            .collect(),
        agencies,
        can_edit,
        versions,
        errors,
    };
    let mut resp = render_page(&page, headers)?;
    *resp.status_mut() = status;
    Ok(resp)
}

/// `GET /kb/procedures/{code}`: a procedure as staff see it, with its local copies.
pub async fn procedure(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    procedure_page(
        &state,
        &ctx,
        &headers,
        &code,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// A version as shown.
#[derive(Debug, Clone)]
pub struct VersionRowView {
    pub version: i64,
    pub at: String,
    pub by: String,
    pub source: String,
    pub fields: String,
    pub active: bool,
    /// (kind, label, text): `removed` or `added`.
    pub changes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "kb/history.html")]
struct HistoryPage {
    layout: Layout,
    code: String,
    name: String,
    versions: Vec<VersionRowView>,
}

/// `GET /kb/procedures/{code}/history`: every version, who and when, and what changed.
pub async fn history(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let p = load_procedure(&state, &code).await?;
    let versions = state
        .kb
        .history(&code)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .into_iter()
        .map(|v| VersionRowView {
            version: v.row.version,
            at: ctx.tr.datetime(&tongdai_store::instant(v.row.created_at)),
            by: v.row.actor_name,
            source: v.row.source,
            fields: v.changed_fields.join(", "),
            active: v.row.active != 0,
            changes: v
                .changes
                .iter()
                .map(|c| {
                    (
                        c.kind().to_owned(),
                        c.line().label.clone(),
                        c.line().text.clone(),
                    )
                })
                .collect(),
        })
        .collect();
    let page = HistoryPage {
        layout: Layout::with_title(
            &ctx,
            format!("{} — {}", ctx.tr.t("kb.history"), p.record.ma_tthc),
            flash::read(&headers),
        ),
        code: p.record.ma_tthc.clone(),
        name: p.record.ten_tthc,
        versions,
    };
    render_page(&page, &headers)
}

#[derive(Template)]
#[template(path = "kb/procedure_edit.html")]
struct EditPage {
    layout: Layout,
    code: String,
    json: String,
    active: bool,
    version: i64,
    errors: FormErrors,
}

/// `GET /kb/procedures/{code}/edit`: the record's JSON (the fields of the national schema).
pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    crate::auth::require_global(&state, &ctx, Permission::KbManage).await?;
    let p = load_procedure(&state, &code).await?;
    let page = EditPage {
        layout: Layout::with_title(
            &ctx,
            format!("{} — {}", ctx.tr.t("kb.edit"), p.record.ma_tthc),
            flash::read(&headers),
        ),
        code: p.record.ma_tthc.clone(),
        json: serde_json::to_string_pretty(&p.record).unwrap_or_default(),
        active: p.row.active != 0,
        version: p.row.version,
        errors: FormErrors::default(),
    };
    render_page(&page, &headers)
}

/// The procedure edit form.
#[derive(Debug, Deserialize)]
pub struct EditForm {
    json: String,
    #[serde(default)]
    active: Option<String>,
    version: i64,
}

/// `POST /kb/procedures/{code}`: save an edited record as a new version.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(f): Form<EditForm>,
) -> Result<Response, AppError> {
    crate::auth::require_global(&state, &ctx, Permission::KbManage).await?;
    let a = actor(&ctx)?;
    let mut errors = FormErrors::default();
    let active = checkbox(&f.active);
    match serde_json::from_str::<serde_json::Value>(&f.json) {
        Err(e) => errors.add("json", format!("JSON sai cú pháp: {e}")),
        Ok(v)
            if v.get("ma_tthc").and_then(|c| c.as_str()).map(str::trim) != Some(code.as_str()) =>
        {
            errors.add("json", "Không được đổi mã thủ tục (ma_tthc).")
        }
        Ok(v) => match state
            .kb
            .save_procedure(&v, active, Some(f.version), &a)
            .await
        {
            Ok(_) => {
                return Ok(redirect_with(
                    &format!("/kb/procedures/{code}/history"),
                    "success",
                    ctx.tr.t("common.saved"),
                ));
            }
            Err(KbError::Invalid(p)) => {
                for p in p {
                    errors.add("json", format!("{}: {}", p.field, p.message));
                }
            }
            Err(e) => return Err(kb_error(&state, &ctx, e, &format!("procedure:{code}")).await),
        },
    }
    let page = EditPage {
        layout: Layout::with_title(
            &ctx,
            format!("{} — {code}", ctx.tr.t("kb.edit")),
            flash::read(&headers),
        ),
        code,
        json: f.json,
        active,
        version: f.version,
        errors,
    };
    let mut resp = render_page(&page, &headers)?;
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

/// The local copy form.
#[derive(Debug, Deserialize)]
pub struct LocalForm {
    tenant_id: String,
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    agency_name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    online_url: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    published: Option<String>,
}

/// `POST /kb/procedures/{code}/local`: a tenant's local copy (its agency, address, online page).
pub async fn save_local(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(f): Form<LocalForm>,
) -> Result<Response, AppError> {
    let a = actor(&ctx)?;
    let mut errors = FormErrors::default();
    let tenant = crate::forms::opt_id(&mut errors, "tenant_id", &f.tenant_id);
    let agency = crate::forms::opt_id(&mut errors, "agency_id", &f.agency_id);
    let Some(tenant) = tenant else {
        errors.add("tenant_id", "Vui lòng chọn đơn vị.");
        return procedure_page(
            &state,
            &ctx,
            &headers,
            &code,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let input = LocalCopyInput {
        agency_id: agency,
        agency_name: f.agency_name.chars().take(300).collect(),
        address: f.address.chars().take(1000).collect(),
        online_url: f.online_url.trim().to_owned(),
        note: f.note.chars().take(2000).collect(),
        published: checkbox(&f.published),
    };
    match state.kb.save_local_copy(&code, tenant, &input, &a).await {
        Ok(()) => Ok(redirect_with(
            &format!("/kb/procedures/{code}"),
            "success",
            ctx.tr.t("common.saved"),
        )),
        Err(KbError::Invalid(p)) => {
            for p in p {
                errors.add(&p.field, p.message);
            }
            procedure_page(
                &state,
                &ctx,
                &headers,
                &code,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(kb_error(&state, &ctx, e, &format!("procedure:{code}")).await),
    }
}

// ------------------------------------------------------------ import

#[derive(Template)]
#[template(path = "kb/import.html")]
struct ImportPage {
    layout: Layout,
    report: String,
    ok: bool,
}

/// `GET /kb/import`: the import form (the national catalogue: global administrators).
pub async fn import_page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    crate::auth::require_global(&state, &ctx, Permission::KbManage).await?;
    let page = ImportPage {
        layout: Layout::new(&ctx, "kb.import", flash::read(&headers)),
        report: String::new(),
        ok: true,
    };
    render_page(&page, &headers)
}

/// Largest import file accepted (50,000 procedures as XLSX is about 10 MB).
const MAX_IMPORT: usize = 64 * 1024 * 1024;

/// `POST /kb/import` (multipart: `file`, `dry_run`): the report on the same page.
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> Result<Response, AppError> {
    // Rights first: the body is read only for who may import.
    crate::auth::require_global(&state, &ctx, Permission::KbManage).await?;
    let a = actor(&ctx)?;
    let mut mp = <Multipart as axum::extract::FromRequest<AppState>>::from_request(req, &state)
        .await
        .map_err(|e| AppError::BadRequest(e.body_text()))?;
    let mut data: Option<(String, Vec<u8>)> = None;
    let mut dry_run = false;
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(e.to_string()))?
    {
        let name = field.name().unwrap_or("").to_owned();
        let file_name = field.file_name().unwrap_or("").to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        match name.as_str() {
            "file" => {
                if bytes.len() > MAX_IMPORT {
                    return Err(AppError::BadRequest(ctx.tr.t("kb.too_big").to_owned()));
                }
                data = Some((file_name, bytes.to_vec()));
            }
            "dry_run" => dry_run = !bytes.is_empty() && &bytes[..] != b"0",
            _ => {}
        }
    }
    let Some((name, bytes)) = data.filter(|d| !d.1.is_empty()) else {
        return Err(AppError::BadRequest(ctx.tr.t("kb.no_file").to_owned()));
    };
    let format = tongdai_kb::FileFormat::detect(&name, &bytes);
    let (report, ok) = match tongdai_kb::import::read(&bytes, format) {
        Err(e) => (e.to_string(), false),
        Ok(file) => match state
            .kb
            .import(
                &file,
                &tongdai_kb::ImportOptions {
                    dry_run,
                    source: name.chars().take(200).collect(),
                },
                &a,
            )
            .await
        {
            Ok(r) => (r.summary_vi(), r.rejected.is_empty()),
            Err(e) => return Err(kb_error(&state, &ctx, e, "kb:import").await),
        },
    };
    let page = ImportPage {
        layout: Layout::new(&ctx, "kb.import", flash::read(&headers)),
        report,
        ok,
    };
    let mut resp = render_page(&page, &headers)?;
    if !ok {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

// ------------------------------------------------------------ synonyms

/// Which list the synonyms page shows.
#[derive(Debug, Deserialize, Default)]
pub struct SynonymQuery {
    /// A tenant id, or empty for the global list.
    #[serde(default)]
    t: String,
}

#[derive(Template)]
#[template(path = "kb/synonyms.html")]
struct SynonymPage {
    layout: Layout,
    scopes: Vec<Choice>,
    scope: String,
    body: String,
    saved_by: String,
    errors: FormErrors,
}

async fn synonym_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    scope: String,
    body: Option<String>,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let principal = &ctx.user()?.principal;
    let global = principal.allows(Permission::KbManage, &Target::global());
    let tenants = tenants_with(state, ctx, Permission::KbManage).await?;
    let mut scopes = Vec::new();
    if global {
        scopes.push(Choice::new("", ctx.tr.t("kb.synonyms_global"), &scope));
    }
    for t in &tenants {
        scopes.push(Choice::new(t.id, t.name.clone(), &scope));
    }
    let tenant_id = scope.parse::<i64>().ok();
    let allowed = match tenant_id {
        None => global,
        Some(t) => tenants.iter().any(|x| x.id == t),
    };
    if !allowed {
        refuse(state, ctx, "KbManage", &format!("synonyms:{scope}")).await;
        return Err(AppError::Forbidden);
    }
    let (text, row) = state
        .kb
        .synonyms_text(tenant_id)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let saved_by = row
        .map(|r| {
            format!(
                "{} — {}",
                r.updated_by_name,
                ctx.tr.datetime(&tongdai_store::instant(r.updated_at))
            )
        })
        .unwrap_or_default();
    let page = SynonymPage {
        layout: Layout::new(ctx, "kb.synonyms", flash::read(headers)),
        scopes,
        scope,
        body: body.unwrap_or(text),
        saved_by,
        errors,
    };
    render_page(&page, headers)
}

/// `GET /kb/synonyms?t=`: a synonym list in the line format.
pub async fn synonyms(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<SynonymQuery>,
) -> Result<Response, AppError> {
    let mut scope = q.t.trim().to_owned();
    let principal = &ctx.user()?.principal;
    if scope.is_empty() && !principal.allows(Permission::KbManage, &Target::global()) {
        // A tenant's manager lands on their first tenant's list.
        if let Some(t) = tenants_with(&state, &ctx, Permission::KbManage)
            .await?
            .first()
        {
            scope = t.id.to_string();
        }
    }
    synonym_page(&state, &ctx, &headers, scope, None, FormErrors::default()).await
}

/// The synonym form.
#[derive(Debug, Deserialize)]
pub struct SynonymForm {
    #[serde(default)]
    t: String,
    body: String,
}

/// `POST /kb/synonyms`: save a list; searches use it at once.
pub async fn save_synonyms(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<SynonymForm>,
) -> Result<Response, AppError> {
    let a = actor(&ctx)?;
    let scope = f.t.trim().to_owned();
    let tenant_id = if scope.is_empty() {
        None
    } else {
        Some(
            scope
                .parse::<i64>()
                .map_err(|_| AppError::BadRequest("t".into()))?,
        )
    };
    match state.kb.save_synonyms(tenant_id, &f.body, &a).await {
        Ok(_) => Ok(redirect_with(
            &format!("/kb/synonyms?t={scope}"),
            "success",
            ctx.tr.t("common.saved"),
        )),
        Err(KbError::Invalid(p)) => {
            let mut errors = FormErrors::default();
            for p in p {
                errors.add("body", p.message);
            }
            let mut resp =
                synonym_page(&state, &ctx, &headers, scope, Some(f.body), errors).await?;
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(kb_error(&state, &ctx, e, &format!("synonyms:{scope}")).await),
    }
}

// ------------------------------------------------------------ FAQs

/// An FAQ in a list.
#[derive(Debug, Clone)]
pub struct FaqRowView {
    pub code: String,
    pub question: String,
    pub agency: String,
    pub status: String,
    pub status_code: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "kb/faqs.html")]
struct FaqListPage {
    layout: Layout,
    to_review: Vec<FaqRowView>,
    mine: Vec<FaqRowView>,
    published: Vec<FaqRowView>,
    can_write: bool,
}

async fn faq_row(state: &AppState, ctx: &Ctx, f: &Faq) -> Result<FaqRowView, AppError> {
    let agency = match f.row.agency_id {
        Some(a) => {
            let mut c = state.store.conn().await?;
            org::agency(&mut c, a).await?.name
        }
        None => String::new(),
    };
    Ok(FaqRowView {
        code: f.row.code.clone(),
        question: f.published.as_ref().unwrap_or(&f.draft).cau_hoi.clone(),
        agency,
        status: status_label(ctx, f.status),
        status_code: f.status.code().to_owned(),
        updated: ctx.tr.datetime(&tongdai_store::instant(f.row.updated_at)),
    })
}

fn action_label(ctx: &Ctx, code: &str) -> String {
    match FaqAction::parse(code) {
        Some(FaqAction::Create) => ctx.tr.t("kb.step_create"),
        Some(FaqAction::Edit) => ctx.tr.t("kb.step_edit"),
        Some(FaqAction::Submit) => ctx.tr.t("kb.step_submit"),
        Some(FaqAction::Approve) => ctx.tr.t("kb.step_approve"),
        Some(FaqAction::Reject) => ctx.tr.t("kb.step_reject"),
        Some(FaqAction::Withdraw) => ctx.tr.t("kb.step_withdraw"),
        None => code,
    }
    .to_owned()
}

fn status_label(ctx: &Ctx, s: FaqStatus) -> String {
    match s {
        FaqStatus::Draft => ctx.tr.t("kb.status_draft"),
        FaqStatus::Review => ctx.tr.t("kb.status_review"),
        FaqStatus::Published => ctx.tr.t("kb.status_published"),
        FaqStatus::Withdrawn => ctx.tr.t("kb.status_withdrawn"),
    }
    .to_owned()
}

/// `GET /kb/faqs`: FAQs waiting for me, my agency's, and the published ones I can see.
pub async fn faqs(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let principal = ctx.user()?.principal.clone();
    let scope = staff_scope(&state, &ctx).await?;
    let tenants = scope.faq_tenants.map(|t| t.into_iter().collect::<Vec<_>>());
    let all = state
        .kb
        .faqs(&FaqFilter {
            tenants,
            statuses: Vec::new(),
            limit: 2000,
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let (mut to_review, mut mine, mut published) = (Vec::new(), Vec::new(), Vec::new());
    for f in &all {
        let target = state
            .kb
            .faq_target(&f.row)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let can_review = principal.allows(Permission::KbReview, &target);
        let can_edit = principal.allows(Permission::KbEdit, &target);
        if f.status == FaqStatus::Review && can_review {
            to_review.push(faq_row(&state, &ctx, f).await?);
        } else if (can_edit || can_review) && f.status != FaqStatus::Published {
            mine.push(faq_row(&state, &ctx, f).await?);
        }
        if f.published.is_some() {
            published.push(faq_row(&state, &ctx, f).await?);
        }
    }
    let page = FaqListPage {
        layout: Layout::new(&ctx, "kb.faqs", flash::read(&headers)),
        to_review,
        mine,
        published,
        can_write: principal.has(Permission::KbEdit),
    };
    render_page(&page, &headers)
}

/// The FAQ form's values.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FaqForm {
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    cau_hoi: String,
    #[serde(default)]
    tra_loi: String,
    #[serde(default)]
    linh_vuc: String,
    #[serde(default)]
    tu_khoa: String,
    #[serde(default)]
    thu_tuc_lien_quan: String,
    #[serde(default)]
    version: i64,
    /// `save` or `submit`.
    #[serde(default)]
    action: String,
}

#[derive(Template)]
#[template(path = "kb/faq_form.html")]
struct FaqFormPage {
    layout: Layout,
    /// The FAQ's code when editing.
    code: Option<String>,
    agencies: Vec<Choice>,
    form: FaqForm,
    fields_hint: String,
    errors: FormErrors,
}

/// Agencies where the user may write FAQs.
async fn writable_agencies(state: &AppState, ctx: &Ctx) -> Result<Vec<org::Agency>, AppError> {
    let principal = &ctx.user()?.principal;
    let mut c = state.store.conn().await?;
    let mut out = Vec::new();
    for a in org::agencies(&mut c, None).await? {
        let target = Target {
            tenant_path: org::tenant_path(&mut c, a.tenant_id).await?,
            agency_id: Some(a.id),
        };
        if a.validity.to.is_none() && principal.allows(Permission::KbEdit, &target) {
            out.push(a);
        }
    }
    Ok(out)
}

/// Refuses (and audits) unless the user holds `p` on the agency.
async fn require_agency(
    state: &AppState,
    ctx: &Ctx,
    p: Permission,
    agency_id: i64,
) -> Result<(), AppError> {
    let target = {
        let mut c = state.store.conn().await?;
        let a = org::agency(&mut c, agency_id).await?;
        Target {
            tenant_path: org::tenant_path(&mut c, a.tenant_id).await?,
            agency_id: Some(a.id),
        }
    };
    crate::auth::require_at(state, ctx, p, &target, &format!("agency:{agency_id}")).await
}

/// The field names of an agency (ADM-5): the FAQ's fields must be among them.
async fn agency_fields(state: &AppState, agency_id: i64) -> Result<Vec<String>, AppError> {
    let mut c = state.store.conn().await?;
    let ids = org::agency_field_ids(&mut c, agency_id).await?;
    Ok(org::fields(&mut c)
        .await?
        .into_iter()
        .filter(|f| ids.contains(&f.id))
        .map(|f| f.name)
        .collect())
}

async fn faq_form_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    code: Option<String>,
    form: FaqForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let agencies = writable_agencies(state, ctx).await?;
    let mut hint = Vec::new();
    for a in &agencies {
        let fields = agency_fields(state, a.id).await?;
        if !fields.is_empty() {
            hint.push(format!("{}: {}", a.name, fields.join("; ")));
        }
    }
    let mut c = state.store.conn().await?;
    let mut choices = Vec::new();
    for a in &agencies {
        let tenant = org::tenant(&mut c, a.tenant_id).await?.name;
        choices.push(Choice::new(
            a.id,
            format!("{} ({tenant})", a.name),
            &form.agency_id,
        ));
    }
    let layout = if code.is_some() {
        Layout::new(ctx, "kb.faq_edit", flash::read(headers))
    } else {
        Layout::new(ctx, "kb.faq_new", flash::read(headers))
    };
    let page = FaqFormPage {
        layout,
        code,
        agencies: choices,
        form,
        fields_hint: hint.join(" · "),
        errors,
    };
    let mut resp = render_page(&page, headers)?;
    *resp.status_mut() = status;
    Ok(resp)
}

/// `GET /kb/faqs/new`
pub async fn faq_new(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    faq_form_page(
        &state,
        &ctx,
        &headers,
        None,
        FaqForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// Checks the form's fields against the agency's (when it has any); returns the content.
async fn content_of(
    state: &AppState,
    agency_id: i64,
    f: &FaqForm,
    errors: &mut FormErrors,
) -> Result<FaqContent, AppError> {
    let fields = split_list(&f.linh_vuc);
    let allowed = agency_fields(state, agency_id).await?;
    if !allowed.is_empty() {
        let folded: Vec<String> = allowed.iter().map(|a| fold(a)).collect();
        for x in &fields {
            if !folded.contains(&fold(x)) {
                errors.add(
                    "linh_vuc",
                    format!(
                        "Lĩnh vực «{x}» không thuộc cơ quan (chọn: {}).",
                        allowed.join("; ")
                    ),
                );
            }
        }
    }
    Ok(FaqContent {
        cau_hoi: f.cau_hoi.clone(),
        tra_loi: f.tra_loi.clone(),
        linh_vuc: fields,
        tu_khoa: split_list(&f.tu_khoa),
        thu_tuc_lien_quan: split_list(&f.thu_tuc_lien_quan)
            .into_iter()
            .flat_map(|s| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .collect(),
        co_quan: String::new(),
    })
}

/// `POST /kb/faqs`: a new FAQ (saved as a draft, or submitted for review).
pub async fn faq_create(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(f): Form<FaqForm>,
) -> Result<Response, AppError> {
    let a = actor(&ctx)?;
    let mut errors = FormErrors::default();
    let agency = crate::forms::opt_id(&mut errors, "agency_id", &f.agency_id);
    let Some(agency) = agency else {
        if !errors.has("agency_id") {
            errors.add("agency_id", "Vui lòng chọn cơ quan.");
        }
        return faq_form_page(
            &state,
            &ctx,
            &headers,
            None,
            f,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    require_agency(&state, &ctx, Permission::KbEdit, agency).await?;
    let content = content_of(&state, agency, &f, &mut errors).await?;
    if !errors.is_empty() {
        return faq_form_page(
            &state,
            &ctx,
            &headers,
            None,
            f,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match state
        .kb
        .create_faq(agency, content, f.action == "submit", &a)
        .await
    {
        Ok(faq) => Ok(redirect_with(
            &format!("/kb/faqs/{}", faq.row.code),
            "success",
            ctx.tr.t("common.saved"),
        )),
        Err(KbError::Invalid(p)) => {
            for p in p {
                errors.add(&p.field, p.message);
            }
            faq_form_page(
                &state,
                &ctx,
                &headers,
                None,
                f,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(kb_error(&state, &ctx, e, &format!("agency:{agency}")).await),
    }
}

async fn load_faq(state: &AppState, code: &str) -> Result<Faq, AppError> {
    state
        .kb
        .faq_by_code(code)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .ok_or(AppError::NotFound)
}

/// A step of an FAQ's history as shown.
#[derive(Debug, Clone)]
pub struct HistoryView {
    pub action: String,
    pub by: String,
    pub at: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "kb/faq.html")]
struct FaqPage {
    layout: Layout,
    code: String,
    status: String,
    status_code: String,
    version: i64,
    agency: String,
    draft: FaqContent,
    published: Option<FaqContent>,
    draft_differs: bool,
    review_note: String,
    history: Vec<HistoryView>,
    can_edit: bool,
    can_submit: bool,
    can_review: bool,
    can_withdraw: bool,
}

/// `GET /kb/faqs/{faq}`: an FAQ with its state, history and the steps the user may take.
pub async fn faq_page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let f = load_faq(&state, &code).await?;
    let target = state
        .kb
        .faq_target(&f.row)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let principal = &ctx.user()?.principal;
    let can_edit = principal.allows(Permission::KbEdit, &target);
    let can_review = principal.allows(Permission::KbReview, &target);
    // Unpublished text belongs to the agency until approved.
    if f.published.is_none() && !can_edit && !can_review {
        refuse(&state, &ctx, "KbEdit", &format!("faq:{code}")).await;
        return Err(AppError::Forbidden);
    }
    let history = state
        .kb
        .faq_history(f.row.id)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .into_iter()
        .map(|h| HistoryView {
            action: action_label(&ctx, &h.action),
            by: h.actor_name,
            at: ctx.tr.datetime(&tongdai_store::instant(h.created_at)),
            note: h.note,
        })
        .collect();
    let agency = match f.row.agency_id {
        Some(a) => {
            let mut c = state.store.conn().await?;
            org::agency(&mut c, a).await?.name
        }
        None => String::new(),
    };
    let page = FaqPage {
        layout: Layout::with_title(
            &ctx,
            f.published.as_ref().unwrap_or(&f.draft).cau_hoi.clone(),
            flash::read(&headers),
        ),
        code: f.row.code.clone(),
        status: status_label(&ctx, f.status),
        status_code: f.status.code().to_owned(),
        version: f.row.version,
        agency,
        draft_differs: f.published.as_ref() != Some(&f.draft),
        draft: f.draft.clone(),
        published: f.published.clone(),
        review_note: f.row.review_note.clone(),
        history,
        can_edit,
        can_submit: can_edit && f.status == FaqStatus::Draft,
        can_review: can_review && f.status == FaqStatus::Review,
        can_withdraw: can_review && f.published.is_some(),
    };
    render_page(&page, &headers)
}

/// `GET /kb/faqs/{faq}/edit`
pub async fn faq_edit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let f = load_faq(&state, &code).await?;
    let target = state
        .kb
        .faq_target(&f.row)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if !ctx.user()?.principal.allows(Permission::KbEdit, &target) {
        refuse(&state, &ctx, "KbEdit", &format!("faq:{code}")).await;
        return Err(AppError::Forbidden);
    }
    let form = FaqForm {
        agency_id: f.row.agency_id.map(|a| a.to_string()).unwrap_or_default(),
        cau_hoi: f.draft.cau_hoi.clone(),
        tra_loi: f.draft.tra_loi.clone(),
        linh_vuc: f.draft.linh_vuc.join("; "),
        tu_khoa: f.draft.tu_khoa.join("; "),
        thu_tuc_lien_quan: f.draft.thu_tuc_lien_quan.join(", "),
        version: f.row.version,
        action: String::new(),
    };
    faq_form_page(
        &state,
        &ctx,
        &headers,
        Some(code),
        form,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /kb/faqs/{faq}`: save an edit (and submit it when asked).
pub async fn faq_update(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(f): Form<FaqForm>,
) -> Result<Response, AppError> {
    let a = actor(&ctx)?;
    let faq = load_faq(&state, &code).await?;
    let target = state
        .kb
        .faq_target(&faq.row)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    crate::auth::require_at(
        &state,
        &ctx,
        Permission::KbEdit,
        &target,
        &format!("faq:{code}"),
    )
    .await?;
    let mut errors = FormErrors::default();
    let content = content_of(&state, faq.row.agency_id.unwrap_or(0), &f, &mut errors).await?;
    if !errors.is_empty() {
        return faq_form_page(
            &state,
            &ctx,
            &headers,
            Some(code),
            f,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let result = match state.kb.edit_faq(faq.row.id, f.version, content, &a).await {
        Ok(saved) if f.action == "submit" => {
            state
                .kb
                .faq_step(saved.row.id, saved.row.version, FaqAction::Submit, "", &a)
                .await
        }
        other => other,
    };
    match result {
        Ok(_) => Ok(redirect_with(
            &format!("/kb/faqs/{code}"),
            "success",
            ctx.tr.t("common.saved"),
        )),
        Err(KbError::Invalid(p)) => {
            for p in p {
                errors.add(&p.field, p.message);
            }
            faq_form_page(
                &state,
                &ctx,
                &headers,
                Some(code),
                f,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(kb_error(&state, &ctx, e, &format!("faq:{code}")).await),
    }
}

/// The form of a workflow step.
#[derive(Debug, Deserialize)]
pub struct StepForm {
    version: i64,
    #[serde(default)]
    note: String,
}

async fn step(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    action: FaqAction,
    f: StepForm,
) -> Result<Response, AppError> {
    let a = actor(ctx)?;
    let faq = load_faq(state, code).await?;
    match state
        .kb
        .faq_step(faq.row.id, f.version, action, &f.note, &a)
        .await
    {
        Ok(_) => Ok(redirect_with(
            &format!("/kb/faqs/{code}"),
            "success",
            ctx.tr.t("common.saved"),
        )),
        Err(KbError::Invalid(p)) => Ok(redirect_with(
            &format!("/kb/faqs/{code}"),
            "error",
            &p.iter()
                .map(|p| p.message.clone())
                .collect::<Vec<_>>()
                .join(" "),
        )),
        Err(KbError::Workflow(m)) => Ok(redirect_with(&format!("/kb/faqs/{code}"), "error", &m)),
        Err(e) => Err(kb_error(state, ctx, e, &format!("faq:{code}")).await),
    }
}

/// `POST /kb/faqs/{faq}/submit`
pub async fn faq_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<StepForm>,
) -> Result<Response, AppError> {
    step(&state, &ctx, &code, FaqAction::Submit, f).await
}

/// `POST /kb/faqs/{faq}/approve`
pub async fn faq_approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<StepForm>,
) -> Result<Response, AppError> {
    step(&state, &ctx, &code, FaqAction::Approve, f).await
}

/// `POST /kb/faqs/{faq}/reject`
pub async fn faq_reject(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<StepForm>,
) -> Result<Response, AppError> {
    step(&state, &ctx, &code, FaqAction::Reject, f).await
}

/// `POST /kb/faqs/{faq}/withdraw`
pub async fn faq_withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<StepForm>,
) -> Result<Response, AppError> {
    step(&state, &ctx, &code, FaqAction::Withdraw, f).await
}

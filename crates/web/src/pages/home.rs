//! The start page: what the signed-in user can do, by role.

use super::render_page;
use crate::auth::Ctx;
use crate::error::AppError;
use crate::flash;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use tongdai_domain::access::Permission;
use tongdai_store::org;

/// A tile on the start page.
#[derive(Debug, Clone)]
pub struct Tile {
    pub href: String,
    pub title: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    roles: Vec<String>,
    tiles: Vec<Tile>,
}

/// `GET /`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let p = &user.principal;
    let tr = ctx.tr;
    let mut tiles = Vec::new();
    let mut tile = |href: String, title: &str, text: String| {
        tiles.push(Tile {
            href,
            title: tr.t(title).to_owned(),
            text,
        })
    };
    let mut c = state.store.conn().await?;
    for agency_id in p.agency_ids() {
        let a = org::agency(&mut c, agency_id).await?;
        tile(format!("/agencies/{agency_id}"), "home.my_agency", a.name);
    }
    if p.has(Permission::DirectoryRead) {
        tile(
            "/directory".into(),
            "nav.directory",
            tr.t("home.directory_text").to_owned(),
        );
    }
    if p.has(Permission::OrgManage) {
        tile(
            "/admin/tenants".into(),
            "admin.tenants",
            tr.t("home.tenants_text").to_owned(),
        );
        tile(
            "/admin/agencies".into(),
            "admin.agencies",
            tr.t("home.agencies_text").to_owned(),
        );
    }
    if p.has(Permission::AccountsManage) {
        tile(
            "/admin/accounts".into(),
            "admin.accounts",
            tr.t("home.accounts_text").to_owned(),
        );
    }
    if p.has(Permission::CalendarManage) {
        tile(
            "/admin/calendar".into(),
            "admin.calendar",
            tr.t("home.calendar_text").to_owned(),
        );
    }
    if p.has(Permission::AuditRead) {
        tile(
            "/audit".into(),
            "nav.audit",
            tr.t("home.audit_text").to_owned(),
        );
    }
    tile(
        "/account".into(),
        "nav.account",
        tr.t("home.account_text").to_owned(),
    );
    let roles = p
        .roles()
        .into_iter()
        .map(|r| {
            if tr.locale == crate::i18n::Locale::En {
                r.label_en()
            } else {
                r.label_vi()
            }
            .to_owned()
        })
        .collect();
    let page = HomePage {
        layout: Layout::new(&ctx, "home.title", flash::read(&headers)),
        roles,
        tiles,
    };
    render_page(&page, &headers)
}

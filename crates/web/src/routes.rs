//! The route table: every route with the rule that guards it.
//!
//! Architecture Invariant: the router is built only from [`table`], and each entry's [`Access`]
//! is enforced before its handler runs; handlers then check the scope of the resource they
//! load (`auth::require_at`). The access test and the OpenAPI document walk the same table.

use crate::auth::{self, Access};
use crate::pages::{account, admin, agency, api, audit, health, home, login};
use crate::state::AppState;
use crate::{assets, csrf};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use tongdai_domain::access::Permission::*;

/// One route: method, path (axum syntax), who may use it, and a one-line summary.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
    /// Served without the request context (static files, health check): no session lookup.
    pub bare: bool,
}

fn r(method: Method, path: &'static str, access: Access, summary: &'static str) -> RouteSpec {
    RouteSpec {
        method,
        path,
        access,
        summary,
        bare: false,
    }
}

/// Every route and its handler.
pub fn table() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use Access::*;
    let g = Method::GET;
    let p = Method::POST;
    vec![
        (
            RouteSpec {
                bare: true,
                ..r(
                    g.clone(),
                    "/healthz",
                    Public,
                    "Health check: 200 when the database answers",
                )
            },
            get(health::healthz),
        ),
        (
            RouteSpec {
                bare: true,
                ..r(
                    g.clone(),
                    "/static/{name}",
                    Public,
                    "Embedded static assets",
                )
            },
            get(assets::serve),
        ),
        (
            r(g.clone(), "/login", Public, "Login page"),
            get(login::page),
        ),
        (
            r(
                p.clone(),
                "/login",
                Public,
                "Log in with username and password",
            ),
            post(login::submit),
        ),
        (
            r(g.clone(), "/login/totp", SecondFactor, "Second-factor page"),
            get(login::totp_page),
        ),
        (
            r(
                p.clone(),
                "/login/totp",
                SecondFactor,
                "Check the TOTP code",
            ),
            post(login::totp_submit),
        ),
        (
            r(p.clone(), "/logout", Public, "Log out"),
            post(login::logout),
        ),
        (
            r(g.clone(), "/lang", Public, "Switch the interface language"),
            get(login::switch_language),
        ),
        (
            r(g.clone(), "/", Authenticated, "Start page"),
            get(home::page),
        ),
        (
            r(g.clone(), "/account", Authenticated, "Own account"),
            get(account::page),
        ),
        (
            r(
                g.clone(),
                "/account/password",
                Setup,
                "Password change form",
            ),
            get(account::password_page),
        ),
        (
            r(p.clone(), "/account/password", Setup, "Change own password"),
            post(account::password_submit),
        ),
        (
            r(g.clone(), "/account/totp", Setup, "Second-factor enrolment"),
            get(account::totp_page),
        ),
        (
            r(
                p.clone(),
                "/account/totp",
                Setup,
                "Confirm second-factor enrolment",
            ),
            post(account::totp_confirm),
        ),
        (
            r(
                p.clone(),
                "/account/totp/disable",
                Authenticated,
                "Turn the second factor off",
            ),
            post(account::totp_disable),
        ),
        (
            r(
                p.clone(),
                "/account/tokens",
                Authenticated,
                "Create a personal API token",
            ),
            post(account::token_create),
        ),
        (
            r(
                p.clone(),
                "/account/tokens/{id}/revoke",
                Authenticated,
                "Revoke a personal API token",
            ),
            post(account::token_revoke),
        ),
        (
            r(
                g.clone(),
                "/directory",
                Perm(DirectoryRead),
                "Directory of agencies and focal officers",
            ),
            get(agency::directory),
        ),
        (
            r(
                g.clone(),
                "/agencies/{id}",
                Perm(AgencyRead),
                "An agency's page",
            ),
            get(agency::page),
        ),
        (
            r(
                p.clone(),
                "/agencies/{id}/contacts",
                Perm(AgencyContactsEdit),
                "Add a contact to an agency",
            ),
            post(agency::add_contact),
        ),
        (
            r(
                p.clone(),
                "/agencies/{id}/contacts/{contact}",
                Perm(AgencyContactsEdit),
                "Change an agency contact",
            ),
            post(agency::update_contact),
        ),
        (
            r(g.clone(), "/audit", Perm(AuditRead), "Audit log"),
            get(audit::page),
        ),
        (
            r(g.clone(), "/admin", Perm(OrgRead), "Administration index"),
            get(admin::index),
        ),
        (
            r(g.clone(), "/admin/tenants", Perm(OrgManage), "Tenants"),
            get(admin::tenants::list),
        ),
        (
            r(
                g.clone(),
                "/admin/tenants/new",
                Perm(OrgManage),
                "New tenant form",
            ),
            get(admin::tenants::new),
        ),
        (
            r(
                p.clone(),
                "/admin/tenants",
                Perm(OrgManage),
                "Create a tenant",
            ),
            post(admin::tenants::create),
        ),
        (
            r(
                g.clone(),
                "/admin/tenants/{id}",
                Perm(OrgManage),
                "Tenant form",
            ),
            get(admin::tenants::edit),
        ),
        (
            r(
                p.clone(),
                "/admin/tenants/{id}",
                Perm(OrgManage),
                "Change a tenant",
            ),
            post(admin::tenants::update),
        ),
        (
            r(
                p.clone(),
                "/admin/tenants/{id}/hotlines",
                Perm(OrgManage),
                "Add a hotline number",
            ),
            post(admin::tenants::add_hotline),
        ),
        (
            r(
                p.clone(),
                "/admin/tenants/{id}/hotlines/{hotline}/end",
                Perm(OrgManage),
                "End a hotline number",
            ),
            post(admin::tenants::end_hotline),
        ),
        (
            r(
                p.clone(),
                "/admin/tenants/{id}/lineage",
                Perm(OrgManage),
                "Record a tenant's predecessor",
            ),
            post(admin::tenants::add_lineage),
        ),
        (
            r(g.clone(), "/admin/agencies", Perm(OrgManage), "Agencies"),
            get(admin::agencies::list),
        ),
        (
            r(
                g.clone(),
                "/admin/agencies/new",
                Perm(OrgManage),
                "New agency form",
            ),
            get(admin::agencies::new),
        ),
        (
            r(
                p.clone(),
                "/admin/agencies",
                Perm(OrgManage),
                "Create an agency",
            ),
            post(admin::agencies::create),
        ),
        (
            r(
                g.clone(),
                "/admin/agencies/{id}",
                Perm(OrgManage),
                "Agency form",
            ),
            get(admin::agencies::edit),
        ),
        (
            r(
                p.clone(),
                "/admin/agencies/{id}",
                Perm(OrgManage),
                "Change an agency",
            ),
            post(admin::agencies::update),
        ),
        (
            r(
                p.clone(),
                "/admin/agencies/{id}/lineage",
                Perm(OrgManage),
                "Record an agency's predecessor",
            ),
            post(admin::agencies::add_lineage),
        ),
        (
            r(
                g.clone(),
                "/admin/units",
                Perm(OrgRead),
                "Administrative units",
            ),
            get(admin::units::list),
        ),
        (
            r(
                g.clone(),
                "/admin/units/{id}",
                Perm(OrgRead),
                "An administrative unit and its lineage",
            ),
            get(admin::units::detail),
        ),
        (
            r(
                p.clone(),
                "/admin/units/import",
                Perm(OrgManage),
                "Import administrative units from CSV",
            ),
            post(admin::units::import),
        ),
        (
            r(
                g.clone(),
                "/admin/fields",
                Perm(OrgManage),
                "Fields and case categories",
            ),
            get(admin::fields::page),
        ),
        (
            r(
                p.clone(),
                "/admin/fields",
                Perm(OrgManage),
                "Create a field",
            ),
            post(admin::fields::create_field),
        ),
        (
            r(
                p.clone(),
                "/admin/fields/{id}",
                Perm(OrgManage),
                "Change a field",
            ),
            post(admin::fields::update_field),
        ),
        (
            r(
                p.clone(),
                "/admin/categories",
                Perm(OrgManage),
                "Create a case category",
            ),
            post(admin::fields::create_category),
        ),
        (
            r(
                p.clone(),
                "/admin/categories/{id}",
                Perm(OrgManage),
                "Change a case category",
            ),
            post(admin::fields::update_category),
        ),
        (
            r(
                g.clone(),
                "/admin/accounts",
                Perm(AccountsManage),
                "Accounts",
            ),
            get(admin::accounts::list),
        ),
        (
            r(
                g.clone(),
                "/admin/accounts/new",
                Perm(AccountsManage),
                "New account form",
            ),
            get(admin::accounts::new),
        ),
        (
            r(
                p.clone(),
                "/admin/accounts",
                Perm(AccountsManage),
                "Create an account",
            ),
            post(admin::accounts::create),
        ),
        (
            r(
                g.clone(),
                "/admin/accounts/{id}",
                Perm(AccountsManage),
                "Account form",
            ),
            get(admin::accounts::edit),
        ),
        (
            r(
                p.clone(),
                "/admin/accounts/{id}",
                Perm(AccountsManage),
                "Change an account",
            ),
            post(admin::accounts::update),
        ),
        (
            r(
                p.clone(),
                "/admin/accounts/{id}/password",
                Perm(AccountsManage),
                "Set a temporary password",
            ),
            post(admin::accounts::reset_password),
        ),
        (
            r(
                p.clone(),
                "/admin/accounts/{id}/unlock",
                Perm(AccountsManage),
                "Lift a lock-out",
            ),
            post(admin::accounts::unlock),
        ),
        (
            r(
                p.clone(),
                "/admin/accounts/{id}/totp/reset",
                Perm(AccountsManage),
                "Reset an account's second factor",
            ),
            post(admin::accounts::reset_totp),
        ),
        (
            r(
                p.clone(),
                "/admin/accounts/{id}/grants",
                Perm(AccountsManage),
                "Grant a role",
            ),
            post(admin::accounts::add_grant),
        ),
        (
            r(
                p.clone(),
                "/admin/accounts/{id}/grants/revoke",
                Perm(AccountsManage),
                "Withdraw a role",
            ),
            post(admin::accounts::revoke_grant),
        ),
        (
            r(
                g.clone(),
                "/admin/security",
                Perm(SecurityManage),
                "Security settings",
            ),
            get(admin::security::page),
        ),
        (
            r(
                p.clone(),
                "/admin/security",
                Perm(SecurityManage),
                "Change security settings",
            ),
            post(admin::security::save),
        ),
        (
            r(
                g.clone(),
                "/admin/calendar",
                Perm(CalendarManage),
                "Working calendar: month view and settings",
            ),
            get(admin::calendar::page),
        ),
        (
            r(
                p.clone(),
                "/admin/calendar/days",
                Perm(CalendarManage),
                "Declare a day off, make-up day or special hours",
            ),
            post(admin::calendar::declare_day),
        ),
        (
            r(
                p.clone(),
                "/admin/calendar/days/delete",
                Perm(CalendarManage),
                "Remove a declared day",
            ),
            post(admin::calendar::remove_day),
        ),
        (
            r(
                p.clone(),
                "/admin/calendar/hours",
                Perm(CalendarManage),
                "Office hours per weekday",
            ),
            post(admin::calendar::set_hours),
        ),
        (
            r(
                p.clone(),
                "/admin/calendar/rules",
                Perm(CalendarManage),
                "Enable or disable holiday rules",
            ),
            post(admin::calendar::set_rules),
        ),
        (
            r(
                g.clone(),
                "/api/openapi.json",
                Public,
                "This OpenAPI document",
            ),
            get(api::openapi),
        ),
        (
            r(
                g.clone(),
                "/api/v1/me",
                Authenticated,
                "The caller's account and roles",
            ),
            get(api::me),
        ),
        (
            r(
                g.clone(),
                "/api/v1/agencies",
                Perm(AgencyRead),
                "Agencies the caller may read",
            ),
            get(api::agencies),
        ),
        (
            r(
                g,
                "/api/v1/agencies/{id}",
                Perm(AgencyRead),
                "One agency with its contacts",
            ),
            get(api::agency),
        ),
    ]
}

/// The route specs alone (for tests and documentation).
pub fn specs() -> Vec<RouteSpec> {
    table().into_iter().map(|(s, _)| s).collect()
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
            ),
        );
    }
    if !h.contains_key(header::X_FRAME_OPTIONS) && !h.contains_key("x-frame-allowed") {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.remove("x-frame-allowed");
    resp
}

/// Build the application router from the table.
pub fn router(state: AppState) -> Router {
    let mut app: Router<AppState> = Router::new();
    let mut bare: Router<AppState> = Router::new();
    for (spec, method_router) in table() {
        if spec.bare {
            // Bare routes are public by construction (checked by a test).
            bare = bare.route(spec.path, method_router);
            continue;
        }
        let access = spec.access;
        let guarded = method_router.route_layer(from_fn_with_state(
            state.clone(),
            move |State(s): State<AppState>, req: Request, next: Next| {
                auth::enforce(s, access, req, next)
            },
        ));
        app = app.route(spec.path, guarded);
    }
    let body_limit = state.settings.max_body_bytes;
    let app = app
        .layer(from_fn_with_state(state.clone(), crate::forms::nfc_form))
        .layer(from_fn_with_state(state.clone(), csrf::protect))
        .layer(from_fn_with_state(state.clone(), auth::load_context))
        .merge(bare)
        .fallback(|| async { crate::error::AppError::NotFound })
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http());
    app.with_state(state)
}

/// The OpenAPI 3.1 document of the JSON API, generated from the route table.
pub fn openapi_document() -> serde_json::Value {
    let mut paths = serde_json::Map::new();
    for s in specs().into_iter().filter(|s| s.path.starts_with("/api/")) {
        let method = s.method.as_str().to_lowercase();
        let params: Vec<serde_json::Value> = s
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|x| x.strip_suffix('}')))
            .map(|name| serde_json::json!({ "name": name, "in": "path", "required": true, "schema": { "type": "integer" } }))
            .collect();
        let security = match s.access {
            Access::Public => serde_json::json!([]),
            _ => serde_json::json!([{ "bearerToken": [] }, { "sessionCookie": [] }]),
        };
        let op = serde_json::json!({
            "summary": s.summary,
            "parameters": params,
            "security": security,
            "x-permission": match s.access { Access::Perm(p) => format!("{p:?}"), other => format!("{other:?}") },
            "responses": {
                "200": { "description": "OK" },
                "401": { "description": "Not signed in" },
                "403": { "description": "Not allowed" },
            },
        });
        let entry = paths
            .entry(s.path.to_owned())
            .or_insert_with(|| serde_json::json!({}));
        if let Some(obj) = entry.as_object_mut() {
            obj.insert(method, op);
        }
    }
    serde_json::json!({
        "openapi": "3.1.0",
        "info": { "title": "tongdai API", "version": env!("CARGO_PKG_VERSION"), "description": "API của hệ thống tổng đài hỗ trợ thủ tục hành chính và tiếp nhận phản ánh, kiến nghị." },
        "paths": paths,
        "components": { "securitySchemes": {
            "bearerToken": { "type": "http", "scheme": "bearer", "description": "Personal API token (td_…), created on the account page" },
            "sessionCookie": { "type": "apiKey", "in": "cookie", "name": auth::SESSION_COOKIE },
        } },
    })
}

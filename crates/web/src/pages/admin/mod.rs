//! Administration pages (ORG-1, ADM-1, ADM-2, ADM-4, ADM-5, SEC-1): the organisation tree,
//! agencies, administrative units, fields and categories, accounts and roles, security and the
//! working calendar. Every change is written to the audit log in the same transaction.

pub mod accounts;
pub mod agencies;
pub mod calendar;
pub mod fields;
pub mod security;
pub mod tenants;
pub mod units;

use super::render_page;
use crate::auth::Ctx;
use crate::error::AppError;
use crate::layout::Layout;
use askama::Template;
use axum::http::HeaderMap;
use axum::response::Response;
use tongdai_domain::access::Permission;

/// An entry of the administration index.
#[derive(Debug, Clone)]
pub struct AdminLink {
    pub href: &'static str,
    pub title: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "admin/index.html")]
struct IndexPage {
    layout: Layout,
    links: Vec<AdminLink>,
}

/// `GET /admin`
pub async fn index(ctx: Ctx, headers: HeaderMap) -> Result<Response, AppError> {
    let p = &ctx.user()?.principal;
    let tr = ctx.tr;
    let mut links = Vec::new();
    let mut link = |href: &'static str, title: &str, text: &str| {
        links.push(AdminLink {
            href,
            title: tr.t(title).to_owned(),
            text: tr.t(text).to_owned(),
        })
    };
    if p.has(Permission::OrgManage) {
        link("/admin/tenants", "admin.tenants", "home.tenants_text");
        link("/admin/agencies", "admin.agencies", "home.agencies_text");
        link("/admin/units", "admin.units", "admin.units_text");
        link("/admin/fields", "admin.fields", "admin.fields_text");
    }
    if p.has(Permission::AccountsManage) {
        link("/admin/accounts", "admin.accounts", "home.accounts_text");
    }
    if p.has(Permission::SecurityManage) {
        link("/admin/security", "admin.security", "admin.security_text");
    }
    if p.has(Permission::CalendarManage) {
        link("/admin/calendar", "admin.calendar", "home.calendar_text");
    }
    if p.has(Permission::AuditRead) {
        link("/audit", "nav.audit", "home.audit_text");
    }
    render_page(
        &IndexPage {
            layout: Layout::new(&ctx, "nav.admin", None),
            links,
        },
        &headers,
    )
}

/// A choice in a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    /// A choice, selected when `value == current`.
    pub fn new(value: impl ToString, label: impl Into<String>, current: &str) -> Choice {
        let value = value.to_string();
        Choice {
            selected: value == current,
            value,
            label: label.into(),
        }
    }
}

/// The ISO form of an optional date, for `<input type=date>`.
pub fn iso(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

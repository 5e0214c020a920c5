//! What the page frame (`base.html`) shows: title, menu for the user's permissions, the
//! signed-in user, the flash message, the CSRF token for forms and htmx.

use crate::auth::{Ctx, Pending};
use crate::flash::Flash;
use crate::i18n::Tr;
use tongdai_domain::access::Permission;

/// One menu entry.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: String,
    pub label: String,
    pub active: bool,
}

/// The frame of every page.
#[derive(Debug, Clone)]
pub struct Layout {
    pub tr: Tr,
    pub title: String,
    pub csrf: String,
    pub user_name: String,
    pub signed_in: bool,
    pub nav: Vec<NavItem>,
    pub flash: Option<Flash>,
    pub path: String,
    /// Whether the user has an operator console: pages then offer click-to-call (TEL-10).
    pub console: bool,
    /// This page (path and query), URL-encoded for the language switch's `next`, so that
    /// switching keeps the month, the filter or the search on screen.
    pub next: String,
}

impl Layout {
    /// The frame for a page titled by a catalogue key.
    pub fn new(ctx: &Ctx, title_key: &str, flash: Option<Flash>) -> Layout {
        let tr = ctx.tr;
        Layout::with_title(ctx, tr.t(title_key).to_owned(), flash)
    }

    /// The frame with a title given as text (e.g. an agency's name).
    pub fn with_title(ctx: &Ctx, title: String, flash: Option<Flash>) -> Layout {
        let tr = ctx.tr;
        let mut nav = Vec::new();
        let mut item = |href: String, key: &str| {
            let active = if href == "/" {
                ctx.path == "/"
            } else if href == "/cases" {
                // The list and the case pages, not every page under it (intake, logbook).
                ctx.path == "/cases"
                    || ctx
                        .path
                        .strip_prefix("/cases/")
                        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
            } else if href == "/admin" {
                // Telephony administration has its own entry.
                ctx.path.starts_with("/admin") && !ctx.path.starts_with("/admin/telephony")
            } else {
                ctx.path.starts_with(&href)
            };
            nav.push(NavItem {
                href,
                label: tr.t(key).to_owned(),
                active,
            });
        };
        let signed_in = ctx
            .user
            .as_ref()
            .is_some_and(|u| u.pending == Pending::None);
        if let Some(u) = ctx.user.as_ref().filter(|_| signed_in) {
            let p = &u.principal;
            item("/".into(), "nav.home");
            if p.has(Permission::KbRead) {
                item("/kb".into(), "nav.kb");
            }
            if p.has(Permission::CaseRead) {
                item("/cases".into(), "cases.nav");
            }
            if p.has(Permission::CaseIntake) {
                item("/cases/new".into(), "intake.nav");
            }
            if p.has(Permission::LogbookRead) {
                item("/cases/logbook".into(), "logbook.nav");
            }
            if p.has(Permission::RoutingManage) {
                item("/cases/routing".into(), "routing.nav");
            }
            if p.has(Permission::CaseReports) {
                item("/summaries".into(), "summaries.nav");
            }
            if p.has(Permission::DirectoryRead) {
                item("/directory".into(), "nav.directory");
            }
            for agency in p.agency_ids() {
                item(format!("/agencies/{agency}"), "nav.my_agency");
            }
            if p.has(Permission::OrgManage)
                || p.has(Permission::AccountsManage)
                || p.has(Permission::CalendarManage)
            {
                item("/admin".into(), "nav.admin");
            } else if p.has(Permission::OrgRead) {
                item("/admin/units".into(), "nav.units");
            }
            if p.has(Permission::TelephonyManage) {
                item("/admin/telephony".into(), "tel.nav_admin");
            }
            if p.has(Permission::ConsoleUse) {
                item("/console".into(), "console.nav");
                item("/roster".into(), "roster.nav");
                item("/callbacks".into(), "callbacks.nav");
            }
            if p.has(Permission::ConsoleSupervise) {
                item("/wallboard".into(), "wallboard.nav");
            }
            if p.has(Permission::CallRecordsRead) {
                item("/telephony/calls".into(), "tel.nav_calls");
            }
            if p.has(Permission::RecordingAccess) {
                item("/telephony/recordings".into(), "tel.nav_recordings");
            }
            if p.has(Permission::AuditRead) {
                item("/audit".into(), "nav.audit");
            }
        }
        Layout {
            tr,
            title,
            csrf: ctx.csrf.clone(),
            user_name: ctx
                .user
                .as_ref()
                .map(|u| u.account.display_name.clone())
                .unwrap_or_default(),
            signed_in,
            console: signed_in
                && ctx
                    .user
                    .as_ref()
                    .is_some_and(|u| u.principal.has(Permission::ConsoleUse)),
            nav,
            flash,
            path: ctx.path.clone(),
            next: crate::auth::urlencode(&ctx.uri),
        }
    }
}

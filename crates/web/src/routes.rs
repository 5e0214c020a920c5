//! The route table: every route with the rule that guards it.
//!
//! Architecture Invariant: the router is built only from [`table`], and each entry's [`Access`]
//! is enforced before its handler runs; handlers then check the scope of the resource they
//! load (`auth::require_at`). The access test and the OpenAPI document walk the same table.

use crate::auth::{self, Access};
use crate::pages::{
    account, admin, agency, api, audit, cases, console, health, home, kb, login, notifications,
    public, public_kb, roster, telephony, wallboard,
};
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
    /// Query parameters, for the OpenAPI document: (name, description).
    pub query: &'static [(&'static str, &'static str)],
}

fn r(method: Method, path: &'static str, access: Access, summary: &'static str) -> RouteSpec {
    RouteSpec {
        method,
        path,
        access,
        summary,
        bare: false,
        query: &[],
    }
}

/// Query parameters of the knowledge-base search API.
const KB_SEARCH_QUERY: &[(&str, &str)] = &[
    ("q", "What the citizen typed, with or without diacritics"),
    ("limit", "Most hits (1–100, default 10)"),
    ("kind", "procedure or faq (default: both)"),
    (
        "t",
        "Tenant code: its synonyms and its FAQs (default: everything)",
    ),
];
const KB_TENANT_QUERY: &[(&str, &str)] = &[("t", "Tenant code: its local copy and its FAQs")];
/// Query parameters of the console's event stream.
const TEL_EVENTS_QUERY: &[(&str, &str)] = &[(
    "since",
    "Resume after this sequence number (as the Last-Event-ID header)",
)];
/// Query parameters of the call records API.
const TEL_CALLS_QUERY: &[(&str, &str)] = &[
    (
        "since",
        "Calls that arrived at or after this instant (RFC 3339)",
    ),
    ("until", "Calls that arrived before this instant (RFC 3339)"),
    ("agent", "Calls answered by this agent (extension)"),
    ("limit", "Most records (1–5000, default 500)"),
];

/// Query parameters of the console's screen pop.
const CONSOLE_POP_QUERY: &[(&str, &str)] = &[
    ("number", "The caller's number (+84…)"),
    ("call", "The call's id (linked to the new case)"),
    ("format", "json for JSON (default: an HTML fragment)"),
];

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
                "/kb",
                Perm(KbRead),
                "Knowledge base: the search box",
            ),
            get(kb::page),
        ),
        (
            r(
                g.clone(),
                "/kb/search",
                Perm(KbRead),
                "Knowledge-base results as one types (htmx fragment)",
            ),
            get(kb::results),
        ),
        (
            r(
                g.clone(),
                "/kb/procedures",
                Perm(KbRead),
                "The procedure catalogue",
            ),
            get(kb::procedures),
        ),
        (
            r(
                g.clone(),
                "/kb/procedures/{code}",
                Perm(KbRead),
                "A procedure with its local copies",
            ),
            get(kb::procedure),
        ),
        (
            r(
                p.clone(),
                "/kb/procedures/{code}",
                Perm(KbManage),
                "Save a procedure as a new version",
            ),
            post(kb::save),
        ),
        (
            r(
                g.clone(),
                "/kb/procedures/{code}/history",
                Perm(KbRead),
                "A procedure's versions and what changed",
            ),
            get(kb::history),
        ),
        (
            r(
                g.clone(),
                "/kb/procedures/{code}/edit",
                Perm(KbManage),
                "Edit a procedure record",
            ),
            get(kb::edit),
        ),
        (
            r(
                p.clone(),
                "/kb/procedures/{code}/local",
                Perm(KbManage),
                "Publish a tenant's local copy of a procedure",
            ),
            post(kb::save_local),
        ),
        (
            r(
                g.clone(),
                "/kb/import",
                Perm(KbManage),
                "Import procedures (JSON, CSV, XLSX)",
            ),
            get(kb::import_page),
        ),
        (
            r(
                p.clone(),
                "/kb/import",
                Perm(KbManage),
                "Run an import (or a dry run)",
            ),
            post(kb::import),
        ),
        (
            r(
                g.clone(),
                "/kb/synonyms",
                Perm(KbManage),
                "Synonym list (global or a tenant's)",
            ),
            get(kb::synonyms),
        ),
        (
            r(
                p.clone(),
                "/kb/synonyms",
                Perm(KbManage),
                "Save a synonym list",
            ),
            post(kb::save_synonyms),
        ),
        (
            r(g.clone(), "/kb/faqs", Perm(KbRead), "Questions and answers"),
            get(kb::faqs),
        ),
        (
            r(
                p.clone(),
                "/kb/faqs",
                Perm(KbEdit),
                "Write a question and answer",
            ),
            post(kb::faq_create),
        ),
        (
            r(g.clone(), "/kb/faqs/new", Perm(KbEdit), "New FAQ form"),
            get(kb::faq_new),
        ),
        (
            r(
                g.clone(),
                "/kb/faqs/{faq}",
                Perm(KbRead),
                "An FAQ, its state and history",
            ),
            get(kb::faq_page),
        ),
        (
            r(p.clone(), "/kb/faqs/{faq}", Perm(KbEdit), "Change an FAQ"),
            post(kb::faq_update),
        ),
        (
            r(g.clone(), "/kb/faqs/{faq}/edit", Perm(KbEdit), "FAQ form"),
            get(kb::faq_edit),
        ),
        (
            r(
                p.clone(),
                "/kb/faqs/{faq}/submit",
                Perm(KbEdit),
                "Submit an FAQ for review",
            ),
            post(kb::faq_submit),
        ),
        (
            r(
                p.clone(),
                "/kb/faqs/{faq}/approve",
                Perm(KbReview),
                "Approve and publish an FAQ",
            ),
            post(kb::faq_approve),
        ),
        (
            r(
                p.clone(),
                "/kb/faqs/{faq}/reject",
                Perm(KbReview),
                "Send an FAQ back with a note",
            ),
            post(kb::faq_reject),
        ),
        (
            r(
                p.clone(),
                "/kb/faqs/{faq}/withdraw",
                Perm(KbReview),
                "Take an FAQ off the portal",
            ),
            post(kb::faq_withdraw),
        ),
        (
            r(
                g.clone(),
                "/portal/kb",
                Public,
                "Public search of procedures and FAQs",
            ),
            get(public_kb::search),
        ),
        (
            r(
                g.clone(),
                "/portal/kb/procedures/{code}",
                Public,
                "A procedure for citizens (printable)",
            ),
            get(public_kb::procedure),
        ),
        (
            r(
                g.clone(),
                "/portal/kb/faqs/{faq}",
                Public,
                "A published FAQ for citizens",
            ),
            get(public_kb::faq),
        ),
        (
            r(
                g.clone(),
                "/portal/kb/widget",
                Public,
                "Embeddable search widget (may be framed)",
            ),
            get(public_kb::widget),
        ),
        (
            RouteSpec {
                query: KB_SEARCH_QUERY,
                ..r(
                    g.clone(),
                    "/api/v1/public/kb/search",
                    Public,
                    "Search procedures and FAQs: a JSON array of {kind, code|id, name, score}",
                )
            },
            get(public_kb::api_search),
        ),
        (
            RouteSpec {
                query: KB_TENANT_QUERY,
                ..r(
                    g.clone(),
                    "/api/v1/public/kb/procedures/{code}",
                    Public,
                    "A procedure record (tthc_record.schema.json fields) with the tenant's local copy",
                )
            },
            get(public_kb::api_procedure),
        ),
        (
            RouteSpec {
                query: KB_TENANT_QUERY,
                ..r(
                    g.clone(),
                    "/api/v1/public/kb/faqs/{faq}",
                    Public,
                    "A published FAQ",
                )
            },
            get(public_kb::api_faq),
        ),
        // Cases (issue 4): staff pages. The route rule is the permission; each handler then asks
        // the domain whether the viewer has a part in the case (SEC-2).
        (
            r(
                g.clone(),
                "/cases",
                Perm(CaseRead),
                "Cases the viewer may see, filtered (CASE-4)",
            ),
            get(cases::lists::all),
        ),
        (
            r(
                g.clone(),
                "/cases/queue",
                Perm(CaseRead),
                "The coordinator's queue: received, classifying, returned, reopened",
            ),
            get(cases::lists::queue),
        ),
        (
            r(
                g.clone(),
                "/cases/due",
                Perm(CaseRead),
                "Cases with an agency, by deadline, coloured by the time left (CASE-6)",
            ),
            get(cases::lists::due),
        ),
        (
            r(
                g.clone(),
                "/cases/overdue",
                Perm(CaseRead),
                "Cases past the focal officer's deadline (CASE-6)",
            ),
            get(cases::lists::overdue),
        ),
        (
            r(
                g.clone(),
                "/cases/mine",
                Perm(CaseRead),
                "What I recorded, or what my agency holds",
            ),
            get(cases::lists::mine),
        ),
        (
            r(
                g.clone(),
                "/cases/moderation",
                Perm(CaseModerate),
                "Answers waiting for moderation and publication (CASE-10)",
            ),
            get(cases::lists::moderation),
        ),
        (
            r(
                g.clone(),
                "/cases/new",
                Perm(CaseIntake),
                "Intake form (CASE-1)",
            ),
            get(cases::intake::new),
        ),
        (
            r(
                p.clone(),
                "/cases",
                Perm(CaseIntake),
                "Record a case with its attachments (CASE-1)",
            ),
            post(cases::intake::create),
        ),
        (
            r(
                g.clone(),
                "/cases/new/duplicates",
                Perm(CaseIntake),
                "Possible duplicates of what is being typed (CASE-14)",
            ),
            get(cases::intake::duplicates),
        ),
        (
            r(
                g.clone(),
                "/cases/new/routing",
                Perm(CaseIntake),
                "The agencies the routing rules suggest (CASE-4)",
            ),
            get(cases::intake::routing),
        ),
        (
            r(
                g.clone(),
                "/cases/units",
                Authenticated,
                "Administrative units in force matching a name (reference data)",
            ),
            get(cases::intake::units),
        ),
        (
            r(
                g.clone(),
                "/cases/routing",
                Perm(RoutingManage),
                "Routing rules (CASE-4)",
            ),
            get(cases::routing::page),
        ),
        (
            r(
                p.clone(),
                "/cases/routing",
                Perm(RoutingManage),
                "Create a routing rule",
            ),
            post(cases::routing::create),
        ),
        (
            r(
                p.clone(),
                "/cases/routing/{rule}",
                Perm(RoutingManage),
                "Change or switch off a routing rule",
            ),
            post(cases::routing::update),
        ),
        (
            r(
                g.clone(),
                "/cases/logbook",
                Perm(LogbookRead),
                "The logbook, sổ theo dõi (CASE-11)",
            ),
            get(cases::logbook::page),
        ),
        (
            r(
                g.clone(),
                "/cases/logbook.csv",
                Perm(LogbookRead),
                "The logbook as CSV",
            ),
            get(cases::logbook::csv),
        ),
        (
            r(
                g.clone(),
                "/cases/logbook.xlsx",
                Perm(LogbookRead),
                "The logbook as XLSX",
            ),
            get(cases::logbook::xlsx),
        ),
        (
            r(
                g.clone(),
                "/cases/logbook.pdf",
                Perm(LogbookRead),
                "The logbook to print (PDF)",
            ),
            get(cases::logbook::pdf),
        ),
        (
            r(
                g.clone(),
                "/summaries",
                Perm(CaseReports),
                "The daily summaries (CASE-13)",
            ),
            get(cases::summaries::page),
        ),
        (
            r(
                g.clone(),
                "/cases/{id}",
                Perm(CaseRead),
                "A case: details, attachments, timeline, the viewer's commands (audited)",
            ),
            get(cases::view::page),
        ),
        (
            r(
                p.clone(),
                "/cases/{id}/commands",
                Perm(CaseRead),
                "Issue one command on a case (the domain decides)",
            ),
            post(cases::view::command),
        ),
        (
            r(
                p.clone(),
                "/cases/{id}/attachments",
                Perm(CaseRead),
                "Add an attachment to a case",
            ),
            post(cases::view::attach),
        ),
        (
            r(
                g.clone(),
                "/cases/{id}/attachments/{attachment}",
                Perm(CaseRead),
                "Download an attachment (audited, SEC-3)",
            ),
            get(cases::view::download),
        ),
        (
            r(
                g.clone(),
                "/cases/{id}/reply.pdf",
                Perm(CaseRead),
                "The official reply letter (CASE-8)",
            ),
            get(cases::view::reply_letter),
        ),
        (
            r(
                g.clone(),
                "/notifications",
                Authenticated,
                "In-app notifications (CASE-5)",
            ),
            get(notifications::page),
        ),
        (
            r(
                p.clone(),
                "/notifications/read",
                Authenticated,
                "Mark notifications read",
            ),
            post(notifications::mark_read),
        ),
        (
            r(
                g.clone(),
                "/events",
                Authenticated,
                "Live notifications (server-sent events)",
            ),
            get(notifications::events),
        ),
        // Cases: the citizens' pages (CASE-1, CASE-8, CASE-9, CASE-10, ADM-6).
        (
            r(
                g.clone(),
                "/gui-phan-anh",
                Public,
                "Public form: send a question, feedback or petition",
            ),
            get(public::submit::page),
        ),
        (
            r(p.clone(), "/gui-phan-anh", Public, "Submit the public form"),
            post(public::submit::create),
        ),
        (
            r(
                g.clone(),
                "/nhung/gui-phan-anh",
                Public,
                "The public form for the local portal's frame (ADM-6)",
            ),
            get(public::submit::embed_page),
        ),
        (
            r(
                p.clone(),
                "/nhung/gui-phan-anh",
                Public,
                "Submit the embedded form (cookie-less, rate-limited)",
            ),
            post(public::submit::embed_create),
        ),
        (
            r(
                g.clone(),
                "/tra-cuu",
                Public,
                "Look a case up by code and phone (CASE-9)",
            ),
            get(public::lookup::page),
        ),
        (
            r(p.clone(), "/tra-cuu", Public, "Look a case up"),
            post(public::lookup::lookup),
        ),
        (
            r(
                p.clone(),
                "/tra-cuu/danh-gia",
                Public,
                "The citizen rates the answer (CASE-8)",
            ),
            post(public::lookup::rate),
        ),
        (
            r(
                p.clone(),
                "/tra-cuu/mo-lai",
                Public,
                "The citizen reopens the case (CASE-8)",
            ),
            post(public::lookup::reopen),
        ),
        (
            r(
                g.clone(),
                "/hoi-dap",
                Public,
                "Published answers, searchable (CASE-10)",
            ),
            get(public::answers::list),
        ),
        (
            r(g.clone(), "/hoi-dap/{code}", Public, "One published answer"),
            get(public::answers::one),
        ),
        (
            r(
                p.clone(),
                "/api/v1/public/cases",
                Public,
                "A citizen's submission (JSON; rate-limited)",
            ),
            post(public::api::submit),
        ),
        (
            r(
                g.clone(),
                "/api/v1/public/cases/{code}",
                Public,
                "A case's status and answer by code and phone",
            ),
            get(public::api::status),
        ),
        (
            r(
                g.clone(),
                "/api/v1/cases",
                Perm(CaseRead),
                "Cases the caller may see (keyset pages)",
            ),
            get(cases::api::list),
        ),
        (
            r(
                p.clone(),
                "/api/v1/cases",
                Perm(CaseIntake),
                "Record a case (CASE-1)",
            ),
            post(cases::api::create),
        ),
        (
            r(
                g.clone(),
                "/api/v1/cases/{id}",
                Perm(CaseRead),
                "One case with the caller's allowed commands (audited)",
            ),
            get(cases::api::get),
        ),
        (
            r(
                p.clone(),
                "/api/v1/cases/{id}/commands",
                Perm(CaseRead),
                "Issue a command (the domain's Command JSON)",
            ),
            post(cases::api::command),
        ),
        // Telephony (issue 5): administration (TEL-2, TEL-3), call records (TEL-8),
        // recordings (TEL-7, SEC-3), the console's events and commands.
        (
            r(
                g.clone(),
                "/admin/telephony",
                Perm(TelephonyManage),
                "Telephony: engine, office-hours override, flows, queues, agents, trunks, prompts",
            ),
            get(telephony::admin::index),
        ),
        (
            r(
                p.clone(),
                "/admin/telephony/hours",
                Perm(TelephonyManage),
                "Override office hours: open, closed or auto (audited)",
            ),
            post(telephony::admin::hours),
        ),
        (
            r(
                g.clone(),
                "/admin/telephony/flows/edit",
                Perm(TelephonyManage),
                "Call flow editor (a version, or a new flow)",
            ),
            get(telephony::admin::flow_edit),
        ),
        (
            r(
                p.clone(),
                "/admin/telephony/flows",
                Perm(TelephonyManage),
                "Save a call flow as a new version (checked; 422 with the problems)",
            ),
            post(telephony::admin::flow_save),
        ),
        (
            r(
                p.clone(),
                "/admin/telephony/flows/activate",
                Perm(TelephonyManage),
                "Activate a stored call flow version (checked again)",
            ),
            post(telephony::admin::flow_activate),
        ),
        (
            r(
                g.clone(),
                "/admin/telephony/edit",
                Perm(TelephonyManage),
                "Editor of a queue, an agent or a trunk",
            ),
            get(telephony::admin::config_edit),
        ),
        (
            r(
                p.clone(),
                "/admin/telephony/edit",
                Perm(TelephonyManage),
                "Save a queue, an agent or a trunk",
            ),
            post(telephony::admin::config_save),
        ),
        (
            r(
                p.clone(),
                "/admin/telephony/prompts",
                Perm(TelephonyManage),
                "Upload a prompt (WAV or MP3, converted to 8 kHz mono)",
            ),
            post(telephony::admin::prompt_upload),
        ),
        (
            r(
                g.clone(),
                "/telephony/calls",
                Perm(CallRecordsRead),
                "Call records (TEL-8)",
            ),
            get(telephony::calls::page),
        ),
        (
            r(
                g.clone(),
                "/telephony/recordings",
                Perm(RecordingAccess),
                "Call recordings (TEL-7)",
            ),
            get(telephony::recordings::page),
        ),
        (
            r(
                p.clone(),
                "/telephony/recordings/{recording}/play",
                Perm(RecordingAccess),
                "Play or download a recording, with a reason (audited, SEC-3)",
            ),
            post(telephony::recordings::play),
        ),
        (
            r(
                p.clone(),
                "/telephony/recordings/{recording}/hold",
                Perm(RecordingAccess),
                "Put a recording on legal hold or release it (audited)",
            ),
            post(telephony::recordings::hold),
        ),
        (
            RouteSpec {
                query: TEL_EVENTS_QUERY,
                ..r(
                    g.clone(),
                    "/api/v1/telephony/events",
                    Perm(ConsoleUse),
                    "The engine's events as server-sent events (resumable with Last-Event-ID)",
                )
            },
            get(telephony::api::events),
        ),
        (
            r(
                p.clone(),
                "/api/v1/telephony/commands",
                Perm(ConsoleUse),
                "A console command with an idempotency key (own agent; supervisors any)",
            ),
            post(telephony::api::command),
        ),
        (
            RouteSpec {
                query: TEL_CALLS_QUERY,
                ..r(
                    g.clone(),
                    "/api/v1/telephony/calls",
                    Perm(CallRecordsRead),
                    "Call records, newest first (TEL-8)",
                )
            },
            get(telephony::api::calls),
        ),
        (
            r(
                g.clone(),
                "/roster",
                Perm(ConsoleUse),
                "Duty roster: a week of shifts per tenant, with the gaps (ADM-3)",
            ),
            get(roster::page),
        ),
        (
            r(
                p.clone(),
                "/roster/shifts",
                Perm(ConsoleSupervise),
                "Add a shift to the duty roster (ADM-3)",
            ),
            post(roster::add),
        ),
        (
            r(
                p.clone(),
                "/roster/shifts/{shift}/delete",
                Perm(ConsoleSupervise),
                "Remove a shift from the duty roster (ADM-3)",
            ),
            post(roster::remove),
        ),
        (
            r(
                g.clone(),
                "/callbacks",
                Perm(ConsoleUse),
                "Callback worklist: missed, abandoned, out-of-hours and requested calls (TEL-11)",
            ),
            get(telephony::callbacks::page),
        ),
        (
            r(
                p.clone(),
                "/callbacks/{task}/dial",
                Perm(ConsoleUse),
                "Call a citizen back from the operator's phone (TEL-10, TEL-11)",
            ),
            post(telephony::callbacks::dial),
        ),
        (
            r(
                p.clone(),
                "/callbacks/{task}/attempts",
                Perm(ConsoleUse),
                "Record the outcome of a callback attempt (TEL-11)",
            ),
            post(telephony::callbacks::record),
        ),
        (
            r(
                g.clone(),
                "/api/v1/callbacks",
                Perm(ConsoleUse),
                "The callback worklist as JSON, with attempts (TEL-11)",
            ),
            get(telephony::callbacks::api_list),
        ),
        (
            r(
                g.clone(),
                "/console",
                Perm(ConsoleUse),
                "Operator console: agent bar, screen pop, knowledge base, transfer panel (TEL-9)",
            ),
            get(console::page),
        ),
        (
            RouteSpec {
                query: CONSOLE_POP_QUERY,
                ..r(
                    g.clone(),
                    "/console/pop",
                    Perm(ConsoleUse),
                    "Screen pop: the caller's earlier calls and cases, the pre-filled case form (TEL-9)",
                )
            },
            get(console::pop),
        ),
        (
            r(
                g.clone(),
                "/console/officers",
                Perm(ConsoleUse),
                "Transfer panel: an agency's focal officers and their phone numbers",
            ),
            get(console::officers),
        ),
        (
            r(
                g.clone(),
                "/console/state",
                Perm(ConsoleUse),
                "The user's own agent: status, state and current call (resynchronisation)",
            ),
            get(console::agent_state),
        ),
        (
            r(
                g.clone(),
                "/wallboard",
                Perm(ConsoleSupervise),
                "Wallboard: waiting calls, operators by state, today's calls, service level, cases due (REP-5)",
            ),
            get(wallboard::page),
        ),
        (
            r(
                g.clone(),
                "/wallboard/data",
                Perm(ConsoleSupervise),
                "The wallboard's figures, as the fragment it polls or as JSON (REP-5)",
            ),
            get(wallboard::data),
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
        let mut params: Vec<serde_json::Value> = s
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|x| x.strip_suffix('}')))
            .map(|name| {
                // Procedure codes (1.001193) and FAQ codes are text; the other ids are numbers.
                let ty = if matches!(name, "code" | "faq" | "name") { "string" } else { "integer" };
                serde_json::json!({ "name": name, "in": "path", "required": true, "schema": { "type": ty } })
            })
            .collect();
        params.extend(s.query.iter().map(|(name, description)| {
            serde_json::json!({ "name": name, "in": "query", "required": false, "description": description, "schema": { "type": "string" } })
        }));
        let security = match s.access {
            Access::Public => serde_json::json!([]),
            _ => serde_json::json!([{ "bearerToken": [] }, { "sessionCookie": [] }]),
        };
        let mut op = serde_json::json!({
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
        crate::pages::cases::schema::extend(&method, s.path, &mut op);
        crate::pages::telephony::schema::extend(&method, s.path, &mut op);
        let entry = paths
            .entry(s.path.to_owned())
            .or_insert_with(|| serde_json::json!({}));
        if let Some(obj) = entry.as_object_mut() {
            obj.insert(method, op);
        }
    }
    let mut schemas = crate::pages::cases::schema::components();
    if let Some(m) = schemas.as_object_mut() {
        m.extend(crate::pages::telephony::schema::components());
    }
    serde_json::json!({
        "openapi": "3.1.0",
        "info": { "title": "tongdai API", "version": env!("CARGO_PKG_VERSION"), "description": "API của hệ thống tổng đài hỗ trợ thủ tục hành chính và tiếp nhận phản ánh, kiến nghị." },
        "paths": paths,
        "components": { "securitySchemes": {
            "bearerToken": { "type": "http", "scheme": "bearer", "description": "Personal API token (td_…), created on the account page" },
            "sessionCookie": { "type": "apiKey", "in": "cookie", "name": auth::SESSION_COOKIE },
        }, "schemas": schemas },
    })
}

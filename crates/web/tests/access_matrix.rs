//! SEC-2 / ADM-2: every route of the route table, tried as every role, as an officer and a
//! head of another agency, and anonymously. The expected rights are written here, route by
//! route, independently of the code's permission table: a change of policy must change this
//! test too.

mod case_helpers;
mod common;

use common::{PASSWORD, TestApp};
use reqwest::StatusCode;
use std::collections::HashMap;
use tongdai_domain::access::Role;
use tongdai_web::auth::Access;
use tongdai_web::routes::specs;

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Anonymous,
    Operator,
    /// Focal officer of agency A1.
    Officer,
    /// Head of agency A1.
    Head,
    Coordinator,
    Leadership,
    /// Post-office staff of another agency (the commune's post office).
    Postal,
    Inspector,
    Admin,
    /// Focal officer of agency B1 (another commune).
    OtherOfficer,
    /// Head of agency B1.
    OtherHead,
}

use Who::*;

const EVERYONE_SIGNED_IN: &[Who] = &[
    Operator,
    Officer,
    Head,
    Coordinator,
    Leadership,
    Postal,
    Inspector,
    Admin,
    OtherOfficer,
    OtherHead,
];

/// The policy: which principals may use a route (on the resources of agency A1 / tenant A).
fn allowed(method: &str, path: &str) -> Vec<Who> {
    let only = |w: &[Who]| w.to_vec();
    match (method, path) {
        (
            _,
            "/healthz" | "/static/{name}" | "/login" | "/logout" | "/lang" | "/api/openapi.json",
        ) => {
            let mut v = vec![Anonymous];
            v.extend_from_slice(EVERYONE_SIGNED_IN);
            v
        }
        // The public knowledge base: citizens, the local portal's widget and API (KB, ADM-6).
        (
            "GET",
            "/portal/kb"
            | "/portal/kb/procedures/{code}"
            | "/portal/kb/faqs/{faq}"
            | "/portal/kb/widget"
            | "/api/v1/public/kb/search"
            | "/api/v1/public/kb/procedures/{code}"
            | "/api/v1/public/kb/faqs/{faq}",
        ) => {
            let mut v = vec![Anonymous];
            v.extend_from_slice(EVERYONE_SIGNED_IN);
            v
        }
        (_, "/login/totp") => vec![], // only between password and second factor (tested elsewhere)
        (_, p) if p == "/" || p.starts_with("/account") || p == "/api/v1/me" => {
            only(EVERYONE_SIGNED_IN)
        }
        ("GET", "/directory") => only(&[Operator, Coordinator, Leadership, Admin]),
        ("GET", "/agencies/{id}" | "/api/v1/agencies/{id}") => {
            only(&[Operator, Officer, Head, Coordinator, Leadership, Admin])
        }
        // The list is open to every holder of AgencyRead; its content is scoped (tested below).
        ("GET", "/api/v1/agencies") => only(&[
            Operator,
            Officer,
            Head,
            Coordinator,
            Leadership,
            Postal,
            Admin,
            OtherOfficer,
            OtherHead,
        ]),
        ("POST", p) if p.starts_with("/agencies/{id}/contacts") => only(&[Head, Admin]),
        ("GET", "/audit") => only(&[Inspector, Admin]),
        ("GET", "/admin" | "/admin/units" | "/admin/units/{id}") => {
            only(&[Coordinator, Leadership, Inspector, Admin])
        }
        (_, p) if p.starts_with("/admin/") => only(&[Admin]),
        // The knowledge base for staff: operators, officers, heads, coordinators and the
        // leadership read (published FAQs are everyone's); the post office and the inspector
        // do not.
        (
            "GET",
            "/kb"
            | "/kb/search"
            | "/kb/procedures"
            | "/kb/procedures/{code}"
            | "/kb/procedures/{code}/history"
            | "/kb/faqs"
            | "/kb/faqs/{faq}",
        ) => only(&[
            Operator,
            Officer,
            Head,
            Coordinator,
            Leadership,
            Admin,
            OtherOfficer,
            OtherHead,
        ]),
        // The national catalogue: a global administrator only.
        ("GET", "/kb/procedures/{code}/edit" | "/kb/import")
        | ("POST", "/kb/procedures/{code}" | "/kb/import") => only(&[Admin]),
        // A tenant's local copies and synonyms: who manages the tenant (the province's
        // coordinator manages its communes).
        ("POST", "/kb/procedures/{code}/local") | (_, "/kb/synonyms") => {
            only(&[Coordinator, Admin])
        }
        // Officers write for their own agency; the other agency's officer and head may open
        // the form (for their agency) but not write for A1.
        ("GET", "/kb/faqs/new") => only(&[Officer, Head, Admin, OtherOfficer, OtherHead]),
        ("POST", "/kb/faqs" | "/kb/faqs/{faq}" | "/kb/faqs/{faq}/submit")
        | ("GET", "/kb/faqs/{faq}/edit") => only(&[Officer, Head, Admin]),
        // Only the head of A1 reviews A1's FAQs.
        (
            "POST",
            "/kb/faqs/{faq}/approve" | "/kb/faqs/{faq}/reject" | "/kb/faqs/{faq}/withdraw",
        ) => only(&[Head]),
        // Cases (issue 4). Staff who take part in handling cases open the lists; what a list
        // holds is scoped (an officer sees their agency's cases). The system administrator,
        // the inspector and the post office read no citizen's case.
        (
            "GET",
            "/cases" | "/cases/queue" | "/cases/due" | "/cases/overdue" | "/cases/mine"
            | "/api/v1/cases",
        ) => only(&[
            Operator,
            Officer,
            Head,
            Coordinator,
            Leadership,
            OtherOfficer,
            OtherHead,
        ]),
        // Moderation and publication (CASE-10): the coordinator.
        ("GET", "/cases/moderation") => only(&[Coordinator]),
        // Intake (CASE-1, CASE-4, CASE-14): who answers the phone and the coordinator.
        ("GET", "/cases/new" | "/cases/new/duplicates" | "/cases/new/routing")
        | ("POST", "/cases" | "/api/v1/cases") => only(&[Operator, Coordinator]),
        // Administrative units are reference data for every form that asks for an address.
        ("GET", "/cases/units") => only(EVERYONE_SIGNED_IN),
        // Routing rules (CASE-4): the coordinator of the province, and the administrator.
        (_, "/cases/routing" | "/cases/routing/{rule}") => only(&[Coordinator, Admin]),
        // The logbook (CASE-11): the switchboard, the coordinator and the leadership.
        (
            "GET",
            "/cases/logbook" | "/cases/logbook.csv" | "/cases/logbook.xlsx" | "/cases/logbook.pdf",
        ) => only(&[Operator, Coordinator, Leadership]),
        // The daily summaries (CASE-13): the coordinator and the leadership.
        ("GET", "/summaries") => only(&[Coordinator, Leadership]),
        // One case of agency A1 (forwarded to A1, answered and published): whoever has a part
        // in it — the switchboard and the coordinator and leadership of its province, A1's
        // officer and head. Another agency's officer and head are refused (403: the case
        // exists, they have no part in it).
        (
            _,
            "/cases/{id}"
            | "/cases/{id}/commands"
            | "/cases/{id}/attachments"
            | "/cases/{id}/attachments/{attachment}"
            | "/cases/{id}/reply.pdf"
            | "/api/v1/cases/{id}"
            | "/api/v1/cases/{id}/commands",
        ) => only(&[Operator, Officer, Head, Coordinator, Leadership]),
        // Everyone's own notifications (CASE-5).
        (_, "/notifications" | "/notifications/read" | "/events") => only(EVERYONE_SIGNED_IN),
        // The citizens' pages and API (CASE-1, CASE-8, CASE-9, CASE-10, ADM-6): open to all.
        (
            _,
            "/gui-phan-anh"
            | "/nhung/gui-phan-anh"
            | "/tra-cuu"
            | "/tra-cuu/danh-gia"
            | "/tra-cuu/mo-lai"
            | "/hoi-dap"
            | "/hoi-dap/{code}"
            | "/api/v1/public/cases"
            | "/api/v1/public/cases/{code}",
        ) => {
            let mut v = vec![Anonymous];
            v.extend_from_slice(EVERYONE_SIGNED_IN);
            v
        }
        // Telephony (issue 5). Its administration is under /admin/ (the administrator only,
        // TEL-2, TEL-3). Call records: the coordinator, the leadership, the inspector and the
        // administrator (TEL-8); recordings: the inspector and the administrator only (TEL-7,
        // SEC-3); the console's events and commands: operators, the coordinator (supervisor)
        // and the administrator.
        ("GET", "/telephony/calls" | "/api/v1/telephony/calls") => {
            only(&[Coordinator, Leadership, Inspector, Admin])
        }
        (_, p) if p.starts_with("/telephony/recordings") => only(&[Inspector, Admin]),
        (_, "/api/v1/telephony/events" | "/api/v1/telephony/commands") => {
            only(&[Operator, Coordinator, Admin])
        }
        // The duty roster (ADM-3): those who use the console read it; supervisors (the
        // coordinator, the administrator) change it.
        ("GET", "/roster") => only(&[Operator, Coordinator, Admin]),
        ("POST", "/roster/shifts" | "/roster/shifts/{shift}/delete") => only(&[Coordinator, Admin]),
        // The callback worklist (TEL-11): whoever uses the console.
        (_, "/callbacks" | "/callbacks/{task}/dial" | "/callbacks/{task}/attempts")
        | ("GET", "/api/v1/callbacks") => only(&[Operator, Coordinator, Admin]),
        // The operator console (TEL-9) and the supervisors' wallboard (REP-5).
        ("GET", "/console" | "/console/pop" | "/console/officers" | "/console/state") => {
            only(&[Operator, Coordinator, Admin])
        }
        ("GET", "/wallboard" | "/wallboard/data") => only(&[Coordinator, Admin]),
        other => panic!("no policy written for {other:?}: add one to this test"),
    }
}

/// Form fields that get a request past extraction, so the handler's own checks are reached.
fn body(path: &str) -> Vec<(&'static str, String)> {
    let f =
        |pairs: &[(&'static str, &str)]| pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    match path {
        "/login" => f(&[("username", "khongco"), ("password", "sai mật khẩu 1")]),
        "/login/totp" | "/account/totp" => f(&[("code", "000000")]),
        "/account/password" => f(&[("current", "sai"), ("new", "x"), ("confirm", "y")]),
        "/account/tokens" => f(&[("name", "kiểm thử")]),
        "/agencies/{id}/contacts" | "/agencies/{id}/contacts/{contact}" => f(&[
            ("name", "Nguyễn Văn Thử"),
            ("title", "Chuyên viên"),
            ("phone", "0912345678"),
            ("duty", "support"),
            ("active", "1"),
        ]),
        "/admin/tenants" | "/admin/tenants/{id}" => f(&[("code", ""), ("name", "")]),
        "/admin/tenants/{id}/hotlines" => f(&[("number", "abc"), ("valid_from", "2026-01-01")]),
        "/admin/tenants/{id}/hotlines/{hotline}/end" => f(&[("last_day", "x")]),
        "/admin/tenants/{id}/lineage" | "/admin/agencies/{id}/lineage" => {
            f(&[("predecessor_id", "1"), ("kind", "bad"), ("effective", "x")])
        }
        "/admin/fields" | "/admin/fields/{id}" | "/admin/categories" | "/admin/categories/{id}" => {
            f(&[("code", ""), ("name", "")])
        }
        "/admin/accounts" | "/admin/accounts/{id}" => f(&[("username", ""), ("display_name", "")]),
        "/admin/accounts/{id}/password" => f(&[("password", "ngắn")]),
        "/admin/accounts/{id}/grants" => f(&[("role", "nope")]),
        "/admin/accounts/{id}/grants/revoke" => f(&[("index", "99")]),
        "/admin/calendar/days" => f(&[
            ("cal", "1"),
            ("version", "1"),
            ("date", ""),
            ("kind", "x"),
            ("name", ""),
        ]),
        // Valid up to the rights check, then stale or empty: refused or rejected, never a
        // change to the demo FAQ the other requests read.
        "/kb/faqs" => f(&[("agency_id", "{agency}"), ("cau_hoi", ""), ("tra_loi", "")]),
        "/kb/faqs/{faq}" => f(&[("version", "0"), ("cau_hoi", ""), ("tra_loi", "")]),
        "/kb/faqs/{faq}/submit" | "/kb/faqs/{faq}/approve" | "/kb/faqs/{faq}/withdraw" => {
            f(&[("version", "0")])
        }
        "/kb/faqs/{faq}/reject" => f(&[("version", "0"), ("note", "Bổ sung")]),
        "/kb/procedures/{code}" => f(&[("json", "{"), ("version", "1")]),
        "/kb/procedures/{code}/local" => f(&[
            ("tenant_id", "{tenant}"),
            ("address", "Ấp An Hòa"),
            ("published", "1"),
        ]),
        "/kb/synonyms" => f(&[("t", "{province}"), ("body", "cúng đình => lễ hội")]),
        // Cases: a stale version (the case is never changed by this test), a rule without
        // an agency (rejected), an empty lookup.
        "/cases/{id}/commands" => f(&[
            ("command", "add_note"),
            ("version", "0"),
            ("text", "Ghi chú kiểm thử quyền"),
        ]),
        "/cases/routing" | "/cases/routing/{rule}" => f(&[
            ("tenant_id", "{province}"),
            ("agency_id", ""),
            ("priority", "1"),
        ]),
        "/admin/calendar/days/delete" => {
            f(&[("cal", "1"), ("version", "1"), ("date", "2026-12-31")])
        }
        _ => vec![],
    }
}

struct Fixture {
    ids: HashMap<&'static str, String>,
}

impl Fixture {
    /// A form value with the fixture's ids filled in (`{agency}` → A1's id).
    fn value(&self, v: &str) -> String {
        self.ids.get(v).cloned().unwrap_or_else(|| v.to_owned())
    }

    fn path(&self, template: &str) -> String {
        // A case's routes name the fixture's case: `{id}` is its id and, on the public
        // answer and the public API, `{code}` is its code (elsewhere `{code}` is a procedure's);
        // the public API's lookup carries the caller's phone.
        let mut p =
            if template.starts_with("/cases/{id}") || template.starts_with("/api/v1/cases/{id}") {
                template.replace("{id}", &self.ids["{case}"])
            } else if template == "/hoi-dap/{code}" {
                template.replace("{code}", &self.ids["{case_code}"])
            } else if template == "/api/v1/public/cases/{code}" {
                format!(
                    "{}?phone=0912345678",
                    template.replace("{code}", &self.ids["{case_code}"])
                )
            } else {
                template.to_owned()
            };
        for (k, v) in &self.ids {
            p = p.replace(k, v);
        }
        if template.starts_with("/admin/tenants/{id}") {
            p = template
                .replace("{id}", &self.ids["{tenant}"])
                .replace("{hotline}", &self.ids["{hotline}"]);
        } else if template.starts_with("/admin/accounts/{id}") {
            p = template.replace("{id}", &self.ids["{account}"]);
        } else if template.starts_with("/admin/units/{id}") {
            p = template.replace("{id}", &self.ids["{unit}"]);
        } else if template.starts_with("/admin/fields/{id}") {
            p = template.replace("{id}", &self.ids["{field}"]);
        } else if template.starts_with("/admin/categories/{id}") {
            p = template.replace("{id}", &self.ids["{category}"]);
        } else if template.starts_with("/account/tokens/{id}") {
            p = template.replace("{id}", "999999");
        } else {
            p = p.replace("{id}", &self.ids["{agency}"]);
        }
        p
    }
}

/// The case every `/cases/{id}` route names.
struct CaseFixture {
    id: i64,
    code: String,
    /// The version once published (the matrix must not change it).
    version: i64,
    attachment: i64,
}

/// A case of agency A1 through the real pages, as the demo staff handle it: recorded by the
/// switchboard with an attachment, forwarded to A1, answered by A1's officer and published by
/// the coordinator (so that the reply letter and the public answer exist too); and a routing
/// rule of the province. Returns the case and the rule's id.
async fn case_fixture(app: &TestApp, province: i64, a1: i64) -> (CaseFixture, i64) {
    use case_helpers::{COORDINATOR, OFFICER, OPERATOR, contact, ok, pdf_bytes, post_intake};
    let operator = app.login(OPERATOR).await;
    let coordinator = app.login(COORDINATOR).await;
    let officer = app.login(OFFICER).await;
    operator.get("/cases/new").await;
    let resp = post_intake(
        &operator,
        &contact(
            "hoi_dap_tthc",
            "Xin hỏi thủ tục đăng ký khai sinh cho con cần giấy tờ gì?",
        ),
        &[("giay-chung-sinh.pdf", pdf_bytes())],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "the fixture's intake");
    let id = case_helpers::id_of(&common::location(&resp));
    let a1_id = a1.to_string();
    ok(&coordinator, id, "forward", &[("lead_agency_id", &a1_id)]).await;
    ok(
        &officer,
        id,
        "answer",
        &[("text", "Hồ sơ gồm tờ khai và giấy chứng sinh.")],
    )
    .await;
    ok(
        &coordinator,
        id,
        "publish",
        &[(
            "public_text",
            "Nội dung: hỏi về đăng ký khai sinh.\n\nTrả lời: tờ khai và giấy chứng sinh.",
        )],
    )
    .await;
    let land = case_helpers::field(app, "dat-dai").await.to_string();
    coordinator.get("/cases/routing").await;
    let resp = coordinator
        .post(
            "/cases/routing",
            &[
                ("tenant_id", &province.to_string()),
                ("field_id", &land),
                ("kind", ""),
                ("admin_unit_id", ""),
                ("agency_id", &a1_id),
                ("priority", "5"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "the fixture's rule");
    let mut c = app.store.conn().await.unwrap();
    let rule = tongdai_store::cases::routing_rules(&mut c, &[province])
        .await
        .unwrap()[0]
        .id;
    let attachment = tongdai_store::cases::attachments(&mut c, id).await.unwrap()[0].id;
    let (case, version) = tongdai_store::cases::get(&mut c, id).await.unwrap();
    assert_eq!(case.state, tongdai_domain::case::CaseState::Published);
    (
        CaseFixture {
            id,
            code: case.code.to_string(),
            version,
            attachment,
        },
        rule,
    )
}

#[tokio::test]
async fn every_route_as_every_role_sec_2() {
    let app = TestApp::spawn_with(tongdai_web::WebSettings {
        behind_proxy: true,
        ..Default::default()
    })
    .await;
    // The demo knowledge base: procedure 1.001193 and FAQ faq-ho-tich-01 of agency A1.
    tongdai_kb::demo::load(&tongdai_kb::KbService::new(
        app.store.clone(),
        app.clock.clone() as std::sync::Arc<dyn tongdai_domain::time::Clock>,
    ))
    .await
    .expect("demo knowledge base");
    let province = app.tenant("tinh-an-giang").await;
    let commune_a = app.tenant("xa-an-chau").await;
    let a1 = app.agency("xa-an-chau", "vp-hdnd-ubnd").await;
    let a_post = app.agency("xa-an-chau", "buu-dien").await;
    let b1 = app.agency("xa-binh-hoa", "vp-hdnd-ubnd").await;
    let mut users: Vec<(Who, &str)> = vec![(Admin, "admin")];
    for (who, name, role, tenant, agency) in [
        (Operator, "t.operator", Role::Operator, province, None),
        (
            Officer,
            "t.officer",
            Role::FocalOfficer,
            commune_a,
            Some(a1),
        ),
        (Head, "t.head", Role::AgencyHead, commune_a, Some(a1)),
        (
            Coordinator,
            "t.coordinator",
            Role::Coordinator,
            province,
            None,
        ),
        (Leadership, "t.leadership", Role::Leadership, province, None),
        (
            Postal,
            "t.postal",
            Role::PostalStaff,
            commune_a,
            Some(a_post),
        ),
        (Inspector, "t.inspector", Role::Inspector, province, None),
        (
            OtherOfficer,
            "t.other.officer",
            Role::FocalOfficer,
            app.tenant("xa-binh-hoa").await,
            Some(b1),
        ),
        (
            OtherHead,
            "t.other.head",
            Role::AgencyHead,
            app.tenant("xa-binh-hoa").await,
            Some(b1),
        ),
    ] {
        app.account(name, role, Some(tenant), agency).await;
        users.push((who, name));
    }
    let victim = app
        .account("t.victim", Role::Operator, Some(province), None)
        .await;
    let (contact, hotline, unit, field, category) = {
        let mut c = app.store.conn().await.unwrap();
        let contact = tongdai_store::org::contacts(&mut c, a1).await.unwrap()[0].id;
        let hotline = tongdai_store::org::hotlines(&mut c, Some(province))
            .await
            .unwrap()[0]
            .id;
        let unit = tongdai_store::org::units(&mut c, &Default::default())
            .await
            .unwrap()[0]
            .id;
        let field = tongdai_store::org::fields(&mut c).await.unwrap()[0].id;
        let category = tongdai_store::org::categories(&mut c).await.unwrap()[0].id;
        (contact, hotline, unit, field, category)
    };
    let (case, rule) = case_fixture(&app, province, a1).await;
    let fx = Fixture {
        ids: HashMap::from([
            ("{case}", case.id.to_string()),
            ("{case_code}", case.code.clone()),
            ("{attachment}", case.attachment.to_string()),
            ("{rule}", rule.to_string()),
            ("{agency}", a1.to_string()),
            ("{contact}", contact.to_string()),
            ("{tenant}", commune_a.to_string()),
            ("{hotline}", hotline.to_string()),
            ("{account}", victim.to_string()),
            ("{unit}", unit.to_string()),
            ("{field}", field.to_string()),
            ("{category}", category.to_string()),
            ("{name}", "app.css".to_string()),
            ("{code}", "1.001193".to_string()),
            ("{faq}", "faq-ho-tich-01".to_string()),
            ("{province}", province.to_string()),
            ("{recording}", "rec-none".to_string()),
        ]),
    };

    // Logout last, so each principal keeps its session for the other routes.
    let mut routes = specs();
    routes.sort_by_key(|s| s.path == "/logout");
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut all: Vec<(Who, Option<&str>)> = vec![(Anonymous, None)];
    all.extend(users.iter().map(|(w, n)| (*w, Some(*n))));
    for (principal, (who, username)) in all.into_iter().enumerate() {
        let client = match username {
            Some(u) => app.login(u).await,
            None => app.client(),
        };
        if client.csrf().is_empty() {
            client.get("/login").await;
        }
        let address = format!("192.0.2.{}", principal + 1);
        for spec in &routes {
            let path = fx.path(spec.path);
            let expected = allowed(spec.method.as_str(), spec.path).contains(&who);
            // Each principal calls from its own address (the app trusts the proxy header), so
            // that the public lookups' budget per address (CASE-9) is not what answers.
            let from = [("x-forwarded-for", address.as_str())];
            let resp = if spec.method == reqwest::Method::GET {
                client
                    .http
                    .get(format!("{}{path}", client.base))
                    .header(from[0].0, from[0].1)
                    .send()
                    .await
                    .expect("GET")
            } else if spec.path == "/cases/{id}/attachments" {
                // An upload form without a file: past extraction, refused or rejected.
                let url = format!("{}{path}?version=0&_csrf={}", client.base, client.csrf());
                client
                    .http
                    .post(url)
                    .header(from[0].0, from[0].1)
                    .multipart(reqwest::multipart::Form::new().text("note", ""))
                    .send()
                    .await
                    .expect("POST multipart")
            } else {
                let form: Vec<(&str, String)> = body(spec.path)
                    .into_iter()
                    .map(|(k, v)| (k, fx.value(&v)))
                    .collect();
                let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                client.post_with_headers(&path, &pairs, &from).await
            };
            let status = resp.status();
            let location = common::location(&resp);
            let refused = status == StatusCode::FORBIDDEN
                || status == StatusCode::UNAUTHORIZED && spec.path != "/login"
                || location.starts_with("/login") && spec.path != "/logout";
            checked += 1;
            if spec.access == Access::SecondFactor {
                // Fully signed-in users are sent home; anonymous users to the login page.
                if status == StatusCode::OK {
                    failures.push(format!("{who:?} {} {path}: second-factor page served to a user without a pending login", spec.method));
                }
                continue;
            }
            if expected && refused {
                failures.push(format!(
                    "{who:?} {} {path}: refused ({status}, {location}) but should be allowed",
                    spec.method
                ));
            } else if !expected && !refused {
                failures.push(format!(
                    "{who:?} {} {path}: allowed ({status}) but should be refused",
                    spec.method
                ));
            } else if expected
                && spec.method == reqwest::Method::GET
                && !spec.path.starts_with("/lang")
                && status != StatusCode::OK
                && !(spec.path == "/login" && status == StatusCode::SEE_OTHER)
            {
                failures.push(format!("{who:?} GET {path}: allowed but answered {status}"));
            }
            if status.is_server_error() {
                failures.push(format!(
                    "{who:?} {} {path}: server error {status}",
                    spec.method
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Refusals are in the audit log.
    assert!(
        app.audit_actions()
            .await
            .iter()
            .any(|a| a == "access.denied")
    );
    // The case is A1's: its officer reads it; another agency's officer is refused with 403,
    // not 404 — the case exists, they have no part in it, and the refusal is audited (SEC-2).
    // The matrix's requests changed nothing of it.
    let page = fx.path("/cases/{id}");
    let officer = app.login("t.officer").await;
    let (status, html) = officer.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&case.code));
    let denied = app.audit_of("access.denied").await.len();
    let other = app.login("t.other.officer").await;
    assert_eq!(other.get(&page).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.audit_of("access.denied").await.len(), denied + 1);
    let (stored, version) = {
        let mut c = app.store.conn().await.unwrap();
        tongdai_store::cases::get(&mut c, case.id).await.unwrap()
    };
    assert_eq!(stored.state, tongdai_domain::case::CaseState::Published);
    assert_eq!(version, case.version, "the matrix changed the case");
}

/// An officer of another agency reads nothing of A1 through the API list or by id, with a
/// session or with an API token (SEC-2).
#[tokio::test]
async fn other_agency_data_stays_hidden_sec_2() {
    let app = TestApp::spawn().await;
    let a1 = app.agency("xa-an-chau", "vp-hdnd-ubnd").await;
    let b1 = app.agency("xa-binh-hoa", "vp-hdnd-ubnd").await;
    let b_tenant = app.tenant("xa-binh-hoa").await;
    app.account("o.b", Role::FocalOfficer, Some(b_tenant), Some(b1))
        .await;
    let c = app.login("o.b").await;
    let (status, body) = c.get("/api/v1/agencies").await;
    assert_eq!(status, StatusCode::OK);
    let list: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    let ids: Vec<i64> = list.iter().map(|a| a["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![b1], "an officer sees their own agency only");
    assert_eq!(
        c.get(&format!("/api/v1/agencies/{a1}")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        c.get(&format!("/agencies/{a1}")).await.0,
        StatusCode::FORBIDDEN
    );
    let (_, page) = c.get(&format!("/agencies/{b1}")).await;
    assert!(page.contains("Văn phòng HĐND và UBND xã Bình Hòa"));
    assert!(
        !page.contains("An Châu"),
        "no data of another agency on the officer's page"
    );

    // The same through a personal API token (no cookies).
    let resp = c.post("/account/tokens", &[("name", "script")]).await;
    let html = resp.text().await.unwrap();
    let start =
        html.find("id=\"new-token\">").expect("token shown once") + "id=\"new-token\">".len();
    let token = &html[start..start + html[start..].find('<').unwrap()];
    let bare = reqwest::Client::new();
    let r = bare
        .get(format!("{}/api/v1/agencies/{a1}", app.addr))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = bare
        .get(format!("{}/api/v1/agencies/{b1}", app.addr))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = bare
        .get(format!("{}/api/v1/agencies/{b1}", app.addr))
        .bearer_auth("td_forged")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let _ = PASSWORD;
}

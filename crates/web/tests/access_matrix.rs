//! SEC-2 / ADM-2: every route of the route table, tried as every role, as an officer and a
//! head of another agency, and anonymously. The expected rights are written here, route by
//! route, independently of the code's permission table: a change of policy must change this
//! test too.

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
    fn path(&self, template: &str) -> String {
        let mut p = template.to_owned();
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

#[tokio::test]
async fn every_route_as_every_role_sec_2() {
    let app = TestApp::spawn().await;
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
    let fx = Fixture {
        ids: HashMap::from([
            ("{agency}", a1.to_string()),
            ("{contact}", contact.to_string()),
            ("{tenant}", commune_a.to_string()),
            ("{hotline}", hotline.to_string()),
            ("{account}", victim.to_string()),
            ("{unit}", unit.to_string()),
            ("{field}", field.to_string()),
            ("{category}", category.to_string()),
            ("{name}", "app.css".to_string()),
        ]),
    };

    // Logout last, so each principal keeps its session for the other routes.
    let mut routes = specs();
    routes.sort_by_key(|s| s.path == "/logout");
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut all: Vec<(Who, Option<&str>)> = vec![(Anonymous, None)];
    all.extend(users.iter().map(|(w, n)| (*w, Some(*n))));
    for (who, username) in all {
        let client = match username {
            Some(u) => app.login(u).await,
            None => app.client(),
        };
        for spec in &routes {
            let path = fx.path(spec.path);
            let expected = allowed(spec.method.as_str(), spec.path).contains(&who);
            let resp = if spec.method == reqwest::Method::GET {
                client.get_raw(&path).await
            } else {
                let form = body(spec.path);
                let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                client.post(&path, &pairs).await
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

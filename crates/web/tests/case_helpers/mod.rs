//! Helpers of the case tests: a fixed working Monday, intake through the real form, commands
//! through the case page's forms (with the version the page showed), reading cases back.

#![allow(dead_code)]

use crate::common::{Client, TestApp};
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use tongdai_domain::case::{Case, CaseState};
use tongdai_store::{cases, org};

/// The demo accounts of the case tests.
pub const OPERATOR: &str = "tongdai1";
pub const COORDINATOR: &str = "dieuphoi";
pub const OFFICER: &str = "canbo.anchau";
pub const HEAD: &str = "truong.anchau";
pub const LEADER: &str = "lanhdao";
pub const OTHER_OFFICER: &str = "canbo.binhhoa";

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

/// Monday 30 November 2026, 08:00 in Vietnam: a working day, inside office hours.
pub fn monday() -> DateTime<Utc> {
    at("2026-11-30T08:00:00+07:00")
}

/// Put the application's clock on Monday morning.
pub fn set_monday(app: &TestApp) {
    app.clock.set(monday());
}

/// Agency A1 (the commune An Châu's office, where the demo officer and head work).
pub async fn a1(app: &TestApp) -> i64 {
    app.agency("xa-an-chau", "vp-hdnd-ubnd").await
}

pub async fn province(app: &TestApp) -> i64 {
    app.tenant("tinh-an-giang").await
}

/// A field id by code.
pub async fn field(app: &TestApp, code: &str) -> i64 {
    let mut c = app.store.conn().await.unwrap();
    org::fields(&mut c)
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.code == code)
        .unwrap()
        .id
}

/// A case as stored.
pub async fn case(app: &TestApp, id: i64) -> Case {
    let mut c = app.store.conn().await.unwrap();
    cases::get(&mut c, id).await.unwrap().0
}

pub async fn state(app: &TestApp, id: i64) -> CaseState {
    case(app, id).await.state
}

/// The id of a case from a `/cases/{id}` location.
pub fn id_of(location: &str) -> i64 {
    location
        .trim_start_matches("/cases/")
        .split(['?', '#', '/'])
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("not a case location: {location}"))
}

/// A valid contact as the intake form sends it.
pub fn contact(kind: &str, content: &str) -> Vec<(&'static str, String)> {
    vec![
        ("caller_name", "Nguyễn Thị Hồng Nhung".into()),
        ("phone", "0912 345 678".into()),
        ("email", "nhung@example.vn".into()),
        (
            "address",
            "Số 12 ấp An Hòa, xã An Châu, tỉnh An Giang".into(),
        ),
        ("channel", "phone".into()),
        ("kind", kind.into()),
        ("content", content.into()),
        ("notice_version", "2026.1".into()),
    ]
}

/// Post the intake form (multipart, files included).
pub async fn post_intake(
    client: &Client,
    fields: &[(&'static str, String)],
    files: &[(&str, Vec<u8>)],
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(*k, v.clone());
    }
    for (name, bytes) in files {
        form = form.part(
            "attachments",
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
        );
    }
    client.post_multipart("/cases", form).await
}

/// Record a case through the operator's form; returns its id.
pub async fn intake(client: &Client, kind: &str, content: &str) -> i64 {
    client.get("/cases/new").await;
    let resp = post_intake(client, &contact(kind, content), &[]).await;
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "intake: {}",
        resp.text().await.unwrap_or_default()
    );
    id_of(&crate::common::location(&resp))
}

/// The version the case page shows (the forms carry it).
pub fn page_version(html: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let i = html.find(marker).expect("a command form with a version");
    let rest = &html[i + marker.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// Issue a command through the case page: load the page (its CSRF token and version), then
/// post the form.
pub async fn command(
    client: &Client,
    id: i64,
    command: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (status, page) = client.get(&format!("/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK, "case page {id}");
    let version = page_version(&page);
    let mut form: Vec<(&str, &str)> = vec![("command", command), ("version", &version)];
    form.extend_from_slice(fields);
    client.post(&format!("/cases/{id}/commands"), &form).await
}

/// Issue a command and expect it to be accepted (a redirect back to the case).
pub async fn ok(client: &Client, id: i64, cmd: &str, fields: &[(&str, &str)]) {
    let resp = command(client, id, cmd, fields).await;
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "{cmd} on case {id} refused: {}",
        error_text(&body)
    );
}

/// The error messages on a page (flash and field errors), for assertion messages.
pub fn error_text(html: &str) -> String {
    let mut out = Vec::new();
    for marker in ["class=\"flash error\"", "class=\"field-error\""] {
        let mut from = 0;
        while let Some(i) = html[from..].find(marker) {
            let tag_end = from + i + html[from + i..].find('>').unwrap() + 1;
            let rest = &html[tag_end..];
            let text = rest[..rest.find("</div>").unwrap_or(rest.len())].trim();
            if !text.is_empty() {
                out.push(text.to_owned());
            }
            from = tag_end;
        }
    }
    out.join(" | ")
}

/// A PDF's text, through poppler's `pdftotext` (Debian package poppler-utils).
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (Debian package poppler-utils)");
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8(out.stdout).unwrap()
}

/// A tiny valid PDF.
pub fn pdf_bytes() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

/// The in-app notification kinds of an account, newest first.
pub async fn notified(app: &TestApp, username: &str) -> Vec<String> {
    let id = app.account_named(username).await.id;
    let mut c = app.store.conn().await.unwrap();
    tongdai_store::notifications::latest(&mut c, id, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind)
        .collect()
}

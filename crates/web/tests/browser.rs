//! UI-1 / issue 3: a real browser — Debian's headless Chromium driven over WebDriver by
//! chromedriver — logs in through the form, walks every administration page, fills and submits
//! forms, switches language, checks the phone layout, and logs out. Screenshots for humans go
//! to `target/screenshots/` (not asserted).
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian packages `chromium` and
//! `chromium-driver`; `.ci/run` installs them).

mod common;

use common::{PASSWORD, TestApp};
use fantoccini::{Client, Locator};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::chromium::{Driver, WAIT, click, click_link, fill};

fn screenshots_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is `<target>/tmp`.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|p| p.join("screenshots"))
        .unwrap_or_else(|| PathBuf::from("target/screenshots"));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

async fn screenshot(c: &Client, name: &str) {
    if let Ok(png) = c.screenshot().await {
        let _ = std::fs::write(screenshots_dir().join(format!("{name}.png")), png);
    }
}

/// Wait until the element's text contains `expected`; returns the text.
async fn wait_text(c: &Client, css: &str, expected: &str) -> String {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
        {
            if t.contains(expected) {
                return t;
            }
            last = t;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let url = c
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    panic!("`{css}` never showed «{expected}» on {url}; last text: «{last}»");
}

/// The first `<h1>` once it reads `expected`.
async fn heading(c: &Client, expected: &str) {
    wait_text(c, "main h1", expected).await;
}

/// Set a field by script (date inputs take keys in the browser's locale order).
async fn set_value(c: &Client, id: &str, value: &str) {
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![id.into(), value.into()],
    )
    .await
    .unwrap();
}

async fn path(c: &Client) -> String {
    let u = c.current_url().await.unwrap();
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_owned(),
    }
}

/// The walk through the application, as an administrator would do it.
async fn walk(app: &TestApp, c: &Client) {
    let base = &app.addr;
    c.goto(&format!("{base}/admin")).await.unwrap();
    // Not signed in: the login page, which will bring us back.
    wait_text(c, "h2", "Đăng nhập").await;
    assert!(path(c).await.starts_with("/login?next=/admin"));
    fill(c, "#username", "admin").await;
    fill(c, "#password", "sai mật khẩu 1").await;
    click(c, "form[action='/login'] button[type=submit]").await;
    wait_text(c, ".flash.error", "Tên đăng nhập hoặc mật khẩu không đúng.").await;
    fill(c, "#password", PASSWORD).await;
    click(c, "form[action='/login'] button[type=submit]").await;
    heading(c, "Quản trị").await;
    assert_eq!(path(c).await, "/admin");
    screenshot(c, "01-admin-index").await;

    // Tenants, then one tenant.
    click(c, "a.tile[href='/admin/tenants']").await;
    heading(c, "Đơn vị (tỉnh, xã)").await;
    wait_text(c, "#tenants", "1800 888 880").await;
    click_link(c, "UBND xã An Châu").await;
    heading(c, "UBND xã An Châu").await;
    wait_text(c, "main", "Số tổng đài").await;

    // Agencies: the tenant filter applies as soon as a tenant is chosen (script, not inline).
    c.goto(&format!("{base}/admin/agencies")).await.unwrap();
    heading(c, "Cơ quan").await;
    let tenant = app.tenant("xa-an-chau").await.to_string();
    c.find(Locator::Css("#tenant"))
        .await
        .unwrap()
        .select_by_value(&tenant)
        .await
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while !path(c).await.contains(&format!("tenant={tenant}")) {
        assert!(
            Instant::now() < deadline,
            "choosing a tenant filters the list"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let table = wait_text(c, "#agencies", "UBND xã An Châu").await;
    assert!(
        !table.contains("UBND xã Bình Hòa"),
        "filtered to one commune"
    );
    let agency = app.agency("xa-an-chau", "vp-hdnd-ubnd").await;
    click(c, &format!("#agencies a[href='/admin/agencies/{agency}']")).await;
    heading(c, "Văn phòng HĐND và UBND xã An Châu").await;
    wait_text(c, "legend", "Lĩnh vực phụ trách").await;
    // Its contacts page, and a contact added through the form.
    click_link(c, "Cán bộ đầu mối và số điện thoại").await;
    wait_text(c, "main h2", "Cán bộ đầu mối và số điện thoại").await;
    fill(c, "#c-name", "Trịnh Thị Trình Duyệt").await;
    fill(c, "#c-title", "Chuyên viên").await;
    fill(c, "#c-phone", "0913 222 333").await;
    c.find(Locator::Css("#c-duty"))
        .await
        .unwrap()
        .select_by_value("support")
        .await
        .unwrap();
    click(c, "form[action$='/contacts'] button[type=submit]").await;
    wait_text(c, ".flash.success", "Đã lưu.").await;
    let contacts = wait_text(c, "#contacts", "Trịnh Thị Trình Duyệt").await;
    assert!(contacts.contains("0913 222 333"));

    // Units: a search without diacritics, then a unit and today's successor.
    c.goto(&format!("{base}/admin/units")).await.unwrap();
    heading(c, "Đơn vị hành chính").await;
    fill(c, "#q", "vinh nhuan").await;
    click(c, "form[action='/admin/units'] button[type=submit]").await;
    wait_text(c, "#units", "Xã Vĩnh Nhuận").await;
    click_link(c, "Xã Vĩnh Nhuận").await;
    heading(c, "Xã Vĩnh Nhuận").await;
    wait_text(c, "#today-units", "Xã Vĩnh Hanh").await;

    c.goto(&format!("{base}/admin/fields")).await.unwrap();
    heading(c, "Lĩnh vực và danh mục").await;
    wait_text(c, "main h2", "Lĩnh vực").await;

    c.goto(&format!("{base}/admin/accounts")).await.unwrap();
    heading(c, "Tài khoản").await;
    click_link(c, "tongdai1").await;
    heading(c, "Lê Văn Tổng Đài").await;
    wait_text(c, "#grants", "Tổng đài viên").await;

    c.goto(&format!("{base}/admin/security")).await.unwrap();
    heading(c, "Bảo mật").await;
    wait_text(c, "main", "Bắt buộc xác thực hai lớp cho các vai trò").await;

    // The calendar: months back and forth, then a day declared through the form.
    c.goto(&format!("{base}/admin/calendar?y=2026&m=1"))
        .await
        .unwrap();
    heading(c, "Lịch làm việc").await;
    wait_text(c, "#month-title", "Tháng 01/2026").await;
    click(c, "a[aria-label='Tháng sau']").await;
    wait_text(c, "#month-title", "Tháng 02/2026").await;
    wait_text(c, "[data-date='2026-02-17']", "Tết Nguyên đán (Mùng 1)").await;
    screenshot(c, "02-calendar-february-2026").await;
    click(c, "a[aria-label='Tháng sau']").await;
    wait_text(c, "#month-title", "Tháng 03/2026").await;
    click(c, "a[aria-label='Tháng trước']").await;
    wait_text(c, "#month-title", "Tháng 02/2026").await;
    set_value(c, "d-date", "2026-03-06").await;
    c.find(Locator::Css("#d-kind"))
        .await
        .unwrap()
        .select_by_value("compensatory")
        .await
        .unwrap();
    fill(c, "#d-name", "Nghỉ bù (trình duyệt)").await;
    click(c, "form[action='/admin/calendar/days'] button[type=submit]").await;
    wait_text(c, ".flash.success", "Đã lưu.").await;
    wait_text(c, "#month-title", "Tháng 03/2026").await;
    wait_text(c, "[data-date='2026-03-06']", "Nghỉ bù (trình duyệt)").await;
    let class = c
        .find(Locator::Css("[data-date='2026-03-06']"))
        .await
        .unwrap()
        .attr("class")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(class.contains("holiday"), "{class}");

    // The audit log and its verification.
    c.goto(&format!("{base}/audit")).await.unwrap();
    heading(c, "Nhật ký hệ thống").await;
    wait_text(c, "#audit", "calendar.declare").await;
    click(c, "button[name=verify]").await;
    wait_text(c, "#verify-result", "toàn vẹn").await;

    // English and back, on the same page.
    click_link(c, "EN").await;
    heading(c, "Audit log").await;
    wait_text(c, "header", "Log out").await;
    c.goto(&format!("{base}/admin/calendar?y=2026&m=2"))
        .await
        .unwrap();
    heading(c, "Working calendar").await;
    click_link(c, "VI").await;
    heading(c, "Lịch làm việc").await;
    wait_text(c, "#month-title", "Tháng 02/2026").await;

    // A phone: the menu folds behind its toggle.
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{base}/")).await.unwrap();
    heading(c, "Xin chào").await;
    let toggle = c.find(Locator::Css(".menu-toggle")).await.unwrap();
    assert!(
        toggle.is_displayed().await.unwrap(),
        "the menu toggle shows on a phone"
    );
    let nav = c.find(Locator::Css("nav.nav")).await.unwrap();
    assert!(!nav.is_displayed().await.unwrap(), "the menu is folded");
    let overflow = c
        .execute(
            "var d = document.documentElement, wide = [];\
             document.querySelectorAll('body *').forEach(function (e) {\
               var r = e.getBoundingClientRect();\
               if (r.right > d.clientWidth + 1 && r.width > 0) { wide.push(e.tagName + '.' + e.className + ' ' + Math.round(r.right)); }\
             });\
             return [d.scrollWidth, d.clientWidth, wide.slice(0, 8).join(', ')];",
            vec![],
        )
        .await
        .unwrap();
    eprintln!("phone overflow probe: {overflow}");
    let (scroll, client) = (overflow[0].as_f64().unwrap(), overflow[1].as_f64().unwrap());
    assert!(
        scroll <= client,
        "no sideways scrolling on a phone: {overflow}"
    );
    toggle.click().await.unwrap();
    let deadline = Instant::now() + WAIT;
    while !nav.is_displayed().await.unwrap() {
        assert!(Instant::now() < deadline, "the toggle opens the menu");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    screenshot(c, "03-phone-menu").await;
    // Every administration page fits the phone's width (wide tables scroll in their own box).
    let account = app.account_named("tongdai1").await.id;
    for page in [
        "/admin".to_owned(),
        "/admin/tenants".to_owned(),
        format!("/admin/tenants/{}", app.tenant("xa-an-chau").await),
        "/admin/agencies".to_owned(),
        format!("/admin/agencies/{agency}"),
        format!("/agencies/{agency}"),
        "/admin/units".to_owned(),
        "/admin/fields".to_owned(),
        "/admin/accounts".to_owned(),
        format!("/admin/accounts/{account}"),
        "/admin/security".to_owned(),
        "/audit".to_owned(),
        "/admin/calendar?y=2026&m=2".to_owned(),
    ] {
        c.goto(&format!("{base}{page}")).await.unwrap();
        c.wait()
            .at_most(WAIT)
            .for_element(Locator::Css("main h1"))
            .await
            .unwrap();
        let widths = c
            .execute(
                "var d = document.documentElement, wide = [];\
                 document.querySelectorAll('body *').forEach(function (e) {\
                   var r = e.getBoundingClientRect();\
                   if (r.right > d.clientWidth + 1 && r.width > 0 && !e.closest('.table-wrap')) { wide.push(e.tagName + '#' + e.id + '.' + e.className); }\
                 });\
                 return [d.scrollWidth, d.clientWidth, wide.slice(0, 5).join(', ')];",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            widths[0].as_f64() <= widths[1].as_f64(),
            "{page} scrolls sideways on a phone: {widths}"
        );
    }
    screenshot(c, "04-phone-calendar").await;
    c.set_window_size(1280, 900).await.unwrap();

    // Log out: the session is over.
    click(c, "form[action='/logout'] button").await;
    wait_text(c, "h2", "Đăng nhập").await;
    c.goto(&format!("{base}/admin/accounts")).await.unwrap();
    wait_text(c, "h2", "Đăng nhập").await;
    assert!(path(c).await.starts_with("/login"));
}

/// UI-1: the whole walk in a real headless Chromium.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrator_walks_the_administration_in_chromium_ui_1() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let started = Instant::now();
    let app = TestApp::spawn().await;
    let driver = Driver::start();
    let c = driver.browser().await;
    // Run the walk as its own task so that a failure still closes the browser and the driver;
    // every step after a failure is bounded in time.
    let walk_client = c.clone();
    let outcome = tokio::spawn(async move {
        tokio::time::timeout(Duration::from_secs(180), walk(&app, &walk_client))
            .await
            .expect("the walk finishes within three minutes");
        app
    })
    .await;
    if outcome.is_err() {
        let _ = tokio::time::timeout(Duration::from_secs(5), screenshot(&c, "99-failure")).await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(10), c.close()).await;
    drop(driver);
    match outcome {
        Ok(app) => {
            let actions = app.audit_actions().await;
            for a in [
                "auth.login_failed",
                "auth.login",
                "org.contact.create",
                "calendar.declare",
                "auth.logout",
            ] {
                assert!(actions.iter().any(|x| x == a), "{a} audited");
            }
        }
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
    eprintln!("browser walk took {:?}", started.elapsed());
}

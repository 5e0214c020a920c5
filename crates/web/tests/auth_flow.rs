//! SEC-1, SEC-3, SEC-5: login and logout, the session cookie, lock-out, the password policy,
//! the forced password change, the TOTP second factor, CSRF on every state-changing route, API
//! tokens, and the audit entries each of these writes. Everything goes through real HTTP
//! against the real application on its own database.

mod common;

use common::{Client, PASSWORD, TestApp, location};
use reqwest::StatusCode;
use tongdai_domain::access::Role;
use tongdai_domain::password::LockoutPolicy;
use tongdai_domain::time::Clock;
use tongdai_domain::totp::TotpSecret;
use tongdai_web::WebSettings;
use tongdai_web::routes::specs;

const WRONG: &str = "Tên đăng nhập hoặc mật khẩu không đúng.";
const LOCKED: &str = "Tài khoản tạm khóa đến";
const CSRF_REFUSED: &str = "Biểu mẫu đã hết hạn hoặc không hợp lệ";
const NEW_PASSWORD: &str = "Sông Hậu mùa nước nổi 2027";

/// Every `Set-Cookie` line of a response that sets `name`.
fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// The value part of a `Set-Cookie` line.
fn cookie_value(line: &str) -> String {
    line.split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default()
}

/// A request carrying only an explicit session cookie: is that session still alive?
async fn session_alive(app: &TestApp, token: &str) -> bool {
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/account", app.addr))
        .header("cookie", format!("tongdai_session={token}"))
        .send()
        .await
        .unwrap();
    resp.status() == StatusCode::OK
}

/// The secret shown on the enrolment page, as the authenticator app would read it.
fn shown_secret(page: &str) -> TotpSecret {
    let marker = "id=\"totp-secret\">";
    let start = page.find(marker).expect("the secret is shown on the page") + marker.len();
    let end = start + page[start..].find('<').unwrap();
    TotpSecret::from_base32(&page[start..end]).expect("a valid base32 secret")
}

fn code_now(app: &TestApp, secret: &TotpSecret) -> String {
    secret.code_at(app.clock.now().timestamp())
}

/// Enrol the signed-in user of `c` in TOTP; returns the secret.
async fn enrol_totp(app: &TestApp, c: &Client) -> TotpSecret {
    let (status, page) = c.get("/account/totp").await;
    assert_eq!(status, StatusCode::OK);
    let secret = shown_secret(&page);
    let resp = c
        .post("/account/totp", &[("code", &code_now(app, &secret))])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "enrolment accepted");
    assert_eq!(location(&resp), "/account");
    secret
}

/// SEC-1: a right password signs in; a wrong one or an unknown user gets the same Vietnamese
/// message (no probing for usernames); `next` stays on this site; each attempt is audited.
#[tokio::test]
async fn login_success_and_failure_sec_1() {
    let app = TestApp::spawn().await;
    let c = app.client();
    let (status, page) = c.get("/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<html lang=\"vi\">"));
    assert!(page.contains("Đăng nhập") && page.contains("Mật khẩu"));

    let resp = c
        .post(
            "/login",
            &[("username", "admin"), ("password", "sai mật khẩu 1")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookie(&resp, "tongdai_session").is_none());
    let page = resp.text().await.unwrap();
    assert!(page.contains(WRONG), "Vietnamese error shown");
    assert!(
        page.contains("value=\"admin\""),
        "the username is kept in the form"
    );

    let resp = c
        .post(
            "/login",
            &[("username", "khong.co.ai"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.text().await.unwrap().contains(WRONG), "same message");

    // The username is not case-sensitive; `next` is honoured when local.
    let resp = c
        .post(
            "/login",
            &[
                ("username", " Admin "),
                ("password", PASSWORD),
                ("next", "/admin/tenants"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/admin/tenants");
    let (status, page) = c.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Xin chào"));

    // A `next` to another site is ignored.
    let other = app.client();
    other.get("/login").await;
    let resp = other
        .post(
            "/login",
            &[
                ("username", "admin"),
                ("password", PASSWORD),
                ("next", "//evil.example/phish"),
            ],
        )
        .await;
    assert_eq!(location(&resp), "/");

    let failed = app.audit_of("auth.login_failed").await;
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0].actor_name, "admin");
    assert!(failed[0].detail.contains("wrong_password"));
    assert!(failed[0].actor_id.is_some());
    assert_eq!(failed[1].actor_name, "khong.co.ai");
    assert!(failed[1].detail.contains("unknown_user"));
    assert_eq!(failed[1].actor_id, None);
    assert!(failed.iter().all(|e| e.ip == "127.0.0.1"));
    let logins = app.audit_of("auth.login").await;
    assert_eq!(logins.len(), 2);
    assert!(logins[0].target.starts_with("account:"));
}

/// SEC-1: the session cookie is HttpOnly, SameSite=Lax, scoped to the site, and not Secure on
/// plain HTTP; the pre-session CSRF cookie is HttpOnly and SameSite=Strict.
#[tokio::test]
async fn cookie_flags_sec_1() {
    let app = TestApp::spawn().await;
    let c = app.client();
    let resp = c.get_raw("/login").await;
    let csrf = set_cookie(&resp, "tongdai_csrf").expect("pre-session CSRF cookie");
    assert!(csrf.contains("HttpOnly") && csrf.contains("SameSite=Strict"));
    assert!(!csrf.contains("Secure"));
    let body = resp.text().await.unwrap();
    assert!(body.contains("name=\"csrf-token\""));
    let resp = c.login("admin", PASSWORD).await;
    let line = set_cookie(&resp, "tongdai_session").expect("session cookie");
    assert!(line.contains("HttpOnly"), "{line}");
    assert!(line.contains("SameSite=Lax"), "{line}");
    assert!(line.contains("Path=/"), "{line}");
    assert!(!line.contains("Secure"), "not Secure on plain HTTP: {line}");
    assert!(cookie_value(&line).len() >= 40, "a long random token");
    // The page never shows the session token (it is HttpOnly and stays out of the HTML).
    let (_, page) = c.get("/account").await;
    assert!(!page.contains(&cookie_value(&line)));
}

/// SEC-1: behind TLS (public URL in https) both cookies are marked Secure.
#[tokio::test]
async fn cookies_are_secure_behind_tls_sec_1() {
    let app = TestApp::spawn_with(WebSettings {
        public_url: "https://tongdai.angiang.gov.vn".into(),
        ..WebSettings::default()
    })
    .await;
    // A browser would not send Secure cookies over plain HTTP: carry them by hand.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http
        .get(format!("{}/login", app.addr))
        .send()
        .await
        .unwrap();
    let csrf_line = set_cookie(&resp, "tongdai_csrf").expect("CSRF cookie");
    assert!(csrf_line.contains("; Secure"), "{csrf_line}");
    let token = cookie_value(&csrf_line);
    let resp = http
        .post(format!("{}/login", app.addr))
        .header("cookie", format!("tongdai_csrf={token}"))
        .form(&[
            ("_csrf", token.as_str()),
            ("username", "admin"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let line = set_cookie(&resp, "tongdai_session").expect("session cookie");
    assert!(
        line.contains("; Secure") && line.contains("HttpOnly") && line.contains("SameSite=Lax")
    );
}

/// SEC-1: no session fixation. A session id planted before login is never adopted, and a
/// login over an existing session replaces it with a new one and ends the old one.
#[tokio::test]
async fn login_always_starts_a_new_session_sec_1() {
    let app = TestApp::spawn().await;
    let c = app.client();
    c.get("/login").await;
    let planted = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let url: reqwest::Url = app.addr.parse().unwrap();
    c.jar
        .add_cookie_str(&format!("tongdai_session={planted}; Path=/"), &url);
    let resp = c.login("admin", PASSWORD).await;
    let first = cookie_value(&set_cookie(&resp, "tongdai_session").unwrap());
    assert_ne!(first, planted);
    assert_eq!(c.cookie("tongdai_session").as_deref(), Some(first.as_str()));
    assert!(session_alive(&app, &first).await);
    assert!(!session_alive(&app, planted).await);

    // Logging in again (same browser) gives a new id and ends the old session server-side.
    let resp = c
        .post("/login", &[("username", "admin"), ("password", PASSWORD)])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let second = cookie_value(&set_cookie(&resp, "tongdai_session").unwrap());
    assert_ne!(second, first);
    assert!(!session_alive(&app, &first).await, "the old session ended");
    assert!(session_alive(&app, &second).await);
}

/// SEC-1: logout ends the session in the database, not only in the browser: the old cookie,
/// replayed, opens nothing. The logout is audited.
#[tokio::test]
async fn logout_ends_the_session_server_side_sec_1() {
    let app = TestApp::spawn().await;
    let c = app.login("admin").await;
    let token = c.cookie("tongdai_session").expect("signed in");
    assert!(session_alive(&app, &token).await);
    let resp = c.post("/logout", &[]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/login");
    let clear = set_cookie(&resp, "tongdai_session").expect("cookie cleared");
    assert!(clear.contains("Max-Age=0"));
    assert!(
        !session_alive(&app, &token).await,
        "the session is gone server-side"
    );
    let resp = c.get_raw("/admin/tenants").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/login?next=/admin/tenants");
    let logout = app.audit_of("auth.logout").await;
    assert_eq!(logout.len(), 1);
    assert_eq!(logout[0].actor_name, "admin");
}

/// SEC-1: a session ends after the idle time, and in any case after the absolute lifetime.
#[tokio::test]
async fn sessions_expire_when_idle_sec_1() {
    let app = TestApp::spawn().await;
    let c = app.login("admin").await;
    app.clock.advance(chrono::Duration::minutes(59));
    assert_eq!(c.get("/account").await.0, StatusCode::OK, "still active");
    // Activity moved the idle limit on.
    app.clock.advance(chrono::Duration::minutes(59));
    assert_eq!(c.get("/account").await.0, StatusCode::OK);
    app.clock.advance(chrono::Duration::minutes(61));
    let resp = c.get_raw("/account").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "idle too long");
    assert!(location(&resp).starts_with("/login"));

    // However active, 12 hours is the end.
    let c = app.login("admin").await;
    for _ in 0..13 {
        app.clock.advance(chrono::Duration::minutes(55));
        assert_eq!(c.get("/account").await.0, StatusCode::OK);
    }
    app.clock.advance(chrono::Duration::minutes(55));
    assert_eq!(
        c.get_raw("/account").await.status(),
        StatusCode::SEE_OTHER,
        "absolute lifetime reached"
    );
}

/// SEC-1: five wrong passwords lock the account for 15 minutes; while locked even the right
/// password is refused; after the lock the right password works. Failures, the lock and the
/// refusals are audited. An administrator can lift a lock early.
#[tokio::test]
async fn lockout_after_repeated_failures_sec_1() {
    let app = TestApp::spawn().await;
    let c = app.client();
    for i in 1..=4 {
        let resp = c.login("tongdai1", &format!("sai mật khẩu {i}")).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert!(resp.text().await.unwrap().contains(WRONG), "attempt {i}");
    }
    let hh_mm = |t: tongdai_domain::Instant| {
        tongdai_domain::time::to_vietnam(t + chrono::Duration::minutes(15))
            .format("%H:%M")
            .to_string()
    };
    let earliest = hh_mm(app.clock.now());
    let resp = c.login("tongdai1", "sai mật khẩu 5").await;
    let latest = hh_mm(app.clock.now());
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let page = resp.text().await.unwrap();
    assert!(page.contains(LOCKED), "the fifth failure locks: {page}");
    assert!(
        page.contains(&format!("đến {earliest} ")) || page.contains(&format!("đến {latest} ")),
        "the lock's end in Vietnam time ({earliest}): {page}"
    );

    let resp = c.login("tongdai1", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "locked: refused");
    assert!(resp.text().await.unwrap().contains(LOCKED));

    app.clock.advance(chrono::Duration::minutes(14));
    assert_eq!(
        c.login("tongdai1", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED,
        "still locked after 14 minutes"
    );
    app.clock.advance(chrono::Duration::minutes(2));
    assert_eq!(
        c.login("tongdai1", PASSWORD).await.status(),
        StatusCode::SEE_OTHER,
        "the lock has ended"
    );

    let entries = app.audit().await;
    let of = |a: &str| {
        entries
            .iter()
            .filter(|e| e.action == a && e.actor_name == "tongdai1")
            .count()
    };
    assert_eq!(of("auth.login_failed"), 5);
    assert_eq!(of("auth.locked"), 1);
    assert_eq!(of("auth.login_refused"), 2);
    assert_eq!(of("auth.login"), 1);

    // Locked again; the administrator lifts the lock from the account page.
    let other = app.client();
    for i in 1..=5 {
        other.login("tongdai1", &format!("đoán bừa {i}a")).await;
    }
    assert_eq!(
        other.login("tongdai1", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let admin = app.login("admin").await;
    let id = app.account_named("tongdai1").await.id;
    let (_, page) = admin.get(&format!("/admin/accounts/{id}")).await;
    assert!(
        page.contains("Đang bị khóa"),
        "the account page shows the lock"
    );
    let resp = admin
        .post(&format!("/admin/accounts/{id}/unlock"), &[])
        .await;
    let (_, page) = admin.follow(resp).await;
    assert!(page.contains("Đã mở khóa tài khoản."));
    assert_eq!(
        other.login("tongdai1", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.audit_of("account.unlock").await.len(), 1);
}

/// SEC-1: guesses sent in parallel still count, one by one: a burst of wrong passwords larger
/// than the limit locks the account. (A multi-threaded runtime, as in production, so the
/// server really handles the guesses at the same time.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_still_lock_the_account_sec_1() {
    let app = TestApp::spawn_with(WebSettings {
        lockout: LockoutPolicy {
            max_failures: 3,
            lock_minutes: 15,
        },
        ..WebSettings::default()
    })
    .await;
    let mut clients = Vec::new();
    for _ in 0..8 {
        let c = app.client();
        c.get("/login").await;
        clients.push(c);
    }
    let attempts = clients.iter().enumerate().map(|(i, c)| async move {
        c.post(
            "/login",
            &[
                ("username", "tongdai2"),
                ("password", &format!("đoán song song {i}")),
            ],
        )
        .await
        .status()
    });
    let statuses = futures_join_all(attempts).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::UNAUTHORIZED));
    let resp = app.client().login("tongdai2", PASSWORD).await;
    assert_eq!(
        resp.status(),
        StatusCode::UNAUTHORIZED,
        "8 parallel failures with a limit of 3 must leave the account locked"
    );
    assert!(resp.text().await.unwrap().contains(LOCKED));
    assert!(!app.audit_of("auth.locked").await.is_empty());
}

/// Run futures concurrently on the test's runtime (no extra dependency).
async fn futures_join_all<F, T>(futs: impl IntoIterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T>,
{
    let futs: Vec<_> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<T>> = futs.iter().map(|_| None).collect();
    let mut pending: Vec<_> = futs.into_iter().enumerate().collect();
    std::future::poll_fn(move |cx| {
        pending.retain_mut(|(i, f)| match f.as_mut().poll(cx) {
            std::task::Poll::Ready(v) => {
                out[*i] = Some(v);
                false
            }
            std::task::Poll::Pending => true,
        });
        if pending.is_empty() {
            std::task::Poll::Ready(std::mem::take(&mut out).into_iter().flatten().collect())
        } else {
            std::task::Poll::Pending
        }
    })
    .await
}

/// SEC-1: more than 30 login attempts from one address within five minutes are refused with
/// 429, whatever the usernames.
#[tokio::test]
async fn login_attempts_are_rate_limited_per_address_sec_1() {
    let app = TestApp::spawn().await;
    let c = app.client();
    c.get("/login").await;
    for i in 0..30 {
        let user = format!("khong.ton.tai.{i}");
        let resp = c
            .post("/login", &[("username", &user), ("password", "x")])
            .await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let resp = c
        .post("/login", &[("username", "admin"), ("password", PASSWORD)])
        .await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Có quá nhiều lần đăng nhập")
    );
    assert_eq!(app.audit_of("auth.rate_limited").await.len(), 1);
}

/// SEC-1: the password policy applies when users change their own password; a change ends the
/// user's other sessions and is audited; the new password works and the old one does not.
#[tokio::test]
async fn password_policy_on_change_sec_1() {
    let app = TestApp::spawn().await;
    let c = app.login("tongdai1").await;
    let elsewhere = app.login("tongdai1").await;
    assert_eq!(c.get("/account/password").await.0, StatusCode::OK);
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            PASSWORD,
            "ngan1",
            "ngan1",
            "Mật khẩu phải có ít nhất 10 ký tự.",
        ),
        (
            PASSWORD,
            "chichucaichu",
            "chichucaichu",
            "Mật khẩu phải có cả chữ cái và chữ số.",
        ),
        (
            PASSWORD,
            "tongdai1-mua-xuan",
            "tongdai1-mua-xuan",
            "Mật khẩu không được chứa tên đăng nhập.",
        ),
        (
            PASSWORD,
            "vietnam1234",
            "vietnam1234",
            "Mật khẩu này quá phổ biến, dễ bị đoán.",
        ),
        (
            PASSWORD,
            NEW_PASSWORD,
            "Sông Hậu mùa nước nổi 2028",
            "Hai lần nhập mật khẩu mới không khớp.",
        ),
        (
            "không phải mật khẩu 9",
            NEW_PASSWORD,
            NEW_PASSWORD,
            "Mật khẩu hiện tại không đúng.",
        ),
        (
            PASSWORD,
            PASSWORD,
            PASSWORD,
            "Mật khẩu mới phải khác mật khẩu hiện tại.",
        ),
    ];
    for (current, new, confirm, message) in cases {
        let resp = c
            .post(
                "/account/password",
                &[("current", current), ("new", new), ("confirm", confirm)],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(resp.text().await.unwrap().contains(message), "{message}");
    }
    assert!(app.audit_of("account.password_changed").await.is_empty());
    let resp = c
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("new", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        )
        .await;
    let (status, page) = c.follow(resp).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Đã đổi mật khẩu."));
    assert_eq!(
        elsewhere.get_raw("/account").await.status(),
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    assert_eq!(c.get("/account").await.0, StatusCode::OK, "this one stays");
    assert_eq!(
        app.client().login("tongdai1", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.client().login("tongdai1", NEW_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.audit_of("account.password_changed").await.len(), 1);
}

/// SEC-1: an account created by an administrator follows the policy, gets a temporary
/// password, and its user must change it before anything else; an administrator's reset does
/// the same and ends the user's sessions.
#[tokio::test]
async fn admin_created_account_must_change_password_sec_1() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    admin.get("/admin/accounts/new").await;
    let form = |password: &'static str| {
        [
            ("username", "nguyen.moi"),
            ("display_name", "Nguyễn Văn Mới"),
            ("email", ""),
            ("phone", ""),
            ("tenant_id", ""),
            ("password", password),
        ]
    };
    for (password, message) in [
        ("ngan1", "Mật khẩu phải có ít nhất 10 ký tự."),
        ("nguyen.moi.2026", "Mật khẩu không được chứa tên đăng nhập."),
        ("matkhau1234", "Mật khẩu này quá phổ biến, dễ bị đoán."),
    ] {
        let resp = admin.post("/admin/accounts", &form(password)).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = resp.text().await.unwrap();
        assert!(page.contains(message), "{message}");
        assert!(
            !page.contains(password),
            "a refused password is not echoed back"
        );
    }
    let resp = admin.post("/admin/accounts", &form(PASSWORD)).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.follow(resp).await;
    assert!(page.contains("Người dùng phải đổi mật khẩu ở lần đăng nhập đầu."));
    let id = app.account_named("nguyen.moi").await.id;
    assert!(app.account_named("nguyen.moi").await.must_change_password);

    let user = app.client();
    let resp = user.login("nguyen.moi", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    for path in ["/", "/account", "/directory", "/admin/tenants"] {
        let resp = user.get_raw(path).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&resp), "/account/password", "{path}");
    }
    let (status, page) = user.get("/account/password").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Bạn cần đổi mật khẩu tạm thời trước khi tiếp tục."));
    let resp = user
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("new", "ngan2"),
                ("confirm", "ngan2"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let resp = user
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("new", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(user.get("/").await.0, StatusCode::OK, "free to work now");
    assert!(!app.account_named("nguyen.moi").await.must_change_password);

    // A reset by the administrator: weak passwords refused, then a temporary one.
    admin.get(&format!("/admin/accounts/{id}")).await;
    let resp = admin
        .post(
            &format!("/admin/accounts/{id}/password"),
            &[("password", "ngan3")],
        )
        .await;
    let (_, page) = admin.follow(resp).await;
    assert!(page.contains("Mật khẩu phải có ít nhất 10 ký tự."));
    let temporary = "Tạm thời đổi ngay 2026";
    let resp = admin
        .post(
            &format!("/admin/accounts/{id}/password"),
            &[("password", temporary)],
        )
        .await;
    let (_, page) = admin.follow(resp).await;
    assert!(page.contains("Đã đặt mật khẩu tạm thời"));
    assert_eq!(
        user.get_raw("/").await.status(),
        StatusCode::SEE_OTHER,
        "the user's session ended"
    );
    let again = app.client();
    again.login("nguyen.moi", temporary).await;
    assert_eq!(location(&again.get_raw("/").await), "/account/password");

    let actions = app.audit_actions().await;
    for a in [
        "account.create",
        "account.password_changed",
        "account.password_reset",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited");
    }
}

/// SEC-1: TOTP enrolment from the code of the secret shown on the page, login in two steps,
/// replayed codes refused, failures audited and counted towards the lock-out.
#[tokio::test]
async fn totp_enrolment_login_and_replay_sec_1() {
    let app = TestApp::spawn().await;
    let c = app.login("lanhdao").await;
    let (_, page) = c.get("/account").await;
    assert!(page.contains("Chưa bật"));
    let (_, page) = c.get("/account/totp").await;
    assert!(page.contains("<svg"), "a QR code");
    assert!(page.contains("otpauth://totp/"));
    let secret = shown_secret(&page);
    // The page shows the same secret until it is confirmed.
    let (_, again) = c.get("/account/totp").await;
    assert_eq!(shown_secret(&again).to_base32(), secret.to_base32());
    let resp = c.post("/account/totp", &[("code", "000000")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Mã xác thực không đúng hoặc đã hết hạn.")
    );
    let enrol_code = code_now(&app, &secret);
    let resp = c.post("/account/totp", &[("code", &enrol_code)]).await;
    let (_, page) = c.follow(resp).await;
    assert!(page.contains("Đã bật xác thực hai lớp."));
    assert!(page.contains("Đang bật"));
    assert!(app.account_named("lanhdao").await.totp_enabled);

    // Login: password, then the code.
    c.post("/logout", &[]).await;
    let c = app.client();
    let resp = c.login("lanhdao", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/login/totp");
    for path in ["/", "/account", "/directory"] {
        assert_eq!(location(&c.get_raw(path).await), "/login/totp", "{path}");
    }
    // The enrolment code cannot be used again.
    let resp = c.post("/login/totp", &[("code", &enrol_code)]).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "replayed code");
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Mã xác thực không đúng hoặc đã hết hạn.")
    );
    app.clock.advance(chrono::Duration::seconds(30));
    let code = code_now(&app, &secret);
    let resp = c.post("/login/totp", &[("code", &code)]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/");
    let (status, page) = c.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Xin chào"));

    // The same code, once more, from another browser: refused.
    let thief = app.client();
    thief.login("lanhdao", PASSWORD).await;
    let resp = thief.post("/login/totp", &[("code", &code)]).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "a code works once");
    assert_eq!(location(&thief.get_raw("/").await), "/login/totp");

    let actions = app.audit_actions().await;
    for a in [
        "account.totp_enabled",
        "auth.password_ok",
        "auth.totp_failed",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited");
    }
    let logins = app.audit_of("auth.login").await;
    assert!(
        logins
            .iter()
            .any(|e| e.actor_name == "lanhdao" && e.detail.contains("totp")),
        "the completed login names the second factor"
    );
}

/// SEC-1: wrong TOTP codes count towards the lock-out even when the attacker knows the
/// password and starts a new login between guesses; a locked account accepts no code.
#[tokio::test]
async fn totp_guesses_lock_the_account_sec_1() {
    let app = TestApp::spawn().await;
    let c = app.login("lanhdao").await;
    let secret = enrol_totp(&app, &c).await;
    // The attacker knows the password; each round starts a fresh login.
    let mut pending = Vec::new();
    for round in 0..3 {
        let a = app.client();
        let resp = a.login("lanhdao", PASSWORD).await;
        assert_eq!(location(&resp), "/login/totp", "round {round}");
        for _ in 0..2 {
            a.post("/login/totp", &[("code", "111111")]).await;
        }
        pending.push(a);
    }
    // Six wrong codes > five allowed: locked. Even the right code is refused now, from any of
    // the pending logins.
    assert!(
        !app.audit_of("auth.locked").await.is_empty(),
        "six wrong codes must lock the account"
    );
    app.clock.advance(chrono::Duration::seconds(30));
    let right = code_now(&app, &secret);
    for a in &pending {
        let resp = a.post("/login/totp", &[("code", &right)]).await;
        assert_ne!(location(&resp), "/", "locked: no second factor accepted");
        assert_ne!(a.get_raw("/").await.status(), StatusCode::OK);
    }
    let resp = app.client().login("lanhdao", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.text().await.unwrap().contains(LOCKED));
    // After the lock, the owner gets in.
    app.clock.advance(chrono::Duration::minutes(16));
    let owner = app.client();
    owner.login("lanhdao", PASSWORD).await;
    let resp = owner
        .post("/login/totp", &[("code", &code_now(&app, &secret))])
        .await;
    assert_eq!(location(&resp), "/");
}

/// SEC-1: when the administrator requires a second factor for a role, its users must enrol
/// before anything else, and cannot turn it off; the administrator can reset it.
#[tokio::test]
async fn role_requiring_totp_forces_enrolment_sec_1() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let (_, page) = admin.get("/admin/security").await;
    assert!(page.contains("Bắt buộc xác thực hai lớp cho các vai trò"));
    assert!(!page.contains("value=\"operator\" checked"));
    let resp = admin
        .post(
            "/admin/security",
            &[("totp", "operator"), ("totp", "inspector")],
        )
        .await;
    let (_, page) = admin.follow(resp).await;
    assert!(page.contains("value=\"operator\" checked"));
    assert!(page.contains("value=\"inspector\" checked"));
    assert!(!page.contains("value=\"admin\" checked"));
    let entry = app.audit_of("security.totp_roles").await;
    assert_eq!(entry.len(), 1);
    assert!(entry[0].detail.contains("operator"));

    let op = app.client();
    let resp = op.login("tongdai1", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    for path in ["/", "/directory", "/account"] {
        assert_eq!(location(&op.get_raw(path).await), "/account/totp", "{path}");
    }
    let (_, page) = op.get("/account/totp").await;
    assert!(page.contains("Quản trị hệ thống yêu cầu xác thực hai lớp cho vai trò của bạn."));
    enrol_totp(&app, &op).await;
    assert_eq!(op.get("/directory").await.0, StatusCode::OK);
    let resp = op.post("/account/totp/disable", &[]).await;
    let (_, page) = op.follow(resp).await;
    assert!(page.contains("Không thể tắt: vai trò của bạn bắt buộc xác thực hai lớp."));
    assert!(app.account_named("tongdai1").await.totp_enabled);

    // Another operator (no second factor yet) is held at enrolment too; other roles are not.
    assert_eq!(
        location(&app.login("tongdai2").await.get_raw("/").await),
        "/account/totp"
    );
    assert_eq!(app.login("lanhdao").await.get("/").await.0, StatusCode::OK);

    // The administrator resets the lost device: the user enrols again at next login.
    let id = app.account_named("tongdai1").await.id;
    admin.get(&format!("/admin/accounts/{id}")).await;
    let resp = admin
        .post(&format!("/admin/accounts/{id}/totp/reset"), &[])
        .await;
    let (_, page) = admin.follow(resp).await;
    assert!(page.contains("Đã hủy xác thực hai lớp của tài khoản."));
    assert_ne!(
        op.get_raw("/").await.status(),
        StatusCode::OK,
        "sessions ended"
    );
    let op = app.client();
    assert_eq!(location(&op.login("tongdai1", PASSWORD).await), "/");
    assert_eq!(location(&op.get_raw("/").await), "/account/totp");
    assert_eq!(app.audit_of("account.totp_reset").await.len(), 1);
}

/// A form body that would pass extraction for each state-changing route.
fn body_for(path: &str) -> Vec<(&'static str, &'static str)> {
    match path {
        "/login" => vec![("username", "admin"), ("password", PASSWORD)],
        "/login/totp" | "/account/totp" => vec![("code", "123456")],
        "/account/password" => vec![
            ("current", PASSWORD),
            ("new", NEW_PASSWORD),
            ("confirm", NEW_PASSWORD),
        ],
        "/account/tokens" => vec![("name", "kịch bản")],
        "/admin/tenants" | "/admin/tenants/{id}" => vec![
            ("code", "xa-gia-mao"),
            ("name", "Xã Giả Mạo"),
            ("kind", "commune"),
            ("calendar_id", "1"),
            ("valid_from", "2026-01-01"),
        ],
        "/admin/accounts" => vec![
            ("username", "ke.gia.mao"),
            ("display_name", "Kẻ Giả Mạo"),
            ("password", NEW_PASSWORD),
        ],
        "/admin/accounts/{id}/grants" => vec![("role", "admin")],
        "/admin/accounts/{id}/password" => vec![("password", NEW_PASSWORD)],
        "/admin/security" => vec![("totp", "admin")],
        _ => vec![("name", "Giả mạo")],
    }
}

/// SEC-5: every state-changing route of the route table refuses a request without the CSRF
/// token, with a wrong token, and a cross-site request even with the right token; the refusals
/// change nothing and are audited. The right token from the same site passes, in a form field
/// or in the `X-CSRF-Token` header htmx sends.
#[tokio::test]
async fn csrf_on_every_state_changing_route_sec_5() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let anonymous = app.client();
    anonymous.get("/login").await;
    let tenant = app.tenant("xa-an-chau").await.to_string();
    let agency = app.agency("xa-an-chau", "vp-hdnd-ubnd").await.to_string();
    let account = app.account_named("tongdai1").await.id.to_string();
    let before = app.audit().await.len();
    let mut checked = 0;
    let mut failures = Vec::new();
    let (exempt, routes): (Vec<_>, Vec<_>) = specs()
        .into_iter()
        .filter(|s| s.method != reqwest::Method::GET)
        .partition(|s| tongdai_web::csrf::exempt(s.path));
    assert!(routes.len() > 30, "the table has its state-changing routes");
    // Only the cookie-less citizen entry points are exempt: the public JSON API and the
    // embeddable form the local portal frames (their handlers ignore any session).
    let exempt: Vec<&str> = exempt.iter().map(|s| s.path).collect();
    assert_eq!(exempt, ["/nhung/gui-phan-anh", "/api/v1/public/cases"]);
    for spec in &routes {
        let path = spec
            .path
            .replace("{id}/contacts", &format!("{agency}/contacts"))
            .replace("/agencies/{id}", &format!("/agencies/{agency}"))
            .replace("/accounts/{id}", &format!("/accounts/{account}"))
            .replace("{id}", &tenant)
            .replace("{contact}", "1")
            .replace("{hotline}", "1");
        let form = body_for(spec.path);
        for (who, client) in [("admin", &admin), ("anonymous", &anonymous)] {
            // No token at all.
            let resp = client.post_without_csrf(&path, &form).await;
            let status = resp.status();
            let page = resp.text().await.unwrap_or_default();
            if status != StatusCode::FORBIDDEN || !page.contains(CSRF_REFUSED) {
                failures.push(format!("{who} {path} without token: {status}"));
            }
            // A wrong token.
            let mut wrong = vec![("_csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")];
            wrong.extend_from_slice(&form);
            let status = client.post_without_csrf(&path, &wrong).await.status();
            if status != StatusCode::FORBIDDEN {
                failures.push(format!("{who} {path} with a wrong token: {status}"));
            }
            // The right token, but from another site (Fetch Metadata).
            let status = client
                .post_with_headers(&path, &form, &[("sec-fetch-site", "cross-site")])
                .await
                .status();
            if status != StatusCode::FORBIDDEN {
                failures.push(format!("{who} {path} cross-site: {status}"));
            }
            checked += 3;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} forged requests got through:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Nothing changed: still signed in, no tenant or account created, no new session.
    assert_eq!(admin.get("/account").await.0, StatusCode::OK);
    {
        let mut c = app.store.conn().await.unwrap();
        assert!(
            tongdai_store::org::tenant_by_code(&mut c, "xa-gia-mao")
                .await
                .unwrap()
                .is_none()
        );
    }
    let after = app.audit().await;
    let new: Vec<_> = after[before..].iter().collect();
    assert!(
        new.iter().all(|e| e.action == "access.denied"),
        "only refusals recorded"
    );
    assert_eq!(new.len(), checked, "every forged request is audited");
    assert!(new.iter().all(|e| e.detail.contains("csrf")));

    // The right token from the same site works, as a field or as the htmx header.
    let resp = admin
        .post_with_headers(
            "/account/tokens",
            &[("name", "từ biểu mẫu")],
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = admin
        .http
        .post(format!("{}/account/tokens", app.addr))
        .header("x-csrf-token", admin.csrf())
        .form(&[("name", "từ htmx")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("id=\"new-token\""));
    // A login form needs the token of its own pre-session cookie, not another browser's.
    let other = app.client();
    other.get("/login").await;
    let resp = anonymous
        .post_with_headers(
            "/login",
            &[("username", "admin"), ("password", PASSWORD)],
            &[("x-csrf-token", &other.csrf())],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "login CSRF");
}

/// SEC-5 / API-1: a personal API token authenticates without cookies and needs no CSRF token
/// (it is no ambient credential); it carries the owner's rights; a revoked token is refused.
#[tokio::test]
async fn api_token_works_without_csrf_sec_5() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let resp = admin.post("/account/tokens", &[("name", "kịch bản")]).await;
    let page = resp.text().await.unwrap();
    let start = page.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
    let token = page[start..start + page[start..].find('<').unwrap()].to_owned();
    assert!(token.starts_with("td_"));
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let me: serde_json::Value = bare
        .get(format!("{}/api/v1/me", app.addr))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "admin");
    // A state-changing request with the token alone: accepted, no CSRF token needed.
    let resp = bare
        .post(format!("{}/account/tokens", app.addr))
        .bearer_auth(&token)
        .form(&[("name", "tạo bằng API")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("id=\"new-token\""));
    let resp = bare
        .get(format!("{}/admin/tenants", app.addr))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "the owner's rights");
    assert_eq!(app.audit_of("account.token_created").await.len(), 2);

    // An operator's token has an operator's rights.
    app.account(
        "api.operator",
        Role::Operator,
        Some(app.tenant("tinh-an-giang").await),
        None,
    )
    .await;
    let op = app.login("api.operator").await;
    let page = op
        .post("/account/tokens", &[("name", "op")])
        .await
        .text()
        .await
        .unwrap();
    let start = page.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
    let op_token = page[start..start + page[start..].find('<').unwrap()].to_owned();
    let resp = bare
        .post(format!("{}/admin/tenants", app.addr))
        .bearer_auth(&op_token)
        .form(&[("code", "x"), ("name", "X")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(
        app.audit_of("access.denied")
            .await
            .iter()
            .any(|e| e.actor_name == "api.operator")
    );

    // Revoked from the account page: refused from then on.
    let id = {
        let mut c = app.store.conn().await.unwrap();
        let owner = app.account_named("admin").await.id;
        tongdai_store::accounts::api_tokens(&mut c, owner)
            .await
            .unwrap()
            .into_iter()
            .find(|t| token.starts_with(&t.prefix) && t.name == "kịch bản")
            .expect("the first token is listed")
            .id
    };
    admin.get("/account").await;
    let resp = admin
        .post(&format!("/account/tokens/{id}/revoke"), &[])
        .await;
    let (_, page) = admin.follow(resp).await;
    assert!(page.contains("Đã thu hồi mã truy cập."));
    let resp = bare
        .get(format!("{}/api/v1/me", app.addr))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::UNAUTHORIZED,
        "a revoked token is refused"
    );
    // Another user cannot revoke someone else's token.
    let resp = op.post(&format!("/account/tokens/{id}/revoke"), &[]).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.audit_of("account.token_revoked").await.len(), 1);
}

/// SEC-2/SEC-3: a signed-in user refused a page gets 403, and the refusal is in the audit log
/// with the user, the path and the missing permission.
#[tokio::test]
async fn refusals_are_audited_sec_3() {
    let app = TestApp::spawn().await;
    let op = app.login("tongdai1").await;
    let (status, page) = op.get("/admin/accounts").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("Bạn không có quyền truy cập nội dung này."));
    let denied = app.audit_of("access.denied").await;
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].actor_name, "tongdai1");
    assert!(denied[0].detail.contains("/admin/accounts"));
    assert!(denied[0].detail.contains("AccountsManage"));
    // Anonymous users are sent to the login page, with the way back.
    let resp = app.client().get_raw("/admin/accounts").await;
    assert_eq!(location(&resp), "/login?next=/admin/accounts");
}

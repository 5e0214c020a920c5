//! The `tongdai` binary from the outside, as an administrator would run it: in a fresh
//! directory, with the database chosen by TONGDAI_TEST_BACKEND (SQLite file under ./data/, or
//! a fresh PostgreSQL database through DATABASE_URL).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use tongdai_store::Backend;
use tongdai_store::testing::{backend, fresh_url};

const BIN: &str = env!("CARGO_BIN_EXE_tongdai");

/// A command in `dir`, with the test database when running on PostgreSQL.
async fn tongdai(dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("TONGDAI_ADMIN_PASSWORD")
        .env("NO_COLOR", "1");
    if backend() == Backend::Postgres {
        let (url, _) = fresh_url().await;
        cmd.env("DATABASE_URL", url);
    }
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run tongdai")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// ADM-4: `calendar holidays YEAR`, one ISO date and a name per line.
#[tokio::test]
async fn calendar_holidays_prints_iso_dates_adm_4() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(tongdai(dir.path())
        .await
        .args(["calendar", "holidays", "2026"]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    for day in [
        "2026-01-01",
        "2026-02-16",
        "2026-02-17",
        "2026-02-18",
        "2026-02-19",
        "2026-02-20",
        "2026-04-26",
        "2026-04-30",
        "2026-05-01",
        "2026-09-02",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(day)),
            "{day} missing from:\n{out}"
        );
    }
    for line in out.lines() {
        let (date, name) = line.split_once(' ').expect("date and name");
        assert!(
            chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
            "{line}"
        );
        assert!(!name.trim().is_empty());
    }
    // A year no test data covers: computed from the lunar calendar (Tết 2031 is 23 January).
    let o = run(tongdai(dir.path())
        .await
        .args(["calendar", "holidays", "2031"]));
    assert!(
        stdout(&o).lines().any(|l| l.starts_with("2031-01-23 ")),
        "{}",
        stdout(&o)
    );
    // The command created the database in ./data (SQLite) and applied the migrations.
    if backend() == Backend::Sqlite {
        assert!(dir.path().join("data/tongdai.db").exists());
    }
    let o = run(tongdai(dir.path())
        .await
        .args(["calendar", "holidays", "nineteen"]));
    assert!(!o.status.success());
}

/// CASE-6 worked examples through `calendar due START HOURS`.
#[tokio::test]
async fn calendar_due_answers_in_rfc3339_case_6() {
    let dir = tempfile::tempdir().unwrap();
    for (start, hours, due) in [
        (
            "2026-03-13T15:00:00+07:00",
            "8",
            "2026-03-16T16:00:00+07:00",
        ),
        ("2026-03-13T08:00:00Z", "8", "2026-03-16T09:00:00+00:00"),
        (
            "2026-03-12T16:10:00+07:00",
            "8",
            "2026-03-16T08:00:00+07:00",
        ),
        (
            "2026-03-10T11:30:00+07:00",
            "1",
            "2026-03-10T14:00:00+07:00",
        ),
        (
            "2026-02-13T15:00:00+07:00",
            "8",
            "2026-02-23T16:00:00+07:00",
        ),
        (
            "2026-03-13T15:00:00+07:00",
            "1.5",
            "2026-03-16T07:30:00+07:00",
        ),
    ] {
        let o = run(tongdai(dir.path())
            .await
            .args(["calendar", "due", start, hours]));
        assert!(
            o.status.success(),
            "{start} {hours}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(stdout(&o).trim(), due, "{start} + {hours} h");
    }
    let o = run(tongdai(dir.path())
        .await
        .args(["calendar", "due", "hôm qua", "8"]));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("RFC 3339"));
}

struct Server {
    child: Child,
    base: String,
    output: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `tongdai serve` on a random port and wait for its address.
async fn serve(dir: &Path, envs: &[(&str, &str)]) -> Server {
    let mut cmd = tongdai(dir).await;
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut output = String::new();
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            output.push_str(&line);
            output.push('\n');
            if let Some(i) = line.find("http://") {
                return Server {
                    child,
                    base: line[i..].trim().to_owned(),
                    output,
                };
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server did not start:\n{output}");
}

async fn login(base: &str, user: &str, password: &str) -> reqwest::StatusCode {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = c
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let i = page.find("name=\"csrf-token\" content=\"").unwrap() + 27;
    let token = &page[i..i + page[i..].find('"').unwrap()];
    c.post(format!("{base}/login"))
        .form(&[("_csrf", token), ("username", user), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
}

/// Issue 3 point 2: a fresh directory serves a Vietnamese login page with migrations and demo
/// data, `/healthz` answers, and the administrator logs in with TONGDAI_ADMIN_PASSWORD.
#[tokio::test]
async fn serve_in_a_fresh_directory_with_demo_data() {
    let dir = tempfile::tempdir().unwrap();
    let password = "Mật khẩu quản trị 2026";
    let server = serve(dir.path(), &[("TONGDAI_ADMIN_PASSWORD", password)]).await;
    let health = reqwest::get(format!("{}/healthz", server.base))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let login_page = reqwest::get(format!("{}/login", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        login_page.contains("<html lang=\"vi\">")
            && login_page.contains("Đăng nhập")
            && login_page.contains("Mật khẩu")
    );
    assert_eq!(
        login(&server.base, "admin", password).await,
        reqwest::StatusCode::SEE_OTHER
    );
    assert_eq!(
        login(&server.base, "admin", "sai mật khẩu 123").await,
        reqwest::StatusCode::UNAUTHORIZED
    );
    // Demo accounts share the first administrator password.
    assert_eq!(
        login(&server.base, "dieuphoi", password).await,
        reqwest::StatusCode::SEE_OTHER
    );
    assert!(
        !server.output.contains(password),
        "a given password is never printed"
    );
    if backend() == Backend::Sqlite {
        assert!(dir.path().join("data/tongdai.db").exists());
    }
}

/// Without TONGDAI_ADMIN_PASSWORD a password is generated and printed once.
#[tokio::test]
async fn generated_admin_password_is_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    // Keep one database across the two runs.
    let url = match backend() {
        Backend::Postgres => fresh_url().await.0,
        Backend::Sqlite => format!("sqlite://{}/data/tongdai.db", dir.path().display()),
    };
    let first = serve(dir.path(), &[("DATABASE_URL", &url)]).await;
    let line = first
        .output
        .lines()
        .find(|l| l.contains("Mật khẩu / password:"))
        .expect("password printed");
    let password = line.rsplit(": ").next().unwrap().trim().to_owned();
    assert_eq!(password.len(), 20);
    assert_eq!(
        login(&first.base, "admin", &password).await,
        reqwest::StatusCode::SEE_OTHER
    );
    drop(first);
    let second = serve(dir.path(), &[("DATABASE_URL", &url)]).await;
    assert!(!second.output.contains(&password), "printed only once");
    assert_eq!(
        login(&second.base, "admin", &password).await,
        reqwest::StatusCode::SEE_OTHER
    );
}

/// `audit verify` passes on an intact log and fails after tampering (issue 3 point 8).
#[tokio::test]
async fn audit_verify_detects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let url = match backend() {
        Backend::Postgres => fresh_url().await.0,
        Backend::Sqlite => format!("sqlite://{}/data/tongdai.db", dir.path().display()),
    };
    // Importing units writes nothing to the audit log by itself; a server start does.
    drop(
        serve(
            dir.path(),
            &[
                ("DATABASE_URL", &url),
                ("TONGDAI_ADMIN_PASSWORD", "Mật khẩu quản trị 2026"),
            ],
        )
        .await,
    );
    let o = run(tongdai(dir.path())
        .await
        .env("DATABASE_URL", &url)
        .args(["audit", "verify"]));
    assert!(
        o.status.success(),
        "{}{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout(&o).starts_with("OK:"));
    let store = tongdai_store::Store::connect(&url).await.unwrap();
    let mut c = store.conn().await.unwrap();
    let drop_trigger = match backend() {
        Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
        Backend::Postgres => "DROP TRIGGER audit_log_no_update ON audit_log",
    };
    sqlx::query(drop_trigger).execute(&mut *c).await.unwrap();
    sqlx::query("UPDATE audit_log SET actor_name = 'ai đó' WHERE seq = 1")
        .execute(&mut *c)
        .await
        .unwrap();
    drop(c);
    store.close().await;
    let o = run(tongdai(dir.path())
        .await
        .env("DATABASE_URL", &url)
        .args(["audit", "verify"]));
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).starts_with("BROKEN:"), "{}", stdout(&o));
}

/// `import units FILE` with the official conversion table; bad rows give exit code 1.
#[tokio::test]
async fn import_units_from_csv_org_1() {
    let dir = tempfile::tempdir().unwrap();
    let csv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../store/demo/chau_thanh_an_giang_2025_conversion_official.csv");
    let o = run(tongdai(dir.path()).await.args([
        "import",
        "units",
        csv.to_str().unwrap(),
        "--dry-run",
    ]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("Chạy thử"));
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "code,name\n30589,Xã An Châu\n123,Xã Lạ\n").unwrap();
    let o = run(tongdai(dir.path())
        .await
        .args(["import", "units", bad.to_str().unwrap()]));
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("dòng 3"), "{}", stdout(&o));
}

/// Unknown configuration keys are reported, not silently ignored (issue 3 point 4).
#[tokio::test]
async fn unknown_settings_are_warned() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tongdai.toml"), "lisen = \"127.0.0.1:1\"\n").unwrap();
    let o = run(tongdai(dir.path())
        .await
        .env("TONGDAI_COLOUR", "red")
        .args(["calendar", "due", "2026-03-13T15:00:00+07:00", "8"]));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("lisen"), "{err}");
    assert!(err.contains("TONGDAI_COLOUR"), "{err}");
}

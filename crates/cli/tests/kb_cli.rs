//! KB-1 / KB-3 from the outside: `tongdai kb import` and `tongdai kb search --format json` on
//! the same database (a SQLite file in a fresh directory, or one PostgreSQL database for all
//! commands of a test), as external checkers run them.

use std::path::Path;
use std::process::{Command, Output};
use tongdai_store::Backend;
use tongdai_store::testing::{backend, fresh_url};

const BIN: &str = env!("CARGO_BIN_EXE_tongdai");

/// A fresh directory and, on PostgreSQL, one fresh database every command of the test uses.
struct Env {
    dir: tempfile::TempDir,
    url: Option<String>,
}

impl Env {
    async fn new() -> Env {
        let url = match backend() {
            Backend::Postgres => Some(fresh_url().await.0),
            Backend::Sqlite => None,
        };
        Env {
            dir: tempfile::tempdir().unwrap(),
            url,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1")
            .args(args);
        if let Some(u) = &self.url {
            cmd.env("DATABASE_URL", u);
        }
        cmd.output().expect("run tongdai")
    }

    fn write(&self, name: &str, content: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p.display().to_string()
    }
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn search(env: &Env, q: &str, limit: &str) -> Vec<serde_json::Value> {
    let o = env.run(&["kb", "search", q, "--limit", limit, "--format", "json"]);
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_str(&out(&o))
        .unwrap_or_else(|e| panic!("not one JSON array ({e}):\n{}", out(&o)));
    v.as_array().expect("a JSON array").clone()
}

/// KB-1 / KB-3: the shipped procedures imported with `kb import`, found with `kb search`;
/// the JSON output is one array of {kind, code, name, score} in rank order.
#[tokio::test]
async fn kb_import_then_search_json_kb_1_kb_3() {
    let env = Env::new().await;
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../search/data/procedures.json");
    let o = env.run(&["kb", "import", demo.to_str().unwrap()]);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("49 thêm mới"), "{}", out(&o));

    let hits = search(&env, "lam giay khai sinh cho con", "5");
    assert!(!hits.is_empty() && hits.len() <= 5);
    assert_eq!(hits[0]["code"], "1.001193");
    let mut last = f64::INFINITY;
    for h in &hits {
        let obj = h.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["code", "kind", "name", "score"], "{h}");
        assert_eq!(h["kind"], "procedure");
        let s = h["score"].as_f64().unwrap();
        assert!(s <= last, "ranked: {hits:?}");
        last = s;
    }
    // Synonyms: everyday words find the official name.
    assert!(
        search(&env, "sổ đỏ lần đầu", "3")
            .iter()
            .any(|h| h["code"] == "1.013978")
    );
    assert!(search(&env, "zzzzqqq", "5").is_empty());

    // The same file again changes nothing; the text report says so.
    let o = env.run(&["kb", "import", demo.to_str().unwrap(), "--report", "json"]);
    assert!(o.status.success());
    let report: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(report["unchanged"], 49);
    assert_eq!(report["created"].as_array().unwrap().len(), 0);
}

/// KB-1: a file with a bad row: the row is reported with its line and field, the others are
/// imported, the exit status is 1; a dry run keeps nothing; a changed record is a new version.
#[tokio::test]
async fn kb_import_reports_bad_rows_kb_1() {
    let env = Env::new().await;
    let json = r#"[
  {"ma_tthc": "1.900001", "ten_tthc": "Cấp giấy phép thử nghiệm", "cap_thuc_hien": "Cấp Xã",
   "linh_vuc": [{"ten": "Thử nghiệm"}], "cach_thuc_thuc_hien": [{"kenh": 1}], "thanh_phan_ho_so": []},
  {"ma_tthc": "1.900002",
   "cap_thuc_hien": ["Cấp Xã"]},
  {"ma_tthc": "1.900003", "ten_tthc": "Đăng ký thử nghiệm", "cach_thuc_thuc_hien": [{"kenh": "fax"}]}
]"#;
    let file = env.write("thu.json", json);
    let o = env.run(&["kb", "import", &file, "--dry-run"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("CHẠY THỬ"));
    assert!(
        search(&env, "giay phep thu nghiem", "5").is_empty(),
        "dry run kept nothing"
    );

    let o = env.run(&["kb", "import", &file]);
    assert_eq!(o.status.code(), Some(1));
    let text = out(&o);
    assert!(
        text.contains("Dòng 4 (mã 1.900002): LỖI trường `ten_tthc`"),
        "{text}"
    );
    assert!(
        text.contains("Dòng 6 (mã 1.900003): LỖI trường `cach_thuc_thuc_hien[0].kenh`"),
        "{text}"
    );
    assert!(text.contains("1 thêm mới"), "{text}");
    assert_eq!(
        search(&env, "giay phep thu nghiem", "1")[0]["code"],
        "1.900001"
    );

    // CSV with the documented columns: a changed name is a new version.
    let csv = env.write(
        "thu.csv",
        "ma_tthc,ten_tthc,cap_thuc_hien,thoi_han_truc_tiep,phi_truc_tiep\n\
         1.900001,Cấp giấy phép thử nghiệm lần hai,Cấp Xã,5 Ngày làm việc,Lệ phí: 10.000 đồng\n",
    );
    let o = env.run(&["kb", "import", &csv, "--report", "json"]);
    assert!(o.status.success(), "{}", out(&o));
    let report: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(report["updated"], serde_json::json!(["1.900001"]));
    assert_eq!(
        search(&env, "giay phep thu nghiem lan hai", "1")[0]["name"],
        "Cấp giấy phép thử nghiệm lần hai"
    );

    // An unreadable file: nothing imported, a clear message.
    let broken = env.write("hong.json", "[{\"ma_tthc\": }");
    let o = env.run(&["kb", "import", &broken]);
    assert!(!o.status.success());
    assert!(err(&o).contains("JSON sai cú pháp ở dòng 1"), "{}", err(&o));
}

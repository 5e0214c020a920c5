//! KB-1: importing procedures from JSON, CSV and XLSX on the database under test — good,
//! bad and repeated files, dry runs, all-or-nothing writes, and the demo catalogue.

mod common;

use common::{Kb, json_file, record};
use serde_json::json;
use tongdai_domain::access::Role;
use tongdai_kb::{Actor, DocKind, ImportOptions, KbError, Scope, import};
use tongdai_store::kb as db;

fn opts(source: &str) -> ImportOptions {
    ImportOptions {
        dry_run: false,
        source: source.into(),
    }
}

async fn codes(kb: &Kb) -> Vec<(String, i64)> {
    let mut c = kb.store().conn().await.unwrap();
    db::list_procedures(
        &mut c,
        &db::ProcedureFilter {
            include_inactive: true,
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .into_iter()
    .map(|p| (p.code, p.version))
    .collect()
}

/// KB-1: good rows are imported, bad rows reported with their line and field (the others
/// imported all the same), a second import of the same file changes nothing, a changed record
/// makes a new version and keeps the earlier one.
#[tokio::test]
async fn kb1_json_import_good_bad_and_repeated() {
    let kb = Kb::new().await;
    let admin = kb.admin().await;
    let mut bad_channel = record("1.000004", "Thủ tục có kênh sai");
    bad_channel["cach_thuc_thuc_hien"][1]["kenh"] = json!(9);
    let values = vec![
        record("1.000001", "Đăng ký khai sinh lưu động"),
        json!({"ma_tthc": "1.000002", "cap_thuc_hien": "Cấp Xã"}),
        record("1.000003", "Chứng thực chữ ký người dịch"),
        bad_channel,
        record("1.000001", "Trùng mã"),
        // Liberal: a provincial copy, levels as one string, most fields missing.
        json!({"ma_tthc": "1.001612.000.00.00.H01", "ten_tthc": "Cấp bản sao trích lục hộ tịch", "cap_thuc_hien": "Cấp Xã, Cấp Tỉnh"}),
    ];
    let file = json_file(&values);
    let report = kb.kb.import(&file, &opts("a.json"), &admin).await.unwrap();
    assert_eq!(report.read, 6);
    assert_eq!(
        report.created,
        ["1.000001", "1.000003", "1.001612.000.00.00.H01"]
    );
    assert_eq!(report.rejected.len(), 3, "{report:?}");
    // Each bad record: its line in the file and the path of the bad field.
    let lines: Vec<usize> = file.records.iter().map(|r| r.line).collect();
    let r = &report.rejected[0];
    assert_eq!((r.line, r.code.as_str()), (lines[1], "1.000002"));
    assert_eq!(r.problems[0].field, "ten_tthc");
    let r = &report.rejected[1];
    assert_eq!(r.line, lines[3]);
    assert_eq!(r.problems[0].field, "cach_thuc_thuc_hien[1].kenh");
    let r = &report.rejected[2];
    assert_eq!(r.line, lines[4]);
    assert!(
        r.problems[0]
            .message
            .contains(&format!("dòng {}", lines[0]))
    );
    let text = report.summary_vi();
    assert!(
        text.contains(&format!(
            "Dòng {} (mã 1.000004): LỖI trường `cach_thuc_thuc_hien[1].kenh`",
            lines[3]
        )),
        "{text}"
    );
    assert!(text.contains("3 thêm mới, 0 cập nhật (phiên bản mới), 0 không đổi, 3 bị từ chối"));
    assert_eq!(
        codes(&kb).await,
        [
            ("1.000001".to_owned(), 1),
            ("1.000003".to_owned(), 1),
            ("1.001612.000.00.00.H01".to_owned(), 1)
        ]
    );
    let stored = kb
        .kb
        .procedure("1.001612.000.00.00.H01")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.record.cap_thuc_hien, ["Cấp Xã", "Cấp Tỉnh"]);

    // The same file again: nothing changes, not even the change log.
    let log = kb.changes().await;
    let again = kb.kb.import(&file, &opts("a.json"), &admin).await.unwrap();
    assert!(again.created.is_empty() && again.updated.is_empty());
    assert_eq!(again.unchanged, 3);
    assert_eq!(kb.changes().await, log);
    assert_eq!(kb.kb.history("1.000001").await.unwrap().len(), 1);

    // One record changed: a new version, the earlier kept, who and how recorded.
    let mut changed = record("1.000003", "Chứng thực chữ ký người dịch");
    changed["cach_thuc_thuc_hien"][0]["thoi_han"][0]["gia_tri"] = json!(1);
    let third = kb
        .kb
        .import(
            &json_file(&[record("1.000001", "Đăng ký khai sinh lưu động"), changed]),
            &opts("b.json"),
            &admin,
        )
        .await
        .unwrap();
    assert_eq!(third.updated, ["1.000003"]);
    assert_eq!(third.unchanged, 1);
    let history = kb.kb.history("1.000003").await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].row.version, 2);
    assert_eq!(history[0].row.source, "import:b.json");
    assert_eq!(history[0].row.actor_name, "qt.kb");
    assert_eq!(history[0].changed_fields, ["cach_thuc_thuc_hien"]);
    assert_eq!(
        history[1].record.cach_thuc_thuc_hien[0].thoi_han[0].gia_tri,
        Some(3.0),
        "version 1 is kept as it was"
    );
    assert!(
        kb.audit_actions()
            .await
            .iter()
            .filter(|a| *a == "kb.import")
            .count()
            == 3
    );
}

/// KB-1: a dry run reports exactly what a real import would do and keeps nothing — no
/// procedure, no version, no change-log row, no audit entry, nothing in the index.
#[tokio::test]
async fn kb1_dry_run_keeps_nothing() {
    let kb = Kb::new().await;
    let admin = kb.admin().await;
    let file = json_file(&[
        record("1.000010", "Thủ tục chạy thử"),
        json!({"ma_tthc": "", "ten_tthc": "Không mã"}),
    ]);
    let dry = kb
        .kb
        .import(
            &file,
            &ImportOptions {
                dry_run: true,
                source: "thu.json".into(),
            },
            &admin,
        )
        .await
        .unwrap();
    assert!(dry.dry_run);
    assert_eq!(dry.created, ["1.000010"]);
    assert_eq!(dry.rejected[0].problems[0].field, "ma_tthc");
    assert!(dry.summary_vi().starts_with("Dòng") || dry.summary_vi().contains("CHẠY THỬ"));
    assert!(codes(&kb).await.is_empty());
    assert_eq!(kb.changes().await, 0);
    assert!(!kb.audit_actions().await.iter().any(|a| a == "kb.import"));
    let hits = kb
        .kb
        .search("thủ tục chạy thử", 5, None, &Scope::everything())
        .await
        .unwrap();
    assert!(hits.iter().all(|h| h.id != "1.000010"));
    // The real run does what the dry run said.
    let real = kb
        .kb
        .import(&file, &opts("thu.json"), &admin)
        .await
        .unwrap();
    assert_eq!(real.created, dry.created);
    assert_eq!(real.rejected, dry.rejected);
}

/// KB-1: the good rows are written all together or not at all — a failure while writing the
/// third keeps none of the three.
#[tokio::test]
async fn kb1_import_is_all_or_nothing() {
    let kb = Kb::new().await;
    let admin = kb.admin().await;
    // A database-side failure on one code (as a full disk or a lost connection would cause).
    let mut c = kb.store().conn().await.unwrap();
    match kb.store().backend() {
        tongdai_store::Backend::Sqlite => {
            sqlx::query(
                "CREATE TRIGGER fail_one BEFORE INSERT ON kb_procedures WHEN NEW.code = '1.000023' \
                 BEGIN SELECT RAISE(ABORT, 'simulated failure'); END",
            )
            .execute(&mut *c)
            .await
            .unwrap();
        }
        tongdai_store::Backend::Postgres => {
            sqlx::query(
                "CREATE FUNCTION fail_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF NEW.code = '1.000023' THEN RAISE EXCEPTION 'simulated failure'; END IF; \
                 RETURN NEW; END; $$",
            )
            .execute(&mut *c)
            .await
            .unwrap();
            sqlx::query(
                "CREATE TRIGGER fail_one BEFORE INSERT ON kb_procedures FOR EACH ROW EXECUTE FUNCTION fail_one()",
            )
            .execute(&mut *c)
            .await
            .unwrap();
        }
    }
    drop(c);
    let file = json_file(&[
        record("1.000021", "Một"),
        record("1.000022", "Hai"),
        record("1.000023", "Ba"),
    ]);
    let err = kb.kb.import(&file, &opts("x.json"), &admin).await;
    assert!(matches!(err, Err(KbError::Store(_))), "{err:?}");
    assert!(codes(&kb).await.is_empty(), "nothing half-imported");
    assert_eq!(kb.changes().await, 0);
    assert!(!kb.audit_actions().await.iter().any(|a| a == "kb.import"));
}

/// KB-1: the documented CSV columns, with channels, documents and legal bases in cells; a bad
/// row reported by its line; the same rows as XLSX give the same procedures (idempotent
/// across formats).
#[tokio::test]
async fn kb1_csv_and_xlsx_tables() {
    let kb = Kb::new().await;
    let admin = kb.admin().await;
    let header = [
        "Mã thủ tục",
        "ten_tthc",
        "cap_thuc_hien",
        "linh_vuc",
        "thoi_han_truc_tiep",
        "phi_truc_tiep",
        "thoi_han_truc_tuyen",
        "thanh_phan_ho_so",
        "can_cu_phap_ly",
        "muc_do_dvc",
        "dvc_url",
        "ngay_cap_nhat",
    ];
    let rows: Vec<Vec<&str>> = vec![
        vec![
            "1.000031",
            "Đăng ký giám hộ",
            "Cấp Xã",
            "Hộ tịch",
            "3 Ngày làm việc",
            "Lệ phí: 5.000 đồng",
            "3 Ngày làm việc",
            "Tờ khai đăng ký giám hộ | bản chính 1 | https://x.gov.vn/to-khai.docx\nVăn bản cử người giám hộ | bản chính 1",
            "60/2014/QH13 | Luật Hộ tịch",
            "một phần",
            "https://dichvucong.gov.vn/p/home/dvc-chi-tiet.html",
            "01/07/2025",
        ],
        vec!["1.000032", "", "Cấp Xã", "", "", "", "", "", "", "", "", ""],
        vec![
            "1.000033",
            "Chứng thực hợp đồng",
            "Cấp Xã; Cấp Huyện",
            "Chứng thực",
            "",
            "50.000",
            "",
            "",
            "",
            "Mức độ 3",
            "",
            "",
        ],
    ];
    // CSV, with the multi-line cell quoted.
    let mut csv = header.join(",");
    csv.push('\n');
    for r in &rows {
        let cells: Vec<String> = r
            .iter()
            .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
            .collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    let file = import::read_csv(csv.as_bytes()).unwrap();
    let report = kb
        .kb
        .import(&file, &opts("tthc.csv"), &admin)
        .await
        .unwrap();
    assert_eq!(report.created, ["1.000031", "1.000033"]);
    assert_eq!(report.rejected.len(), 1);
    // Header on line 1; the first row spans lines 2–3; the bad row is on line 4.
    assert_eq!(report.rejected[0].line, 4);
    assert_eq!(report.rejected[0].code, "1.000032");
    assert_eq!(report.rejected[0].problems[0].field, "ten_tthc");
    let p = kb.kb.procedure("1.000031").await.unwrap().unwrap().record;
    assert_eq!(p.cach_thuc_thuc_hien.len(), 2);
    assert_eq!(p.cach_thuc_thuc_hien[0].kenh, 1);
    assert_eq!(p.cach_thuc_thuc_hien[0].phi_le_phi[0].so_tien, Some(5000.0));
    assert_eq!(p.cach_thuc_thuc_hien[1].thoi_han[0].gia_tri, Some(3.0));
    let docs = &p.thanh_phan_ho_so[0].giay_to;
    assert_eq!(docs.len(), 2);
    assert_eq!(
        docs[0].mau_don.as_ref().unwrap().url,
        "https://x.gov.vn/to-khai.docx"
    );
    assert_eq!(p.can_cu_phap_ly[0].so_ky_hieu, "60/2014/QH13");
    assert_eq!(p.ngay_cap_nhat, "2025-07-01");
    let q = kb.kb.procedure("1.000033").await.unwrap().unwrap().record;
    assert_eq!(q.cap_thuc_hien, ["Cấp Xã", "Cấp Huyện"]);
    assert_eq!(q.muc_do_dvc, "một phần");

    // The same rows as XLSX, the code typed as text and the date as an Excel date.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (j, h) in header.iter().enumerate() {
        sheet.write_string(0, j as u16, *h).unwrap();
    }
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 7, 1).unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    for (i, r) in rows.iter().enumerate() {
        for (j, cell) in r.iter().enumerate() {
            let (row, col) = (i as u32 + 1, j as u16);
            if header[j] == "ngay_cap_nhat" && !cell.is_empty() {
                sheet
                    .write_datetime_with_format(row, col, &date, &fmt)
                    .unwrap();
            } else if !cell.is_empty() {
                sheet.write_string(row, col, *cell).unwrap();
            }
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let file = import::read(&bytes, tongdai_kb::FileFormat::Xlsx).unwrap();
    let report = kb
        .kb
        .import(&file, &opts("tthc.xlsx"), &admin)
        .await
        .unwrap();
    assert!(
        report.created.is_empty() && report.updated.is_empty(),
        "{report:?}"
    );
    assert_eq!(report.unchanged, 2);
    assert_eq!(report.rejected[0].line, 3, "the sheet's row number");
}

/// KB-1 / SEC-2: only a global administrator imports into the national catalogue.
#[tokio::test]
async fn kb1_import_needs_the_catalogue_right() {
    let kb = Kb::new().await;
    let file = json_file(&[record("1.000041", "Thủ tục")]);
    for actor in [
        kb.actor("op.t", Role::Operator, Some("tinh-an-giang"), None)
            .await,
        kb.actor("dp.t", Role::Coordinator, Some("tinh-an-giang"), None)
            .await,
        kb.actor(
            "cb.t",
            Role::FocalOfficer,
            Some("xa-an-chau"),
            Some(("xa-an-chau", "vp-hdnd-ubnd")),
        )
        .await,
    ] {
        let r = kb.kb.import(&file, &opts("x.json"), &actor).await;
        assert!(
            matches!(r, Err(KbError::Forbidden)),
            "{}: {r:?}",
            actor.name
        );
    }
    assert!(codes(&kb).await.is_empty());
    let ok = kb
        .kb
        .import(&file, &opts("x.json"), &Actor::system("cli:test"))
        .await;
    assert_eq!(ok.unwrap().created, ["1.000041"]);
}

/// KB-1 / KB-2: the demo knowledge base loads with the demo organisation — at least 30 real
/// commune-level procedures and the FAQs, published under the commune's agencies — once.
#[tokio::test]
async fn kb1_demo_knowledge_base_loads_once() {
    let kb = Kb::new().await;
    let r = tongdai_kb::demo::load(&kb.kb).await.unwrap();
    assert!(r.loaded);
    assert!(r.procedures >= 30, "{r:?}");
    assert!(r.faqs >= 40, "{r:?}");
    let p = kb.kb.procedure("1.001193").await.unwrap().unwrap();
    assert!(p.record.cap_thuc_hien.iter().any(|c| c == "Cấp Xã"));
    assert!(!p.record.nguon_url.is_empty());
    let hits = kb
        .kb
        .search("lam giay khai sinh cho con", 5, None, &Scope::everything())
        .await
        .unwrap();
    assert_eq!(hits[0].id, "1.001193");
    let faqs = kb
        .kb
        .search(
            "sinh con bao lâu phải khai sinh",
            5,
            Some(DocKind::Faq),
            &Scope::everything(),
        )
        .await
        .unwrap();
    assert_eq!(faqs[0].id, "faq-ho-tich-01");
    let faq = kb.kb.faq_by_code("faq-ho-tich-01").await.unwrap().unwrap();
    assert_eq!(
        faq.row.agency_id,
        Some(kb.agency("xa-an-chau", "vp-hdnd-ubnd").await)
    );
    let again = tongdai_kb::demo::load(&kb.kb).await.unwrap();
    assert!(!again.loaded);
}

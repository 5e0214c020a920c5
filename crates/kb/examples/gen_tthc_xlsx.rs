//! Writes an XLSX of N procedures in the documented columns, for the import benchmark
//! (`tools/bench_kb_import.sh`): the shipped procedures recombined under new codes, every
//! documented column filled as a provincial spreadsheet would fill it.
//!
//! `cargo run --release -p tongdai-kb --example gen_tthc_xlsx -- 50000 tthc.xlsx`

use tongdai_kb::diff::{fee_text, time_text};
use tongdai_search::demo;

const HEADERS: &[&str] = &[
    "ma_tthc",
    "ten_tthc",
    "quyet_dinh_cong_bo",
    "cap_thuc_hien",
    "loai_thu_tuc",
    "linh_vuc",
    "doi_tuong_thuc_hien",
    "co_quan_co_tham_quyen",
    "co_quan_thuc_hien",
    "dia_chi_tiep_nhan",
    "trinh_tu_thuc_hien",
    "thoi_han_truc_tiep",
    "phi_truc_tiep",
    "thoi_han_truc_tuyen",
    "phi_truc_tuyen",
    "thoi_han_buu_chinh",
    "phi_buu_chinh",
    "thanh_phan_ho_so",
    "yeu_cau_dieu_kien",
    "ket_qua",
    "can_cu_phap_ly",
    "thu_tuc_lien_quan",
    "muc_do_dvc",
    "dvc_url",
    "nguon_url",
    "ngay_cap_nhat",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rows: usize = args.first().map_or(Ok(50_000), |s| s.parse())?;
    let out = args.get(1).map_or("tthc.xlsx", String::as_str);
    let file = tongdai_kb::import::read_json(demo::PROCEDURES_JSON.as_bytes())?;
    let records: Vec<tongdai_kb::Tthc> = file
        .records
        .iter()
        .filter_map(|r| tongdai_kb::normalize(&r.value).ok().map(|n| n.record))
        .collect();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("TTHC")?;
    for (j, h) in HEADERS.iter().enumerate() {
        sheet.write_string(0, j as u16, *h)?;
    }
    for i in 0..rows {
        let r = &records[i % records.len()];
        let channel = |k: u8, time: bool| -> String {
            r.cach_thuc_thuc_hien
                .iter()
                .filter(|c| c.kenh == k)
                .flat_map(|c| {
                    if time {
                        c.thoi_han.iter().map(time_text).collect::<Vec<_>>()
                    } else {
                        c.phi_le_phi.iter().map(fee_text).collect::<Vec<_>>()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let mut docs = Vec::new();
        for t in &r.thanh_phan_ho_so {
            if !t.truong_hop.is_empty() {
                docs.push(format!("{}:", t.truong_hop.trim_end_matches(':')));
            }
            for g in &t.giay_to {
                let mut line = g.ten_giay_to.replace('|', "/");
                if let Some(n) = g.so_ban_chinh {
                    line.push_str(&format!(" | bản chính {n}"));
                }
                if let Some(n) = g.so_ban_sao {
                    line.push_str(&format!(" | bản sao {n}"));
                }
                docs.push(line);
            }
        }
        let cells: Vec<String> = vec![
            format!("{}.{:06}", 5 + i / 1_000_000, i % 1_000_000),
            format!("{} (bản {})", r.ten_tthc, i / records.len() + 1),
            r.quyet_dinh_cong_bo.clone(),
            r.cap_thuc_hien.join("; "),
            r.loai_thu_tuc.clone(),
            r.linh_vuc
                .iter()
                .map(|l| l.ten.clone())
                .collect::<Vec<_>>()
                .join("; "),
            r.doi_tuong_thuc_hien.join("; "),
            r.co_quan_co_tham_quyen.clone(),
            r.co_quan_thuc_hien
                .iter()
                .map(|c| c.ten_don_vi.clone())
                .collect::<Vec<_>>()
                .join("; "),
            r.dia_chi_tiep_nhan.clone(),
            r.trinh_tu_thuc_hien
                .iter()
                .flat_map(|t| t.buoc.iter().cloned())
                .collect::<Vec<_>>()
                .join("\n"),
            channel(1, true),
            channel(1, false),
            channel(2, true),
            channel(2, false),
            channel(3, true),
            channel(3, false),
            docs.join("\n"),
            r.yeu_cau_dieu_kien.clone(),
            r.ket_qua
                .iter()
                .map(|k| k.ten.clone())
                .collect::<Vec<_>>()
                .join("\n"),
            r.can_cu_phap_ly
                .iter()
                .map(|c| format!("{} | {}", c.so_ky_hieu, c.trich_yeu.replace('|', "/")))
                .collect::<Vec<_>>()
                .join("\n"),
            String::new(),
            r.muc_do_dvc.clone(),
            "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html".into(),
            r.nguon_url.clone(),
            "2026-01-15".into(),
        ];
        for (j, c) in cells.iter().enumerate() {
            if !c.is_empty() {
                sheet.write_string(
                    i as u32 + 1,
                    j as u16,
                    c.chars().take(32_000).collect::<String>(),
                )?;
            }
        }
    }
    book.save(out)?;
    let size = std::fs::metadata(out)?.len();
    println!(
        "{rows} procedures written to {out} ({:.1} MB)",
        size as f64 / 1e6
    );
    Ok(())
}

//! The procedure record (KB-1): every field of `tthc_record.schema.json`, read leniently from
//! whatever a national export, a provincial spreadsheet or a person wrote, validated, and kept
//! in one canonical JSON form whose hash tells whether an import changed anything.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tongdai_domain::text::fold;
use tongdai_search::{
    CachThuc, CoQuan, Doc, KetQua, LinhVuc, PhiLePhi, ProcedureRecord, ThoiHan, TrinhTu,
};

use crate::error::Problem;
use crate::lenient::{
    Findings, clean_line, count, date, items, leading_number, number, shown, text, text_list, url,
    yes_no,
};

fn empty(s: &str) -> bool {
    s.is_empty()
}

/// A form (*mẫu đơn, tờ khai*) attached to a dossier document.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MauDon {
    /// The form's name.
    #[serde(default, skip_serializing_if = "empty")]
    pub ten: String,
    /// Where to download it.
    #[serde(default, skip_serializing_if = "empty")]
    pub url: String,
}

/// One document of a dossier.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GiayTo {
    #[serde(default, skip_serializing_if = "empty")]
    pub ma_giay_to: String,
    pub ten_giay_to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mau_don: Option<MauDon>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub so_ban_chinh: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub so_ban_sao: Option<u32>,
}

/// The documents of a dossier for one case (*trường hợp*).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ThanhPhanHoSo {
    #[serde(default, skip_serializing_if = "empty")]
    pub truong_hop: String,
    #[serde(default)]
    pub giay_to: Vec<GiayTo>,
}

/// A legal basis.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CanCu {
    pub so_ky_hieu: String,
    #[serde(default, skip_serializing_if = "empty")]
    pub trich_yeu: String,
    #[serde(default, skip_serializing_if = "empty")]
    pub ngay_ban_hanh: String,
    #[serde(default, skip_serializing_if = "empty")]
    pub co_quan_ban_hanh: String,
}

/// A procedure record: the fields of `tthc_record.schema.json` (same names), plus `dvc_url`
/// (the online submission page, KB-4) and `ghi_chu` (transcription notes). Fields the schema
/// does not know are kept in `extra`, so an import loses nothing.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Tthc {
    pub ma_tthc: String,
    pub ten_tthc: String,
    #[serde(default, skip_serializing_if = "empty")]
    pub quyet_dinh_cong_bo: String,
    #[serde(default)]
    pub cap_thuc_hien: Vec<String>,
    #[serde(default, skip_serializing_if = "empty")]
    pub loai_thu_tuc: String,
    #[serde(default)]
    pub linh_vuc: Vec<LinhVuc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub doi_tuong_thuc_hien: Vec<String>,
    #[serde(default, skip_serializing_if = "empty")]
    pub co_quan_co_tham_quyen: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub co_quan_thuc_hien: Vec<CoQuan>,
    #[serde(default, skip_serializing_if = "empty")]
    pub co_quan_duoc_uy_quyen: String,
    #[serde(default, skip_serializing_if = "empty")]
    pub co_quan_phoi_hop: String,
    #[serde(default, skip_serializing_if = "empty")]
    pub dia_chi_tiep_nhan: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trinh_tu_thuc_hien: Vec<TrinhTu>,
    #[serde(default)]
    pub cach_thuc_thuc_hien: Vec<CachThuc>,
    #[serde(default)]
    pub thanh_phan_ho_so: Vec<ThanhPhanHoSo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub so_luong_bo_ho_so: Option<u32>,
    #[serde(default, skip_serializing_if = "empty")]
    pub yeu_cau_dieu_kien: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ket_qua: Vec<KetQua>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub can_cu_phap_ly: Vec<CanCu>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thu_tuc_lien_quan: Vec<String>,
    #[serde(default, skip_serializing_if = "empty")]
    pub co_quan_cong_bo: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trang_thai_cong_khai: Option<bool>,
    /// "toàn trình", "một phần" or "cung cấp thông tin" (NĐ 42/2022).
    #[serde(default, skip_serializing_if = "empty")]
    pub muc_do_dvc: String,
    /// The page where the procedure is submitted online (KB-4).
    #[serde(default, skip_serializing_if = "empty")]
    pub dvc_url: String,
    #[serde(default, skip_serializing_if = "empty")]
    pub nguon_url: String,
    #[serde(default, skip_serializing_if = "empty")]
    pub ngay_cap_nhat: String,
    #[serde(default, skip_serializing_if = "empty")]
    pub ghi_chu: String,
    /// Fields outside the schema, kept as given.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// The levels of the schema, by their folded spellings.
const LEVELS: &[(&str, &str)] = &[
    ("cap bo", "Cấp Bộ"),
    ("bo", "Cấp Bộ"),
    ("cap tinh", "Cấp Tỉnh"),
    ("tinh", "Cấp Tỉnh"),
    ("cap huyen", "Cấp Huyện"),
    ("huyen", "Cấp Huyện"),
    ("cap xa", "Cấp Xã"),
    ("xa", "Cấp Xã"),
    ("co quan khac", "Cơ quan khác"),
    ("khac", "Cơ quan khác"),
];

/// The fields of the schema (and the two additions), in order: everything else is `extra`.
pub const FIELDS: &[&str] = &[
    "ma_tthc",
    "ten_tthc",
    "quyet_dinh_cong_bo",
    "cap_thuc_hien",
    "loai_thu_tuc",
    "linh_vuc",
    "doi_tuong_thuc_hien",
    "co_quan_co_tham_quyen",
    "co_quan_thuc_hien",
    "co_quan_duoc_uy_quyen",
    "co_quan_phoi_hop",
    "dia_chi_tiep_nhan",
    "trinh_tu_thuc_hien",
    "cach_thuc_thuc_hien",
    "thanh_phan_ho_so",
    "so_luong_bo_ho_so",
    "yeu_cau_dieu_kien",
    "ket_qua",
    "can_cu_phap_ly",
    "thu_tuc_lien_quan",
    "co_quan_cong_bo",
    "trang_thai_cong_khai",
    "muc_do_dvc",
    "dvc_url",
    "nguon_url",
    "ngay_cap_nhat",
    "ghi_chu",
];

/// Whether a code is usable: letters, digits, `.`, `-`, `_`, starting with a letter or digit,
/// at most 64 characters. National codes are `1.001193`; provincial copies add a suffix
/// (`1.001612.000.00.00.H01`); older local codes vary, so the form is not enforced further.
pub fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code.starts_with(|c: char| c.is_ascii_alphanumeric())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Whether a code has the national form `d.dddddd`, optionally with a provincial suffix.
pub fn national_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() >= 8
        && b[0].is_ascii_digit()
        && b[1] == b'.'
        && b[2..8].iter().all(u8::is_ascii_digit)
        && (b.len() == 8 || b[8] == b'.')
}

/// A read record and what was doubtful about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    pub record: Tthc,
    /// Kept anyway: unknown level names, unreadable dates, dropped addresses.
    pub warnings: Vec<Problem>,
}

/// Reads a record given as JSON (an object with the schema's field names; each list may also
/// be one string, see the import documentation). Problems refuse the record, with the path of
/// each bad field.
pub fn normalize(value: &Value) -> Result<Normalized, Vec<Problem>> {
    let Value::Object(obj) = value else {
        return Err(vec![Problem::new(
            "",
            format!(
                "cần một đối tượng JSON (một thủ tục), nhận {}",
                shown(value)
            ),
        )]);
    };
    let mut f = Findings::default();
    let get = |k: &str| obj.get(k).unwrap_or(&Value::Null);
    let mut r = Tthc {
        ma_tthc: code_of(get("ma_tthc"), &mut f),
        ..Tthc::default()
    };
    r.ten_tthc = text(get("ten_tthc"), "ten_tthc", &mut f, false);
    if r.ten_tthc.is_empty() {
        f.problem("ten_tthc", "thiếu tên thủ tục");
    } else if r.ten_tthc.chars().count() > 1000 {
        f.problem("ten_tthc", "tên thủ tục dài quá 1000 ký tự");
    }
    r.quyet_dinh_cong_bo = text(
        get("quyet_dinh_cong_bo"),
        "quyet_dinh_cong_bo",
        &mut f,
        false,
    );
    r.cap_thuc_hien = levels(get("cap_thuc_hien"), &mut f);
    r.loai_thu_tuc = text(get("loai_thu_tuc"), "loai_thu_tuc", &mut f, false);
    r.linh_vuc = linh_vuc(get("linh_vuc"), &mut f);
    r.doi_tuong_thuc_hien = text_list(
        get("doi_tuong_thuc_hien"),
        "doi_tuong_thuc_hien",
        &mut f,
        false,
    );
    r.co_quan_co_tham_quyen = text(
        get("co_quan_co_tham_quyen"),
        "co_quan_co_tham_quyen",
        &mut f,
        false,
    );
    r.co_quan_thuc_hien = co_quan(get("co_quan_thuc_hien"), &mut f);
    r.co_quan_duoc_uy_quyen = text(
        get("co_quan_duoc_uy_quyen"),
        "co_quan_duoc_uy_quyen",
        &mut f,
        false,
    );
    r.co_quan_phoi_hop = text(get("co_quan_phoi_hop"), "co_quan_phoi_hop", &mut f, false);
    r.dia_chi_tiep_nhan = text(get("dia_chi_tiep_nhan"), "dia_chi_tiep_nhan", &mut f, true);
    r.trinh_tu_thuc_hien = trinh_tu(get("trinh_tu_thuc_hien"), &mut f);
    r.cach_thuc_thuc_hien = cach_thuc(get("cach_thuc_thuc_hien"), &mut f);
    r.thanh_phan_ho_so = thanh_phan(get("thanh_phan_ho_so"), &mut f);
    r.so_luong_bo_ho_so = count(get("so_luong_bo_ho_so"), "so_luong_bo_ho_so", &mut f);
    r.yeu_cau_dieu_kien = text(get("yeu_cau_dieu_kien"), "yeu_cau_dieu_kien", &mut f, true);
    r.ket_qua = ket_qua(get("ket_qua"), &mut f);
    r.can_cu_phap_ly = can_cu(get("can_cu_phap_ly"), &mut f);
    r.thu_tuc_lien_quan = text_list(get("thu_tuc_lien_quan"), "thu_tuc_lien_quan", &mut f, true)
        .into_iter()
        .flat_map(|s| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    for (i, c) in r.thu_tuc_lien_quan.iter().enumerate() {
        if !valid_code(c) {
            f.problem(
                &format!("thu_tuc_lien_quan[{i}]"),
                format!("mã thủ tục không hợp lệ «{c}»"),
            );
        }
    }
    r.co_quan_cong_bo = text(get("co_quan_cong_bo"), "co_quan_cong_bo", &mut f, false);
    r.trang_thai_cong_khai = yes_no(get("trang_thai_cong_khai"), "trang_thai_cong_khai", &mut f);
    r.muc_do_dvc = online_level(get("muc_do_dvc"), &mut f);
    r.dvc_url = url(get("dvc_url"), "dvc_url", &mut f);
    r.nguon_url = url(get("nguon_url"), "nguon_url", &mut f);
    r.ngay_cap_nhat = date(get("ngay_cap_nhat"), "ngay_cap_nhat", &mut f);
    r.ghi_chu = text(get("ghi_chu"), "ghi_chu", &mut f, true);
    for (k, v) in obj {
        if !FIELDS.contains(&k.as_str()) && !v.is_null() {
            r.extra.insert(k.clone(), v.clone());
        }
    }
    for (name, missing) in [
        ("cap_thuc_hien", r.cap_thuc_hien.is_empty()),
        ("linh_vuc", r.linh_vuc.is_empty()),
        ("cach_thuc_thuc_hien", r.cach_thuc_thuc_hien.is_empty()),
        ("thanh_phan_ho_so", r.thanh_phan_ho_so.is_empty()),
    ] {
        if missing {
            f.warning(name, "trống (trường bắt buộc của lược đồ); vẫn nhập");
        }
    }
    if f.problems.is_empty() {
        Ok(Normalized {
            record: r,
            warnings: f.warnings,
        })
    } else {
        Err(f.problems)
    }
}

fn code_of(v: &Value, f: &mut Findings) -> String {
    // A code typed into a spreadsheet may come back as a number: 1.0012 for "1.001200".
    let code = match v {
        Value::Number(n) if n.is_f64() => format!("{:.6}", n.as_f64().unwrap_or(0.0)),
        other => text(other, "ma_tthc", f, false),
    };
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.is_empty() {
        f.problem("ma_tthc", "thiếu mã thủ tục");
    } else if !valid_code(&code) {
        f.problem(
            "ma_tthc",
            format!("mã thủ tục «{code}» chỉ được gồm chữ, số và dấu . - _ (tối đa 64 ký tự)"),
        );
    } else if !national_code(&code) {
        f.warning(
            "ma_tthc",
            format!("mã «{code}» không theo mẫu của CSDL quốc gia (1.001193)"),
        );
    }
    code
}

fn levels(v: &Value, f: &mut Findings) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, raw) in text_list(v, "cap_thuc_hien", f, true)
        .into_iter()
        .enumerate()
    {
        let key = fold(&raw);
        let level = match LEVELS.iter().find(|(k, _)| *k == key) {
            Some((_, canonical)) => (*canonical).to_owned(),
            None => {
                f.warning(
                    &format!("cap_thuc_hien[{i}]"),
                    format!("cấp «{raw}» không có trong danh mục (Cấp Bộ, Cấp Tỉnh, Cấp Huyện, Cấp Xã, Cơ quan khác); vẫn giữ"),
                );
                raw
            }
        };
        if !out.contains(&level) {
            out.push(level);
        }
    }
    out
}

fn object_text(
    o: &Map<String, Value>,
    keys: &[&str],
    field: &str,
    f: &mut Findings,
    keep_lines: bool,
) -> String {
    for k in keys {
        if let Some(v) = o.get(*k).filter(|v| !v.is_null()) {
            return text(v, &format!("{field}.{k}"), f, keep_lines);
        }
    }
    String::new()
}

fn linh_vuc(v: &Value, f: &mut Findings) -> Vec<LinhVuc> {
    let mut out = Vec::new();
    for (i, item) in items(v, true).iter().enumerate() {
        let field = format!("linh_vuc[{i}]");
        let lv = match item {
            Value::Object(o) => LinhVuc {
                ma: object_text(o, &["ma", "ma_linh_vuc"], &field, f, false),
                ten: object_text(o, &["ten", "ten_linh_vuc"], &field, f, false),
            },
            other => LinhVuc {
                ma: String::new(),
                ten: text(other, &field, f, false),
            },
        };
        if lv.ten.is_empty() && lv.ma.is_empty() {
            continue;
        }
        if lv.ten.is_empty() {
            f.problem(&format!("{field}.ten"), "lĩnh vực thiếu tên");
        }
        out.push(lv);
    }
    out
}

fn co_quan(v: &Value, f: &mut Findings) -> Vec<CoQuan> {
    let mut out = Vec::new();
    for (i, item) in items(v, true).iter().enumerate() {
        let field = format!("co_quan_thuc_hien[{i}]");
        let cq = match item {
            Value::Object(o) => CoQuan {
                ma_don_vi: object_text(o, &["ma_don_vi", "ma"], &field, f, false),
                ten_don_vi: object_text(o, &["ten_don_vi", "ten"], &field, f, false),
            },
            other => CoQuan {
                ma_don_vi: String::new(),
                ten_don_vi: text(other, &field, f, false),
            },
        };
        if cq.ten_don_vi.is_empty() && cq.ma_don_vi.is_empty() {
            continue;
        }
        if cq.ten_don_vi.is_empty() {
            f.problem(&format!("{field}.ten_don_vi"), "cơ quan thiếu tên");
        }
        out.push(cq);
    }
    out
}

fn steps(v: &Value, field: &str, f: &mut Findings) -> Vec<String> {
    items(v, false)
        .iter()
        .enumerate()
        .map(|(i, s)| text(s, &format!("{field}[{i}]"), f, true))
        .filter(|s| !s.is_empty())
        .collect()
}

fn trinh_tu(v: &Value, f: &mut Findings) -> Vec<TrinhTu> {
    let list = items(v, false);
    // A list of plain steps is one case without a name.
    if !list.is_empty() && list.iter().all(|i| !i.is_object()) {
        let buoc = steps(&Value::Array(list), "trinh_tu_thuc_hien", f);
        return if buoc.is_empty() {
            Vec::new()
        } else {
            vec![TrinhTu {
                truong_hop: String::new(),
                buoc,
            }]
        };
    }
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let field = format!("trinh_tu_thuc_hien[{i}]");
        match item {
            Value::Object(o) => {
                let truong_hop = object_text(o, &["truong_hop"], &field, f, false);
                let buoc = steps(
                    o.get("buoc")
                        .or_else(|| o.get("trinh_tu"))
                        .unwrap_or(&Value::Null),
                    &format!("{field}.buoc"),
                    f,
                );
                if !buoc.is_empty() || !truong_hop.is_empty() {
                    out.push(TrinhTu { truong_hop, buoc });
                }
            }
            other => {
                let s = text(other, &field, f, true);
                if !s.is_empty() {
                    out.push(TrinhTu {
                        truong_hop: String::new(),
                        buoc: vec![s],
                    });
                }
            }
        }
    }
    out
}

/// The channel number of "1", 2, "Trực tuyến", "Dịch vụ bưu chính công ích"…
fn channel(v: &Value) -> Option<u8> {
    let k = match v {
        Value::Number(n) => n.as_f64().filter(|x| x.fract() == 0.0).map(|x| x as i64),
        Value::String(s) => {
            let key = fold(s.trim());
            match key.as_str() {
                "1" | "truc tiep" => Some(1),
                "2" | "truc tuyen" | "dich vu cong truc tuyen" => Some(2),
                "3" => Some(3),
                k if k.contains("buu chinh") => Some(3),
                _ => None,
            }
        }
        _ => None,
    }?;
    u8::try_from(k).ok().filter(|k| (1..=3).contains(k))
}

/// A time limit from an object or a text ("5 Ngày làm việc", "Ngay trong ngày").
fn thoi_han(v: &Value, field: &str, f: &mut Findings) -> Option<ThoiHan> {
    let t = match v {
        Value::Object(o) => ThoiHan {
            gia_tri: number(
                o.get("gia_tri")
                    .or_else(|| o.get("thoi_gian"))
                    .unwrap_or(&Value::Null),
                &format!("{field}.gia_tri"),
                f,
            ),
            don_vi: object_text(o, &["don_vi", "don_vi_tinh"], field, f, false),
            mo_ta: object_text(o, &["mo_ta"], field, f, true),
        },
        Value::Number(_) => ThoiHan {
            gia_tri: number(v, field, f),
            ..ThoiHan::default()
        },
        other => {
            let s = text(other, field, f, false);
            match leading_number(&s) {
                Some((n, unit)) if !unit.is_empty() && unit.chars().count() <= 30 => ThoiHan {
                    gia_tri: Some(n),
                    don_vi: unit,
                    mo_ta: String::new(),
                },
                _ => ThoiHan {
                    mo_ta: s,
                    ..ThoiHan::default()
                },
            }
        }
    };
    if let Some(x) = t.gia_tri
        && x < 0.0
    {
        f.problem(&format!("{field}.gia_tri"), "thời hạn không được âm");
    }
    (t.gia_tri.is_some() || !t.don_vi.is_empty() || !t.mo_ta.is_empty()).then_some(t)
}

/// "Lệ phí" or "Phí" at the start of a text, and the rest.
fn fee_kind(s: &str) -> (String, String) {
    let folded = fold(s);
    for (prefix, kind) in [("le phi", "Lệ phí"), ("phi", "Phí")] {
        if folded.starts_with(prefix) {
            let rest: String = s.chars().skip(prefix.chars().count()).collect();
            let rest = rest.trim_start_matches([':', '-', ' ']).trim().to_owned();
            return (kind.to_owned(), rest);
        }
    }
    (String::new(), s.to_owned())
}

/// A fee from an object or a text ("Lệ phí: 8.000 đồng", "15000", "Miễn phí").
fn phi(v: &Value, field: &str, f: &mut Findings) -> Option<PhiLePhi> {
    let p = match v {
        Value::Object(o) => {
            let loai = object_text(o, &["loai"], field, f, false);
            let loai = match fold(&loai).as_str() {
                "le phi" => "Lệ phí".to_owned(),
                "phi" => "Phí".to_owned(),
                _ => loai,
            };
            PhiLePhi {
                loai,
                so_tien: number(
                    o.get("so_tien").unwrap_or(&Value::Null),
                    &format!("{field}.so_tien"),
                    f,
                ),
                don_vi: object_text(o, &["don_vi"], field, f, false),
                mo_ta: object_text(o, &["mo_ta"], field, f, true),
            }
        }
        Value::Number(_) => PhiLePhi {
            so_tien: number(v, field, f),
            don_vi: "Đồng".into(),
            ..PhiLePhi::default()
        },
        other => {
            let s = text(other, field, f, false);
            let (loai, rest) = fee_kind(&s);
            match leading_number(&rest) {
                Some((n, unit)) if matches!(fold(&unit).as_str(), "" | "dong" | "d" | "vnd") => {
                    PhiLePhi {
                        loai,
                        so_tien: Some(n),
                        don_vi: "Đồng".into(),
                        mo_ta: String::new(),
                    }
                }
                _ => PhiLePhi {
                    loai,
                    mo_ta: s,
                    ..PhiLePhi::default()
                },
            }
        }
    };
    if let Some(x) = p.so_tien
        && x < 0.0
    {
        f.problem(&format!("{field}.so_tien"), "số tiền không được âm");
    }
    (p.so_tien.is_some() || !p.mo_ta.is_empty() || !p.loai.is_empty()).then_some(p)
}

fn cach_thuc(v: &Value, f: &mut Findings) -> Vec<CachThuc> {
    let mut out: Vec<CachThuc> = Vec::new();
    for (i, item) in items(v, false).iter().enumerate() {
        let field = format!("cach_thuc_thuc_hien[{i}]");
        let (kenh_value, o) = match item {
            Value::Object(o) => (o.get("kenh").unwrap_or(&Value::Null).clone(), Some(o)),
            other => (other.clone(), None),
        };
        let Some(kenh) = channel(&kenh_value) else {
            f.problem(
                &format!("{field}.kenh"),
                format!(
                    "kênh phải là 1 (trực tiếp), 2 (trực tuyến) hoặc 3 (bưu chính), nhận {}",
                    shown(&kenh_value)
                ),
            );
            continue;
        };
        let mut c = CachThuc {
            kenh,
            ..CachThuc::default()
        };
        if let Some(o) = o {
            for (j, t) in items(o.get("thoi_han").unwrap_or(&Value::Null), false)
                .iter()
                .enumerate()
            {
                if let Some(t) = thoi_han(t, &format!("{field}.thoi_han[{j}]"), f) {
                    c.thoi_han.push(t);
                }
            }
            for (j, p) in items(o.get("phi_le_phi").unwrap_or(&Value::Null), false)
                .iter()
                .enumerate()
            {
                if let Some(p) = phi(p, &format!("{field}.phi_le_phi[{j}]"), f) {
                    c.phi_le_phi.push(p);
                }
            }
        }
        // Two entries for one channel (a second case of the same channel) are merged.
        match out.iter_mut().find(|x| x.kenh == kenh) {
            Some(existing) => {
                existing.thoi_han.extend(c.thoi_han);
                existing.phi_le_phi.extend(c.phi_le_phi);
            }
            None => out.push(c),
        }
    }
    out
}

/// Reads "Tờ khai | bản chính 1 | bản sao 0 | https://…/mau.docx" (every part after the name
/// optional).
fn giay_to_text(s: &str) -> GiayTo {
    let mut parts = s.split('|').map(str::trim);
    let mut g = GiayTo {
        ten_giay_to: clean_line(parts.next().unwrap_or("")),
        ..GiayTo::default()
    };
    for p in parts {
        let key = fold(p);
        if key.starts_with("http://") || key.starts_with("https://") {
            g.mau_don = Some(MauDon {
                ten: String::new(),
                url: p.to_owned(),
            });
        } else if key.contains("chinh") || key.contains("sao") {
            let n = key
                .split(|c: char| !c.is_ascii_digit())
                .find(|d| !d.is_empty())
                .and_then(|d| d.parse().ok());
            if key.contains("chinh") {
                g.so_ban_chinh = n;
            } else {
                g.so_ban_sao = n;
            }
        }
    }
    g
}

fn mau_don(v: &Value, field: &str, f: &mut Findings) -> Option<MauDon> {
    let m = match v {
        Value::Null => return None,
        Value::Object(o) => MauDon {
            ten: object_text(o, &["ten", "ten_mau_don"], field, f, false),
            url: url(
                o.get("url").unwrap_or(&Value::Null),
                &format!("{field}.url"),
                f,
            ),
        },
        Value::String(s) if s.trim().starts_with("http") => MauDon {
            ten: String::new(),
            url: url(v, field, f),
        },
        other => MauDon {
            ten: text(other, field, f, false),
            url: String::new(),
        },
    };
    (!m.ten.is_empty() || !m.url.is_empty()).then_some(m)
}

fn giay_to(v: &Value, field: &str, f: &mut Findings) -> Option<GiayTo> {
    let g = match v {
        Value::Object(o) => {
            let mut g = GiayTo {
                ma_giay_to: object_text(o, &["ma_giay_to", "ma"], field, f, false),
                ten_giay_to: object_text(o, &["ten_giay_to", "ten"], field, f, false),
                mau_don: mau_don(
                    o.get("mau_don").unwrap_or(&Value::Null),
                    &format!("{field}.mau_don"),
                    f,
                ),
                so_ban_chinh: count(
                    o.get("so_ban_chinh").unwrap_or(&Value::Null),
                    &format!("{field}.so_ban_chinh"),
                    f,
                ),
                so_ban_sao: count(
                    o.get("so_ban_sao").unwrap_or(&Value::Null),
                    &format!("{field}.so_ban_sao"),
                    f,
                ),
            };
            // The sharing service gives the form as two flat keys.
            if g.mau_don.is_none() {
                let ten = object_text(o, &["ten_mau_don"], field, f, false);
                let u = url(
                    o.get("url").unwrap_or(&Value::Null),
                    &format!("{field}.url"),
                    f,
                );
                if !ten.is_empty() || !u.is_empty() {
                    g.mau_don = Some(MauDon { ten, url: u });
                }
            }
            g
        }
        other => giay_to_text(&text(other, field, f, false)),
    };
    if g.ten_giay_to.is_empty() {
        if g.ma_giay_to.is_empty() && g.mau_don.is_none() {
            return None;
        }
        f.problem(&format!("{field}.ten_giay_to"), "giấy tờ thiếu tên");
    }
    Some(g)
}

fn thanh_phan(v: &Value, f: &mut Findings) -> Vec<ThanhPhanHoSo> {
    let list = items(v, false);
    let mut out: Vec<ThanhPhanHoSo> = Vec::new();
    if !list.is_empty() && list.iter().all(|i| !i.is_object()) {
        // Lines: documents, with "Trường hợp …:" lines starting a new case.
        let mut current = ThanhPhanHoSo::default();
        for (i, line) in list.iter().enumerate() {
            let s = text(line, &format!("thanh_phan_ho_so[{i}]"), f, false);
            if s.ends_with(':') && !s.contains('|') {
                if !current.giay_to.is_empty() || !current.truong_hop.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
                current.truong_hop = s.trim_end_matches(':').trim().to_owned();
            } else if let Some(g) = giay_to(&Value::String(s), &format!("thanh_phan_ho_so[{i}]"), f)
            {
                current.giay_to.push(g);
            }
        }
        if !current.giay_to.is_empty() || !current.truong_hop.is_empty() {
            out.push(current);
        }
        return out;
    }
    for (i, item) in list.iter().enumerate() {
        let field = format!("thanh_phan_ho_so[{i}]");
        match item {
            Value::Object(o) if o.contains_key("giay_to") || o.contains_key("truong_hop") => {
                let mut t = ThanhPhanHoSo {
                    truong_hop: object_text(o, &["truong_hop"], &field, f, false),
                    giay_to: Vec::new(),
                };
                for (j, g) in items(o.get("giay_to").unwrap_or(&Value::Null), false)
                    .iter()
                    .enumerate()
                {
                    if let Some(g) = giay_to(g, &format!("{field}.giay_to[{j}]"), f) {
                        t.giay_to.push(g);
                    }
                }
                out.push(t);
            }
            // A bare document object: one case without a name collects them.
            other => {
                if let Some(g) = giay_to(other, &field, f) {
                    match out.last_mut().filter(|t| t.truong_hop.is_empty()) {
                        Some(t) => t.giay_to.push(g),
                        None => out.push(ThanhPhanHoSo {
                            truong_hop: String::new(),
                            giay_to: vec![g],
                        }),
                    }
                }
            }
        }
    }
    out
}

fn ket_qua(v: &Value, f: &mut Findings) -> Vec<KetQua> {
    let mut out = Vec::new();
    for (i, item) in items(v, true).iter().enumerate() {
        let field = format!("ket_qua[{i}]");
        let k = match item {
            Value::Object(o) => KetQua {
                ma_ket_qua: object_text(o, &["ma_ket_qua", "ma"], &field, f, false),
                ten: object_text(o, &["ten", "ten_ket_qua"], &field, f, false),
            },
            other => KetQua {
                ma_ket_qua: String::new(),
                ten: text(other, &field, f, false),
            },
        };
        if k.ten.is_empty() && k.ma_ket_qua.is_empty() {
            continue;
        }
        if k.ten.is_empty() {
            f.problem(&format!("{field}.ten"), "kết quả thiếu tên");
        }
        out.push(k);
    }
    out
}

/// "60/2014/QH13 | Luật Hộ tịch", or a title that contains the number somewhere.
fn can_cu_text(s: &str) -> CanCu {
    if let Some((num, title)) = s.split_once('|') {
        return CanCu {
            so_ky_hieu: clean_line(num),
            trich_yeu: clean_line(title),
            ..CanCu::default()
        };
    }
    let number = s
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '/' && c != '-'))
        .find(|w| w.contains('/') && w.chars().any(|c| c.is_ascii_digit()))
        .unwrap_or("");
    CanCu {
        so_ky_hieu: number.to_owned(),
        trich_yeu: if number == s.trim() {
            String::new()
        } else {
            clean_line(s)
        },
        ..CanCu::default()
    }
}

fn can_cu(v: &Value, f: &mut Findings) -> Vec<CanCu> {
    let mut out = Vec::new();
    for (i, item) in items(v, true).iter().enumerate() {
        let field = format!("can_cu_phap_ly[{i}]");
        let c = match item {
            Value::Object(o) => CanCu {
                so_ky_hieu: object_text(o, &["so_ky_hieu", "so_van_ban"], &field, f, false),
                trich_yeu: object_text(o, &["trich_yeu", "ten_van_ban"], &field, f, false),
                ngay_ban_hanh: match o.get("ngay_ban_hanh") {
                    Some(d) => date(d, &format!("{field}.ngay_ban_hanh"), f),
                    None => String::new(),
                },
                co_quan_ban_hanh: object_text(o, &["co_quan_ban_hanh"], &field, f, false),
            },
            other => can_cu_text(&text(other, &field, f, false)),
        };
        if c.so_ky_hieu.is_empty() && c.trich_yeu.is_empty() {
            continue;
        }
        out.push(c);
    }
    out
}

/// The online-service level of NĐ 42/2022, from its name or the old levels 1–4.
fn online_level(v: &Value, f: &mut Findings) -> String {
    let s = text(v, "muc_do_dvc", f, false);
    let key = fold(&s);
    if key.is_empty() {
        return String::new();
    }
    let level = if key.contains("toan trinh") || key.ends_with('4') {
        "toàn trình"
    } else if key.contains("mot phan") || key.ends_with('3') {
        "một phần"
    } else if key.contains("cung cap thong tin")
        || key.contains("thong tin")
        || key.ends_with('2')
        || key.ends_with('1')
    {
        "cung cấp thông tin"
    } else {
        f.warning(
            "muc_do_dvc",
            format!("mức độ dịch vụ công «{s}» không rõ (toàn trình, một phần, cung cấp thông tin); bỏ qua"),
        );
        return String::new();
    };
    level.to_owned()
}

impl Tthc {
    /// The canonical JSON: field order fixed, empty optional fields left out.
    pub fn canonical_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// SHA-256 (hex) of the canonical JSON.
    pub fn hash(&self) -> String {
        data_encoding::HEXLOWER.encode(&Sha256::digest(self.canonical_json().as_bytes()))
    }

    /// Reads a stored record (written by [`Tthc::canonical_json`]).
    pub fn from_stored(json: &str) -> Result<Tthc, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The record as the search engine takes it.
    pub fn to_search_record(&self) -> ProcedureRecord {
        ProcedureRecord {
            ma_tthc: self.ma_tthc.clone(),
            ten_tthc: self.ten_tthc.clone(),
            quyet_dinh_cong_bo: self.quyet_dinh_cong_bo.clone(),
            cap_thuc_hien: self.cap_thuc_hien.clone(),
            loai_thu_tuc: self.loai_thu_tuc.clone(),
            linh_vuc: self.linh_vuc.clone(),
            doi_tuong_thuc_hien: self.doi_tuong_thuc_hien.clone(),
            co_quan_co_tham_quyen: self.co_quan_co_tham_quyen.clone(),
            co_quan_thuc_hien: self.co_quan_thuc_hien.clone(),
            dia_chi_tiep_nhan: self.dia_chi_tiep_nhan.clone(),
            trinh_tu_thuc_hien: self.trinh_tu_thuc_hien.clone(),
            cach_thuc_thuc_hien: self.cach_thuc_thuc_hien.clone(),
            thanh_phan_ho_so: self
                .thanh_phan_ho_so
                .iter()
                .map(|t| tongdai_search::ThanhPhanHoSo {
                    truong_hop: t.truong_hop.clone(),
                    giay_to: t
                        .giay_to
                        .iter()
                        .map(|g| tongdai_search::GiayTo {
                            ma_giay_to: g.ma_giay_to.clone(),
                            ten_giay_to: g.ten_giay_to.clone(),
                            so_ban_chinh: g.so_ban_chinh,
                            so_ban_sao: g.so_ban_sao,
                        })
                        .collect(),
                })
                .collect(),
            yeu_cau_dieu_kien: self.yeu_cau_dieu_kien.clone(),
            ket_qua: self.ket_qua.clone(),
            can_cu_phap_ly: self
                .can_cu_phap_ly
                .iter()
                .map(|c| tongdai_search::CanCu {
                    so_ky_hieu: c.so_ky_hieu.clone(),
                    trich_yeu: c.trich_yeu.clone(),
                })
                .collect(),
            thu_tuc_lien_quan: self.thu_tuc_lien_quan.clone(),
            muc_do_dvc: self.muc_do_dvc.clone(),
            nguon_url: self.nguon_url.clone(),
            ngay_cap_nhat: self.ngay_cap_nhat.clone(),
            ghi_chu: self.ghi_chu.clone(),
        }
    }

    /// The searchable document.
    pub fn to_doc(&self) -> Doc {
        self.to_search_record().to_doc()
    }

    /// The levels, joined for lists.
    pub fn levels_text(&self) -> String {
        self.cap_thuc_hien.join("; ")
    }

    /// The field names, joined for lists.
    pub fn fields_text(&self) -> String {
        self.linh_vuc
            .iter()
            .map(|l| l.ten.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The top-level fields whose values differ between two records, in schema order.
    pub fn changed_fields(&self, other: &Tthc) -> Vec<String> {
        let a = serde_json::to_value(self).unwrap_or_default();
        let b = serde_json::to_value(other).unwrap_or_default();
        let (Value::Object(a), Value::Object(b)) = (a, b) else {
            return Vec::new();
        };
        let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
        keys.sort_by_key(|k| FIELDS.iter().position(|f| f == k).unwrap_or(usize::MAX));
        keys.dedup();
        keys.into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn liberal_shapes_are_read() {
        let v = json!({
            "ma_tthc": " 1.001193 ",
            "ten_tthc": "Thủ tục đăng ký khai sinh",
            "cap_thuc_hien": "cấp xã, Cấp Huyện",
            "linh_vuc": "Hộ tịch",
            "co_quan_thuc_hien": ["Ủy ban nhân dân cấp xã"],
            "trinh_tu_thuc_hien": "Nộp hồ sơ\nNhận kết quả",
            "cach_thuc_thuc_hien": [
                {"kenh": "Trực tiếp", "thoi_han": "5 Ngày làm việc", "phi_le_phi": "Lệ phí: 8.000 đồng"},
                {"kenh": 2, "thoi_han": [{"gia_tri": "3", "don_vi": "Ngày"}], "phi_le_phi": {"loai": "le phi", "so_tien": 0}},
                {"kenh": "3", "phi_le_phi": "Miễn phí"}
            ],
            "thanh_phan_ho_so": "Tờ khai | bản chính 1 | https://x.gov.vn/mau.docx\nGiấy chứng sinh | bản chính 1",
            "ket_qua": "Giấy khai sinh",
            "can_cu_phap_ly": ["60/2014/QH13 | Luật Hộ tịch", "Nghị định 123/2015/NĐ-CP"],
            "thu_tuc_lien_quan": "1.000656, 1.001022",
            "muc_do_dvc": "Mức độ 4",
            "ngay_cap_nhat": "01/07/2025",
            "trang_thai_cong_khai": 1,
            "x_rieng": "giữ lại"
        });
        let n = normalize(&v).expect("valid");
        let r = n.record;
        assert_eq!(r.ma_tthc, "1.001193");
        assert_eq!(r.cap_thuc_hien, ["Cấp Xã", "Cấp Huyện"]);
        assert_eq!(r.linh_vuc[0].ten, "Hộ tịch");
        assert_eq!(r.trinh_tu_thuc_hien[0].buoc.len(), 2);
        let c = &r.cach_thuc_thuc_hien;
        assert_eq!(c.iter().map(|c| c.kenh).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(c[0].thoi_han[0].gia_tri, Some(5.0));
        assert_eq!(c[0].thoi_han[0].don_vi, "Ngày làm việc");
        assert_eq!(c[0].phi_le_phi[0].loai, "Lệ phí");
        assert_eq!(c[0].phi_le_phi[0].so_tien, Some(8000.0));
        assert_eq!(c[1].thoi_han[0].gia_tri, Some(3.0));
        assert_eq!(c[1].phi_le_phi[0].loai, "Lệ phí");
        assert_eq!(c[2].phi_le_phi[0].mo_ta, "Miễn phí");
        let g = &r.thanh_phan_ho_so[0].giay_to;
        assert_eq!(g[0].ten_giay_to, "Tờ khai");
        assert_eq!(g[0].so_ban_chinh, Some(1));
        assert_eq!(
            g[0].mau_don.as_ref().unwrap().url,
            "https://x.gov.vn/mau.docx"
        );
        assert_eq!(r.can_cu_phap_ly[0].so_ky_hieu, "60/2014/QH13");
        assert_eq!(r.can_cu_phap_ly[1].so_ky_hieu, "123/2015/NĐ-CP");
        assert_eq!(r.thu_tuc_lien_quan, ["1.000656", "1.001022"]);
        assert_eq!(r.muc_do_dvc, "toàn trình");
        assert_eq!(r.ngay_cap_nhat, "2025-07-01");
        assert_eq!(r.trang_thai_cong_khai, Some(true));
        assert_eq!(r.extra["x_rieng"], json!("giữ lại"));
        // Canonical: reading the stored form gives the same record and hash.
        let again = Tthc::from_stored(&r.canonical_json()).unwrap();
        assert_eq!(again, r);
        assert_eq!(again.hash(), r.hash());
    }

    #[test]
    fn bad_fields_are_named() {
        let v = json!({
            "ma_tthc": "1.00 x?",
            "cach_thuc_thuc_hien": [{"kenh": 7}],
            "thanh_phan_ho_so": [{"giay_to": [{"ten_giay_to": "A", "so_ban_chinh": "hai"}]}]
        });
        let problems = normalize(&v).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "ma_tthc",
                "ten_tthc",
                "cach_thuc_thuc_hien[0].kenh",
                "thanh_phan_ho_so[0].giay_to[0].so_ban_chinh"
            ]
        );
        assert!(normalize(&json!([1])).is_err());
    }

    #[test]
    fn spreadsheet_numbers_as_codes() {
        let n = normalize(&json!({"ma_tthc": 1.0012, "ten_tthc": "X"})).unwrap();
        assert_eq!(n.record.ma_tthc, "1.001200");
        assert!(national_code("1.001612.000.00.00.H01"));
        assert!(!national_code("1.00161"));
        let n = normalize(&json!({"ma_tthc": "T-AGI-2871", "ten_tthc": "X"})).unwrap();
        assert!(n.warnings.iter().any(|w| w.field == "ma_tthc"));
    }

    #[test]
    fn changed_fields_in_schema_order() {
        let a = normalize(&json!({"ma_tthc": "1.000001", "ten_tthc": "A", "ghi_chu": "x"}))
            .unwrap()
            .record;
        let mut b = a.clone();
        b.ten_tthc = "B".into();
        b.ghi_chu.clear();
        b.muc_do_dvc = "một phần".into();
        assert_eq!(a.changed_fields(&b), ["ten_tthc", "muc_do_dvc", "ghi_chu"]);
    }
}

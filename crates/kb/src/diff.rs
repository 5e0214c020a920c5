//! What changed between two versions of a procedure, as a reader sees it (KB-1): each record is
//! written out as labelled lines ("Thời hạn (trực tiếp): 5 Ngày làm việc") and the lines are
//! compared (longest common subsequence), so a history page shows removed and added lines
//! instead of two JSON documents.

use serde::Serialize;

use tongdai_search::{PhiLePhi, ThoiHan};

use crate::record::{GiayTo, Tthc};

/// The Vietnamese name of a channel.
pub fn channel_name(kenh: u8) -> &'static str {
    match kenh {
        1 => "trực tiếp",
        2 => "trực tuyến",
        3 => "bưu chính công ích",
        _ => "khác",
    }
}

/// A number written the Vietnamese way: 8000 → "8.000", 0.5 → "0,5".
pub fn number_vi(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        let digits = format!("{}", x.abs() as i64);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push('.');
            }
            out.push(c);
        }
        if x < 0.0 {
            out.insert(0, '-');
        }
        out
    } else {
        format!("{x}").replace('.', ",")
    }
}

/// A time limit as read: "5 Ngày làm việc", "Ngay trong ngày", or both.
pub fn time_text(t: &ThoiHan) -> String {
    let mut s = String::new();
    if let Some(v) = t.gia_tri {
        s.push_str(&number_vi(v));
        s.push(' ');
    }
    s.push_str(&t.don_vi);
    let s = s.trim().to_owned();
    match (s.is_empty(), t.mo_ta.is_empty()) {
        (_, true) => s,
        (true, false) => t.mo_ta.clone(),
        (false, false) => format!("{s} — {}", t.mo_ta),
    }
}

/// A fee as read: "Lệ phí 8.000 Đồng", "Miễn phí".
pub fn fee_text(p: &PhiLePhi) -> String {
    let mut s = p.loai.clone();
    if let Some(v) = p.so_tien {
        let unit = if p.don_vi.is_empty() {
            "đồng"
        } else {
            &p.don_vi
        };
        s = format!("{s} {} {unit}", number_vi(v));
    }
    if !p.mo_ta.is_empty() {
        s = format!("{} {}", s.trim(), p.mo_ta);
    }
    s.trim().to_owned()
}

/// "bản chính: 1, bản sao: 0" (or "").
pub fn copies_text(g: &GiayTo) -> String {
    let mut counts = Vec::new();
    if let Some(n) = g.so_ban_chinh {
        counts.push(format!("bản chính: {n}"));
    }
    if let Some(n) = g.so_ban_sao {
        counts.push(format!("bản sao: {n}"));
    }
    counts.join(", ")
}

/// One line of a record: a label and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub label: String,
    pub text: String,
}

fn push(out: &mut Vec<Line>, label: impl Into<String>, text: impl Into<String>) {
    let text = text.into();
    if !text.trim().is_empty() {
        out.push(Line {
            label: label.into(),
            text,
        });
    }
}

/// The record as labelled lines, in the order of the portal's detail page.
pub fn lines(r: &Tthc) -> Vec<Line> {
    let mut out = Vec::new();
    push(&mut out, "Mã thủ tục", &r.ma_tthc);
    push(&mut out, "Tên thủ tục", &r.ten_tthc);
    push(&mut out, "Quyết định công bố", &r.quyet_dinh_cong_bo);
    push(&mut out, "Cấp thực hiện", r.cap_thuc_hien.join(", "));
    push(&mut out, "Loại thủ tục", &r.loai_thu_tuc);
    for l in &r.linh_vuc {
        push(&mut out, "Lĩnh vực", &l.ten);
    }
    for d in &r.doi_tuong_thuc_hien {
        push(&mut out, "Đối tượng thực hiện", d);
    }
    push(&mut out, "Cơ quan có thẩm quyền", &r.co_quan_co_tham_quyen);
    for c in &r.co_quan_thuc_hien {
        push(&mut out, "Cơ quan thực hiện", &c.ten_don_vi);
    }
    push(&mut out, "Cơ quan được ủy quyền", &r.co_quan_duoc_uy_quyen);
    push(&mut out, "Cơ quan phối hợp", &r.co_quan_phoi_hop);
    push(&mut out, "Địa chỉ tiếp nhận", &r.dia_chi_tiep_nhan);
    for t in &r.trinh_tu_thuc_hien {
        let label = if t.truong_hop.is_empty() {
            "Trình tự".to_owned()
        } else {
            format!("Trình tự ({})", t.truong_hop)
        };
        for (i, b) in t.buoc.iter().enumerate() {
            push(&mut out, format!("{label} — bước {}", i + 1), b);
        }
    }
    for c in &r.cach_thuc_thuc_hien {
        let name = channel_name(c.kenh);
        for t in &c.thoi_han {
            push(&mut out, format!("Thời hạn ({name})"), time_text(t));
        }
        for p in &c.phi_le_phi {
            push(&mut out, format!("Phí, lệ phí ({name})"), fee_text(p));
        }
    }
    for t in &r.thanh_phan_ho_so {
        let label = if t.truong_hop.is_empty() {
            "Hồ sơ".to_owned()
        } else {
            format!("Hồ sơ ({})", t.truong_hop)
        };
        for g in &t.giay_to {
            let mut s = g.ten_giay_to.clone();
            let counts = copies_text(g);
            if !counts.is_empty() {
                s = format!("{s} ({counts})");
            }
            if let Some(m) = &g.mau_don {
                s = format!("{s} — mẫu: {} {}", m.ten, m.url).trim().to_owned();
            }
            push(&mut out, label.clone(), s);
        }
    }
    if let Some(n) = r.so_luong_bo_ho_so {
        push(&mut out, "Số lượng bộ hồ sơ", n.to_string());
    }
    push(&mut out, "Yêu cầu, điều kiện", &r.yeu_cau_dieu_kien);
    for k in &r.ket_qua {
        push(&mut out, "Kết quả", &k.ten);
    }
    for c in &r.can_cu_phap_ly {
        push(
            &mut out,
            "Căn cứ pháp lý",
            format!("{} {}", c.so_ky_hieu, c.trich_yeu).trim(),
        );
    }
    push(
        &mut out,
        "Thủ tục liên quan",
        r.thu_tuc_lien_quan.join(", "),
    );
    push(&mut out, "Mức độ dịch vụ công", &r.muc_do_dvc);
    push(&mut out, "Nộp trực tuyến", &r.dvc_url);
    push(&mut out, "Nguồn", &r.nguon_url);
    push(&mut out, "Ngày cập nhật", &r.ngay_cap_nhat);
    push(&mut out, "Ghi chú", &r.ghi_chu);
    for (k, v) in &r.extra {
        push(&mut out, k.clone(), v.to_string());
    }
    out
}

/// A line of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Change {
    Removed(Line),
    Added(Line),
}

impl Change {
    /// `removed` or `added`, for templates.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Removed(_) => "removed",
            Change::Added(_) => "added",
        }
    }

    /// The line.
    pub fn line(&self) -> &Line {
        match self {
            Change::Removed(l) | Change::Added(l) => l,
        }
    }
}

/// The lines removed from `old` and added in `new` (in reading order; unchanged lines left
/// out). `old` is `None` for a first version: everything is added.
pub fn diff(old: Option<&Tthc>, new: &Tthc) -> Vec<Change> {
    let a = old.map(lines).unwrap_or_default();
    let b = lines(new);
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Removals first, so a replaced line reads "old, then new".
            out.push(Change::Removed(a[i].clone()));
            i += 1;
        } else {
            out.push(Change::Added(b[j].clone()));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::normalize;
    use serde_json::json;

    #[test]
    fn numbers() {
        assert_eq!(number_vi(8000.0), "8.000");
        assert_eq!(number_vi(1_234_567.0), "1.234.567");
        assert_eq!(number_vi(15.0), "15");
        assert_eq!(number_vi(0.5), "0,5");
    }

    #[test]
    fn only_changed_lines() {
        let a = normalize(&json!({
            "ma_tthc": "1.000001", "ten_tthc": "Đăng ký khai sinh",
            "cach_thuc_thuc_hien": [{"kenh": 1, "thoi_han": "3 Ngày làm việc", "phi_le_phi": "Lệ phí: 8.000 đồng"}]
        }))
        .unwrap()
        .record;
        let mut b = a.clone();
        b.cach_thuc_thuc_hien[0].thoi_han[0].gia_tri = Some(1.0);
        let d = diff(Some(&a), &b);
        assert_eq!(
            d,
            vec![
                Change::Removed(Line {
                    label: "Thời hạn (trực tiếp)".into(),
                    text: "3 Ngày làm việc".into()
                }),
                Change::Added(Line {
                    label: "Thời hạn (trực tiếp)".into(),
                    text: "1 Ngày làm việc".into()
                }),
            ]
        );
        assert!(diff(Some(&a), &a).is_empty());
        assert!(diff(None, &a).iter().all(|c| c.kind() == "added"));
        assert!(
            lines(&a)
                .iter()
                .any(|l| l.text == "Lệ phí 8.000 Đồng" && l.label == "Phí, lệ phí (trực tiếp)")
        );
    }
}

//! What the engine indexes: a [`Doc`], and the two records it is usually built from — a
//! procedure ([`ProcedureRecord`], the fields of `tthc_record.schema.json`) and an FAQ
//! ([`FaqRecord`]).
//!
//! The engine does not know about storage: the caller turns whatever it stores into `Doc`s.

use serde::{Deserialize, Serialize};

/// The two kinds of knowledge the engine answers with.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    /// An administrative procedure (TTHC), identified by its code (`1.001193`).
    #[default]
    Procedure,
    /// A question and its answer, identified by an id chosen by the knowledge base.
    Faq,
}

impl DocKind {
    /// `"procedure"` or `"faq"`, as in the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Procedure => "procedure",
            DocKind::Faq => "faq",
        }
    }
}

/// One searchable document.
///
/// Three text fields, in decreasing weight: `name` (a procedure's name, an FAQ's question),
/// `keywords` (short labels: the code, fields, results, tags) and `body` (everything else a
/// caller may quote: steps, dossier components, conditions, the answer). The three filter lists
/// are matched accent-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Doc {
    /// Procedure or FAQ.
    pub kind: DocKind,
    /// The procedure code or the FAQ id; unique per kind.
    pub id: String,
    /// Shown in results and weighted highest.
    pub name: String,
    /// Short labels weighted between name and body.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Long text, weighted lowest; snippets are cut from it.
    #[serde(default)]
    pub body: String,
    /// Fields (*lĩnh vực*) for filtering, e.g. "Hộ tịch".
    #[serde(default)]
    pub linh_vuc: Vec<String>,
    /// Levels (*cấp thực hiện*) for filtering, e.g. "Cấp Xã".
    #[serde(default)]
    pub cap: Vec<String>,
    /// Agencies (*cơ quan*) for filtering.
    #[serde(default)]
    pub co_quan: Vec<String>,
}

/// A field (*lĩnh vực*) of a procedure record.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LinhVuc {
    /// Field code, when the source gives one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ma: String,
    /// Field name.
    pub ten: String,
}

/// An executing agency of a procedure record.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CoQuan {
    /// Agency identifier (*mã định danh*), when known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ma_don_vi: String,
    /// Agency name.
    pub ten_don_vi: String,
}

/// A procedure's steps for one case.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TrinhTu {
    /// The case (*trường hợp*) the steps apply to, if any.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub truong_hop: String,
    /// The steps.
    #[serde(default)]
    pub buoc: Vec<String>,
}

/// Time limit of one channel.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ThoiHan {
    /// Amount, e.g. 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gia_tri: Option<f64>,
    /// Unit, e.g. "Ngày làm việc".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub don_vi: String,
    /// Free text as published.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mo_ta: String,
}

/// A fee or charge of one channel.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PhiLePhi {
    /// "Phí" or "Lệ phí".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub loai: String,
    /// Amount, when a single amount is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub so_tien: Option<f64>,
    /// Currency unit, "Đồng".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub don_vi: String,
    /// Free text as published.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mo_ta: String,
}

/// One channel (*kênh*: 1 direct, 2 online, 3 public post) with its time limits and fees.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CachThuc {
    /// 1 Trực tiếp, 2 Trực tuyến, 3 Dịch vụ bưu chính công ích.
    pub kenh: u8,
    /// Time limits.
    #[serde(default)]
    pub thoi_han: Vec<ThoiHan>,
    /// Fees and charges.
    #[serde(default)]
    pub phi_le_phi: Vec<PhiLePhi>,
}

/// One document of a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GiayTo {
    /// Document code, when published.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ma_giay_to: String,
    /// Document name.
    pub ten_giay_to: String,
    /// Originals required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub so_ban_chinh: Option<u32>,
    /// Copies required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub so_ban_sao: Option<u32>,
}

/// Dossier components for one case.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ThanhPhanHoSo {
    /// The case (*trường hợp*), if the components depend on it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub truong_hop: String,
    /// The documents.
    #[serde(default)]
    pub giay_to: Vec<GiayTo>,
}

/// A result (*kết quả*) of a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KetQua {
    /// Result code (`KQ.G01.00262`), when published.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ma_ket_qua: String,
    /// Result name, e.g. "Giấy khai sinh".
    pub ten: String,
}

/// A legal basis (*căn cứ pháp lý*).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CanCu {
    /// Number and symbol, e.g. "60/2014/QH13".
    pub so_ky_hieu: String,
    /// Title.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub trich_yeu: String,
}

/// A procedure record as in `tthc_record.schema.json` (the fields the engine and the demo data
/// use; unknown fields are ignored on input).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProcedureRecord {
    /// *Mã thủ tục*, e.g. `1.001193` or a provincial copy `1.001612.000.00.00.H01`.
    pub ma_tthc: String,
    /// *Tên thủ tục*.
    pub ten_tthc: String,
    /// *Số quyết định công bố*.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub quyet_dinh_cong_bo: String,
    /// *Cấp thực hiện*.
    #[serde(default)]
    pub cap_thuc_hien: Vec<String>,
    /// *Loại thủ tục*.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub loai_thu_tuc: String,
    /// *Lĩnh vực*.
    #[serde(default)]
    pub linh_vuc: Vec<LinhVuc>,
    /// *Đối tượng thực hiện*.
    #[serde(default)]
    pub doi_tuong_thuc_hien: Vec<String>,
    /// *Cơ quan có thẩm quyền*.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub co_quan_co_tham_quyen: String,
    /// *Cơ quan thực hiện*.
    #[serde(default)]
    pub co_quan_thuc_hien: Vec<CoQuan>,
    /// *Địa chỉ tiếp nhận hồ sơ*.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dia_chi_tiep_nhan: String,
    /// *Trình tự thực hiện*.
    #[serde(default)]
    pub trinh_tu_thuc_hien: Vec<TrinhTu>,
    /// *Cách thức thực hiện*: channel × time × fee.
    #[serde(default)]
    pub cach_thuc_thuc_hien: Vec<CachThuc>,
    /// *Thành phần hồ sơ*.
    #[serde(default)]
    pub thanh_phan_ho_so: Vec<ThanhPhanHoSo>,
    /// *Yêu cầu, điều kiện thực hiện*.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub yeu_cau_dieu_kien: String,
    /// *Kết quả thực hiện*.
    #[serde(default)]
    pub ket_qua: Vec<KetQua>,
    /// *Căn cứ pháp lý*.
    #[serde(default)]
    pub can_cu_phap_ly: Vec<CanCu>,
    /// *Thủ tục hành chính liên quan* (codes).
    #[serde(default)]
    pub thu_tuc_lien_quan: Vec<String>,
    /// Online-service level: "toàn trình", "một phần", "cung cấp thông tin".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub muc_do_dvc: String,
    /// Where the record was transcribed from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub nguon_url: String,
    /// When the source was read (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ngay_cap_nhat: String,
    /// Transcription notes: what was checked, what was not.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ghi_chu: String,
}

/// A question and answer written by an agency (KB-2).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FaqRecord {
    /// Stable id, e.g. `faq-ho-tich-001`.
    pub id: String,
    /// The question as citizens ask it.
    pub cau_hoi: String,
    /// The answer.
    pub tra_loi: String,
    /// Fields the FAQ belongs to.
    #[serde(default)]
    pub linh_vuc: Vec<String>,
    /// The agency that answers for it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub co_quan: String,
    /// Codes of the procedures it is about.
    #[serde(default)]
    pub thu_tuc_lien_quan: Vec<String>,
    /// Extra words people use for it.
    #[serde(default)]
    pub tu_khoa: Vec<String>,
}

impl ProcedureRecord {
    /// The searchable document of this record.
    ///
    /// Name: `ten_tthc`. Keywords: the code, field names, result names, target groups.
    /// Body: steps, dossier components, conditions, agencies, legal bases. Filters: fields,
    /// levels, agencies (`co_quan_thuc_hien` and `co_quan_co_tham_quyen`).
    pub fn to_doc(&self) -> Doc {
        let linh_vuc: Vec<String> = self.linh_vuc.iter().map(|l| l.ten.clone()).collect();
        let mut keywords = vec![self.ma_tthc.clone()];
        keywords.extend(linh_vuc.iter().cloned());
        keywords.extend(self.ket_qua.iter().map(|k| k.ten.clone()));
        keywords.extend(self.doi_tuong_thuc_hien.iter().cloned());
        let mut co_quan: Vec<String> = self
            .co_quan_thuc_hien
            .iter()
            .map(|c| c.ten_don_vi.clone())
            .collect();
        if !self.co_quan_co_tham_quyen.is_empty() {
            co_quan.push(self.co_quan_co_tham_quyen.clone());
        }
        let mut body = String::new();
        let mut add = |text: &str| {
            if !text.trim().is_empty() {
                body.push_str(text.trim());
                body.push('\n');
            }
        };
        for tt in &self.thanh_phan_ho_so {
            add(&tt.truong_hop);
            for g in &tt.giay_to {
                add(&g.ten_giay_to);
            }
        }
        add(&self.yeu_cau_dieu_kien);
        for t in &self.trinh_tu_thuc_hien {
            add(&t.truong_hop);
            for b in &t.buoc {
                add(b);
            }
        }
        for c in &co_quan {
            add(c);
        }
        for c in &self.can_cu_phap_ly {
            add(&format!("{} {}", c.so_ky_hieu, c.trich_yeu));
        }
        Doc {
            kind: DocKind::Procedure,
            id: self.ma_tthc.clone(),
            name: self.ten_tthc.clone(),
            keywords,
            body,
            linh_vuc,
            cap: self.cap_thuc_hien.clone(),
            co_quan,
        }
    }
}

impl FaqRecord {
    /// The searchable document: the question is the name, tags and field names are keywords,
    /// the answer is the body.
    pub fn to_doc(&self) -> Doc {
        let mut keywords = self.tu_khoa.clone();
        keywords.extend(self.linh_vuc.iter().cloned());
        Doc {
            kind: DocKind::Faq,
            id: self.id.clone(),
            name: self.cau_hoi.clone(),
            keywords,
            body: self.tra_loi.clone(),
            linh_vuc: self.linh_vuc.clone(),
            cap: Vec::new(),
            co_quan: if self.co_quan.is_empty() {
                Vec::new()
            } else {
                vec![self.co_quan.clone()]
            },
        }
    }
}

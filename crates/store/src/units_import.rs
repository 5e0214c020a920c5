//! Import of administrative units from CSV (ORG-1).
//!
//! Two layouts are recognised from the header:
//! - the official old→new conversion table published with QĐ 19/2025/QĐ-TTg
//!   (`"Tỉnh, thành phố",Tên Xã mới,Mã Xã mới,Tên Xã cũ,Mã Xã cũ,Ghi chú,Quận/huyện,Tỉnh cũ`):
//!   it creates the new province and communes (valid from the reform date), the old province,
//!   district and communes (valid until the day before), and a lineage link per row;
//! - a plain list: `code,name,kind,parent_code,valid_from,valid_to,legal_basis` (kind and the
//!   dates optional).
//!
//! The import is idempotent (units are found by code and start of validity), runs in one
//! transaction, skips bad rows while reporting each with its line and field, and can be run
//! dry (everything is checked, nothing is kept).

use crate::org::{self, UnitInput};
use crate::{Store, StoreError};
use chrono::NaiveDate;
use sqlx::AnyConnection;
use tongdai_domain::org::{LineageKind, UnitKind, Validity, validate_unit_code};

/// Options of an import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The first day of the new units (the 2025 reform: 1 July 2025).
    pub effective: NaiveDate,
    /// Where old units start when the file does not say (unknown: a date before any record).
    pub old_valid_from: NaiveDate,
    pub legal_basis: String,
    pub dry_run: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            effective: NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date"),
            old_valid_from: NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date"),
            legal_basis: "QĐ 19/2025/QĐ-TTg; NQ 1654/NQ-UBTVQH15".into(),
            dry_run: false,
        }
    }
}

/// A row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// 1-based line number in the file.
    pub line: u64,
    pub field: String,
    pub message: String,
}

/// What an import did (or would do, when dry).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub rows: u64,
    pub units_created: u64,
    pub units_existing: u64,
    pub links_created: u64,
    pub problems: Vec<RowProblem>,
    pub dry_run: bool,
}

impl ImportReport {
    /// Human-readable summary in Vietnamese.
    pub fn summary_vi(&self) -> String {
        let mut s = format!(
            "{}{} dòng; {} đơn vị mới, {} đơn vị đã có; {} liên kết kế thừa mới; {} dòng lỗi.",
            if self.dry_run {
                "[Chạy thử — không lưu] "
            } else {
                ""
            },
            self.rows,
            self.units_created,
            self.units_existing,
            self.links_created,
            self.problems.len()
        );
        for p in &self.problems {
            s.push_str(&format!(
                "\n  dòng {}, cột «{}»: {}",
                p.line, p.field, p.message
            ));
        }
        s
    }
}

/// Errors that stop the whole import (the file is unreadable, or the database fails).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("không đọc được tệp CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error(
        "tiêu đề tệp CSV không được nhận ra: cần bảng chuyển đổi chính thức (Tên Xã mới, Mã Xã mới, …) hoặc các cột code,name"
    )]
    UnknownLayout,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `"Tỉnh An Giang (91)"` → (`"Tỉnh An Giang"`, `"91"`).
fn split_name_code(s: &str) -> Option<(String, String)> {
    let s = s.trim();
    let open = s.rfind('(')?;
    let close = s.rfind(')')?;
    if close <= open {
        return None;
    }
    let code = s[open + 1..close].trim().to_owned();
    let name = s[..open].trim().to_owned();
    (!name.is_empty() && !code.is_empty()).then_some((name, code))
}

/// Import a CSV document.
pub async fn import_csv(
    store: &Store,
    data: &[u8],
    opts: &ImportOptions,
) -> Result<ImportReport, ImportError> {
    // Lines starting with '#' are comments (the reference files carry their sources there).
    let text = String::from_utf8_lossy(data);
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let mut tx = store.begin().await?;
    let mut report = ImportReport {
        dry_run: opts.dry_run,
        ..Default::default()
    };
    if let (Some(new_name), Some(new_code), Some(old_name), Some(old_code)) = (
        col("Tên Xã mới"),
        col("Mã Xã mới"),
        col("Tên Xã cũ"),
        col("Mã Xã cũ"),
    ) {
        let cols = ConversionColumns {
            province: col("Tỉnh, thành phố"),
            new_name,
            new_code,
            old_name,
            old_code,
            note: col("Ghi chú"),
            district: col("Quận/huyện"),
            old_province: col("Tỉnh cũ"),
        };
        for record in reader.records() {
            let record = record?;
            let line = record.position().map_or(0, |p| p.line());
            report.rows += 1;
            if let Err(p) = conversion_row(&mut tx, &record, &cols, opts, &mut report).await {
                report.problems.push(RowProblem { line, ..p });
            }
        }
    } else if let (Some(code), Some(name)) = (col("code"), col("name")) {
        let cols = PlainColumns {
            code,
            name,
            kind: col("kind"),
            parent: col("parent_code"),
            from: col("valid_from"),
            to: col("valid_to"),
            legal: col("legal_basis"),
        };
        for record in reader.records() {
            let record = record?;
            let line = record.position().map_or(0, |p| p.line());
            report.rows += 1;
            if let Err(p) = plain_row(&mut tx, &record, &cols, opts, &mut report).await {
                report.problems.push(RowProblem { line, ..p });
            }
        }
    } else {
        return Err(ImportError::UnknownLayout);
    }
    if !opts.dry_run {
        tx.commit().await?;
    }
    Ok(report)
}

struct ConversionColumns {
    province: Option<usize>,
    new_name: usize,
    new_code: usize,
    old_name: usize,
    old_code: usize,
    note: Option<usize>,
    district: Option<usize>,
    old_province: Option<usize>,
}

struct PlainColumns {
    code: usize,
    name: usize,
    kind: Option<usize>,
    parent: Option<usize>,
    from: Option<usize>,
    to: Option<usize>,
    legal: Option<usize>,
}

fn problem(field: &str, message: impl Into<String>) -> RowProblem {
    RowProblem {
        line: 0,
        field: field.to_owned(),
        message: message.into(),
    }
}

fn cell(r: &csv::StringRecord, i: Option<usize>) -> &str {
    i.and_then(|i| r.get(i)).map(str::trim).unwrap_or("")
}

/// Find a unit by (code, start) or create it.
async fn ensure_unit(
    c: &mut AnyConnection,
    input: UnitInput,
    report: &mut ImportReport,
) -> Result<i64, RowProblem> {
    // Old spreadsheets arrive decomposed (NFD) or with legacy tone placement: store NFC.
    let input = UnitInput {
        name: tongdai_domain::text::nfc(&input.name),
        ..input
    };
    let db = |e: StoreError| problem("", format!("lỗi cơ sở dữ liệu: {e}"));
    if let Some(u) = org::unit_by_code_from(c, &input.code, input.validity.from)
        .await
        .map_err(db)?
    {
        report.units_existing += 1;
        return Ok(u.id);
    }
    let folded = crate::fold(&input.name);
    let id = org::create_unit(c, &input, &folded).await.map_err(db)?;
    report.units_created += 1;
    Ok(id)
}

async fn conversion_row(
    c: &mut AnyConnection,
    r: &csv::StringRecord,
    cols: &ConversionColumns,
    opts: &ImportOptions,
    report: &mut ImportReport,
) -> Result<(), RowProblem> {
    let last_old_day = opts.effective.pred_opt().unwrap_or(opts.effective);
    let new_name = cell(r, Some(cols.new_name));
    let new_code = cell(r, Some(cols.new_code));
    let old_name = cell(r, Some(cols.old_name));
    let old_code = cell(r, Some(cols.old_code));
    validate_unit_code(new_code, 3).map_err(|e| problem("Mã Xã mới", e.to_string()))?;
    validate_unit_code(old_code, 3).map_err(|e| problem("Mã Xã cũ", e.to_string()))?;
    let new_kind = UnitKind::from_name(new_name, 3).ok_or_else(|| {
        problem(
            "Tên Xã mới",
            format!("không nhận ra loại đơn vị của «{new_name}»"),
        )
    })?;
    let old_kind = UnitKind::from_name(old_name, 3).ok_or_else(|| {
        problem(
            "Tên Xã cũ",
            format!("không nhận ra loại đơn vị của «{old_name}»"),
        )
    })?;
    let lineage = match cell(r, cols.note).to_lowercase().as_str() {
        "" | "nhập toàn bộ" => LineageKind::Full,
        s if s.contains("một phần") => LineageKind::Partial,
        s if s.contains("toàn bộ") => LineageKind::Full,
        other => {
            return Err(problem(
                "Ghi chú",
                format!("không hiểu «{other}» (cần «Nhập toàn bộ» hoặc «Nhập một phần»)"),
            ));
        }
    };
    let new_validity = Validity {
        from: opts.effective,
        to: None,
    };
    let old_validity = Validity {
        from: opts.old_valid_from,
        to: Some(last_old_day),
    };

    // The new province (e.g. "Tỉnh An Giang (91)").
    let new_province = match split_name_code(cell(r, cols.province)) {
        Some((name, code)) => {
            validate_unit_code(&code, 1).map_err(|e| problem("Tỉnh, thành phố", e.to_string()))?;
            let kind = UnitKind::from_name(&name, 1).unwrap_or(UnitKind::Tinh);
            Some(
                ensure_unit(
                    c,
                    UnitInput {
                        code,
                        name,
                        kind,
                        parent_id: None,
                        validity: new_validity,
                        legal_basis: opts.legal_basis.clone(),
                    },
                    report,
                )
                .await?,
            )
        }
        None => None,
    };
    let old_province = match split_name_code(cell(r, cols.old_province)) {
        Some((name, code)) => {
            validate_unit_code(&code, 1).map_err(|e| problem("Tỉnh cũ", e.to_string()))?;
            let kind = UnitKind::from_name(&name, 1).unwrap_or(UnitKind::Tinh);
            Some(
                ensure_unit(
                    c,
                    UnitInput {
                        code,
                        name,
                        kind,
                        parent_id: None,
                        validity: old_validity,
                        legal_basis: String::new(),
                    },
                    report,
                )
                .await?,
            )
        }
        None => None,
    };
    let old_district = match split_name_code(cell(r, cols.district)) {
        Some((name, code)) => {
            validate_unit_code(&code, 2).map_err(|e| problem("Quận/huyện", e.to_string()))?;
            let kind = UnitKind::from_name(&name, 2).unwrap_or(UnitKind::Huyen);
            Some(
                ensure_unit(
                    c,
                    UnitInput {
                        code,
                        name,
                        kind,
                        parent_id: old_province,
                        validity: old_validity,
                        legal_basis: String::new(),
                    },
                    report,
                )
                .await?,
            )
        }
        None => None,
    };
    let new_unit = ensure_unit(
        c,
        UnitInput {
            code: new_code.into(),
            name: new_name.into(),
            kind: new_kind,
            parent_id: new_province,
            validity: new_validity,
            legal_basis: opts.legal_basis.clone(),
        },
        report,
    )
    .await?;
    let old_unit = ensure_unit(
        c,
        UnitInput {
            code: old_code.into(),
            name: old_name.into(),
            kind: old_kind,
            parent_id: old_district.or(old_province),
            validity: old_validity,
            legal_basis: String::new(),
        },
        report,
    )
    .await?;
    let created = org::add_unit_lineage(
        c,
        old_unit,
        new_unit,
        lineage,
        &opts.legal_basis,
        opts.effective,
    )
    .await
    .map_err(|e| problem("", format!("lỗi cơ sở dữ liệu: {e}")))?;
    if created {
        report.links_created += 1;
    }
    Ok(())
}

async fn plain_row(
    c: &mut AnyConnection,
    r: &csv::StringRecord,
    cols: &PlainColumns,
    opts: &ImportOptions,
    report: &mut ImportReport,
) -> Result<(), RowProblem> {
    let code = cell(r, Some(cols.code));
    let name = cell(r, Some(cols.name));
    if name.is_empty() {
        return Err(problem("name", "tên trống"));
    }
    let kind = match cell(r, cols.kind) {
        "" => UnitKind::from_name(
            name,
            if code.len() == 2 {
                1
            } else if code.len() == 3 {
                2
            } else {
                3
            },
        )
        .ok_or_else(|| problem("kind", format!("không nhận ra loại đơn vị của «{name}»")))?,
        k => k
            .parse()
            .map_err(|_| problem("kind", format!("loại «{k}» không hợp lệ")))?,
    };
    validate_unit_code(code, kind.level()).map_err(|e| problem("code", e.to_string()))?;
    let date = |i: Option<usize>, field: &str| -> Result<Option<NaiveDate>, RowProblem> {
        match cell(r, i) {
            "" => Ok(None),
            s => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| problem(field, format!("ngày «{s}» không đúng dạng YYYY-MM-DD"))),
        }
    };
    let from = date(cols.from, "valid_from")?.unwrap_or(opts.old_valid_from);
    let to = date(cols.to, "valid_to")?;
    let validity = Validity::new(from, to).map_err(|e| problem("valid_to", e.to_string()))?;
    let parent_id = match cell(r, cols.parent) {
        "" => None,
        p => Some(
            org::unit_by_code_on(c, p, from)
                .await
                .map_err(|e| problem("parent_code", e.to_string()))?
                .ok_or_else(|| {
                    problem(
                        "parent_code",
                        format!("không có đơn vị cấp trên mã {p} vào ngày {from}"),
                    )
                })?
                .id,
        ),
    };
    ensure_unit(
        c,
        UnitInput {
            code: code.into(),
            name: name.into(),
            kind,
            parent_id,
            validity,
            legal_basis: cell(r, cols.legal).to_owned(),
        },
        report,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_name_and_code() {
        assert_eq!(
            split_name_code("Tỉnh An Giang (91)"),
            Some(("Tỉnh An Giang".into(), "91".into()))
        );
        assert_eq!(
            split_name_code("Huyện Châu Thành (892)"),
            Some(("Huyện Châu Thành".into(), "892".into()))
        );
        assert_eq!(split_name_code("An Giang"), None);
    }
}

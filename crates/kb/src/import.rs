//! Reading an import file (KB-1, `tongdai kb import FILE`): a JSON array of records in the
//! schema, or a CSV or XLSX table with one row per procedure (columns in [`COLUMNS`]). Each
//! record keeps its position in the file (line or row) for the report.
//!
//! Table cells: a list field takes one item per line (or separated by `;` or `|`); a column of
//! a structured field may also hold the field's JSON (`[{"kenh": 1, …}]`). Per channel, the
//! columns `thoi_han_truc_tiep`, `phi_truc_tiep`, `thoi_han_truc_tuyen`, `phi_truc_tuyen`,
//! `thoi_han_buu_chinh`, `phi_buu_chinh` take "5 Ngày làm việc" and "Lệ phí: 8.000 đồng".
//! Dossier documents: one per line, `Tên giấy tờ | bản chính 1 | bản sao 0 | https://…/mau.docx`,
//! with a line ending in `:` starting a case (*trường hợp*). Legal bases: one per line,
//! `60/2014/QH13 | Luật Hộ tịch`. Headers are matched without accents and case, and the
//! Vietnamese labels of the national portal ("Mã thủ tục", "Tên thủ tục", …) work too.

use std::io::Cursor;

use serde_json::{Map, Value, value::RawValue};
use tongdai_domain::text::{fold, nfc, repair_legacy};

use crate::error::{KbError, Problem};

/// The format of an import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Json,
    Csv,
    Xlsx,
}

impl FileFormat {
    /// From a name such as `json`, `csv`, `xlsx`.
    pub fn parse(s: &str) -> Option<FileFormat> {
        match s.trim().to_ascii_lowercase().trim_start_matches('.') {
            "json" => Some(FileFormat::Json),
            "csv" | "tsv" | "txt" => Some(FileFormat::Csv),
            "xlsx" | "xlsm" => Some(FileFormat::Xlsx),
            _ => None,
        }
    }

    /// From a file name's extension, else from the content (a ZIP is XLSX, `[` or `{` JSON,
    /// anything else CSV).
    pub fn detect(file_name: &str, bytes: &[u8]) -> FileFormat {
        if let Some(f) = file_name
            .rsplit_once('.')
            .and_then(|(_, ext)| FileFormat::parse(ext))
        {
            return f;
        }
        if bytes.starts_with(b"PK\x03\x04") {
            return FileFormat::Xlsx;
        }
        let start = bytes
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(bytes)
            .iter()
            .find(|b| !b.is_ascii_whitespace());
        match start {
            Some(b'[' | b'{') => FileFormat::Json,
            _ => FileFormat::Csv,
        }
    }
}

/// One record of the file, as JSON in the schema's shape, with where it was.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    /// The line (JSON, CSV) or row (XLSX) it starts on, 1-based.
    pub line: usize,
    pub value: Value,
    /// Problems found while reading the row (a cell of JSON that does not parse).
    pub problems: Vec<Problem>,
}

/// A read file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SourceFile {
    pub records: Vec<SourceRecord>,
    /// Notes about the whole file (ignored columns).
    pub notes: Vec<String>,
}

/// The documented columns of the CSV and XLSX formats: the field (or channel column) and
/// other headers accepted for it (compared without accents, case, spaces or `_`).
pub const COLUMNS: &[(&str, &[&str])] = &[
    ("ma_tthc", &["ma thu tuc", "ma tthc", "ma"]),
    ("ten_tthc", &["ten thu tuc", "ten tthc", "ten"]),
    (
        "quyet_dinh_cong_bo",
        &["so quyet dinh", "quyet dinh cong bo"],
    ),
    ("cap_thuc_hien", &["cap thuc hien", "cap"]),
    ("loai_thu_tuc", &["loai thu tuc"]),
    ("linh_vuc", &["linh vuc"]),
    ("doi_tuong_thuc_hien", &["doi tuong thuc hien", "doi tuong"]),
    ("co_quan_co_tham_quyen", &["co quan co tham quyen"]),
    ("co_quan_thuc_hien", &["co quan thuc hien"]),
    ("co_quan_duoc_uy_quyen", &["co quan duoc uy quyen"]),
    ("co_quan_phoi_hop", &["co quan phoi hop"]),
    (
        "dia_chi_tiep_nhan",
        &[
            "dia chi tiep nhan",
            "dia chi tiep nhan hs",
            "dia chi tiep nhan ho so",
        ],
    ),
    ("trinh_tu_thuc_hien", &["trinh tu thuc hien", "trinh tu"]),
    ("cach_thuc_thuc_hien", &["cach thuc thuc hien"]),
    ("thoi_han_truc_tiep", &["thoi han truc tiep"]),
    ("phi_truc_tiep", &["phi truc tiep", "phi le phi truc tiep"]),
    ("thoi_han_truc_tuyen", &["thoi han truc tuyen"]),
    (
        "phi_truc_tuyen",
        &["phi truc tuyen", "phi le phi truc tuyen"],
    ),
    ("thoi_han_buu_chinh", &["thoi han buu chinh"]),
    ("phi_buu_chinh", &["phi buu chinh", "phi le phi buu chinh"]),
    ("thanh_phan_ho_so", &["thanh phan ho so"]),
    ("so_luong_bo_ho_so", &["so luong bo ho so", "so bo ho so"]),
    (
        "yeu_cau_dieu_kien",
        &[
            "yeu cau dieu kien",
            "yeu cau, dieu kien thuc hien",
            "yeu cau dieu kien thuc hien",
        ],
    ),
    ("ket_qua", &["ket qua", "ket qua thuc hien"]),
    ("can_cu_phap_ly", &["can cu phap ly"]),
    (
        "thu_tuc_lien_quan",
        &["thu tuc lien quan", "thu tuc hanh chinh lien quan"],
    ),
    ("co_quan_cong_bo", &["co quan cong bo"]),
    (
        "trang_thai_cong_khai",
        &["trang thai cong khai", "cong khai"],
    ),
    (
        "muc_do_dvc",
        &["muc do dvc", "muc do", "muc do dich vu cong"],
    ),
    (
        "dvc_url",
        &[
            "dvc url",
            "link dvc",
            "dich vu cong truc tuyen",
            "lien ket nop truc tuyen",
        ],
    ),
    ("nguon_url", &["nguon url", "nguon", "link"]),
    ("ngay_cap_nhat", &["ngay cap nhat"]),
    ("ghi_chu", &["ghi chu"]),
];

/// Channel columns: (time column, fee column, channel number).
const CHANNEL_COLUMNS: &[(&str, &str, u8)] = &[
    ("thoi_han_truc_tiep", "phi_truc_tiep", 1),
    ("thoi_han_truc_tuyen", "phi_truc_tuyen", 2),
    ("thoi_han_buu_chinh", "phi_buu_chinh", 3),
];

/// Structured fields whose cell may hold JSON.
const STRUCTURED: &[&str] = &[
    "cap_thuc_hien",
    "linh_vuc",
    "doi_tuong_thuc_hien",
    "co_quan_thuc_hien",
    "trinh_tu_thuc_hien",
    "cach_thuc_thuc_hien",
    "thanh_phan_ho_so",
    "ket_qua",
    "can_cu_phap_ly",
    "thu_tuc_lien_quan",
];

fn header_key(s: &str) -> String {
    fold(s.trim_start_matches('\u{feff}'))
        .chars()
        .map(|c| if c == '_' || c == '-' { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The field a header names, if any.
pub fn column_for(header: &str) -> Option<&'static str> {
    let key = header_key(header);
    COLUMNS
        .iter()
        .find(|(field, aliases)| header_key(field) == key || aliases.contains(&key.as_str()))
        .map(|(field, _)| *field)
}

/// Reads a file of the given format.
pub fn read(bytes: &[u8], format: FileFormat) -> Result<SourceFile, KbError> {
    match format {
        FileFormat::Json => read_json(bytes),
        FileFormat::Csv => read_csv(bytes),
        FileFormat::Xlsx => read_xlsx(bytes),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// A JSON array of records (or one record, or `{"records": […]}`).
pub fn read_json(bytes: &[u8]) -> Result<SourceFile, KbError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|e| KbError::File(format!("JSON phải là UTF-8 ({e})")))?;
    let bad = |e: serde_json::Error| {
        KbError::File(format!(
            "JSON sai cú pháp ở dòng {}, cột {}: {e}",
            e.line(),
            e.column()
        ))
    };
    let trimmed = text.trim_start();
    let raws: Vec<&RawValue> = if trimmed.starts_with('[') {
        serde_json::from_str(text).map_err(bad)?
    } else {
        let one: &RawValue = serde_json::from_str(text).map_err(bad)?;
        // `{"records": [...]}` (or `thu_tuc`, `data`) wraps the array.
        let obj: Map<String, Value> = serde_json::from_str(one.get()).map_err(bad)?;
        let wrapped = ["records", "thu_tuc", "data", "items"]
            .iter()
            .find(|k| obj.get(**k).is_some_and(Value::is_array));
        match wrapped {
            Some(k) => {
                let inner: std::collections::HashMap<String, &RawValue> =
                    serde_json::from_str(one.get()).map_err(bad)?;
                serde_json::from_str(inner[*k].get()).map_err(bad)?
            }
            None => vec![one],
        }
    };
    let base = text.as_ptr() as usize;
    let mut out = SourceFile::default();
    for raw in raws {
        let offset = raw.get().as_ptr() as usize - base;
        let value: Value = serde_json::from_str(raw.get()).map_err(bad)?;
        out.records.push(SourceRecord {
            line: line_of(text, offset),
            value,
            problems: Vec::new(),
        });
    }
    Ok(out)
}

/// Text of a legacy 8-bit file: each byte as the Latin-1 character of that code, which is how
/// TCVN3 (ABC) and VNI text is laid out; the cells are then repaired by the text rules.
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|b| char::from(*b)).collect()
}

fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => latin1(bytes),
    }
}

fn delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.matches(char::from(*d)).count())
        .unwrap_or(b',')
}

/// Builds records from a header and rows of cells.
struct Table {
    fields: Vec<Option<&'static str>>,
    notes: Vec<String>,
}

impl Table {
    fn new(headers: &[String]) -> Result<Table, KbError> {
        let mut fields = Vec::new();
        let mut notes = Vec::new();
        let mut seen = Vec::new();
        for h in headers {
            let f = column_for(h);
            match f {
                Some(name) if seen.contains(&name) => {
                    notes.push(format!("cột «{h}» lặp lại cột {name}; bỏ qua"));
                    fields.push(None);
                }
                Some(name) => {
                    seen.push(name);
                    fields.push(Some(name));
                }
                None if h.trim().is_empty() => fields.push(None),
                None => {
                    notes.push(format!("cột «{}» không dùng đến", h.trim()));
                    fields.push(None);
                }
            }
        }
        if !seen.contains(&"ma_tthc") || !seen.contains(&"ten_tthc") {
            return Err(KbError::File(
                "dòng tiêu đề phải có cột ma_tthc và ten_tthc (xem danh sách cột trong hướng dẫn)"
                    .into(),
            ));
        }
        Ok(Table { fields, notes })
    }

    fn record(&self, line: usize, cells: &[String]) -> Option<SourceRecord> {
        if cells.iter().all(|c| c.trim().is_empty()) {
            return None;
        }
        let mut obj = Map::new();
        let mut problems = Vec::new();
        let mut channels: Vec<(u8, Vec<Value>, Vec<Value>)> = Vec::new();
        for (field, cell) in self.fields.iter().zip(cells) {
            let Some(field) = field else { continue };
            let cell = nfc(&repair_legacy(cell)).trim().to_owned();
            if cell.is_empty() {
                continue;
            }
            if let Some((time_col, fee_col, kenh)) = CHANNEL_COLUMNS
                .iter()
                .find(|(t, p, _)| t == field || p == field)
            {
                let lines: Vec<Value> = cell
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| Value::String(l.to_owned()))
                    .collect();
                let entry = match channels.iter_mut().position(|c| c.0 == *kenh) {
                    Some(i) => &mut channels[i],
                    None => {
                        channels.push((*kenh, Vec::new(), Vec::new()));
                        channels.last_mut().expect("just pushed")
                    }
                };
                if field == time_col {
                    entry.1.extend(lines);
                } else if field == fee_col {
                    entry.2.extend(lines);
                }
                continue;
            }
            let value = if STRUCTURED.contains(field) && cell.starts_with(['[', '{']) {
                match serde_json::from_str::<Value>(&cell) {
                    Ok(v) => v,
                    Err(e) => {
                        problems.push(Problem::new(
                            *field,
                            format!("JSON trong ô sai cú pháp: {e}"),
                        ));
                        continue;
                    }
                }
            } else {
                Value::String(cell)
            };
            obj.insert((*field).to_owned(), value);
        }
        if !channels.is_empty() && !obj.contains_key("cach_thuc_thuc_hien") {
            channels.sort_by_key(|c| c.0);
            let list = channels
                .into_iter()
                .map(|(kenh, times, fees)| {
                    serde_json::json!({ "kenh": kenh, "thoi_han": times, "phi_le_phi": fees })
                })
                .collect();
            obj.insert("cach_thuc_thuc_hien".into(), Value::Array(list));
        }
        Some(SourceRecord {
            line,
            value: Value::Object(obj),
            problems,
        })
    }
}

/// A CSV file (comma, semicolon or tab; UTF-8, UTF-16 or a legacy 8-bit encoding).
pub fn read_csv(bytes: &[u8]) -> Result<SourceFile, KbError> {
    let text = decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(&text))
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut rows = reader.records();
    let headers: Vec<String> = match rows.next() {
        Some(Ok(r)) => r.iter().map(str::to_owned).collect(),
        Some(Err(e)) => return Err(KbError::File(format!("CSV: {e}"))),
        None => return Err(KbError::File("tệp trống".into())),
    };
    let table = Table::new(&headers)?;
    let mut out = SourceFile {
        notes: table.notes.clone(),
        ..SourceFile::default()
    };
    for row in rows {
        let row = row.map_err(|e| KbError::File(format!("CSV: {e}")))?;
        let line = row.position().map_or(0, |p| p.line() as usize);
        let cells: Vec<String> = row.iter().map(str::to_owned).collect();
        if let Some(r) = table.record(line, &cells) {
            out.records.push(r);
        }
    }
    Ok(out)
}

fn cell_text(d: &calamine::Data, field: Option<&str>) -> String {
    use calamine::Data;
    match d {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        // A code typed as a number loses its trailing zeros: 1.0012 is 1.001200.
        Data::Float(x) if field == Some("ma_tthc") => format!("{x:.6}"),
        Data::Float(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", *x as i64),
        Data::Float(x) => x.to_string(),
        Data::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map(|t| t.date().format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
    }
}

/// An XLSX workbook: the first sheet that has a header row with `ma_tthc` and `ten_tthc`.
pub fn read_xlsx(bytes: &[u8]) -> Result<SourceFile, KbError> {
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| KbError::File(format!("XLSX: {e}")))?;
    let mut last_error = KbError::File("bảng tính không có trang nào".into());
    for name in wb.sheet_names() {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| KbError::File(format!("XLSX, trang «{name}»: {e}")))?;
        let first_row = range.start().map_or(0, |(r, _)| r as usize);
        let first_col = range.start().map_or(0, |(_, c)| c as usize);
        let mut rows = range.rows().enumerate();
        // The header is the first row with something in it.
        let header = rows.find(|(_, r)| r.iter().any(|c| !cell_text(c, None).trim().is_empty()));
        let Some((_, header)) = header else { continue };
        let mut headers: Vec<String> = vec![String::new(); first_col];
        headers.extend(header.iter().map(|c| cell_text(c, None)));
        let table = match Table::new(&headers) {
            Ok(t) => t,
            Err(e) => {
                last_error = KbError::File(format!("trang «{name}»: {e}"));
                continue;
            }
        };
        let mut out = SourceFile {
            notes: table.notes.clone(),
            ..SourceFile::default()
        };
        for (i, row) in rows {
            let mut cells: Vec<String> = vec![String::new(); first_col];
            cells.extend(
                row.iter()
                    .enumerate()
                    .map(|(j, c)| cell_text(c, table.fields.get(first_col + j).copied().flatten())),
            );
            if let Some(r) = table.record(first_row + i + 1, &cells) {
                out.records.push(r);
            }
        }
        return Ok(out);
    }
    Err(last_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_by_name_or_label() {
        assert_eq!(column_for("ma_tthc"), Some("ma_tthc"));
        assert_eq!(column_for("Mã thủ tục"), Some("ma_tthc"));
        assert_eq!(column_for("\u{feff}MA_TTHC"), Some("ma_tthc"));
        assert_eq!(
            column_for("Thời hạn trực tuyến"),
            Some("thoi_han_truc_tuyen")
        );
        assert_eq!(
            column_for("Địa chỉ tiếp nhận HS"),
            Some("dia_chi_tiep_nhan")
        );
        assert_eq!(column_for("màu sắc"), None);
    }

    #[test]
    fn json_positions() {
        let text = "[\n  {\"ma_tthc\": \"1.000001\"},\n\n  {\"ma_tthc\": \"1.000002\"}\n]";
        let f = read_json(text.as_bytes()).unwrap();
        assert_eq!(f.records.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
        let one = read_json(b"{\"ma_tthc\": \"1.000001\"}").unwrap();
        assert_eq!(one.records.len(), 1);
        let wrapped = read_json(b"{\"records\": [{\"ma_tthc\": \"1\"}, {}]}").unwrap();
        assert_eq!(wrapped.records.len(), 2);
        let err = read_json(b"[{\"ma_tthc\": }]").unwrap_err().to_string();
        assert!(err.contains("dòng 1"), "{err}");
    }

    #[test]
    fn csv_rows_channels_and_lines() {
        let csv = "ma_tthc;ten_tthc;thoi_han_truc_tiep;phi_truc_tiep;linh_vuc;màu\n\
                   1.000001;Thủ tục A;5 Ngày làm việc;Lệ phí: 8.000 đồng;Hộ tịch;x\n\
                   ;;;;;\n\
                   1.000002;\"Thủ tục\nB\";;;\"[{\"\"ten\"\":\"\"Chứng thực\"\"}]\";\n";
        let f = read_csv(csv.as_bytes()).unwrap();
        assert_eq!(f.records.len(), 2);
        assert_eq!(f.records[0].line, 2);
        assert_eq!(f.records[1].line, 4);
        assert_eq!(
            f.records[0].value["cach_thuc_thuc_hien"][0]["thoi_han"][0],
            "5 Ngày làm việc"
        );
        assert_eq!(f.records[1].value["linh_vuc"][0]["ten"], "Chứng thực");
        assert!(f.notes.iter().any(|n| n.contains("màu")));
        assert!(read_csv(b"a,b\n1,2\n").is_err(), "no code column");
    }

    #[test]
    fn legacy_csv_is_repaired() {
        // "Hộ tịch" in TCVN3 (ABC), saved as 8-bit bytes.
        let mut bytes = b"ma_tthc,ten_tthc\n1.000001,".to_vec();
        bytes.extend([b'H', 0xE9, b' ', b't', 0xDE, b'c', b'h']);
        bytes.push(b'\n');
        let f = read_csv(&bytes).unwrap();
        assert_eq!(f.records[0].value["ten_tthc"], "Hộ tịch");
    }

    #[test]
    fn formats_are_detected() {
        assert_eq!(FileFormat::detect("a.XLSX", b""), FileFormat::Xlsx);
        assert_eq!(FileFormat::detect("a", b"PK\x03\x04"), FileFormat::Xlsx);
        assert_eq!(FileFormat::detect("a", b" \n[{}]"), FileFormat::Json);
        assert_eq!(
            FileFormat::detect("a", b"ma_tthc,ten_tthc"),
            FileFormat::Csv
        );
    }
}

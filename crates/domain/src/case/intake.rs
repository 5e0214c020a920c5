//! Turning a contact into a validated [`NewCase`] (CASE-1, NĐ 20/2008 Art. 7, SEC-4).
//!
//! NĐ 20/2008/NĐ-CP Art. 7 requires a *phản ánh, kiến nghị* to carry the sender's name,
//! address and phone number: an anonymous one is not accepted, so the name is required and
//! placeholders such as "ẩn danh" are refused. Every problem is reported, per field, with a
//! Vietnamese message the form can show next to the field; validation never stops at the
//! first error. Text is stored in NFC (vietnam.md §9).

use super::kind::{CaseKind, Channel};
use crate::Instant;
use crate::phone::PhoneNumber;
use crate::text::{fold, nfc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Bounds on what a contact may carry; per tenant, serde with defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IntakeLimits {
    pub name_max_chars: usize,
    pub organisation_max_chars: usize,
    pub address_max_chars: usize,
    pub content_min_chars: usize,
    pub content_max_chars: usize,
    /// Answers, guidance, reasons and public texts.
    pub answer_max_chars: usize,
    pub note_max_chars: usize,
    pub attachments_max_count: usize,
    pub attachment_max_bytes: u64,
    pub attachments_max_total_bytes: u64,
    /// Detected content types accepted, lowercase (the national PAKN form takes JPG, PDF,
    /// DOC(X), XLS(X): vietnam.md §2.3; PNG added for phone screenshots).
    pub allowed_content_types: Vec<String>,
}

impl Default for IntakeLimits {
    fn default() -> Self {
        IntakeLimits {
            name_max_chars: 100,
            organisation_max_chars: 200,
            address_max_chars: 300,
            content_min_chars: 10,
            content_max_chars: 10_000,
            answer_max_chars: 20_000,
            note_max_chars: 5_000,
            attachments_max_count: 10,
            attachment_max_bytes: 10 * 1024 * 1024,
            attachments_max_total_bytes: 50 * 1024 * 1024,
            allowed_content_types: CONTENT_TYPES.iter().map(|(t, _)| (*t).to_owned()).collect(),
        }
    }
}

/// Known content types and the file extensions that go with them.
const CONTENT_TYPES: &[(&str, &[&str])] = &[
    ("image/jpeg", &["jpg", "jpeg"]),
    ("image/png", &["png"]),
    ("application/pdf", &["pdf"]),
    ("application/msword", &["doc"]),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &["docx"],
    ),
    ("application/vnd.ms-excel", &["xls"]),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &["xlsx"],
    ),
];

code_enum! {
    /// The fields of an intake form (the codes are the form's field names).
    IntakeField {
        CallerName = "caller_name" / "Họ và tên",
        Organisation = "organisation" / "Cơ quan, tổ chức",
        Phone = "phone" / "Số điện thoại",
        Email = "email" / "Thư điện tử",
        Address = "address" / "Địa chỉ",
        AdminUnit = "admin_unit_id" / "Đơn vị hành chính",
        Channel = "channel" / "Kênh tiếp nhận",
        Kind = "kind" / "Loại hồ sơ",
        Content = "content" / "Nội dung",
        FieldId = "field_id" / "Lĩnh vực",
        CategoryId = "category_id" / "Nhóm nội dung",
        Attachments = "attachments" / "Tệp đính kèm",
        NoticeVersion = "notice_version" / "Thông báo xử lý dữ liệu cá nhân",
        DossierCode = "dossier_code" / "Mã hồ sơ một cửa",
        TthcCode = "tthc_code" / "Mã thủ tục hành chính",
        CallId = "call_id" / "Mã cuộc gọi",
    }
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: IntakeField,
    /// For attachments: which one (0-based).
    pub index: Option<usize>,
    /// What is wrong, in Vietnamese.
    pub message: String,
}

/// Every problem found in a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct IntakeError {
    pub errors: Vec<FieldError>,
}

impl IntakeError {
    /// Whether `field` has a problem.
    pub fn has(&self, field: IntakeField) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }
}

impl fmt::Display for IntakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}: {}", e.field.label_vi(), e.message)?;
        }
        Ok(())
    }
}

/// A contact as typed into a form or received from a channel adapter: strings and ids,
/// unchecked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RawIntake {
    pub caller_name: String,
    pub organisation: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub admin_unit_id: Option<i64>,
    /// A [`Channel`] code.
    pub channel: String,
    /// A [`CaseKind`] code.
    pub kind: String,
    pub content: String,
    pub field_id: Option<i64>,
    pub category_id: Option<i64>,
    pub attachments: Vec<RawAttachment>,
    /// The version of the personal-data notice the citizen was shown or played (SEC-4).
    pub notice_version: String,
    /// When the contact arrived, if earlier than its recording (a letter, an imported item);
    /// `None` = now.
    pub received_at: Option<Instant>,
    pub call_id: String,
    pub dossier_code: String,
    pub tthc_code: String,
}

/// An uploaded file as the store saw it: the name given, its size and the content type it
/// detected from the bytes (never the one the browser claimed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawAttachment {
    pub name: String,
    pub size_bytes: u64,
    pub content_type: String,
}

/// Who contacted the hotline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    pub name: String,
    pub organisation: Option<String>,
    pub phone: PhoneNumber,
    pub email: Option<String>,
    pub address: String,
    /// The administrative unit the address resolves to (ORG-1), when known.
    pub admin_unit_id: Option<i64>,
}

/// A validated attachment's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentMeta {
    pub name: String,
    pub size_bytes: u64,
    pub content_type: String,
}

impl AttachmentMeta {
    /// Validates one attachment against the limits (name, size, type, extension matching the
    /// detected type: a `.pdf` that is really an executable is refused).
    pub fn validate(raw: &RawAttachment, limits: &IntakeLimits) -> Result<AttachmentMeta, String> {
        let name = clean_line(&raw.name);
        if name.is_empty() {
            return Err("Tệp đính kèm không có tên.".into());
        }
        if name.chars().count() > 200
            || name.contains(['/', '\\', ':', '*', '?', '"', '<', '>', '|'])
            || name.starts_with('.')
        {
            return Err("Tên tệp không hợp lệ.".into());
        }
        if raw.size_bytes == 0 {
            return Err(format!("Tệp {name} rỗng."));
        }
        if raw.size_bytes > limits.attachment_max_bytes {
            return Err(format!(
                "Tệp {name} quá lớn (tối đa {}).",
                size_vi(limits.attachment_max_bytes)
            ));
        }
        let ct = raw
            .content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if !limits.allowed_content_types.contains(&ct) {
            return Err(format!(
                "Loại tệp của {name} không được chấp nhận (chỉ nhận ảnh JPG, PNG, PDF, Word, Excel)."
            ));
        }
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        if let Some((_, exts)) = CONTENT_TYPES.iter().find(|(t, _)| *t == ct)
            && !exts.contains(&ext.as_str())
        {
            return Err(format!(
                "Phần mở rộng của tệp {name} không khớp với nội dung tệp."
            ));
        }
        Ok(AttachmentMeta {
            name,
            size_bytes: raw.size_bytes,
            content_type: ct,
        })
    }
}

fn size_vi(bytes: u64) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!(
            "{} byte",
            crate::time::number_vi(i64::try_from(bytes).unwrap_or(i64::MAX))
        )
    }
}

/// A validated contact, ready to become a case with [`super::receive`]. Built only by
/// [`NewCase::validate`], so holding one proves the checks passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewCase {
    caller: Caller,
    channel: Channel,
    kind: CaseKind,
    content: String,
    field_id: Option<i64>,
    category_id: Option<i64>,
    attachments: Vec<AttachmentMeta>,
    notice_version: String,
    received_at: Option<Instant>,
    call_id: Option<String>,
    dossier_code: Option<String>,
    tthc_code: Option<String>,
}

impl NewCase {
    /// Checks every field and returns the case, or every problem found.
    pub fn validate(raw: &RawIntake, limits: &IntakeLimits) -> Result<NewCase, IntakeError> {
        let mut errors = Vec::new();
        let mut err = |field, message: String| {
            errors.push(FieldError {
                field,
                index: None,
                message,
            })
        };
        let name =
            validate_name(&raw.caller_name, limits).map_err(|m| err(IntakeField::CallerName, m));
        let organisation = validate_organisation(&raw.organisation, limits)
            .map_err(|m| err(IntakeField::Organisation, m));
        let phone = validate_phone(&raw.phone).map_err(|m| err(IntakeField::Phone, m));
        let email = validate_email(&raw.email).map_err(|m| err(IntakeField::Email, m));
        let address =
            validate_address(&raw.address, limits).map_err(|m| err(IntakeField::Address, m));
        let admin_unit_id =
            validate_id(raw.admin_unit_id).map_err(|m| err(IntakeField::AdminUnit, m));
        let channel = raw
            .channel
            .trim()
            .parse::<Channel>()
            .map_err(|_| err(IntakeField::Channel, "Kênh tiếp nhận không hợp lệ.".into()));
        let kind = raw
            .kind
            .trim()
            .parse::<CaseKind>()
            .map_err(|_| err(IntakeField::Kind, "Loại hồ sơ không hợp lệ.".into()));
        let content =
            validate_content(&raw.content, limits).map_err(|m| err(IntakeField::Content, m));
        let field_id = validate_id(raw.field_id).map_err(|m| err(IntakeField::FieldId, m));
        let category_id = validate_id(raw.category_id).map_err(|m| err(IntakeField::CategoryId, m));
        let notice_version = validate_notice_version(&raw.notice_version)
            .map_err(|m| err(IntakeField::NoticeVersion, m));
        let call_id = validate_token(&raw.call_id, 100, "Mã cuộc gọi không hợp lệ.")
            .map_err(|m| err(IntakeField::CallId, m));
        let dossier_code = validate_token(&raw.dossier_code, 64, "Mã hồ sơ một cửa không hợp lệ.")
            .map_err(|m| err(IntakeField::DossierCode, m));
        let tthc_code = validate_token(&raw.tthc_code, 64, "Mã thủ tục hành chính không hợp lệ.")
            .map_err(|m| err(IntakeField::TthcCode, m));

        let mut attachments = Vec::new();
        if raw.attachments.len() > limits.attachments_max_count {
            errors.push(FieldError {
                field: IntakeField::Attachments,
                index: None,
                message: format!(
                    "Quá nhiều tệp đính kèm (tối đa {} tệp).",
                    limits.attachments_max_count
                ),
            });
        }
        for (i, a) in raw.attachments.iter().enumerate() {
            match AttachmentMeta::validate(a, limits) {
                Ok(a) => attachments.push(a),
                Err(message) => errors.push(FieldError {
                    field: IntakeField::Attachments,
                    index: Some(i),
                    message,
                }),
            }
        }
        let total: u64 = raw
            .attachments
            .iter()
            .map(|a| a.size_bytes)
            .fold(0, u64::saturating_add);
        if total > limits.attachments_max_total_bytes {
            errors.push(FieldError {
                field: IntakeField::Attachments,
                index: None,
                message: format!(
                    "Tổng dung lượng tệp đính kèm vượt quá {}.",
                    size_vi(limits.attachments_max_total_bytes)
                ),
            });
        }

        match (
            name,
            organisation,
            phone,
            email,
            address,
            admin_unit_id,
            channel,
            kind,
            content,
            field_id,
            category_id,
            notice_version,
            call_id,
            dossier_code,
            tthc_code,
        ) {
            (
                Ok(name),
                Ok(organisation),
                Ok(phone),
                Ok(email),
                Ok(address),
                Ok(admin_unit_id),
                Ok(channel),
                Ok(kind),
                Ok(content),
                Ok(field_id),
                Ok(category_id),
                Ok(notice_version),
                Ok(call_id),
                Ok(dossier_code),
                Ok(tthc_code),
            ) if errors.is_empty() => Ok(NewCase {
                caller: Caller {
                    name,
                    organisation,
                    phone,
                    email,
                    address,
                    admin_unit_id,
                },
                channel,
                kind,
                content,
                field_id,
                category_id,
                attachments,
                notice_version,
                received_at: raw.received_at,
                call_id,
                dossier_code,
                tthc_code,
            }),
            _ => Err(IntakeError { errors }),
        }
    }

    pub fn caller(&self) -> &Caller {
        &self.caller
    }
    pub fn channel(&self) -> Channel {
        self.channel
    }
    pub fn kind(&self) -> CaseKind {
        self.kind
    }
    pub fn content(&self) -> &str {
        &self.content
    }
    pub fn field_id(&self) -> Option<i64> {
        self.field_id
    }
    pub fn category_id(&self) -> Option<i64> {
        self.category_id
    }
    pub fn attachments(&self) -> &[AttachmentMeta] {
        &self.attachments
    }
    pub fn notice_version(&self) -> &str {
        &self.notice_version
    }
    pub fn received_at(&self) -> Option<Instant> {
        self.received_at
    }
    pub fn call_id(&self) -> Option<&str> {
        self.call_id.as_deref()
    }
    pub fn dossier_code(&self) -> Option<&str> {
        self.dossier_code.as_deref()
    }
    pub fn tthc_code(&self) -> Option<&str> {
        self.tthc_code.as_deref()
    }

    /// Takes the parts out (for [`super::receive`]).
    pub(crate) fn into_parts(self) -> NewCaseParts {
        NewCaseParts {
            caller: self.caller,
            channel: self.channel,
            kind: self.kind,
            content: self.content,
            field_id: self.field_id,
            category_id: self.category_id,
            attachments: self.attachments,
            notice_version: self.notice_version,
            call_id: self.call_id,
            dossier_code: self.dossier_code,
            tthc_code: self.tthc_code,
        }
    }
}

pub(crate) struct NewCaseParts {
    pub caller: Caller,
    pub channel: Channel,
    pub kind: CaseKind,
    pub content: String,
    pub field_id: Option<i64>,
    pub category_id: Option<i64>,
    pub attachments: Vec<AttachmentMeta>,
    pub notice_version: String,
    pub call_id: Option<String>,
    pub dossier_code: Option<String>,
    pub tthc_code: Option<String>,
}

/// NFC, control characters and runs of white space replaced by one space, trimmed.
pub(crate) fn clean_line(s: &str) -> String {
    let s = nfc(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_whitespace() || c.is_control() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

/// NFC, line breaks kept (CR LF → LF), other control characters dropped, trailing spaces of
/// lines and the text trimmed.
pub(crate) fn clean_text(s: &str) -> String {
    let s = nfc(s).replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<String> = s
        .split('\n')
        .map(|l| {
            l.chars()
                .map(|c| if c == '\t' { ' ' } else { c })
                .filter(|c| !c.is_control())
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect();
    lines.join("\n").trim().to_owned()
}

/// Names that mean "no name": anonymous contacts are not accepted (NĐ 20/2008 Art. 7).
const ANONYMOUS: &[&str] = &[
    "an danh",
    "nac danh",
    "vo danh",
    "giau ten",
    "khong ten",
    "khong co ten",
    "khong ro",
    "khong biet",
    "khong neu ten",
    "khong muon neu ten",
    "khong cung cap",
    "anonymous",
    "unknown",
    "xxx",
];

const ANONYMOUS_MESSAGE: &str = "Họ tên là bắt buộc: Tổng đài không tiếp nhận phản ánh, kiến nghị nặc danh (Nghị định 20/2008/NĐ-CP, Điều 7).";

pub(crate) fn validate_name(s: &str, limits: &IntakeLimits) -> Result<String, String> {
    let name = clean_line(s);
    if name.is_empty() {
        return Err(ANONYMOUS_MESSAGE.into());
    }
    let folded: String = fold(&name)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if ANONYMOUS.contains(&folded.as_str()) {
        return Err(ANONYMOUS_MESSAGE.into());
    }
    if name.chars().count() > limits.name_max_chars {
        return Err(format!(
            "Họ tên quá dài (tối đa {} ký tự).",
            limits.name_max_chars
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_alphabetic() || c == ' ' || c == '.' || c == '-' || c == '\'')
        || name.chars().filter(|c| c.is_alphabetic()).count() < 2
    {
        return Err("Họ tên chỉ gồm chữ cái, dấu cách, dấu chấm hoặc gạch nối.".into());
    }
    Ok(name)
}

pub(crate) fn validate_organisation(
    s: &str,
    limits: &IntakeLimits,
) -> Result<Option<String>, String> {
    let org = clean_line(s);
    if org.is_empty() {
        return Ok(None);
    }
    if org.chars().count() > limits.organisation_max_chars {
        return Err(format!(
            "Tên cơ quan, tổ chức quá dài (tối đa {} ký tự).",
            limits.organisation_max_chars
        ));
    }
    Ok(Some(org))
}

pub(crate) fn validate_phone(s: &str) -> Result<PhoneNumber, String> {
    if s.trim().is_empty() {
        return Err("Số điện thoại là bắt buộc (Nghị định 20/2008/NĐ-CP, Điều 7).".into());
    }
    let p = PhoneNumber::parse(s).map_err(|e| e.to_string())?;
    if !p.is_personal() {
        return Err("Số điện thoại phải là số di động hoặc số cố định của người liên hệ.".into());
    }
    Ok(p)
}

/// A practical e-mail check: one `@`, a local part of at most 64 printable ASCII characters
/// without spaces, a domain of dot-separated labels (letters, digits, hyphens) with a
/// top-level label of letters. The domain is lowercased.
pub(crate) fn validate_email(s: &str) -> Result<Option<String>, String> {
    let e = s.trim();
    if e.is_empty() {
        return Ok(None);
    }
    let bad = || "Địa chỉ thư điện tử không hợp lệ.".to_owned();
    if e.len() > 254 {
        return Err(bad());
    }
    let (local, domain) = e.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || local.len() > 64
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || !local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b))
    {
        return Err(bad());
    }
    let domain = domain.to_ascii_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2
        || labels.iter().any(|l| {
            l.is_empty()
                || l.len() > 63
                || l.starts_with('-')
                || l.ends_with('-')
                || !l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        || !labels
            .last()
            .is_some_and(|t| t.len() >= 2 && t.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        return Err(bad());
    }
    Ok(Some(format!("{local}@{domain}")))
}

pub(crate) fn validate_address(s: &str, limits: &IntakeLimits) -> Result<String, String> {
    let a = clean_line(s);
    if a.is_empty() {
        return Err("Địa chỉ là bắt buộc (Nghị định 20/2008/NĐ-CP, Điều 7).".into());
    }
    if a.chars().filter(|c| c.is_alphanumeric()).count() < 3 {
        return Err("Địa chỉ quá ngắn.".into());
    }
    if a.chars().count() > limits.address_max_chars {
        return Err(format!(
            "Địa chỉ quá dài (tối đa {} ký tự).",
            limits.address_max_chars
        ));
    }
    Ok(a)
}

pub(crate) fn validate_content(s: &str, limits: &IntakeLimits) -> Result<String, String> {
    let c = clean_text(s);
    let n = c.chars().count();
    if n == 0 {
        return Err("Nội dung là bắt buộc.".into());
    }
    if n < limits.content_min_chars {
        return Err(format!(
            "Nội dung quá ngắn (ít nhất {} ký tự).",
            limits.content_min_chars
        ));
    }
    if n > limits.content_max_chars {
        return Err(format!(
            "Nội dung quá dài (tối đa {} ký tự).",
            crate::time::number_vi(limits.content_max_chars as i64)
        ));
    }
    Ok(c)
}

/// A required free text (answer, reason, guidance) of at most `max` characters.
pub(crate) fn validate_required_text(s: &str, max: usize, what: &str) -> Result<String, String> {
    let c = clean_text(s);
    if c.is_empty() {
        return Err(format!("{what} là bắt buộc."));
    }
    if c.chars().count() > max {
        return Err(format!(
            "{what} quá dài (tối đa {} ký tự).",
            crate::time::number_vi(max as i64)
        ));
    }
    Ok(c)
}

pub(crate) fn validate_id(id: Option<i64>) -> Result<Option<i64>, String> {
    match id {
        Some(i) if i <= 0 => Err("Mã không hợp lệ.".into()),
        other => Ok(other),
    }
}

fn validate_notice_version(s: &str) -> Result<String, String> {
    let v = s.trim();
    if v.is_empty() {
        return Err("Thiếu phiên bản thông báo xử lý dữ liệu cá nhân đã cung cấp cho người dân (Luật Bảo vệ dữ liệu cá nhân 2025).".into());
    }
    if v.len() > 40
        || !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err("Phiên bản thông báo xử lý dữ liệu cá nhân không hợp lệ.".into());
    }
    Ok(v.to_owned())
}

fn validate_token(s: &str, max: usize, message: &str) -> Result<Option<String>, String> {
    let v = s.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v.len() > max || !v.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(message.to_owned());
    }
    Ok(Some(v.to_owned()))
}

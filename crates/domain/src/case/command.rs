//! What an actor may ask of a case (CASE-3 … CASE-12). Serde-tagged by `command`, so the web
//! layer can take a JSON body or map a form onto one.

use super::code::CaseCode;
use super::intake::RawAttachment;
use super::kind::{CaseKind, ContentClass};
use super::state::CaseState;
use serde::{Deserialize, Serialize};

code_enum! {
    /// The coordinator's decision on an extension request.
    ExtensionDecision {
        Approve = "approve" / "Đồng ý gia hạn",
        Reject = "reject" / "Không đồng ý gia hạn",
    }
}

/// The case another is merged into, as the store found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeTarget {
    pub id: i64,
    pub code: CaseCode,
    pub state: CaseState,
}

code_enum! {
    /// The fields [`Command::UpdateFields`] may change (kind and class change by
    /// [`Command::Classify`]).
    CaseField {
        CallerName = "caller_name" / "Họ và tên",
        Organisation = "organisation" / "Cơ quan, tổ chức",
        Phone = "phone" / "Số điện thoại",
        Email = "email" / "Thư điện tử",
        Address = "address" / "Địa chỉ",
        AdminUnitId = "admin_unit_id" / "Đơn vị hành chính",
        Content = "content" / "Nội dung",
        FieldId = "field_id" / "Lĩnh vực",
        CategoryId = "category_id" / "Nhóm nội dung",
        Pressing = "pressing" / "Bức xúc",
        Complex = "complex" / "Phức tạp (xin ý kiến UBND)",
        DossierCode = "dossier_code" / "Mã hồ sơ một cửa",
        TthcCode = "tthc_code" / "Mã thủ tục hành chính",
    }
}

/// One field change, with the value as typed (validated like intake).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", content = "value", rename_all = "snake_case")]
pub enum FieldChange {
    CallerName(String),
    Organisation(String),
    Phone(String),
    Email(String),
    Address(String),
    AdminUnitId(Option<i64>),
    Content(String),
    FieldId(Option<i64>),
    CategoryId(Option<i64>),
    Pressing(bool),
    Complex(bool),
    DossierCode(String),
    TthcCode(String),
}

impl FieldChange {
    pub fn field(&self) -> CaseField {
        match self {
            FieldChange::CallerName(_) => CaseField::CallerName,
            FieldChange::Organisation(_) => CaseField::Organisation,
            FieldChange::Phone(_) => CaseField::Phone,
            FieldChange::Email(_) => CaseField::Email,
            FieldChange::Address(_) => CaseField::Address,
            FieldChange::AdminUnitId(_) => CaseField::AdminUnitId,
            FieldChange::Content(_) => CaseField::Content,
            FieldChange::FieldId(_) => CaseField::FieldId,
            FieldChange::CategoryId(_) => CaseField::CategoryId,
            FieldChange::Pressing(_) => CaseField::Pressing,
            FieldChange::Complex(_) => CaseField::Complex,
            FieldChange::DossierCode(_) => CaseField::DossierCode,
            FieldChange::TthcCode(_) => CaseField::TthcCode,
        }
    }
}

/// A request to change a case; [`super::decide`] accepts or refuses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// The coordinator sets kind, NĐ 20 class (required for *phản ánh* and *kiến nghị*),
    /// field and flags.
    Classify {
        kind: CaseKind,
        class: Option<ContentClass>,
        field_id: Option<i64>,
        pressing: bool,
        complex: bool,
    },
    /// CASE-3: the operator answers during the call.
    AnswerOnSpot {
        answer: String,
    },
    /// Screen out a non-PAKN case; `None` sends the kind's standard guidance.
    Redirect {
        guidance: Option<String>,
    },
    /// NĐ 20/2008 Art. 9(a).
    NotAccept {
        reason: String,
    },
    /// NĐ 20/2008 Art. 9(b)(d): to a competent body outside the tenant.
    ForwardOut {
        body: String,
        reason: String,
    },
    /// CASE-4: to the lead agency (and supporting agencies).
    Forward {
        lead_agency_id: i64,
        #[serde(default)]
        other_agency_ids: Vec<i64>,
        #[serde(default)]
        note: Option<String>,
    },
    Acknowledge,
    /// Not this agency's business: back to the coordinator.
    ReturnMisrouted {
        reason: String,
    },
    /// The written answer (CASE-8); complex cases go to approval first (CASE-7).
    Answer {
        text: String,
    },
    Approve {
        #[serde(default)]
        comment: Option<String>,
    },
    RequestChanges {
        comment: String,
    },
    /// Waiting for the citizen.
    Pause {
        reason: String,
    },
    Resume,
    RequestExtension {
        hours: u32,
        reason: String,
    },
    DecideExtension {
        decision: ExtensionDecision,
        #[serde(default)]
        comment: Option<String>,
    },
    /// The system, at the focal deadline.
    Escalate,
    /// The system, at the head deadline.
    HardDeadlineBreached,
    Close,
    /// CASE-8: the citizen rates the answer.
    Rate {
        stars: u8,
        #[serde(default)]
        comment: Option<String>,
    },
    Reopen {
        reason: String,
    },
    /// CASE-10: the moderated, redacted text goes on the portal.
    Publish {
        public_text: String,
    },
    Unpublish {
        reason: String,
    },
    /// CASE-14.
    Merge {
        into: MergeTarget,
    },
    AddNote {
        text: String,
    },
    AddAttachment {
        attachment: RawAttachment,
    },
    UpdateFields {
        changes: Vec<FieldChange>,
    },
}

code_enum! {
    /// The commands without their payloads: what the rights table is about.
    CommandKind {
        Classify = "classify" / "phân loại",
        AnswerOnSpot = "answer_on_spot" / "trả lời trực tiếp",
        Redirect = "redirect" / "chuyển kênh khác",
        NotAccept = "not_accept" / "không tiếp nhận",
        ForwardOut = "forward_out" / "chuyển cơ quan có thẩm quyền",
        Forward = "forward" / "chuyển cơ quan xử lý",
        Acknowledge = "acknowledge" / "nhận xử lý",
        ReturnMisrouted = "return_misrouted" / "trả lại do chuyển nhầm",
        Answer = "answer" / "trả lời",
        Approve = "approve" / "cho ý kiến đồng ý",
        RequestChanges = "request_changes" / "yêu cầu chỉnh sửa",
        Pause = "pause" / "tạm dừng",
        Resume = "resume" / "tiếp tục xử lý",
        RequestExtension = "request_extension" / "xin gia hạn",
        DecideExtension = "decide_extension" / "quyết định gia hạn",
        Escalate = "escalate" / "chuyển thủ trưởng",
        HardDeadlineBreached = "hard_deadline_breached" / "ghi nhận quá hạn thủ trưởng",
        Close = "close" / "đóng hồ sơ",
        Rate = "rate" / "đánh giá",
        Reopen = "reopen" / "mở lại",
        Publish = "publish" / "công khai",
        Unpublish = "unpublish" / "gỡ công khai",
        Merge = "merge" / "gộp hồ sơ",
        AddNote = "add_note" / "thêm ghi chú",
        AddAttachment = "add_attachment" / "thêm tệp đính kèm",
        UpdateFields = "update_fields" / "sửa thông tin",
    }
}

impl Command {
    pub fn kind(&self) -> CommandKind {
        match self {
            Command::Classify { .. } => CommandKind::Classify,
            Command::AnswerOnSpot { .. } => CommandKind::AnswerOnSpot,
            Command::Redirect { .. } => CommandKind::Redirect,
            Command::NotAccept { .. } => CommandKind::NotAccept,
            Command::ForwardOut { .. } => CommandKind::ForwardOut,
            Command::Forward { .. } => CommandKind::Forward,
            Command::Acknowledge => CommandKind::Acknowledge,
            Command::ReturnMisrouted { .. } => CommandKind::ReturnMisrouted,
            Command::Answer { .. } => CommandKind::Answer,
            Command::Approve { .. } => CommandKind::Approve,
            Command::RequestChanges { .. } => CommandKind::RequestChanges,
            Command::Pause { .. } => CommandKind::Pause,
            Command::Resume => CommandKind::Resume,
            Command::RequestExtension { .. } => CommandKind::RequestExtension,
            Command::DecideExtension { .. } => CommandKind::DecideExtension,
            Command::Escalate => CommandKind::Escalate,
            Command::HardDeadlineBreached => CommandKind::HardDeadlineBreached,
            Command::Close => CommandKind::Close,
            Command::Rate { .. } => CommandKind::Rate,
            Command::Reopen { .. } => CommandKind::Reopen,
            Command::Publish { .. } => CommandKind::Publish,
            Command::Unpublish { .. } => CommandKind::Unpublish,
            Command::Merge { .. } => CommandKind::Merge,
            Command::AddNote { .. } => CommandKind::AddNote,
            Command::AddAttachment { .. } => CommandKind::AddAttachment,
            Command::UpdateFields { .. } => CommandKind::UpdateFields,
        }
    }
}

//! What the state machine hands the store: history events (CASE-12), clock effects and
//! notifications (CASE-5), all plain data written in the same transaction as the case.

use super::code::CaseCode;
use super::command::{CaseField, ExtensionDecision};
use super::intake::AttachmentMeta;
use super::kind::{CaseKind, Channel, ContentClass};
use super::rights::ActorKind;
use super::state::CaseState;
use crate::Instant;
use serde::{Deserialize, Serialize};

pub use super::deadline::ClockEffect;

/// Who did it, in which capacity (the history shows this, not the current account state).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorRecord {
    pub kind: ActorKind,
    pub account_id: Option<i64>,
    pub name: Option<String>,
}

/// One line of a case's history. Nothing is ever changed or deleted: every transition, note,
/// attachment and field change is one event (CASE-12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at: Instant,
    pub actor: ActorRecord,
    /// `None` for the first event of a case.
    pub from_state: Option<CaseState>,
    pub to_state: CaseState,
    pub detail: EventDetail,
}

impl Event {
    /// The stable code of the event (the `type` of its detail).
    pub fn code(&self) -> &'static str {
        self.detail.code()
    }
}

/// What happened, with its details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventDetail {
    Received {
        channel: Channel,
        kind: CaseKind,
        notice_version: String,
    },
    Classified {
        previous_kind: CaseKind,
        kind: CaseKind,
        class: Option<ContentClass>,
        field_id: Option<i64>,
        pressing: bool,
        complex: bool,
    },
    AnsweredOnCall {
        answer: String,
    },
    Redirected {
        guidance: String,
    },
    NotAccepted {
        reason: String,
    },
    ForwardedOut {
        body: String,
        reason: String,
    },
    Forwarded {
        lead_agency_id: i64,
        other_agency_ids: Vec<i64>,
        note: Option<String>,
        previous_lead_agency_id: Option<i64>,
    },
    Acknowledged,
    Returned {
        agency_id: Option<i64>,
        reason: String,
    },
    Answered {
        text: String,
    },
    SubmittedForApproval {
        text: String,
    },
    Approved {
        comment: Option<String>,
    },
    ChangesRequested {
        comment: String,
    },
    Paused {
        reason: String,
    },
    Resumed,
    ExtensionRequested {
        hours: u32,
        reason: String,
    },
    ExtensionDecided {
        decision: ExtensionDecision,
        hours: u32,
        comment: Option<String>,
    },
    /// A pending extension request lapsed because the case left the agency's hands.
    ExtensionWithdrawn {
        hours: u32,
    },
    Escalated {
        focal_due_at: Instant,
    },
    HardDeadlineBreached {
        hard_due_at: Instant,
    },
    Closed {
        automatic: bool,
    },
    Rated {
        stars: u8,
        comment: Option<String>,
    },
    Reopened {
        reason: String,
        was_published: bool,
    },
    Published {
        public_text: String,
    },
    Unpublished {
        reason: String,
    },
    Merged {
        into_id: i64,
        into_code: CaseCode,
    },
    /// On the case another was merged into.
    MergedFrom {
        from_id: i64,
        from_code: CaseCode,
    },
    NoteAdded {
        text: String,
    },
    AttachmentAdded {
        attachment: AttachmentMeta,
    },
    FieldChanged {
        field: CaseField,
        old: Option<String>,
        new: Option<String>,
    },
}

impl EventDetail {
    /// The stable code (as serialised in `type`).
    pub fn code(&self) -> &'static str {
        match self {
            EventDetail::Received { .. } => "received",
            EventDetail::Classified { .. } => "classified",
            EventDetail::AnsweredOnCall { .. } => "answered_on_call",
            EventDetail::Redirected { .. } => "redirected",
            EventDetail::NotAccepted { .. } => "not_accepted",
            EventDetail::ForwardedOut { .. } => "forwarded_out",
            EventDetail::Forwarded { .. } => "forwarded",
            EventDetail::Acknowledged => "acknowledged",
            EventDetail::Returned { .. } => "returned",
            EventDetail::Answered { .. } => "answered",
            EventDetail::SubmittedForApproval { .. } => "submitted_for_approval",
            EventDetail::Approved { .. } => "approved",
            EventDetail::ChangesRequested { .. } => "changes_requested",
            EventDetail::Paused { .. } => "paused",
            EventDetail::Resumed => "resumed",
            EventDetail::ExtensionRequested { .. } => "extension_requested",
            EventDetail::ExtensionDecided { .. } => "extension_decided",
            EventDetail::ExtensionWithdrawn { .. } => "extension_withdrawn",
            EventDetail::Escalated { .. } => "escalated",
            EventDetail::HardDeadlineBreached { .. } => "hard_deadline_breached",
            EventDetail::Closed { .. } => "closed",
            EventDetail::Rated { .. } => "rated",
            EventDetail::Reopened { .. } => "reopened",
            EventDetail::Published { .. } => "published",
            EventDetail::Unpublished { .. } => "unpublished",
            EventDetail::Merged { .. } => "merged",
            EventDetail::MergedFrom { .. } => "merged_from",
            EventDetail::NoteAdded { .. } => "note_added",
            EventDetail::AttachmentAdded { .. } => "attachment_added",
            EventDetail::FieldChanged { .. } => "field_changed",
        }
    }

    /// The Vietnamese label of the history line.
    pub fn label_vi(&self) -> &'static str {
        match self {
            EventDetail::Received { .. } => "Tiếp nhận",
            EventDetail::Classified { .. } => "Phân loại",
            EventDetail::AnsweredOnCall { .. } => "Trả lời trực tiếp",
            EventDetail::Redirected { .. } => "Hướng dẫn chuyển kênh khác",
            EventDetail::NotAccepted { .. } => "Không tiếp nhận",
            EventDetail::ForwardedOut { .. } => "Chuyển cơ quan có thẩm quyền",
            EventDetail::Forwarded { .. } => "Chuyển cơ quan xử lý",
            EventDetail::Acknowledged => "Đầu mối nhận xử lý",
            EventDetail::Returned { .. } => "Trả lại do chuyển nhầm",
            EventDetail::Answered { .. } => "Trả lời",
            EventDetail::SubmittedForApproval { .. } => "Trình xin ý kiến UBND",
            EventDetail::Approved { .. } => "UBND cho ý kiến đồng ý",
            EventDetail::ChangesRequested { .. } => "UBND yêu cầu chỉnh sửa",
            EventDetail::Paused { .. } => "Tạm dừng chờ bổ sung",
            EventDetail::Resumed => "Tiếp tục xử lý",
            EventDetail::ExtensionRequested { .. } => "Xin gia hạn",
            EventDetail::ExtensionDecided { .. } => "Quyết định gia hạn",
            EventDetail::ExtensionWithdrawn { .. } => "Hủy yêu cầu gia hạn",
            EventDetail::Escalated { .. } => "Quá hạn đầu mối, chuyển thủ trưởng",
            EventDetail::HardDeadlineBreached { .. } => "Quá hạn thủ trưởng",
            EventDetail::Closed { .. } => "Đóng hồ sơ",
            EventDetail::Rated { .. } => "Người dân đánh giá",
            EventDetail::Reopened { .. } => "Mở lại",
            EventDetail::Published { .. } => "Công khai",
            EventDetail::Unpublished { .. } => "Gỡ công khai",
            EventDetail::Merged { .. } => "Gộp vào hồ sơ khác",
            EventDetail::MergedFrom { .. } => "Nhận hồ sơ gộp",
            EventDetail::NoteAdded { .. } => "Ghi chú",
            EventDetail::AttachmentAdded { .. } => "Thêm tệp đính kèm",
            EventDetail::FieldChanged { .. } => "Sửa thông tin",
        }
    }

    /// Whether the detail carries the caller's identity (restricted for confidential cases:
    /// field-level access, never in summaries or exports).
    pub fn touches_caller_identity(&self) -> bool {
        matches!(
            self,
            EventDetail::FieldChanged {
                field: CaseField::CallerName
                    | CaseField::Organisation
                    | CaseField::Phone
                    | CaseField::Email
                    | CaseField::Address
                    | CaseField::AdminUnitId,
                ..
            }
        )
    }
}

/// An event for another case (the target of a merge).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedEvent {
    pub case_id: i64,
    pub event: Event,
}

/// Who a notification goes to; the notifier resolves people and channels (SMS, Zalo,
/// e-mail, app) from the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Audience {
    FocalOfficers {
        agency_id: i64,
    },
    AgencyHead {
        agency_id: i64,
    },
    Coordinators {
        tenant_id: i64,
    },
    Leadership {
        tenant_id: i64,
    },
    /// The caller, through the channel they used (CASE-8).
    Citizen,
}

code_enum! {
    /// What a notification is about (the template to use).
    NotificationKind {
        Received = "received" / "Đã tiếp nhận",
        AnsweredOnCall = "answered_on_call" / "Đã trả lời trực tiếp",
        Redirected = "redirected" / "Hướng dẫn chuyển kênh khác",
        NotAccepted = "not_accepted" / "Không tiếp nhận",
        ForwardedOut = "forwarded_out" / "Chuyển cơ quan có thẩm quyền",
        Forwarded = "forwarded" / "Hồ sơ mới được giao",
        SupportRequested = "support_requested" / "Đề nghị phối hợp",
        Recalled = "recalled" / "Hồ sơ đã chuyển cơ quan khác",
        Returned = "returned" / "Cơ quan trả lại hồ sơ",
        AwaitingApproval = "awaiting_approval" / "Xin ý kiến UBND",
        Approved = "approved" / "UBND đồng ý nội dung trả lời",
        ChangesRequested = "changes_requested" / "UBND yêu cầu chỉnh sửa",
        Answered = "answered" / "Đã trả lời",
        Paused = "paused" / "Tạm dừng chờ bổ sung",
        Resumed = "resumed" / "Tiếp tục xử lý",
        ExtensionRequested = "extension_requested" / "Xin gia hạn",
        ExtensionApproved = "extension_approved" / "Đồng ý gia hạn",
        ExtensionRejected = "extension_rejected" / "Không đồng ý gia hạn",
        Escalated = "escalated" / "Quá hạn đầu mối, chuyển thủ trưởng",
        HardBreach = "hard_breach" / "Quá hạn thủ trưởng",
        LowRating = "low_rating" / "Đánh giá không hài lòng",
        Reopened = "reopened" / "Hồ sơ mở lại",
        Merged = "merged" / "Hồ sơ đã gộp",
        CitizenAddedInfo = "citizen_added_info" / "Người dân bổ sung thông tin",
    }
}

/// A notification to queue in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub audience: Audience,
    pub kind: NotificationKind,
    pub case_id: i64,
    pub case_code: CaseCode,
    /// The caller's identity is confidential: templates must not include it.
    pub confidential: bool,
}

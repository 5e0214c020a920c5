//! Case states (vietnam.md §2.4) and the case record the state machine works on.

use super::code::CaseCode;
use super::deadline::{Clocks, Deadlines};
use super::intake::Caller;
use super::kind::{CaseKind, Channel, ContentClass};
use crate::Instant;
use crate::calendar::WorkingCalendar;
use serde::{Deserialize, Serialize};

code_enum! {
    /// Where a case stands. Labels follow vietnam.md §2.4 where it names them.
    CaseState {
        /// Logged or imported; with the operator or waiting for the coordinator.
        Received = "received" / "Đã tiếp nhận",
        /// Classified by the coordinator, waiting to be routed (also after a misrouted case
        /// came back).
        Classifying = "classifying" / "Chờ phân loại",
        /// CASE-3: the operator answered during the call. Terminal.
        AnsweredOnCall = "answered_on_call" / "Đã trả lời trực tiếp",
        /// *Khiếu nại*, *tố cáo*, out of scope: guidance given. Terminal; not PAKN.
        Redirected = "redirected" / "Chuyển kênh khác",
        /// NĐ 20/2008 Art. 9(a), with a reason. Terminal.
        NotAccepted = "not_accepted" / "Không tiếp nhận",
        /// NĐ 20/2008 Art. 9(b)(d): sent to a competent body outside the tenant. Terminal.
        ForwardedOut = "forwarded_out" / "Chuyển cơ quan có thẩm quyền",
        /// Forwarded to the lead agency; its focal officer's clock runs.
        Assigned = "assigned" / "Đã giao đầu mối",
        /// The focal officer (or head) took it.
        Acknowledged = "acknowledged" / "Đầu mối đã nhận",
        /// Past the focal deadline: the head of the agency resolves it.
        Escalated = "escalated" / "Chuyển thủ trưởng",
        /// CASE-7: the answer waits for the Committee's opinion.
        AwaitingApproval = "awaiting_approval" / "Xin ý kiến UBND",
        /// Waiting for the citizen to supply something; the clocks stop.
        Paused = "paused" / "Tạm dừng",
        /// The written answer went to the citizen (CASE-8).
        Answered = "answered" / "Đã trả lời",
        /// Done; the citizen can no longer reopen it alone.
        Closed = "closed" / "Đã đóng",
        /// Answered, closed and on the portal, redacted (CASE-10).
        Published = "published" / "Đã công khai",
        /// The citizen (or the coordinator) did not accept the answer; back with the agency.
        Reopened = "reopened" / "Mở lại",
        /// Merged into another case (CASE-14). Terminal.
        Merged = "merged" / "Đã gộp",
    }
}

impl CaseState {
    /// States no command leaves (notes and attachments still go into the history).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            CaseState::AnsweredOnCall
                | CaseState::Redirected
                | CaseState::NotAccepted
                | CaseState::ForwardedOut
                | CaseState::Merged
        )
    }

    /// States in which an agency holds the case.
    pub fn is_with_agency(self) -> bool {
        matches!(
            self,
            CaseState::Assigned
                | CaseState::Acknowledged
                | CaseState::Escalated
                | CaseState::AwaitingApproval
                | CaseState::Paused
                | CaseState::Reopened
        )
    }

    /// States that still need work (for queues and the daily summary).
    pub fn is_open(self) -> bool {
        !self.is_terminal()
            && !matches!(
                self,
                CaseState::Answered | CaseState::Closed | CaseState::Published
            )
    }
}

/// The written answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub text: String,
    pub by_account: Option<i64>,
    pub at: Instant,
}

/// An officer's pending request for more time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRequest {
    pub hours: u32,
    pub reason: String,
    pub by_account: Option<i64>,
    pub at: Instant,
}

/// The citizen's rating of the answer (CASE-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub stars: u8,
    pub comment: Option<String>,
    pub at: Instant,
}

/// The redacted text on the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publication {
    pub text: String,
    pub by_account: Option<i64>,
    pub at: Instant,
}

/// How a case that ended without an agency's answer ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Resolution {
    Redirected { guidance: String },
    NotAccepted { reason: String },
    ForwardedOut { body: String, reason: String },
    Merged { into_id: i64, into_code: CaseCode },
}

/// A case as the state machine sees it: plain data the store loads and saves. The store
/// keeps one row per case plus the history of [`super::Event`]s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub id: i64,
    pub code: CaseCode,
    pub tenant_id: i64,
    pub state: CaseState,
    /// Where `resume`, `request_changes` and `unpublish` return to.
    pub resume_state: Option<CaseState>,
    pub kind: CaseKind,
    pub class: Option<ContentClass>,
    pub channel: Channel,
    pub caller: Caller,
    pub content: String,
    pub field_id: Option<i64>,
    pub category_id: Option<i64>,
    /// *Bức xúc*: reported in the daily summary (CASE-13).
    pub pressing: bool,
    /// Needs the Committee's opinion before the citizen is answered (CASE-7).
    pub complex: bool,
    /// The caller's identity is confidential (*tố cáo*); once set, never cleared.
    pub confidential: bool,
    pub received_at: Instant,
    pub received_by: Option<i64>,
    pub notice_version: String,
    pub call_ids: Vec<String>,
    pub dossier_code: Option<String>,
    pub tthc_code: Option<String>,
    pub attachment_count: u32,
    pub attachment_bytes: u64,
    pub lead_agency_id: Option<i64>,
    pub other_agency_ids: Vec<i64>,
    pub clocks: Clocks,
    pub pending_extension: Option<ExtensionRequest>,
    pub answer: Option<Answer>,
    /// When the answer reached the citizen (start of the rating and reopening windows).
    pub answered_at: Option<Instant>,
    pub approved_by: Option<i64>,
    pub publication: Option<Publication>,
    pub rating: Option<Rating>,
    pub resolution: Option<Resolution>,
    pub reopen_count: u32,
    /// The head deadline passed unresolved (reported once).
    pub hard_breached: bool,
    pub closed_at: Option<Instant>,
}

impl Case {
    /// The three deadline columns (vietnam.md §2.4).
    pub fn deadlines(&self, cal: &WorkingCalendar) -> Deadlines {
        self.clocks.deadlines(cal)
    }

    /// Whether `agency_id` is the lead agency.
    pub fn is_lead(&self, agency_id: i64) -> bool {
        self.lead_agency_id == Some(agency_id)
    }

    /// Whether `agency_id` supports the lead agency.
    pub fn is_support(&self, agency_id: i64) -> bool {
        self.other_agency_ids.contains(&agency_id)
    }
}

//! Why the state machine refused a command: typed, with a Vietnamese message for the user and
//! a stable code for the API.

use super::code::CaseCode;
use super::command::CommandKind;
use super::intake::IntakeError;
use super::kind::CaseKind;
use super::redact::MaskKind;
use super::state::CaseState;
use crate::Instant;

/// Why a command was refused. Messages are Vietnamese, for the user; `code()` for the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Không thể {} khi hồ sơ đang ở trạng thái “{}”.", .command.label_vi(), .state.label_vi())]
    WrongState {
        command: CommandKind,
        state: CaseState,
    },
    #[error("Bạn không có quyền {} đối với hồ sơ này khi hồ sơ ở trạng thái “{}”.", .command.label_vi(), .state.label_vi())]
    NotPermitted {
        command: CommandKind,
        state: CaseState,
    },
    #[error("Bạn không có quyền tạo hồ sơ tại đơn vị này.")]
    CannotCreate,
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Fields(#[from] IntakeError),
    #[error("Hồ sơ loại “{}” phải được hướng dẫn chuyển kênh khác, không xử lý như phản ánh, kiến nghị.", .0.label_vi())]
    KindMustRedirect(CaseKind),
    #[error("Chỉ hướng dẫn chuyển kênh khác đối với khiếu nại, tố cáo hoặc nội dung ngoài phạm vi; hồ sơ này là “{}”.", .0.label_vi())]
    KindNotRedirectable(CaseKind),
    #[error("Hồ sơ chưa được phân loại nội dung theo Điều 5 Nghị định 20/2008/NĐ-CP.")]
    NotClassified,
    #[error("Hồ sơ chưa có cơ quan chủ trì.")]
    NoLeadAgency,
    #[error("Hồ sơ không có thời hạn xử lý đang chạy.")]
    NoClock,
    #[error("Chưa đến hạn ({}).", crate::time::datetime_short_vi(*.due))]
    NotDue { due: Instant },
    #[error("Đã hết thời hạn {what} ({}).", crate::time::datetime_short_vi(*.until))]
    WindowClosed { what: &'static str, until: Instant },
    #[error("Hồ sơ chưa có câu trả lời.")]
    NotAnswered,
    #[error("Hồ sơ đã được đánh giá.")]
    AlreadyRated,
    #[error("Đã ghi nhận quá hạn thủ trưởng.")]
    AlreadyBreached,
    #[error("Đang có một yêu cầu gia hạn chờ quyết định.")]
    ExtensionPending,
    #[error("Không có yêu cầu gia hạn nào chờ quyết định.")]
    NoPendingExtension,
    #[error("Hồ sơ loại này hoặc hồ sơ bảo mật không được công khai.")]
    NotPublishable,
    #[error("Nội dung công khai còn chứa dữ liệu cá nhân ({}); cần che trước khi công khai.", .0.iter().map(|k| k.label_vi()).collect::<Vec<_>>().join(", "))]
    PersonalData(Vec<MaskKind>),
    #[error("Không thể gộp hồ sơ vào chính nó.")]
    MergeIntoSelf,
    #[error("Không thể gộp vào hồ sơ {code} đang ở trạng thái “{}”.", .state.label_vi())]
    MergeTargetClosed { code: CaseCode, state: CaseState },
    #[error("Không có thay đổi nào.")]
    NothingChanged,
    #[error("Mã hồ sơ {0} không khớp loại hồ sơ.")]
    CodeMismatch(CaseCode),
    #[error("Thời điểm tiếp nhận không được ở tương lai.")]
    ReceivedInFuture,
}

impl Refusal {
    /// A stable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::WrongState { .. } => "wrong_state",
            Refusal::NotPermitted { .. } => "not_permitted",
            Refusal::CannotCreate => "cannot_create",
            Refusal::Invalid { .. } => "invalid",
            Refusal::Fields(_) => "invalid_fields",
            Refusal::KindMustRedirect(_) => "kind_must_redirect",
            Refusal::KindNotRedirectable(_) => "kind_not_redirectable",
            Refusal::NotClassified => "not_classified",
            Refusal::NoLeadAgency => "no_lead_agency",
            Refusal::NoClock => "no_clock",
            Refusal::NotDue { .. } => "not_due",
            Refusal::WindowClosed { .. } => "window_closed",
            Refusal::NotAnswered => "not_answered",
            Refusal::AlreadyRated => "already_rated",
            Refusal::AlreadyBreached => "already_breached",
            Refusal::ExtensionPending => "extension_pending",
            Refusal::NoPendingExtension => "no_pending_extension",
            Refusal::NotPublishable => "not_publishable",
            Refusal::PersonalData(_) => "personal_data",
            Refusal::MergeIntoSelf => "merge_into_self",
            Refusal::MergeTargetClosed { .. } => "merge_target_closed",
            Refusal::NothingChanged => "nothing_changed",
            Refusal::CodeMismatch(_) => "code_mismatch",
            Refusal::ReceivedInFuture => "received_in_future",
        }
    }

    /// Whether the refusal is about rights (the UI hides the action) rather than input.
    pub fn is_rights(&self) -> bool {
        matches!(
            self,
            Refusal::WrongState { .. } | Refusal::NotPermitted { .. } | Refusal::CannotCreate
        )
    }
}

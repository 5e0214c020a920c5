//! Questions and answers (KB-2): what an FAQ says, and its workflow. An officer of the agency
//! writes a draft and submits it; the head of the agency approves it (it is then on the portal)
//! or sends it back with a note. Editing a published FAQ makes a new draft while the approved
//! text stays on the portal until the new one is approved in turn.

use serde::{Deserialize, Serialize};
use tongdai_domain::access::Permission;
use tongdai_search::FaqRecord;

use crate::error::{KbError, Problem};
use crate::lenient::{clean_line, clean_text};
use crate::record::valid_code;

/// The text of an FAQ (the working draft or the published version).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FaqContent {
    /// The question as citizens ask it.
    pub cau_hoi: String,
    /// The answer.
    pub tra_loi: String,
    /// Fields (*lĩnh vực*) it belongs to.
    #[serde(default)]
    pub linh_vuc: Vec<String>,
    /// Extra words people use for it.
    #[serde(default)]
    pub tu_khoa: Vec<String>,
    /// Codes of the procedures it is about.
    #[serde(default)]
    pub thu_tuc_lien_quan: Vec<String>,
    /// The agency that answers for it (its name, for the index's filter and the page).
    #[serde(default)]
    pub co_quan: String,
}

/// Longest question and answer accepted.
const MAX_QUESTION: usize = 500;
const MAX_ANSWER: usize = 20_000;

impl FaqContent {
    /// Cleans the text (NFC, legacy encodings, spacing) and checks it; problems name the
    /// form field.
    pub fn cleaned(self) -> Result<FaqContent, KbError> {
        let mut problems = Vec::new();
        let cau_hoi = clean_line(&self.cau_hoi);
        let tra_loi = clean_text(&self.tra_loi);
        if cau_hoi.is_empty() {
            problems.push(Problem::new("cau_hoi", "Vui lòng nhập câu hỏi."));
        } else if cau_hoi.chars().count() > MAX_QUESTION {
            problems.push(Problem::new("cau_hoi", "Câu hỏi dài quá 500 ký tự."));
        }
        if tra_loi.is_empty() {
            problems.push(Problem::new("tra_loi", "Vui lòng nhập câu trả lời."));
        } else if tra_loi.chars().count() > MAX_ANSWER {
            problems.push(Problem::new("tra_loi", "Câu trả lời dài quá 20.000 ký tự."));
        }
        let list = |v: Vec<String>| -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            for s in v.iter().map(|s| clean_line(s)).filter(|s| !s.is_empty()) {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
            out
        };
        let codes = list(self.thu_tuc_lien_quan);
        if let Some(bad) = codes.iter().find(|c| !valid_code(c)) {
            problems.push(Problem::new(
                "thu_tuc_lien_quan",
                format!("Mã thủ tục không hợp lệ «{bad}»."),
            ));
        }
        if !problems.is_empty() {
            return Err(KbError::Invalid(problems));
        }
        Ok(FaqContent {
            cau_hoi,
            tra_loi,
            linh_vuc: list(self.linh_vuc),
            tu_khoa: list(self.tu_khoa),
            thu_tuc_lien_quan: codes,
            co_quan: clean_line(&self.co_quan),
        })
    }

    /// The record the search engine indexes, under the FAQ's public code.
    pub fn to_record(&self, code: &str) -> FaqRecord {
        FaqRecord {
            id: code.to_owned(),
            cau_hoi: self.cau_hoi.clone(),
            tra_loi: self.tra_loi.clone(),
            linh_vuc: self.linh_vuc.clone(),
            co_quan: self.co_quan.clone(),
            thu_tuc_lien_quan: self.thu_tuc_lien_quan.clone(),
            tu_khoa: self.tu_khoa.clone(),
        }
    }

    /// As stored.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// From storage.
    pub fn from_json(s: &str) -> Result<FaqContent, KbError> {
        serde_json::from_str(s).map_err(|e| {
            KbError::Store(tongdai_store::StoreError::Corrupt(format!("FAQ JSON: {e}")))
        })
    }
}

/// Where an FAQ stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaqStatus {
    /// Being written (or sent back by the head).
    Draft,
    /// Submitted; waiting for the head of the agency.
    Review,
    /// Approved and on the portal.
    Published,
    /// Taken off the portal by the head.
    Withdrawn,
}

impl FaqStatus {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            FaqStatus::Draft => "draft",
            FaqStatus::Review => "review",
            FaqStatus::Published => "published",
            FaqStatus::Withdrawn => "withdrawn",
        }
    }

    /// From the stored code.
    pub fn parse(s: &str) -> Option<FaqStatus> {
        [
            FaqStatus::Draft,
            FaqStatus::Review,
            FaqStatus::Published,
            FaqStatus::Withdrawn,
        ]
        .into_iter()
        .find(|x| x.code() == s)
    }

    /// Vietnamese name.
    pub fn label_vi(self) -> &'static str {
        match self {
            FaqStatus::Draft => "Bản nháp",
            FaqStatus::Review => "Chờ duyệt",
            FaqStatus::Published => "Đã đăng",
            FaqStatus::Withdrawn => "Đã gỡ",
        }
    }
}

/// A step of the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaqAction {
    Create,
    Edit,
    Submit,
    Approve,
    Reject,
    Withdraw,
}

impl FaqAction {
    /// The stored code (history, audit).
    pub fn code(self) -> &'static str {
        match self {
            FaqAction::Create => "create",
            FaqAction::Edit => "edit",
            FaqAction::Submit => "submit",
            FaqAction::Approve => "approve",
            FaqAction::Reject => "reject",
            FaqAction::Withdraw => "withdraw",
        }
    }

    /// Vietnamese name (history).
    pub fn label_vi(self) -> &'static str {
        match self {
            FaqAction::Create => "Tạo mới",
            FaqAction::Edit => "Sửa",
            FaqAction::Submit => "Gửi duyệt",
            FaqAction::Approve => "Duyệt, đăng",
            FaqAction::Reject => "Trả lại",
            FaqAction::Withdraw => "Gỡ khỏi cổng",
        }
    }

    /// From the stored code.
    pub fn parse(s: &str) -> Option<FaqAction> {
        [
            FaqAction::Create,
            FaqAction::Edit,
            FaqAction::Submit,
            FaqAction::Approve,
            FaqAction::Reject,
            FaqAction::Withdraw,
        ]
        .into_iter()
        .find(|x| x.code() == s)
    }

    /// The permission the step needs on the FAQ's agency: officers write, heads review.
    pub fn permission(self) -> Permission {
        match self {
            FaqAction::Create | FaqAction::Edit | FaqAction::Submit => Permission::KbEdit,
            FaqAction::Approve | FaqAction::Reject | FaqAction::Withdraw => Permission::KbReview,
        }
    }
}

/// The status after `action` from `status`, given whether an approved text is on the portal;
/// an error says why the step does not apply.
pub fn transition(
    status: FaqStatus,
    action: FaqAction,
    has_published: bool,
) -> Result<FaqStatus, KbError> {
    use FaqAction::*;
    use FaqStatus::*;
    let refuse = |m: &str| Err(KbError::Workflow(m.to_owned()));
    match (action, status) {
        (Create, _) => Ok(Draft),
        (Edit, _) => Ok(Draft),
        (Submit, Draft) => Ok(Review),
        (Submit, Review) => refuse("Câu hỏi đã được gửi duyệt."),
        (Submit, _) => refuse("Chỉ gửi duyệt được bản nháp; hãy sửa trước."),
        (Approve, Review) => Ok(Published),
        (Approve, _) => refuse("Chỉ duyệt được câu hỏi đang chờ duyệt."),
        (Reject, Review) => Ok(Draft),
        (Reject, _) => refuse("Chỉ trả lại được câu hỏi đang chờ duyệt."),
        (Withdraw, Published) => Ok(Withdrawn),
        (Withdraw, s) if has_published => Ok(s),
        (Withdraw, _) => refuse("Câu hỏi chưa được đăng."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kb2_workflow_transitions() {
        use FaqAction::*;
        use FaqStatus::*;
        assert_eq!(transition(Draft, Submit, false).unwrap(), Review);
        assert_eq!(transition(Review, Approve, false).unwrap(), Published);
        assert_eq!(transition(Review, Reject, false).unwrap(), Draft);
        assert_eq!(transition(Published, Edit, true).unwrap(), Draft);
        assert_eq!(transition(Published, Withdraw, true).unwrap(), Withdrawn);
        assert_eq!(transition(Draft, Withdraw, true).unwrap(), Draft);
        for (s, a) in [
            (Draft, Approve),
            (Published, Approve),
            (Draft, Reject),
            (Review, Submit),
            (Published, Submit),
            (Draft, Withdraw),
        ] {
            assert!(transition(s, a, false).is_err(), "{s:?} {a:?}");
        }
        assert_eq!(Approve.permission(), Permission::KbReview);
        assert_eq!(Submit.permission(), Permission::KbEdit);
        for s in [Draft, Review, Published, Withdrawn] {
            assert_eq!(FaqStatus::parse(s.code()), Some(s));
        }
    }

    #[test]
    fn content_is_cleaned_and_checked() {
        let c = FaqContent {
            cau_hoi: "  Làm  giấy khai sinh ở đâu? ".into(),
            tra_loi: "Tại UBND xã.\n\n".into(),
            tu_khoa: vec!["khai sinh".into(), "khai sinh".into(), " ".into()],
            ..FaqContent::default()
        }
        .cleaned()
        .unwrap();
        assert_eq!(c.cau_hoi, "Làm giấy khai sinh ở đâu?");
        assert_eq!(c.tra_loi, "Tại UBND xã.");
        assert_eq!(c.tu_khoa, ["khai sinh"]);
        let Err(KbError::Invalid(p)) = FaqContent::default().cleaned() else {
            panic!("empty FAQ accepted");
        };
        assert_eq!(
            p.iter().map(|p| p.field.as_str()).collect::<Vec<_>>(),
            ["cau_hoi", "tra_loi"]
        );
    }
}

//! Errors of the knowledge base.

use tongdai_store::StoreError;

/// What can go wrong; messages are Vietnamese, as users see them.
#[derive(Debug, thiserror::Error)]
pub enum KbError {
    /// The database failed (the change, if any, was not kept).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The actor lacks the permission on this resource.
    #[error("không có quyền thực hiện thao tác này")]
    Forbidden,
    /// No such procedure, FAQ or tenant.
    #[error("không tìm thấy {0}")]
    NotFound(String),
    /// Input that fails validation, field by field.
    #[error("dữ liệu không hợp lệ: {}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
    /// A workflow step that does not apply in the current state.
    #[error("{0}")]
    Workflow(String),
    /// A whole import file that cannot be read (nothing was imported).
    #[error("không đọc được tệp: {0}")]
    File(String),
}

impl KbError {
    /// An invalid value of one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> KbError {
        KbError::Invalid(vec![Problem::new(field, message)])
    }
}

/// One problem with one field of a record or form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The field, as a path into the record: `ten_tthc`, `cach_thuc_thuc_hien[1].kenh`.
    pub field: String,
    /// What is wrong, in Vietnamese.
    pub message: String,
}

impl Problem {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "trường `{}`: {}", self.field, self.message)
    }
}

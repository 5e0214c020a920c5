//! [`super::Command::UpdateFields`]: corrections to a case's data, validated like intake, each
//! recorded with its old and new value (CASE-12: nothing is changed silently).

use super::command::{CaseField, FieldChange};
use super::event::EventDetail;
use super::intake::{self, FieldError, IntakeError, IntakeField};
use super::machine::Change;
use super::refusal::Refusal;

fn opt_id(v: Option<i64>) -> Option<String> {
    v.map(|i| i.to_string())
}

pub(super) fn update_fields(c: &mut Change<'_>, changes: &[FieldChange]) -> Result<(), Refusal> {
    let limits = c.limits().clone();
    let mut errors = Vec::new();
    let mut applied: Vec<(CaseField, Option<String>, Option<String>)> = Vec::new();
    let mut err = |field: IntakeField, message: String| {
        errors.push(FieldError {
            field,
            index: None,
            message,
        })
    };
    let case = &mut c.case;
    for ch in changes {
        let f = ch.field();
        let (old, new) = match ch {
            FieldChange::CallerName(v) => match intake::validate_name(v, &limits) {
                Ok(v) => (
                    Some(std::mem::replace(&mut case.caller.name, v.clone())),
                    Some(v),
                ),
                Err(m) => {
                    err(IntakeField::CallerName, m);
                    continue;
                }
            },
            FieldChange::Organisation(v) => match intake::validate_organisation(v, &limits) {
                Ok(v) => (
                    std::mem::replace(&mut case.caller.organisation, v.clone()),
                    v,
                ),
                Err(m) => {
                    err(IntakeField::Organisation, m);
                    continue;
                }
            },
            FieldChange::Phone(v) => match intake::validate_phone(v) {
                Ok(p) => {
                    let old = std::mem::replace(&mut case.caller.phone, p.clone());
                    (
                        Some(old.canonical().to_owned()),
                        Some(p.canonical().to_owned()),
                    )
                }
                Err(m) => {
                    err(IntakeField::Phone, m);
                    continue;
                }
            },
            FieldChange::Email(v) => match intake::validate_email(v) {
                Ok(v) => (std::mem::replace(&mut case.caller.email, v.clone()), v),
                Err(m) => {
                    err(IntakeField::Email, m);
                    continue;
                }
            },
            FieldChange::Address(v) => match intake::validate_address(v, &limits) {
                Ok(v) => (
                    Some(std::mem::replace(&mut case.caller.address, v.clone())),
                    Some(v),
                ),
                Err(m) => {
                    err(IntakeField::Address, m);
                    continue;
                }
            },
            FieldChange::AdminUnitId(v) => match intake::validate_id(*v) {
                Ok(v) => (
                    opt_id(std::mem::replace(&mut case.caller.admin_unit_id, v)),
                    opt_id(v),
                ),
                Err(m) => {
                    err(IntakeField::AdminUnit, m);
                    continue;
                }
            },
            FieldChange::Content(v) => match intake::validate_content(v, &limits) {
                Ok(v) => (
                    Some(std::mem::replace(&mut case.content, v.clone())),
                    Some(v),
                ),
                Err(m) => {
                    err(IntakeField::Content, m);
                    continue;
                }
            },
            FieldChange::FieldId(v) => match intake::validate_id(*v) {
                Ok(v) => (opt_id(std::mem::replace(&mut case.field_id, v)), opt_id(v)),
                Err(m) => {
                    err(IntakeField::FieldId, m);
                    continue;
                }
            },
            FieldChange::CategoryId(v) => match intake::validate_id(*v) {
                Ok(v) => (
                    opt_id(std::mem::replace(&mut case.category_id, v)),
                    opt_id(v),
                ),
                Err(m) => {
                    err(IntakeField::CategoryId, m);
                    continue;
                }
            },
            FieldChange::Pressing(v) => (
                Some(std::mem::replace(&mut case.pressing, *v).to_string()),
                Some(v.to_string()),
            ),
            FieldChange::Complex(v) => (
                Some(std::mem::replace(&mut case.complex, *v).to_string()),
                Some(v.to_string()),
            ),
            FieldChange::DossierCode(v) => match token(v) {
                Ok(v) => (std::mem::replace(&mut case.dossier_code, v.clone()), v),
                Err(()) => {
                    err(
                        IntakeField::DossierCode,
                        "Mã hồ sơ một cửa không hợp lệ.".into(),
                    );
                    continue;
                }
            },
            FieldChange::TthcCode(v) => match token(v) {
                Ok(v) => (std::mem::replace(&mut case.tthc_code, v.clone()), v),
                Err(()) => {
                    err(
                        IntakeField::TthcCode,
                        "Mã thủ tục hành chính không hợp lệ.".into(),
                    );
                    continue;
                }
            },
        };
        if old != new {
            applied.push((f, old, new));
        }
    }
    if !errors.is_empty() {
        return Err(Refusal::Fields(IntakeError { errors }));
    }
    if applied.is_empty() {
        return Err(Refusal::NothingChanged);
    }
    for (field, old, new) in applied {
        c.record(EventDetail::FieldChanged { field, old, new });
    }
    Ok(())
}

fn token(v: &str) -> Result<Option<String>, ()> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v.len() > 64 || !v.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(());
    }
    Ok(Some(v.to_owned()))
}

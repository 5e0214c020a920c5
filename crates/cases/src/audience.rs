//! Who a notification reaches (CASE-5): the accounts of an audience get an in-app
//! notification and, when they have an e-mail address, an e-mail through the outbox; the
//! citizen gets an e-mail when they gave one. Everything is written in the caller's
//! transaction, with idempotency keys, so a retried decision never sends twice.

use crate::templates;
use crate::{CaseError, CaseSettings};
use tongdai_domain::Instant;
use tongdai_domain::access::Role;
use tongdai_domain::case::{Audience, Case, Notification};
use tongdai_store::notifications::{self, OutgoingMessage};
use tongdai_store::{AnyConnection, accounts, org};

/// Deliver one notification of an outcome; `marker` makes the idempotency keys unique per
/// decision. Returns whether an in-app notification was written.
pub async fn deliver(
    c: &mut AnyConnection,
    settings: &CaseSettings,
    case: &Case,
    n: &Notification,
    marker: i64,
    now: Instant,
) -> Result<bool, CaseError> {
    let due = case.clocks.focal.as_ref().map(|f| f.due_at);
    let link = format!("/cases/{}", case.id);
    let key =
        |recipient: &str| format!("case:{}:{}:{}:{recipient}", case.id, n.kind.code(), marker);
    let recipients = match n.audience {
        Audience::FocalOfficers { agency_id } => {
            accounts::holders(c, Role::FocalOfficer, Some(agency_id), &[]).await?
        }
        Audience::AgencyHead { agency_id } => {
            accounts::holders(c, Role::AgencyHead, Some(agency_id), &[]).await?
        }
        Audience::Coordinators { tenant_id } => {
            let path = org::tenant_path(c, tenant_id).await?;
            accounts::holders(c, Role::Coordinator, None, &path).await?
        }
        Audience::Leadership { tenant_id } => {
            let path = org::tenant_path(c, tenant_id).await?;
            accounts::holders(c, Role::Leadership, None, &path).await?
        }
        Audience::Citizen => {
            if let Some(email) = case
                .caller
                .email
                .as_deref()
                .filter(|_| settings.email_citizens)
            {
                let lookup = if settings.public_url.is_empty() {
                    String::new()
                } else {
                    format!("{}/tra-cuu?ma={}", settings.public_url, case.code)
                };
                let m = templates::for_citizen(n.kind, case, &lookup);
                notifications::enqueue(
                    c,
                    &OutgoingMessage {
                        channel: "email".into(),
                        recipient: email.to_owned(),
                        subject: m.title,
                        body: m.body,
                        kind: n.kind.code().into(),
                        case_id: Some(case.id),
                        idempotency_key: key("citizen"),
                    },
                    now,
                )
                .await?;
            }
            return Ok(false);
        }
    };
    let m = templates::for_staff(n.kind, case, due);
    let mut any = false;
    for account in recipients {
        notifications::notify(c, account.id, n.kind.code(), &m.title, &m.body, &link, now).await?;
        any = true;
        if !account.email.is_empty() {
            let mut body = m.body.clone();
            if !settings.public_url.is_empty() {
                body.push_str(&format!("\n\n{}{link}", settings.public_url));
            }
            notifications::enqueue(
                c,
                &OutgoingMessage {
                    channel: "email".into(),
                    recipient: account.email.clone(),
                    subject: m.title.clone(),
                    body,
                    kind: n.kind.code().into(),
                    case_id: Some(case.id),
                    idempotency_key: key(&format!("account:{}", account.id)),
                },
                now,
            )
            .await?;
        }
    }
    Ok(any)
}

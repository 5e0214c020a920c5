//! Who a notification reaches (CASE-5): the accounts of an audience get an in-app
//! notification and, when they have an e-mail address, an e-mail through the outbox; the
//! citizen gets an e-mail when they gave one. Everything is written in the caller's
//! transaction, with idempotency keys, so a retried decision never sends twice.

use crate::templates;
use crate::{CaseError, CaseSettings};
use std::collections::HashMap;
use tongdai_domain::Instant;
use tongdai_domain::access::Role;
use tongdai_domain::case::{Audience, Case, Notification};
use tongdai_store::accounts::Account;
use tongdai_store::jobs::NewJob;
use tongdai_store::notifications::{self, NewNotification, OutgoingMessage};
use tongdai_store::{AnyConnection, accounts, cases, jobs, org};

/// What decisions write besides the case itself: history lines, in-app notifications,
/// outbox messages and jobs, gathered so that one decision or a batch of a few hundred
/// (the deadline runner's) is written in a handful of multi-row statements.
#[derive(Debug, Default)]
pub struct Effects {
    pub events: Vec<(i64, tongdai_domain::case::Event)>,
    pub notifications: Vec<NewNotification>,
    pub messages: Vec<OutgoingMessage>,
    pub jobs: Vec<NewJob>,
    /// Recipients looked up once per audience (many cases of a batch tell the same people).
    recipients: HashMap<Audience, Vec<Account>>,
}

impl Effects {
    /// Write everything gathered, in the caller's transaction. Returns whether any in-app
    /// notification was written (live streams then re-read).
    pub async fn write(self, c: &mut AnyConnection, now: Instant) -> Result<bool, CaseError> {
        let events: Vec<(i64, &tongdai_domain::case::Event)> =
            self.events.iter().map(|(id, e)| (*id, e)).collect();
        cases::append_events_many(c, &events).await?;
        notifications::notify_many(c, &self.notifications, now).await?;
        notifications::enqueue_many(c, &self.messages, now).await?;
        jobs::enqueue_many(c, &self.jobs, now).await?;
        Ok(!self.notifications.is_empty())
    }

    async fn recipients(
        &mut self,
        c: &mut AnyConnection,
        audience: Audience,
    ) -> Result<Vec<Account>, CaseError> {
        if let Some(found) = self.recipients.get(&audience) {
            return Ok(found.clone());
        }
        let found = match audience {
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
            Audience::Citizen => Vec::new(),
        };
        self.recipients.insert(audience, found.clone());
        Ok(found)
    }

    /// Gather one notification of an outcome; `marker` makes the idempotency keys unique per
    /// decision.
    pub async fn notify(
        &mut self,
        c: &mut AnyConnection,
        settings: &CaseSettings,
        case: &Case,
        n: &Notification,
        marker: i64,
    ) -> Result<(), CaseError> {
        let due = case.clocks.focal.as_ref().map(|f| f.due_at);
        let link = format!("/cases/{}", case.id);
        let key =
            |recipient: &str| format!("case:{}:{}:{}:{recipient}", case.id, n.kind.code(), marker);
        if n.audience == Audience::Citizen {
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
                self.messages.push(OutgoingMessage {
                    channel: "email".into(),
                    recipient: email.to_owned(),
                    subject: m.title,
                    body: m.body,
                    kind: n.kind.code().into(),
                    case_id: Some(case.id),
                    idempotency_key: key("citizen"),
                });
            }
            return Ok(());
        }
        let recipients = self.recipients(c, n.audience).await?;
        let m = templates::for_staff(n.kind, case, due);
        for account in recipients {
            self.notifications.push(NewNotification {
                account_id: account.id,
                kind: n.kind.code().into(),
                title: m.title.clone(),
                body: m.body.clone(),
                link: link.clone(),
            });
            if !account.email.is_empty() {
                let mut body = m.body.clone();
                if !settings.public_url.is_empty() {
                    body.push_str(&format!("\n\n{}{link}", settings.public_url));
                }
                self.messages.push(OutgoingMessage {
                    channel: "email".into(),
                    recipient: account.email.clone(),
                    subject: m.title.clone(),
                    body,
                    kind: n.kind.code().into(),
                    case_id: Some(case.id),
                    idempotency_key: key(&format!("account:{}", account.id)),
                });
            }
        }
        Ok(())
    }
}

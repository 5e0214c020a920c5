//! The case service (CASE-1 … CASE-14): the one place where the domain's decisions about cases
//! are applied to the database.
//!
//! Architecture Invariant: a case changes only through [`CaseService::intake`] and
//! [`CaseService::decide`] (and [`CaseService::intake_then`], both in one), which call
//! `tongdai_domain::case::{receive, decide}` and write the whole outcome — the case document,
//! its history, the agencies, the in-app notifications, the outbox messages and the deadline
//! jobs — in one transaction. A crash before the commit leaves nothing; after it, everything.
//!
//! Deadline jobs are keyed by the deadline instant they were scheduled for: when a deadline
//! moves (pause, extension) a new job is queued and the old one, when it runs, finds the case
//! not due and does nothing. Running a job twice (after a crash) is refused by the state
//! machine the second time, so an escalation never happens twice.

pub mod audience;
pub mod jobs;
pub mod scope;
pub mod summary;
pub mod templates;

use std::sync::Arc;
use tokio::sync::Notify;
use tongdai_domain::Instant;
use tongdai_domain::calendar::WorkingCalendar;
use tongdai_domain::case::{
    self, Actor, Case, CaseIds, CasePolicy, CaseState, Command, Context, IntakeError, NewCase,
    Outcome, RawIntake, Refusal,
};
use tongdai_domain::time::Clock;
use tongdai_store::files::{FileStore, FileType, StoredFile, UploadError};
use tongdai_store::{Store, StoreError, cases, org};

/// What can go wrong when changing a case.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The domain refused (rights, state, validation), with a Vietnamese message.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Intake fields are wrong (every problem listed).
    #[error(transparent)]
    Intake(#[from] IntakeError),
    #[error(transparent)]
    Upload(#[from] UploadError),
    /// Too many submissions from one address or phone number.
    #[error(
        "Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau hoặc gọi tổng đài."
    )]
    RateLimited,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why [`CaseService::intake_then`] refused; in either case nothing was saved.
#[derive(Debug, thiserror::Error)]
pub enum IntakeThenError {
    /// The case itself was refused (its fields, the actor's right to create it, an upload).
    #[error(transparent)]
    Intake(CaseError),
    /// The case was fine but the command that was to follow it was refused.
    #[error(transparent)]
    Then(CaseError),
}

impl CaseError {
    /// Whether another writer changed the case meanwhile (try again with a fresh copy).
    pub fn is_conflict(&self) -> bool {
        matches!(self, CaseError::Store(StoreError::Conflict(_)))
    }
}

/// Settings of the case service (the `[cases]` section of `tongdai.toml`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CaseSettings {
    /// Largest attachment, in bytes.
    pub max_attachment_bytes: usize,
    /// Citizen submissions allowed per address and per phone number in an hour.
    pub public_per_hour: i64,
    /// … and in a day.
    pub public_per_day: i64,
    /// E-mail the citizen about their case when they gave an address.
    pub email_citizens: bool,
    /// Time of the daily summary (Vietnam time), CASE-13.
    pub summary_time: String,
    /// Send the summary even on a day with nothing to report.
    pub summary_when_empty: bool,
    /// Extra recipients of the summary (e-mail addresses), besides the coordinators.
    pub summary_recipients: Vec<String>,
    /// The public base URL used in links inside messages.
    pub public_url: String,
}

impl Default for CaseSettings {
    fn default() -> Self {
        CaseSettings {
            max_attachment_bytes: 10 * 1024 * 1024,
            public_per_hour: 5,
            public_per_day: 20,
            email_citizens: true,
            summary_time: "16:30".into(),
            summary_when_empty: true,
            summary_recipients: Vec::new(),
            public_url: String::new(),
        }
    }
}

/// An uploaded file before it is checked.
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Where a submission came from (for spam limits and the record).
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: String,
    /// Citizens' public submissions are rate-limited; staff intake is not.
    pub public: bool,
}

/// The case service.
#[derive(Clone)]
pub struct CaseService {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub files: FileStore,
    pub settings: Arc<CaseSettings>,
    /// Woken after every commit that created notifications (live streams re-read).
    pub live: Arc<Notify>,
    /// Names of injected crash points, for tests that kill the process between steps.
    pub failpoints: Arc<Vec<String>>,
    /// Tenants' decision contexts with the stamp they were read at (`org::context_stamp`).
    contexts: Arc<std::sync::Mutex<ContextCache>>,
}

impl std::fmt::Debug for CaseService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseService")
            .field("files", &self.files)
            .finish()
    }
}

/// Tenants' decision contexts by tenant id, with the `org::context_stamp` each was read at.
type ContextCache = std::collections::HashMap<i64, ((i64, i64), Arc<TenantContext>)>;

/// What a tenant's cases are decided with.
#[derive(Debug)]
pub struct TenantContext {
    pub calendar: WorkingCalendar,
    pub policy: CasePolicy,
    pub tenant_path: Vec<i64>,
}

/// What [`CaseService::decide_for_system`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemBatch {
    /// Cases changed.
    pub applied: usize,
    /// Commands refused by the domain (not due, already done) or of cases that are gone.
    pub not_applicable: usize,
    /// The codes of the cases changed.
    pub cases: Vec<case::CaseCode>,
}

/// The result of an intake.
#[derive(Debug, Clone)]
pub struct Received {
    pub case: Case,
    pub version: i64,
}

impl CaseService {
    /// A service over a store; uploads go under `files`.
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        files: FileStore,
        settings: CaseSettings,
    ) -> CaseService {
        CaseService {
            store,
            clock,
            files,
            settings: Arc::new(settings),
            live: Arc::new(Notify::new()),
            failpoints: Arc::new(Vec::new()),
            contexts: Arc::default(),
        }
    }

    /// Crash here when the named failpoint is set (tests that kill the process mid-way).
    pub fn failpoint(&self, name: &str) {
        if self.failpoints.iter().any(|f| f == name) {
            tracing::error!(failpoint = name, "failpoint reached: aborting the process");
            std::process::abort();
        }
    }

    /// The calendar, policy and tenant path a tenant's cases are decided with: from the cache
    /// while no tenant or calendar changed (one query to check), else read again.
    pub async fn tenant_context(
        &self,
        c: &mut tongdai_store::AnyConnection,
        tenant_id: i64,
    ) -> Result<Arc<TenantContext>, CaseError> {
        let stamp = org::context_stamp(c).await?;
        if let Some(hit) = self
            .contexts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&tenant_id)
            .filter(|(s, _)| *s == stamp)
        {
            return Ok(hit.1.clone());
        }
        let fresh = Arc::new(self.read_tenant_context(c, tenant_id).await?);
        self.contexts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(tenant_id, (stamp, fresh.clone()));
        Ok(fresh)
    }

    async fn read_tenant_context(
        &self,
        c: &mut tongdai_store::AnyConnection,
        tenant_id: i64,
    ) -> Result<TenantContext, CaseError> {
        let tenant = org::tenant(c, tenant_id).await?;
        let (calendar, _) = tongdai_store::calendar::load(c, tenant.calendar_id).await?;
        let tenant_path = org::tenant_path(c, tenant_id).await?;
        // The policy is the tenant's own setting, else the nearest ancestor's, else the default.
        let mut policy = None;
        for t in &tenant_path {
            let t = org::tenant(c, *t).await?;
            if let Some(p) = t
                .settings
                .get("cases")
                .and_then(|v| serde_json::from_value::<CasePolicy>(v.clone()).ok())
            {
                policy = Some(p);
                break;
            }
        }
        Ok(TenantContext {
            calendar,
            policy: policy.unwrap_or_default(),
            tenant_path,
        })
    }

    /// Store uploads after checking their size and content type.
    pub fn store_uploads(&self, uploads: &[Upload]) -> Result<Vec<StoredFile>, CaseError> {
        uploads
            .iter()
            .filter(|u| !u.bytes.is_empty())
            .map(|u| {
                self.files
                    .put(
                        &u.name,
                        &u.bytes,
                        FileType::ATTACHMENTS,
                        self.settings.max_attachment_bytes,
                    )
                    .map_err(CaseError::from)
            })
            .collect()
    }

    /// Record a new case (CASE-1): validated, coded, stored with its first history line, the
    /// notifications it causes, and its attachments, in one transaction.
    pub async fn intake(
        &self,
        actor: &Actor,
        tenant_id: i64,
        raw: RawIntake,
        uploads: &[Upload],
        origin: &Origin,
    ) -> Result<Received, CaseError> {
        let now = self.clock.now();
        let (raw, stored) = self.prepare_intake(raw, uploads, origin, now).await?;
        let mut tx = self.store.begin().await?;
        let mut effects = audience::Effects::default();
        let (outcome, _) = self
            .receive_in(
                &mut tx,
                &mut effects,
                actor,
                tenant_id,
                raw,
                &stored,
                origin,
                now,
            )
            .await?;
        let notified = effects.write(&mut tx, now).await?;
        tx.commit().await?;
        if notified {
            self.live.notify_waiters();
        }
        Ok(Received {
            case: outcome.case,
            version: 1,
        })
    }

    /// Record a new case and apply a first command to it in the same transaction (CASE-3: the
    /// operator answers on the spot or passes the case on from the intake form). `then` picks
    /// the command from the case as received and its tenant path, so a caller can choose by
    /// the rights the actor has on it. Either both are written or nothing is: a refused command
    /// leaves no case behind, and the form can be corrected and sent again.
    pub async fn intake_then(
        &self,
        actor: &Actor,
        tenant_id: i64,
        raw: RawIntake,
        uploads: &[Upload],
        origin: &Origin,
        then: impl FnOnce(&Case, &[i64]) -> Command,
    ) -> Result<(Case, i64), IntakeThenError> {
        let now = self.clock.now();
        let (raw, stored) = self
            .prepare_intake(raw, uploads, origin, now)
            .await
            .map_err(IntakeThenError::Intake)?;
        let mut tx = self
            .store
            .begin()
            .await
            .map_err(|e| IntakeThenError::Intake(e.into()))?;
        let mut effects = audience::Effects::default();
        let (received, tc) = self
            .receive_in(
                &mut tx,
                &mut effects,
                actor,
                tenant_id,
                raw,
                &stored,
                origin,
                now,
            )
            .await
            .map_err(IntakeThenError::Intake)?;
        let command = then(&received.case, &tc.tenant_path);
        let decided: Result<Outcome, CaseError> = async {
            check_command_agencies(&mut tx, &received.case, &command, now).await?;
            let ctx = Context {
                now,
                calendar: &tc.calendar,
                policy: &tc.policy,
                tenant_path: &tc.tenant_path,
            };
            Ok(case::decide(&received.case, actor, &command, &ctx)?)
        }
        .await;
        let outcome = decided.map_err(IntakeThenError::Then)?;
        let written: Result<(i64, bool), CaseError> = async {
            let version = cases::update(
                &mut tx,
                &outcome.case,
                Some(&received.case),
                &outcome.deadlines,
                1,
                now,
            )
            .await?;
            self.gather_effects(&mut tx, &mut effects, &outcome, &tc, now, true)
                .await?;
            let notified = effects.write(&mut tx, now).await?;
            tx.commit().await?;
            Ok((version, notified))
        }
        .await;
        let (version, notified) = written.map_err(IntakeThenError::Then)?;
        if notified {
            self.live.notify_waiters();
        }
        Ok((outcome.case, version))
    }

    /// What intake does before its transaction: the spam limits of public submissions, and
    /// the uploads checked and stored (their metadata goes into the contact).
    async fn prepare_intake(
        &self,
        mut raw: RawIntake,
        uploads: &[Upload],
        origin: &Origin,
        now: Instant,
    ) -> Result<(RawIntake, Vec<StoredFile>), CaseError> {
        if origin.public {
            self.check_spam(origin, &raw.phone, now).await?;
        }
        let stored = self.store_uploads(uploads)?;
        raw.attachments = stored
            .iter()
            .map(|f| case::RawAttachment {
                name: f.original_name.clone(),
                size_bytes: f.size as u64,
                content_type: f.file_type.mime().to_owned(),
            })
            .collect();
        Ok((raw, stored))
    }

    /// Validate, code and insert a new case inside `c`'s transaction, gathering its history,
    /// notifications and jobs into `effects` (written by the caller).
    #[allow(clippy::too_many_arguments)]
    async fn receive_in(
        &self,
        c: &mut tongdai_store::AnyConnection,
        effects: &mut audience::Effects,
        actor: &Actor,
        tenant_id: i64,
        raw: RawIntake,
        stored: &[StoredFile],
        origin: &Origin,
        now: Instant,
    ) -> Result<(Outcome, Arc<TenantContext>), CaseError> {
        let tc = self.tenant_context(c, tenant_id).await?;
        let new = NewCase::validate(&raw, &tc.policy.intake)?;
        let year = tongdai_domain::time::to_vietnam(new.received_at().unwrap_or(now))
            .date()
            .format("%Y")
            .to_string()
            .parse()
            .unwrap_or(2026);
        let (id, code) = cases::allocate(c, new.kind(), year).await?;
        let ctx = Context {
            now,
            calendar: &tc.calendar,
            policy: &tc.policy,
            tenant_path: &tc.tenant_path,
        };
        let outcome = case::receive(
            new,
            CaseIds {
                id,
                code,
                tenant_id,
            },
            actor,
            &ctx,
        )?;
        cases::insert(c, &outcome.case, &outcome.deadlines, &origin.ip, now).await?;
        for f in stored {
            cases::add_attachment(c, id, f, actor.account_id(), now).await?;
        }
        self.gather_effects(c, effects, &outcome, &tc, now, false)
            .await?;
        Ok((outcome, tc))
    }

    async fn check_spam(
        &self,
        origin: &Origin,
        phone: &str,
        now: Instant,
    ) -> Result<(), CaseError> {
        let phone = tongdai_domain::phone::PhoneNumber::parse(phone)
            .map(|p| p.canonical().to_owned())
            .ok();
        let mut c = self.store.conn().await?;
        let ip = Some(origin.ip.as_str()).filter(|i| !i.is_empty());
        let hour = cases::recent_count(
            &mut c,
            ip,
            phone.as_deref(),
            now - chrono::Duration::hours(1),
            self.settings.public_per_hour,
        )
        .await?;
        let day = cases::recent_count(
            &mut c,
            ip,
            phone.as_deref(),
            now - chrono::Duration::days(1),
            self.settings.public_per_day,
        )
        .await?;
        if hour >= self.settings.public_per_hour || day >= self.settings.public_per_day {
            return Err(CaseError::RateLimited);
        }
        Ok(())
    }

    /// Apply a command to a case (CASE-3 … CASE-12). `expected_version` (from the page the user
    /// saw) refuses a change made on a stale view.
    pub async fn decide(
        &self,
        case_id: i64,
        actor: &Actor,
        command: &Command,
        expected_version: Option<i64>,
    ) -> Result<(Case, i64), CaseError> {
        self.decide_with_files(case_id, actor, command, expected_version, &[])
            .await
    }

    /// Add one uploaded file to a case (CASE-1, CASE-12): checked by content and size, stored,
    /// then the `add_attachment` decision and the attachment row in one transaction.
    pub async fn attach(
        &self,
        case_id: i64,
        actor: &Actor,
        upload: &Upload,
        expected_version: Option<i64>,
    ) -> Result<(Case, i64), CaseError> {
        let stored = self.store_uploads(std::slice::from_ref(upload))?;
        let Some(f) = stored.first() else {
            return Err(CaseError::Upload(UploadError::Empty {
                name: tongdai_store::files::clean_name(&upload.name),
            }));
        };
        let command = Command::AddAttachment {
            attachment: case::RawAttachment {
                name: f.original_name.clone(),
                size_bytes: f.size as u64,
                content_type: f.file_type.mime().to_owned(),
            },
        };
        self.decide_with_files(case_id, actor, &command, expected_version, &stored)
            .await
    }

    async fn decide_with_files(
        &self,
        case_id: i64,
        actor: &Actor,
        command: &Command,
        expected_version: Option<i64>,
        files: &[StoredFile],
    ) -> Result<(Case, i64), CaseError> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let (case, version) = cases::get(&mut tx, case_id).await?;
        if expected_version.is_some_and(|v| v != version) {
            return Err(StoreError::Conflict(format!(
                "hồ sơ {} vừa được người khác cập nhật; hãy tải lại",
                case.code
            ))
            .into());
        }
        let tc = self.tenant_context(&mut tx, case.tenant_id).await?;
        check_command_agencies(&mut tx, &case, command, now).await?;
        let ctx = Context {
            now,
            calendar: &tc.calendar,
            policy: &tc.policy,
            tenant_path: &tc.tenant_path,
        };
        let outcome = case::decide(&case, actor, command, &ctx)?;
        let new_version = cases::update(
            &mut tx,
            &outcome.case,
            Some(&case),
            &outcome.deadlines,
            version,
            now,
        )
        .await?;
        for f in files {
            cases::add_attachment(&mut tx, case_id, f, actor.account_id(), now).await?;
        }
        let mut effects = audience::Effects::default();
        self.gather_effects(&mut tx, &mut effects, &outcome, &tc, now, true)
            .await?;
        let notified = effects.write(&mut tx, now).await?;
        tx.commit().await?;
        if notified {
            self.live.notify_waiters();
        }
        Ok((outcome.case, new_version))
    }

    /// Gather what an outcome writes besides the case: its history (and the linked cases'),
    /// notifications and deadline jobs.
    async fn gather_effects(
        &self,
        c: &mut tongdai_store::AnyConnection,
        effects: &mut audience::Effects,
        outcome: &Outcome,
        tc: &TenantContext,
        now: Instant,
        linked: bool,
    ) -> Result<(), CaseError> {
        let id = outcome.case.id;
        effects
            .events
            .extend(outcome.events.iter().map(|e| (id, e.clone())));
        if linked {
            effects.events.extend(
                outcome
                    .linked_events
                    .iter()
                    .map(|l| (l.case_id, l.event.clone())),
            );
        }
        let marker = outcome
            .events
            .last()
            .map(|e| tongdai_store::micros(e.at))
            .unwrap_or_else(|| tongdai_store::micros(now));
        for n in &outcome.notifications {
            effects
                .notify(c, &self.settings, &outcome.case, n, marker)
                .await?;
        }
        effects.jobs.extend(jobs::deadline_jobs(
            &outcome.case,
            &outcome.deadlines,
            &tc.calendar,
            &tc.policy,
        ));
        Ok(())
    }

    /// Apply the system's own commands (the deadline jobs: escalate, head deadline breached,
    /// close after the reopening window) to many cases in one transaction: the cases read in
    /// one query, each tenant's context and each audience read once, every decision taken by
    /// the domain as in [`CaseService::decide`], and everything written in multi-row
    /// statements.
    ///
    /// A command the domain refuses (the deadline moved, the case moved on, a rerun after a
    /// crash) changes nothing and is not an error. If another writer changed one of the cases
    /// meanwhile, nothing is written and a conflict is returned: the caller then decides the
    /// cases one by one. `jobs` are the deadline jobs behind the commands, marked done in the
    /// same transaction.
    pub async fn decide_for_system(
        &self,
        items: &[(i64, Command)],
        jobs: Option<(&tongdai_jobs::JobContext, &[i64])>,
    ) -> Result<SystemBatch, CaseError> {
        let now = self.clock.now();
        // Read and decide on a plain connection, outside the write transaction, so that another
        // batch can be written meanwhile (SQLite has one writer); the versions read guard the
        // write below.
        let mut c = self.store.conn().await?;
        let ids: Vec<i64> = items.iter().map(|(id, _)| *id).collect();
        let found = cases::get_many(&mut c, &ids).await?;
        let mut by_id: std::collections::HashMap<i64, (Case, i64)> =
            found.into_iter().map(|(c, v)| (c.id, (c, v))).collect();
        let mut contexts: std::collections::HashMap<i64, Arc<TenantContext>> =
            std::collections::HashMap::new();
        let mut decided: Vec<(Outcome, i64, bool, Case)> = Vec::new();
        let mut report = SystemBatch::default();
        for (id, command) in items {
            let Some((case, version)) = by_id.remove(id) else {
                report.not_applicable += 1;
                continue;
            };
            if let std::collections::hash_map::Entry::Vacant(e) = contexts.entry(case.tenant_id) {
                e.insert(self.tenant_context(&mut c, case.tenant_id).await?);
            }
            let tc = &contexts[&case.tenant_id];
            let ctx = Context {
                now,
                calendar: &tc.calendar,
                policy: &tc.policy,
                tenant_path: &tc.tenant_path,
            };
            match case::decide(&case, &Actor::System, command, &ctx) {
                Ok(outcome) => {
                    let agencies_changed = outcome.case.lead_agency_id != case.lead_agency_id
                        || outcome.case.other_agency_ids != case.other_agency_ids;
                    decided.push((outcome, version, agencies_changed, case));
                }
                Err(r) => {
                    tracing::debug!(case = %case.code, reason = %r, "system command not applicable");
                    report.not_applicable += 1;
                }
            }
        }
        let writes: Vec<cases::CaseWrite<'_>> = decided
            .iter()
            .map(|(o, version, agencies_changed, before)| cases::CaseWrite {
                case: &o.case,
                before: Some(before),
                deadlines: &o.deadlines,
                version: *version,
                agencies_changed: *agencies_changed,
            })
            .collect();
        let mut effects = audience::Effects::default();
        for (outcome, _, _, _) in &decided {
            let tc = &contexts[&outcome.case.tenant_id];
            self.gather_effects(&mut c, &mut effects, outcome, tc, now, true)
                .await?;
        }
        drop(c);
        let mut tx = self.store.begin().await?;
        let updated = cases::update_many(&mut tx, &writes, now).await?;
        if updated.len() != writes.len() {
            return Err(StoreError::Conflict(format!(
                "{} of {} cases changed meanwhile",
                writes.len() - updated.len(),
                writes.len()
            ))
            .into());
        }
        let notified = effects.write(&mut tx, now).await?;
        if let Some((ctx, ids)) = jobs {
            ctx.complete_in(&mut tx, ids).await?;
        }
        self.failpoint("case.system_batch.before_commit");
        tx.commit().await?;
        if notified {
            self.live.notify_waiters();
        }
        report.applied = decided.len();
        report.cases = decided
            .into_iter()
            .map(|(o, _, _, _)| o.case.code)
            .collect();
        Ok(report)
    }

    /// A case and its version.
    pub async fn load(&self, case_id: i64) -> Result<(Case, i64), CaseError> {
        let mut c = self.store.conn().await?;
        Ok(cases::get(&mut c, case_id).await?)
    }

    /// Open cases that may be duplicates of a new contact (CASE-14): same phone first, then
    /// similar content, compared without diacritics.
    pub async fn duplicates(
        &self,
        tenant_id: i64,
        phone: &str,
        content: &str,
        exclude: Option<i64>,
    ) -> Result<Vec<(Case, case::similar::DuplicateMatch)>, CaseError> {
        let phone = tongdai_domain::phone::PhoneNumber::parse(phone).ok();
        let now = self.clock.now();
        let mut c = self.store.conn().await?;
        let canonical = phone
            .as_ref()
            .map(|p| p.canonical().to_owned())
            .unwrap_or_default();
        let found = cases::duplicate_candidates(
            &mut c,
            tenant_id,
            &canonical,
            now - chrono::Duration::days(60),
            500,
        )
        .await?;
        let list: Vec<Case> = found
            .into_iter()
            .map(|(c, _)| c)
            .filter(|c| Some(c.id) != exclude)
            .collect();
        let candidates: Vec<case::similar::Candidate> = list
            .iter()
            .map(|c| case::similar::Candidate {
                case_id: c.id,
                phone: Some(c.caller.phone.clone()),
                content: c.content.clone(),
            })
            .collect();
        let ranked = case::rank_duplicates(
            phone.as_ref(),
            content,
            &candidates,
            &case::DuplicateSettings::default(),
        );
        Ok(ranked
            .into_iter()
            .filter_map(|m| {
                list.iter()
                    .find(|c| c.id == m.case_id)
                    .map(|c| (c.clone(), m))
            })
            .collect())
    }

    /// The states in which a case is still with an agency (the due and overdue lists).
    pub fn with_agency_states() -> Vec<CaseState> {
        CaseState::ALL
            .iter()
            .copied()
            .filter(|s| s.is_with_agency())
            .collect()
    }
}

/// The agencies a forward names must be fit for the case (see [`check_agencies`]).
async fn check_command_agencies(
    c: &mut tongdai_store::AnyConnection,
    case: &Case,
    command: &Command,
    now: Instant,
) -> Result<(), CaseError> {
    if let Command::Forward {
        lead_agency_id,
        other_agency_ids,
        ..
    } = command
    {
        check_agencies(
            c,
            case.tenant_id,
            std::iter::once(*lead_agency_id).chain(other_agency_ids.iter().copied()),
            now,
        )
        .await?;
    }
    Ok(())
}

/// Agencies a case is forwarded to must exist, be in force, and belong to the case's tenant or
/// a tenant below it.
async fn check_agencies(
    c: &mut tongdai_store::AnyConnection,
    tenant_id: i64,
    ids: impl Iterator<Item = i64>,
    now: Instant,
) -> Result<(), CaseError> {
    let subtree = org::tenant_subtree(c, tenant_id).await?;
    let today = tongdai_domain::time::to_vietnam(now).date();
    for id in ids {
        let ok = match org::agency(c, id).await {
            Ok(a) => subtree.contains(&a.tenant_id) && a.validity.contains(today),
            Err(StoreError::NotFound(_)) => false,
            Err(e) => return Err(e.into()),
        };
        if !ok {
            return Err(Refusal::Invalid {
                field: "agency",
                message: format!("Cơ quan #{id} không thuộc đơn vị hoặc đã hết hiệu lực."),
            }
            .into());
        }
    }
    Ok(())
}

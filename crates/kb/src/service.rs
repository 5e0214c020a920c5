//! The knowledge-base service: every change to procedures, FAQs and synonyms goes through it —
//! rights checked, one transaction with its audit entry and change-log rows — and the in-memory
//! search index is updated as soon as the transaction commits (KB-3: "an edit is found
//! immediately"). The index is built from the database on first use and follows the change
//! log, so edits made on another node or by `tongdai kb import` are found within
//! [`KbService::refresh_every`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant as MonoInstant};

use serde::Serialize;
use tongdai_domain::Instant;
use tongdai_domain::access::{Permission, Principal, Target};
use tongdai_domain::audit::NewAuditEntry;
use tongdai_domain::text::fold;
use tongdai_domain::time::Clock;
use tongdai_search::{Doc, DocKind, Filters, Hit, Query, SearchIndex, SynonymSet, Synonyms};
use tongdai_store::kb::{self as db, FaqRow, LocalCopy, LocalCopyInput, ProcedureRow, VersionRow};
use tongdai_store::{AnyConnection, Store, StoreError, audit, counters, org};

use crate::diff::{self, Change};
use crate::error::{KbError, Problem};
use crate::faq::{FaqAction, FaqContent, FaqStatus, transition};
use crate::import::SourceFile;
use crate::record::{Tthc, normalize};

/// Who makes a change: a signed-in user (rights checked) or the system itself (the demo
/// loader, the command line run by the server's operator).
#[derive(Debug, Clone)]
pub struct Actor {
    pub account_id: Option<i64>,
    pub name: String,
    pub ip: String,
    /// `None` for the system: trusted.
    pub principal: Option<Principal>,
}

impl Actor {
    /// The system, under a name for the history (`demo`, `cli:root`).
    pub fn system(name: impl Into<String>) -> Actor {
        Actor {
            account_id: None,
            name: name.into(),
            ip: String::new(),
            principal: None,
        }
    }

    /// A signed-in user.
    pub fn user(principal: Principal, ip: impl Into<String>) -> Actor {
        Actor {
            account_id: Some(principal.account_id),
            name: principal.username.clone(),
            ip: ip.into(),
            principal: Some(principal),
        }
    }

    /// Whether the actor may do `p` at `target`.
    pub fn allows(&self, p: Permission, target: &Target) -> bool {
        self.principal
            .as_ref()
            .is_none_or(|pr| pr.allows(p, target))
    }

    fn pair(&self) -> (Option<i64>, &str) {
        (self.account_id, self.name.as_str())
    }
}

/// Whose view a search answers: which tenant's synonyms apply and which FAQs are shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// The tenant whose synonym lists apply, then its ancestors (empty: the global list only).
    pub tenant_path: Vec<i64>,
    /// The tenants whose published FAQs are shown (`None`: all).
    pub faq_tenants: Option<HashSet<i64>>,
}

impl Scope {
    /// Everything, with the global synonyms (the command line, a global administrator).
    pub fn everything() -> Scope {
        Scope::default()
    }
}

/// What an import should do besides reading.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Check and count everything, keep nothing.
    pub dry_run: bool,
    /// The file's name, recorded with each version (`import:<source>`).
    pub source: String,
}

/// The problems of one record of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowReport {
    /// Line (JSON, CSV) or row (XLSX) in the file.
    pub line: usize,
    /// The record's code, when it has one.
    pub code: String,
    pub problems: Vec<Problem>,
}

/// The outcome of an import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub source: String,
    pub dry_run: bool,
    /// Records read from the file.
    pub read: usize,
    /// Codes of new procedures.
    pub created: Vec<String>,
    /// Codes that got a new version.
    pub updated: Vec<String>,
    /// Records identical to the current version.
    pub unchanged: usize,
    /// Refused records, with every problem.
    pub rejected: Vec<RowReport>,
    /// Imported records with something doubtful.
    pub warnings: Vec<RowReport>,
    /// About the whole file (ignored columns).
    pub notes: Vec<String>,
}

impl ImportReport {
    /// The report for people, in Vietnamese: one line per problem, then the counts.
    pub fn summary_vi(&self) -> String {
        let mut out = String::new();
        for n in &self.notes {
            out.push_str(&format!("Lưu ý: {n}\n"));
        }
        for r in &self.rejected {
            for p in &r.problems {
                out.push_str(&format!(
                    "Dòng {}{}: LỖI {}\n",
                    r.line,
                    code_note(&r.code),
                    p
                ));
            }
        }
        for r in &self.warnings {
            for p in &r.problems {
                out.push_str(&format!(
                    "Dòng {}{}: cảnh báo {}\n",
                    r.line,
                    code_note(&r.code),
                    p
                ));
            }
        }
        out.push_str(&format!(
            "{}Đã đọc {} thủ tục: {} thêm mới, {} cập nhật (phiên bản mới), {} không đổi, {} bị từ chối.",
            if self.dry_run {
                "CHẠY THỬ — không lưu gì. "
            } else {
                ""
            },
            self.read,
            self.created.len(),
            self.updated.len(),
            self.unchanged,
            self.rejected.len()
        ));
        out
    }
}

fn code_note(code: &str) -> String {
    if code.is_empty() {
        String::new()
    } else {
        format!(" (mã {code})")
    }
}

/// A procedure: its current row and record.
#[derive(Debug, Clone, PartialEq)]
pub struct Procedure {
    pub row: ProcedureRow,
    pub record: Tthc,
}

/// A version with what it changed.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionView {
    pub row: VersionRow,
    pub record: Tthc,
    pub changed_fields: Vec<String>,
    /// Lines removed and added relative to the previous version.
    pub changes: Vec<Change>,
}

/// An FAQ with its texts read.
#[derive(Debug, Clone, PartialEq)]
pub struct Faq {
    pub row: FaqRow,
    pub status: FaqStatus,
    pub draft: FaqContent,
    pub published: Option<FaqContent>,
}

/// Counts of a rebuild.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadStats {
    pub procedures: usize,
    pub faqs: usize,
    pub skipped: usize,
}

struct State {
    loaded: bool,
    index: SearchIndex,
    /// The last change-log row applied.
    seq: i64,
    checked_at: Option<MonoInstant>,
    /// Tenant of each published FAQ, by code.
    faq_tenant: HashMap<String, i64>,
    tenant_lists: HashMap<i64, Synonyms>,
    /// Merged lists, by the tenants (with a list) they merge.
    compiled: HashMap<Vec<i64>, Arc<SynonymSet>>,
}

/// The knowledge base.
pub struct KbService {
    store: Store,
    clock: Arc<dyn Clock>,
    state: RwLock<State>,
    sync: tokio::sync::Mutex<()>,
    /// How stale the index may be relative to the change log before a search looks again.
    pub refresh_every: Duration,
}

impl std::fmt::Debug for KbService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KbService")
            .field("backend", &self.store.backend())
            .field("refresh_every", &self.refresh_every)
            .finish_non_exhaustive()
    }
}

/// More changes than this in one transaction log a single `rebuild` row instead.
const BULK: usize = 500;

fn lock_poisoned<T>(_: T) -> KbError {
    KbError::Store(StoreError::Invalid("search index lock poisoned".into()))
}

impl KbService {
    /// A service over `store`; the index is built on first use (or by [`KbService::load`]).
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> KbService {
        KbService {
            store,
            clock,
            state: RwLock::new(State {
                loaded: false,
                index: SearchIndex::new(Synonyms::default_list()),
                seq: 0,
                checked_at: None,
                faq_tenant: HashMap::new(),
                tenant_lists: HashMap::new(),
                compiled: HashMap::new(),
            }),
            sync: tokio::sync::Mutex::new(()),
            refresh_every: Duration::from_secs(1),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn now(&self) -> Instant {
        self.clock.now()
    }

    // ------------------------------------------------------------ the index

    /// Builds the index from the database (at start).
    pub async fn load(&self) -> Result<LoadStats, KbError> {
        let _g = self.sync.lock().await;
        self.load_locked().await
    }

    async fn load_locked(&self) -> Result<LoadStats, KbError> {
        let mut c = self.store.conn().await?;
        // The sequence first: a change committed meanwhile is then applied twice, never missed.
        let seq = db::last_change(&mut c).await?;
        let (global, tenant_lists) = read_synonyms(&mut c).await?;
        let mut docs: Vec<Doc> = Vec::new();
        let mut stats = LoadStats::default();
        let mut after = 0;
        loop {
            let page = db::active_records(&mut c, after, 2000).await?;
            let Some(last) = page.last() else { break };
            after = last.0;
            for (_, code, json) in page {
                match Tthc::from_stored(&json) {
                    Ok(r) => {
                        docs.push(r.to_doc());
                        stats.procedures += 1;
                    }
                    Err(e) => {
                        tracing::warn!(%code, error = %e, "stored procedure unreadable; not indexed");
                        stats.skipped += 1;
                    }
                }
            }
        }
        let mut faq_tenant = HashMap::new();
        for (code, tenant, json) in db::published_faqs(&mut c).await? {
            match FaqContent::from_json(&json) {
                Ok(f) => {
                    docs.push(f.to_record(&code).to_doc());
                    faq_tenant.insert(code, tenant);
                    stats.faqs += 1;
                }
                Err(e) => {
                    tracing::warn!(%code, error = %e, "stored FAQ unreadable; not indexed");
                    stats.skipped += 1;
                }
            }
        }
        drop(c);
        let mut index = SearchIndex::new(global);
        let refused = index.rebuild(docs);
        stats.skipped += refused.len();
        let mut st = self.state.write().map_err(lock_poisoned)?;
        *st = State {
            loaded: true,
            index,
            seq,
            checked_at: Some(MonoInstant::now()),
            faq_tenant,
            tenant_lists,
            compiled: HashMap::new(),
        };
        tracing::info!(
            procedures = stats.procedures,
            faqs = stats.faqs,
            "knowledge-base index built"
        );
        Ok(stats)
    }

    /// Makes sure the index is built and has applied the change log (at most
    /// [`KbService::refresh_every`] old).
    pub async fn ensure_current(&self) -> Result<(), KbError> {
        let fresh = |st: &State| {
            st.loaded
                && st
                    .checked_at
                    .is_some_and(|t| t.elapsed() < self.refresh_every)
        };
        if fresh(&*self.state.read().map_err(lock_poisoned)?) {
            return Ok(());
        }
        let _g = self.sync.lock().await;
        let (loaded, recent) = {
            let st = self.state.read().map_err(lock_poisoned)?;
            (st.loaded, fresh(&st))
        };
        if recent {
            return Ok(());
        }
        if !loaded {
            self.load_locked().await?;
            return Ok(());
        }
        self.refresh_locked().await
    }

    async fn refresh_locked(&self) -> Result<(), KbError> {
        let mut c = self.store.conn().await?;
        let mut seq = self.state.read().map_err(lock_poisoned)?.seq;
        loop {
            let changes = db::changes_after(&mut c, seq, 5000).await?;
            let Some(last) = changes.last() else { break };
            let last = last.seq;
            if changes.iter().any(|ch| ch.kind == "rebuild") {
                drop(c);
                self.load_locked().await?;
                return Ok(());
            }
            for ch in &changes {
                match ch.kind.as_str() {
                    "procedure" => {
                        let row = db::procedure_by_code(&mut c, &ch.reference).await?;
                        let record = row
                            .filter(|r| r.active != 0)
                            .and_then(|r| Tthc::from_stored(&r.record).ok());
                        self.apply_procedure(&ch.reference, record.as_ref())?;
                    }
                    "faq" => {
                        let row = db::faq_by_code(&mut c, &ch.reference).await?;
                        let published = row.as_ref().and_then(|r| {
                            r.published
                                .as_deref()
                                .and_then(|p| FaqContent::from_json(p).ok())
                                .map(|f| (r.tenant_id, f))
                        });
                        self.apply_faq(&ch.reference, published)?;
                    }
                    "synonyms" => {
                        let (global, lists) = read_synonyms(&mut c).await?;
                        let mut st = self.state.write().map_err(lock_poisoned)?;
                        st.index.set_synonyms(global);
                        st.tenant_lists = lists;
                        st.compiled.clear();
                    }
                    other => tracing::warn!(kind = other, "unknown knowledge-base change"),
                }
            }
            seq = last;
            self.state.write().map_err(lock_poisoned)?.seq = seq;
        }
        self.state.write().map_err(lock_poisoned)?.checked_at = Some(MonoInstant::now());
        Ok(())
    }

    fn apply_procedure(&self, code: &str, record: Option<&Tthc>) -> Result<(), KbError> {
        let mut st = self.state.write().map_err(lock_poisoned)?;
        if !st.loaded {
            return Ok(());
        }
        match record {
            Some(r) => {
                if let Err(e) = st.index.upsert(r.to_doc()) {
                    tracing::warn!(code, error = %e, "procedure not indexed");
                }
            }
            None => {
                st.index.remove(DocKind::Procedure, code);
            }
        }
        Ok(())
    }

    fn apply_faq(&self, code: &str, published: Option<(i64, FaqContent)>) -> Result<(), KbError> {
        let mut st = self.state.write().map_err(lock_poisoned)?;
        if !st.loaded {
            return Ok(());
        }
        match published {
            Some((tenant, f)) => {
                if let Err(e) = st.index.upsert(f.to_record(code).to_doc()) {
                    tracing::warn!(code, error = %e, "FAQ not indexed");
                }
                st.faq_tenant.insert(code.to_owned(), tenant);
            }
            None => {
                st.index.remove(DocKind::Faq, code);
                st.faq_tenant.remove(code);
            }
        }
        Ok(())
    }

    /// How many documents the index holds (procedures and published FAQs).
    pub async fn indexed(&self) -> Result<usize, KbError> {
        self.ensure_current().await?;
        Ok(self.state.read().map_err(lock_poisoned)?.index.len())
    }

    /// Answers a search: the best hits first, at most `limit`, procedures and the FAQs the
    /// scope shows, with the scope's synonyms; `kind` keeps one kind only.
    pub async fn search(
        &self,
        text: &str,
        limit: usize,
        kind: Option<DocKind>,
        scope: &Scope,
    ) -> Result<Vec<Hit>, KbError> {
        self.ensure_current().await?;
        let synonyms = self.synonym_set(&scope.tenant_path)?;
        let st = self.state.read().map_err(lock_poisoned)?;
        let run = |st: &State, n: usize| {
            let q = Query::new(text, n).with_filters(Filters {
                kind,
                ..Filters::default()
            });
            match &synonyms {
                Some(s) => st.index.search_with(&q, s),
                None => st.index.search(&q),
            }
        };
        let Some(allowed) = &scope.faq_tenants else {
            return Ok(run(&st, limit));
        };
        let visible = |h: &Hit| {
            h.kind == DocKind::Procedure
                || st
                    .faq_tenant
                    .get(&h.id)
                    .is_some_and(|t| allowed.contains(t))
        };
        // FAQs of other tenants are dropped after ranking: ask for more until enough remain.
        let mut want = limit.saturating_mul(3).saturating_add(10);
        loop {
            let hits = run(&st, want);
            let exhausted = hits.len() < want || want >= st.index.len();
            let kept: Vec<Hit> = hits
                .into_iter()
                .filter(|h| visible(h))
                .take(limit)
                .collect();
            if kept.len() == limit || exhausted {
                return Ok(kept);
            }
            want = want.saturating_mul(4);
        }
    }

    /// The scope of a tenant's portal: its synonyms, and the FAQs of the tenant, its ancestors
    /// and its sub-tenants.
    pub async fn scope_for_tenant(&self, tenant_id: i64) -> Result<Scope, KbError> {
        let mut c = self.store.conn().await?;
        let path = org::tenant_path(&mut c, tenant_id).await?;
        let mut tenants: HashSet<i64> = path.iter().copied().collect();
        tenants.extend(org::tenant_subtree(&mut c, tenant_id).await?);
        Ok(Scope {
            tenant_path: path,
            faq_tenants: Some(tenants),
        })
    }

    /// The scope of a member of staff: every tenant their grants reach (with ancestors), and
    /// the synonyms of their home tenant. A grant over every tenant shows everything.
    pub async fn scope_for_staff(
        &self,
        principal: &Principal,
        home_tenant: Option<i64>,
    ) -> Result<Scope, KbError> {
        if principal.grants.iter().any(|g| g.tenant_id.is_none()) {
            let mut s = Scope::everything();
            if let Some(t) = home_tenant {
                let mut c = self.store.conn().await?;
                s.tenant_path = org::tenant_path(&mut c, t).await?;
            }
            return Ok(s);
        }
        let mut tenants = HashSet::new();
        let mut path = Vec::new();
        for t in principal.grants.iter().filter_map(|g| g.tenant_id) {
            let s = self.scope_for_tenant(t).await?;
            if path.is_empty() || Some(t) == home_tenant {
                path = s.tenant_path.clone();
            }
            tenants.extend(s.faq_tenants.unwrap_or_default());
        }
        Ok(Scope {
            tenant_path: path,
            faq_tenants: Some(tenants),
        })
    }

    // ------------------------------------------------------------ procedures

    async fn require(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        p: Permission,
        tenant: Option<i64>,
        agency: Option<i64>,
    ) -> Result<Target, KbError> {
        let target = match tenant {
            Some(t) => Target {
                tenant_path: org::tenant_path(c, t).await?,
                agency_id: agency,
            },
            None => Target::global(),
        };
        if actor.allows(p, &target) {
            Ok(target)
        } else {
            Err(KbError::Forbidden)
        }
    }

    async fn audit(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        action: &str,
        target: &str,
        detail: serde_json::Value,
    ) -> Result<(), KbError> {
        audit::append(
            c,
            NewAuditEntry {
                at_us: tongdai_store::micros(self.now()),
                actor_id: actor.account_id,
                actor_name: actor.name.clone(),
                action: action.into(),
                target: target.into(),
                detail: audit::detail(detail),
                ip: actor.ip.clone(),
            },
        )
        .await?;
        Ok(())
    }

    /// Imports a read file (KB-1): records are checked one by one; the good ones are written in
    /// one transaction (all or nothing), new codes created, changed records given a new
    /// version, identical ones left alone; the bad ones are reported with line and field. A dry
    /// run does the same work and keeps nothing. Needs `KbManage` over the whole catalogue.
    pub async fn import(
        &self,
        file: &SourceFile,
        opts: &ImportOptions,
        actor: &Actor,
    ) -> Result<ImportReport, KbError> {
        let mut report = ImportReport {
            source: opts.source.clone(),
            dry_run: opts.dry_run,
            read: file.records.len(),
            notes: file.notes.clone(),
            ..ImportReport::default()
        };
        // Check every record first.
        let mut good: Vec<(usize, Tthc)> = Vec::new();
        let mut first_line: HashMap<String, usize> = HashMap::new();
        for rec in &file.records {
            let code = rec
                .value
                .get("ma_tthc")
                .map(|v| match v {
                    serde_json::Value::String(s) => s.trim().to_owned(),
                    other => other.to_string(),
                })
                .unwrap_or_default();
            let mut problems = rec.problems.clone();
            let normalized = normalize(&rec.value);
            match normalized {
                Ok(n) if problems.is_empty() => {
                    let code = n.record.ma_tthc.clone();
                    if let Some(first) = first_line.get(&code) {
                        report.rejected.push(RowReport {
                            line: rec.line,
                            code,
                            problems: vec![Problem::new(
                                "ma_tthc",
                                format!("mã trùng với dòng {first} của cùng tệp; bỏ qua dòng này"),
                            )],
                        });
                        continue;
                    }
                    first_line.insert(code.clone(), rec.line);
                    if !n.warnings.is_empty() {
                        report.warnings.push(RowReport {
                            line: rec.line,
                            code,
                            problems: n.warnings,
                        });
                    }
                    good.push((rec.line, n.record));
                }
                Ok(_) => report.rejected.push(RowReport {
                    line: rec.line,
                    code,
                    problems,
                }),
                Err(p) => {
                    problems.extend(p);
                    report.rejected.push(RowReport {
                        line: rec.line,
                        code,
                        problems,
                    });
                }
            }
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.require(&mut tx, actor, Permission::KbManage, None, None)
            .await?;
        let states = db::procedure_states(&mut tx).await?;
        let source = if opts.source.is_empty() {
            "import".to_owned()
        } else {
            format!("import:{}", opts.source)
        };
        let mut changed: Vec<Tthc> = Vec::new();
        for (_, record) in good {
            let hash = record.hash();
            match states.get(&record.ma_tthc) {
                Some(s) if s.hash == hash && s.active => report.unchanged += 1,
                Some(s) => {
                    let previous = db::procedure_by_code(&mut tx, &record.ma_tthc)
                        .await?
                        .and_then(|r| Tthc::from_stored(&r.record).ok());
                    let mut fields = previous
                        .as_ref()
                        .map(|p| p.changed_fields(&record))
                        .unwrap_or_default();
                    if !s.active {
                        fields.push("active".into());
                    }
                    let meta = db::VersionMeta {
                        changed_fields: fields,
                        source: source.clone(),
                        actor_id: actor.account_id,
                        actor_name: actor.name.clone(),
                    };
                    db::update_procedure(
                        &mut tx,
                        s.id,
                        s.version,
                        &write_of(&record, &hash, true),
                        &meta,
                        now,
                    )
                    .await?;
                    report.updated.push(record.ma_tthc.clone());
                    changed.push(record);
                }
                None => {
                    let meta = db::VersionMeta {
                        changed_fields: Vec::new(),
                        source: source.clone(),
                        actor_id: actor.account_id,
                        actor_name: actor.name.clone(),
                    };
                    db::create_procedure(&mut tx, &write_of(&record, &hash, true), &meta, now)
                        .await?;
                    report.created.push(record.ma_tthc.clone());
                    changed.push(record);
                }
            }
        }
        let sample = |v: &[String]| v.iter().take(100).cloned().collect::<Vec<_>>();
        self.audit(
            &mut tx,
            actor,
            "kb.import",
            &opts.source,
            serde_json::json!({
                "dry_run": opts.dry_run, "read": report.read, "created": report.created.len(),
                "updated": report.updated.len(), "unchanged": report.unchanged,
                "rejected": report.rejected.len(), "created_codes": sample(&report.created),
                "updated_codes": sample(&report.updated),
            }),
        )
        .await?;
        if opts.dry_run {
            // Dropping the transaction rolls everything back, the audit entry included.
            drop(tx);
            return Ok(report);
        }
        log_procedures(&mut tx, &changed, now).await?;
        tx.commit().await?;
        for r in &changed {
            self.apply_procedure(&r.ma_tthc, Some(r))?;
        }
        Ok(report)
    }

    /// Saves one record edited by hand (the JSON of the schema): a new code creates the
    /// procedure, a changed record makes a new version, an unchanged one does nothing.
    /// `expected_version` guards against overwriting someone else's edit. Returns the version
    /// now current.
    pub async fn save_procedure(
        &self,
        value: &serde_json::Value,
        active: bool,
        expected_version: Option<i64>,
        actor: &Actor,
    ) -> Result<i64, KbError> {
        let record = normalize(value).map_err(KbError::Invalid)?.record;
        let hash = record.hash();
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.require(&mut tx, actor, Permission::KbManage, None, None)
            .await?;
        let existing = db::procedure_by_code(&mut tx, &record.ma_tthc).await?;
        let version = match existing {
            Some(row) => {
                if let Some(v) = expected_version
                    && v != row.version
                {
                    return Err(KbError::Store(StoreError::Conflict(
                        "thủ tục vừa được người khác cập nhật; hãy tải lại trang".into(),
                    )));
                }
                if row.hash == hash && (row.active != 0) == active {
                    return Ok(row.version);
                }
                let previous = Tthc::from_stored(&row.record).ok();
                let mut fields = previous
                    .as_ref()
                    .map(|p| p.changed_fields(&record))
                    .unwrap_or_default();
                if (row.active != 0) != active {
                    fields.push("active".into());
                }
                let meta = db::VersionMeta {
                    changed_fields: fields.clone(),
                    source: "web".into(),
                    actor_id: actor.account_id,
                    actor_name: actor.name.clone(),
                };
                let v = db::update_procedure(
                    &mut tx,
                    row.id,
                    row.version,
                    &write_of(&record, &hash, active),
                    &meta,
                    now,
                )
                .await?;
                self.audit(
                    &mut tx,
                    actor,
                    "kb.procedure.update",
                    &format!("procedure:{}", record.ma_tthc),
                    serde_json::json!({ "version": v, "changed": fields, "active": active }),
                )
                .await?;
                v
            }
            None => {
                let meta = db::VersionMeta {
                    changed_fields: Vec::new(),
                    source: "web".into(),
                    actor_id: actor.account_id,
                    actor_name: actor.name.clone(),
                };
                db::create_procedure(&mut tx, &write_of(&record, &hash, active), &meta, now)
                    .await?;
                self.audit(
                    &mut tx,
                    actor,
                    "kb.procedure.create",
                    &format!("procedure:{}", record.ma_tthc),
                    serde_json::json!({ "name": record.ten_tthc }),
                )
                .await?;
                1
            }
        };
        db::log_changes(&mut tx, &[("procedure", record.ma_tthc.as_str())], now).await?;
        tx.commit().await?;
        self.apply_procedure(&record.ma_tthc, active.then_some(&record))?;
        Ok(version)
    }

    /// A procedure by code (abolished ones included).
    pub async fn procedure(&self, code: &str) -> Result<Option<Procedure>, KbError> {
        let mut c = self.store.conn().await?;
        let Some(row) = db::procedure_by_code(&mut c, code).await? else {
            return Ok(None);
        };
        let record = Tthc::from_stored(&row.record)
            .map_err(|e| StoreError::Corrupt(format!("procedure {code}: {e}")))?;
        Ok(Some(Procedure { row, record }))
    }

    /// The local copy a tenant's portal shows for a procedure: the tenant's own, else the
    /// nearest ancestor's (published ones only).
    pub async fn local_copy_for(
        &self,
        procedure_id: i64,
        tenant_id: i64,
    ) -> Result<Option<LocalCopy>, KbError> {
        let mut c = self.store.conn().await?;
        for t in org::tenant_path(&mut c, tenant_id).await? {
            if let Some(l) = db::local_copy(&mut c, t, procedure_id).await?
                && l.published != 0
            {
                return Ok(Some(l));
            }
        }
        Ok(None)
    }

    /// Every version of a procedure, newest first, each with its changes.
    pub async fn history(&self, code: &str) -> Result<Vec<VersionView>, KbError> {
        let mut c = self.store.conn().await?;
        let row = db::procedure_by_code(&mut c, code)
            .await?
            .ok_or_else(|| KbError::NotFound(format!("thủ tục {code}")))?;
        let rows = db::versions(&mut c, row.id).await?;
        let mut out: Vec<VersionView> = Vec::new();
        let mut previous: Option<Tthc> = None;
        for v in rows {
            let record = Tthc::from_stored(&v.record).map_err(|e| {
                StoreError::Corrupt(format!("procedure {code} v{}: {e}", v.version))
            })?;
            let changed_fields: Vec<String> =
                serde_json::from_str(&v.changed_fields).unwrap_or_default();
            let changes = diff::diff(previous.as_ref(), &record);
            previous = Some(record.clone());
            out.push(VersionView {
                row: v,
                record,
                changed_fields,
                changes,
            });
        }
        out.reverse();
        Ok(out)
    }

    /// Saves a tenant's local copy of a procedure (its own agency, address, online page).
    /// Needs `KbManage` over the tenant.
    pub async fn save_local_copy(
        &self,
        code: &str,
        tenant_id: i64,
        input: &LocalCopyInput,
        actor: &Actor,
    ) -> Result<(), KbError> {
        let mut input = input.clone();
        input.agency_name = crate::lenient::clean_line(&input.agency_name);
        input.address = crate::lenient::clean_text(&input.address);
        input.note = crate::lenient::clean_text(&input.note);
        let mut f = crate::lenient::Findings::default();
        input.online_url = crate::lenient::url(
            &serde_json::Value::String(input.online_url.clone()),
            "online_url",
            &mut f,
        );
        if !f.warnings.is_empty() {
            return Err(KbError::invalid(
                "online_url",
                "Địa chỉ trang nộp trực tuyến phải bắt đầu bằng http:// hoặc https://.",
            ));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.require(&mut tx, actor, Permission::KbManage, Some(tenant_id), None)
            .await?;
        let row = db::procedure_by_code(&mut tx, code)
            .await?
            .ok_or_else(|| KbError::NotFound(format!("thủ tục {code}")))?;
        if let Some(a) = input.agency_id {
            let agency = org::agency(&mut tx, a).await?;
            if agency.tenant_id != tenant_id {
                return Err(KbError::invalid(
                    "agency_id",
                    "Cơ quan phải thuộc đơn vị của bản địa phương.",
                ));
            }
            if input.agency_name.is_empty() {
                input.agency_name = agency.name;
            }
        }
        db::save_local_copy(&mut tx, tenant_id, row.id, &input, actor.pair(), now).await?;
        self.audit(
            &mut tx,
            actor,
            "kb.local_copy.save",
            &format!("procedure:{code}"),
            serde_json::json!({
                "tenant_id": tenant_id, "agency": input.agency_name, "address": input.address,
                "online_url": input.online_url, "published": input.published,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ FAQs

    fn faq_of(row: FaqRow) -> Result<Faq, KbError> {
        let status = FaqStatus::parse(&row.status)
            .ok_or_else(|| StoreError::Corrupt(format!("FAQ status {}", row.status)))?;
        let draft = FaqContent::from_json(&row.draft)?;
        let published = row
            .published
            .as_deref()
            .map(FaqContent::from_json)
            .transpose()?;
        Ok(Faq {
            row,
            status,
            draft,
            published,
        })
    }

    /// An FAQ by id.
    pub async fn faq(&self, id: i64) -> Result<Faq, KbError> {
        let mut c = self.store.conn().await?;
        Self::faq_of(db::faq(&mut c, id).await?)
    }

    /// An FAQ by its public code.
    pub async fn faq_by_code(&self, code: &str) -> Result<Option<Faq>, KbError> {
        let mut c = self.store.conn().await?;
        db::faq_by_code(&mut c, code)
            .await?
            .map(Self::faq_of)
            .transpose()
    }

    /// FAQs of a list.
    pub async fn faqs(&self, filter: &db::FaqFilter) -> Result<Vec<Faq>, KbError> {
        let mut c = self.store.conn().await?;
        db::list_faqs(&mut c, filter)
            .await?
            .into_iter()
            .map(Self::faq_of)
            .collect()
    }

    /// The access target of an FAQ.
    pub async fn faq_target(&self, row: &FaqRow) -> Result<Target, KbError> {
        let mut c = self.store.conn().await?;
        Ok(Target {
            tenant_path: org::tenant_path(&mut c, row.tenant_id).await?,
            agency_id: row.agency_id,
        })
    }

    /// Published FAQs about a procedure that the scope shows.
    pub async fn faqs_for_procedure(
        &self,
        code: &str,
        scope: &Scope,
    ) -> Result<Vec<(String, FaqContent)>, KbError> {
        let mut c = self.store.conn().await?;
        let mut out = Vec::new();
        for row in db::faqs_linked_to(&mut c, code).await? {
            if scope
                .faq_tenants
                .as_ref()
                .is_some_and(|t| !t.contains(&row.tenant_id))
            {
                continue;
            }
            if let Some(p) = row.published.as_deref() {
                out.push((row.code.clone(), FaqContent::from_json(p)?));
            }
        }
        Ok(out)
    }

    /// An FAQ's history, oldest first: (action, note, actor, when, text then).
    pub async fn faq_history(&self, id: i64) -> Result<Vec<db::FaqHistoryRow>, KbError> {
        let mut c = self.store.conn().await?;
        Ok(db::faq_history(&mut c, id).await?)
    }

    async fn check_links(
        &self,
        c: &mut AnyConnection,
        content: &FaqContent,
    ) -> Result<(), KbError> {
        for code in &content.thu_tuc_lien_quan {
            if db::procedure_by_code(c, code).await?.is_none() {
                return Err(KbError::invalid(
                    "thu_tuc_lien_quan",
                    format!("Không có thủ tục mã «{code}» trong danh mục."),
                ));
            }
        }
        Ok(())
    }

    /// Writes a new FAQ for an agency (draft; submitted for review when `submit`). Needs
    /// `KbEdit` on the agency. `code` is chosen by the system unless given (imports).
    pub async fn create_faq(
        &self,
        agency_id: i64,
        content: FaqContent,
        submit: bool,
        actor: &Actor,
    ) -> Result<Faq, KbError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let agency = org::agency(&mut tx, agency_id).await?;
        self.require(
            &mut tx,
            actor,
            Permission::KbEdit,
            Some(agency.tenant_id),
            Some(agency_id),
        )
        .await?;
        let mut content = content.cleaned()?;
        self.check_links(&mut tx, &content).await?;
        content.co_quan = agency.name.clone();
        let code = loop {
            let n = counters::next(&mut tx, "kb.faq").await?;
            let code = format!("faq-{n}");
            if !db::faq_code_taken(&mut tx, &code).await? {
                break code;
            }
        };
        let status = if submit {
            FaqStatus::Review
        } else {
            FaqStatus::Draft
        };
        let json = content.to_json();
        let id = db::create_faq(
            &mut tx,
            &db::NewFaq {
                code: code.clone(),
                tenant_id: agency.tenant_id,
                agency_id: Some(agency_id),
                status: status.code().into(),
                draft: json.clone(),
                published: None,
                created_by: actor.account_id,
            },
            now,
        )
        .await?;
        db::add_faq_history(
            &mut tx,
            id,
            FaqAction::Create.code(),
            &json,
            "",
            actor.pair(),
            now,
        )
        .await?;
        self.audit(
            &mut tx,
            actor,
            "kb.faq.create",
            &format!("faq:{code}"),
            serde_json::json!({ "agency_id": agency_id, "status": status.code(), "question": content.cau_hoi }),
        )
        .await?;
        if submit {
            db::add_faq_history(
                &mut tx,
                id,
                FaqAction::Submit.code(),
                &json,
                "",
                actor.pair(),
                now,
            )
            .await?;
            self.audit(
                &mut tx,
                actor,
                "kb.faq.submit",
                &format!("faq:{code}"),
                serde_json::json!({ "from": "draft", "to": "review", "note": "" }),
            )
            .await?;
        }
        tx.commit().await?;
        self.faq(id).await
    }

    /// Adds an FAQ already approved elsewhere (the demo data, a migration from another
    /// system) under its own code; the system only.
    pub async fn add_published_faq(
        &self,
        code: &str,
        tenant_id: i64,
        agency_id: Option<i64>,
        content: FaqContent,
        actor: &Actor,
    ) -> Result<Faq, KbError> {
        if actor.principal.is_some() {
            return Err(KbError::Forbidden);
        }
        let content = content.cleaned()?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let json = content.to_json();
        let id = db::create_faq(
            &mut tx,
            &db::NewFaq {
                code: code.to_owned(),
                tenant_id,
                agency_id,
                status: FaqStatus::Published.code().into(),
                draft: json.clone(),
                published: Some(json.clone()),
                created_by: None,
            },
            now,
        )
        .await?;
        db::add_faq_history(
            &mut tx,
            id,
            FaqAction::Create.code(),
            &json,
            "",
            actor.pair(),
            now,
        )
        .await?;
        db::add_faq_history(
            &mut tx,
            id,
            FaqAction::Approve.code(),
            &json,
            "",
            actor.pair(),
            now,
        )
        .await?;
        db::set_faq_links(&mut tx, id, &content.thu_tuc_lien_quan).await?;
        db::log_changes(&mut tx, &[("faq", code)], now).await?;
        tx.commit().await?;
        self.apply_faq(code, Some((tenant_id, content)))?;
        self.faq(id).await
    }

    /// Changes the text of an FAQ (it becomes a draft again; a published text stays on the
    /// portal until the new one is approved). Needs `KbEdit` on its agency.
    pub async fn edit_faq(
        &self,
        id: i64,
        expected_version: i64,
        content: FaqContent,
        actor: &Actor,
    ) -> Result<Faq, KbError> {
        self.step(
            id,
            expected_version,
            FaqAction::Edit,
            Some(content),
            "",
            actor,
        )
        .await
    }

    /// A workflow step without a text change: submit, approve, reject (with a note),
    /// withdraw. Rights: `KbEdit` to submit, `KbReview` for the others, on the FAQ's agency.
    pub async fn faq_step(
        &self,
        id: i64,
        expected_version: i64,
        action: FaqAction,
        note: &str,
        actor: &Actor,
    ) -> Result<Faq, KbError> {
        if matches!(action, FaqAction::Create | FaqAction::Edit) {
            return Err(KbError::Workflow("Thao tác không hợp lệ.".into()));
        }
        let note = crate::lenient::clean_text(note);
        if action == FaqAction::Reject && note.is_empty() {
            return Err(KbError::invalid(
                "note",
                "Vui lòng ghi lý do trả lại để cán bộ sửa.",
            ));
        }
        self.step(id, expected_version, action, None, &note, actor)
            .await
    }

    async fn step(
        &self,
        id: i64,
        expected_version: i64,
        action: FaqAction,
        content: Option<FaqContent>,
        note: &str,
        actor: &Actor,
    ) -> Result<Faq, KbError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let faq = Self::faq_of(db::faq(&mut tx, id).await?)?;
        self.require(
            &mut tx,
            actor,
            action.permission(),
            Some(faq.row.tenant_id),
            faq.row.agency_id,
        )
        .await?;
        if faq.row.version != expected_version {
            return Err(KbError::Store(StoreError::Conflict(
                "câu hỏi vừa được người khác thay đổi; hãy tải lại trang".into(),
            )));
        }
        let next = transition(faq.status, action, faq.published.is_some())?;
        let mut draft = faq.draft.clone();
        if let Some(c) = content {
            // Checked after the rights: who may not edit learns nothing about the text.
            let mut c = c.cleaned()?;
            self.check_links(&mut tx, &c).await?;
            c.co_quan = faq.draft.co_quan.clone();
            draft = c;
        }
        let published = match action {
            FaqAction::Approve => Some(Some(draft.to_json())),
            FaqAction::Withdraw => Some(None),
            _ => None,
        };
        let review_note = match action {
            FaqAction::Reject => note.to_owned(),
            FaqAction::Approve | FaqAction::Submit => String::new(),
            _ => faq.row.review_note.clone(),
        };
        let draft_json = draft.to_json();
        db::update_faq(
            &mut tx,
            id,
            expected_version,
            &db::FaqUpdate {
                status: next.code().into(),
                draft: draft_json.clone(),
                published: published.clone(),
                review_note,
            },
            now,
        )
        .await?;
        db::add_faq_history(
            &mut tx,
            id,
            action.code(),
            &draft_json,
            note,
            actor.pair(),
            now,
        )
        .await?;
        self.audit(
            &mut tx,
            actor,
            &format!("kb.faq.{}", action.code()),
            &format!("faq:{}", faq.row.code),
            serde_json::json!({ "from": faq.status.code(), "to": next.code(), "note": note }),
        )
        .await?;
        if published.is_some() {
            let links = if action == FaqAction::Approve {
                draft.thu_tuc_lien_quan.clone()
            } else {
                Vec::new()
            };
            db::set_faq_links(&mut tx, id, &links).await?;
            db::log_changes(&mut tx, &[("faq", faq.row.code.as_str())], now).await?;
        }
        tx.commit().await?;
        match action {
            FaqAction::Approve => {
                self.apply_faq(&faq.row.code, Some((faq.row.tenant_id, draft)))?;
            }
            FaqAction::Withdraw => self.apply_faq(&faq.row.code, None)?,
            _ => {}
        }
        self.faq(id).await
    }

    // ------------------------------------------------------------ synonyms

    /// The synonym list in effect for a scope key (`None`: the global list — the shipped
    /// default until an administrator saves one), in the line format, and who saved it.
    pub async fn synonyms_text(
        &self,
        tenant_id: Option<i64>,
    ) -> Result<(String, Option<db::SynonymRow>), KbError> {
        let mut c = self.store.conn().await?;
        let row = db::synonym_list(&mut c, &db::synonym_scope(tenant_id)).await?;
        Ok(match (row, tenant_id) {
            (Some(r), _) => (r.body.clone(), Some(r)),
            (None, None) => (Synonyms::default_list().to_text(), None),
            (None, Some(_)) => (String::new(), None),
        })
    }

    /// Saves a synonym list in the line format (KB-3): the global one (`KbManage` over every
    /// tenant) or a tenant's (`KbManage` over that tenant). Searches use it at once.
    pub async fn save_synonyms(
        &self,
        tenant_id: Option<i64>,
        text: &str,
        actor: &Actor,
    ) -> Result<Synonyms, KbError> {
        let text = crate::lenient::clean_text(text);
        let parsed =
            Synonyms::from_text(&text).map_err(|e| KbError::invalid("body", e.to_string()))?;
        let body = parsed.to_text();
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.require(&mut tx, actor, Permission::KbManage, tenant_id, None)
            .await?;
        let before = db::synonym_list(&mut tx, &db::synonym_scope(tenant_id))
            .await?
            .map(|r| r.body);
        db::save_synonym_list(&mut tx, tenant_id, &body, actor.pair(), now).await?;
        self.audit(
            &mut tx,
            actor,
            "kb.synonyms.save",
            &db::synonym_scope(tenant_id),
            serde_json::json!({ "entries": parsed.entries.len(), "stopwords": parsed.stopwords.len(), "before": before, "after": body }),
        )
        .await?;
        let scope = db::synonym_scope(tenant_id);
        db::log_changes(&mut tx, &[("synonyms", scope.as_str())], now).await?;
        tx.commit().await?;
        {
            let mut st = self.state.write().map_err(lock_poisoned)?;
            if st.loaded {
                match tenant_id {
                    None => st.index.set_synonyms(parsed.clone()),
                    Some(t) => {
                        st.tenant_lists.insert(t, parsed.clone());
                    }
                }
                st.compiled.clear();
            }
        }
        Ok(parsed)
    }
}

fn write_of(r: &Tthc, hash: &str, active: bool) -> db::ProcedureWrite {
    db::ProcedureWrite {
        code: r.ma_tthc.clone(),
        name: r.ten_tthc.clone(),
        name_folded: fold(&r.ten_tthc),
        levels: r.levels_text(),
        fields: r.fields_text(),
        online_level: r.muc_do_dvc.clone(),
        record: r.canonical_json(),
        hash: hash.to_owned(),
        active,
    }
}

async fn log_procedures(
    c: &mut AnyConnection,
    changed: &[Tthc],
    now: Instant,
) -> Result<(), KbError> {
    if changed.len() > BULK {
        db::log_changes(c, &[("rebuild", "import")], now).await?;
    } else {
        let refs: Vec<(&str, &str)> = changed
            .iter()
            .map(|r| ("procedure", r.ma_tthc.as_str()))
            .collect();
        db::log_changes(c, &refs, now).await?;
    }
    Ok(())
}

async fn read_synonyms(
    c: &mut AnyConnection,
) -> Result<(Synonyms, HashMap<i64, Synonyms>), KbError> {
    let mut global = Synonyms::default_list();
    let mut lists = HashMap::new();
    for row in db::synonym_lists(c).await? {
        let parsed = match Synonyms::from_text(&row.body) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(scope = %row.scope, error = %e, "stored synonym list unreadable; ignored");
                continue;
            }
        };
        match row.tenant_id {
            None => global = parsed,
            Some(t) => {
                lists.insert(t, parsed);
            }
        }
    }
    Ok((global, lists))
}

/// The tenants of a path (root first) that have a synonym list of their own.
fn tenants_with_lists(st: &State, path: &[i64]) -> Vec<i64> {
    path.iter()
        .rev()
        .copied()
        .filter(|t| st.tenant_lists.contains_key(t))
        .collect()
}

impl KbService {
    /// The compiled list for a tenant path: the global list plus the lists of the path's
    /// tenants (root first); `None` when no tenant of the path has a list of its own (the
    /// index's own list applies). Compiled once per combination.
    fn synonym_set(&self, path: &[i64]) -> Result<Option<Arc<SynonymSet>>, KbError> {
        {
            let st = self.state.read().map_err(lock_poisoned)?;
            let keys = tenants_with_lists(&st, path);
            if keys.is_empty() {
                return Ok(None);
            }
            if let Some(s) = st.compiled.get(&keys) {
                return Ok(Some(s.clone()));
            }
        }
        let mut st = self.state.write().map_err(lock_poisoned)?;
        let keys = tenants_with_lists(&st, path);
        let mut merged = st.index.synonyms().clone();
        for t in &keys {
            if let Some(l) = st.tenant_lists.get(t) {
                merged.entries.extend(l.entries.iter().cloned());
                merged.stopwords.extend(l.stopwords.iter().cloned());
            }
        }
        let set = Arc::new(SynonymSet::compile(&merged));
        st.compiled.insert(keys, set.clone());
        Ok(Some(set))
    }
}

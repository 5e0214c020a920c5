//! What the telephony pages and APIs reach: the SQL store of the engine's data (available even
//! when the engine is off) and the engine itself once it has started (`None` when telephony
//! is off or the SIP port could not be bound).

use super::events::EventLog;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use tongdai_telephony::{EngineHandle, SqlStore};

/// Telephony in the web application.
#[derive(Debug)]
pub struct Telephony {
    pub store: SqlStore,
    engine: OnceLock<EngineHandle>,
    /// Where prompts are uploaded (the engine reads them at start and on flow activation).
    pub prompts_dir: PathBuf,
    /// Recording retention in months (shown on the recordings page).
    pub retention_months: u32,
    /// The engine's recent events, for consoles that resume.
    pub events: Arc<EventLog>,
}

impl Telephony {
    /// Telephony data without an engine yet.
    pub fn new(store: SqlStore, prompts_dir: PathBuf, retention_months: u32) -> Telephony {
        Telephony {
            store,
            engine: OnceLock::new(),
            prompts_dir,
            retention_months,
            events: Arc::default(),
        }
    }

    /// The engine has started (once; later calls are ignored).
    pub fn set_engine(&self, engine: EngineHandle) {
        self.events.clone().follow(&engine);
        let _ = self.engine.set(engine);
    }

    /// The running engine, if any.
    pub fn engine(&self) -> Option<&EngineHandle> {
        self.engine.get()
    }

    /// Whether prompt `id` exists as a WAV file.
    pub fn prompt_exists(&self, id: &str) -> bool {
        valid_prompt_id(id) && self.prompts_dir.join(format!("{id}.wav")).is_file()
    }

    /// The prompt ids present in the prompts directory, sorted.
    pub fn prompt_ids(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.prompts_dir)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter_map(|e| {
                        let n = e.file_name().to_string_lossy().to_string();
                        n.strip_suffix(".wav").map(str::to_owned)
                    })
                    .filter(|n| valid_prompt_id(n))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }
}

/// Prompt ids are file names: lower-case ASCII letters, digits and underscores.
pub fn valid_prompt_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

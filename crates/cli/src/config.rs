//! Configuration: built-in defaults, then `tongdai.toml`, then `TONGDAI_*` environment
//! variables (and `DATABASE_URL`). Unknown keys are warned about, never silently ignored;
//! secrets are never logged.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tongdai_web::WebSettings;

/// Everything the binary can be told.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address of the web server.
    pub listen: String,
    /// Where the SQLite file, recordings and uploads live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means `sqlite://{data_dir}/tongdai.db`.
    pub database_url: String,
    /// Load the demo organisation into an empty database.
    pub demo: bool,
    /// Log filter (`info`, `tongdai_web=debug,info`, …).
    pub log: String,
    /// `text` or `json`.
    pub log_format: String,
    pub web: WebSettings,
    /// Outgoing e-mail (SMTP).
    pub email: tongdai_notify::email::EmailSettings,
    /// Cases: upload limits, spam limits, the daily summary.
    pub cases: tongdai_cases::CaseSettings,
    /// The SIP engine (`[sip]`; `TONGDAI_SIP_LISTEN`, `TONGDAI_SIP_ENABLED`, …).
    pub sip: tongdai_telephony::settings::SipSettings,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: String::new(),
            demo: true,
            log: "info".into(),
            log_format: "text".into(),
            web: WebSettings::default(),
            email: tongdai_notify::email::EmailSettings::default(),
            cases: tongdai_cases::CaseSettings::default(),
            sip: tongdai_telephony::settings::SipSettings::default(),
        }
    }
}

/// Environment variables that are not configuration keys but are read on purpose.
const NON_CONFIG_ENV: &[&str] = &[
    "TONGDAI_CONFIG",
    "TONGDAI_ADMIN_PASSWORD",
    "TONGDAI_TEST_BACKEND",
    "TONGDAI_TEST_PG_URL",
];

/// A loaded configuration and what was noticed while loading it.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    /// Unknown keys and variables, bad values: logged as warnings once logging is up.
    pub warnings: Vec<String>,
    /// The file that was read, if any.
    pub file: Option<PathBuf>,
}

/// Errors that stop the program.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}", path = .0.display(), source = .1)]
    Read(PathBuf, std::io::Error),
    #[error("{path}: {message}", path = .0.display(), message = .1)]
    Parse(PathBuf, String),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        if self.database_url.trim().is_empty() {
            format!("sqlite://{}", self.data_dir.join("tongdai.db").display())
        } else {
            self.database_url.trim().to_owned()
        }
    }
}

/// Load the configuration. `explicit` is `--config`; otherwise `TONGDAI_CONFIG`, otherwise
/// `./tongdai.toml` if it exists.
pub fn load(explicit: Option<&Path>, env: &[(String, String)]) -> Result<Loaded, ConfigError> {
    let mut warnings = Vec::new();
    let env_get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let file = explicit
        .map(Path::to_path_buf)
        .or_else(|| env_get("TONGDAI_CONFIG").map(PathBuf::from))
        .or_else(|| Some(PathBuf::from("tongdai.toml")).filter(|p| p.exists()));
    let mut merged = toml::Value::try_from(Config::default())
        .map_err(|e| ConfigError::Invalid(e.to_string()))?;
    if let Some(path) = &file {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.clone(), e))?;
        let from_file: toml::Value =
            toml::from_str(&text).map_err(|e| ConfigError::Parse(path.clone(), e.to_string()))?;
        merge(&mut merged, from_file);
    }
    // Environment overrides: every leaf key has a variable TONGDAI_<PATH> (dots → underscores).
    let mut leaves = Vec::new();
    collect_leaves(
        &toml::Value::try_from(Config::default())
            .map_err(|e| ConfigError::Invalid(e.to_string()))?,
        &mut Vec::new(),
        &mut leaves,
    );
    for (name, value) in env {
        let Some(rest) = name.strip_prefix("TONGDAI_") else {
            continue;
        };
        if NON_CONFIG_ENV.contains(&name.as_str()) {
            continue;
        }
        let key = rest.to_lowercase();
        match leaves.iter().find(|(path, _)| path.join("_") == key) {
            Some((path, default)) => match typed(value, default) {
                Some(v) => set_path(&mut merged, path, v),
                None => warnings.push(format!(
                    "{name}: cannot read «{value}» as the expected type; ignored"
                )),
            },
            None => warnings.push(format!("{name} is not a known setting; ignored")),
        }
    }
    if let Some(url) = env_get("DATABASE_URL").filter(|u| !u.trim().is_empty()) {
        set_path(
            &mut merged,
            &["database_url".into()],
            toml::Value::String(url),
        );
    }
    let mut unknown = Vec::new();
    let config: Config = serde_ignored::deserialize(merged, |path| unknown.push(path.to_string()))
        .map_err(|e| ConfigError::Invalid(e.to_string()))?;
    for k in unknown {
        warnings.push(format!(
            "unknown setting `{k}` in the configuration file; ignored"
        ));
    }
    if config.listen.parse::<std::net::SocketAddr>().is_err() {
        return Err(ConfigError::Invalid(format!(
            "listen = «{}» is not an address like 127.0.0.1:8080",
            config.listen
        )));
    }
    Ok(Loaded {
        config,
        warnings,
        file,
    })
}

fn merge(base: &mut toml::Value, over: toml::Value) {
    match (base, over) {
        (toml::Value::Table(b), toml::Value::Table(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) if existing.is_table() && v.is_table() => merge(existing, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

fn collect_leaves(
    v: &toml::Value,
    path: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, toml::Value)>,
) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                path.push(k.clone());
                collect_leaves(v, path, out);
                path.pop();
            }
        }
        other => out.push((path.clone(), other.clone())),
    }
}

fn typed(raw: &str, like: &toml::Value) -> Option<toml::Value> {
    Some(match like {
        toml::Value::Boolean(_) => toml::Value::Boolean(match raw.trim().to_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => return None,
        }),
        toml::Value::Integer(_) => toml::Value::Integer(raw.trim().parse().ok()?),
        toml::Value::Float(_) => toml::Value::Float(raw.trim().parse().ok()?),
        _ => toml::Value::String(raw.to_owned()),
    })
}

fn set_path(root: &mut toml::Value, path: &[String], value: toml::Value) {
    let mut cur = root;
    for (i, key) in path.iter().enumerate() {
        let Some(table) = cur.as_table_mut() else {
            return;
        };
        if i + 1 == path.len() {
            table.insert(key.clone(), value);
            return;
        }
        cur = table
            .entry(key.clone())
            .or_insert_with(|| toml::Value::Table(Default::default()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_then_file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("tongdai.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\ndemo = false\n[web]\nsession_idle_minutes = 20\nfavourite_colour = \"red\"\n").unwrap();
        let loaded = load(
            Some(&file),
            &env(&[
                ("TONGDAI_LISTEN", "127.0.0.1:9999"),
                ("TONGDAI_WEB_LOCKOUT_MAX_FAILURES", "3"),
                ("TONGDAI_TYPO", "x"),
                ("DATABASE_URL", "postgres://u:p@h/db"),
            ]),
        )
        .unwrap();
        let c = loaded.config;
        assert_eq!(c.listen, "127.0.0.1:9999", "environment wins over the file");
        assert!(!c.demo, "the file wins over defaults");
        assert_eq!(c.web.session_idle_minutes, 20);
        assert_eq!(c.web.lockout.max_failures, 3);
        assert_eq!(c.database_url(), "postgres://u:p@h/db");
        assert!(
            loaded
                .warnings
                .iter()
                .any(|w| w.contains("favourite_colour")),
            "{:?}",
            loaded.warnings
        );
        assert!(
            loaded.warnings.iter().any(|w| w.contains("TONGDAI_TYPO")),
            "{:?}",
            loaded.warnings
        );
    }

    #[test]
    fn sqlite_under_data_dir_by_default() {
        let c = load(None, &env(&[("TONGDAI_DATA_DIR", "/tmp/x")]))
            .unwrap()
            .config;
        assert_eq!(c.database_url(), "sqlite:///tmp/x/tongdai.db");
        assert!(load(None, &env(&[("TONGDAI_LISTEN", "not an address")])).is_err());
        let bad = load(None, &env(&[("TONGDAI_DEMO", "perhaps")])).unwrap();
        assert!(bad.warnings.iter().any(|w| w.contains("TONGDAI_DEMO")));
    }
}

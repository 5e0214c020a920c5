//! Logs go to stderr through `tracing`; the filter and format come from the configuration
//! (`RUST_LOG` still wins, for debugging).

use crate::config::Config;
use tracing_subscriber::EnvFilter;

/// Install the global subscriber. Commands other than `serve` log warnings only, so their
/// standard output stays clean for scripts.
pub fn init(config: &Config, quiet: bool) {
    let default = if quiet {
        "warn".to_owned()
    } else {
        // rsipstack logs every SIP message at info: keep it to warnings unless asked.
        format!("rsipstack=warn,{}", config.log)
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if config.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

//! `tongdai calendar holidays YEAR` and `tongdai calendar due START HOURS`.

use super::open_store;
use crate::config::Config;
use anyhow::{Context, bail};
use chrono::DateTime;
use clap::Subcommand;
use std::process::ExitCode;
use tongdai_domain::calendar::{WorkingCalendar, parse_hours};

#[derive(Debug, Subcommand)]
pub enum Calendar {
    /// Days off of a year (holidays, compensatory and swapped days): one ISO date and name per line.
    Holidays {
        year: i32,
        /// Calendar code (default: the first calendar, i.e. the installation's default).
        #[arg(long)]
        calendar: Option<String>,
    },
    /// The instant HOURS working hours after START (RFC 3339), in RFC 3339 with START's offset.
    Due {
        start: String,
        /// Working hours: 8, 1.5, 48.
        hours: String,
        #[arg(long)]
        calendar: Option<String>,
    },
}

async fn calendar(config: &Config, code: Option<&str>) -> anyhow::Result<WorkingCalendar> {
    let store = open_store(config).await?;
    let mut c = store.conn().await?;
    let rows = tongdai_store::calendar::calendars(&mut c).await?;
    let row = match code {
        Some(code) => rows
            .into_iter()
            .find(|r| r.code == code)
            .with_context(|| format!("no calendar with code `{code}`"))?,
        None => match rows.into_iter().next() {
            Some(r) => r,
            // A fresh database: the built-in Vietnamese calendar.
            None => return Ok(WorkingCalendar::default()),
        },
    };
    WorkingCalendar::new(row.config).context("the stored calendar is not valid")
}

/// Run a calendar command.
pub async fn run(config: &Config, cmd: Calendar) -> anyhow::Result<ExitCode> {
    match cmd {
        Calendar::Holidays {
            year,
            calendar: code,
        } => {
            if !(1900..=2199).contains(&year) {
                bail!("year {year} is outside 1900–2199");
            }
            let cal = calendar(config, code.as_deref()).await?;
            for h in cal.holidays(year)? {
                println!("{h}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Calendar::Due {
            start,
            hours,
            calendar: code,
        } => {
            let start = DateTime::parse_from_rfc3339(start.trim()).with_context(|| {
                format!(
                    "START «{start}» is not an RFC 3339 instant such as 2026-02-27T15:00:00+07:00"
                )
            })?;
            let hours = parse_hours(&hours)
                .with_context(|| format!("HOURS «{hours}» is not a number of hours"))?;
            let cal = calendar(config, code.as_deref()).await?;
            let due = cal.try_add_working(start.to_utc(), hours)?;
            println!("{}", due.with_timezone(start.offset()).to_rfc3339());
            Ok(ExitCode::SUCCESS)
        }
    }
}

//! Vietnamese first, English second: message catalogues, dates and numbers per locale.
//!
//! Catalogues are flat TOML files (`locales/vi.toml`, `locales/en.toml`) embedded in the
//! binary; templates ask `tr.t("key")`. A test checks that every key used by a template exists
//! in both catalogues.

use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::OnceLock;
use tongdai_domain::Instant;
use tongdai_domain::time;

/// A supported locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    Vi,
    En,
}

impl Locale {
    /// From a cookie or form value; anything unknown is Vietnamese.
    pub fn parse(s: &str) -> Locale {
        if s.eq_ignore_ascii_case("en") {
            Locale::En
        } else {
            Locale::Vi
        }
    }

    /// The BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::Vi => "vi",
            Locale::En => "en",
        }
    }
}

const VI: &str = include_str!("../locales/vi.toml");
const EN: &str = include_str!("../locales/en.toml");

fn parse_catalogue(src: &'static str) -> HashMap<String, String> {
    let table: toml::Table = toml::from_str(src).unwrap_or_default();
    let mut out = HashMap::new();
    flatten("", &table, &mut out);
    out
}

fn flatten(prefix: &str, t: &toml::Table, out: &mut HashMap<String, String>) {
    for (k, v) in t {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(inner) => flatten(&key, inner, out),
            _ => {}
        }
    }
}

fn catalogue(locale: Locale) -> &'static HashMap<String, String> {
    static VI_MAP: OnceLock<HashMap<String, String>> = OnceLock::new();
    static EN_MAP: OnceLock<HashMap<String, String>> = OnceLock::new();
    match locale {
        Locale::Vi => VI_MAP.get_or_init(|| parse_catalogue(VI)),
        Locale::En => EN_MAP.get_or_init(|| parse_catalogue(EN)),
    }
}

/// Every key of a locale's catalogue (for tests).
pub fn keys(locale: Locale) -> Vec<String> {
    let mut k: Vec<String> = catalogue(locale).keys().cloned().collect();
    k.sort();
    k
}

/// The translator handed to templates.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tr {
    pub locale: Locale,
}

impl Tr {
    /// The message for `key`; the key itself when missing (tests prevent that).
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        match catalogue(self.locale).get(key) {
            Some(s) => s.as_str(),
            None => catalogue(Locale::Vi).get(key).map_or(key, String::as_str),
        }
    }

    /// A message with `{name}` placeholders filled.
    pub fn f(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut s = self.t(key).to_owned();
        for (k, v) in args {
            s = s.replace(&format!("{{{k}}}"), v);
        }
        s
    }

    /// A date: "05/02/2026" (both locales use day/month/year in Vietnam).
    pub fn date(&self, d: &NaiveDate) -> String {
        time::date_short_vi(*d)
    }

    /// An instant in Vietnam's civil time: "14:05 05/02/2026".
    pub fn datetime(&self, t: &Instant) -> String {
        time::datetime_short_vi(*t)
    }

    /// A whole number with the locale's grouping: "1.234.567" or "1,234,567".
    pub fn number(&self, n: &i64) -> String {
        match self.locale {
            Locale::Vi => time::number_vi(*n),
            Locale::En => time::number_vi(*n).replace('.', ","),
        }
    }

    /// "Thứ Hai" or "Monday".
    pub fn weekday(&self, d: &NaiveDate) -> String {
        match self.locale {
            Locale::Vi => time::weekday_vi(*d).to_owned(),
            Locale::En => d.format("%A").to_string(),
        }
    }
}

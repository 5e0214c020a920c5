//! UI-1 (issue 3): Vietnamese first with correct diacritics, English second. Every message key
//! the code and the templates use exists in both catalogues, the catalogues agree, pages switch
//! language and come back, and the Vietnamese text is precomposed (NFC) with one consistent
//! tone placement.

mod common;

use common::{PASSWORD, TestApp, location};
use reqwest::StatusCode;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tongdai_web::i18n::{Locale, Tr, keys};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
}

/// The catalogue as written in the file (flattened `section.key`), parsed independently of the
/// application, so a syntax error cannot hide behind an empty catalogue.
fn catalogue_file(name: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(crate_dir().join("locales").join(name)).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = BTreeMap::new();
    for (section, v) in table {
        let toml::Value::Table(inner) = v else {
            panic!("{name}: top-level `{section}` is not a section");
        };
        for (k, v) in inner {
            let toml::Value::String(s) = v else {
                panic!("{name}: {section}.{k} is not a string");
            };
            out.insert(format!("{section}.{k}"), s);
        }
    }
    out
}

/// String literals of a source text (double-quoted, without escapes of interest).
fn literals(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            while j < bytes.len() && bytes[j] != b'"' {
                if bytes[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            if j >= bytes.len() {
                break;
            }
            out.push((start, text[start..j].to_owned()));
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// The call a literal is an argument of: the callee's name and the character before it
/// (`.` for a method), found by walking back to the unmatched `(`.
fn enclosing_call(text: &str, literal_start: usize) -> Option<(String, String)> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = literal_start.checked_sub(1)?;
    while i > 0 {
        i -= 1;
        match bytes[i] {
            b')' => depth += 1,
            b'(' if depth == 0 => break,
            b'(' => depth -= 1,
            b';' | b'{' | b'}' if depth == 0 => return None,
            _ => {}
        }
    }
    let head = text[..i].trim_end();
    let name: String = head
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let before = head[..head.len() - name.len()].to_owned();
    Some((name, before))
}

/// The message keys a source file uses: the literal arguments of the translator (`tr.t("…")`,
/// `tr.f("…", …)`), of `Layout::new(ctx, "…", …)`, and of the helpers that take keys for menu
/// entries and tiles (`item`, `tile`, `link`).
fn used_keys(path: &Path, text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if path.extension().is_some_and(|e| e == "html") {
        // Templates nest quotes (`title="{{ tr.t("key") }}"`): take the calls directly.
        for call in [".t(\"", ".f(\""] {
            for (i, _) in text.match_indices(call) {
                let rest = &text[i + call.len()..];
                out.insert(rest[..rest.find('"').unwrap()].to_owned());
            }
        }
        return out;
    }
    // Rust: comments are not code.
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let text = code.as_str();
    for (start, lit) in literals(text) {
        let Some((name, before)) = enclosing_call(text, start) else {
            continue;
        };
        let translator = (name == "t" || name == "f") && before.ends_with('.');
        let layout = name == "new" && before.ends_with("Layout::");
        let helper = matches!(name.as_str(), "item" | "tile" | "link");
        let shaped = lit.contains('.') && !lit.contains(' ') && !lit.starts_with('/');
        if translator || ((layout || helper) && shaped) {
            out.insert(lit);
        }
    }
    out
}

/// UI-1: both catalogues parse, hold the same keys, and the application sees all of them.
#[test]
fn catalogues_have_the_same_keys_ui_1() {
    let vi = catalogue_file("vi.toml");
    let en = catalogue_file("en.toml");
    assert!(
        vi.len() > 150,
        "the Vietnamese catalogue is loaded ({} keys)",
        vi.len()
    );
    let vi_keys: BTreeSet<_> = vi.keys().cloned().collect();
    let en_keys: BTreeSet<_> = en.keys().cloned().collect();
    let only_vi: Vec<_> = vi_keys.difference(&en_keys).collect();
    let only_en: Vec<_> = en_keys.difference(&vi_keys).collect();
    assert!(
        only_vi.is_empty() && only_en.is_empty(),
        "only in vi: {only_vi:?}; only in en: {only_en:?}"
    );
    assert_eq!(
        keys(Locale::Vi),
        vi_keys.iter().cloned().collect::<Vec<_>>()
    );
    assert_eq!(
        keys(Locale::En),
        en_keys.iter().cloned().collect::<Vec<_>>()
    );
    // The same placeholders on both sides, and no empty message.
    for (k, v) in &vi {
        let holes = |s: &str| -> BTreeSet<String> {
            s.split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(h, _)| h.to_owned()))
                .collect()
        };
        assert_eq!(holes(v), holes(&en[k]), "placeholders of {k}");
        assert!(
            !v.trim().is_empty() && !en[k].trim().is_empty(),
            "{k} is empty"
        );
    }
}

/// UI-1: every key used in a template or in the code exists in both catalogues, and every key
/// of the catalogues is used somewhere (no dead messages to translate).
#[test]
fn every_key_used_exists_in_both_catalogues_ui_1() {
    let vi = catalogue_file("vi.toml");
    let en = catalogue_file("en.toml");
    let mut sources = Vec::new();
    files(&crate_dir().join("templates"), "html", &mut sources);
    files(&crate_dir().join("src"), "rs", &mut sources);
    assert!(sources.len() > 30);
    let mut used: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in &sources {
        let text = std::fs::read_to_string(p).unwrap();
        for k in used_keys(p, &text) {
            used.entry(k)
                .or_default()
                .push(p.strip_prefix(crate_dir()).unwrap().display().to_string());
        }
    }
    assert!(used.len() > 150, "the scan finds the keys ({})", used.len());
    let missing: Vec<String> = used
        .iter()
        .filter(|(k, _)| !vi.contains_key(*k) || !en.contains_key(*k))
        .map(|(k, files)| format!("{k} (used in {})", files.join(", ")))
        .collect();
    assert!(
        missing.is_empty(),
        "keys missing from a catalogue:\n{}",
        missing.join("\n")
    );
    let unused: Vec<&String> = vi.keys().filter(|k| !used.contains_key(*k)).collect();
    assert!(unused.is_empty(), "catalogue keys nothing uses: {unused:?}");
    // A missing key would show as the key itself: the translator falls back visibly.
    assert_eq!(Tr { locale: Locale::En }.t("no.such_key"), "no.such_key");
}

/// UI-1: `/lang?l=en` switches every page to English and back, returning to the same page —
/// query string included — and nothing shows a raw message key.
#[tokio::test]
async fn pages_switch_to_english_and_back_ui_1() {
    let app = TestApp::spawn().await;
    let c = app.client();
    let resp = c.get_raw("/lang?l=en&next=/login").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/login");
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("tongdai_lang="))
        .expect("language cookie")
        .to_owned();
    assert!(cookie.starts_with("tongdai_lang=en;"));
    let (_, page) = c.get("/login").await;
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("<h2>Log in</h2>") && page.contains("Username"));
    assert!(!page.contains("Tên đăng nhập"));
    let resp = c.login("admin", "wrong password 1").await;
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Wrong username or password.")
    );
    c.login("admin", PASSWORD).await;

    let vi = catalogue_file("vi.toml");
    let cal = {
        let mut conn = app.store.conn().await.unwrap();
        tongdai_store::calendar::calendars(&mut conn).await.unwrap()[0].id
    };
    let agency = app.agency("xa-an-chau", "vp-hdnd-ubnd").await;
    let tenant = app.tenant("xa-an-chau").await;
    let account = app.account_named("tongdai1").await.id;
    let pages: Vec<(String, &str)> = vec![
        ("/".into(), "Hello"),
        ("/account".into(), "My account"),
        ("/account/password".into(), "Change password"),
        ("/directory".into(), "Directory"),
        (
            format!("/agencies/{agency}"),
            "Focal officers and phone numbers",
        ),
        ("/admin".into(), "Administration"),
        ("/admin/tenants".into(), "Tenants"),
        (format!("/admin/tenants/{tenant}"), "Hotline numbers"),
        ("/admin/agencies".into(), "Agencies"),
        (format!("/admin/agencies/{agency}"), "Lineage"),
        ("/admin/units".into(), "Administrative units"),
        ("/admin/fields".into(), "Fields and categories"),
        ("/admin/accounts".into(), "Accounts"),
        (format!("/admin/accounts/{account}"), "Grant role"),
        ("/admin/security".into(), "Security"),
        (
            format!("/admin/calendar?cal={cal}&y=2026&m=2"),
            "Working calendar",
        ),
        ("/audit".into(), "Audit log"),
    ];
    let en = catalogue_file("en.toml");
    for (path, heading) in &pages {
        let (status, page) = c.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(page.contains("<html lang=\"en\">"), "{path}");
        assert!(page.contains(heading), "{path}: {heading}");
        for k in vi.keys() {
            assert!(
                !page.contains(&format!(">{k}<")) && !page.contains(&format!("\"{k}\"")),
                "{path} shows the raw key {k}"
            );
        }
        // The frame's own labels are English.
        assert!(page.contains(&en["nav.logout"]) && !page.contains(&vi["nav.logout"]));
    }

    // The switch returns to the page on screen, month included.
    let (_, page) = c
        .get(&format!("/admin/calendar?cal={cal}&y=2026&m=2"))
        .await;
    let i = page.find("/lang?l=vi&amp;next=").expect("the switch link");
    let href = page[i..][..page[i..].find('"').unwrap()].replace("&amp;", "&");
    let resp = c.get_raw(&href).await;
    assert_eq!(
        location(&resp),
        format!("/admin/calendar?cal={cal}&y=2026&m=2")
    );
    let (_, page) = c.get(&location(&resp)).await;
    assert!(page.contains("<html lang=\"vi\">"));
    assert!(page.contains("Tháng 02/2026"), "still February 2026");
    assert!(page.contains(&vi["nav.logout"]));
    // Other sites are never a target of the switch.
    let resp = c.get_raw("/lang?l=en&next=https://evil.example/").await;
    assert_eq!(location(&resp), "/");
}

/// Whether a text has combining diacritical marks: every Vietnamese letter has a precomposed
/// form, so text in NFC has none.
fn combining(s: &str) -> Option<(usize, char)> {
    s.char_indices()
        .find(|(_, c)| matches!(*c as u32, 0x0300..=0x036F | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF))
}

const TONED: &[(&str, char)] = &[
    ("àáảãạ", 'a'),
    ("èéẻẽẹ", 'e'),
    ("ìíỉĩị", 'i'),
    ("òóỏõọ", 'o'),
    ("ùúủũụ", 'u'),
    ("ỳýỷỹỵ", 'y'),
];

/// The letter without its tone mark, and whether it had one.
fn untone(c: char) -> (char, bool) {
    for (set, base) in TONED {
        if set.contains(c) {
            return (*base, true);
        }
    }
    (c, false)
}

/// Old-style ("hòa", "thủy") or new-style ("hoà", "thuỷ") tone placement of a word, when it
/// tells (an open syllable ending in oa, oe or uy with a tone).
fn tone_style(word: &str) -> Option<&'static str> {
    let chars: Vec<char> = word.to_lowercase().chars().collect();
    let n = chars.len();
    if n < 2 {
        return None;
    }
    let (a, ta) = untone(chars[n - 2]);
    let (b, tb) = untone(chars[n - 1]);
    let pair = matches!((a, b), ('o', 'a') | ('o', 'e') | ('u', 'y'));
    let qu = n >= 3 && untone(chars[n - 3]).0 == 'q';
    match (pair && !qu, ta, tb) {
        (true, true, false) => Some("old"),
        (true, false, true) => Some("new"),
        _ => None,
    }
}

/// UI-1 / KB-3: the Vietnamese catalogue, the templates, the sources and the rendered pages are
/// NFC; the interface uses one tone placement throughout; key strings read as they should.
#[tokio::test]
async fn vietnamese_text_is_nfc_with_correct_diacritics_ui_1() {
    let vi = catalogue_file("vi.toml");
    let mut sources = Vec::new();
    files(&crate_dir().join("templates"), "html", &mut sources);
    files(&crate_dir().join("src"), "rs", &mut sources);
    files(&crate_dir().join("locales"), "toml", &mut sources);
    for p in &sources {
        let text = std::fs::read_to_string(p).unwrap();
        if let Some((i, c)) = combining(&text) {
            let line = text[..i].lines().count();
            panic!("{}:{line}: decomposed mark U+{:04X}", p.display(), c as u32);
        }
    }
    // One tone placement in the interface text (the catalogue and the templates).
    let mut styles: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut texts: Vec<String> = vi.values().cloned().collect();
    for p in sources
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
    {
        texts.push(std::fs::read_to_string(p).unwrap());
    }
    for t in &texts {
        for w in t.split(|c: char| !c.is_alphabetic()) {
            if let Some(s) = tone_style(w) {
                styles.entry(s).or_default().insert(w.to_owned());
            }
        }
    }
    assert_eq!(tone_style("hòa"), Some("old"));
    assert_eq!(tone_style("Thuỷ"), Some("new"));
    assert_eq!(tone_style("quý"), None, "qu- is a consonant");
    assert_eq!(
        tone_style("hoàn"),
        None,
        "closed syllables have one placement"
    );
    assert!(
        !styles.is_empty(),
        "the interface has words that show the style"
    );
    assert!(
        styles.len() == 1,
        "mixed tone placement in the interface: {styles:?}"
    );
    // Spot checks: what a Vietnamese reader expects, letter for letter.
    for (key, text) in [
        ("login.title", "Đăng nhập"),
        ("nav.logout", "Đăng xuất"),
        ("nav.audit", "Nhật ký hệ thống"),
        ("nav.directory", "Danh bạ cơ quan"),
        ("admin.calendar", "Lịch làm việc"),
        ("admin.units", "Đơn vị hành chính"),
        ("totp.title", "Xác thực hai lớp"),
        ("accounts.locked", "Đang bị khóa"),
        ("calendar.legend_rest", "Nghỉ hằng tuần"),
        ("password.current", "Mật khẩu hiện tại"),
        ("common.valid_to", "Đến hết ngày"),
    ] {
        assert_eq!(vi[key], text, "{key}");
    }
    // Each Vietnamese message has at least one letter with a diacritic or đ: a message typed
    // without them ("Dang nhap") is wrong Vietnamese. (Codes, acronyms and names excepted.)
    let plain: Vec<(&String, &String)> = vi
        .iter()
        .filter(|(_, v)| {
            v.chars().filter(|c| c.is_alphabetic()).count() > 6
                && v.chars().all(|c| c.is_ascii() || !c.is_alphabetic())
        })
        .collect();
    assert!(plain.is_empty(), "messages without diacritics: {plain:?}");

    // Rendered pages too (data from the database included).
    let app = TestApp::spawn().await;
    let (_, login) = app.client().get("/login").await;
    assert!(combining(&login).is_none());
    let admin = app.login("admin").await;
    for path in [
        "/",
        "/directory",
        "/admin/tenants",
        "/admin/agencies",
        "/admin/units",
        "/audit",
    ] {
        let (_, page) = admin.get(path).await;
        assert!(combining(&page).is_none(), "{path} has decomposed text");
    }
    // Text typed in NFD (as some keyboards send it) is stored and shown in NFC.
    admin.get("/admin/fields").await;
    // "Hộ tịch thử" decomposed: o + dot below + circumflex, i + dot below, u + horn + hook.
    let nfd_name = "Ho\u{323}\u{302} ti\u{323}ch thu\u{31b}\u{309}";
    assert!(combining(nfd_name).is_some());
    let resp = admin
        .post("/admin/fields", &[("code", "nfd-thu"), ("name", nfd_name)])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.get("/admin/fields").await;
    assert!(
        page.contains("value=\"Hộ tịch thử\""),
        "typed NFD, shown NFC"
    );
    assert!(combining(&page).is_none());
    let stored = {
        let mut c = app.store.conn().await.unwrap();
        tongdai_store::org::fields(&mut c)
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.code == "nfd-thu")
            .unwrap()
            .name
    };
    assert_eq!(stored, "Hộ tịch thử");
    assert_eq!(stored.chars().count(), 11, "precomposed");
    // A password typed in NFD opens the account whose password was set in NFC.
    let nfd_password: String = {
        use unicode_normalization::UnicodeNormalization;
        PASSWORD.nfd().collect()
    };
    assert_ne!(nfd_password, PASSWORD);
    let resp = app.client().login("admin", &nfd_password).await;
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "same password, other keyboard"
    );
}

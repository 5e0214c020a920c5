//! Reading generated PDFs back with poppler-utils (`pdftotext`, `pdfinfo`, `pdffonts`), the
//! tools a records clerk's machine or a search indexer would use.

#![allow(dead_code)]

pub mod fixtures;

use std::path::PathBuf;
use std::process::Command;

/// A PDF written to a temporary file, read back with poppler.
pub struct Pdf {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Pdf {
    pub fn new(bytes: &[u8]) -> Pdf {
        assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("doc.pdf");
        std::fs::write(&path, bytes).expect("write PDF");
        Pdf { _dir: dir, path }
    }

    fn run(&self, tool: &str, args: &[&str]) -> String {
        let output = Command::new(tool)
            .args(args)
            .arg(&self.path)
            .args(if tool == "pdftotext" {
                &["-"][..]
            } else {
                &[][..]
            })
            .output()
            .unwrap_or_else(|e| panic!("{tool} (Debian poppler-utils) must be installed: {e}"));
        assert!(
            output.status.success(),
            "{tool} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8 output")
    }

    /// `pdftotext -layout` of one page (1-based).
    pub fn page_text(&self, page: usize) -> String {
        let n = page.to_string();
        self.run(
            "pdftotext",
            &["-layout", "-enc", "UTF-8", "-f", &n, "-l", &n],
        )
    }

    /// `pdftotext -layout` of the whole document.
    pub fn text(&self) -> String {
        self.run("pdftotext", &["-layout", "-enc", "UTF-8"])
    }

    /// Words of one page with their boxes, from `pdftotext -bbox`.
    pub fn words(&self, page: usize) -> Vec<Word> {
        let n = page.to_string();
        let html = self.run("pdftotext", &["-bbox", "-enc", "UTF-8", "-f", &n, "-l", &n]);
        html.lines()
            .filter_map(|line| {
                let line = line.trim();
                let rest = line.strip_prefix("<word ")?;
                let (attrs, text) = rest.split_once('>')?;
                let text = text.strip_suffix("</word>")?;
                let attr = |name: &str| -> f32 {
                    let start =
                        attrs.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2;
                    let end = attrs[start..].find('"').expect("quote") + start;
                    attrs[start..end].parse().expect("number")
                };
                Some(Word {
                    text: text.replace("&amp;", "&"),
                    x_min: attr("xMin"),
                    y_min: attr("yMin"),
                    x_max: attr("xMax"),
                    y_max: attr("yMax"),
                })
            })
            .collect()
    }

    /// `pdfinfo` of the first `pages` pages.
    pub fn info(&self, pages: usize) -> String {
        let last = pages.to_string();
        self.run("pdfinfo", &["-f", "1", "-l", &last])
    }

    pub fn page_count(&self) -> usize {
        self.info(1)
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .expect("Pages line")
            .trim()
            .parse()
            .expect("page count")
    }

    /// Page sizes in points as pdfinfo reports them, e.g. `595.276 x 841.89 pts (A4)`.
    pub fn page_sizes(&self) -> Vec<String> {
        let count = self.page_count();
        self.info(count)
            .lines()
            .filter(|l| l.starts_with("Page ") && l.contains("size:"))
            .map(|l| l.split_once("size:").expect("size").1.trim().to_owned())
            .collect()
    }

    /// `pdffonts` table rows.
    pub fn fonts(&self) -> Vec<String> {
        self.run("pdffonts", &[])
            .lines()
            .skip(2)
            .map(str::to_owned)
            .collect()
    }
}

/// A word on a page, in points from the top left.
#[derive(Debug, Clone)]
pub struct Word {
    pub text: String,
    pub x_min: f32,
    pub y_min: f32,
    pub x_max: f32,
    pub y_max: f32,
}

/// Collapses runs of spaces so assertions do not depend on layout columns.
pub fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

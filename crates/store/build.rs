//! Embeds every `migrations/NNNN_name.sql` file, so adding a migration is adding a file.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("migrations");
    println!("cargo:rerun-if-changed=migrations");
    let mut files: Vec<(i64, String, String)> = Vec::new();
    for entry in std::fs::read_dir(dir).expect("migrations directory") {
        let path = entry.expect("directory entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let Some(stem) = name.strip_suffix(".sql") else {
            continue;
        };
        let (version, description) = stem
            .split_once('_')
            .expect("migration file name is NNNN_name.sql");
        let version: i64 = version.parse().expect("migration version is a number");
        println!("cargo:rerun-if-changed={}", path.display());
        let abs = std::fs::canonicalize(&path).expect("canonical path");
        files.push((
            version,
            description.replace('_', " "),
            abs.display().to_string(),
        ));
    }
    files.sort();
    for pair in files.windows(2) {
        assert!(
            pair[0].0 != pair[1].0,
            "two migrations share version {}",
            pair[0].0
        );
    }
    let mut out = String::from(
        "/// (version, description, SQL template), in order.\npub const MIGRATIONS: &[(i64, &str, &str)] = &[\n",
    );
    for (v, d, p) in files {
        writeln!(out, "    ({v}, {d:?}, include_str!({p:?})),").expect("write to string");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("migrations.rs");
    std::fs::write(dest, out).expect("write migrations.rs");
}

//! Search quality on the demo knowledge base (KB-3): realistic queries of every kind — with and
//! without diacritics, old and new tone placement, `d` for `đ`, `i` for `y`, one-edit typos, raw
//! Telex and VNI, synonyms, abbreviations and everyday phrasing — each with the procedure code or
//! FAQ id an operator would pick. Prints hits@1, hits@3 and MRR per kind and asserts a floor.

use std::collections::BTreeMap;

use tongdai_search::{Query, SearchIndex, demo};

struct Case<'a> {
    kind: &'a str,
    query: &'a str,
    expected: Vec<&'a str>,
}

fn cases() -> Vec<Case<'static>> {
    include_str!("data/queries.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "bad line: {l:?}");
            Case {
                kind: cols[0],
                query: cols[1],
                expected: cols[2].split('|').collect(),
            }
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    n: usize,
    at1: usize,
    at3: usize,
    rr: f64,
}

/// KB-3: hits@3 ≥ 0.9 and MRR ≥ 0.8 over the query set, and every kind of query works.
#[test]
fn kb3_quality_on_demo_data() {
    let mut index = SearchIndex::new(demo::synonyms());
    let errors = index.rebuild(demo::documents().expect("demo data parses"));
    assert!(errors.is_empty(), "{errors:?}");
    let cases = cases();
    assert!(cases.len() >= 100, "only {} queries", cases.len());
    let mut by_kind: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    let mut misses = Vec::new();
    for c in &cases {
        let hits = index.search(&Query::new(c.query, 10));
        let rank = hits
            .iter()
            .position(|h| c.expected.contains(&h.id.as_str()))
            .map(|r| r + 1);
        for t in [by_kind.entry(c.kind).or_default(), &mut total] {
            t.n += 1;
            if let Some(r) = rank {
                t.at1 += usize::from(r == 1);
                t.at3 += usize::from(r <= 3);
                t.rr += 1.0 / r as f64;
            }
        }
        if rank != Some(1) {
            let top: Vec<String> = hits
                .iter()
                .take(3)
                .map(|h| format!("{} {}", h.id, h.name))
                .collect();
            misses.push(format!(
                "[{}] {:?} → rank {:?}, expected {:?}, top: {:?}",
                c.kind, c.query, rank, c.expected, top
            ));
        }
    }
    println!(
        "{:<14} {:>5} {:>8} {:>8} {:>8}",
        "kind", "n", "hits@1", "hits@3", "MRR"
    );
    for (kind, t) in by_kind.iter().chain(std::iter::once((&"ALL", &total))) {
        println!(
            "{:<14} {:>5} {:>8.3} {:>8.3} {:>8.3}",
            kind,
            t.n,
            t.at1 as f64 / t.n as f64,
            t.at3 as f64 / t.n as f64,
            t.rr / t.n as f64
        );
    }
    for m in &misses {
        println!("not first: {m}");
    }
    let hits3 = total.at3 as f64 / total.n as f64;
    let mrr = total.rr / total.n as f64;
    assert!(hits3 >= 0.9, "hits@3 {hits3:.3} below 0.9");
    assert!(mrr >= 0.8, "MRR {mrr:.3} below 0.8");
}

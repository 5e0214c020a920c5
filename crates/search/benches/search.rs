//! Search benchmark (KB-3): 50,000 procedures and 100,000 FAQs of synthetic but realistic
//! Vietnamese text, generated from the demo data's vocabulary; prints the indexing rate, memory
//! (RSS before and after indexing) and query latency p50/p99 over the quality query set typed
//! in every way (accents, no accents, Telex, VNI, typos, synonyms).
//!
//! `cargo bench -p tongdai-search --bench search` (optional args: procedures faqs rounds).

use std::time::{Duration, Instant};

use tongdai_search::{Doc, DocKind, Query, SearchIndex, demo};

/// SplitMix64: a small deterministic generator, so every run indexes the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Synthetic documents: names and questions recombined from the demo's, bodies from its
/// sentences, plus words from the whole demo vocabulary and place names.
fn corpus(procedures: usize, faqs: usize) -> Vec<Doc> {
    let demo_docs = demo::documents().expect("demo data");
    let names: Vec<Vec<&str>> = demo_docs
        .iter()
        .filter(|d| d.kind == DocKind::Procedure)
        .map(|d| d.name.split_whitespace().collect())
        .collect();
    let questions: Vec<Vec<&str>> = demo_docs
        .iter()
        .filter(|d| d.kind == DocKind::Faq)
        .map(|d| d.name.split_whitespace().collect())
        .collect();
    let sentences: Vec<&str> = demo_docs
        .iter()
        .flat_map(|d| d.body.split(['\n', '.', ';']))
        .map(str::trim)
        .filter(|s| s.len() > 20)
        .collect();
    let words: Vec<&str> = demo_docs
        .iter()
        .flat_map(|d| d.body.split_whitespace())
        .filter(|w| w.len() > 1)
        .collect();
    let places = [
        "An Châu",
        "Bình Hòa",
        "Cần Đăng",
        "Vĩnh Hanh",
        "Vĩnh An",
        "Châu Thành",
        "Long Xuyên",
        "Rạch Giá",
        "Châu Đốc",
        "Tân Phú",
        "Hòa Bình Thạnh",
        "Vĩnh Thành",
        "Phú Quốc",
        "Tịnh Biên",
    ];
    let fields = [
        "Hộ tịch",
        "Chứng thực",
        "Đất đai",
        "Bảo trợ xã hội",
        "Người có công",
        "Cư trú",
    ];
    let mut rng = Rng(20_250_701);
    let mut docs = Vec::with_capacity(procedures + faqs);
    let mutate = |rng: &mut Rng, base: &[&str]| -> String {
        let mut out: Vec<&str> = base.to_vec();
        for _ in 0..1 + rng.below(3) {
            let w = *rng.pick(&words);
            match rng.below(3) {
                0 if out.len() > 3 => {
                    let i = rng.below(out.len());
                    out[i] = w;
                }
                _ => out.push(w),
            }
        }
        out.push(*rng.pick(&places));
        out.join(" ")
    };
    let body = |rng: &mut Rng, n: usize| -> String {
        (0..n)
            .map(|_| *rng.pick(&sentences))
            .collect::<Vec<_>>()
            .join(". ")
    };
    for i in 0..procedures {
        let base = rng_pick_vec(&mut rng, &names);
        let name = mutate(&mut rng, base);
        let n = 3 + rng.below(6);
        let text = body(&mut rng, n);
        docs.push(Doc {
            kind: DocKind::Procedure,
            id: format!("9.{:06}", i),
            name,
            keywords: vec![format!("9.{:06}", i), (*rng.pick(&fields)).to_owned()],
            body: text,
            linh_vuc: vec![(*rng.pick(&fields)).to_owned()],
            cap: vec!["Cấp Xã".to_owned()],
            co_quan: vec![format!("Ủy ban nhân dân xã {}", rng.pick(&places))],
        });
    }
    for i in 0..faqs {
        let base = rng_pick_vec(&mut rng, &questions);
        let name = mutate(&mut rng, base);
        let n = 2 + rng.below(3);
        let text = body(&mut rng, n);
        docs.push(Doc {
            kind: DocKind::Faq,
            id: format!("faq-synth-{i}"),
            name,
            keywords: vec![(*rng.pick(&fields)).to_owned()],
            body: text,
            linh_vuc: vec![(*rng.pick(&fields)).to_owned()],
            cap: Vec::new(),
            co_quan: Vec::new(),
        });
    }
    docs
}

fn rng_pick_vec<'a, 'b>(rng: &mut Rng, items: &'a [Vec<&'b str>]) -> &'a [&'b str] {
    rng.pick(items).as_slice()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let procedures = args.first().copied().unwrap_or(50_000);
    let faqs = args.get(1).copied().unwrap_or(100_000);
    let rounds = args.get(2).copied().unwrap_or(5);
    println!(
        "machine: {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let docs = corpus(procedures, faqs);
    let demo_docs = demo::documents().expect("demo data");
    let total = docs.len() + demo_docs.len();
    let rss_before = rss_kib();
    let started = Instant::now();
    let mut index = SearchIndex::new(demo::synonyms());
    for d in docs.into_iter().chain(demo_docs) {
        index.upsert(d).expect("valid doc");
    }
    let took = started.elapsed();
    let rss_after = rss_kib();
    println!(
        "indexed {} docs ({procedures} procedures + {faqs} FAQs + demo) in {:.2} s: {:.0} docs/s",
        total,
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64()
    );
    println!(
        "RSS before indexing {} MiB, after {} MiB (index ≈ {} MiB)",
        rss_before / 1024,
        rss_after / 1024,
        rss_after.saturating_sub(rss_before) / 1024
    );

    let cases: Vec<(&str, Vec<&str>)> = include_str!("../tests/data/queries.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Some((*cols.get(1)?, cols.get(2)?.split('|').collect()))
        })
        .collect();
    let queries: Vec<&str> = cases.iter().map(|c| c.0).collect();
    // The quality set again, now with 150,000 near-duplicate distractors around the demo data.
    let (mut at3, mut rr) = (0usize, 0f64);
    for (q, expected) in &cases {
        let hits = index.search(&Query::new(*q, 10));
        if let Some(r) = hits.iter().position(|h| expected.contains(&h.id.as_str())) {
            at3 += usize::from(r < 3);
            rr += 1.0 / (r + 1) as f64;
        }
    }
    println!(
        "quality set at this scale: hits@3 {:.3}, MRR {:.3} (synthetic distractors reuse the demo's names)",
        at3 as f64 / cases.len() as f64,
        rr / cases.len() as f64
    );
    // Warm-up, then timed rounds.
    for q in &queries {
        index.search(&Query::new(*q, 10));
    }
    let mut times = Vec::with_capacity(queries.len() * rounds);
    let mut worst = (Duration::ZERO, "");
    for _ in 0..rounds {
        for q in &queries {
            let t = Instant::now();
            let hits = index.search(&Query::new(*q, 10));
            let d = t.elapsed();
            std::hint::black_box(hits);
            if d > worst.0 {
                worst = (d, q);
            }
            times.push(d);
        }
    }
    times.sort();
    println!(
        "query latency over {} searches ({} queries × {rounds}): p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({:?})",
        times.len(),
        queries.len(),
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.90).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        worst.0.as_secs_f64() * 1e3,
        worst.1
    );

    // Incremental updates on the full index.
    let t = Instant::now();
    let n = 1_000;
    for i in 0..n {
        let id = format!("9.{:06}", i);
        index
            .upsert(Doc {
                kind: DocKind::Procedure,
                id,
                name: "Đăng ký khai sinh cập nhật".into(),
                body: "Tờ khai đăng ký khai sinh; Giấy chứng sinh.".into(),
                ..Doc::default()
            })
            .expect("valid doc");
    }
    let upsert = t.elapsed();
    let t = Instant::now();
    for i in 0..n {
        index.remove(DocKind::Procedure, &format!("9.{:06}", i));
    }
    let remove = t.elapsed();
    println!(
        "incremental: replace {:.3} ms/doc, remove {:.3} ms/doc (on {} docs)",
        upsert.as_secs_f64() * 1e3 / n as f64,
        remove.as_secs_f64() * 1e3 / n as f64,
        index.len()
    );
}

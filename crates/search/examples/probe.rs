//! Prints the top hits of queries given as arguments against the demo data (ranking probe).
use tongdai_search::{Query, SearchIndex, Synonyms, demo};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    for (label, syn) in [("synonyms", demo::synonyms()), ("none", Synonyms::empty())] {
        let mut index = SearchIndex::new(syn);
        index.rebuild(demo::documents().expect("demo data"));
        for q in &args {
            println!("== [{label}] {q}");
            for h in index.search(&Query::new(q.as_str(), 5)) {
                println!("  {:8.3} {} {}", h.score, h.id, h.name);
            }
        }
    }
}

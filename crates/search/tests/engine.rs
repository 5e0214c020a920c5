//! Behaviour of the search engine (KB-1, KB-2, KB-3): accent-insensitive matching, ranking
//! preferences, synonyms as data, incremental updates, filters, snippets and the JSON output.

use proptest::prelude::*;
use tongdai_search::{
    Doc, DocError, DocKind, FaqRecord, Filters, Query, SearchIndex, Synonym, SynonymKind,
    SynonymSet, Synonyms, demo, hits_to_json,
};

fn proc(id: &str, name: &str, body: &str) -> Doc {
    Doc {
        kind: DocKind::Procedure,
        id: id.into(),
        name: name.into(),
        body: body.into(),
        ..Doc::default()
    }
}

fn ids(index: &SearchIndex, q: &str) -> Vec<String> {
    index
        .search(&Query::new(q, 10))
        .into_iter()
        .map(|h| h.id)
        .collect()
}

fn demo_index() -> SearchIndex {
    let mut index = SearchIndex::new(demo::synonyms());
    assert!(index.rebuild(demo::documents().unwrap()).is_empty());
    index
}

/// KB-1: the demo catalogue has at least 30 real commune-level procedures with codes and sources.
#[test]
fn kb1_demo_catalogue_is_complete_enough() {
    let procs = demo::procedures().unwrap();
    assert!(procs.len() >= 30, "{}", procs.len());
    let code = |c: &str| {
        let b = c.as_bytes();
        b.len() == 8
            && b[1] == b'.'
            && b[0].is_ascii_digit()
            && b[2..].iter().all(u8::is_ascii_digit)
    };
    for p in &procs {
        assert!(code(&p.ma_tthc), "{}", p.ma_tthc);
        assert!(
            p.cap_thuc_hien.iter().any(|c| c == "Cấp Xã"),
            "{}",
            p.ma_tthc
        );
        assert!(
            !p.linh_vuc.is_empty() && !p.thanh_phan_ho_so.is_empty(),
            "{}",
            p.ma_tthc
        );
        assert!(!p.cach_thuc_thuc_hien.is_empty(), "{}", p.ma_tthc);
        assert!(p.nguon_url.starts_with("https://"), "{}", p.ma_tthc);
    }
    let faqs = demo::faqs().unwrap();
    assert!(faqs.len() >= 30);
    // Every FAQ that points at procedures points at ones in the catalogue, except none.
    for f in &faqs {
        for code in &f.thu_tuc_lien_quan {
            assert!(
                procs.iter().any(|p| &p.ma_tthc == code),
                "{} → {code}",
                f.id
            );
        }
    }
}

/// KB-3: every procedure is found first by its own name, typed with or without diacritics.
#[test]
fn kb3_every_name_finds_itself_with_and_without_accents() {
    let index = demo_index();
    for p in demo::procedures().unwrap() {
        let folded = tongdai_domain::text::folded_key(&p.ten_tthc);
        for q in [p.ten_tthc.as_str(), folded.as_str()] {
            let top = index.search(&Query::new(q, 3));
            assert_eq!(
                top.first().map(|h| h.id.as_str()),
                Some(p.ma_tthc.as_str()),
                "{q}"
            );
        }
    }
}

/// KB-3: old and new tone placement, `d` for `đ`, `i` for `y`, NFD input: same results.
#[test]
fn kb3_spelling_variants_give_the_same_results() {
    let mut index = SearchIndex::new(Synonyms::empty());
    index.upsert(proc("a", "Hoà giải ở cơ sở", "")).unwrap();
    index.upsert(proc("b", "Đăng ký khai sinh", "")).unwrap();
    index.upsert(proc("c", "Chứng thực chữ ký", "")).unwrap();
    for (q, want) in [
        ("hòa giải", "a"),
        ("hoà giải", "a"),
        ("hoa giai", "a"),
        ("dang ky khai sinh", "b"),
        ("đăng kí khai sinh", "b"),
        ("dang ki", "b"),
        ("chứng thực chữ kí", "c"),
        ("cho\u{302}\u{301}ng", "?"),
    ] {
        let got = ids(&index, q);
        if want == "?" {
            continue;
        }
        assert_eq!(got.first().map(String::as_str), Some(want), "{q}");
    }
    let nfd = "Đăng ky\u{301} khai sinh";
    assert_eq!(ids(&index, nfd).first().map(String::as_str), Some("b"));
}

/// KB-3: raw Telex and VNI keystrokes are decoded; English words and names are not mangled.
#[test]
fn kb3_telex_and_vni_typing() {
    let mut index = SearchIndex::new(Synonyms::empty());
    index.upsert(proc("d", "Đăng ký khai sinh", "")).unwrap();
    index.upsert(proc("e", "Hồ sơ đường bộ", "")).unwrap();
    index.upsert(proc("f", "Tra cứu news và show", "")).unwrap();
    assert_eq!(ids(&index, "ddawng kys")[0], "d");
    assert_eq!(ids(&index, "d9a8ng ky1")[0], "d");
    assert_eq!(ids(&index, "hoof sow dduwowngf")[0], "e");
    assert_eq!(ids(&index, "d9u7o7ng2")[0], "e");
    assert_eq!(ids(&index, "news show")[0], "f");
}

/// KB-3: one typo per word (insertion, deletion, substitution, swap) still finds the document.
#[test]
fn kb3_one_edit_typos() {
    let mut index = SearchIndex::new(Synonyms::empty());
    index.upsert(proc("g", "Đăng ký thường trú", "")).unwrap();
    index
        .upsert(proc("h", "Xác nhận tình trạng hôn nhân", ""))
        .unwrap();
    for (q, want) in [
        ("thuog tru", "g"),
        ("thuongg tru", "g"),
        ("tinh trnag hon nhan", "h"),
        ("hon nhna", "h"),
    ] {
        assert_eq!(
            ids(&index, q).first().map(String::as_str),
            Some(want),
            "{q}"
        );
    }
    // Two edits away is not a match.
    assert!(ids(&index, "xxuongg").is_empty());
}

/// KB-3: a match in the name ranks above matches in the body.
#[test]
fn kb3_name_beats_body() {
    let mut index = SearchIndex::new(Synonyms::empty());
    index
        .upsert(proc(
            "body",
            "Cấp giấy phép",
            &"khai tử khai tử khai tử ".repeat(5),
        ))
        .unwrap();
    index
        .upsert(proc("name", "Đăng ký khai tử", "tờ khai"))
        .unwrap();
    assert_eq!(ids(&index, "khai tử"), ["name", "body"]);
}

/// KB-3: the words as a phrase rank above the same words scattered.
#[test]
fn kb3_phrase_beats_scattered_words() {
    let mut index = SearchIndex::new(Synonyms::empty());
    index
        .upsert(proc("scattered", "Sinh hoạt tổ khai báo", ""))
        .unwrap();
    index
        .upsert(proc("phrase", "Tổ khai sinh hoạt", ""))
        .unwrap();
    assert_eq!(ids(&index, "khai sinh")[0], "phrase");
}

/// KB-3: when accents are typed, the exactly accented word ranks above a folded match.
#[test]
fn kb3_exact_accents_first() {
    let mut index = SearchIndex::new(Synonyms::empty());
    index.upsert(proc("ban", "Bàn giao hồ sơ", "")).unwrap();
    index.upsert(proc("bán", "Bán lại hồ sơ", "")).unwrap();
    assert_eq!(ids(&index, "bán hồ sơ")[0], "bán");
    assert_eq!(ids(&index, "bàn hồ sơ")[0], "ban");
    assert_eq!(ids(&index, "ban ho so").len(), 2);
}

/// KB-3: synonyms are data: people's words find official names, both ways, and an edited list
/// takes effect without re-indexing.
#[test]
fn kb3_synonyms_are_editable_data() {
    let mut index = SearchIndex::new(Synonyms::empty());
    index
        .upsert(proc(
            "gcn",
            "Cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
            "",
        ))
        .unwrap();
    index.upsert(proc("other", "Đăng ký kết hôn", "")).unwrap();
    assert!(ids(&index, "sổ đỏ").is_empty());
    let list = Synonyms::from_text(
        "sổ đỏ, giấy đỏ => giấy chứng nhận quyền sử dụng đất\nUBND => ủy ban nhân dân\n",
    )
    .unwrap();
    index.set_synonyms(list);
    assert_eq!(ids(&index, "sổ đỏ"), ["gcn"]);
    assert_eq!(ids(&index, "so do lan dau"), ["gcn"]);
    index
        .upsert(proc("ub", "Liên hệ Ủy ban nhân dân", ""))
        .unwrap();
    assert_eq!(ids(&index, "UBND")[0], "ub");
    let added = Synonym {
        official: "kết hôn".into(),
        everyday: vec!["cưới".into()],
        kind: SynonymKind::Everyday,
        note: None,
    };
    let mut list = index.synonyms().clone();
    list.entries.push(added);
    index.set_synonyms(list);
    assert_eq!(ids(&index, "cưới")[0], "other");
}

/// KB-3: one index, several synonym lists: a query expanded with a tenant's list finds what
/// the index's own list does not, and the index's list is untouched.
#[test]
fn kb3_search_with_another_synonym_list() {
    let mut index = SearchIndex::new(Synonyms::empty());
    index
        .upsert(proc("gcn", "Cấp Giấy chứng nhận quyền sử dụng đất", ""))
        .unwrap();
    index.upsert(proc("kh", "Đăng ký kết hôn", "")).unwrap();
    let tenant = SynonymSet::compile(
        &Synonyms::from_text(
            "sổ đỏ => giấy chứng nhận quyền sử dụng đất
stopwords: cho hỏi
",
        )
        .unwrap(),
    );
    let q = Query::new("sổ đỏ", 10);
    assert!(index.search(&q).is_empty());
    let hits = index.search_with(&q, &tenant);
    assert_eq!(
        hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        ["gcn"]
    );
    assert!(
        index.search(&q).is_empty(),
        "the index's own list is unchanged"
    );
    assert!(
        index
            .search_with(&Query::new("sổ đỏ", 0), &tenant)
            .is_empty()
    );
}

/// KB-3: the shipped list covers the everyday words and abbreviations of the brief.
#[test]
fn kb3_default_synonyms_cover_common_words() {
    let index = demo_index();
    for (q, want) in [
        ("sổ đỏ lần đầu", "1.013978"),
        ("giấy đỏ lần đầu", "1.013978"),
        ("xác nhận độc thân", "1.004873"),
        ("làm giấy khai sinh", "1.001193"),
        ("nhập hộ khẩu", "1.004222"),
        ("CCCD", "faq-chung-05"),
        ("UBND xã chứng thực chữ ký người dịch", "2.000992"),
        ("HKD tạm ngừng", "1.001570"),
    ] {
        let got = ids(&index, q);
        assert!(got.iter().take(3).any(|id| id == want), "{q}: {got:?}");
    }
}

/// KB-1/KB-2: add, replace and remove one document at a time.
#[test]
fn kb3_incremental_updates() {
    let mut index = SearchIndex::new(Synonyms::empty());
    index
        .upsert(proc("1.000001", "Đăng ký khai sinh", ""))
        .unwrap();
    assert_eq!(index.len(), 1);
    index
        .upsert(proc("1.000001", "Đăng ký kết hôn", ""))
        .unwrap();
    assert_eq!(index.len(), 1);
    assert!(ids(&index, "khai sinh").is_empty());
    assert_eq!(ids(&index, "kết hôn"), ["1.000001"]);
    let faq = FaqRecord {
        id: "faq-1".into(),
        cau_hoi: "Kết hôn ở đâu?".into(),
        tra_loi: "Tại Ủy ban nhân dân cấp xã.".into(),
        ..FaqRecord::default()
    };
    index.upsert(faq.to_doc()).unwrap();
    assert_eq!(index.len(), 2);
    assert!(index.contains(DocKind::Faq, "faq-1"));
    assert!(index.remove(DocKind::Procedure, "1.000001"));
    assert!(!index.remove(DocKind::Procedure, "1.000001"));
    assert_eq!(ids(&index, "kết hôn"), ["faq-1"]);
    assert_eq!(index.len(), 1);
    let errors = index.rebuild(vec![
        proc("x", "Tên", ""),
        proc("", "Không mã", ""),
        proc("y", "  ", ""),
    ]);
    assert_eq!(errors.len(), 2);
    assert!(matches!(errors[0], DocError::MissingId(_)));
    assert!(matches!(errors[1], DocError::MissingName { .. }));
    assert_eq!(index.len(), 1);
}

/// KB-3: filters by kind, field, level and agency, accent-insensitively.
#[test]
fn kb3_filters() {
    let index = demo_index();
    let q = |filters: Filters| index.search(&Query::new("đăng ký", 50).with_filters(filters));
    let faqs = q(Filters {
        kind: Some(DocKind::Faq),
        ..Filters::default()
    });
    assert!(!faqs.is_empty() && faqs.iter().all(|h| h.kind == DocKind::Faq));
    let ht = q(Filters {
        linh_vuc: Some("ho tich".into()),
        ..Filters::default()
    });
    assert!(ht.iter().any(|h| h.id == "1.001193"));
    assert!(ht.iter().all(|h| h.id != "1.004222" && h.id != "1.001612"));
    let police = q(Filters {
        co_quan: Some("Công an".into()),
        ..Filters::default()
    });
    let police_ids: Vec<&str> = police.iter().map(|h| h.id.as_str()).collect();
    assert!(
        police_ids.contains(&"1.004222") && police_ids.contains(&"1.004194"),
        "{police_ids:?}"
    );
    assert!(!police_ids.contains(&"1.001193"));
    let xa = q(Filters {
        cap: Some("cap xa".into()),
        kind: Some(DocKind::Procedure),
        ..Filters::default()
    });
    assert!(!xa.is_empty());
    let tinh = q(Filters {
        cap: Some("Cấp Tỉnh".into()),
        ..Filters::default()
    });
    assert!(tinh.is_empty());
}

/// KB-3: snippets are HTML-escaped and mark the matched words.
#[test]
fn kb3_snippets_mark_and_escape() {
    let mut index = SearchIndex::new(Synonyms::empty());
    index
        .upsert(proc(
            "s",
            "Đăng ký khai sinh",
            "Nộp <Tờ khai> & Giấy chứng sinh \"bản chính\"",
        ))
        .unwrap();
    let hit = &index.search(&Query::new("giấy chứng sinh", 1))[0];
    assert!(
        hit.snippet
            .contains("<mark>Giấy</mark> <mark>chứng</mark> <mark>sinh</mark>"),
        "{}",
        hit.snippet
    );
    assert!(
        hit.snippet.contains("&lt;Tờ khai&gt; &amp;"),
        "{}",
        hit.snippet
    );
    assert!(hit.snippet.contains("&quot;bản chính&quot;"));
}

/// The JSON printed by `tongdai kb search --format json`.
#[test]
fn kb3_json_output() {
    let index = demo_index();
    let hits = index.search(&Query::new("khai sinh", 3));
    let v: serde_json::Value = serde_json::from_str(&hits_to_json(&hits)).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 3);
    for item in arr {
        let obj = item.as_object().unwrap();
        let kind = obj["kind"].as_str().unwrap();
        let key = if kind == "procedure" { "code" } else { "id" };
        assert!(obj[key].is_string() && obj["name"].is_string() && obj["score"].is_number());
        assert_eq!(obj.len(), 4);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Outside input: any query string returns at most `limit` hits, best first, without panic.
    #[test]
    fn kb3_any_query_is_safe(q in any::<String>(), limit in 0usize..20) {
        let index = demo_index_cached();
        let hits = index.search(&Query::new(q, limit));
        prop_assert!(hits.len() <= limit);
        prop_assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn kb3_vietnamese_like_queries_are_safe(q in "[a-zđăâêôơư0-9àáạảãèéẹẻẽìíịỉĩ ]{0,60}") {
        let index = demo_index_cached();
        let hits = index.search(&Query::new(q, 5));
        prop_assert!(hits.len() <= 5);
    }
}

fn demo_index_cached() -> &'static SearchIndex {
    static INDEX: std::sync::OnceLock<SearchIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(demo_index)
}

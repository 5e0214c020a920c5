//! Vietnamese number reading for announcements ("quý vị đang ở vị trí số hai mươi mốt"):
//! the variants mốt (1 after a tens of 20+), lăm (5 after a tens), tư (4 after a tens of
//! 20+), mươi (tens from 20) and linh (a zero tens inside a hundred). The result is a list
//! of words; each word is one pre-recorded prompt fragment `so_<word>`.

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

fn below_hundred(n: u32, in_group: bool, out: &mut Vec<&'static str>) {
    let tens = n / 10;
    let units = n % 10;
    match tens {
        0 => {
            if in_group && units > 0 {
                out.push("linh");
            }
            if units > 0 || !in_group {
                out.push(DIGITS[units as usize]);
            }
        }
        1 => {
            out.push("mười");
            match units {
                0 => {}
                5 => out.push("lăm"),
                u => out.push(DIGITS[u as usize]),
            }
        }
        t => {
            out.push(DIGITS[t as usize]);
            out.push("mươi");
            match units {
                0 => {}
                1 => out.push("mốt"),
                4 => out.push("tư"),
                5 => out.push("lăm"),
                u => out.push(DIGITS[u as usize]),
            }
        }
    }
}

fn below_thousand(n: u32, full: bool, out: &mut Vec<&'static str>) {
    let h = n / 100;
    let rest = n % 100;
    if h > 0 || full {
        out.push(DIGITS[h as usize]);
        out.push("trăm");
        if rest > 0 {
            below_hundred(rest, true, out);
        }
    } else {
        below_hundred(rest, false, out);
    }
}

/// Words for `n` (0 ≤ n < 1,000,000,000).
pub fn read_number(n: u32) -> Vec<&'static str> {
    let mut out = Vec::new();
    if n == 0 {
        out.push("không");
        return out;
    }
    let groups = [(n / 1_000_000) % 1000, (n / 1000) % 1000, n % 1000];
    let names = ["triệu", "nghìn", ""];
    let mut started = false;
    for (g, name) in groups.iter().zip(names) {
        if *g == 0 {
            continue;
        }
        below_thousand(*g, started, &mut out);
        if !name.is_empty() {
            out.push(name);
        }
        started = true;
    }
    out
}

/// Every word [`read_number`] can produce (the fragments to record).
pub const FRAGMENTS: &[&str] = &[
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín", "mười", "mươi", "mốt",
    "tư", "lăm", "linh", "trăm", "nghìn", "triệu",
];

/// The prompt id of a fragment word (ASCII, for file names): `so_mot`, `so_muoi`, …
pub fn fragment_prompt_id(word: &str) -> String {
    let ascii: String = word
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'ả' | 'ã' | 'ạ' | 'ă' | 'ắ' | 'ằ' | 'ẳ' | 'ẵ' | 'ặ' | 'â' | 'ấ' | 'ầ'
            | 'ẩ' | 'ẫ' | 'ậ' => 'a',
            'é' | 'è' | 'ẻ' | 'ẽ' | 'ẹ' | 'ê' | 'ế' | 'ề' | 'ể' | 'ễ' | 'ệ' => {
                'e'
            }
            'í' | 'ì' | 'ỉ' | 'ĩ' | 'ị' => 'i',
            'ó' | 'ò' | 'ỏ' | 'õ' | 'ọ' | 'ô' | 'ố' | 'ồ' | 'ổ' | 'ỗ' | 'ộ' | 'ơ' | 'ớ' | 'ờ'
            | 'ở' | 'ỡ' | 'ợ' => 'o',
            'ú' | 'ù' | 'ủ' | 'ũ' | 'ụ' | 'ư' | 'ứ' | 'ừ' | 'ử' | 'ữ' | 'ự' => {
                'u'
            }
            'ý' | 'ỳ' | 'ỷ' | 'ỹ' | 'ỵ' => 'y',
            'đ' => 'd',
            c => c,
        })
        .collect();
    // tones distinguish mốt/một, mươi/mười, năm/lăm: keep them apart in ids
    let suffix = match word {
        "mốt" => "_2",
        "mươi" => "_2",
        _ => "",
    };
    format!("so_{ascii}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(n: u32) -> String {
        read_number(n).join(" ")
    }

    #[test]
    fn vietnamese_reading_rules() {
        assert_eq!(say(0), "không");
        assert_eq!(say(1), "một");
        assert_eq!(say(5), "năm");
        assert_eq!(say(10), "mười");
        assert_eq!(say(11), "mười một");
        assert_eq!(say(15), "mười lăm");
        assert_eq!(say(20), "hai mươi");
        assert_eq!(say(21), "hai mươi mốt");
        assert_eq!(say(24), "hai mươi tư");
        assert_eq!(say(25), "hai mươi lăm");
        assert_eq!(say(101), "một trăm linh một");
        assert_eq!(say(105), "một trăm linh năm");
        assert_eq!(say(110), "một trăm mười");
        assert_eq!(say(115), "một trăm mười lăm");
        assert_eq!(say(1000), "một nghìn");
        assert_eq!(say(1005), "một nghìn không trăm linh năm");
        assert_eq!(say(2021), "hai nghìn không trăm hai mươi mốt");
        assert_eq!(say(1_500_000), "một triệu năm trăm nghìn");
    }

    #[test]
    fn every_word_is_a_known_fragment_with_a_distinct_id() {
        for n in 0..3000 {
            for w in read_number(n) {
                assert!(FRAGMENTS.contains(&w), "{w}");
            }
        }
        let ids: std::collections::BTreeSet<String> =
            FRAGMENTS.iter().map(|w| fragment_prompt_id(w)).collect();
        assert_eq!(ids.len(), FRAGMENTS.len());
    }
}

//! Edit distance limited to one edit: enough for typo tolerance in search without a full
//! Levenshtein matrix.

/// True when `a` and `b` differ by at most one insertion, deletion or substitution of a char
/// (Levenshtein distance ≤ 1).
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    within_one_edit_chars(&a, &b)
}

/// [`within_one_edit`] over chars.
pub fn within_one_edit_chars(a: &[char], b: &[char]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if prefix == short.len() {
        return true;
    }
    if short.len() == long.len() {
        short[prefix + 1..] == long[prefix + 1..]
    } else {
        short[prefix..] == long[prefix + 1..]
    }
}

/// True when `a` and `b` are one typing slip apart: one edit, or two neighbouring chars swapped
/// (`khia` for `khai`).
pub fn within_one_typo(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if within_one_edit_chars(&a, &b) {
        return true;
    }
    if a.len() != b.len() {
        return false;
    }
    let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    matches!(diffs.as_slice(), [i, j] if *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit() {
        assert!(within_one_edit("sinh", "sinh"));
        assert!(within_one_edit("sinh", "sin"));
        assert!(within_one_edit("sinh", "xinh"));
        assert!(within_one_edit("khai", "khaii"));
        assert!(within_one_edit("", "a"));
        assert!(!within_one_edit("khai", "khia"));
        assert!(!within_one_edit("sinh", "sing2"));
        assert!(within_one_edit("đường", "đườn"));
    }

    #[test]
    fn one_typo_allows_a_swap() {
        assert!(within_one_typo("khai", "khia"));
        assert!(within_one_typo("tich", "tihc"));
        assert!(!within_one_typo("tich", "hcit"));
    }
}

//! Runs of digit groups in folded text: "0912 345 678", "(+84) 91-234-5678",
//! "1.250.000". Phones, accounts, tax codes and prices are all read from these, each
//! with its own rules on which runs qualify.

use crate::fold::is_word_byte;

#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub start: usize,
    pub end: usize,
    /// The digits, with a letter "o" read as zero.
    pub digits: String,
    /// The separator text before this group (empty for the first).
    pub sep: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Run {
    /// Start of the run including a "+" / "(+" prefix.
    pub start: usize,
    pub end: usize,
    pub groups: Vec<Group>,
    /// A "+" stood right before the first group.
    pub plus: bool,
    /// Letters glued to the first digit ("sdt0912…"), lower case.
    pub glued: String,
}

impl Run {
    pub fn digits(&self) -> String {
        self.groups.iter().map(|g| g.digits.as_str()).collect()
    }

    /// Written like an amount: 1–3 digits, then groups of exactly 3 after '.' or ','.
    pub fn is_thousands(&self) -> bool {
        self.groups.len() > 1
            && self.groups[0].digits.len() <= 3
            && self.groups[1..]
                .iter()
                .all(|g| g.digits.len() == 3 && (g.sep == "." || g.sep == ","))
    }
}

const SEPS: &[u8] = b" .-()";
const MAX_SEP: usize = 2;

fn group_at(b: &[u8], i: usize) -> Option<usize> {
    // A group is digits, or the letter o standing for zero among digits.
    let mut j = i;
    let mut real = 0;
    while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'o') {
        if b[j].is_ascii_digit() {
            real += 1;
        }
        j += 1;
    }
    if j == i || real == 0 {
        return None;
    }
    // Letters o only count when the group is not part of a word ("zalo0912" is).
    if b[i..j].contains(&b'o') && j < b.len() && b[j].is_ascii_alphabetic() {
        return None;
    }
    Some(j)
}

/// Every run of digit groups in `b` (folded text).
pub(crate) fn runs(b: &[u8]) -> Vec<Run> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let starts_group = c.is_ascii_digit()
            || (c == b'o' && (i == 0 || !is_word_byte(b[i - 1])) && group_at(b, i).is_some());
        if !starts_group || (i > 0 && b[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let Some(mut end) = group_at(b, i) else {
            i += 1;
            continue;
        };
        // Prefix: "+", "(+", "(".
        let mut start = i;
        let mut plus = false;
        while start > 0 && matches!(b[start - 1], b'+' | b'(') && i - start < 2 {
            plus |= b[start - 1] == b'+';
            start -= 1;
        }
        let mut glued = String::new();
        if start == i {
            let mut k = i;
            while k > 0 && b[k - 1].is_ascii_alphabetic() && i - k < 12 {
                k -= 1;
            }
            glued = String::from_utf8_lossy(&b[k..i]).into_owned();
            if k > 0 && is_word_byte(b[k - 1]) {
                glued.insert(0, '#'); // part of a longer token, never a keyword
            }
        }
        let mut groups = vec![Group {
            start: i,
            end,
            digits: digits_of(&b[i..end]),
            sep: String::new(),
        }];
        loop {
            let mut k = end;
            while k < b.len() && SEPS.contains(&b[k]) && k - end < MAX_SEP + 1 {
                k += 1;
            }
            if k == end || k - end > MAX_SEP || k >= b.len() {
                break;
            }
            let Some(e) = group_at(b, k) else { break };
            if b[k] == b'o' && !b[k..e].iter().any(u8::is_ascii_digit) {
                break;
            }
            groups.push(Group {
                start: k,
                end: e,
                digits: digits_of(&b[k..e]),
                sep: String::from_utf8_lossy(&b[end..k]).into_owned(),
            });
            end = e;
        }
        // A closing parenthesis belongs to the run ("(+84)").
        out.push(Run {
            start,
            end,
            groups,
            plus,
            glued,
        });
        i = end;
    }
    out
}

fn digits_of(b: &[u8]) -> String {
    b.iter()
        .map(|&c| if c == b'o' { '0' } else { c as char })
        .collect()
}

/// Whether `word` occurs in `hay` as whole words (folded text).
#[cfg(test)]
pub(crate) fn has_word(hay: &[u8], word: &str) -> bool {
    find_word(hay, word).is_some()
}

/// The last position of `word` as whole words in `hay`.
pub(crate) fn find_word(hay: &[u8], word: &str) -> Option<usize> {
    let w = word.as_bytes();
    if w.is_empty() || hay.len() < w.len() {
        return None;
    }
    let mut pos = hay.len() - w.len() + 1;
    while pos > 0 {
        pos -= 1;
        if hay[pos] == w[0]
            && &hay[pos..pos + w.len()] == w
            && (pos == 0 || !is_word_byte(hay[pos - 1]))
            && (pos + w.len() == hay.len() || !is_word_byte(hay[pos + w.len()]))
        {
            return Some(pos);
        }
    }
    None
}

/// The folded text left of `pos`, at most `max` bytes, not crossing a line break.
pub(crate) fn left_window(b: &[u8], pos: usize, max: usize) -> &[u8] {
    let from = pos.saturating_sub(max);
    let w = &b[from..pos];
    match w.iter().rposition(|&c| c == b'\n') {
        Some(nl) => &w[nl + 1..],
        None => w,
    }
}

/// The folded text right of `pos`, at most `max` bytes, not crossing a line break.
pub(crate) fn right_window(b: &[u8], pos: usize, max: usize) -> &[u8] {
    let to = (pos + max).min(b.len());
    let w = &b[pos..to];
    match w.iter().position(|&c| c == b'\n') {
        Some(nl) => &w[..nl],
        None => w,
    }
}

/// Whether the text right after a number names a currency or a quantity: "250.000đ",
/// "500k", "2 triệu", "12 VND".
pub(crate) fn money_follows(b: &[u8], end: usize) -> bool {
    let w = right_window(b, end, 12);
    let w = w.strip_prefix(b" ").unwrap_or(w);
    if w.first() == Some(&crate::fold::DONG_SIGN) {
        return true;
    }
    ["d", "vnd", "dong", "k", "tr", "trieu", "usd", "xu", "ty"]
        .iter()
        .any(|m| w.starts_with(m.as_bytes()) && w.get(m.len()).is_none_or(|&c| !is_word_byte(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(s: &str) -> Vec<Vec<String>> {
        runs(s.as_bytes())
            .into_iter()
            .map(|r| r.groups.into_iter().map(|g| g.digits).collect())
            .collect()
    }

    #[test]
    fn runs_split_on_commas_and_long_separators() {
        assert_eq!(groups("(+84) 91-234-5678"), [["84", "91", "234", "5678"]]);
        assert_eq!(
            groups("0912345678, 0987 654 321"),
            vec![vec!["0912345678"], vec!["0987", "654", "321"]]
        );
        assert_eq!(groups("o9o9 123 456"), [["0909", "123", "456"]]);
        assert!(groups("zalo so").is_empty());
        assert_eq!(groups("09/12/2025"), [["09"], ["12"], ["2025"]]);
        let r = &runs(b"+84 912")[0];
        assert!(r.plus);
        assert_eq!(runs(b"sdt0912")[0].glued, "sdt");
    }

    #[test]
    fn words_and_money() {
        assert!(has_word(b"so tai khoan: ", "tai khoan"));
        assert!(!has_word(b"stk", "tk"));
        assert!(money_follows(b"250.000d x", 7));
        assert!(money_follows(b"500 k", 3));
        assert!(!money_follows(b"0912 dat hang", 4));
    }
}

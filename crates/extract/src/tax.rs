//! Vietnamese tax codes (mã số thuế): 10 digits whose last is a check digit (weights
//! 31, 29, 23, 19, 17, 13, 7, 5, 3; digit = 10 − sum mod 11), or 13 digits for a
//! branch, written "0100233488-001". Only read after a tax-code word (MST, mã số
//! thuế…): a bare 10-digit number is far more often a phone or an order.

use crate::numbers::{Run, find_word, left_window};

const WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];
const KEYWORDS: &[&str] = &[
    "mst",
    "ma so thue",
    "ma so doanh nghiep",
    "msdn",
    "ma so dn",
    "tax code",
    "tax id",
    "mstdn",
];

/// Whether the first ten digits of `d` carry a correct check digit.
pub fn tax_code_is_valid(d: &str) -> bool {
    let b = d.as_bytes();
    if b.len() < 10 || !b[..10].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = WEIGHTS
        .iter()
        .zip(b)
        .map(|(w, c)| w * u32::from(c - b'0'))
        .sum();
    let check = 10 - sum % 11;
    check < 10 && u32::from(b[9] - b'0') == check
}

/// "0100233488", "0100233488-001" (from 13 digits with or without a dash), or `None`.
pub fn normalize_tax_code(s: &str) -> Option<String> {
    let t = s.trim();
    if !t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-'))
    {
        return None;
    }
    let d: String = t.chars().filter(char::is_ascii_digit).collect();
    if !tax_code_is_valid(&d) {
        return None;
    }
    match d.len() {
        10 => Some(d),
        13 if &d[10..] != "000" => Some(format!("{}-{}", &d[..10], &d[10..])),
        _ => None,
    }
}

pub(crate) struct Found {
    pub start: usize,
    pub end: usize,
    pub code: String,
}

pub(crate) fn find(b: &[u8], runs: &[Run]) -> Vec<Found> {
    let mut out = Vec::new();
    for run in runs {
        if !(run.glued.is_empty() || run.glued == "mst") || run.plus {
            continue;
        }
        let left = left_window(b, run.start, 40);
        let keyed = KEYWORDS
            .iter()
            .any(|k| find_word(left, k).is_some_and(|p| !left[p..].iter().any(u8::is_ascii_digit)))
            || run.glued == "mst";
        if !keyed || b.get(run.end).is_some_and(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        let digits = run.digits();
        if digits.len() != 10 && digits.len() != 13 {
            continue;
        }
        if let Some(code) = normalize_tax_code(&digits) {
            out.push(Found {
                start: run.start,
                end: run.end,
                code,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit() {
        assert!(tax_code_is_valid("0100233488"));
        assert!(!tax_code_is_valid("0100233480"));
        assert_eq!(
            normalize_tax_code("0100233488001").as_deref(),
            Some("0100233488-001")
        );
        assert_eq!(normalize_tax_code("0100233480"), None);
    }

    #[test]
    fn only_after_a_keyword() {
        let f = crate::fold::fold("Mã số thuế: 0100233488-001. Gọi 0100233488");
        let found: Vec<String> = find(f.as_bytes(), &crate::numbers::runs(f.as_bytes()))
            .into_iter()
            .map(|t| t.code)
            .collect();
        assert_eq!(found, ["0100233488-001"]);
    }
}

//! Vietnamese phone numbers → E.164 (+84…). Only numbering-plan prefixes in use count:
//! mobile 03x/05x/07x/08x/09x + 7 digits, landline 02x(x) area codes (the 2017 plan).
//! Service numbers (1800, 1900) are not personal phones and are not reported.

use crate::numbers::{Run, find_word, left_window, money_follows};

/// Mobile prefixes (the two digits after the 0) assigned to networks.
const MOBILE: &[&str] = &[
    "32", "33", "34", "35", "36", "37", "38", "39", "52", "55", "56", "58", "59", "70", "76", "77",
    "78", "79", "81", "82", "83", "84", "85", "86", "87", "88", "89", "90", "91", "92", "93", "94",
    "96", "97", "98", "99",
];

/// Three-digit landline area codes (without the 0); Hà Nội 24 and TP HCM 28 have two.
const AREA3: &[&str] = &[
    "203", "204", "205", "206", "207", "208", "209", "210", "211", "212", "213", "214", "215",
    "216", "218", "219", "220", "221", "222", "225", "226", "227", "228", "229", "232", "233",
    "234", "235", "236", "237", "238", "239", "251", "252", "254", "255", "256", "257", "258",
    "259", "260", "261", "262", "263", "269", "270", "271", "272", "273", "274", "275", "276",
    "277", "290", "291", "292", "293", "294", "296", "297", "299",
];

/// Words that, just before a number, say it is something else than a phone.
const NOT_PHONE_BEFORE: &[&str] = &[
    "ma don",
    "don hang",
    "don",
    "van don",
    "mvd",
    "order",
    "ma gd",
    "giao dich",
    "ma sp",
    "ma hang",
    "sku",
    "id",
    "ma",
    "so hd",
    "hoa don",
    "mst",
    "ma so thue",
    "serial",
    "imei",
    "seri",
];

/// Words glued to a number ("SĐT0912…") that still introduce a phone.
const PHONE_GLUE: &[&str] = &[
    "", "sdt", "dt", "tel", "zalo", "hotline", "lh", "phone", "call", "sd", "dd",
];

fn national_is_valid(n: &str) -> bool {
    if !n.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    match n.len() {
        9 => MOBILE.contains(&&n[..2]),
        10 => n.starts_with("24") || n.starts_with("28") || AREA3.contains(&&n[..3]),
        _ => false,
    }
}

/// The national significant number of a digit string, when it is a valid number.
fn national(d: &str, plus: bool) -> Option<&str> {
    let rest = if let Some(r) = d.strip_prefix("0084") {
        r
    } else if let Some(r) = d.strip_prefix("84").filter(|_| plus || d.len() >= 11) {
        // "+84 0912…" is a common mistake: the trunk 0 after the country code.
        if r.len() >= 10 {
            r.strip_prefix('0').unwrap_or(r)
        } else {
            r
        }
    } else if plus {
        return None;
    } else {
        d.strip_prefix('0')?
    };
    national_is_valid(rest).then_some(rest)
}

/// Normalizes any written form of a Vietnamese phone to E.164, or `None`.
pub fn normalize_phone(s: &str) -> Option<String> {
    let t = s.trim();
    let plus = t.starts_with('+') || t.starts_with("(+");
    let digits: String = t
        .chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            'o' | 'O' => Some('0'),
            _ => None,
        })
        .collect();
    let ok = t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')' | '+' | 'o' | 'O'));
    if !ok || digits.len() > 13 {
        return None;
    }
    national(&digits, plus).map(|n| format!("+84{n}"))
}

/// A phone found in folded text: folded range and E.164 form.
pub(crate) struct Found {
    pub start: usize,
    pub end: usize,
    pub e164: String,
}

/// Phones written with digits (and "o" for zero).
pub(crate) fn find(b: &[u8], runs: &[Run]) -> Vec<Found> {
    let mut out = Vec::new();
    for run in runs {
        if !PHONE_GLUE.contains(&run.glued.as_str()) {
            continue;
        }
        find_in_run(b, run, &mut out);
    }
    out
}

fn find_in_run(b: &[u8], run: &Run, out: &mut Vec<Found>) {
    let g = &run.groups;
    let mut s = 0;
    while s < g.len() {
        let mut acc = String::new();
        let mut hit = None;
        for (e, group) in g.iter().enumerate().skip(s) {
            acc.push_str(&group.digits);
            if acc.len() > 12 {
                break;
            }
            let plus = run.plus && s == 0;
            if acc.len() >= 10
                && let Some(n) = national(&acc, plus)
            {
                hit = Some((e, format!("+84{n}")));
                break;
            }
        }
        let Some((e, e164)) = hit else {
            s += 1;
            continue;
        };
        // A group longer than a phone next to it means one long number (an ID).
        let glued_long = g[s].digits.len() > 12;
        let start = if s == 0 { run.start } else { g[s].start };
        let end = g[e].end;
        let end = if b.get(end) == Some(&b')') {
            end + 1
        } else {
            end
        };
        let before = left_window(b, start, 24);
        let bad_before = NOT_PHONE_BEFORE.iter().any(|w| {
            find_word(before, w).is_some_and(|p| {
                // Only when nothing but punctuation lies between the word and the number.
                before[p + w.len()..]
                    .iter()
                    .all(|c| !c.is_ascii_alphanumeric())
            })
        });
        // Digits or a letter glued to the end: part of a longer token.
        let bad_after = b.get(g[e].end).is_some_and(|c| c.is_ascii_alphanumeric())
            || money_follows(b, g[e].end);
        if !glued_long && !bad_before && !bad_after {
            out.push(Found { start, end, e164 });
        }
        s = e + 1;
    }
}

/// Vietnamese digit words (folded).
fn word_digit(w: &[u8]) -> Option<char> {
    Some(match w {
        b"khong" => '0',
        b"mot" => '1',
        b"hai" => '2',
        b"ba" => '3',
        b"bon" | b"tu" => '4',
        b"nam" | b"lam" => '5',
        b"sau" => '6',
        b"bay" => '7',
        b"tam" => '8',
        b"chin" => '9',
        _ => return None,
    })
}

/// Phones spelled out, whole or in part, with Vietnamese digit words: "không chín một
/// hai 345 678". Needs at least three digit words and a valid number from the first
/// token to the last, which ordinary prose does not produce.
pub(crate) fn find_spelled(b: &[u8]) -> Vec<Found> {
    // Tokens: (start, end, digits, is_word).
    let mut tokens: Vec<(usize, usize, String, bool)> = Vec::new();
    let mut out = Vec::new();
    let mut i = 0;
    let flush = |tokens: &mut Vec<(usize, usize, String, bool)>, out: &mut Vec<Found>| {
        spelled_run(tokens, out);
        tokens.clear();
    };
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphanumeric() {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_alphanumeric() {
                j += 1;
            }
            let tok = &b[i..j];
            if let Some(d) = word_digit(tok) {
                tokens.push((i, j, d.to_string(), true));
            } else if tok.iter().all(u8::is_ascii_digit) && tok.len() <= 10 {
                tokens.push((i, j, String::from_utf8_lossy(tok).into_owned(), false));
            } else {
                flush(&mut tokens, &mut out);
            }
            i = j;
        } else if matches!(c, b' ' | b'.' | b'-' | b',') {
            i += 1;
        } else {
            flush(&mut tokens, &mut out);
            i += 1;
        }
    }
    flush(&mut tokens, &mut out);
    out
}

fn spelled_run(tokens: &[(usize, usize, String, bool)], out: &mut Vec<Found>) {
    if tokens.iter().filter(|t| t.3).count() < 3 {
        return;
    }
    let mut s = 0;
    while s < tokens.len() {
        let mut acc = String::new();
        let mut hit = None;
        for (e, t) in tokens.iter().enumerate().skip(s) {
            acc.push_str(&t.2);
            if acc.len() > 11 {
                break;
            }
            if acc.len() >= 10
                && let Some(n) = national(&acc, false)
            {
                hit = Some((e, format!("+84{n}")));
                break;
            }
        }
        match hit {
            Some((e, e164)) if tokens[s..=e].iter().filter(|t| t.3).count() >= 3 => {
                out.push(Found {
                    start: tokens[s].0,
                    end: tokens[e].1,
                    e164,
                });
                s = e + 1;
            }
            _ => s += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fold::fold;

    fn phones(s: &str) -> Vec<String> {
        let f = fold(s);
        let mut v: Vec<String> = find(f.as_bytes(), &crate::numbers::runs(f.as_bytes()))
            .into_iter()
            .map(|p| p.e164)
            .collect();
        v.extend(find_spelled(f.as_bytes()).into_iter().map(|p| p.e164));
        v
    }

    #[test]
    fn common_forms() {
        for s in [
            "0912 345 678",
            "0912.345.678",
            "+84 912345678",
            "84912345678",
            "(+84) 91-234-5678",
            "+84 0912 345 678",
            "SĐT:0912345678",
            "o912 345 678",
            "0 9 1 2 3 4 5 6 7 8",
            "không chín một hai ba bốn năm sáu bảy tám",
            "khong 9 1 2 ba bon 5 6 7 8",
        ] {
            assert_eq!(phones(s), ["+84912345678"], "{s}");
        }
        assert_eq!(phones("024 3826 1234"), ["+842438261234"]);
        assert_eq!(phones("0236.382.1234"), ["+842363821234"]);
    }

    #[test]
    fn lookalikes_are_not_phones() {
        for s in [
            "Giá 1.250.000đ",
            "0912345678đ",
            "Mã đơn hàng: 0912345678",
            "Đơn 0987654321",
            "ngày 09/12/2025",
            "2025-09-12",
            "hotline 1900 1234",
            "1800 6936",
            "0112345678",
            "091234567890123",
            "SP0912345678",
            "năm hai không hai lăm",
        ] {
            assert!(phones(s).is_empty(), "{s}: {:?}", phones(s));
        }
    }

    #[test]
    fn normalizer() {
        assert_eq!(
            normalize_phone("+84912345678").as_deref(),
            Some("+84912345678")
        );
        assert_eq!(
            normalize_phone("0912-345-678").as_deref(),
            Some("+84912345678")
        );
        assert_eq!(normalize_phone("1900 1234"), None);
        assert_eq!(normalize_phone("abc"), None);
    }
}

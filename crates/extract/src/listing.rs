//! What a listing shows about itself: prices ("₫199.000", "250.000đ", "Giá: 1,2 triệu")
//! and units sold ("Đã bán 1,2k"). Normalized to whole đồng and whole units.

use std::sync::LazyLock;

use regex::bytes::Regex;

static PRICE_SIGN_FIRST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\x1b ?(\d{1,3}(?:[.,]\d{3})+|\d{4,})").expect("valid regex"));
static PRICE_SIGN_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{1,3}(?:[.,]\d{3})+|\d{4,}) ?(\x1b|vnd|dong|d)").expect("valid regex")
});
static PRICE_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\bgia(?: ban| goc| khuyen mai| sale| chi| chi con| uu dai| niem yet| tu| si| le| chi tu)?",
        r" ?:? ?(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d{1,2})?) ?(k|nghin|ngan|trieu|tr|\x1b|vnd|dong|d)?"
    ))
    .expect("valid regex")
});
static SOLD_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:da ban|luot ban|sold) ?:? ?(\d+(?:[.,]\d+)?) ?(k|trieu|tr)?\+?")
        .expect("valid regex")
});
static SOLD_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\d+(?:[.,]\d+)?) ?(k|trieu|tr)?\+? (?:da ban|luot ban|sold)\b")
        .expect("valid regex")
});

pub(crate) struct Found {
    pub start: usize,
    pub end: usize,
    pub value: u64,
}

/// A number as written: "1.250.000", "1,2" (with a multiplier), "356".
fn number(s: &[u8], mult: u64) -> Option<u64> {
    let s = std::str::from_utf8(s).ok()?;
    let parts: Vec<&str> = s.split(['.', ',']).collect();
    let thousands = parts.len() > 1 && parts[1..].iter().all(|p| p.len() == 3);
    if thousands || parts.len() == 1 {
        let n: u64 = parts.concat().parse().ok()?;
        return n.checked_mul(mult);
    }
    if parts.len() != 2 {
        return None;
    }
    // A decimal: "1,2k", "1.5 triệu".
    let whole: u64 = parts[0].parse().ok()?;
    let frac_digits = parts[1].len() as u32;
    let frac: u64 = parts[1].parse().ok()?;
    let scale = 10u64.checked_pow(frac_digits)?;
    Some(whole.checked_mul(mult)? + frac.checked_mul(mult)? / scale)
}

fn multiplier(unit: Option<&[u8]>) -> u64 {
    match unit {
        Some(b"k" | b"nghin" | b"ngan") => 1_000,
        Some(b"tr" | b"trieu") => 1_000_000,
        _ => 1,
    }
}

fn ends_word(b: &[u8], end: usize) -> bool {
    b.get(end).is_none_or(|c| !c.is_ascii_alphanumeric())
}

/// Found amounts by start; the patterns may read the same text, the first wins.
#[derive(Default)]
struct Taken(std::collections::BTreeMap<usize, Found>);

impl Taken {
    fn add(&mut self, f: Found) {
        let clash = self
            .0
            .range(..f.end)
            .next_back()
            .is_some_and(|(_, o)| o.end > f.start);
        if !clash {
            self.0.insert(f.start, f);
        }
    }

    fn into_vec(self) -> Vec<Found> {
        self.0.into_values().collect()
    }
}

pub(crate) fn find_prices(b: &[u8]) -> Vec<Found> {
    let mut taken = Taken::default();
    let mut add = |start: usize, end: usize, value: Option<u64>| {
        if let Some(value) = value.filter(|v| (1_000..=100_000_000_000).contains(v)) {
            taken.add(Found { start, end, value });
        }
    };
    for c in PRICE_SIGN_FIRST.captures_iter(b) {
        let (m, n) = (c.get(0).expect("match"), c.get(1).expect("group"));
        if ends_word(b, m.end()) {
            add(m.start(), m.end(), number(n.as_bytes(), 1));
        }
    }
    for c in PRICE_SIGN_AFTER.captures_iter(b) {
        let (m, n) = (c.get(0).expect("match"), c.get(1).expect("group"));
        let sign = c.get(2).map(|u| u.as_bytes()) == Some(b"\x1b");
        let boundary = m.start() == 0 || !b[m.start() - 1].is_ascii_alphanumeric();
        if boundary && (sign || ends_word(b, m.end())) {
            add(m.start(), m.end(), number(n.as_bytes(), 1));
        }
    }
    for c in PRICE_WORD.captures_iter(b) {
        let n = c.get(1).expect("group");
        let unit = c.get(2);
        let end = unit.map_or(n.end(), |u| u.end());
        if !ends_word(b, end) || (unit.is_none() && !ends_word(b, n.end())) {
            continue;
        }
        // Without a unit only an amount written with thousands separators counts.
        let grouped = n.as_bytes().len() > 4 && n.as_bytes().iter().any(|c| !c.is_ascii_digit());
        if unit.is_none() && !grouped {
            continue;
        }
        add(
            n.start(),
            end,
            number(n.as_bytes(), multiplier(unit.map(|u| u.as_bytes()))),
        );
    }
    taken.into_vec()
}

pub(crate) fn find_units_sold(b: &[u8]) -> Vec<Found> {
    let mut taken = Taken::default();
    for re in [&*SOLD_AFTER, &*SOLD_BEFORE] {
        for c in re.captures_iter(b) {
            let m = c.get(0).expect("match");
            let n = c.get(1).expect("group");
            let mult = multiplier(c.get(2).map(|u| u.as_bytes()));
            if let Some(value) = number(n.as_bytes(), mult) {
                taken.add(Found {
                    start: m.start(),
                    end: m.end(),
                    value,
                });
            }
        }
    }
    taken.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prices(s: &str) -> Vec<u64> {
        find_prices(crate::fold::fold(s).as_bytes())
            .into_iter()
            .map(|f| f.value)
            .collect()
    }

    fn sold(s: &str) -> Vec<u64> {
        find_units_sold(crate::fold::fold(s).as_bytes())
            .into_iter()
            .map(|f| f.value)
            .collect()
    }

    #[test]
    fn prices_in_common_forms() {
        assert_eq!(prices("₫199.000 - ₫250.000"), [199_000, 250_000]);
        assert_eq!(prices("Giá: 1.250.000đ"), [1_250_000]);
        assert_eq!(prices("giá 199k"), [199_000]);
        assert_eq!(prices("Giá chỉ 1,2 triệu"), [1_200_000]);
        assert_eq!(prices("450.000 VNĐ"), [450_000]);
        assert!(prices("Gia đình 3 người, 0912345678, 2025").is_empty());
    }

    #[test]
    fn units_sold() {
        assert_eq!(sold("Đã bán 1,2k"), [1_200]);
        assert_eq!(sold("Đã bán 356"), [356]);
        assert_eq!(sold("10k+ đã bán"), [10_000]);
    }
}

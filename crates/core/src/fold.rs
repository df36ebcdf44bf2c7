//! Diacritic folding for search. Vietnamese users type without tone marks ("hang gia"
//! for "Hàng giả"), and "đ" has no Unicode decomposition, so it is mapped by hand.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lowercase, strip combining marks, map đ/Đ to d and collapse whitespace.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    // Lowercase first: some lowercase forms carry combining marks (İ → i̇) that the
    // decomposition below must see, or folding would not be idempotent.
    for c in text.to_lowercase().nfd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Hàng giả"), "hang gia");
        assert_eq!(fold("Điện thoại"), "dien thoai");
        assert_eq!(fold("  ĐỒNG   hồ\tgiả "), "dong ho gia");
        assert_eq!(fold("Quản lý thị trường"), "quan ly thi truong");
    }

    #[test]
    fn composed_and_decomposed_agree() {
        let composed = "Nguyễn";
        let decomposed: String =
            unicode_normalization::UnicodeNormalization::nfd(composed).collect();
        assert_ne!(composed, decomposed);
        assert_eq!(fold(composed), fold(&decomposed));
    }

    proptest::proptest! {
        #[test]
        fn idempotent(s in "\\PC*") {
            let once = fold(&s);
            proptest::prop_assert_eq!(fold(&once), once);
        }
    }
}

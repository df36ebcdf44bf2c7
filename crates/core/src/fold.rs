//! Diacritic folding for search. Vietnamese users type without tone marks ("hang gia"
//! for "Hàng giả"), and "đ" has no Unicode decomposition, so it is mapped by hand.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Lowercase, strip combining marks, map đ/Đ to d and collapse whitespace.
///
/// Every captured page's text goes through this for the search index, so it avoids the
/// buffered NFD iterator: each character is decomposed on its own (ASCII needs nothing).
/// That equals NFD once the marks are dropped, because canonical reordering only moves
/// combining marks among themselves; a test checks it against the plain definition.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            return;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(if c == 'đ' || c == 'Đ' { 'd' } else { c });
    };
    // Lowercase first: some lowercase forms carry combining marks (İ → i̇) that the
    // decomposition must see, or folding would not be idempotent.
    for c in text.to_lowercase().chars() {
        if c.is_ascii() {
            push(c, &mut out);
        } else {
            decompose_canonical(c, |d| {
                if !is_combining_mark(d) {
                    push(d, &mut out);
                }
            });
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

    /// The definition `fold` must keep to: NFD of the lowercased text, marks dropped.
    fn reference(text: &str) -> String {
        use unicode_normalization::UnicodeNormalization;
        use unicode_normalization::char::is_combining_mark;
        let kept: String = text
            .to_lowercase()
            .nfd()
            .filter(|c| !is_combining_mark(*c))
            .map(|c| if c == 'đ' || c == 'Đ' { 'd' } else { c })
            .collect();
        kept.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    proptest::proptest! {
        #[test]
        fn matches_the_definition(s in "\\PC*") {
            proptest::prop_assert_eq!(fold(&s), reference(&s));
        }

        #[test]
        fn matches_the_definition_on_vietnamese(s in "[a-zA-Z àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ\\u{0300}\\u{0301}\\u{0303}\\u{0309}\\u{0323}\t\n]{0,80}") {
            proptest::prop_assert_eq!(fold(&s), reference(&s));
        }

        #[test]
        fn idempotent(s in "\\PC*") {
            let once = fold(&s);
            proptest::prop_assert_eq!(fold(&once), once);
        }
    }
}

//! Change detection and the text diff between two snapshots. A page's visible text is
//! normalized before hashing (Unicode NFC, whitespace runs collapsed, blank lines
//! dropped) so a re-render that only moves whitespace is not reported as a change.

use serde::Serialize;
use sha2::{Digest, Sha256};
use similar::{ChangeTag, TextDiff};
use unicode_normalization::UnicodeNormalization;

/// Largest normalized text kept per snapshot; a watched page is a shop, not a book.
pub const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;

/// The text as stored and hashed: one trimmed line per non-blank input line.
pub fn normalize_text(text: &str) -> String {
    let nfc: String = text.nfc().collect();
    let mut out = String::with_capacity(nfc.len());
    for line in nfc.lines() {
        let mut words = line.split_whitespace().peekable();
        if words.peek().is_none() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        for (i, w) in words.enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(w);
        }
        if out.len() > MAX_TEXT_BYTES {
            let mut cut = MAX_TEXT_BYTES;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
            break;
        }
    }
    out
}

/// SHA-256 (hex) of normalized text: equal hashes mean "no change".
pub fn text_sha256(normalized: &str) -> String {
    hex::encode(Sha256::digest(normalized.as_bytes()))
}

/// One line of a diff: `same`, `added` (only in the newer snapshot) or `removed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub tag: &'static str,
    pub text: String,
}

/// Line diff from `old` to `new` (Myers, via `similar`).
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    // Every line ends in a newline, or the last line of one text ("c") would differ
    // from the same line followed by more ("c\n").
    let terminated = |t: &str| {
        if t.is_empty() || t.ends_with('\n') {
            t.to_string()
        } else {
            format!("{t}\n")
        }
    };
    let (old, new) = (terminated(old), terminated(new));
    TextDiff::from_lines(&old, &new)
        .iter_all_changes()
        .map(|c| DiffLine {
            tag: match c.tag() {
                ChangeTag::Equal => "same",
                ChangeTag::Insert => "added",
                ChangeTag::Delete => "removed",
            },
            text: c.value().trim_end_matches('\n').to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_only_changes_hash_the_same() {
        let a = normalize_text("  Giá:   100.000đ \n\n\tCòn hàng\n");
        let b = normalize_text("Giá: 100.000đ\nCòn hàng");
        assert_eq!(a, b);
        assert_eq!(text_sha256(&a), text_sha256(&b));
        assert_ne!(text_sha256(&a), text_sha256("Giá: 90.000đ\nCòn hàng"));
    }

    #[test]
    fn composed_and_decomposed_vietnamese_agree() {
        let composed = "Đồng hồ";
        let decomposed: String = composed.nfd().collect();
        assert_ne!(composed, decomposed);
        assert_eq!(normalize_text(composed), normalize_text(&decomposed));
    }

    #[test]
    fn diff_marks_added_and_removed_lines() {
        let d = diff_lines("a\nb\nc", "a\nB\nc\nd");
        let tags: Vec<(&str, &str)> = d.iter().map(|l| (l.tag, l.text.as_str())).collect();
        assert_eq!(
            tags,
            vec![
                ("same", "a"),
                ("removed", "b"),
                ("added", "B"),
                ("same", "c"),
                ("added", "d")
            ]
        );
    }
}

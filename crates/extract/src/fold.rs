//! The folded view of a text that every matcher runs on: lower-case ASCII, Vietnamese
//! diacritics removed (đ → d), invisible characters dropped, so "Số tài khoản",
//! "SO TAI KHOAN" and "so tai khoan" are one pattern. A byte map leads from each folded
//! byte back to the original text, so hits keep their exact place and spelling.

use unicode_normalization::char::decompose_canonical;

/// Stands for `₫` in the folded text (it has no ASCII fold, and prices need it).
pub(crate) const DONG_SIGN: u8 = 0x1b;
/// Stands for any other character without an ASCII fold (CJK, emoji…).
pub(crate) const OTHER: u8 = 0x1a;

pub(crate) struct Doc<'a> {
    pub text: &'a str,
    pub folded: String,
    /// `map[i]` is the byte offset in `text` of the character folded byte `i` came from;
    /// one extra entry for the end.
    map: Vec<u32>,
}

impl<'a> Doc<'a> {
    pub fn new(text: &'a str) -> Doc<'a> {
        let mut folded = String::with_capacity(text.len());
        let mut map = Vec::with_capacity(text.len() + 1);
        for (i, c) in text.char_indices() {
            if let Some(f) = fold_char(c) {
                folded.push(f as char);
                map.push(i as u32);
            }
        }
        map.push(text.len() as u32);
        Doc { text, folded, map }
    }

    pub fn bytes(&self) -> &[u8] {
        self.folded.as_bytes()
    }

    /// The text range of folded range `fs..fe`.
    pub fn span(&self, fs: usize, fe: usize) -> (usize, usize) {
        let start = self.map[fs.min(self.map.len() - 1)] as usize;
        let end = self.map[fe.min(self.map.len() - 1)] as usize;
        (start, end.max(start))
    }

    /// The folded offset of text offset `t` (the first folded byte at or after it).
    pub fn folded_at(&self, t: usize) -> usize {
        self.map.partition_point(|&m| (m as usize) < t)
    }

    pub fn raw(&self, fs: usize, fe: usize) -> &'a str {
        let (s, e) = self.span(fs, fe);
        self.text[s..e].trim_end()
    }

    pub fn snippet(&self, fs: usize, fe: usize) -> String {
        let (s, e) = self.span(fs, fe);
        snippet(self.text, s, e)
    }
}

/// About 40 characters either side of `start..end`, whitespace collapsed, one line.
pub(crate) fn snippet(text: &str, start: usize, end: usize) -> String {
    const SIDE: usize = 40;
    let before = text[..start]
        .char_indices()
        .rev()
        .nth(SIDE - 1)
        .map_or(0, |(i, _)| i);
    let after = text[end..]
        .char_indices()
        .nth(SIDE)
        .map_or(text.len(), |(i, _)| end + i);
    let mut out = String::with_capacity(after - before);
    let mut space = false;
    for c in text[before..after].chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

fn fold_char(c: char) -> Option<u8> {
    if c.is_ascii() {
        return Some(match c {
            '\r' | '\n' => b'\n',
            c if c.is_ascii_whitespace() => b' ',
            c => c.to_ascii_lowercase() as u8,
        });
    }
    match c {
        'đ' | 'Đ' => return Some(b'd'),
        '₫' => return Some(DONG_SIGN),
        // Zero-width characters and soft hyphens: used to split numbers past filters.
        '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}' => return None,
        // Combining marks (decomposed text, Windows-1258 tones).
        '\u{300}'..='\u{36f}' => return None,
        // Full-width digits and letters.
        '\u{ff10}'..='\u{ff19}' => return Some(b'0' + (c as u32 - 0xff10) as u8),
        '\u{ff21}'..='\u{ff3a}' => return Some(b'a' + (c as u32 - 0xff21) as u8),
        '\u{ff41}'..='\u{ff5a}' => return Some(b'a' + (c as u32 - 0xff41) as u8),
        c if c.is_whitespace() => return Some(b' '),
        _ => {}
    }
    let mut base = None;
    decompose_canonical(c, |d| {
        if base.is_none() {
            base = Some(d);
        }
    });
    match base {
        Some(b) if b.is_ascii_alphabetic() => Some(b.to_ascii_lowercase() as u8),
        _ => Some(OTHER),
    }
}

/// Folds a string on its own (for tables and tests).
pub(crate) fn fold(s: &str) -> String {
    Doc::new(s).folded
}

pub(crate) fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == OTHER
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_and_maps_back() {
        let d = Doc::new("Số TÀI khoản: 0912\u{200b}345 ₫");
        assert_eq!(d.folded, "so tai khoan: 0912345 \u{1b}");
        let i = d.folded.find("0912").unwrap_or(0);
        assert_eq!(d.raw(i, i + 7), "0912\u{200b}345");
        // Decomposed input folds the same.
        assert_eq!(fold("Đe\u{302}\u{301}n"), "den");
    }

    #[test]
    fn snippet_is_one_line() {
        let t = "a\n\n  b   0912345678  c\td";
        let s = t.find("0912").unwrap_or(0);
        assert_eq!(snippet(t, s, s + 10), "a b 0912345678 c d");
    }
}

//! Member names. The writer and the reader share one rule, so we never produce an archive
//! our own verifier refuses: relative, `/`-separated, UTF-8, every component a plain name.

use crate::error::{Result, ZipError, ZipErrorCode};
use unicode_normalization::UnicodeNormalization;

/// Longest name accepted; keeps the reader's memory bounded (10,000 entries × 1 KiB).
pub const MAX_NAME_LEN: usize = 1024;

/// Checks a member name. A trailing `/` marks a folder entry.
pub fn validate_name(raw: &[u8]) -> Result<&str> {
    let bad = |code, why: &str| {
        Err(ZipError::new(
            code,
            format!("entry name {:?}: {why}", String::from_utf8_lossy(raw)),
        ))
    };
    if raw.is_empty() || raw.len() > MAX_NAME_LEN {
        return bad(ZipErrorCode::NameInvalid, "empty or too long");
    }
    if raw.iter().any(|&b| b < 0x20 || b == 0x7f) {
        return bad(ZipErrorCode::NameControl, "control character");
    }
    let Ok(name) = std::str::from_utf8(raw) else {
        return bad(ZipErrorCode::NameInvalid, "not UTF-8");
    };
    if name.chars().any(char::is_control) {
        return bad(ZipErrorCode::NameControl, "control character");
    }
    if name.starts_with('/') {
        return bad(ZipErrorCode::NameAbsolute, "absolute path");
    }
    // Drive letters (`C:`) and the backslash forms (`\\server\share`, `..\x`) are
    // absolute or escaping on Windows, where a bundle may be opened next.
    let b = name.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return bad(ZipErrorCode::NameAbsolute, "drive letter");
    }
    if name.starts_with("\\\\") {
        return bad(ZipErrorCode::NameAbsolute, "UNC path");
    }
    if name.contains('\\') {
        return bad(ZipErrorCode::NameBackslash, "backslash");
    }
    let body = name.strip_suffix('/').unwrap_or(name);
    for part in body.split('/') {
        match part {
            ".." => return bad(ZipErrorCode::NameParent, "parent component"),
            "" | "." => return bad(ZipErrorCode::NameInvalid, "empty or `.` component"),
            // `:` would name an NTFS alternate data stream or a device on Windows.
            p if p.contains(':') => return bad(ZipErrorCode::NameInvalid, "colon"),
            // Windows drops trailing dots and spaces (two names would become one) and
            // opens a device for `NUL`, `CON`... whatever the extension.
            p if p.ends_with('.') || p.ends_with(' ') => {
                return bad(ZipErrorCode::NameInvalid, "trailing dot or space");
            }
            p if is_windows_device(p) => {
                return bad(ZipErrorCode::NameInvalid, "Windows device name");
            }
            _ => {}
        }
    }
    Ok(name)
}

fn is_windows_device(part: &str) -> bool {
    let stem = part
        .split('.')
        .next()
        .unwrap_or(part)
        .trim_end()
        .to_ascii_uppercase();
    match stem.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" => true,
        s if s.len() == 4 && (s.starts_with("COM") || s.starts_with("LPT")) => {
            matches!(s.as_bytes()[3], b'1'..=b'9')
        }
        _ => false,
    }
}

/// The key under which two names collide on some operating system: NFC, then lower
/// case (macOS and Windows file systems are case-insensitive; macOS normalizes).
pub fn collision_key(name: &str) -> String {
    name.nfc().flat_map(char::to_lowercase).nfc().collect()
}

/// Tracks names already seen, as files and as folders (explicit or implied by a path).
#[derive(Default)]
pub struct NameSet {
    files: std::collections::HashSet<String>,
    dirs: std::collections::HashSet<String>,
    explicit_dirs: std::collections::HashSet<String>,
}

impl NameSet {
    pub fn insert(&mut self, name: &str) -> Result<()> {
        let dup = || {
            Err(ZipError::new(
                ZipErrorCode::DuplicateName,
                format!("entry name {name:?} collides with an earlier entry"),
            ))
        };
        let key = collision_key(name);
        let (path, is_dir) = match key.strip_suffix('/') {
            Some(p) => (p.to_string(), true),
            None => (key, false),
        };
        // Every ancestor is a folder and must not be a file.
        let mut at = 0;
        while let Some(i) = path[at..].find('/') {
            let anc = &path[..at + i];
            if self.files.contains(anc) {
                return dup();
            }
            self.dirs.insert(anc.to_string());
            at += i + 1;
        }
        if is_dir {
            if self.files.contains(&path) || !self.explicit_dirs.insert(path.clone()) {
                return dup();
            }
            self.dirs.insert(path);
        } else if self.dirs.contains(&path) || !self.files.insert(path) {
            return dup();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let code = |n: &str| validate_name(n.as_bytes()).err().map(|e| e.code);
        assert_eq!(code("a/b.txt"), None);
        assert_eq!(code("dir/"), None);
        assert_eq!(code("../x"), Some(ZipErrorCode::NameParent));
        assert_eq!(code("a/../../x"), Some(ZipErrorCode::NameParent));
        assert_eq!(code("/etc/passwd"), Some(ZipErrorCode::NameAbsolute));
        assert_eq!(code("C:\\x"), Some(ZipErrorCode::NameAbsolute));
        assert_eq!(code("c:x"), Some(ZipErrorCode::NameAbsolute));
        assert_eq!(code("\\\\srv\\share"), Some(ZipErrorCode::NameAbsolute));
        assert_eq!(code("a\\b"), Some(ZipErrorCode::NameBackslash));
        assert_eq!(code("a\0b"), Some(ZipErrorCode::NameControl));
        assert_eq!(code("a//b"), Some(ZipErrorCode::NameInvalid));
        assert_eq!(code("./a"), Some(ZipErrorCode::NameInvalid));
        assert_eq!(code("a/nul.txt"), Some(ZipErrorCode::NameInvalid));
        assert_eq!(code("COM1"), Some(ZipErrorCode::NameInvalid));
        assert_eq!(code("a./b"), Some(ZipErrorCode::NameInvalid));
        assert_eq!(code("a "), Some(ZipErrorCode::NameInvalid));
        assert_eq!(code("console.log"), None);
    }

    #[test]
    fn duplicates() {
        let mut s = NameSet::default();
        s.insert("a/b").unwrap();
        assert!(s.insert("A/B").is_err());
        assert!(s.insert("a").is_err());
        s.insert("a/").unwrap();
        assert!(s.insert("a/").is_err());
        s.insert("caf\u{e9}").unwrap();
        assert!(s.insert("cafe\u{301}").is_err());
        assert!(s.insert("a/b/c").is_err());
    }
}

//! The title and visible text of an HTML page, for full-text search and display. Not a
//! browser: scripts, styles and tags are dropped, common entities decoded. Good enough
//! to find "đồng hồ giả" on a listing; the WARC keeps the exact bytes regardless.

/// `(title, text)`; non-HTML input comes back as its own text with an empty title.
pub fn html_title_and_text(html: &str) -> (String, String) {
    let mut title = String::new();
    let mut text = String::new();
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    let bytes = html.as_bytes();
    let mut in_title = false;
    while i < bytes.len() {
        if bytes[i] == b'<' {
            let rest = &lower[i..];
            // Elements whose content is never visible text.
            if let Some(skip) = ["script", "style", "noscript", "template", "svg"]
                .iter()
                .find(|t| rest[1..].starts_with(**t) && tag_boundary(rest, t.len() + 1))
            {
                let close = format!("</{skip}");
                i = match lower[i..].find(&close) {
                    Some(at) => i + at + close.len(),
                    None => bytes.len(),
                };
                i = skip_past_gt(bytes, i);
                continue;
            }
            if rest.starts_with("<!--") {
                i = match lower[i..].find("-->") {
                    Some(at) => i + at + 3,
                    None => bytes.len(),
                };
                continue;
            }
            if rest.starts_with("<title") && tag_boundary(rest, 6) {
                in_title = true;
            } else if rest.starts_with("</title") {
                in_title = false;
            }
            let block = [
                "<br", "<p", "</p", "<div", "</div", "<li", "<tr", "<h", "</h", "<td",
            ]
            .iter()
            .any(|t| rest.starts_with(t));
            i = skip_past_gt(bytes, i);
            if block && !in_title {
                text.push('\n');
            } else {
                text.push(' ');
            }
            continue;
        }
        let end = html[i..].find('<').map_or(html.len(), |at| i + at);
        let piece = decode_entities(&html[i..end]);
        if in_title {
            title.push_str(&piece);
        } else {
            text.push_str(&piece);
        }
        i = end;
    }
    (squash(&title), squash_lines(&text))
}

fn tag_boundary(rest: &str, at: usize) -> bool {
    rest.as_bytes()
        .get(at)
        .is_none_or(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
}

fn skip_past_gt(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|b| *b == b'>')
        .map_or(bytes.len(), |p| from + p + 1)
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn squash_lines(s: &str) -> String {
    s.lines()
        .map(squash)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        // Entity names are short; look for the ';' within a few characters only.
        let window = rest.char_indices().nth(12).map_or(rest.len(), |(at, _)| at);
        let Some(semi) = rest[..window].find(';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..semi];
        let decoded = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" | "#39" => Some('\''),
            "nbsp" => Some(' '),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::html_title_and_text;

    #[test]
    fn visible_text_only() {
        let html = "<html><head><title>Shop &amp; Đồng hồ</title><style>p{color:red}</style>\
                    <script>var x = '<p>ẩn</p>';</script></head><body><!-- ghi chú -->\
                    <h1>Đồng hồ giả</h1><p>Giá&nbsp;1.200.000&#273;</p><div>Liên hệ</div></body></html>";
        let (title, text) = html_title_and_text(html);
        assert_eq!(title, "Shop & Đồng hồ");
        assert!(text.contains("Đồng hồ giả"), "{text}");
        assert!(text.contains("Giá 1.200.000đ"), "{text}");
        assert!(
            !text.contains("ẩn") && !text.contains("color") && !text.contains("ghi chú"),
            "{text}"
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = html_title_and_text(&s);
        }
    }
}

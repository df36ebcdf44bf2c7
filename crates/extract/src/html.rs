//! HTML → the text a reader sees, with a map back to the source. Script, style and
//! comments are dropped, entities decoded, whitespace collapsed, block elements end a
//! line; inline elements join their text as the browser does, so a number split over
//! `<span>`s to dodge filters reads whole. The `href` of each link is kept with its
//! place in the source: profile and shop links often have no visible URL.

/// The visible text of a page and where each part came from.
#[derive(Debug, Clone, Default)]
pub struct VisibleText {
    pub text: String,
    /// (text offset, source offset, verbatim): text from `text offset` on was copied
    /// from `source offset` on, byte for byte when verbatim.
    segments: Vec<(usize, usize, bool)>,
    /// Link targets: (value as decoded, source start, source end).
    pub links: Vec<(String, usize, usize)>,
}

impl VisibleText {
    /// The source offset of text offset `t`.
    pub fn source_offset(&self, t: usize) -> usize {
        let i = self.segments.partition_point(|s| s.0 <= t);
        if i == 0 {
            return 0;
        }
        let (ts, ss, verbatim) = self.segments[i - 1];
        if verbatim { ss + (t - ts) } else { ss }
    }

    fn push_verbatim(&mut self, s: &str, src: usize) {
        self.segments.push((self.text.len(), src, true));
        self.text.push_str(s);
    }

    fn push_other(&mut self, s: &str, src: usize) {
        self.segments.push((self.text.len(), src, false));
        self.text.push_str(s);
    }

    fn ends_with_space(&self) -> bool {
        self.text.is_empty() || self.text.ends_with([' ', '\n'])
    }
}

const SKIP: &[&str] = &["script", "style", "noscript", "template", "svg", "head"];
const BLOCK: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "tr",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "form",
    "hr",
    "title",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "dl",
    "figure",
    "figcaption",
    "address",
    "option",
];
const CELL: &[&str] = &["td", "th", "button", "label", "input"];

pub fn visible_text(html: &str) -> VisibleText {
    let mut out = VisibleText::default();
    let b = html.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'<' {
            if html[i..].starts_with("<!--") {
                i = html[i + 4..].find("-->").map_or(b.len(), |e| i + 4 + e + 3);
                continue;
            }
            let Some(tag) = parse_tag(html, i) else {
                text_run(&mut out, html, i, i + 1);
                i += 1;
                continue;
            };
            let name = tag.name.as_str();
            if SKIP.contains(&name) && !tag.closing && !tag.self_closing {
                let close = format!("</{name}");
                let lower_rest = &html[tag.end..];
                i = find_ci(lower_rest, &close).map_or(b.len(), |e| {
                    let after = tag.end + e;
                    html[after..].find('>').map_or(b.len(), |g| after + g + 1)
                });
                if name == "head" {
                    // The title is visible (tab, search results) and often names the shop.
                    if let Some((ts, te)) = title_of(html, tag.end, i) {
                        out.push_other("\n", tag.start);
                        text_run(&mut out, html, ts, te);
                        out.push_other("\n", te);
                    }
                }
                continue;
            }
            if matches!(name, "a" | "link" | "area")
                && let Some((v, s, e)) = tag.href
            {
                out.links.push((decode_entities(&v), s, e));
            }
            if BLOCK.contains(&name) {
                if !out.text.ends_with('\n') && !out.text.is_empty() {
                    out.push_other("\n", tag.start);
                }
            } else if CELL.contains(&name) && !out.ends_with_space() {
                out.push_other(" ", tag.start);
            }
            i = tag.end;
        } else {
            let end = html[i..].find('<').map_or(b.len(), |e| i + e);
            text_run(&mut out, html, i, end);
            i = end;
        }
    }
    out
}

/// The source range of `<title>`'s text within `from..to`.
fn title_of(html: &str, from: usize, to: usize) -> Option<(usize, usize)> {
    let s = find_ci(&html[from..to], "<title")? + from;
    let s = html[s..to].find('>')? + s + 1;
    let e = find_ci(&html[s..to], "</title")? + s;
    Some((s, e))
}

fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    hay.as_bytes()
        .windows(n.len())
        .position(|w| w.eq_ignore_ascii_case(n))
}

/// Appends the text of source `start..end`: entities decoded, whitespace collapsed.
fn text_run(out: &mut VisibleText, html: &str, start: usize, end: usize) {
    let s = &html[start..end];
    let mut i = 0;
    let mut plain_from = 0;
    let flush = |out: &mut VisibleText, from: usize, to: usize| {
        if to > from {
            out.push_verbatim(&s[from..to], start + from);
        }
    };
    let bytes = s.as_bytes();
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            flush(out, plain_from, i);
            let mut j = i;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if !out.ends_with_space() {
                out.push_other(" ", start + i);
            }
            i = j;
            plain_from = j;
        } else if c == b'&' {
            if let Some((decoded, len)) = entity(&s[i..]) {
                flush(out, plain_from, i);
                let mut buf = [0u8; 4];
                let d = if decoded == '\u{a0}' {
                    " "
                } else {
                    decoded.encode_utf8(&mut buf)
                };
                if !(d == " " && out.ends_with_space()) {
                    out.push_other(d, start + i);
                }
                i += len;
                plain_from = i;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    flush(out, plain_from, bytes.len());
}

/// One entity at the start of `s`: the character and the entity's length.
fn entity(s: &str) -> Option<(char, usize)> {
    let end = s.as_bytes()[..s.len().min(12)]
        .iter()
        .position(|&c| c == b';')?;
    let body = &s[1..end];
    let c = if let Some(num) = body.strip_prefix('#') {
        let v = match num.strip_prefix(['x', 'X']) {
            Some(h) => u32::from_str_radix(h, 16).ok()?,
            None => num.parse().ok()?,
        };
        char::from_u32(v).filter(|c| *c != '\0')?
    } else {
        match body {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => '\u{a0}',
            "ndash" => '–',
            "mdash" => '—',
            "hellip" => '…',
            "copy" => '©',
            "reg" => '®',
            "trade" => '™',
            "laquo" => '«',
            "raquo" => '»',
            "bull" => '•',
            "middot" => '·',
            _ => return None,
        }
    };
    Some((c, end + 1))
}

pub(crate) fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s.as_bytes()[i] == b'&'
            && let Some((c, len)) = entity(&s[i..])
        {
            out.push(c);
            i += len;
            continue;
        }
        let c = s[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

struct Tag {
    start: usize,
    end: usize,
    name: String,
    closing: bool,
    self_closing: bool,
    href: Option<(String, usize, usize)>,
}

/// Parses the tag that starts at `i` ('<'); `None` when this '<' is text.
fn parse_tag(html: &str, i: usize) -> Option<Tag> {
    let b = html.as_bytes();
    let mut j = i + 1;
    let closing = b.get(j) == Some(&b'/');
    if closing {
        j += 1;
    }
    if b.get(j) == Some(&b'!') || b.get(j) == Some(&b'?') {
        let end = html[j..].find('>').map_or(b.len(), |e| j + e + 1);
        return Some(Tag {
            start: i,
            end,
            name: String::new(),
            closing,
            self_closing: true,
            href: None,
        });
    }
    let name_start = j;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-' || b[j] == b':') {
        j += 1;
    }
    if j == name_start || !b[name_start].is_ascii_alphabetic() {
        return None;
    }
    let name = html[name_start..j].to_ascii_lowercase();
    let mut href = None;
    // Attributes: name[=value], values quoted or not; a quoted '>' does not end the tag.
    loop {
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if j >= b.len() {
            return Some(Tag {
                start: i,
                end: b.len(),
                name,
                closing,
                self_closing: false,
                href,
            });
        }
        if b[j] == b'>' {
            let self_closing = j > 0 && b[j - 1] == b'/';
            return Some(Tag {
                start: i,
                end: j + 1,
                name,
                closing,
                self_closing,
                href,
            });
        }
        let an = j;
        while j < b.len() && !b[j].is_ascii_whitespace() && !matches!(b[j], b'=' | b'>') {
            j += 1;
        }
        let attr = html[an..j].to_ascii_lowercase();
        if j == an {
            j += 1;
            continue;
        }
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if b.get(j) != Some(&b'=') {
            continue;
        }
        j += 1;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        let (vs, ve, next) = match b.get(j) {
            Some(&q @ (b'"' | b'\'')) => {
                let e = html[j + 1..].find(q as char).map_or(b.len(), |e| j + 1 + e);
                (j + 1, e, (e + 1).min(b.len()))
            }
            _ => {
                let mut e = j;
                while e < b.len() && !b[e].is_ascii_whitespace() && b[e] != b'>' {
                    e += 1;
                }
                (j, e, e)
            }
        };
        if attr == "href" {
            href = Some((html[vs..ve].to_string(), vs, ve));
        }
        j = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_text_and_offsets() {
        let h = "<html><head><title>Shop A</title><style>p{}</style></head><body>\
                 <p>SĐT: <span>0912</span><span>345678</span></p><script>var x='0987654321'</script>\
                 <!-- 0911111111 --><div>Giá&nbsp;100.000&#8363;</div><a href=\"https://zalo.me/0912345678\">Zalo</a></body></html>";
        let v = visible_text(h);
        assert_eq!(v.text.trim(), "Shop A\nSĐT: 0912345678\nGiá 100.000₫\nZalo");
        let t = v.text.find("0912").unwrap_or(0);
        assert_eq!(&h[v.source_offset(t)..v.source_offset(t) + 4], "0912");
        assert_eq!(v.links.len(), 1);
        let (url, s, e) = &v.links[0];
        assert_eq!(&h[*s..*e], url);
    }

    #[test]
    fn broken_markup_does_not_panic() {
        for h in [
            "<",
            "<a href=",
            "<a href='x",
            "a < b > c",
            "&#xFFFFFFFF;",
            "<!--",
            "<script>",
            "&",
            "<p",
        ] {
            let _ = visible_text(h);
        }
    }
}

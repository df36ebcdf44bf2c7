//! What one re-capture of a watched page amounts to. A site that is down, times out or
//! blocks us (403, 429, a captcha page) is a check error with a stable code, never a
//! "change": the text of a block page says nothing about the shop.

use crate::captures::WebCaptureInput;

/// The result of fetching a watched URL, as the capture stack hands it over.
#[derive(Debug, Clone)]
pub enum CheckOutcome {
    Page(PageSeen),
    /// Nothing usable was received: `code` is the capture's stable error code
    /// (`policy_refused`, `dns_failed`, `connect_failed`, `total_timeout`, …).
    Failed {
        code: String,
        message: String,
    },
}

#[derive(Debug, Clone, Default)]
pub struct PageSeen {
    pub http_status: Option<u16>,
    pub final_url: String,
    pub title: String,
    pub text: Option<String>,
    /// Why the response was cut short; `None` when complete.
    pub partial_reason: Option<String>,
    pub warc: Option<Vec<u8>>,
    pub screenshot: Option<Vec<u8>>,
}

impl CheckOutcome {
    /// From what `capture_for_evidence` / the browser capturer returned.
    pub fn from_capture(input: WebCaptureInput) -> CheckOutcome {
        let mut page = PageSeen {
            http_status: input.http_status,
            final_url: input.final_url,
            title: input.title,
            text: input.text,
            partial_reason: input.partial_reason,
            ..PageSeen::default()
        };
        for artifact in input.artifacts {
            match artifact.role.as_str() {
                "warc" => page.warc = Some(artifact.bytes),
                "screenshot" => page.screenshot = Some(artifact.bytes),
                _ => {}
            }
        }
        CheckOutcome::Page(page)
    }
}

/// Words of the interstitials sites show to bots instead of the page.
const CAPTCHA_MARKERS: &[&str] = &[
    "captcha",
    "are you a robot",
    "verify you are human",
    "unusual traffic",
    "xác minh bạn không phải là robot",
    "xác minh bạn là con người",
];

/// Why a received page is not an observation of the shop, as (code, message).
pub fn page_error(page: &PageSeen) -> Option<(&'static str, String)> {
    if let Some(reason) = &page.partial_reason {
        return Some((
            "partial_capture",
            format!("the page was not received completely ({reason})"),
        ));
    }
    match page.http_status {
        Some(403) => {
            return Some((
                "blocked",
                "the site refused the request (HTTP 403); it may be blocking automated visits"
                    .into(),
            ));
        }
        Some(429) => {
            return Some((
                "rate_limited",
                "the site asked us to slow down (HTTP 429); the next check waits longer".into(),
            ));
        }
        Some(s) if s >= 500 => {
            return Some((
                "server_error",
                format!("the site answered with a server error (HTTP {s})"),
            ));
        }
        _ => {}
    }
    let text = page.text.as_deref().unwrap_or("");
    // A captcha wall is short; a long page that merely mentions the word is a page.
    if text.len() < 4000 {
        let lower = format!("{} {}", page.title, text).to_lowercase();
        if CAPTCHA_MARKERS.iter().any(|m| lower.contains(m)) {
            return Some((
                "captcha",
                "the site showed a captcha page instead of the content".into(),
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(status: u16, text: &str) -> PageSeen {
        PageSeen {
            http_status: Some(status),
            text: Some(text.into()),
            ..PageSeen::default()
        }
    }

    #[test]
    fn blocks_and_outages_are_errors() {
        assert_eq!(page_error(&page(403, "x")).map(|e| e.0), Some("blocked"));
        assert_eq!(
            page_error(&page(429, "x")).map(|e| e.0),
            Some("rate_limited")
        );
        assert_eq!(
            page_error(&page(503, "x")).map(|e| e.0),
            Some("server_error")
        );
        assert_eq!(
            page_error(&page(200, "Please complete the CAPTCHA")).map(|e| e.0),
            Some("captcha")
        );
        assert_eq!(page_error(&page(200, "Giá 100.000đ")), None);
        // A shop that is gone is worth seeing, not an error.
        assert_eq!(page_error(&page(404, "Không tìm thấy")), None);
    }
}

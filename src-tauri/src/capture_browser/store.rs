//! Storing what the capture browser took: the page must pass the network policy as
//! visited and where it ended, then it becomes a web capture in the case, the main
//! window is told, and its digest is stamped in the background.

use std::sync::{Arc, Mutex};

use truyvet_browser::PageCapture;
use truyvet_capture::{NetworkPolicy, evidence_from_page};
use truyvet_core::model::EvidenceItem;
use truyvet_core::{Error, ErrorCode, Workspace};

use super::Reply;
use crate::commands::AppError;
use crate::commands::capture::capture_error;
use crate::events::{BrowserEventKind, CaptureBrowserEvent, Notifier};

/// A page to store, in the order the session produced it.
pub(super) struct Job {
    /// The visited URL (for "capture now", the page's URL).
    pub url: String,
    pub page: Box<PageCapture>,
    pub refused: Vec<String>,
    pub reply: Option<Reply<EvidenceItem>>,
}

/// What the storing thread does, in the order the session produced it.
pub(super) enum Work {
    Page(Job),
    /// Chromium showed its own error page for this address (nothing to capture).
    ErrorPage(String),
}

/// What storing needs; shared by the session thread and the storing thread.
pub(super) struct Store {
    pub case_code: String,
    pub policy: NetworkPolicy,
    pub investigator: String,
    pub device: String,
    pub workspace: Arc<Mutex<Workspace>>,
    pub notifier: Notifier,
}

impl Store {
    pub fn event(&self, kind: BrowserEventKind, url: Option<String>) -> CaptureBrowserEvent {
        CaptureBrowserEvent {
            kind,
            case_code: self.case_code.clone(),
            url,
            evidence: None,
            error: None,
        }
    }

    pub fn failed(&self, url: Option<String>, error: AppError) {
        let mut event = self.event(BrowserEventKind::Failed, url);
        event.error = Some(error);
        self.notifier.capture_browser(&event);
    }

    pub fn run(&self, work: Work) {
        match work {
            Work::Page(job) => self.store(job),
            Work::ErrorPage(url) => self.error_page(url),
        }
    }

    /// A page Chromium could not show: most often the policy proxy refused it (a link or
    /// redirect to an address the policy forbids), so it is checked again here to say
    /// which; otherwise the connection failed. Either way nothing is stored.
    pub fn error_page(&self, url: String) {
        let error = match self.policy.check_url(&url) {
            Err(e) => capture_error(e),
            Ok(_) => Error::new(
                ErrorCode::CaptureFailed,
                format!("connect_failed: Chromium showed its error page for {url}"),
            )
            .into(),
        };
        self.failed(Some(url), error);
    }

    pub fn store(&self, job: Job) {
        let result = self.evidence(&job);
        match &result {
            Ok(item) => {
                let mut event = self.event(BrowserEventKind::Captured, Some(job.url.clone()));
                event.evidence = Some(item.clone());
                self.notifier.capture_browser(&event);
                crate::commands::timestamp::stamp_in_background(
                    self.workspace.clone(),
                    self.notifier.clone(),
                );
            }
            Err(e) => self.failed(Some(job.url.clone()), e.clone()),
        }
        if let Some(reply) = job.reply {
            let _ = reply.send(result);
        }
    }

    fn evidence(&self, job: &Job) -> Result<EvidenceItem, AppError> {
        // The page went through the policy proxy, but the proxy only refuses its
        // requests: the page itself, as visited and where it ended, must pass as well,
        // or it is refused rather than stored (an error page is no evidence).
        self.policy.check_url(&job.url).map_err(capture_error)?;
        if job.page.final_url != job.url {
            self.policy
                .check_url(&job.page.final_url)
                .map_err(capture_error)?;
        }
        let input = evidence_from_page(
            &job.page,
            job.refused.clone(),
            &self.investigator,
            &self.device,
        )
        .map_err(capture_error)?;
        let mut ws = crate::state::lock(&self.workspace)?;
        Ok(ws.add_web_capture(&self.case_code, &input)?)
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use truyvet_browser::ScrollOutcome;

    use super::*;
    use crate::capture_browser::guard;

    fn page(url: &str, final_url: &str) -> PageCapture {
        PageCapture {
            requested_url: url.into(),
            final_url: final_url.into(),
            title: "Trang".into(),
            main_status: Some(200),
            started_at: SystemTime::now(),
            finished_at: SystemTime::now(),
            user_agent: "test".into(),
            browser_version: "Chrome/1".into(),
            protocol_version: "1.3".into(),
            screenshot: None,
            mhtml: None,
            dom_html: Some("<p>trang</p>".into()),
            visible_text: Some("trang".into()),
            exchanges: Vec::new(),
            scroll: ScrollOutcome::default(),
            partial: false,
            partial_reasons: Vec::new(),
        }
    }

    /// A visited page on an address the policy refuses (as visited, or where it ended)
    /// is reported as refused and not stored; an allowed one is stored. An error page
    /// of Chromium is reported as refused when the policy refuses its address.
    #[test]
    fn a_refused_visit_is_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = Workspace::open(dir.path()).unwrap();
        ws.save_profile(&truyvet_core::model::ProfileInput {
            display_name: "Lý Thị Mai".into(),
            agency: "QLTT".into(),
            unit: "Đội 4".into(),
            province: "HN".into(),
            role: truyvet_core::model::Role::Investigator,
        })
        .unwrap();
        let case = ws
            .create_case(&truyvet_core::model::NewCase {
                title: "Đồng hồ".into(),
                ..Default::default()
            })
            .unwrap();
        let told = Arc::new(Mutex::new(Vec::new()));
        let sink = told.clone();
        let store = Store {
            case_code: case.code.clone(),
            policy: NetworkPolicy::default().allow("203.0.113.7").unwrap(),
            investigator: "Lý Thị Mai".into(),
            device: "test".into(),
            workspace: Arc::new(Mutex::new(ws)),
            notifier: Notifier::from_fn(move |name, value| guard(&sink).push((name, value))),
        };
        let job = |url: &str, final_url: &str| Job {
            url: url.into(),
            page: Box::new(page(url, final_url)),
            refused: Vec::new(),
            reply: None,
        };
        store.store(job("http://10.0.0.1/admin", "http://10.0.0.1/admin"));
        store.store(job("http://203.0.113.7/a", "http://169.254.169.254/"));
        store.store(job("http://203.0.113.7/a", "http://203.0.113.7/b"));
        // Error pages of Chromium: refused by the policy, or a failed connection.
        store.run(Work::ErrorPage("http://10.1.2.3/shop".into()));
        store.run(Work::ErrorPage("http://203.0.113.7/gone".into()));
        let told = guard(&told).clone();
        let kinds: Vec<_> = told.iter().map(|(_, v)| v["kind"].clone()).collect();
        assert_eq!(
            kinds,
            ["failed", "failed", "captured", "failed", "failed"],
            "{told:?}"
        );
        for (_, failed) in told[..2].iter().chain(&told[3..4]) {
            assert_eq!(failed["error"]["code"], "capture_failed");
            let message = failed["error"]["message"].as_str().unwrap();
            assert!(message.starts_with("policy_refused"), "{message}");
        }
        assert_eq!(told[3].1["url"], "http://10.1.2.3/shop");
        let unreachable = told[4].1["error"]["message"].as_str().unwrap();
        assert!(unreachable.starts_with("connect_failed"), "{unreachable}");
        let stored = guard(&store.workspace).case_detail(&case.code).unwrap();
        assert_eq!(stored.evidence.len(), 1);
        assert_eq!(
            stored.evidence[0].source_path.as_deref(),
            Some("http://203.0.113.7/b")
        );
    }
}

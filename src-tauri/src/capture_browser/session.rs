//! The session thread: its own current-thread runtime (the DevTools client is not
//! `Send`), the policy proxy, Chromium, and the loop that answers the commands' requests
//! and hands every capture to the storing thread in visit order.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::mpsc;
use truyvet_browser::{BrowserOptions, SessionEvent, VisitKind, launch_visible};
use truyvet_capture::policy_proxy::PolicyProxy;
use truyvet_core::{Error, ErrorCode};

use super::store::{Job, Store, Work};
use super::{BrowserErrorCode, Reply, Request, SessionSpec, Shared, guard};
use crate::commands::AppError;
use crate::events::{BrowserEventKind, Notifier};

/// How often the session checks that Chromium is still there (its window may be closed
/// by the investigator at any time).
const LIVENESS_CHECK: Duration = Duration::from_millis(500);

/// A browser failure as the UI sees it: `capture_failed` with a sub-code in front of
/// the message, like the other captures.
fn browser_error(e: truyvet_browser::Error) -> AppError {
    use truyvet_browser::Error as B;
    let reason = match &e {
        B::NotFound(_) => return BrowserErrorCode::ChromiumMissing.error(e.to_string()),
        B::Navigation { .. } | B::NoResponse { .. } => "connect_failed",
        B::NoPage => "no_page",
        B::Launch(_) | B::Cdp(_) | B::NothingCaptured { .. } => "browser_error",
    };
    Error::new(ErrorCode::CaptureFailed, format!("{reason}: {e}")).into()
}

/// The session thread: its own runtime, Chromium, and the storing thread.
pub(super) fn run_session(
    spec: SessionSpec,
    options: BrowserOptions,
    requests: mpsc::UnboundedReceiver<Request>,
    shared: &Shared,
    ready: Reply<()>,
    notifier: Notifier,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready.send(Err(Error::internal(format!(
                "cannot start the capture browser's runtime: {e}"
            ))
            .into()));
            return;
        }
    };
    let store = Arc::new(Store {
        case_code: spec.case_code,
        policy: spec.policy,
        investigator: spec.investigator,
        device: spec.device,
        workspace: spec.workspace,
        notifier,
    });
    let storing = runtime.block_on(drive(
        store.clone(),
        &spec.profile_dir,
        options,
        requests,
        shared,
        ready,
    ));
    // Captures already taken are stored before the session counts as closed.
    if let Some(storing) = storing {
        let _ = storing.join();
        shared.alive.store(false, Ordering::SeqCst);
        store
            .notifier
            .capture_browser(&store.event(BrowserEventKind::Closed, None));
    }
}

/// Runs the browser until it is closed; returns the storing thread once the browser
/// was up (`None` when it never started; `ready` then carries the reason).
async fn drive(
    store: Arc<Store>,
    profile_dir: &std::path::Path,
    mut options: BrowserOptions,
    mut requests: mpsc::UnboundedReceiver<Request>,
    shared: &Shared,
    ready: Reply<()>,
) -> Option<std::thread::JoinHandle<()>> {
    let proxy = match PolicyProxy::start(store.policy.clone()).await {
        Ok(proxy) => proxy,
        Err(e) => {
            let _ = ready.send(Err(Error::new(
                ErrorCode::IoError,
                format!("cannot start the policy proxy: {e}"),
            )
            .into()));
            return None;
        }
    };
    options.proxy.server = Some(proxy.url());
    // Loopback too: without this Chromium would reach 127.0.0.1 around the proxy.
    options.proxy.bypass_list = Some("<-loopback>".into());
    let mut session = match launch_visible(profile_dir, &options).await {
        Ok(session) => session,
        Err(e) => {
            let _ = ready.send(Err(browser_error(e)));
            return None;
        }
    };
    let _ = ready.send(Ok(()));

    let (jobs, jobs_rx) = std::sync::mpsc::channel::<Work>();
    let storing_store = store.clone();
    let storing = std::thread::Builder::new()
        .name("capture-browser-store".into())
        .spawn(move || {
            for work in jobs_rx {
                storing_store.run(work);
            }
        });
    let storing = match storing {
        Ok(thread) => thread,
        Err(e) => {
            store.failed(
                None,
                Error::internal(format!("cannot start storing: {e}")).into(),
            );
            session.close().await;
            return None;
        }
    };
    // The proxy's refusals accumulate; each capture takes the ones since the last.
    let mut refused_seen = 0;
    let mut take_refused = || {
        let all = proxy.refused();
        let new = all.get(refused_seen..).unwrap_or_default().to_vec();
        refused_seen = all.len();
        new
    };
    let mut liveness = tokio::time::interval(LIVENESS_CHECK);
    loop {
        tokio::select! {
            request = requests.recv() => match request {
                None | Some(Request::Close) => break,
                Some(Request::Paused(true)) => session.pause(),
                Some(Request::Paused(false)) => session.resume(),
                Some(Request::Navigate(url, reply)) => {
                    let _ = reply.send(session.navigate(&url).await.map_err(browser_error));
                }
                Some(Request::CaptureNow(reply)) => match session.capture_now().await {
                    Ok(page) => {
                        let job = Job {
                            url: page.requested_url.clone(),
                            page: Box::new(page),
                            refused: take_refused(),
                            reply: Some(reply),
                        };
                        let _ = jobs.send(Work::Page(job));
                    }
                    Err(e) => {
                        let error = browser_error(e);
                        store.failed(guard(&shared.url).clone(), error.clone());
                        let _ = reply.send(Err(error));
                    }
                },
            },
            event = session.next_event() => match event {
                None => break,
                Some(SessionEvent::Visited(visit)) if visit.kind == VisitKind::ErrorPage => {
                    // After the captures already queued, so the panel reads in order.
                    let _ = jobs.send(Work::ErrorPage(visit.url));
                }
                Some(SessionEvent::Visited(visit)) => {
                    *guard(&shared.url) = Some(visit.url.clone());
                    store.notifier.capture_browser(
                        &store.event(BrowserEventKind::Visited, Some(visit.url)),
                    );
                }
                Some(SessionEvent::Captured { visit, result }) => match *result {
                    Ok(page) => {
                        let job = Job {
                            url: visit.url,
                            page: Box::new(page),
                            refused: take_refused(),
                            reply: None,
                        };
                        let _ = jobs.send(Work::Page(job));
                    }
                    Err(e) => store.failed(Some(visit.url), browser_error(e)),
                },
                Some(SessionEvent::TabClosed { .. }) => {}
            },
            _ = liveness.tick() => {
                if !session.is_running() {
                    break;
                }
            }
        }
    }
    drop(jobs);
    session.close().await;
    Some(storing)
}

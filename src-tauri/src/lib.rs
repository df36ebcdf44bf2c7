//! The desktop shell: opens the workspace, holds the single-instance lock and registers
//! the IPC commands. All behaviour lives in `truyvet-core`; `commands/` only translates.

mod capture_browser;
mod commands;
mod events;
mod protocols;
mod state;

use std::path::PathBuf;

use tauri::{Builder, Manager, RunEvent, Runtime};
use truyvet_core::Workspace;

pub use capture_browser::CaptureBrowser;
pub use commands::sync::{SyncPacing, SyncRunner};
pub use state::AppState;

/// Where the app's workspace is: `--workspace DIR` on the command line, then
/// `$TRUYVET_HOME`, then the settings screen's choice (app config file), then the OS
/// data folder.
pub fn workspace_location(args: impl IntoIterator<Item = String>) -> truyvet_core::Result<PathBuf> {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--workspace" {
            if let Some(dir) = args.next() {
                return Ok(PathBuf::from(dir));
            }
        } else if let Some(dir) = arg.strip_prefix("--workspace=") {
            return Ok(PathBuf::from(dir));
        }
    }
    if std::env::var_os(truyvet_core::HOME_ENV).is_none_or(|v| v.is_empty())
        && let Ok(config) = truyvet_core::app_config::AppConfig::load()
        && let Some(dir) = config.workspace
    {
        return Ok(dir);
    }
    Workspace::default_location()
}

pub fn run() {
    let state = AppState::start(workspace_location(std::env::args().skip(1)));
    if let Err(err) = run_app(tauri::Builder::default(), state) {
        eprintln!("TruyVết could not start: {err}");
        std::process::exit(1);
    }
}

/// The app on any runtime, so tests can drive it with Tauri's mock runtime.
pub fn run_app<R: Runtime>(builder: Builder<R>, state: AppState) -> tauri::Result<()> {
    let app = configure(builder, state).build(tauri::generate_context!())?;
    // Background sync: pushes queued sealed cases when their retry time comes and pulls
    // the watchlist, only while a registry is configured (the loop checks each tick).
    // The loop asks the slot for the workspace at each tick, so it pauses while the
    // app is locked or not yet set up.
    let slot = app.state::<AppState>().slot().clone();
    let notifier = events::Notifier::for_app(app.handle().clone());
    app.state::<SyncRunner>().spawn_loop(slot.clone(), notifier);
    // Re-captures due watched pages while the app runs (paused while it is locked).
    app.state::<commands::watch::WatchRunner>()
        .spawn_loop(slot.clone());
    commands::lock::IdleLock::spawn_ticker(
        app.state::<std::sync::Arc<commands::lock::IdleLock>>()
            .inner()
            .clone(),
        slot,
    );
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            handle.state::<SyncRunner>().stop();
            handle.state::<commands::watch::WatchRunner>().stop();
            // Closing the app closes the capture browser (and stores what it took).
            handle
                .state::<CaptureBrowser>()
                .close(commands::browser::CLOSE_WAIT);
        }
    });
    Ok(())
}

/// Plugins, state and commands: everything but the context and the event loop.
pub fn configure<R: Runtime>(builder: Builder<R>, state: AppState) -> Builder<R> {
    let browser = CaptureBrowser::new(truyvet_browser::BrowserOptions::default());
    configure_with(builder, state, browser)
}

/// [`configure`] with a given capture browser (tests choose its Chromium and display).
pub fn configure_with<R: Runtime>(
    builder: Builder<R>,
    state: AppState,
    browser: CaptureBrowser,
) -> Builder<R> {
    builder
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .manage(std::sync::Arc::new(commands::lock::IdleLock::from_config()))
        .manage(browser)
        .manage(SyncRunner::new(SyncPacing::default()))
        .manage(commands::watch::WatchRunner::new(
            commands::watch::WatchPacing::default(),
        ))
        .register_uri_scheme_protocol(protocols::SCREENSHOT_SCHEME, protocols::screenshot)
        .register_uri_scheme_protocol(protocols::CAPTURE_SCHEME, protocols::capture)
        .invoke_handler(commands::handler())
}

#[cfg(test)]
mod addenda_tests;
#[cfg(test)]
mod browser_tests;
#[cfg(test)]
mod bundle_tests;
#[cfg(test)]
mod contract_tests;
#[cfg(test)]
mod dashboard_tests;
#[cfg(test)]
mod ipc_tests;
#[cfg(test)]
mod sync_tests;

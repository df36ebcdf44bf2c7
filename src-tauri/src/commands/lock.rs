//! The app lock and the start screens: what state the app is in (`app_status`), creating
//! the workspace from the start screen, locking (the sidebar button, the idle timer, a
//! suspend seen as a jump of the wall clock) and unlocking with bounded retries.
//!
//! Idle means no keyboard or mouse in the window: the window reports activity at most
//! every few seconds (`app_activity`) and a ticker here locks when the idle time has
//! passed, so a hidden window whose timers are throttled still locks.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use tauri::State;
use truyvet_core::app_config::AppConfig;
use truyvet_core::{Error, ErrorCode, Result};

use super::{AppError, CmdResult, blocking};
use crate::state::{AppState, Phase, WorkspaceSlot};

/// Shortest workspace passphrase the start screen accepts.
pub const MIN_PASSPHRASE_CHARS: usize = 10;
/// Failed unlocks allowed before each further one waits.
const FREE_ATTEMPTS: u32 = 3;
const FIRST_DELAY: Duration = Duration::from_secs(5);
const MAX_DELAY: Duration = Duration::from_secs(300);
/// How often the ticker looks at the clocks.
pub const TICK: Duration = Duration::from_secs(5);
/// A wall-clock step this much larger than a tick means the machine slept.
pub const SUSPEND_JUMP: Duration = Duration::from_secs(30);

/// The encryption API of the core as the shell uses it (one place to follow it).
pub mod encryption {
    use std::path::Path;

    use truyvet_core::{OpenMode, Result, Workspace};

    pub fn is_encrypted_at(root: &Path) -> bool {
        Workspace::is_encrypted_at(root)
    }

    pub fn is_encrypted(ws: &Workspace) -> bool {
        ws.is_encrypted()
    }

    pub fn create(root: &Path, passphrase: &str) -> Result<Workspace> {
        Workspace::create_encrypted(root, passphrase)
    }

    pub fn open(root: &Path, passphrase: &str) -> Result<Workspace> {
        Workspace::open_with_passphrase(root, OpenMode::Existing, passphrase)
    }

    pub fn change_passphrase(ws: &Workspace, old: &str, new: &str) -> Result<()> {
        ws.change_passphrase(old, new)
    }
}

/// Bounded retries: the first few failures are free, then each waits twice as long as
/// the one before (5 s … 5 min). Kept in memory: restarting the app costs more than the
/// wait, and an encrypted workspace's own throttle is kept by the core.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: u32,
    not_before: Option<Instant>,
}

impl Throttle {
    pub fn check(&self, now: Instant) -> Result<()> {
        match self.not_before {
            Some(t) if now < t => {
                let secs = (t - now).as_secs_f64().ceil() as u64;
                Err(Error::new(
                    ErrorCode::UnlockThrottled,
                    format!("too many wrong passphrases: try again in {secs} s"),
                ))
            }
            _ => Ok(()),
        }
    }

    pub fn failed(&mut self, now: Instant) {
        self.failures += 1;
        if self.failures >= FREE_ATTEMPTS {
            let doublings = (self.failures - FREE_ATTEMPTS).min(10);
            let delay = (FIRST_DELAY * 2u32.pow(doublings)).min(MAX_DELAY);
            self.not_before = Some(now + delay);
        }
    }

    pub fn succeeded(&mut self) {
        *self = Throttle::default();
    }
}

/// Why the ticker locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockReason {
    Idle,
    Suspend,
}

/// The ticker's decision, from the clocks alone (so it can be tested without waiting).
pub fn should_lock(
    wall_since_last_tick: Option<Duration>,
    idle_for: Duration,
    idle_limit: Duration,
) -> Option<LockReason> {
    if wall_since_last_tick.is_some_and(|d| d > TICK + SUSPEND_JUMP) {
        return Some(LockReason::Suspend);
    }
    (idle_for >= idle_limit).then_some(LockReason::Idle)
}

/// Last input in the window and the idle limit; managed by the app.
pub struct IdleLock {
    last_activity: Mutex<Instant>,
    limit: Mutex<Duration>,
}

impl IdleLock {
    pub fn new(limit: Duration) -> Self {
        IdleLock {
            last_activity: Mutex::new(Instant::now()),
            limit: Mutex::new(limit),
        }
    }

    /// From the app config (default 10 minutes).
    pub fn from_config() -> Self {
        let minutes = AppConfig::load()
            .map(|c| c.idle_lock_minutes())
            .unwrap_or(truyvet_core::app_config::DEFAULT_IDLE_LOCK_MINUTES);
        IdleLock::new(Duration::from_secs(u64::from(minutes) * 60))
    }

    pub fn touch(&self) {
        if let Ok(mut t) = self.last_activity.lock() {
            *t = Instant::now();
        }
    }

    pub fn set_limit(&self, limit: Duration) {
        if let Ok(mut l) = self.limit.lock() {
            *l = limit;
        }
        self.touch();
    }

    fn idle_for(&self) -> Duration {
        self.last_activity
            .lock()
            .map(|t| t.elapsed())
            .unwrap_or_default()
    }

    fn limit(&self) -> Duration {
        self.limit.lock().map(|l| *l).unwrap_or(Duration::MAX)
    }

    /// Runs the ticker on a thread of its own for the life of the app.
    pub fn spawn_ticker(idle: std::sync::Arc<IdleLock>, slot: WorkspaceSlot) {
        std::thread::spawn(move || {
            let mut last_wall = SystemTime::now();
            loop {
                std::thread::sleep(TICK);
                let now = SystemTime::now();
                let step = now.duration_since(last_wall).ok();
                last_wall = now;
                if slot.phase() != Phase::Open {
                    continue;
                }
                if let Some(reason) = should_lock(step, idle.idle_for(), idle.limit()) {
                    slot.lock();
                    eprintln!("TruyVết locked ({reason:?})");
                }
            }
        });
    }
}

/// What the window needs to pick its screen.
#[derive(Debug, Serialize)]
pub struct AppStatus {
    /// `open`, `locked`, `needs_create` or `failed`.
    pub state: &'static str,
    pub path: Option<String>,
    pub encrypted: bool,
    /// Unlocking asks for a passphrase (the workspace's, or for a workspace that is not
    /// encrypted the current profile's signing-key passphrase).
    pub passphrase_required: bool,
    /// Why the workspace could not be opened (`failed`).
    pub error: Option<AppError>,
    pub idle_lock_minutes: u32,
    pub language: String,
    pub min_passphrase_chars: usize,
}

pub fn status_of(state: &AppState) -> AppStatus {
    let slot = state.slot();
    let config = AppConfig::load().unwrap_or_default();
    let (name, error) = match slot.phase() {
        Phase::Open => ("open", None),
        Phase::Locked => ("locked", None),
        Phase::NeedsCreate => ("needs_create", None),
        Phase::Failed(e) => ("failed", Some(AppError::from(e))),
    };
    AppStatus {
        state: name,
        path: slot.root().map(|p| p.display().to_string()),
        encrypted: slot.is_encrypted(),
        passphrase_required: slot.passphrase_required(),
        error,
        idle_lock_minutes: config.idle_lock_minutes(),
        language: config.language().to_string(),
        min_passphrase_chars: MIN_PASSPHRASE_CHARS,
    }
}

/// Checks a new workspace passphrase (the window checks the same before sending it).
pub fn check_new_passphrase(passphrase: &str) -> Result<()> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::invalid(format!(
            "the passphrase must have at least {MIN_PASSPHRASE_CHARS} characters"
        )));
    }
    Ok(())
}

#[tauri::command]
pub fn app_status(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    Ok(status_of(&state))
}

#[tauri::command]
pub fn app_lock(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    state.slot().lock();
    Ok(status_of(&state))
}

#[tauri::command]
pub fn app_activity(idle: State<'_, std::sync::Arc<IdleLock>>) {
    idle.touch();
}

/// Unlocks; argon2id runs off the IPC thread.
#[tauri::command]
pub async fn app_unlock<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    passphrase: String,
) -> CmdResult<AppStatus> {
    use tauri::Manager as _;
    let handle = app.clone();
    blocking(move || {
        handle
            .state::<AppState>()
            .unlock(&passphrase, Instant::now())
    })
    .await?;
    app.state::<std::sync::Arc<IdleLock>>().touch();
    Ok(status_of(&app.state::<AppState>()))
}

/// Creates the workspace from the start screen: encrypted when a passphrase is given.
#[tauri::command]
pub async fn workspace_create<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    passphrase: Option<String>,
) -> CmdResult<AppStatus> {
    use tauri::Manager as _;
    if let Some(p) = &passphrase {
        check_new_passphrase(p)?;
    }
    let handle = app.clone();
    blocking(move || handle.state::<AppState>().create(passphrase.as_deref())).await?;
    app.state::<std::sync::Arc<IdleLock>>().touch();
    Ok(status_of(&app.state::<AppState>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_lets_three_tries_through_then_doubles_the_wait() {
        let t0 = Instant::now();
        let mut th = Throttle::default();
        for _ in 0..2 {
            th.check(t0).unwrap();
            th.failed(t0);
        }
        th.check(t0).unwrap();
        th.failed(t0);
        let err = th.check(t0).unwrap_err();
        assert_eq!(err.code, ErrorCode::UnlockThrottled);
        assert!(err.message.contains("try again in 5 s"), "{}", err.message);
        th.check(t0 + Duration::from_secs(5)).unwrap();
        th.failed(t0 + Duration::from_secs(5));
        let err = th.check(t0 + Duration::from_secs(6)).unwrap_err();
        assert!(err.message.contains("in 9 s"), "{}", err.message);
        for _ in 0..20 {
            th.failed(t0);
        }
        let err = th.check(t0).unwrap_err();
        assert!(err.message.contains("in 300 s"), "capped: {}", err.message);
        th.succeeded();
        th.check(t0).unwrap();
    }

    #[test]
    fn ticker_locks_on_idle_and_on_a_wall_clock_jump() {
        let limit = Duration::from_secs(600);
        assert_eq!(
            should_lock(Some(TICK), Duration::from_secs(10), limit),
            None
        );
        assert_eq!(
            should_lock(Some(TICK), limit, limit),
            Some(LockReason::Idle)
        );
        assert_eq!(
            should_lock(Some(Duration::from_secs(3600)), Duration::ZERO, limit),
            Some(LockReason::Suspend)
        );
        // A clock set backwards is not a suspend.
        assert_eq!(should_lock(None, Duration::ZERO, limit), None);
    }

    #[test]
    fn new_passphrases_have_a_minimum_length() {
        assert!(check_new_passphrase("ngắn").is_err());
        assert!(check_new_passphrase("mật khẩu đủ dài").is_ok());
    }
}

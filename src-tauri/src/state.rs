//! What the app holds while it runs: the workspace (open, locked, not yet created, or the
//! reason it could not be opened, which every command reports so the UI can explain it)
//! and the lock that keeps a second window off the same workspace.
//!
//! Locking drops the app's handle on the workspace (closing the database and, for an
//! encrypted one, dropping its key); every command then gets `app_locked`. Background
//! runners ask the shared [`WorkspaceSlot`] for the workspace at each tick instead of
//! keeping one, so they pause by themselves while the app is locked.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use truyvet_core::{AppLock, Error, ErrorCode, OpenMode, Result, Workspace};

use crate::commands::lock::{Throttle, encryption};

/// Where the app is in its life with the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Open,
    /// A workspace is there but the app holds nothing of it until a passphrase is given.
    Locked,
    /// The folder has no workspace yet: the window shows the "create workspace" screen.
    NeedsCreate,
    Failed(Error),
}

struct Slot {
    root: Option<PathBuf>,
    open: Option<Arc<Mutex<Workspace>>>,
    app_lock: Option<AppLock>,
    phase: Phase,
    encrypted: bool,
    /// Unlocking asks for a passphrase (false only for an unencrypted workspace whose
    /// current profile has no signing key: there is nothing to check it against).
    passphrase_required: bool,
}

/// The workspace as every part of the app sees it; cheap to clone.
#[derive(Clone)]
pub struct WorkspaceSlot(Arc<Mutex<Slot>>);

impl WorkspaceSlot {
    fn new(slot: Slot) -> Self {
        WorkspaceSlot(Arc::new(Mutex::new(slot)))
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Slot> {
        // A panic while holding this lock leaves consistent data (only whole-field
        // assignments happen under it), so a poisoned lock is still usable.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The open workspace, or why there is none (`app_locked` while locked).
    pub fn get(&self) -> Result<Arc<Mutex<Workspace>>> {
        let slot = self.inner();
        match (&slot.phase, &slot.open) {
            (Phase::Open, Some(ws)) => Ok(ws.clone()),
            (Phase::Locked, _) => Err(Error::new(ErrorCode::AppLocked, "the app is locked")),
            (Phase::NeedsCreate, _) => Err(Error::new(
                ErrorCode::WorkspaceNotFound,
                "no workspace has been created in this folder yet",
            )),
            (Phase::Failed(e), _) => Err(e.clone()),
            (Phase::Open, None) => Err(Error::internal("the workspace handle is missing")),
        }
    }

    /// The workspace for a background runner's next tick; `None` pauses it (locked,
    /// not created, failed).
    pub fn current(&self) -> Option<Arc<Mutex<Workspace>>> {
        self.get().ok()
    }

    pub fn phase(&self) -> Phase {
        self.inner().phase.clone()
    }

    pub fn root(&self) -> Option<PathBuf> {
        self.inner().root.clone()
    }

    pub fn is_encrypted(&self) -> bool {
        self.inner().encrypted
    }

    pub fn passphrase_required(&self) -> bool {
        self.inner().passphrase_required
    }

    /// Locks: the app's handle on the workspace is dropped. False when it was not open.
    pub fn lock(&self) -> bool {
        let mut slot = self.inner();
        if slot.phase != Phase::Open {
            return false;
        }
        let required = match &slot.open {
            Some(ws) => {
                slot.encrypted || lock(ws).and_then(|ws| ws.has_profile_key()).unwrap_or(true)
            }
            None => true,
        };
        slot.passphrase_required = required;
        slot.open = None;
        slot.phase = Phase::Locked;
        true
    }

    /// Installs a freshly opened workspace; takes the single-instance lock if the app
    /// does not hold it yet.
    fn install(&self, ws: Workspace) -> Result<()> {
        let mut slot = self.inner();
        if slot.app_lock.is_none() {
            slot.app_lock = Some(ws.lock_for_app()?);
        }
        slot.encrypted = encryption::is_encrypted(&ws);
        slot.open = Some(Arc::new(Mutex::new(ws)));
        slot.phase = Phase::Open;
        Ok(())
    }
}

impl From<Arc<Mutex<Workspace>>> for WorkspaceSlot {
    /// A slot that always holds `ws` (tests, and runners given one workspace).
    fn from(ws: Arc<Mutex<Workspace>>) -> Self {
        WorkspaceSlot::new(Slot {
            root: lock(&ws).ok().map(|w| w.root().to_path_buf()),
            open: Some(ws),
            app_lock: None,
            phase: Phase::Open,
            encrypted: false,
            passphrase_required: true,
        })
    }
}

pub struct AppState {
    slot: WorkspaceSlot,
    throttle: Mutex<Throttle>,
}

impl AppState {
    fn with_slot(slot: Slot) -> AppState {
        AppState {
            slot: WorkspaceSlot::new(slot),
            throttle: Mutex::new(Throttle::default()),
        }
    }

    fn empty(root: Option<PathBuf>, phase: Phase, encrypted: bool) -> AppState {
        AppState::with_slot(Slot {
            root,
            open: None,
            app_lock: None,
            phase,
            encrypted,
            passphrase_required: true,
        })
    }

    /// Opens (creating when missing) the workspace at `location` (tests, and callers
    /// that want a workspace whatever the folder holds).
    pub fn open(location: Result<PathBuf>) -> AppState {
        let state = match &location {
            Ok(root) => AppState::empty(Some(root.clone()), Phase::Locked, false),
            Err(e) => return AppState::empty(None, Phase::Failed(e.clone()), false),
        };
        if let Err(e) = location
            .and_then(Workspace::open)
            .and_then(|ws| state.slot.install(ws))
        {
            state.slot.inner().phase = Phase::Failed(e);
        }
        state
    }

    /// How the app starts: a folder without a workspace asks to create one, an
    /// encrypted workspace waits for its passphrase, any other opens.
    pub fn start(location: Result<PathBuf>) -> AppState {
        let root = match location {
            Ok(root) => root,
            Err(e) => return AppState::empty(None, Phase::Failed(e), false),
        };
        if encryption::is_encrypted_at(&root) {
            return AppState::empty(Some(root), Phase::Locked, true);
        }
        if !root.join(truyvet_core::DB_FILE).is_file() {
            return AppState::empty(Some(root), Phase::NeedsCreate, false);
        }
        AppState::open(Ok(root))
    }

    pub fn slot(&self) -> &WorkspaceSlot {
        &self.slot
    }

    /// The shared workspace handle, for work moved off the IPC thread.
    pub fn workspace(&self) -> Result<Arc<Mutex<Workspace>>> {
        self.slot.get()
    }

    /// Runs `f` with exclusive access to the workspace.
    pub fn with<T>(&self, f: impl FnOnce(&mut Workspace) -> Result<T>) -> Result<T> {
        let ws = self.workspace()?;
        lock(&ws).and_then(|mut guard| f(&mut guard))
    }

    /// Creates the workspace the start screen asked for: encrypted under `passphrase`,
    /// or plain when it is `None`. Only while no workspace is there.
    pub fn create(&self, passphrase: Option<&str>) -> Result<()> {
        let root = self.ready_for(Phase::NeedsCreate)?;
        let ws = match passphrase {
            Some(p) => encryption::create(&root, p)?,
            None => Workspace::open_with(&root, OpenMode::CreateIfMissing)?,
        };
        self.slot.install(ws)
    }

    /// Unlocks with the workspace passphrase (encrypted) or the current profile's
    /// signing-key passphrase (plain). Failures count toward the throttle.
    pub fn unlock(&self, passphrase: &str, now: std::time::Instant) -> Result<()> {
        let root = self.ready_for(Phase::Locked)?;
        self.throttle_guard().check(now)?;
        let opened = if self.slot.is_encrypted() {
            encryption::open(&root, passphrase)
        } else {
            Workspace::open_with(&root, OpenMode::Existing).and_then(|ws| {
                if self.slot.passphrase_required() {
                    ws.check_profile_passphrase(passphrase)?;
                }
                Ok(ws)
            })
        };
        match opened {
            Ok(ws) => {
                self.throttle_guard().succeeded();
                self.slot.install(ws)
            }
            Err(e) if e.code == ErrorCode::BadPassphrase => {
                self.throttle_guard().failed(now);
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    fn throttle_guard(&self) -> std::sync::MutexGuard<'_, Throttle> {
        self.throttle.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn ready_for(&self, phase: Phase) -> Result<PathBuf> {
        let current = self.slot.phase();
        if current != phase {
            return Err(Error::invalid(format!(
                "the app is not waiting for that (it is {current:?})"
            )));
        }
        self.slot
            .root()
            .ok_or_else(|| Error::internal("no workspace location is known"))
    }
}

pub fn lock(ws: &Mutex<Workspace>) -> Result<std::sync::MutexGuard<'_, Workspace>> {
    ws.lock().map_err(|_| {
        Error::new(
            ErrorCode::Internal,
            "an earlier command failed while holding the workspace",
        )
    })
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use truyvet_core::model::{ProfileInput, Role};

    use super::*;

    const KEY_PASS: &str = "khóa ký của tôi";

    fn with_profile_key(root: &std::path::Path) {
        let mut ws = Workspace::open(root).unwrap();
        ws.save_profile(&ProfileInput {
            display_name: "Đỗ Minh Khoa".into(),
            agency: "QLTT".into(),
            unit: "Đội 1".into(),
            province: "HN".into(),
            role: Role::Investigator,
        })
        .unwrap();
        ws.create_profile_key(KEY_PASS).unwrap();
    }

    #[test]
    fn a_locked_app_holds_no_workspace_and_unlocks_with_the_signing_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        with_profile_key(dir.path());
        let state = AppState::start(Ok(dir.path().to_path_buf()));
        assert_eq!(state.slot().phase(), Phase::Open);
        let runner_view = state.slot().clone();
        assert!(runner_view.current().is_some());

        assert!(state.slot().lock());
        assert_eq!(
            state.workspace().err().map(|e| e.code),
            Some(ErrorCode::AppLocked)
        );
        assert!(runner_view.current().is_none(), "runners pause");
        assert!(state.slot().passphrase_required());

        let t0 = Instant::now();
        let err = state.unlock("sai", t0).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadPassphrase);
        assert_eq!(state.slot().phase(), Phase::Locked);
        state.unlock(KEY_PASS, t0).unwrap();
        assert_eq!(state.slot().phase(), Phase::Open);
        assert!(state.with(|ws| ws.current_profile()).unwrap().is_some());
    }

    #[test]
    fn repeated_wrong_passphrases_are_throttled_even_before_the_right_one() {
        let dir = tempfile::tempdir().unwrap();
        with_profile_key(dir.path());
        let state = AppState::start(Ok(dir.path().to_path_buf()));
        state.slot().lock();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(
                state.unlock("sai", t0).unwrap_err().code,
                ErrorCode::BadPassphrase
            );
        }
        let err = state.unlock(KEY_PASS, t0).unwrap_err();
        assert_eq!(err.code, ErrorCode::UnlockThrottled);
        state.unlock(KEY_PASS, t0 + Duration::from_secs(6)).unwrap();
    }

    #[test]
    fn an_empty_folder_asks_to_create_and_an_encrypted_workspace_starts_locked() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        let state = AppState::start(Ok(root.clone()));
        assert_eq!(state.slot().phase(), Phase::NeedsCreate);
        assert_eq!(
            state.workspace().err().map(|e| e.code),
            Some(ErrorCode::WorkspaceNotFound)
        );
        state.create(Some("một mật khẩu dài")).unwrap();
        assert_eq!(state.slot().phase(), Phase::Open);
        assert!(state.slot().is_encrypted());
        assert!(state.create(None).is_err(), "only once");
        drop(state);

        let again = AppState::start(Ok(root));
        assert_eq!(again.slot().phase(), Phase::Locked);
        assert!(again.slot().is_encrypted());
        let err = again.unlock("sai mật khẩu", Instant::now()).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadPassphrase);
        again.unlock("một mật khẩu dài", Instant::now()).unwrap();
        assert_eq!(again.slot().phase(), Phase::Open);
    }
}

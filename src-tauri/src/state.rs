//! What the app holds while it runs: the open workspace (or the reason it could not be
//! opened, which every command reports so the UI can explain it) and the lock that keeps
//! a second window off the same workspace.

use std::sync::{Arc, Mutex};

use truyvet_core::{AppLock, Error, ErrorCode, Result, Workspace};

pub struct AppState {
    workspace: std::result::Result<Arc<Mutex<Workspace>>, Error>,
    _lock: Option<AppLock>,
}

impl AppState {
    pub fn open(location: Result<std::path::PathBuf>) -> AppState {
        let opened = location.and_then(Workspace::open).and_then(|ws| {
            let lock = ws.lock_for_app()?;
            Ok((ws, lock))
        });
        match opened {
            Ok((ws, lock)) => AppState {
                workspace: Ok(Arc::new(Mutex::new(ws))),
                _lock: Some(lock),
            },
            Err(err) => AppState {
                workspace: Err(err),
                _lock: None,
            },
        }
    }

    /// The shared workspace handle, for work moved off the IPC thread.
    pub fn workspace(&self) -> Result<Arc<Mutex<Workspace>>> {
        self.workspace.clone()
    }

    /// Runs `f` with exclusive access to the workspace.
    pub fn with<T>(&self, f: impl FnOnce(&mut Workspace) -> Result<T>) -> Result<T> {
        let ws = self.workspace()?;
        lock(&ws).and_then(|mut guard| f(&mut guard))
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

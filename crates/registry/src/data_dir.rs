//! The registry's data folder: `registry.db` (SQLite, unless `--database` names another
//! store), `log-key.ed25519` (the log's signing key, 0600), `quarantine/` (uploads in
//! progress, one file per upload id), `staging/` (a bundle being verified), `bundles/`
//! (published bundles, named by their SHA-256).

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct DataDir {
    pub root: PathBuf,
}

impl DataDir {
    /// Creates the folder and its subfolders when missing.
    pub fn open(root: &Path) -> Result<DataDir> {
        let dir = DataDir {
            root: root.to_path_buf(),
        };
        for sub in [
            dir.root.clone(),
            dir.quarantine(),
            dir.staging(),
            dir.bundles(),
        ] {
            fs::create_dir_all(&sub)
                .map_err(|e| Error::io(&format!("cannot create {}", sub.display()), &e))?;
        }
        Ok(dir)
    }

    pub fn database(&self) -> PathBuf {
        self.root.join("registry.db")
    }

    pub fn key_file(&self) -> PathBuf {
        self.root.join("log-key.ed25519")
    }

    pub fn quarantine(&self) -> PathBuf {
        self.root.join("quarantine")
    }

    pub fn upload_file(&self, id: &str) -> PathBuf {
        self.quarantine().join(id)
    }

    pub fn staging(&self) -> PathBuf {
        self.root.join("staging")
    }

    pub fn bundles(&self) -> PathBuf {
        self.root.join("bundles")
    }

    pub fn bundle_file(&self, sha256: &str) -> PathBuf {
        self.bundles().join(format!("{sha256}.wacz"))
    }
}

/// fsync of a folder, so a rename or a new file in it survives power loss.
pub fn sync_dir(dir: &Path) -> Result<()> {
    fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(&format!("cannot sync {}", dir.display()), &e))
}

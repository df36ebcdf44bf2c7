//! The startup sweep: what a crash can leave behind is removed before the first request.
//! Staging folders (a verification in progress) go; a quarantine file without its upload
//! row, and an upload row without its file, go; a bundle file no published case names
//! (linked just before a publishing transaction that never committed) goes. Uploads with
//! both row and file stay, so their clients resume.

use std::fs;

use crate::data_dir::DataDir;
use crate::error::{Error, Result};
use crate::store::Store;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub staging: usize,
    pub quarantine: usize,
    pub uploads: usize,
    pub bundles: usize,
}

pub fn sweep(dir: &DataDir, store: &dyn Store) -> Result<Swept> {
    let mut swept = Swept::default();
    for entry in list(&dir.staging())? {
        fs::remove_dir_all(&entry)
            .or_else(|_| fs::remove_file(&entry))
            .map_err(|e| Error::io("cannot clear staging", &e))?;
        swept.staging += 1;
    }
    let uploads = store.uploads()?;
    for entry in list(&dir.quarantine())? {
        let name = entry
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !uploads.iter().any(|u| u.id == name) {
            fs::remove_file(&entry).map_err(|e| Error::io("cannot clear quarantine", &e))?;
            swept.quarantine += 1;
        }
    }
    for upload in &uploads {
        if !dir.upload_file(&upload.id).exists() {
            store.delete_upload(&upload.id)?;
            swept.uploads += 1;
        }
    }
    let published = store.bundle_digests()?;
    for entry in list(&dir.bundles())? {
        let name = entry
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let digest = name.strip_suffix(".wacz").unwrap_or(name);
        if !published.iter().any(|d| d == digest) {
            fs::remove_file(&entry).map_err(|e| Error::io("cannot clear bundles", &e))?;
            swept.bundles += 1;
        }
    }
    Ok(swept)
}

fn list(dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>> {
    let entries =
        fs::read_dir(dir).map_err(|e| Error::io(&format!("cannot list {}", dir.display()), &e))?;
    let mut out = Vec::new();
    for entry in entries {
        out.push(
            entry
                .map_err(|e| Error::io(&format!("cannot list {}", dir.display()), &e))?
                .path(),
        );
    }
    Ok(out)
}

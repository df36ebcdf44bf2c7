//! Content-addressed evidence bytes. A blob lives at `blobs/<first two hex>/<sha256>`
//! and is never rewritten. Writing goes temp file → fsync → rename → fsync directory,
//! so once `put_*` returns the bytes survive a crash or power loss, and only then may a
//! database row point at them.
//!
//! Hashing and copying happen in one pass over the source: the caller's thread reads
//! and hashes while a writer thread writes the previous chunk, so a large file is read
//! once and memory stays at a few chunks whatever its size. On Linux the writer also
//! starts write-back of each few megabytes as it goes (`sync_file_range`), so the disk
//! works while we hash and the closing fsync has little left to do (bench/README.md).
//!
//! [`BlobStore::put_all`] stores several small in-memory blobs together (the artifacts
//! and manifests of a few web captures): every temp file is written before any is
//! fsynced, so the disk flushes them together, and each folder they land in is fsynced
//! once, not once per blob. The contract is the same: all are durable when it returns.
//!
//! In an encrypted workspace the files hold ciphertext ([`crate::crypto::blob_cipher`])
//! while names, sizes and digests stay those of the plaintext. The writer thread seals
//! each chunk just before writing it, so hashing and encrypting still overlap and the
//! source is still read once. Readers go through [`BlobStore::open_plain`].

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use crate::crypto::WorkspaceKey;
use crate::crypto::blob_cipher::{self, BlobCipher, Sealer};
use crate::error::{Error, ErrorCode, Result};

/// 128 KiB: a chunk stays in the CPU caches between the read, the hash and the write.
/// 1 MiB chunks cost twice the CPU time per GiB on the benchmark machine.
const CHUNK: usize = blob_cipher::SEGMENT;
/// Chunks in flight between the hashing reader and the writer.
const IN_FLIGHT: usize = 8;
/// The writer asks the kernel to start writing back every this many bytes.
#[cfg(target_os = "linux")]
const WRITEBACK_EVERY: u64 = 8 << 20;
/// Temp files older than this are leftovers of a crashed writer.
const STALE_TEMP: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
    /// Set in an encrypted workspace: every file under `root` is ciphertext.
    cipher: Option<Arc<BlobCipher>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub sha256: String,
    pub size: u64,
    /// The same bytes were already stored; nothing new was written.
    pub existed: bool,
}

/// Result of re-hashing a stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobCheck {
    Ok {
        size: u64,
    },
    Missing,
    Mismatch {
        actual: String,
        size: u64,
    },
    /// Encrypted and failing authentication: altered, truncated or under another key.
    Undecryptable(String),
    Unreadable(String),
}

impl BlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BlobStore {
            root: root.into(),
            cipher: None,
        }
    }

    /// The store of an encrypted workspace: files written and read as ciphertext under
    /// `key`'s blob subkey.
    pub fn encrypted(root: impl Into<PathBuf>, key: &WorkspaceKey) -> Self {
        BlobStore {
            root: root.into(),
            cipher: Some(Arc::new(BlobCipher::new(key))),
        }
    }

    pub fn is_encrypted(&self) -> bool {
        self.cipher.is_some()
    }

    /// The plaintext of a stored blob, decrypted on the fly where the store is
    /// encrypted (every segment is authenticated before its bytes are returned, so a
    /// read error, `InvalidData`, means altered bytes). Checks nothing against the
    /// address: [`BlobStore::check`] does that.
    pub fn open_plain(&self, sha256: &str) -> Result<Box<dyn Read + Send>> {
        let path = self.path_for(sha256);
        let file = File::open(&path).map_err(|e| {
            let code = if e.kind() == io::ErrorKind::NotFound {
                ErrorCode::FileNotFound
            } else {
                ErrorCode::FileUnreadable
            };
            Error::new(code, format!("cannot read blob {}: {e}", path.display()))
        })?;
        match &self.cipher {
            None => Ok(Box::new(file)),
            Some(cipher) => {
                let reader = cipher
                    .open(io::BufReader::with_capacity(CHUNK, file))
                    .map_err(|e| {
                        Error::new(
                            ErrorCode::FileUnreadable,
                            format!("cannot decrypt blob {}: {e}", path.display()),
                        )
                    })?;
                Ok(Box::new(reader))
            }
        }
    }

    /// The whole plaintext of a stored blob (for small ones: manifests, screenshots).
    pub fn read_plain(&self, sha256: &str) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.open_plain(sha256)?
            .read_to_end(&mut out)
            .map_err(|e| {
                Error::new(
                    ErrorCode::FileUnreadable,
                    format!("cannot read blob {sha256}: {e}"),
                )
            })?;
        Ok(out)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    pub fn path_for(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(sha256)
    }

    /// Creates the folders and removes temp files a crashed writer left behind.
    pub fn prepare(&self) -> Result<()> {
        let tmp = self.tmp_dir();
        fs::create_dir_all(&tmp).map_err(|e| Error::io("cannot create", &tmp, &e))?;
        if let Ok(entries) = fs::read_dir(&tmp) {
            let now = SystemTime::now();
            for entry in entries.flatten() {
                let old = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .map(|t| now.duration_since(t).unwrap_or_default() > STALE_TEMP)
                    .unwrap_or(false);
                if old {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
        Ok(())
    }

    /// Proves the store is writable by creating and removing a file in it.
    pub fn probe_writable(&self) -> Result<()> {
        let probe = self
            .tmp_dir()
            .join(format!(".probe-{}", uuid::Uuid::now_v7()));
        File::create(&probe).map_err(|e| {
            Error::new(
                ErrorCode::WorkspaceNotWritable,
                format!("the workspace is not writable ({}): {e}", probe.display()),
            )
        })?;
        let _ = fs::remove_file(&probe);
        Ok(())
    }

    /// Stores everything `source` yields. `source_path` is only used in messages.
    pub fn put_reader(&self, source: &mut dyn Read, source_path: &Path) -> Result<StoredBlob> {
        let tmp_path = self
            .tmp_dir()
            .join(format!("{}.part", uuid::Uuid::now_v7()));
        let tmp = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp_path)
            .map_err(|e| Error::io("cannot create", &tmp_path, &e))?;
        let sealer = self.cipher.as_ref().map(|c| c.begin());
        let result = copy_hashing(source, tmp, sealer, source_path, &tmp_path);
        let (sha256, size) = match result {
            Ok(v) => v,
            Err(e) => {
                let _ = fs::remove_file(&tmp_path);
                return Err(e);
            }
        };
        let existed = self.publish(&tmp_path, &sha256)?;
        Ok(StoredBlob {
            sha256,
            size,
            existed,
        })
    }

    pub fn put_file(&self, path: &Path) -> Result<StoredBlob> {
        let mut file = File::open(path).map_err(|e| {
            Error::new(
                ErrorCode::FileUnreadable,
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        self.put_reader(&mut file, path)
    }

    pub fn put_bytes(&self, bytes: &[u8]) -> Result<StoredBlob> {
        self.put_reader(&mut &bytes[..], Path::new("<memory>"))
    }

    /// Stores every buffer of `blobs` and returns them in the same order; when it
    /// returns, all of them are durable. Cheaper than one `put_bytes` per buffer: the
    /// temp files are all written first and then fsynced from a few threads at once,
    /// and each distinct folder is fsynced once (also in parallel). Meant for buffers already in memory (each is hashed once here, on the
    /// bytes that are written).
    pub fn put_all(&self, blobs: &[&[u8]]) -> Result<Vec<StoredBlob>> {
        let mut out = Vec::with_capacity(blobs.len());
        // (temp file, its path, address) of each blob not stored yet, first copy only.
        let mut pending: Vec<(File, PathBuf, String)> = Vec::new();
        let result = (|| {
            for bytes in blobs {
                let sha256 = hex::encode(Sha256::digest(bytes));
                let existed =
                    self.path_for(&sha256).exists() || pending.iter().any(|(_, _, s)| *s == sha256);
                if !existed {
                    let tmp_path = self
                        .tmp_dir()
                        .join(format!("{}.part", uuid::Uuid::now_v7()));
                    let mut tmp = OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&tmp_path)
                        .map_err(|e| Error::io("cannot create", &tmp_path, &e))?;
                    let written = match &self.cipher {
                        None => tmp.write_all(bytes),
                        Some(cipher) => tmp.write_all(&cipher.seal_all(bytes)),
                    };
                    // Pushed before the error check, so a failed write is removed too.
                    pending.push((tmp, tmp_path.clone(), sha256.clone()));
                    written.map_err(|e| Error::io("cannot write", &tmp_path, &e))?;
                    start_writeback(&pending.last().expect("just pushed").0, 0, 0);
                }
                out.push(StoredBlob {
                    sha256,
                    size: bytes.len() as u64,
                    existed,
                });
            }
            in_parallel(&pending, |(tmp, tmp_path, _)| {
                tmp.sync_all()
                    .map_err(|e| Error::io("cannot write", tmp_path, &e))
            })
        })();
        if let Err(e) = result {
            for (_, tmp_path, _) in &pending {
                let _ = fs::remove_file(tmp_path);
            }
            return Err(e);
        }
        let mut dirs: Vec<PathBuf> = Vec::new();
        let mut created_dir = false;
        let mut first_error = None;
        for (tmp, tmp_path, sha256) in pending {
            drop(tmp);
            if first_error.is_some() {
                let _ = fs::remove_file(&tmp_path);
                continue;
            }
            match self.rename_into_place(&tmp_path, &sha256) {
                Ok(Some((dir, created))) => {
                    created_dir |= created;
                    if !dirs.contains(&dir) {
                        dirs.push(dir);
                    }
                }
                Ok(None) => {}
                Err(e) => first_error = Some(e),
            }
        }
        // Even after a failed rename, the renames that happened are made durable.
        in_parallel(&dirs, |dir| sync_dir(dir))?;
        if created_dir {
            sync_dir(&self.root)?;
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// Renames a durable temp file to its address without syncing the folder; returns
    /// that folder (and whether it was created) for the caller to sync, or `None` when
    /// the same bytes were already there.
    fn rename_into_place(&self, tmp_path: &Path, sha256: &str) -> Result<Option<(PathBuf, bool)>> {
        let final_path = self.path_for(sha256);
        if final_path.exists() {
            let _ = fs::remove_file(tmp_path);
            return Ok(None);
        }
        let dir = final_path.parent().unwrap_or(&self.root).to_path_buf();
        let created_dir = !dir.exists();
        fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, &e))?;
        mark_read_only(tmp_path);
        fs::rename(tmp_path, &final_path).map_err(|e| {
            let _ = fs::remove_file(tmp_path);
            Error::io("cannot store blob at", &final_path, &e)
        })?;
        Ok(Some((dir, created_dir)))
    }

    /// Moves a durable temp file to its content address (or drops it when the same
    /// bytes are already there) and makes the directory entry durable.
    fn publish(&self, tmp_path: &Path, sha256: &str) -> Result<bool> {
        match self.rename_into_place(tmp_path, sha256)? {
            None => Ok(true),
            Some((dir, created_dir)) => {
                sync_dir(&dir)?;
                if created_dir {
                    sync_dir(&self.root)?;
                }
                Ok(false)
            }
        }
    }

    /// Re-hashes a stored blob and compares it with its address.
    pub fn check(&self, sha256: &str) -> BlobCheck {
        let path = self.path_for(sha256);
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return BlobCheck::Missing,
            Err(e) => return BlobCheck::Unreadable(e.to_string()),
        };
        let hashed = match &self.cipher {
            None => hash_reader(&mut { file }),
            Some(cipher) => cipher
                .open(io::BufReader::with_capacity(CHUNK, file))
                .and_then(|mut plain| hash_reader(&mut plain)),
        };
        match hashed {
            Ok((actual, size)) if actual == sha256 => BlobCheck::Ok { size },
            Ok((actual, size)) => BlobCheck::Mismatch { actual, size },
            Err(e) if self.cipher.is_some() && e.kind() == io::ErrorKind::InvalidData => {
                BlobCheck::Undecryptable(e.to_string())
            }
            Err(e) => BlobCheck::Unreadable(e.to_string()),
        }
    }

    /// Every blob address present on disk (skipping temp files).
    pub fn list(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let entries = match fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(Error::io("cannot list", &self.root, &e)),
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.len() != 2 || !entry.path().is_dir() {
                continue;
            }
            for blob in fs::read_dir(entry.path()).into_iter().flatten().flatten() {
                let blob_name = blob.file_name().to_string_lossy().into_owned();
                if is_sha256_hex(&blob_name) {
                    out.push(blob_name);
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// SHA-256 and length of everything `reader` yields.
pub fn hash_reader(reader: &mut dyn Read) -> io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size = 0u64;
    loop {
        let n = read_full(reader, &mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// Fills `buf` as far as the source allows; 0 means end of input.
fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Hashes `source` on this thread while a writer thread writes it to `tmp`, sealing
/// each chunk first when `sealer` is given (one chunk is one segment; the writer holds
/// a chunk back until it knows whether another follows, since the last segment is
/// sealed differently).
fn copy_hashing(
    source: &mut dyn Read,
    tmp: File,
    sealer: Option<Sealer>,
    source_path: &Path,
    tmp_path: &Path,
) -> Result<(String, u64)> {
    let (full_tx, full_rx) = mpsc::sync_channel::<(Vec<u8>, usize)>(IN_FLIGHT);
    let (empty_tx, empty_rx) = mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT + 2);
    // Room for the tag after each chunk; the reader fills only the first CHUNK bytes.
    let capacity = CHUNK
        + if sealer.is_some() {
            blob_cipher::TAG
        } else {
            0
        };
    for _ in 0..IN_FLIGHT + 2 {
        let _ = empty_tx.send(vec![0u8; capacity]);
    }
    let writer = thread::spawn(move || -> io::Result<()> {
        let mut tmp = tmp;
        let mut writeback = Writeback::default();
        match sealer {
            None => {
                for (buf, n) in full_rx {
                    tmp.write_all(&buf[..n])?;
                    // The reader may have stopped on an error; a closed channel is not ours.
                    let _ = empty_tx.send(buf);
                    writeback.wrote(&tmp, n);
                }
            }
            Some(mut sealer) => {
                tmp.write_all(sealer.header())?;
                let mut held: Option<(Vec<u8>, usize)> = None;
                for next in full_rx {
                    if let Some((mut buf, n)) = held.take() {
                        let len = sealer.seal_in_place(&mut buf, n, false);
                        tmp.write_all(&buf[..len])?;
                        let _ = empty_tx.send(buf);
                        writeback.wrote(&tmp, len);
                    }
                    held = Some(next);
                }
                // The last chunk (an empty one for an empty source).
                let (mut buf, n) = held.unwrap_or_else(|| (vec![0u8; blob_cipher::TAG], 0));
                let len = sealer.seal_in_place(&mut buf, n, true);
                tmp.write_all(&buf[..len])?;
            }
        }
        tmp.sync_all()
    });

    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut read_error = None;
    while let Ok(mut buf) = empty_rx.recv() {
        match read_full(source, &mut buf[..CHUNK]) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&buf[..n]);
                size += n as u64;
                if full_tx.send((buf, n)).is_err() {
                    break; // writer failed; its error is reported below
                }
            }
            Err(e) => {
                read_error = Some(e);
                break;
            }
        }
    }
    drop(full_tx);
    let write_result = writer
        .join()
        .map_err(|_| Error::internal("blob writer thread panicked"))?;
    if let Some(e) = read_error {
        return Err(Error::new(
            ErrorCode::FileUnreadable,
            format!("cannot read {}: {e}", source_path.display()),
        ));
    }
    write_result.map_err(|e| Error::io("cannot write", tmp_path, &e))?;
    Ok((hex::encode(hasher.finalize()), size))
}

/// Starts write-back of what the writer has written so far, a few megabytes at a time,
/// so the disk works while the source is still being hashed and the closing `fsync`
/// (which alone gives durability, and reports any error) has little left to flush.
#[derive(Default)]
struct Writeback {
    #[cfg(target_os = "linux")]
    written: u64,
    #[cfg(target_os = "linux")]
    started: u64,
}

impl Writeback {
    #[cfg(target_os = "linux")]
    fn wrote(&mut self, file: &File, n: usize) {
        self.written += n as u64;
        if self.written - self.started >= WRITEBACK_EVERY {
            start_writeback(file, self.started, self.written - self.started);
            self.started = self.written;
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn wrote(&mut self, _file: &File, _n: usize) {}
}

/// `sync_file_range(SYNC_FILE_RANGE_WRITE)`: queue the range for writing and return (a
/// length of 0 means to the end of the file). It is only a hint (it makes nothing durable), so its result is ignored.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn start_writeback(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (
        libc::off64_t::try_from(offset),
        libc::off64_t::try_from(len),
    ) else {
        return;
    };
    // SAFETY: plain syscall on a file descriptor that `file` keeps open for the call;
    // no memory is passed.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _offset: u64, _len: u64) {}

/// Most threads [`in_parallel`] uses.
const SYNC_THREADS: usize = 8;

/// Runs `sync` on every item, from a few threads at once, and returns the first error.
/// fsync mostly waits for the disk; several waits at once overlap (the block layer
/// merges their cache flushes), so a group of files costs about one wait, not one each.
fn in_parallel<T: Sync>(items: &[T], sync: impl Fn(&T) -> Result<()> + Sync) -> Result<()> {
    if items.len() <= 1 {
        return items.iter().try_for_each(&sync);
    }
    let per_thread = items.len().div_ceil(SYNC_THREADS);
    thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(per_thread)
            .map(|chunk| scope.spawn(|| chunk.iter().try_for_each(&sync)))
            .collect();
        // Every worker is joined before the first error is returned.
        let results: Vec<Result<()>> = workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(Error::internal("an fsync thread panicked")))
            })
            .collect();
        results.into_iter().collect()
    })
}

fn mark_read_only(path: &Path) {
    if let Ok(meta) = fs::metadata(path) {
        let mut perms = meta.permissions();
        perms.set_readonly(true);
        let _ = fs::set_permissions(path, perms);
    }
}

/// Makes a rename or create in `dir` durable. Windows has no directory fsync; NTFS
/// journals the metadata itself.
#[cfg(unix)]
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("cannot sync", dir, &e))
}

#[cfg(not(unix))]
pub(crate) fn sync_dir(_dir: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn stores_by_content_and_dedupes() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path().join("blobs"));
        store.prepare().unwrap();
        let first = store.put_bytes(b"abc").unwrap();
        assert_eq!(
            first,
            StoredBlob {
                sha256: ABC.into(),
                size: 3,
                existed: false
            }
        );
        assert_eq!(fs::read(store.path_for(ABC)).unwrap(), b"abc");
        let again = store.put_bytes(b"abc").unwrap();
        assert!(again.existed);
        assert_eq!(store.list().unwrap(), vec![ABC.to_string()]);
        assert_eq!(
            fs::read_dir(store.tmp_dir()).unwrap().count(),
            0,
            "no temp left"
        );
        assert_eq!(store.check(ABC), BlobCheck::Ok { size: 3 });
    }

    #[test]
    fn multi_chunk_matches_plain_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path().join("blobs"));
        store.prepare().unwrap();
        let data: Vec<u8> = (0..(3 * CHUNK + 12345))
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        let stored = store.put_bytes(&data).unwrap();
        assert_eq!(stored.sha256, hex::encode(Sha256::digest(&data)));
        assert_eq!(stored.size, data.len() as u64);
        assert_eq!(fs::read(store.path_for(&stored.sha256)).unwrap(), data);
    }

    #[test]
    fn detects_tampering_and_loss() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path().join("blobs"));
        store.prepare().unwrap();
        store.put_bytes(b"abc").unwrap();
        let path = store.path_for(ABC);
        let mut perms = fs::metadata(&path).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        fs::set_permissions(&path, perms).unwrap();
        fs::write(&path, b"abd").unwrap();
        assert!(matches!(store.check(ABC), BlobCheck::Mismatch { .. }));
        fs::remove_file(&path).unwrap();
        assert_eq!(store.check(ABC), BlobCheck::Missing);
    }

    #[test]
    fn put_all_stores_each_buffer_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path().join("blobs"));
        store.prepare().unwrap();
        store.put_bytes(b"abc").unwrap();
        let big: Vec<u8> = (0..200_000).map(|i| (i % 251) as u8).collect();
        let bufs: Vec<&[u8]> = vec![b"x", b"abc", &big, b"x", b""];
        let stored = store.put_all(&bufs).unwrap();
        assert_eq!(stored.len(), bufs.len());
        for (blob, bytes) in stored.iter().zip(&bufs) {
            assert_eq!(blob.sha256, hex::encode(Sha256::digest(bytes)));
            assert_eq!(blob.size, bytes.len() as u64);
            assert_eq!(fs::read(store.path_for(&blob.sha256)).unwrap(), *bytes);
            assert_eq!(store.check(&blob.sha256), BlobCheck::Ok { size: blob.size });
        }
        let existed: Vec<bool> = stored.iter().map(|b| b.existed).collect();
        assert_eq!(existed, [false, true, false, true, false]);
        assert_eq!(store.list().unwrap().len(), 4);
        assert_eq!(
            fs::read_dir(store.tmp_dir()).unwrap().count(),
            0,
            "no temp left"
        );
        assert!(store.put_all(&[]).unwrap().is_empty());
    }

    struct FailingReader(usize);
    impl Read for FailingReader {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::other("device gone"));
            }
            self.0 -= 1;
            buf[0] = 7;
            Ok(1)
        }
    }

    #[test]
    fn read_error_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path().join("blobs"));
        store.prepare().unwrap();
        let err = store
            .put_reader(&mut FailingReader(5000), Path::new("x"))
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::FileUnreadable);
        assert!(store.list().unwrap().is_empty());
        assert_eq!(fs::read_dir(store.tmp_dir()).unwrap().count(), 0);
    }
}

//! A scratch file whose bytes on disk are encrypted (AES-256-CTR) under a random key
//! that exists only in memory for the file's life. For work that needs a seekable file
//! but must not leave plaintext on the disk, e.g. a bundle written (ZIP needs to seek
//! back) and then encrypted to a recipient. Confidentiality only: the file is ours,
//! short-lived and read back by the same process; whatever reads it afterwards checks
//! its own integrity (the bundle's digests).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use aes_gcm::aes::Aes256;
use aes_gcm::aes::cipher::{BlockCipherEncrypt, KeyInit};
use zeroize::Zeroizing;

use super::fill_random;
use crate::error::{Error, Result};

/// Counter blocks encrypted per batch (4 KiB of keystream).
const BATCH: usize = 256;

pub struct ScratchFile {
    file: File,
    pos: u64,
    aes: Aes256,
    nonce: [u8; 8],
    /// Still to remove on drop (platforms that cannot unlink an open file).
    path: Option<PathBuf>,
}

impl ScratchFile {
    /// Creates the file in `dir`. On Unix its name is removed at once, so nothing is
    /// left behind whatever happens to the process.
    pub fn new_in(dir: &Path) -> Result<ScratchFile> {
        let path = dir.join(format!(".truyvet-scratch-{}", uuid::Uuid::now_v7()));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Error::io("cannot create", &path, &e))?;
        let path = if cfg!(unix) && fs::remove_file(&path).is_ok() {
            None
        } else {
            Some(path)
        };
        let mut key = Zeroizing::new([0u8; 32]);
        fill_random(key.as_mut());
        let mut nonce = [0u8; 8];
        fill_random(&mut nonce);
        Ok(ScratchFile {
            file,
            pos: 0,
            aes: Aes256::new_from_slice(key.as_ref()).expect("32-byte key"),
            nonce,
            path,
        })
    }

    /// XORs `buf`, which sits at `offset` in the file, with the keystream.
    fn apply(&self, offset: u64, buf: &mut [u8]) {
        let mut done = 0usize;
        while done < buf.len() {
            let at = offset + done as u64;
            let first = at / 16;
            let skip = (at % 16) as usize;
            let blocks = (skip + buf.len() - done).div_ceil(16).min(BATCH);
            let mut ks: Vec<aes_gcm::aes::Block> = (0..blocks as u64)
                .map(|i| {
                    let mut b = [0u8; 16];
                    b[..8].copy_from_slice(&self.nonce);
                    b[8..].copy_from_slice(&(first + i).to_be_bytes());
                    b.into()
                })
                .collect();
            self.aes.encrypt_blocks(&mut ks);
            let stream = ks.iter().flat_map(|b| b.iter()).skip(skip);
            let end = (done + blocks * 16 - skip).min(buf.len());
            for (byte, k) in buf[done..end].iter_mut().zip(stream) {
                *byte ^= k;
            }
            done = end;
        }
    }

    pub fn sync_all(&self) -> io::Result<()> {
        self.file.sync_all()
    }
}

impl Write for ScratchFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut sealed = buf.to_vec();
        self.apply(self.pos, &mut sealed);
        self.file.write_all(&sealed)?;
        self.pos += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Read for ScratchFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.apply(self.pos, &mut buf[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for ScratchFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = self.file.seek(to)?;
        Ok(self.pos)
    }
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_was_written_and_keeps_no_plaintext_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = ScratchFile::new_in(dir.path()).unwrap();
        let plain: Vec<u8> = b"Nguy\xe1\xbb\x85n V\xc4\x83n A 0912345678 "
            .iter()
            .cycle()
            .take(10_000)
            .copied()
            .collect();
        f.write_all(&plain[..3]).unwrap();
        f.write_all(&plain[3..7777]).unwrap();
        f.write_all(&plain[7777..]).unwrap();
        // Patch in the middle, at an offset that is not block-aligned.
        f.seek(SeekFrom::Start(1001)).unwrap();
        f.write_all(b"PATCH").unwrap();
        let mut expected = plain.clone();
        expected[1001..1006].copy_from_slice(b"PATCH");
        f.seek(SeekFrom::Start(0)).unwrap();
        let mut back = Vec::new();
        f.read_to_end(&mut back).unwrap();
        assert_eq!(back, expected);
        // On disk (through /proc on Linux, where the name is already gone).
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let raw = fs::read(format!("/proc/self/fd/{}", f.file.as_raw_fd())).unwrap();
            assert_eq!(raw.len(), expected.len());
            assert!(!raw.windows(10).any(|w| w == b"0912345678"));
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "no name left");
    }
}

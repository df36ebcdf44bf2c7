//! Packing a capture WARC and indexing it in one read. The bytes read for the ZIP member
//! are also handed, chunk by chunk, to a thread that parses the records (gunzip, block and
//! payload SHA-256) for the CDXJ index, so each WARC is read from disk once and the two
//! jobs share the two cores instead of running one after the other.

use crate::cdxj::line_for;
use crate::wacz::WarcFile;
use crate::wacz_error::{WaczError, WaczResult};
use crate::warc_read::scan_warc_from;
use crate::zip_write::{MemberDigest, Method, ZipWriter};
use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Chunks waiting for the index thread; bounds memory at a few hundred KiB.
const QUEUED: usize = 8;

/// Reads from `inner` and sends a copy of every chunk on; a receiver that has stopped
/// (the WARC is malformed) is let go, and its error is reported after the copy.
struct Tee<R> {
    inner: R,
    to_index: Option<SyncSender<Vec<u8>>>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0
            && let Some(tx) = &self.to_index
            && tx.send(buf[..n].to_vec()).is_err()
        {
            self.to_index = None;
        }
        Ok(n)
    }
}

/// The receiving end as a reader: the end of the channel is the end of the file.
pub(crate) struct Chunks {
    rx: Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    at: usize,
}

impl Chunks {
    pub(crate) fn new(rx: Receiver<Vec<u8>>) -> Chunks {
        Chunks {
            rx,
            chunk: Vec::new(),
            at: 0,
        }
    }
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.chunk.len() {
            match self.rx.recv() {
                Ok(c) => (self.chunk, self.at) = (c, 0),
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Adds `warc` as `archive/<name>` (stored) and appends its index lines to `lines`. A
/// WARC whose records do not parse or whose digests lie is refused, as by `scan_warc`.
pub(crate) fn add_indexed<W: Write + Seek>(
    zip: &mut ZipWriter<W>,
    warc: &WarcFile,
    lines: &mut Vec<String>,
) -> WaczResult<MemberDigest> {
    let name = format!("archive/{}", warc.name);
    let (f, len): (Box<dyn Read + Send>, u64) = match &warc.source {
        Some(s) => ((s.open)().map_err(|e| WaczError::io(&name, e))?, s.len),
        None => {
            let f = File::open(&warc.path).map_err(|e| WaczError::io(&name, e))?;
            let len = f.metadata().map_err(|e| WaczError::io(&name, e))?.len();
            (Box::new(f), len)
        }
    };
    std::thread::scope(|s| {
        let (tx, rx) = sync_channel(QUEUED);
        let indexer = s.spawn(move || {
            let mut found = Vec::new();
            scan_warc_from(Chunks::new(rx), &warc.name, |rec| {
                if let Some(l) = line_for(&rec, &warc.name) {
                    found.push(l.render());
                }
                Ok(())
            })
            .map(|_| found)
        });
        let mut tee = Tee {
            inner: f,
            to_index: Some(tx),
        };
        let added = zip.add(&name, Method::Stored, len, &mut tee).cloned();
        // Dropping the sender ends the index thread's input.
        drop(tee);
        let indexed = indexer.join().expect("the index thread does not panic");
        let digest = added?;
        lines.extend(indexed?);
        Ok(digest)
    })
}

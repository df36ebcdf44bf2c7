//! Checking a bundle's WARCs while they are extracted. Each `archive/*.warc.gz` entry's
//! bytes, as the ZIP layer inflates and hashes them, are also handed to a thread that
//! parses the records (gunzip, block and payload SHA-256) and keeps what the index check
//! needs, so a WARC is read once instead of being read back from the staging folder, and
//! the two jobs share the two cores. The results wait until the manifest checks pass:
//! errors are still reported in the same order as before.

use crate::cdxj::timestamp14;
use crate::wacz_error::{WaczError, WaczErrorCode as C, WaczResult};
use crate::warc_copy::Chunks;
use crate::warc_read::{WarcRecordInfo, parse_sha256, scan_warc_from};
use crate::zip_read::EntryTap;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Records kept in memory for the index check (about 120 bytes each), all WARCs
/// together: bounds memory for a bundle made of millions of tiny gzip members.
pub(crate) const MAX_RECORDS: usize = 1_000_000;
/// Chunks waiting for a parsing thread.
const QUEUED: usize = 8;

/// What an index line is compared with, without the record's strings.
pub(crate) struct RecordKey {
    pub(crate) length: u64,
    pub(crate) uri: Option<[u8; 32]>,
    pub(crate) timestamp: String,
    pub(crate) payload: Option<[u8; 32]>,
}

impl RecordKey {
    fn of(r: &WarcRecordInfo) -> RecordKey {
        RecordKey {
            length: r.length,
            uri: r.target_uri.as_deref().map(sha),
            timestamp: timestamp14(&r.date),
            payload: r
                .computed_payload
                .or_else(|| r.payload_digest.as_deref().and_then(parse_sha256)),
        }
    }
}

pub(crate) fn sha(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

/// One WARC, parsed: its records by offset.
pub(crate) struct WarcScan {
    pub(crate) keys: HashMap<u64, RecordKey>,
    pub(crate) records: usize,
    pub(crate) unverified: u64,
}

/// Parses a WARC from `src`; `counted` is shared by every WARC of the bundle.
pub(crate) fn scan(src: impl Read, name: &str, counted: &AtomicUsize) -> WaczResult<WarcScan> {
    let mut out = WarcScan {
        keys: HashMap::new(),
        records: 0,
        unverified: 0,
    };
    scan_warc_from(src, name, |x| {
        if counted.fetch_add(1, Ordering::Relaxed) >= MAX_RECORDS {
            return Err(WaczError::new(
                C::WarcInvalid,
                format!("more than {MAX_RECORDS} WARC records"),
            ));
        }
        out.records += 1;
        out.unverified += u64::from(x.unverified_digests);
        out.keys.insert(x.offset, RecordKey::of(&x));
        Ok(())
    })?;
    Ok(out)
}

/// The results by entry name (`archive/….warc.gz`), filled as entries finish.
pub(crate) type Scans = Rc<RefCell<BTreeMap<String, WaczResult<WarcScan>>>>;

struct WarcTap {
    name: String,
    to_parser: Option<SyncSender<Vec<u8>>>,
    parser: JoinHandle<WaczResult<WarcScan>>,
    scans: Scans,
}

impl EntryTap for WarcTap {
    fn chunk(&mut self, bytes: &[u8]) {
        // A parser that stopped (malformed WARC) wants no more; its error is kept.
        if let Some(tx) = &self.to_parser
            && tx.send(bytes.to_vec()).is_err()
        {
            self.to_parser = None;
        }
    }

    fn finish(self: Box<Self>) {
        let WarcTap {
            name,
            to_parser,
            parser,
            scans,
        } = *self;
        drop(to_parser);
        let result = parser.join().unwrap_or_else(|_| {
            Err(WaczError::new(
                C::WarcInvalid,
                format!("{name}: the WARC parser failed"),
            ))
        });
        scans.borrow_mut().insert(name, result);
    }
}

/// The tap for `extract_tapped`: a parsing thread for every `archive/<name>.warc.gz`.
pub(crate) fn warc_tap(
    scans: &Scans,
    counted: &Arc<AtomicUsize>,
) -> impl FnMut(&str) -> Option<Box<dyn EntryTap>> {
    move |entry: &str| {
        let warc = entry
            .strip_prefix("archive/")
            .filter(|n| n.ends_with(".warc.gz") && !n.contains('/'))?
            .to_string();
        let (tx, rx) = sync_channel(QUEUED);
        let counted = Arc::clone(counted);
        let parser = std::thread::spawn(move || scan(Chunks::new(rx), &warc, &counted));
        Some(Box::new(WarcTap {
            name: entry.to_string(),
            to_parser: Some(tx),
            parser,
            scans: Rc::clone(scans),
        }) as Box<dyn EntryTap>)
    }
}

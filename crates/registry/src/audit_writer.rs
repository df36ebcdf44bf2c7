//! Group commit of audit rows. Every lookup is audited before it is answered, and with
//! `synchronous=FULL` one transaction per row would cap lookups at the disk's fsync rate.
//! Requests hand their row to one writer thread, which commits whatever has queued up
//! in one transaction and then answers each request: still no answer before its row is
//! durable, but one fsync for many rows.

use std::sync::Arc;
use std::sync::mpsc;

use tokio::sync::oneshot;

use crate::error::{Error, Result};
use crate::store::{AuditRecord, Store};

/// Rows committed together at most.
const BATCH: usize = 512;

type Job = (AuditRecord, oneshot::Sender<Result<()>>);

#[derive(Clone)]
pub struct AuditWriter {
    jobs: mpsc::Sender<Job>,
}

impl AuditWriter {
    /// Starts the writer thread; it ends when the last `AuditWriter` is dropped.
    pub fn start(store: Arc<dyn Store>) -> AuditWriter {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || run(store.as_ref(), &queue))
            .ok();
        AuditWriter { jobs }
    }

    /// Returns once the row is committed.
    pub async fn write(&self, record: AuditRecord) -> Result<()> {
        let (done, wait) = oneshot::channel();
        self.jobs
            .send((record, done))
            .map_err(|_| Error::internal("the audit writer has stopped"))?;
        wait.await
            .map_err(|_| Error::internal("the audit writer has stopped"))?
    }
}

fn run(store: &dyn Store, queue: &mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut jobs = vec![first];
        while jobs.len() < BATCH {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let records: Vec<AuditRecord> = jobs.iter().map(|(r, _)| r.clone()).collect();
        let outcome = store.audit_many(&records);
        for (_, done) in jobs {
            done.send(outcome.clone()).ok();
        }
    }
}

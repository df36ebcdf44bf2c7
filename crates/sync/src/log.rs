//! Keeping the registry's transparency log honest from the laptop. The workspace keeps
//! the newest tree head it verified; every head met later — the current one, or the one
//! inside a receipt — must be signed by the pinned key and provably on the same history:
//! a newer head extends the kept one (consistency proof old → new), an older one is
//! extended by it (proof new → old), an equal size has the same root. A log that
//! shrank, forked or rewrote an entry fails with `registry_log_inconsistent`.

use tokio::runtime::Runtime;
use truyvet_core::{Error, ErrorCode, Result, Workspace};
use truyvet_wire::api::parse_hashes;
use truyvet_wire::merkle;
use truyvet_wire::tree_head::TreeHead;

use crate::http::RegistryClient;

fn inconsistent(detail: String) -> Error {
    Error::new(ErrorCode::RegistryLogInconsistent, detail)
}

fn stored_head(ws: &Workspace) -> Result<Option<TreeHead>> {
    match ws.registry_tree_head()? {
        Some(text) => Ok(Some(serde_json::from_str(&text).map_err(|e| {
            Error::new(
                ErrorCode::DatabaseCorrupt,
                format!("the stored registry tree head is unreadable: {e}"),
            )
        })?)),
        None => Ok(None),
    }
}

/// Proves that `new` extends `old` with the registry's consistency proof.
fn prove_extends(
    rt: &Runtime,
    client: &RegistryClient,
    old: &TreeHead,
    new: &TreeHead,
) -> Result<()> {
    let (Some(old_root), Some(new_root)) = (old.root_hash(), new.root_hash()) else {
        return Err(inconsistent("a tree head without a valid root".into()));
    };
    if old.size == new.size {
        return if old_root == new_root {
            Ok(())
        } else {
            Err(inconsistent(format!(
                "two signed tree heads of size {} with different roots ({} and {})",
                old.size, old.root, new.root
            )))
        };
    }
    if old.size == 0 {
        return Ok(());
    }
    let proof = rt
        .block_on(client.consistency(old.size, new.size))
        .map_err(crate::http::HttpError::into_core)?;
    let ok = proof.first == old.size
        && proof.second == new.size
        && parse_hashes(&proof.proof).is_some_and(|p| {
            merkle::verify_consistency(old.size, new.size, &old_root, &new_root, &p)
        });
    if ok {
        Ok(())
    } else {
        Err(inconsistent(format!(
            "the registry's log of {} entries does not extend the one of {} entries seen \
             before (root {}): its history was rewritten",
            new.size, old.size, old.root
        )))
    }
}

fn signed(client: &RegistryClient, head: &TreeHead) -> Result<()> {
    if head.verify(client.key()) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::RegistryReceiptInvalid,
            format!(
                "a tree head of size {} is not signed by the pinned log key",
                head.size
            ),
        ))
    }
}

/// The registry's current head: it may never be smaller than one seen before.
pub(crate) fn accept_current_head(
    ws: &mut Workspace,
    rt: &Runtime,
    client: &RegistryClient,
    head: &TreeHead,
) -> Result<()> {
    signed(client, head)?;
    if let Some(old) = stored_head(ws)? {
        if head.size < old.size {
            return Err(inconsistent(format!(
                "the registry now shows {} entries after {} were seen: an append-only log \
                 never shrinks",
                head.size, old.size
            )));
        }
        prove_extends(rt, client, &old, head)?;
    }
    record(ws, head)
}

/// The head inside a receipt (which may be older than the kept one: a receipt is
/// answered again as it was first given).
pub(crate) fn accept_receipt_head(
    ws: &mut Workspace,
    rt: &Runtime,
    client: &RegistryClient,
    head: &TreeHead,
) -> Result<()> {
    signed(client, head)?;
    match stored_head(ws)? {
        Some(old) if head.size < old.size => prove_extends(rt, client, head, &old),
        Some(old) => {
            prove_extends(rt, client, &old, head)?;
            record(ws, head)
        }
        None => record(ws, head),
    }
}

fn record(ws: &mut Workspace, head: &TreeHead) -> Result<()> {
    let text = serde_json::to_string(head)?;
    ws.record_registry_tree_head(head.size, &text)
}

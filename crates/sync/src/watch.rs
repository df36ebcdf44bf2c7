//! Pulls the registry's watchlist by cursor, page after page, each page stored with its
//! cursor in one transaction: an interrupted pull resumes after the last stored page.

use tokio::runtime::Runtime;
use truyvet_core::watchlist::AgencySighting;
use truyvet_core::{Result, Workspace};

use crate::backoff::Backoff;
use crate::http::RegistryClient;

/// At most this many pages in one sync (5,000 entries each on the registry).
const MAX_PAGES: usize = 1000;

pub(crate) fn pull(
    ws: &mut Workspace,
    rt: &Runtime,
    client: &RegistryClient,
    backoff: &Backoff,
) -> Result<usize> {
    let mut added = 0;
    for _ in 0..MAX_PAGES {
        let cursor = ws.watchlist_cursor()?;
        let page = rt
            .block_on(backoff.retry(|| client.watchlist(cursor)))
            .map_err(crate::http::HttpError::into_core)?;
        let entries: Vec<AgencySighting> = page
            .entries
            .iter()
            .map(|e| AgencySighting {
                cursor: e.cursor,
                kind: e.kind.clone(),
                value: e.value.clone(),
                qualifier: e.qualifier.clone(),
                agency: e.agency.clone(),
                case_id: e.case_id.clone(),
                case_code: e.case_code.clone(),
                categories: e.categories.clone(),
                case_date: e.case_date.clone(),
            })
            .collect();
        added += ws.merge_watchlist(&entries, page.next_cursor.max(cursor))?;
        if !page.more || page.next_cursor <= cursor {
            break;
        }
    }
    Ok(added)
}

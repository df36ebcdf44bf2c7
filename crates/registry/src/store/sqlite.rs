//! The SQLite store (rusqlite, WAL): the default for one machine. One writer connection
//! behind a mutex (SQLite has one writer anyway) and a few reader connections, so
//! lookups run beside a publishing transaction. Migrations are numbered like the core's:
//! tracked by `PRAGMA user_version`, all pending steps in one transaction, a newer
//! database refused.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
};
use truyvet_wire::api::{
    AuditEntry, Count, Receipt, Stats, UnitContact, WatchlistEntry, parse_hash,
};
use truyvet_wire::merkle::Hash;

use super::{
    Agency, AuditRecord, CaseShare, IdentifierRow, NewCase, Publish, ReceiptFn, Role, Store, Token,
    Upload,
};
use crate::error::{Code, Error, Result};
use crate::log_tree::LogTree;

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_registry.sql"),
    include_str!("migrations/0002_case_shares.sql"),
];
const READERS: usize = 4;

pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// The log's complete subtrees, filled from `log_leaves` on first use; a publish
    /// holds this lock until its transaction ends, so readers never see an uncommitted
    /// leaf.
    tree: Mutex<LogTree>,
}

impl SqliteStore {
    /// Opens (creating if needed) `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let writer = connect(path)?;
        migrate(&writer)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let conn = connect(path)?;
            conn.pragma_update(None, "query_only", true)?;
            readers.push(Mutex::new(conn));
        }
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            tree: Mutex::new(LogTree::new()),
        })
    }

    fn write(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves a connection whose transaction was rolled
        // back by drop; it is still usable.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn tree(&self) -> MutexGuard<'_, LogTree> {
        self.tree.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) -> MutexGuard<'_, Connection> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        super::free_slot(&self.readers, start)
    }
}

fn connect(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| {
        Error::new(
            Code::Database,
            format!("cannot open {}: {e}", path.display()),
        )
    })?;
    conn.busy_timeout(Duration::from_secs(10))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::new(Code::Database, "the database cannot use WAL"));
    }
    // FULL: an acknowledged push survives power loss, not only a killed process.
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA trusted_schema = OFF;",
    )?;
    Ok(conn)
}

fn migrate(conn: &Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let latest = MIGRATIONS.len() as i64;
    if version > latest {
        return Err(Error::new(
            Code::Database,
            format!(
                "the registry database has schema {version}, newer than this binary's {latest}"
            ),
        ));
    }
    if version == latest {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let steps = || -> rusqlite::Result<()> {
        for sql in &MIGRATIONS[version as usize..] {
            conn.execute_batch(sql)?;
        }
        conn.pragma_update(None, "user_version", latest)
    };
    match steps() {
        Ok(()) => conn.execute_batch("COMMIT")?,
        Err(e) => {
            conn.execute_batch("ROLLBACK").ok();
            return Err(e.into());
        }
    }
    Ok(())
}

fn is_constraint(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(rusqlite::ffi::ErrorCode::ConstraintViolation)
    )
}

fn hash_from_hex(text: &str) -> rusqlite::Result<Hash> {
    parse_hash(text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("stored hash is not hex: {text}").into(),
        )
    })
}

/// SQLite integers are signed: a cursor or limit past `i64::MAX` means "all".
fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Token> {
    let role: String = r.get(3)?;
    Ok(Token {
        id: r.get(0)?,
        agency: r.get(1)?,
        unit: r.get(2)?,
        role: Role::parse(&role).unwrap_or(Role::Investigator),
        name: r.get(4)?,
        created_at: r.get(5)?,
        revoked_at: r.get(6)?,
    })
}

const TOKEN_COLUMNS: &str = "id, agency, unit, role, name, created_at, revoked_at";

fn upload_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Upload> {
    Ok(Upload {
        id: r.get(0)?,
        token_id: r.get(1)?,
        size: r.get::<_, i64>(2)? as u64,
        sha256: r.get(3)?,
        created_at: r.get(4)?,
    })
}

fn stored_receipt(text: &str) -> Result<Receipt> {
    serde_json::from_str(text)
        .map_err(|e| Error::new(Code::Database, format!("stored receipt unreadable: {e}")))
}

fn leaf_hashes_in(conn: &Connection, size: u64) -> Result<Vec<Hash>> {
    let mut stmt = conn.prepare_cached(
        "SELECT leaf_hash FROM log_leaves WHERE leaf_index < ?1 ORDER BY leaf_index",
    )?;
    // Clamped: `u64::MAX as i64` would be -1 and select nothing.
    let size = i64::try_from(size).unwrap_or(i64::MAX);
    let rows = stmt.query_map([size], |r| hash_from_hex(&r.get::<_, String>(0)?))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Appends to `tree` the leaves committed since it was last brought up to date.
fn sync_tree(conn: &Connection, tree: &mut LogTree) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT leaf_index, leaf_hash FROM log_leaves WHERE leaf_index >= ?1 ORDER BY leaf_index",
    )?;
    let mut rows = stmt.query([tree.size() as i64])?;
    while let Some(row) = rows.next()? {
        let index: i64 = row.get(0)?;
        if index as u64 != tree.size() {
            return Err(Error::new(
                Code::Database,
                format!("log leaf {index} follows {} leaves", tree.size()),
            ));
        }
        tree.push(hash_from_hex(&row.get::<_, String>(1)?)?);
    }
    Ok(())
}

fn insert_case(tx: &Transaction<'_>, case: &NewCase, index: u64, receipt: &str) -> Result<()> {
    let categories = serde_json::to_string(&case.categories).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "INSERT INTO cases (case_id, case_code, agency, unit, seal_root, bundle_sha256, province,
                            sealed_at, accepted_at, categories, leaf_index, receipt)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            case.case_id,
            case.case_code,
            case.agency,
            case.unit,
            case.seal_root,
            case.bundle_sha256,
            case.province,
            case.sealed_at,
            case.accepted_at,
            categories,
            index as i64,
            receipt
        ],
    )?;
    let mut facet = tx.prepare_cached(
        "INSERT INTO case_facets (case_id, facet, value) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )?;
    for c in &case.categories {
        facet.execute(params![case.case_id, "category", c])?;
    }
    for p in &case.platforms {
        facet.execute(params![case.case_id, "platform", p])?;
    }
    facet.execute(params![case.case_id, "province", case.province])?;
    let mut ident = tx.prepare_cached(
        "INSERT INTO identifiers (case_id, kind, family, value, qualifier)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
    )?;
    for i in &case.identifiers {
        ident.execute(params![
            case.case_id,
            i.kind,
            i.family,
            i.value,
            i.qualifier
        ])?;
    }
    tx.execute(
        "INSERT INTO log_leaves (leaf_index, leaf_hash, leaf_data, case_id) VALUES (?1, ?2, ?3, ?4)",
        params![index as i64, hex::encode(case.leaf_hash), case.leaf_data, case.case_id],
    )?;
    Ok(())
}

fn counts(conn: &Connection, sql: &str, from: &str, to: &str) -> Result<Vec<Count>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![from, to], |r| {
        Ok(Count {
            key: r.get(0)?,
            cases: r.get::<_, i64>(1)? as u64,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

impl Store for SqliteStore {
    fn add_agency(&self, code: &str, name: &str, at: &str) -> Result<()> {
        let conn = self.write();
        conn.execute(
            "INSERT INTO agencies (code, name, created_at) VALUES (?1, ?2, ?3)",
            params![code, name, at],
        )
        .map_err(|e| match is_constraint(&e) {
            true => Error::new(Code::AlreadyExists, format!("agency {code} exists already")),
            false => e.into(),
        })?;
        Ok(())
    }

    fn agencies(&self) -> Result<Vec<Agency>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached("SELECT code, name FROM agencies ORDER BY code")?;
        let rows = stmt.query_map([], |r| {
            Ok(Agency {
                code: r.get(0)?,
                name: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn add_unit(&self, unit: &UnitContact, at: &str) -> Result<()> {
        let conn = self.write();
        let known: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM agencies WHERE code = ?1)",
            [&unit.agency],
            |r| r.get(0),
        )?;
        if !known {
            return Err(Error::new(
                Code::NotFound,
                format!("no agency {}", unit.agency),
            ));
        }
        conn.execute(
            "INSERT INTO units (agency, code, name, contact, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![unit.agency, unit.code, unit.name, unit.contact, at],
        )
        .map_err(|e| match is_constraint(&e) {
            true => Error::new(
                Code::AlreadyExists,
                format!("unit {} of {} exists already", unit.code, unit.agency),
            ),
            false => e.into(),
        })?;
        Ok(())
    }

    fn unit(&self, agency: &str, code: &str) -> Result<Option<UnitContact>> {
        let conn = self.read();
        Ok(conn
            .query_row(
                "SELECT agency, code, name, contact FROM units WHERE agency = ?1 AND code = ?2",
                [agency, code],
                |r| {
                    Ok(UnitContact {
                        agency: r.get(0)?,
                        code: r.get(1)?,
                        name: r.get(2)?,
                        contact: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn issue_token(&self, token: &Token, token_sha256: &str) -> Result<()> {
        if self.unit(&token.agency, &token.unit)?.is_none() {
            return Err(Error::new(
                Code::NotFound,
                format!("no unit {} in agency {}", token.unit, token.agency),
            ));
        }
        self.write().execute(
            "INSERT INTO tokens (id, token_sha256, agency, unit, role, name, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                token.id,
                token_sha256,
                token.agency,
                token.unit,
                token.role.as_str(),
                token.name,
                token.created_at
            ],
        )?;
        Ok(())
    }

    fn revoke_token(&self, id: &str, at: &str) -> Result<Token> {
        let conn = self.write();
        conn.execute(
            "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, at],
        )?;
        conn.query_row(
            &format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = ?1"),
            [id],
            token_row,
        )
        .optional()?
        .ok_or_else(|| Error::new(Code::NotFound, format!("no token {id}")))
    }

    fn tokens(&self) -> Result<Vec<Token>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY created_at, id"
        ))?;
        let rows = stmt.query_map([], token_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn token_by_hash(&self, token_sha256: &str) -> Result<Option<Token>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_sha256 = ?1"
        ))?;
        Ok(stmt.query_row([token_sha256], token_row).optional()?)
    }

    fn create_upload(&self, upload: &Upload) -> Result<()> {
        self.write().execute(
            "INSERT INTO uploads (id, token_id, size, sha256, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                upload.id,
                upload.token_id,
                upload.size as i64,
                upload.sha256,
                upload.created_at
            ],
        )?;
        Ok(())
    }

    fn upload(&self, id: &str) -> Result<Option<Upload>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(
            "SELECT id, token_id, size, sha256, created_at FROM uploads WHERE id = ?1",
        )?;
        Ok(stmt.query_row([id], upload_row).optional()?)
    }

    fn uploads(&self) -> Result<Vec<Upload>> {
        let conn = self.read();
        let mut stmt =
            conn.prepare_cached("SELECT id, token_id, size, sha256, created_at FROM uploads")?;
        let rows = stmt.query_map([], upload_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn delete_upload(&self, id: &str) -> Result<()> {
        self.write()
            .execute("DELETE FROM uploads WHERE id = ?1", [id])?;
        Ok(())
    }

    fn publish(&self, case: &NewCase, receipt: ReceiptFn<'_>) -> Result<Publish> {
        let mut conn = self.write();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<(String, String)> = tx
            .query_row(
                "SELECT seal_root, receipt FROM cases WHERE case_id = ?1",
                [&case.case_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((seal_root, stored)) = existing {
            return Ok(match seal_root == case.seal_root {
                true => Publish::Duplicate(stored_receipt(&stored)?),
                false => Publish::Conflict(seal_root),
            });
        }
        let mut tree = self.tree();
        sync_tree(&tx, &mut tree)?;
        let index = tree.size();
        tree.push(case.leaf_hash);
        let done: Result<Receipt> = (|| {
            let made = receipt(index, &tree)?;
            let text = serde_json::to_string(&made)
                .map_err(|e| Error::internal(format!("receipt: {e}")))?;
            insert_case(&tx, case, index, &text)?;
            tx.commit()?;
            Ok(made)
        })();
        if done.is_err() {
            tree.truncate(index);
        }
        Ok(Publish::Accepted(done?))
    }

    fn receipt(&self, case_id: &str) -> Result<Option<Receipt>> {
        let conn = self.read();
        let text: Option<String> = conn
            .query_row(
                "SELECT receipt FROM cases WHERE case_id = ?1",
                [case_id],
                |r| r.get(0),
            )
            .optional()?;
        text.map(|t| stored_receipt(&t)).transpose()
    }

    fn bundle_digests(&self) -> Result<Vec<String>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached("SELECT bundle_sha256 FROM cases")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn share_case(&self, share: &CaseShare) -> Result<bool> {
        let conn = self.write();
        let n = conn.execute(
            "INSERT INTO case_shares (case_id, agency, granted_by, unit, granted_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (case_id, agency) DO NOTHING",
            params![
                share.case_id,
                share.agency,
                share.granted_by,
                share.unit,
                share.granted_at
            ],
        )?;
        Ok(n == 1)
    }

    fn is_shared(&self, case_id: &str, agency: &str) -> Result<bool> {
        let conn = self.read();
        Ok(conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM case_shares WHERE case_id = ?1 AND agency = ?2)",
            [case_id, agency],
            |r| r.get(0),
        )?)
    }

    fn log_size(&self) -> Result<u64> {
        let conn = self.read();
        let n: i64 = conn.query_row(
            "SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM log_leaves",
            [],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    fn leaf_hashes(&self, size: u64) -> Result<Vec<Hash>> {
        leaf_hashes_in(&self.read(), size)
    }

    fn log_read(&self, f: &mut dyn FnMut(&LogTree)) -> Result<()> {
        let mut tree = self.tree();
        sync_tree(&self.read(), &mut tree)?;
        f(&tree);
        Ok(())
    }

    fn leaf_index(&self, leaf_hash: &Hash) -> Result<Option<u64>> {
        let conn = self.read();
        let index: Option<i64> = conn
            .query_row(
                "SELECT leaf_index FROM log_leaves WHERE leaf_hash = ?1",
                [hex::encode(leaf_hash)],
                |r| r.get(0),
            )
            .optional()?;
        Ok(index.map(|i| i as u64))
    }

    fn lookup(&self, keys: &[(String, String)]) -> Result<Vec<IdentifierRow>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(
            "SELECT i.kind, i.value, i.qualifier, c.agency, c.case_id, c.case_code, c.categories,
                    c.sealed_at, u.agency, u.code, u.name, u.contact
             FROM identifiers i
             JOIN cases c ON c.case_id = i.case_id
             JOIN units u ON u.agency = c.agency AND u.code = c.unit
             WHERE i.family = ?1 AND i.value = ?2
             ORDER BY c.sealed_at, c.case_id, i.id",
        )?;
        let mut out = Vec::new();
        for (family, value) in keys {
            let rows = stmt.query_map([family, value], |r| {
                Ok(IdentifierRow {
                    kind: r.get(0)?,
                    value: r.get(1)?,
                    qualifier: r.get(2)?,
                    agency: r.get(3)?,
                    case_id: r.get(4)?,
                    case_code: r.get(5)?,
                    categories: json_list(&r.get::<_, String>(6)?),
                    case_date: r.get(7)?,
                    unit: UnitContact {
                        agency: r.get(8)?,
                        code: r.get(9)?,
                        name: r.get(10)?,
                        contact: r.get(11)?,
                    },
                })
            })?;
            for row in rows {
                out.push(row?);
            }
        }
        Ok(out)
    }

    fn watchlist(&self, agency: &str, cursor: u64, limit: u64) -> Result<Vec<WatchlistEntry>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(
            "SELECT i.id, i.kind, i.value, i.qualifier, c.agency, c.case_id, c.case_code,
                    c.categories, c.sealed_at
             FROM identifiers i JOIN cases c ON c.case_id = i.case_id
             WHERE i.id > ?1 AND c.agency <> ?2
             ORDER BY i.id LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![clamp(cursor), agency, clamp(limit)], |r| {
            Ok(WatchlistEntry {
                cursor: r.get::<_, i64>(0)? as u64,
                kind: r.get(1)?,
                value: r.get(2)?,
                qualifier: r.get(3)?,
                agency: r.get(4)?,
                case_id: r.get(5)?,
                case_code: r.get(6)?,
                categories: json_list(&r.get::<_, String>(7)?),
                case_date: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn stats(&self, from: &str, to_exclusive: &str) -> Result<Stats> {
        let conn = self.read();
        let total: i64 = conn.query_row(
            "SELECT COUNT(*) FROM cases WHERE sealed_at >= ?1 AND sealed_at < ?2",
            [from, to_exclusive],
            |r| r.get(0),
        )?;
        let facet = |name: &str| {
            counts(
                &conn,
                &format!(
                    "SELECT f.value, COUNT(DISTINCT f.case_id) FROM case_facets f
                     JOIN cases c ON c.case_id = f.case_id
                     WHERE f.facet = '{name}' AND c.sealed_at >= ?1 AND c.sealed_at < ?2
                     GROUP BY f.value ORDER BY f.value"
                ),
                from,
                to_exclusive,
            )
        };
        Ok(Stats {
            from: from.to_string(),
            to: to_exclusive.to_string(),
            total_cases: total as u64,
            by_category: facet("category")?,
            by_platform: facet("platform")?,
            by_province: facet("province")?,
            by_month: counts(
                &conn,
                "SELECT substr(sealed_at, 1, 7) AS month, COUNT(*) FROM cases
                 WHERE sealed_at >= ?1 AND sealed_at < ?2 GROUP BY month ORDER BY month",
                from,
                to_exclusive,
            )?,
        })
    }

    fn audit(&self, record: &AuditRecord) -> Result<()> {
        self.audit_many(std::slice::from_ref(record))
    }

    fn audit_many(&self, records: &[AuditRecord]) -> Result<()> {
        let mut conn = self.write();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO audit (at, actor, agency, role, action, target, status, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for r in records {
                insert.execute(params![
                    r.at, r.actor, r.agency, r.role, r.action, r.target, r.status, r.detail
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn audit_page(&self, cursor: u64, limit: u64) -> Result<Vec<AuditEntry>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(
            "SELECT id, at, actor, agency, role, action, target, status, detail FROM audit
             WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![clamp(cursor), clamp(limit)], |r| {
            Ok(AuditEntry {
                id: r.get::<_, i64>(0)? as u64,
                at: r.get(1)?,
                actor: r.get(2)?,
                agency: r.get(3)?,
                role: r.get(4)?,
                action: r.get(5)?,
                target: r.get(6)?,
                status: r.get(7)?,
                detail: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

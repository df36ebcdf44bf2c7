//! The PostgreSQL store (`--database postgres://…`), for deployments that outgrow one
//! machine: the same trait and the same SQL as the SQLite store, over the synchronous
//! `postgres` client. One writer connection and a few readers, each behind a mutex and
//! reconnected when the server dropped it; the server calls the store from tokio's
//! blocking pool, where the client's own small runtime may block.
//!
//! Several registry processes may share one database, so the orderings the SQLite store
//! gets from its single writer are taken with locks here: publishing holds an exclusive
//! lock on `cases` (one log append at a time, identifiers in id order for the watchlist
//! cursor) and an audit insert one on `audit` (ids in commit order for the audit cursor).
//! Plain reads never wait for either.
//!
//! Schema versions live in `registry_schema`; pending migrations run in one transaction
//! under an advisory lock, and a newer database is refused. No TLS to the database: it
//! is reached over loopback or a private network.

use std::cell::Cell;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use postgres::types::ToSql;
use postgres::{Client, Config, GenericClient, NoTls, Row, Statement};
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
    include_str!("migrations/postgres_0001_registry.sql"),
    include_str!("migrations/postgres_0002_case_shares.sql"),
];
const READERS: usize = 4;
/// Any constant shared by every registry process: the key of the migration lock.
const MIGRATION_LOCK: i64 = 0x7472_7576_6574_0001;

impl From<postgres::Error> for Error {
    fn from(err: postgres::Error) -> Error {
        if connection_lost(&err) {
            LOST.set(true);
        }
        Error::new(Code::Database, format!("PostgreSQL: {err}"))
    }
}

thread_local! {
    /// Set when an error on this thread says the connection in use is gone; the slot
    /// holding it drops the connection when released, so the next call connects anew.
    /// Every PostgreSQL error becomes ours through `From`, whichever path it took.
    static LOST: Cell<bool> = const { Cell::new(false) };
}

/// Closed, or a connection-class (08) or operator-intervention (57: terminated,
/// shutting down) error; or no server error at all (I/O).
fn connection_lost(err: &postgres::Error) -> bool {
    err.is_closed()
        || err
            .code()
            .is_none_or(|c| c.code().starts_with("08") || c.code().starts_with("57"))
}

fn is_constraint(err: &postgres::Error) -> bool {
    // Class 23: integrity constraint violations (unique, foreign key, check…).
    err.code().is_some_and(|c| c.code().starts_with("23"))
}

/// A connection and the statements prepared on it.
struct Conn {
    client: Client,
    prepared: HashMap<&'static str, Statement>,
}

impl Conn {
    fn statement(&mut self, sql: &'static str) -> Result<Statement> {
        if let Some(s) = self.prepared.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        self.prepared.insert(sql, s.clone());
        Ok(s)
    }

    fn query(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let s = self.statement(sql)?;
        Ok(self.client.query(&s, params)?)
    }

    fn query_opt(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>> {
        let s = self.statement(sql)?;
        Ok(self.client.query_opt(&s, params)?)
    }

    fn query_one(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<Row> {
        let s = self.statement(sql)?;
        Ok(self.client.query_one(&s, params)?)
    }

    fn execute(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        let s = self.statement(sql)?;
        Ok(self.client.execute(&s, params)?)
    }
}

pub struct PostgresStore {
    config: Config,
    writer: Mutex<Option<Conn>>,
    readers: Vec<Mutex<Option<Conn>>>,
    next_reader: AtomicUsize,
    /// The log's complete subtrees, filled from `log_leaves` on first use and brought
    /// up to date before every use (other processes may append); a publish holds this
    /// lock until its transaction ends, so readers never see an uncommitted leaf.
    tree: Mutex<LogTree>,
}

/// A locked connection, connected again first if the server had dropped it.
struct Slot<'a>(MutexGuard<'a, Option<Conn>>);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if LOST.take() {
            *self.0 = None;
        }
    }
}

impl std::ops::Deref for Slot<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.0
            .as_ref()
            .unwrap_or_else(|| unreachable!("a slot is filled before use"))
    }
}

impl std::ops::DerefMut for Slot<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.0
            .as_mut()
            .unwrap_or_else(|| unreachable!("a slot is filled before use"))
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/db`) and brings the schema up to
    /// date. Works from any thread, inside an async runtime too.
    pub fn open(url: &str) -> Result<PostgresStore> {
        let mut config = Config::from_str(url)
            .map_err(|e| Error::invalid(format!("--database is not a PostgreSQL URL: {e}")))?;
        config
            .connect_timeout(Duration::from_secs(10))
            .application_name("truyvet-registry");
        // The client runs a runtime of its own, which cannot start inside another one.
        std::thread::scope(|s| {
            s.spawn(|| {
                let mut writer = connect(&config)?;
                migrate(&mut writer.client)?;
                let mut readers = Vec::with_capacity(READERS);
                for _ in 0..READERS {
                    readers.push(Mutex::new(Some(connect(&config)?)));
                }
                Ok(PostgresStore {
                    config: config.clone(),
                    writer: Mutex::new(Some(writer)),
                    readers,
                    next_reader: AtomicUsize::new(0),
                    tree: Mutex::new(LogTree::new()),
                })
            })
            .join()
            .unwrap_or_else(|_| Err(Error::internal("connecting to PostgreSQL panicked")))
        })
    }

    fn slot<'a>(&self, cell: &'a Mutex<Option<Conn>>) -> Result<Slot<'a>> {
        self.fill(cell.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn fill<'a>(&self, mut guard: MutexGuard<'a, Option<Conn>>) -> Result<Slot<'a>> {
        LOST.set(false);
        if guard.as_ref().is_none_or(|c| c.client.is_closed()) {
            *guard = None;
            *guard = Some(connect(&self.config)?);
        }
        Ok(Slot(guard))
    }

    fn write(&self) -> Result<Slot<'_>> {
        self.slot(&self.writer)
    }

    fn read(&self) -> Result<Slot<'_>> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        self.fill(super::free_slot(&self.readers, start))
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // Each client owns a runtime, and a runtime may not be dropped inside another
        // one: let a plain thread close them, wherever the store is dropped.
        let mut conns: Vec<Conn> = Vec::new();
        for cell in std::iter::once(&self.writer).chain(&self.readers) {
            if let Some(c) = cell.lock().unwrap_or_else(|p| p.into_inner()).take() {
                conns.push(c);
            }
        }
        let _ = std::thread::spawn(move || drop(conns)).join();
    }
}

fn connect(config: &Config) -> Result<Conn> {
    let client = config
        .connect(NoTls)
        .map_err(|e| Error::new(Code::Database, format!("cannot connect to PostgreSQL: {e}")))?;
    Ok(Conn {
        client,
        prepared: HashMap::new(),
    })
}

fn migrate(client: &mut Client) -> Result<()> {
    let latest = MIGRATIONS.len() as i64;
    let mut tx = client.transaction()?;
    // Two registries starting at once: the second waits, then finds nothing to do.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS registry_schema (version BIGINT NOT NULL)")?;
    let version: i64 = tx
        .query_opt("SELECT version FROM registry_schema", &[])?
        .map(|r| r.get(0))
        .unwrap_or(0);
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
    for sql in &MIGRATIONS[version as usize..] {
        tx.batch_execute(sql)?;
    }
    tx.execute("DELETE FROM registry_schema", &[])?;
    tx.execute(
        "INSERT INTO registry_schema (version) VALUES ($1)",
        &[&latest],
    )?;
    tx.commit()?;
    Ok(())
}

fn hash_from_hex(text: &str) -> Result<Hash> {
    parse_hash(text)
        .ok_or_else(|| Error::new(Code::Database, format!("stored hash is not hex: {text}")))
}

fn json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

fn stored_receipt(text: &str) -> Result<Receipt> {
    serde_json::from_str(text)
        .map_err(|e| Error::new(Code::Database, format!("stored receipt unreadable: {e}")))
}

fn token_row(r: &Row) -> Token {
    let role: String = r.get(3);
    Token {
        id: r.get(0),
        agency: r.get(1),
        unit: r.get(2),
        role: Role::parse(&role).unwrap_or(Role::Investigator),
        name: r.get(4),
        created_at: r.get(5),
        revoked_at: r.get(6),
    }
}

fn upload_row(r: &Row) -> Upload {
    Upload {
        id: r.get(0),
        token_id: r.get(1),
        size: r.get::<_, i64>(2) as u64,
        sha256: r.get(3),
        created_at: r.get(4),
    }
}

/// Appends to `tree` the leaves committed since it was last brought up to date.
fn sync_tree(client: &mut impl GenericClient, tree: &mut LogTree) -> Result<()> {
    let rows = client.query(
        "SELECT leaf_index, leaf_hash FROM log_leaves WHERE leaf_index >= $1 ORDER BY leaf_index",
        &[&(tree.size() as i64)],
    )?;
    for row in rows {
        let index: i64 = row.get(0);
        if index as u64 != tree.size() {
            return Err(Error::new(
                Code::Database,
                format!("log leaf {index} follows {} leaves", tree.size()),
            ));
        }
        tree.push(hash_from_hex(row.get(1))?);
    }
    Ok(())
}

fn leaf_hashes_in(client: &mut impl GenericClient, size: u64) -> Result<Vec<Hash>> {
    let size = i64::try_from(size).unwrap_or(i64::MAX);
    client
        .query(
            "SELECT leaf_hash FROM log_leaves WHERE leaf_index < $1 ORDER BY leaf_index",
            &[&size],
        )?
        .iter()
        .map(|r| hash_from_hex(r.get(0)))
        .collect()
}

fn insert_case(
    tx: &mut postgres::Transaction<'_>,
    case: &NewCase,
    index: u64,
    receipt: &str,
) -> Result<()> {
    let categories = serde_json::to_string(&case.categories).unwrap_or_else(|_| "[]".into());
    let index = index as i64;
    tx.execute(
        "INSERT INTO cases (case_id, case_code, agency, unit, seal_root, bundle_sha256, province,
                            sealed_at, accepted_at, categories, leaf_index, receipt)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &[
            &case.case_id,
            &case.case_code,
            &case.agency,
            &case.unit,
            &case.seal_root,
            &case.bundle_sha256,
            &case.province,
            &case.sealed_at,
            &case.accepted_at,
            &categories,
            &index,
            &receipt,
        ],
    )?;
    let facet = tx.prepare(
        "INSERT INTO case_facets (case_id, facet, value) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )?;
    let facets = case
        .categories
        .iter()
        .map(|c| ("category", c))
        .chain(case.platforms.iter().map(|p| ("platform", p)))
        .chain(std::iter::once(("province", &case.province)));
    for (name, value) in facets {
        tx.execute(&facet, &[&case.case_id, &name, value])?;
    }
    let ident = tx.prepare(
        "INSERT INTO identifiers (case_id, kind, family, value, qualifier)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )?;
    for i in &case.identifiers {
        tx.execute(
            &ident,
            &[&case.case_id, &i.kind, &i.family, &i.value, &i.qualifier],
        )?;
    }
    tx.execute(
        "INSERT INTO log_leaves (leaf_index, leaf_hash, leaf_data, case_id) VALUES ($1, $2, $3, $4)",
        &[&index, &hex::encode(case.leaf_hash), &case.leaf_data, &case.case_id],
    )?;
    Ok(())
}

fn counts(conn: &mut Conn, sql: &'static str, from: &str, to: &str) -> Result<Vec<Count>> {
    Ok(conn
        .query(sql, &[&from, &to])?
        .iter()
        .map(|r| Count {
            key: r.get(0),
            cases: r.get::<_, i64>(1) as u64,
        })
        .collect())
}

const FACET_COUNTS: [&str; 3] = [
    "SELECT f.value, COUNT(DISTINCT f.case_id) FROM case_facets f
     JOIN cases c ON c.case_id = f.case_id
     WHERE f.facet = 'category' AND c.sealed_at >= $1 AND c.sealed_at < $2
     GROUP BY f.value ORDER BY f.value",
    "SELECT f.value, COUNT(DISTINCT f.case_id) FROM case_facets f
     JOIN cases c ON c.case_id = f.case_id
     WHERE f.facet = 'platform' AND c.sealed_at >= $1 AND c.sealed_at < $2
     GROUP BY f.value ORDER BY f.value",
    "SELECT f.value, COUNT(DISTINCT f.case_id) FROM case_facets f
     JOIN cases c ON c.case_id = f.case_id
     WHERE f.facet = 'province' AND c.sealed_at >= $1 AND c.sealed_at < $2
     GROUP BY f.value ORDER BY f.value",
];

impl Store for PostgresStore {
    fn add_agency(&self, code: &str, name: &str, at: &str) -> Result<()> {
        self.write()?
            .client
            .execute(
                "INSERT INTO agencies (code, name, created_at) VALUES ($1, $2, $3)",
                &[&code, &name, &at],
            )
            .map_err(|e| match is_constraint(&e) {
                true => Error::new(Code::AlreadyExists, format!("agency {code} exists already")),
                false => e.into(),
            })?;
        Ok(())
    }

    fn agencies(&self) -> Result<Vec<Agency>> {
        let rows = self
            .read()?
            .query("SELECT code, name FROM agencies ORDER BY code", &[])?;
        Ok(rows
            .iter()
            .map(|r| Agency {
                code: r.get(0),
                name: r.get(1),
            })
            .collect())
    }

    fn add_unit(&self, unit: &UnitContact, at: &str) -> Result<()> {
        let mut conn = self.write()?;
        let known: bool = conn
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM agencies WHERE code = $1)",
                &[&unit.agency],
            )?
            .get(0);
        if !known {
            return Err(Error::new(
                Code::NotFound,
                format!("no agency {}", unit.agency),
            ));
        }
        conn.client
            .execute(
                "INSERT INTO units (agency, code, name, contact, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[&unit.agency, &unit.code, &unit.name, &unit.contact, &at],
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
        let row = self.read()?.query_opt(
            "SELECT agency, code, name, contact FROM units WHERE agency = $1 AND code = $2",
            &[&agency, &code],
        )?;
        Ok(row.map(|r| UnitContact {
            agency: r.get(0),
            code: r.get(1),
            name: r.get(2),
            contact: r.get(3),
        }))
    }

    fn issue_token(&self, token: &Token, token_sha256: &str) -> Result<()> {
        if self.unit(&token.agency, &token.unit)?.is_none() {
            return Err(Error::new(
                Code::NotFound,
                format!("no unit {} in agency {}", token.unit, token.agency),
            ));
        }
        self.write()?.execute(
            "INSERT INTO tokens (id, token_sha256, agency, unit, role, name, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &token.id,
                &token_sha256,
                &token.agency,
                &token.unit,
                &token.role.as_str(),
                &token.name,
                &token.created_at,
            ],
        )?;
        Ok(())
    }

    fn revoke_token(&self, id: &str, at: &str) -> Result<Token> {
        let mut conn = self.write()?;
        conn.execute(
            "UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            &[&id, &at],
        )?;
        let row = conn.query_opt(
            "SELECT id, agency, unit, role, name, created_at, revoked_at FROM tokens WHERE id = $1",
            &[&id],
        )?;
        row.map(|r| token_row(&r))
            .ok_or_else(|| Error::new(Code::NotFound, format!("no token {id}")))
    }

    fn tokens(&self) -> Result<Vec<Token>> {
        let rows = self.read()?.query(
            "SELECT id, agency, unit, role, name, created_at, revoked_at FROM tokens
             ORDER BY created_at, id",
            &[],
        )?;
        Ok(rows.iter().map(token_row).collect())
    }

    fn token_by_hash(&self, token_sha256: &str) -> Result<Option<Token>> {
        let row = self.read()?.query_opt(
            "SELECT id, agency, unit, role, name, created_at, revoked_at FROM tokens
             WHERE token_sha256 = $1",
            &[&token_sha256],
        )?;
        Ok(row.map(|r| token_row(&r)))
    }

    fn create_upload(&self, upload: &Upload) -> Result<()> {
        self.write()?.execute(
            "INSERT INTO uploads (id, token_id, size, sha256, created_at) VALUES ($1, $2, $3, $4, $5)",
            &[
                &upload.id,
                &upload.token_id,
                &(upload.size as i64),
                &upload.sha256,
                &upload.created_at,
            ],
        )?;
        Ok(())
    }

    fn upload(&self, id: &str) -> Result<Option<Upload>> {
        let row = self.read()?.query_opt(
            "SELECT id, token_id, size, sha256, created_at FROM uploads WHERE id = $1",
            &[&id],
        )?;
        Ok(row.map(|r| upload_row(&r)))
    }

    fn uploads(&self) -> Result<Vec<Upload>> {
        let rows = self.read()?.query(
            "SELECT id, token_id, size, sha256, created_at FROM uploads",
            &[],
        )?;
        Ok(rows.iter().map(upload_row).collect())
    }

    fn delete_upload(&self, id: &str) -> Result<()> {
        self.write()?
            .execute("DELETE FROM uploads WHERE id = $1", &[&id])?;
        Ok(())
    }

    fn publish(&self, case: &NewCase, receipt: ReceiptFn<'_>) -> Result<Publish> {
        let mut conn = self.write()?;
        let mut tx = conn.client.transaction()?;
        // One publisher at a time, across every registry process on this database; the
        // lock waits for an earlier publisher's commit, so the check below sees it.
        tx.batch_execute("LOCK TABLE cases IN EXCLUSIVE MODE")?;
        let existing = tx.query_opt(
            "SELECT seal_root, receipt FROM cases WHERE case_id = $1",
            &[&case.case_id],
        )?;
        if let Some(row) = existing {
            let (seal_root, stored): (String, String) = (row.get(0), row.get(1));
            return Ok(match seal_root == case.seal_root {
                true => Publish::Duplicate(stored_receipt(&stored)?),
                false => Publish::Conflict(seal_root),
            });
        }
        let mut tree = self.tree.lock().unwrap_or_else(|p| p.into_inner());
        sync_tree(&mut tx, &mut tree)?;
        let index = tree.size();
        tree.push(case.leaf_hash);
        let done: Result<Receipt> = (|| {
            let made = receipt(index, &tree)?;
            let text = serde_json::to_string(&made)
                .map_err(|e| Error::internal(format!("receipt: {e}")))?;
            insert_case(&mut tx, case, index, &text)?;
            tx.commit()?;
            Ok(made)
        })();
        if done.is_err() {
            tree.truncate(index);
        }
        Ok(Publish::Accepted(done?))
    }

    fn receipt(&self, case_id: &str) -> Result<Option<Receipt>> {
        let row = self
            .read()?
            .query_opt("SELECT receipt FROM cases WHERE case_id = $1", &[&case_id])?;
        row.map(|r| stored_receipt(r.get(0))).transpose()
    }

    fn bundle_digests(&self) -> Result<Vec<String>> {
        let rows = self.read()?.query("SELECT bundle_sha256 FROM cases", &[])?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn share_case(&self, share: &CaseShare) -> Result<bool> {
        let n = self.write()?.client.execute(
            "INSERT INTO case_shares (case_id, agency, granted_by, unit, granted_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (case_id, agency) DO NOTHING",
            &[
                &share.case_id,
                &share.agency,
                &share.granted_by,
                &share.unit,
                &share.granted_at,
            ],
        )?;
        Ok(n == 1)
    }

    fn is_shared(&self, case_id: &str, agency: &str) -> Result<bool> {
        Ok(self
            .read()?
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM case_shares WHERE case_id = $1 AND agency = $2)",
                &[&case_id, &agency],
            )?
            .get(0))
    }

    fn log_size(&self) -> Result<u64> {
        let n: i64 = self
            .read()?
            .query_one(
                "SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM log_leaves",
                &[],
            )?
            .get(0);
        Ok(n as u64)
    }

    fn leaf_hashes(&self, size: u64) -> Result<Vec<Hash>> {
        leaf_hashes_in(&mut self.read()?.client, size)
    }

    fn log_read(&self, f: &mut dyn FnMut(&LogTree)) -> Result<()> {
        let mut tree = self.tree.lock().unwrap_or_else(|p| p.into_inner());
        sync_tree(&mut self.read()?.client, &mut tree)?;
        f(&tree);
        Ok(())
    }

    fn leaf_index(&self, leaf_hash: &Hash) -> Result<Option<u64>> {
        let row = self.read()?.query_opt(
            "SELECT leaf_index FROM log_leaves WHERE leaf_hash = $1",
            &[&hex::encode(leaf_hash)],
        )?;
        Ok(row.map(|r| r.get::<_, i64>(0) as u64))
    }

    fn lookup(&self, keys: &[(String, String)]) -> Result<Vec<IdentifierRow>> {
        let mut conn = self.read()?;
        let mut out = Vec::new();
        for (family, value) in keys {
            let rows = conn.query(
                "SELECT i.kind, i.value, i.qualifier, c.agency, c.case_id, c.case_code,
                        c.categories, c.sealed_at, u.agency, u.code, u.name, u.contact
                 FROM identifiers i
                 JOIN cases c ON c.case_id = i.case_id
                 JOIN units u ON u.agency = c.agency AND u.code = c.unit
                 WHERE i.family = $1 AND i.value = $2
                 ORDER BY c.sealed_at, c.case_id, i.id",
                &[family, value],
            )?;
            out.extend(rows.iter().map(|r| IdentifierRow {
                kind: r.get(0),
                value: r.get(1),
                qualifier: r.get(2),
                agency: r.get(3),
                case_id: r.get(4),
                case_code: r.get(5),
                categories: json_list(r.get(6)),
                case_date: r.get(7),
                unit: UnitContact {
                    agency: r.get(8),
                    code: r.get(9),
                    name: r.get(10),
                    contact: r.get(11),
                },
            }));
        }
        Ok(out)
    }

    fn watchlist(&self, agency: &str, cursor: u64, limit: u64) -> Result<Vec<WatchlistEntry>> {
        let cursor = i64::try_from(cursor).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.read()?.query(
            "SELECT i.id, i.kind, i.value, i.qualifier, c.agency, c.case_id, c.case_code,
                    c.categories, c.sealed_at
             FROM identifiers i JOIN cases c ON c.case_id = i.case_id
             WHERE i.id > $1 AND c.agency <> $2
             ORDER BY i.id LIMIT $3",
            &[&cursor, &agency, &limit],
        )?;
        Ok(rows
            .iter()
            .map(|r| WatchlistEntry {
                cursor: r.get::<_, i64>(0) as u64,
                kind: r.get(1),
                value: r.get(2),
                qualifier: r.get(3),
                agency: r.get(4),
                case_id: r.get(5),
                case_code: r.get(6),
                categories: json_list(r.get(7)),
                case_date: r.get(8),
            })
            .collect())
    }

    fn stats(&self, from: &str, to_exclusive: &str) -> Result<Stats> {
        let mut conn = self.read()?;
        let total: i64 = conn
            .query_one(
                "SELECT COUNT(*) FROM cases WHERE sealed_at >= $1 AND sealed_at < $2",
                &[&from, &to_exclusive],
            )?
            .get(0);
        let [category, platform, province] = FACET_COUNTS;
        Ok(Stats {
            from: from.to_string(),
            to: to_exclusive.to_string(),
            total_cases: total as u64,
            by_category: counts(&mut conn, category, from, to_exclusive)?,
            by_platform: counts(&mut conn, platform, from, to_exclusive)?,
            by_province: counts(&mut conn, province, from, to_exclusive)?,
            by_month: counts(
                &mut conn,
                "SELECT substr(sealed_at, 1, 7) AS month, COUNT(*) FROM cases
                 WHERE sealed_at >= $1 AND sealed_at < $2 GROUP BY month ORDER BY month",
                from,
                to_exclusive,
            )?,
        })
    }

    fn audit(&self, record: &AuditRecord) -> Result<()> {
        let mut conn = self.write()?;
        let insert = conn.statement(
            "INSERT INTO audit (at, actor, agency, role, action, target, status, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )?;
        let mut tx = conn.client.transaction()?;
        // Ids are the audit cursor: taken and committed in one order, or a reader paging
        // by id could step over a row that commits late.
        tx.batch_execute("LOCK TABLE audit IN EXCLUSIVE MODE")?;
        tx.execute(
            &insert,
            &[
                &record.at,
                &record.actor,
                &record.agency,
                &record.role,
                &record.action,
                &record.target,
                &i32::from(record.status),
                &record.detail,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The server's group commit: every row in one transaction and one statement (arrays
    /// unnested in their order, so ids follow the order given), one round trip and one
    /// commit for the batch instead of one each.
    fn audit_many(&self, records: &[AuditRecord]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let column = |f: fn(&AuditRecord) -> &str| -> Vec<&str> { records.iter().map(f).collect() };
        let (at, actor, agency) = (
            column(|r| &r.at),
            column(|r| &r.actor),
            column(|r| &r.agency),
        );
        let (role, action, target) = (
            column(|r| &r.role),
            column(|r| &r.action),
            column(|r| &r.target),
        );
        let detail = column(|r| &r.detail);
        let status: Vec<i32> = records.iter().map(|r| i32::from(r.status)).collect();
        let mut conn = self.write()?;
        let insert = conn.statement(
            "INSERT INTO audit (at, actor, agency, role, action, target, status, detail)
             SELECT at, actor, agency, role, action, target, status, detail
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                         $6::text[], $7::int4[], $8::text[])
                  WITH ORDINALITY AS t(at, actor, agency, role, action, target, status, detail, n)
             ORDER BY n",
        )?;
        let mut tx = conn.client.transaction()?;
        // As in `audit`: ids taken and committed in one order.
        tx.batch_execute("LOCK TABLE audit IN EXCLUSIVE MODE")?;
        tx.execute(
            &insert,
            &[
                &at, &actor, &agency, &role, &action, &target, &status, &detail,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn audit_page(&self, cursor: u64, limit: u64) -> Result<Vec<AuditEntry>> {
        let cursor = i64::try_from(cursor).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.read()?.query(
            "SELECT id, at, actor, agency, role, action, target, status, detail FROM audit
             WHERE id > $1 ORDER BY id LIMIT $2",
            &[&cursor, &limit],
        )?;
        Ok(rows
            .iter()
            .map(|r| AuditEntry {
                id: r.get::<_, i64>(0) as u64,
                at: r.get(1),
                actor: r.get(2),
                agency: r.get(3),
                role: r.get(4),
                action: r.get(5),
                target: r.get(6),
                status: u16::try_from(r.get::<_, i32>(7)).unwrap_or(0),
                detail: r.get(8),
            })
            .collect())
    }
}

#[cfg(test)]
#[path = "postgres_tests.rs"]
mod tests;

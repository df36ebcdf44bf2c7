//! The administrative commands, working on the data folder directly (no server needed,
//! and none to expose): agencies, units, device tokens, the log key. Each change is an
//! audit record with the actor `admin-cli`.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use truyvet_wire::api::UnitContact;

use crate::auth::{new_secret, token_hash};
use crate::clock;
use crate::data_dir::DataDir;
use crate::error::{Error, Result};
use crate::log_key;
use crate::store::postgres::PostgresStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{AuditRecord, Role, Store, Token};

pub const ADMIN_ACTOR: &str = "admin-cli";

/// The data folder and its store: SQLite in the folder unless `database` names another.
pub fn open(data: &Path, database: Option<&str>) -> Result<(DataDir, Arc<dyn Store>)> {
    let dir = DataDir::open(data)?;
    let store: Arc<dyn Store> = match database {
        None => Arc::new(SqliteStore::open(&dir.database())?),
        Some(url) if url.starts_with("sqlite:") => {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            Arc::new(SqliteStore::open(Path::new(path))?)
        }
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Arc::new(PostgresStore::open(url)?)
        }
        Some(other) => {
            return Err(Error::invalid(format!(
                "--database must be postgres://… or sqlite:PATH, not '{other}'"
            )));
        }
    };
    Ok((dir, store))
}

fn audit(
    store: &dyn Store,
    agency: &str,
    action: &str,
    target: &str,
    detail: String,
) -> Result<()> {
    store.audit(&AuditRecord {
        at: clock::now(),
        actor: ADMIN_ACTOR.to_string(),
        agency: agency.to_string(),
        role: Role::Admin.as_str().to_string(),
        action: action.to_string(),
        target: target.to_string(),
        status: 0,
        detail,
    })
}

/// Agency codes as the core writes them in a case: 2 to 8 ASCII letters, upper case.
pub fn agency_code(raw: &str) -> Result<String> {
    let code = raw.trim().to_ascii_uppercase();
    if (2..=8).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(Error::invalid(format!(
            "an agency code is 2 to 8 letters (QLTT, CA, HQ…), not '{raw}'"
        )))
    }
}

/// Unit codes: 1 to 32 ASCII letters, digits and `-`, upper case.
pub fn unit_code(raw: &str) -> Result<String> {
    let code = raw.trim().to_ascii_uppercase();
    if (1..=32).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        Ok(code)
    } else {
        Err(Error::invalid(format!(
            "a unit code is 1 to 32 letters, digits or '-', not '{raw}'"
        )))
    }
}

fn non_empty(value: &str, what: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() || v.len() > 256 {
        return Err(Error::invalid(format!("{what} must be 1 to 256 bytes")));
    }
    Ok(v.to_string())
}

pub fn agency_add(store: &dyn Store, code: &str, name: &str) -> Result<crate::store::Agency> {
    let code = agency_code(code)?;
    let name = non_empty(name, "the agency name")?;
    store.add_agency(&code, &name, &clock::now())?;
    audit(store, &code, "agency_added", &code, name.clone())?;
    Ok(crate::store::Agency { code, name })
}

pub fn unit_add(
    store: &dyn Store,
    agency: &str,
    code: &str,
    name: &str,
    contact: &str,
) -> Result<UnitContact> {
    let unit = UnitContact {
        agency: agency_code(agency)?,
        code: unit_code(code)?,
        name: non_empty(name, "the unit name")?,
        contact: contact.trim().to_string(),
    };
    store.add_unit(&unit, &clock::now())?;
    audit(
        store,
        &unit.agency,
        "unit_added",
        &unit.code,
        format!("{} ({})", unit.name, unit.contact),
    )?;
    Ok(unit)
}

/// A new token: the secret is in this value only, never stored.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedToken {
    #[serde(flatten)]
    pub token: Token,
    pub secret: String,
}

pub fn token_issue(
    store: &dyn Store,
    agency: &str,
    unit: &str,
    role: &str,
    name: Option<&str>,
) -> Result<IssuedToken> {
    let token = Token {
        id: uuid::Uuid::now_v7().to_string(),
        agency: agency_code(agency)?,
        unit: unit_code(unit)?,
        role: Role::parse(role)?,
        name: name.map(str::trim).unwrap_or_default().to_string(),
        created_at: clock::now(),
        revoked_at: None,
    };
    let secret = new_secret();
    store.issue_token(&token, &token_hash(&secret))?;
    audit(
        store,
        &token.agency,
        "token_issued",
        &token.id,
        format!("{} {} {}", token.unit, token.role.as_str(), token.name),
    )?;
    Ok(IssuedToken { token, secret })
}

pub fn token_revoke(store: &dyn Store, id: &str) -> Result<Token> {
    let token = store.revoke_token(id.trim(), &clock::now())?;
    audit(
        store,
        &token.agency,
        "token_revoked",
        &token.id,
        String::new(),
    )?;
    Ok(token)
}

/// The log's public key, made at first use.
#[derive(Debug, Clone, Serialize)]
pub struct LogKey {
    pub public_key: String,
    pub fingerprint: String,
}

pub fn log_key(dir: &DataDir) -> Result<LogKey> {
    let key = log_key::load_or_create(&dir.key_file())?.verifying_key();
    Ok(LogKey {
        public_key: hex::encode(key.as_bytes()),
        fingerprint: log_key::fingerprint(&key),
    })
}

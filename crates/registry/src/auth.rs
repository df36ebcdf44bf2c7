//! Device tokens and who is calling. A token is `tvr_` + 64 hex digits of OS randomness,
//! shown once when issued; the registry keeps only its SHA-256, so a copy of the database
//! lets nobody push or look up. Every request names its token as `Authorization: Bearer`.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

use crate::error::{Code, Error, Result};
use crate::server::{AppState, blocking};
use crate::store::{Role, Token};

const PREFIX: &str = "tvr_";

/// A new token secret.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("{PREFIX}{}", hex::encode(bytes))
}

/// What the registry stores of a token.
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The token behind a request, known and not revoked.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token: Token,
}

impl Caller {
    pub fn agency(&self) -> &str {
        &self.token.agency
    }

    pub fn role(&self) -> Role {
        self.token.role
    }

    /// `forbidden_role` unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role], what: &str) -> Result<()> {
        if roles.contains(&self.token.role) {
            return Ok(());
        }
        let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(Error::new(
            Code::ForbiddenRole,
            format!(
                "{what} needs the role {}; this token is {}",
                allowed.join(" or "),
                self.token.role.as_str()
            ),
        ))
    }
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Caller> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| Error::new(Code::Unauthorized, "no Authorization header"))?;
        let secret = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| t.starts_with(PREFIX))
            .ok_or_else(|| Error::new(Code::TokenInvalid, "Authorization is not `Bearer tvr_…`"))?;
        let hash = token_hash(secret);
        let store = state.store.clone();
        let token = blocking(move || store.token_by_hash(&hash))
            .await?
            .ok_or_else(|| Error::new(Code::TokenInvalid, "unknown token"))?;
        if let Some(at) = &token.revoked_at {
            return Err(Error::new(
                Code::TokenRevoked,
                format!("token {} was revoked at {at}", token.id),
            ));
        }
        Ok(Caller { token })
    }
}

//! From a verified bundle to what the registry publishes: the case's facts from
//! `truyvet/case.json` and the identifiers of its reviewed entities from
//! `truyvet/entities.json`. Runs only on files `verify_bundle_in` has just checked (the
//! seal covers both), and normalizes every identifier again with the core's normalizers,
//! so lookups match however the exporting version wrote them.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use serde_json::Value;
use truyvet_core::identifiers::{IdKind, normalize, normalize_qualifier};

use crate::error::{Code, Error, Result};
use crate::store::CaseIdentifier;

/// The kinds a registry lookup answers for (the list, plus VietQR codes, which
/// name bank accounts).
pub const INDEXED_KINDS: &[IdKind] = &[
    IdKind::Phone,
    IdKind::BankAccount,
    IdKind::Ewallet,
    IdKind::Domain,
    IdKind::TaxCode,
    IdKind::MarketplaceShop,
    IdKind::Vietqr,
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub case_id: String,
    pub case_code: String,
    pub agency: String,
    pub province: String,
    pub categories: Vec<String>,
    pub platforms: Vec<String>,
    pub seal_root: String,
    pub sealed_at: String,
    pub identifiers: Vec<CaseIdentifier>,
}

/// Reads the facts from a verified bundle's staging folder.
pub fn read_case(staging: &Path) -> Result<CaseFacts> {
    let dir = staging.join("truyvet");
    let case_json = read_json(&dir.join("case.json"))?;
    let entities = read_json(&dir.join("entities.json"))?;
    let case = &case_json["case"];
    let seal = &case_json["seal"];
    let text = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
    let facts = CaseFacts {
        case_id: text(case, "id"),
        case_code: text(case, "code"),
        agency: text(case, "agency"),
        province: text(case, "province"),
        categories: case["violation_categories"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
        platforms: platforms(&entities),
        seal_root: text(seal, "root"),
        sealed_at: text(seal, "at"),
        identifiers: identifiers(&entities),
    };
    if facts.seal_root.is_empty() || facts.sealed_at.is_empty() {
        return Err(Error::new(
            Code::BundleUnsealed,
            "the bundle's case has no seal",
        ));
    }
    if facts.case_id.is_empty() || facts.agency.is_empty() {
        return Err(Error::new(
            Code::BundleInvalid,
            "truyvet/case.json names no case id or agency",
        ));
    }
    Ok(facts)
}

fn read_json(path: &Path) -> Result<Value> {
    let bytes = fs::read(path).map_err(|e| {
        Error::new(
            Code::BundleInvalid,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::new(
            Code::BundleInvalid,
            format!("{} is not JSON: {e}", path.display()),
        )
    })
}

/// Whether an entity's identifier was accepted by the investigator: confirmed, or merged
/// into another (a merge joins two confirmed spellings). Suggestions nobody reviewed and
/// rejected ones are not published.
fn reviewed(entity: &Value) -> bool {
    matches!(entity["state"].as_str(), Some("confirmed" | "merged"))
}

fn identifiers(entities: &Value) -> Vec<CaseIdentifier> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for e in entities
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| reviewed(e))
    {
        let (Some(kind), Some(value)) = (e["id_kind"].as_str(), e["value"].as_str()) else {
            continue;
        };
        let Ok(kind) = IdKind::parse(kind) else {
            continue;
        };
        if !INDEXED_KINDS.contains(&kind) {
            continue;
        }
        let Ok(value) = normalize(kind, value) else {
            continue;
        };
        let qualifier = normalize_qualifier(e["qualifier"].as_str().unwrap_or_default());
        if seen.insert((kind.as_str(), value.clone(), qualifier.clone())) {
            out.push(CaseIdentifier {
                kind: kind.as_str().to_string(),
                family: kind.family().to_string(),
                value,
                qualifier,
            });
        }
    }
    out
}

/// The platforms a case's sellers use, for statistics: the `platform` attribute of
/// listings and websites, the marketplace of a shop (`shopee:123` → `shopee`) and the
/// site of a social profile (`facebook.com/x` → `facebook`). Lower case, sorted.
fn platforms(entities: &Value) -> Vec<String> {
    let mut out = BTreeSet::new();
    for e in entities
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| reviewed(e))
    {
        if let Some(p) = e["attrs"]["platform"].as_str() {
            out.insert(p.trim().to_lowercase());
        }
        let value = e["value"].as_str().unwrap_or_default();
        match e["id_kind"].as_str() {
            Some("marketplace_shop" | "marketplace_listing") => {
                if let Some((p, _)) = value.split_once(':') {
                    out.insert(p.to_lowercase());
                }
            }
            Some("social_profile") => {
                let host = value.split('/').next().unwrap_or_default();
                if let Some(site) = host.split('.').next() {
                    out.insert(site.to_lowercase());
                }
            }
            _ => {}
        }
    }
    out.retain(|p| !p.is_empty() && p.len() <= 64);
    out.into_iter().collect()
}

//! `datapackage.json` (a Frictionless data package, WACZ profile) and
//! `datapackage-digest.json`. Field order is fixed by the structs, so the bytes depend
//! only on the values; times come from the caller.

use serde::{Deserialize, Serialize};

pub const WACZ_VERSION: &str = "1.1.1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// Frictionless requires `^[-a-z0-9._/]+$` and unique names.
    pub name: String,
    pub path: String,
    /// `sha256:` + lower-case hex.
    pub hash: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataPackage {
    pub profile: String,
    pub resources: Vec<Resource>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    #[serde(
        rename = "mainPageURL",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub main_page_url: Option<String>,
    #[serde(
        rename = "mainPageDate",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub main_page_date: Option<String>,
    pub created: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub modified: Option<String>,
    pub wacz_version: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub software: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataPackageDigest {
    pub path: String,
    pub hash: String,
}

/// A Frictionless resource name for `path`: lower case, anything outside
/// `[-a-z0-9._/]` replaced by `-`, a counter appended when two paths map alike.
pub fn resource_name(path: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let base: String = path
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || "-._/".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut name = base.clone();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// `sha256:<64 lower-case hex>` to the hex part.
pub fn hex_of(hash: &str) -> Option<&str> {
    let h = hash.strip_prefix("sha256:")?;
    (h.len() == 64
        && h.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then_some(h)
}

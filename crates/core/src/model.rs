//! Domain types. They derive `Serialize` so the CLI's `--json` output and the desktop
//! shell can hand them on unchanged; field names are part of the documented contract
//! (docs/ipc-contract.md).

use serde::{Deserialize, Serialize};

string_enum!(
    /// What a user may do: investigators build cases, supervisors review and seal them.
    Role { Investigator = "investigator", Supervisor = "supervisor" }
);

string_enum!(
    CaseStatus {
        Draft = "draft",
        Submitted = "submitted",
        Returned = "returned",
        Approved = "approved",
        Sealed = "sealed",
    }
);

string_enum!(
    /// How the case came to the unit.
    CaseOrigin { Tip = "tip", Complaint = "complaint", Patrol = "patrol", Referral = "referral" }
);

string_enum!(
    /// The violation categories of Plan 399/KH-BCĐ389.
    ViolationCategory {
        ProhibitedGoods = "prohibited_goods",
        SmuggledGoods = "smuggled_goods",
        CounterfeitGoods = "counterfeit_goods",
        IpInfringingGoods = "ip_infringing_goods",
        PoorQualityGoods = "poor_quality_goods",
        RestrictedGoods = "restricted_goods",
        ConditionalGoodsUnmet = "conditional_goods_unmet",
        ExpiredGoods = "expired_goods",
        UnknownOriginGoods = "unknown_origin_goods",
        FalseInformation = "false_information",
        UndeclaredBusinessTaxEvasion = "undeclared_business_tax_evasion",
    }
);

string_enum!(
    EvidenceKind { File = "file", WebCapture = "web_capture" }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Stable identifier derived from the display name at creation.
    pub name: String,
    pub display_name: String,
    /// Agency code, e.g. `QLTT` (market surveillance) or `CA` (police).
    pub agency: String,
    pub unit: String,
    /// Province code used in case codes, e.g. `HN`.
    pub province: String,
    pub role: Role,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileInput {
    pub display_name: String,
    pub agency: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub province: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub id: String,
    pub code: String,
    pub title: String,
    pub agency: String,
    pub unit: String,
    pub province: String,
    pub violation_categories: Vec<ViolationCategory>,
    pub product_group: String,
    pub status: CaseStatus,
    pub origin: CaseOrigin,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    /// Set only for a case imported from another agency's bundle (read-only here).
    /// Absent, not null, for local cases, so their JSON (and the `case_created`
    /// payload, which is hashed into the custody chain) is unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported: Option<CaseImport>,
}

/// Where an imported case comes from and who brought it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseImport {
    /// The agency that made and sealed the case (its agency code).
    pub agency: String,
    pub unit: String,
    /// Hex SHA-256 of the bundle file it was imported from.
    pub bundle_sha256: String,
    pub seal_root: String,
    pub imported_at: String,
    /// Display name of the local profile that imported it.
    pub imported_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseSummary {
    #[serde(flatten)]
    pub case: Case,
    pub evidence_count: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCase {
    pub title: String,
    #[serde(default)]
    pub violation_categories: Vec<ViolationCategory>,
    #[serde(default)]
    pub product_group: String,
    pub origin: Option<CaseOrigin>,
    /// Defaults to the profile's unit.
    #[serde(default)]
    pub unit: Option<String>,
    /// Defaults to the profile's province.
    #[serde(default)]
    pub province: Option<String>,
    /// An explicit code (for cases numbered by another system); generated when absent.
    #[serde(default)]
    pub code: Option<String>,
}

/// A partial update: only the fields that are `Some` change, each logged separately.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEdit {
    pub title: Option<String>,
    pub unit: Option<String>,
    pub province: Option<String>,
    pub violation_categories: Option<Vec<ViolationCategory>>,
    pub product_group: Option<String>,
    pub origin: Option<CaseOrigin>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceItem {
    pub id: String,
    pub case_id: String,
    pub kind: EvidenceKind,
    pub sha256: String,
    pub size: u64,
    /// The file name as the user saw it; bytes that were not UTF-8 show as U+FFFD and
    /// the exact bytes are kept in `original_filename_hex`.
    pub original_filename: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_filename_hex: Option<String>,
    pub media_type: String,
    pub acquired_at: String,
    pub acquired_by: String,
    pub device: String,
    pub source_path: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub id: String,
    pub case_id: String,
    pub text: String,
    pub author: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseDetail {
    pub case: Case,
    pub evidence: Vec<EvidenceItem>,
    pub notes: Vec<Note>,
}

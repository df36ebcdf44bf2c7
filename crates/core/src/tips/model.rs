//! The tip's domain types. Field names are part of the documented IPC contract
//! (docs/ipc-contract.md, "Tips").

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::model::ViolationCategory;

string_enum!(
    /// How a tip reached the unit.
    TipChannel {
        Hotline = "hotline",
        Letter = "letter",
        Email = "email",
        WebForm = "web_form",
        Referral = "referral",
        Other = "other",
    }
);

string_enum!(
    /// `new` = waiting for triage.
    TipStatus {
        New = "new",
        Triaged = "triaged",
        Assigned = "assigned",
        CaseOpened = "case_opened",
        Closed = "closed",
    }
);

string_enum!(
    TipOutcome {
        CaseOpened = "case_opened",
        NoViolation = "no_violation",
        Duplicate = "duplicate",
        Forwarded = "forwarded",
        InsufficientInfo = "insufficient_info",
    }
);

impl TipChannel {
    /// Vietnamese and English spellings seen in hotline and web-form exports.
    pub fn from_label(text: &str) -> Option<TipChannel> {
        let folded = crate::fold::fold(text.trim());
        let key: String = folded
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        Some(match key.as_str() {
            "hotline" | "duongdaynong" | "dienthoai" | "phone" => TipChannel::Hotline,
            "letter" | "thu" | "don" | "donthu" | "buudien" | "post" => TipChannel::Letter,
            "email" | "thudientu" | "mail" => TipChannel::Email,
            "webform" | "web" | "bieumauweb" | "bieumau" | "form" | "website" | "cong" => {
                TipChannel::WebForm
            }
            "referral" | "chuyenden" | "cocquankhacchuyen" | "chuyentoi" | "cqkchuyen" => {
                TipChannel::Referral
            }
            "other" | "khac" => TipChannel::Other,
            _ => return None,
        })
    }
}

/// The reporter's contact as given (stored apart, returned masked by default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TipContact {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub address: String,
    /// The referring agency, for a referral.
    #[serde(default)]
    pub organization: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTip {
    /// RFC 3339, `yyyy-mm-dd` or `dd/mm/yyyy` (with optional `HH:MM`); now when absent.
    #[serde(default)]
    pub received_at: Option<String>,
    pub channel: Option<TipChannel>,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub allegation: String,
    #[serde(default)]
    pub violation_categories: Vec<ViolationCategory>,
    #[serde(default)]
    pub product_group: String,
    #[serde(default)]
    pub contact: TipContact,
    #[serde(default)]
    pub links: Vec<String>,
    /// Phones, bank accounts, e-mails, domains of the reported seller (a `kind:` prefix
    /// picks the kind, as in `lookup`).
    #[serde(default)]
    pub identifiers: Vec<String>,
    /// Files to keep as evidence of the tip (hashed into the blob store).
    #[serde(default)]
    pub attachments: Vec<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tip {
    pub id: String,
    pub code: String,
    pub received_at: String,
    pub channel: TipChannel,
    pub summary: String,
    pub allegation: String,
    pub violation_categories: Vec<ViolationCategory>,
    pub product_group: String,
    pub status: TipStatus,
    pub assignee: Option<String>,
    pub case_id: Option<String>,
    /// Code of the case opened from the tip.
    pub case_code: Option<String>,
    pub outcome: Option<TipOutcome>,
    pub closed_at: Option<String>,
    pub agency: String,
    pub unit: String,
    pub province: String,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TipAttachment {
    pub id: String,
    pub sha256: String,
    pub size: u64,
    pub name: String,
    pub media_type: String,
    pub added_at: String,
    pub added_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TipIdentifier {
    pub id_kind: String,
    pub value: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TipEvent {
    pub seq: u64,
    pub actor: String,
    pub at: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub hash: String,
}

/// Everything shown on a tip's page. `contact` is masked unless `contact_revealed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TipDetail {
    pub tip: Tip,
    pub contact: TipContact,
    pub contact_revealed: bool,
    pub links: Vec<String>,
    pub identifiers: Vec<TipIdentifier>,
    pub attachments: Vec<TipAttachment>,
    pub events: Vec<TipEvent>,
    pub duplicates: Vec<DuplicateMatch>,
}

/// Why two records look like the same report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchReason {
    /// `phone`, `bank`, `email`, `domain`, … (identifier family) or `url`.
    pub kind: String,
    /// The shared normalized value.
    pub value: String,
    /// Where the tip names it: `allegation` (the reported seller) or `reporter`.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateMatch {
    /// `tip` or `case`.
    pub target: String,
    pub code: String,
    pub title: String,
    pub status: String,
    pub reasons: Vec<MatchReason>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TipFilter {
    pub status: Option<TipStatus>,
    /// Words that must all appear in the code, summary or product group (diacritics
    /// ignored).
    pub query: Option<String>,
    pub limit: Option<usize>,
}

/// The origin of a case opened from a tip, as shown in its header and report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TipOrigin {
    pub tip_id: String,
    pub tip_code: String,
    pub received_at: String,
    pub channel: TipChannel,
}

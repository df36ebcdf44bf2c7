//! Reads everything a bundle holds about one sealed case through the core's public
//! calls, in a stable order, so the writers get plain data.

use std::collections::BTreeMap;

use truyvet_core::addenda::Addendum;
use truyvet_core::model::{Case, EvidenceItem, Note};
use truyvet_core::seal::{Seal, SealLeaf};
use truyvet_core::{
    ArtifactRef, CaseReview, CustodyEvent, Entity, Error, Link, PublicKeyInfo, Result, StampStatus,
    TRANSITION_EVENT, WebCaptureInfo, Workspace,
};

pub struct Item {
    pub evidence: EvidenceItem,
    pub capture: Option<WebCaptureInfo>,
    pub artifacts: Vec<ArtifactRef>,
    pub stamp: Option<StampStatus>,
    pub token: Option<Vec<u8>>,
    /// The capture's PNG screenshot, for the report.
    pub screenshot: Option<Vec<u8>>,
}

/// A signer seen in the custody log: the profile and its public key.
#[derive(Debug, Clone)]
pub struct Signer {
    pub profile: String,
    pub fingerprint: String,
    pub role: &'static str,
    pub signed_at: String,
}

pub struct CaseData {
    pub case: Case,
    pub review: CaseReview,
    pub notes: Vec<Note>,
    pub evidence: Vec<Item>,
    pub custody: Vec<CustodyEvent>,
    pub entities: Vec<Entity>,
    pub links: Vec<Link>,
    pub seal: Seal,
    /// The seal's Merkle leaves, in leaf order.
    pub leaves: Vec<SealLeaf>,
    /// Signed corrections made after the seal.
    pub addenda: Vec<Addendum>,
    /// Every key that signed a transition or the seal, by fingerprint.
    pub keys: BTreeMap<String, PublicKeyInfo>,
    /// The last signer of each transition action (submit, approve, seal…).
    pub signers: Vec<Signer>,
    /// Display names of profiles, by profile name.
    pub names: BTreeMap<String, String>,
}

pub fn gather(ws: &Workspace, case: &Case) -> Result<CaseData> {
    let seal = ws
        .case_seal(&case.code)?
        .ok_or_else(|| Error::internal(format!("case {} is sealed but has no seal", case.code)))?;
    let detail = ws.case_detail(&case.code)?;
    let mut evidence = Vec::new();
    let mut sorted = detail.evidence;
    sorted.sort_by(|a, b| (&a.acquired_at, &a.id).cmp(&(&b.acquired_at, &b.id)));
    for item in sorted {
        let artifacts = ws.artifacts_of(&item.id)?;
        let screenshot = match artifacts
            .iter()
            .find(|a| a.role == "screenshot" && a.media_type == "image/png")
        {
            Some(a) => Some(ws.blobs().read_plain(&a.sha256)?),
            None => None,
        };
        evidence.push(Item {
            capture: ws.web_capture_of(&item.id)?,
            artifacts,
            screenshot,
            stamp: ws.timestamp_status(&item.id)?,
            token: ws.timestamp_token(&item.id)?,
            evidence: item,
        });
    }
    let custody = ws.custody_log(&case.code)?;
    let mut entities = ws.case_entities(&case.code)?;
    entities.sort_by(|a, b| a.id.cmp(&b.id));
    let mut links = ws.case_links(&case.code)?;
    links.sort_by(|a, b| a.id.cmp(&b.id));

    let mut keys = BTreeMap::new();
    let mut signers: Vec<Signer> = Vec::new();
    let mut names = BTreeMap::new();
    let addenda = ws.case_addenda(&case.code)?;
    for a in &addenda {
        // By fingerprint, not profile: a case imported from another agency was signed
        // with keys that are known here only as foreign public keys.
        if let Some(info) = ws.key_by_fingerprint(&a.fingerprint)? {
            keys.insert(a.fingerprint.clone(), info);
        }
    }
    for event in &custody {
        if let Ok(Some(p)) = ws.profile(&event.actor) {
            names.insert(p.name.clone(), p.display_name.clone());
        }
        if event.kind != TRANSITION_EVENT {
            continue;
        }
        let field = |k: &str| {
            event
                .payload
                .get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let profile = field("profile");
        let fingerprint = field("fingerprint");
        if let Some(info) = ws.key_by_fingerprint(&fingerprint)? {
            keys.insert(fingerprint.clone(), info);
        }
        let role = match field("action").as_str() {
            "submit" => "Người lập hồ sơ",
            "return" => "Người trả lại",
            "approve" => "Người phê duyệt",
            "seal" => "Người niêm phong",
            _ => "Người ký",
        };
        signers.retain(|s| s.role != role);
        signers.push(Signer {
            profile,
            fingerprint,
            role,
            signed_at: field("at"),
        });
    }
    Ok(CaseData {
        case: case.clone(),
        review: ws.case_review(&case.code)?,
        notes: detail.notes,
        evidence,
        custody,
        entities,
        links,
        leaves: ws.case_seal_leaves(&case.code)?,
        addenda,
        seal,
        keys,
        signers,
        names,
    })
}

impl CaseData {
    /// A profile's display name, or the profile name when it is not known here.
    pub fn name_of(&self, profile: &str) -> String {
        self.names
            .get(profile)
            .cloned()
            .unwrap_or_else(|| profile.to_string())
    }

    pub fn signer(&self, action_role: &str) -> Option<&Signer> {
        self.signers.iter().find(|s| s.role == action_role)
    }
}

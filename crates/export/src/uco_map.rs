//! The case as the CASE/UCO exporter's plain model.

use truyvet_caseuco::{
    Capture, CaseDescription, CustodyEvent, Entity, EntityKind, EvidenceItem, Link, Person,
};

use crate::gather::CaseData;

fn kind_of(e: &truyvet_core::Entity) -> EntityKind {
    match (e.kind.as_str(), e.id_kind.map(|k| k.as_str())) {
        (_, Some("phone")) => EntityKind::Phone,
        (_, Some("bank_account")) => EntityKind::BankAccount,
        (_, Some("email")) => EntityKind::Email,
        (_, Some("domain")) => EntityKind::Domain,
        (_, Some("social_profile")) => EntityKind::SocialProfile,
        ("subject", _) => EntityKind::Person,
        ("payment_account", _) => EntityKind::BankAccount,
        _ => EntityKind::Other,
    }
}

pub fn description(data: &CaseData) -> CaseDescription {
    let case = &data.case;
    let person = |profile: &str, print: &str| Person {
        name: data.name_of(profile),
        key_fingerprint: (!print.is_empty()).then(|| print.to_string()),
    };
    let investigator = match data.signer("Người lập hồ sơ") {
        Some(s) => person(&s.profile, &s.fingerprint),
        None => person(&case.created_by, ""),
    };
    let supervisor = data
        .signer("Người niêm phong")
        .or_else(|| data.signer("Người phê duyệt"))
        .map(|s| person(&s.profile, &s.fingerprint));
    let mut evidence = Vec::new();
    let mut captures = Vec::new();
    for item in &data.evidence {
        let ev = &item.evidence;
        evidence.push(EvidenceItem {
            id: ev.id.clone(),
            sha256: ev.sha256.clone(),
            size: ev.size,
            media_type: Some(ev.media_type.clone()),
            original_name: item.capture.is_none().then(|| ev.original_filename.clone()),
            source_url: item.capture.as_ref().map(|c| c.url.clone()),
            acquired_at: ev.acquired_at.clone(),
            acquired_by: data.name_of(&ev.acquired_by),
        });
        if let Some(cap) = &item.capture {
            captures.push(Capture {
                evidence_id: ev.id.clone(),
                url: cap.url.clone(),
                final_url: Some(cap.final_url.clone()),
                http_status: cap.http_status,
                server_ip: cap.server_ip.clone(),
            });
        }
    }
    let custody = data
        .custody
        .iter()
        .map(|e| CustodyEvent {
            seq: e.seq,
            kind: e.kind.clone(),
            at: e.at.clone(),
            actor: data.name_of(&e.actor),
            evidence_id: e
                .payload
                .get("evidence_id")
                .and_then(|v| v.as_str())
                .map(str::to_string),
            event_hash: e.hash.clone(),
            detail: None,
        })
        .collect();
    let entities = data
        .entities
        .iter()
        .map(|e| Entity {
            id: e.id.clone(),
            kind: kind_of(e),
            value: e.value.clone().unwrap_or_else(|| e.label.clone()),
            display_name: (!e.label.is_empty()).then(|| e.label.clone()),
            issuer: (!e.qualifier.is_empty()).then(|| e.qualifier.clone()),
            evidence_ids: Vec::new(),
        })
        .collect();
    let links = data
        .links
        .iter()
        .map(|l| Link {
            from: l.from_id.clone(),
            to: l.to_id.clone(),
            kind: l.kind.as_str().to_string(),
            directional: l.kind.as_str() != "related",
        })
        .collect();
    CaseDescription {
        code: case.code.clone(),
        title: case.title.clone(),
        agency: case.agency.clone(),
        status: case.status.to_string(),
        created_at: case.created_at.clone(),
        sealed_at: Some(data.seal.at.clone()),
        summary: Some(data.review.legal_basis.clone()).filter(|s| !s.is_empty()),
        investigator,
        supervisor,
        evidence,
        captures,
        custody,
        entities,
        links,
    }
}

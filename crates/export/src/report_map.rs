//! The case as the PDF report's plain model.

use truyvet_core::Entity;
use truyvet_report::{
    Addendum, CaseInfo, CustodyRow, Entity as REntity, EvidenceRow, Link as RLink, Person, Report,
    Screenshot, Seal, Signature, TimestampInfo, TimestampStatus,
};

use crate::gather::CaseData;

fn entity_value(e: &Entity) -> String {
    match &e.value {
        Some(v) if e.qualifier.is_empty() => v.clone(),
        Some(v) => format!("{v} ({})", e.qualifier),
        None => e.label.clone(),
    }
}

fn entity_kind(e: &Entity) -> String {
    let text = match (e.kind.as_str(), e.id_kind.map(|k| k.as_str())) {
        (_, Some("phone")) => "Số điện thoại",
        (_, Some("bank_account")) => "Tài khoản ngân hàng",
        (_, Some("ewallet")) => "Ví điện tử",
        (_, Some("email")) => "Thư điện tử",
        (_, Some("domain")) => "Tên miền",
        (_, Some("social_profile")) => "Tài khoản mạng xã hội",
        (_, Some("marketplace_shop")) => "Gian hàng trên sàn",
        (_, Some("marketplace_listing")) => "Tin đăng trên sàn",
        (_, Some("tax_code")) => "Mã số thuế",
        (_, Some("vietqr")) => "Mã VietQR",
        ("subject", _) => "Đối tượng",
        ("listing", _) => "Tin đăng",
        ("payment_account", _) => "Tài khoản thanh toán",
        ("website", _) => "Trang web",
        (other, _) => other,
    };
    text.to_string()
}

fn timestamp(status: Option<&truyvet_core::StampStatus>) -> TimestampInfo {
    match status {
        Some(s) => TimestampInfo {
            status: match s.status.as_str() {
                "stamped" => TimestampStatus::Stamped,
                "pending" => TimestampStatus::Pending,
                "failed" => TimestampStatus::Failed,
                _ => TimestampStatus::None,
            },
            gen_time: s.gen_time.clone(),
        },
        None => TimestampInfo::default(),
    }
}

pub fn report(data: &CaseData) -> Report {
    let case = &data.case;
    let mut evidence = Vec::new();
    let mut screenshots = Vec::new();
    for item in &data.evidence {
        let ev = &item.evidence;
        let (label, source) = match &item.capture {
            Some(cap) => (
                if cap.title.is_empty() {
                    cap.final_url.clone()
                } else {
                    cap.title.clone()
                },
                cap.url.clone(),
            ),
            None => (ev.original_filename.clone(), ev.original_filename.clone()),
        };
        if let Some(png) = &item.screenshot {
            screenshots.push(Screenshot {
                caption: format!("{label} — {source}"),
                png: png.clone(),
            });
        }
        evidence.push(EvidenceRow {
            label,
            source,
            acquired_at: ev.acquired_at.clone(),
            sha256: ev.sha256.clone(),
            size: ev.size,
            timestamp: timestamp(item.stamp.as_ref()),
        });
    }
    let investigator = data.signer("Người lập hồ sơ");
    let supervisor = data
        .signer("Người niêm phong")
        .or_else(|| data.signer("Người phê duyệt"));
    let person = |profile: &str, print: &str| Person {
        name: data.name_of(profile),
        key_fingerprint: print.to_string(),
    };
    Report {
        case: CaseInfo {
            code: case.code.clone(),
            title: case.title.clone(),
            agency: case.agency.clone(),
            unit: case.unit.clone(),
            province: case.province.clone(),
            status: case.status.to_string(),
            categories: case
                .violation_categories
                .iter()
                .map(|c| c.to_string())
                .collect(),
            product_group: case.product_group.clone(),
            legal_basis: data.review.legal_basis.clone(),
            proposed_measures: data.review.proposed_measures.clone(),
            created_at: case.created_at.clone(),
            sealed_at: Some(data.seal.at.clone()),
            origin: truyvet_core::tips::origin_line(&data.custody),
        },
        investigator: match investigator {
            Some(s) => person(&s.profile, &s.fingerprint),
            None => person(&case.created_by, ""),
        },
        supervisor: supervisor.map(|s| person(&s.profile, &s.fingerprint)),
        evidence,
        screenshots,
        entities: data
            .entities
            .iter()
            .map(|e| REntity {
                id: e.id.clone(),
                kind: entity_kind(e),
                value: entity_value(e),
            })
            .collect(),
        links: data
            .links
            .iter()
            .map(|l| RLink {
                from: l.from_id.clone(),
                to: l.to_id.clone(),
                kind: l.kind.as_str().to_string(),
            })
            .collect(),
        custody: data
            .custody
            .iter()
            .map(|e| CustodyRow {
                seq: e.seq,
                at: e.at.clone(),
                actor: data.name_of(&e.actor),
                kind: e.kind.clone(),
                hash: e.hash.clone(),
            })
            .collect(),
        seal: Some(Seal {
            root: data.seal.root.clone(),
            signatures: data
                .signers
                .iter()
                .map(|s| Signature {
                    role: s.role.to_string(),
                    name: data.name_of(&s.profile),
                    key_fingerprint: s.fingerprint.clone(),
                    signed_at: s.signed_at.clone(),
                })
                .collect(),
            addenda: data
                .addenda
                .iter()
                .map(|a| Addendum {
                    at: a.at.clone(),
                    author: a.author.clone(),
                    body: a.body.clone(),
                    key_fingerprint: a.fingerprint.clone(),
                })
                .collect(),
        }),
        // The report sits inside the bundle, so it cannot print the bundle's own digest;
        // it prints the seal's Merkle root, which commits to every item of the case.
        bundle_digest: data.seal.root.clone(),
    }
}

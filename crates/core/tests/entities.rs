//! Entities, links, suggestions, exclusions and cross-case hits, tested in-process on a
//! real workspace.

// Helpers outside #[test] functions are test code too: a panic is how they report.
#![allow(clippy::unwrap_used)]

use truyvet_core::model::{NewCase, ProfileInput, Role};
use truyvet_core::{
    AddOptions, EntityKind, EntityState, ErrorCode, IdKind, IdentifierHit, LinkKind, NewEntity,
    NewLink, Workspace,
};

struct Fixture {
    dir: tempfile::TempDir,
    ws: Workspace,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = Workspace::open(dir.path().join("ws")).unwrap();
        ws.save_profile(&ProfileInput {
            display_name: "Trần Thị B".into(),
            agency: "QLTT".into(),
            unit: String::new(),
            province: "HN".into(),
            role: Role::Investigator,
        })
        .unwrap();
        Fixture { dir, ws }
    }

    /// A new case with one evidence file; returns (code, evidence id).
    fn case_with_evidence(&mut self, title: &str) -> (String, String) {
        let code = self
            .ws
            .create_case(&NewCase {
                title: title.into(),
                ..NewCase::default()
            })
            .unwrap()
            .code;
        let path = self.dir.path().join(format!("{title}.html"));
        std::fs::write(&path, format!("<p>{title}</p>")).unwrap();
        let item = self
            .ws
            .add_files(&code, &[path], &AddOptions::default(), &mut |_| {})
            .unwrap()
            .remove(0);
        (code, item.id)
    }

    fn add_evidence(&mut self, code: &str, name: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, name.as_bytes()).unwrap();
        self.ws
            .add_files(code, &[path], &AddOptions::default(), &mut |_| {})
            .unwrap()
            .remove(0)
            .id
    }

    fn log_kinds(&self, code: &str) -> Vec<String> {
        self.ws
            .custody_log(code)
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect()
    }

    /// Row counts of every table an entity operation may touch, and log lengths.
    fn snapshot(&self) -> Vec<i64> {
        let conn = self.ws.connection();
        [
            "entities",
            "entity_aliases",
            "identifier_occurrences",
            "entity_links",
            "link_evidence",
            "exclusions",
            "custody_events",
        ]
        .iter()
        .map(|t| {
            conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap()
        })
        .chain(std::iter::once(
            conn.query_row(
                "SELECT count(*) FROM entities WHERE state != 'suggested'",
                [],
                |r| r.get(0),
            )
            .unwrap(),
        ))
        .collect()
    }
}

fn hit(kind: IdKind, raw: &str, qualifier: &str, location: &str) -> IdentifierHit {
    IdentifierHit {
        kind: Some(kind),
        raw: raw.into(),
        normalized: None,
        qualifier: qualifier.into(),
        location: location.into(),
        snippet: format!("… STK {raw} …"),
    }
}

#[test]
fn a_bank_account_in_two_written_forms_links_two_cases() {
    let mut f = Fixture::new();
    let (a, ev_a) = f.case_with_evidence("Vụ A");
    let (b, ev_b) = f.case_with_evidence("Vụ B");
    let (c, ev_c) = f.case_with_evidence("Vụ C");
    f.ws.suggest_identifiers(
        &a,
        &ev_a,
        &[hit(
            IdKind::BankAccount,
            "0123 456 789",
            "VCB",
            "offset:120",
        )],
    )
    .unwrap();
    f.ws.suggest_identifiers(
        &b,
        &ev_b,
        &[hit(IdKind::BankAccount, "0123456789", "vcb", "offset:9")],
    )
    .unwrap();
    // The same digits at another bank are another account.
    f.ws.suggest_identifiers(
        &c,
        &ev_c,
        &[hit(IdKind::BankAccount, "0123.456.789", "TCB", "offset:1")],
    )
    .unwrap();

    let hits = f.ws.cross_case_hits(&a).unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].other_case_code, b);
    assert_eq!(hits[0].value, "0123456789");
    assert_eq!(hits[0].qualifier, "VCB");
    assert_eq!(hits[0].other_case_status.as_str(), "draft");
    assert_eq!(hits[0].other_evidence_count, 1);
    assert!(!hits[0].other_seen_at.is_empty());
    let back = f.ws.cross_case_hits(&b).unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].other_case_code, a);

    // lookup finds every occurrence, whichever way the value is written.
    for input in ["0123 456 789", "0123-456-789", "bank_account:0123456789"] {
        let found = f.ws.lookup(input).unwrap();
        let mut cases: Vec<&str> = found.iter().map(|o| o.case_code.as_str()).collect();
        cases.sort();
        let mut expected = vec![a.as_str(), b.as_str(), c.as_str()];
        expected.sort();
        assert_eq!(cases, expected, "{input}");
        assert!(found.iter().all(|o| o.id_kind == IdKind::BankAccount));
        assert!(found.iter().all(|o| !o.excluded));
    }
    assert!(f.ws.lookup("0999 888 777").unwrap().is_empty());
    assert!(f.ws.verify().unwrap().ok);
}

#[test]
fn a_phone_and_a_wallet_on_the_same_number_are_one_hit() {
    let mut f = Fixture::new();
    let (a, ev_a) = f.case_with_evidence("Vụ điện thoại");
    let (b, ev_b) = f.case_with_evidence("Vụ ví");
    f.ws.suggest_identifiers(
        &a,
        &ev_a,
        &[hit(IdKind::Phone, "(+84) 91-234-5678", "", "1")],
    )
    .unwrap();
    f.ws.suggest_identifiers(
        &b,
        &ev_b,
        &[hit(IdKind::Ewallet, "0912.345.678", "MoMo", "2")],
    )
    .unwrap();
    let hits = f.ws.cross_case_hits(&a).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].other_id_kind, IdKind::Ewallet);
    assert_eq!(hits[0].value, "+84912345678");
    let found = f.ws.lookup("84912345678").unwrap();
    assert_eq!(found.len(), 2);
}

#[test]
fn excluded_values_make_no_hit() {
    let mut f = Fixture::new();
    let (a, ev_a) = f.case_with_evidence("Vụ 1");
    let (b, ev_b) = f.case_with_evidence("Vụ 2");
    // Shopee's hotline is on the shipped list: not even suggested.
    let out =
        f.ws.suggest_identifiers(&a, &ev_a, &[hit(IdKind::Phone, "1900 1221", "", "1")])
            .unwrap();
    assert_eq!((out.excluded, out.new_entities), (1, 0));
    f.ws.suggest_identifiers(&b, &ev_b, &[hit(IdKind::Phone, "19001221", "", "1")])
        .unwrap();
    assert!(f.ws.cross_case_hits(&a).unwrap().is_empty());
    assert!(f.ws.lookup("1900 1221").unwrap().is_empty());

    // A value shared before it was excluded stops being a hit once it is.
    for (code, ev) in [(&a, &ev_a), (&b, &ev_b)] {
        f.ws.suggest_identifiers(
            code,
            ev,
            &[hit(IdKind::Domain, "https://shop-gia.vn/x", "", "2")],
        )
        .unwrap();
    }
    assert_eq!(f.ws.cross_case_hits(&a).unwrap().len(), 1);
    let entry =
        f.ws.add_exclusion(IdKind::Domain, "www.SHOP-GIA.vn", "trang của sàn")
            .unwrap();
    assert_eq!(entry.value, "shop-gia.vn");
    assert!(f.ws.cross_case_hits(&a).unwrap().is_empty());
    let found = f.ws.lookup("shop-gia.vn").unwrap();
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|o| o.excluded));

    // Removing it brings the hit back; switching off a default works the same way.
    f.ws.remove_exclusion(IdKind::Domain, "shop-gia.vn")
        .unwrap();
    assert_eq!(f.ws.cross_case_hits(&a).unwrap().len(), 1);
    assert!(f.ws.is_excluded(IdKind::Domain, "shopee.vn").unwrap());
    f.ws.remove_exclusion(IdKind::Domain, "shopee.vn").unwrap();
    assert!(!f.ws.is_excluded(IdKind::Domain, "shopee.vn").unwrap());
    f.ws.add_exclusion(IdKind::Domain, "shopee.vn", "").unwrap();
    assert!(f.ws.is_excluded(IdKind::Domain, "shopee.vn").unwrap());
    let before = f.snapshot();
    let err =
        f.ws.remove_exclusion(IdKind::Domain, "khong-co.vn")
            .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(f.snapshot(), before);
}

#[test]
fn every_change_is_in_the_custody_log_and_verifies() {
    let mut f = Fixture::new();
    let (a, ev) = f.case_with_evidence("Vụ nhật ký");
    let ev2 = f.add_evidence(&a, "listing.html");
    let out =
        f.ws.suggest_identifiers(
            &a,
            &ev,
            &[
                hit(IdKind::Phone, "0912 345 678", "", "offset:10"),
                hit(IdKind::Phone, "0912.345.678", "", "offset:90"),
                hit(IdKind::BankAccount, "0123 456 789", "VCB", "offset:200"),
                hit(IdKind::Email, "Shop@Gmail.com", "", "offset:300"),
            ],
        )
        .unwrap();
    assert_eq!(out.new_entities, 3);
    assert_eq!(out.occurrences_added, 4);
    let phone = out.entities[0].clone();
    assert_eq!(phone.kind, EntityKind::Identifier);
    assert_eq!(phone.occurrences, 2);
    let account = out.entities[1].clone();
    assert_eq!(account.kind, EntityKind::PaymentAccount);
    let email = out.entities[2].clone();
    // Suggesting the same hits again adds nothing and logs nothing.
    let before = f.snapshot();
    let again =
        f.ws.suggest_identifiers(
            &a,
            &ev,
            &[hit(IdKind::Phone, "+84912345678", "", "offset:10")],
        )
        .unwrap();
    assert_eq!(again.occurrences_added, 0);
    assert_eq!(f.snapshot(), before);

    let confirmed = f.ws.confirm_entity(&phone.id).unwrap();
    assert_eq!(confirmed.state, EntityState::Confirmed);
    f.ws.reject_entity(&email.id, "email của sàn").unwrap();
    let seller =
        f.ws.create_entity(
            &a,
            &NewEntity {
                kind: Some(EntityKind::Subject),
                label: "Nguyễn Văn Bán".into(),
                aliases: vec!["Bán Hàng Sỉ".into()],
                attrs: serde_json::json!({ "subject_type": "person" })
                    .as_object()
                    .unwrap()
                    .clone(),
            },
        )
        .unwrap();
    let alias =
        f.ws.create_entity(
            &a,
            &NewEntity {
                kind: Some(EntityKind::Subject),
                label: "Shop Bán Sỉ HN".into(),
                ..NewEntity::default()
            },
        )
        .unwrap();
    let merged = f.ws.merge_entities(&alias.id, &seller.id).unwrap();
    assert_eq!(merged.aliases, vec!["Bán Hàng Sỉ", "Shop Bán Sỉ HN"]);
    let gone = f.ws.entity(&alias.id).unwrap();
    assert_eq!(gone.state, EntityState::Merged);
    assert_eq!(gone.merged_into.as_deref(), Some(seller.id.as_str()));

    let link =
        f.ws.add_link(&NewLink {
            kind: Some(LinkKind::Receives),
            from_id: seller.id.clone(),
            to_id: account.id.clone(),
            evidence_ids: vec![ev.clone()],
        })
        .unwrap();
    assert_eq!(link.evidence_ids, vec![ev.clone()]);
    let link2 =
        f.ws.add_link(&NewLink {
            kind: Some(LinkKind::Receives),
            from_id: seller.id.clone(),
            to_id: account.id.clone(),
            evidence_ids: vec![ev.clone(), ev2.clone()],
        })
        .unwrap();
    assert_eq!(link2.id, link.id);
    assert_eq!(link2.evidence_ids.len(), 2);
    f.ws.add_link(&NewLink {
        kind: Some(LinkKind::Uses),
        from_id: seller.id.clone(),
        to_id: phone.id.clone(),
        evidence_ids: vec![ev2.clone()],
    })
    .unwrap();

    let kinds = f.log_kinds(&a);
    assert_eq!(
        kinds[kinds.len() - 9..],
        [
            "identifiers_suggested",
            "entity_confirmed",
            "entity_rejected",
            "entity_created",
            "entity_created",
            "entity_merged",
            "link_added",
            "link_evidence_added",
            "link_added",
        ]
    );
    let log = f.ws.custody_log(&a).unwrap();
    let suggested = log
        .iter()
        .find(|e| e.kind == "identifiers_suggested")
        .unwrap();
    assert_eq!(suggested.payload["evidence_id"], ev.as_str());
    assert_eq!(
        suggested.payload["occurrences"].as_array().unwrap().len(),
        4
    );
    let rejected = log.iter().find(|e| e.kind == "entity_rejected").unwrap();
    assert_eq!(rejected.payload["reason"], "email của sàn");

    let entities = f.ws.case_entities(&a).unwrap();
    assert_eq!(entities.len(), 5);
    let suggestions = f.ws.case_suggestions(&a).unwrap();
    assert_eq!(suggestions.len(), 1);
    assert_eq!(suggestions[0].id, account.id);
    assert_eq!(f.ws.case_links(&a).unwrap().len(), 2);

    let report = f.ws.verify().unwrap();
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(f.ws.verify_entities().unwrap(), vec![]);

    // Edits made behind the triggers' back are found against the log.
    let conn = f.ws.connection();
    conn.execute_batch(
        "DROP TRIGGER entities_state_forward; DROP TRIGGER link_evidence_no_delete;",
    )
    .unwrap();
    conn.execute(
        "UPDATE entities SET state = 'confirmed' WHERE id = ?1",
        [&email.id],
    )
    .unwrap();
    conn.execute("DELETE FROM link_evidence WHERE evidence_id = ?1", [&ev2])
        .unwrap();
    conn.execute(
        "INSERT INTO identifier_occurrences (case_id, entity_id, evidence_id, id_kind, value,
           raw, recorded_at) SELECT case_id, id, ?1, id_kind, value, 'x', 'now'
         FROM entities WHERE id = ?2",
        [&ev2, &phone.id],
    )
    .unwrap();
    let mut kinds: Vec<String> =
        f.ws.verify_entities()
            .unwrap()
            .into_iter()
            .map(|p| p.kind)
            .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "entity_state_mismatch",
            "link_not_logged",
            "link_not_logged",
            "occurrence_not_logged"
        ]
    );
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let mut f = Fixture::new();
    let (a, ev_a) = f.case_with_evidence("Vụ X");
    let (b, ev_b) = f.case_with_evidence("Vụ Y");
    let ea =
        f.ws.suggest_identifiers(&a, &ev_a, &[hit(IdKind::Phone, "0987654321", "", "1")])
            .unwrap()
            .entities
            .remove(0);
    let eb =
        f.ws.suggest_identifiers(&b, &ev_b, &[hit(IdKind::Phone, "0977654321", "", "1")])
            .unwrap()
            .entities
            .remove(0);
    let ea2 =
        f.ws.suggest_identifiers(&a, &ev_a, &[hit(IdKind::Phone, "0967654321", "", "2")])
            .unwrap()
            .entities
            .remove(0);
    f.ws.reject_entity(&ea2.id, "").unwrap();
    let before = f.snapshot();

    let refused: Vec<(&str, truyvet_core::Error)> = vec![
        ("unknown kind", IdKind::parse("fax").unwrap_err()),
        (
            "kind missing",
            f.ws.suggest_identifiers(&a, &ev_a, &[IdentifierHit::default()])
                .unwrap_err(),
        ),
        (
            "empty value",
            f.ws.suggest_identifiers(&a, &ev_a, &[hit(IdKind::Phone, "   ", "", "")])
                .unwrap_err(),
        ),
        (
            "one bad hit in a batch",
            f.ws.suggest_identifiers(
                &a,
                &ev_a,
                &[
                    hit(IdKind::Phone, "0911111111", "", "9"),
                    hit(IdKind::Email, "not an email", "", "9"),
                ],
            )
            .unwrap_err(),
        ),
        (
            "evidence of another case",
            f.ws.suggest_identifiers(&a, &ev_b, &[hit(IdKind::Phone, "0911111111", "", "9")])
                .unwrap_err(),
        ),
        (
            "merge into itself",
            f.ws.merge_entities(&ea.id, &ea.id).unwrap_err(),
        ),
        (
            "merge across cases",
            f.ws.merge_entities(&ea.id, &eb.id).unwrap_err(),
        ),
        (
            "merge a rejected entity",
            f.ws.merge_entities(&ea2.id, &ea.id).unwrap_err(),
        ),
        (
            "confirm a rejected",
            f.ws.confirm_entity(&ea2.id).unwrap_err(),
        ),
        ("reject twice", f.ws.reject_entity(&ea2.id, "").unwrap_err()),
        (
            "unknown entity",
            f.ws.confirm_entity("khong-co").unwrap_err(),
        ),
        (
            "identifier by hand",
            f.ws.create_entity(
                &a,
                &NewEntity {
                    kind: Some(EntityKind::Identifier),
                    label: "0912".into(),
                    ..NewEntity::default()
                },
            )
            .unwrap_err(),
        ),
        (
            "unknown attribute",
            f.ws.create_entity(
                &a,
                &NewEntity {
                    kind: Some(EntityKind::Listing),
                    label: "Túi xách".into(),
                    attrs: serde_json::json!({ "colour": "đỏ" })
                        .as_object()
                        .unwrap()
                        .clone(),
                    ..NewEntity::default()
                },
            )
            .unwrap_err(),
        ),
        (
            "empty name",
            f.ws.create_entity(
                &a,
                &NewEntity {
                    kind: Some(EntityKind::Subject),
                    label: "  ".into(),
                    ..NewEntity::default()
                },
            )
            .unwrap_err(),
        ),
        (
            "link without evidence",
            f.ws.add_link(&NewLink {
                kind: Some(LinkKind::Related),
                from_id: ea.id.clone(),
                to_id: ea2.id.clone(),
                evidence_ids: vec![],
            })
            .unwrap_err(),
        ),
        (
            "link across cases",
            f.ws.add_link(&NewLink {
                kind: Some(LinkKind::Related),
                from_id: ea.id.clone(),
                to_id: eb.id.clone(),
                evidence_ids: vec![ev_a.clone()],
            })
            .unwrap_err(),
        ),
        (
            "link to itself",
            f.ws.add_link(&NewLink {
                kind: Some(LinkKind::Offers),
                from_id: ea.id.clone(),
                to_id: ea.id.clone(),
                evidence_ids: vec![ev_a.clone()],
            })
            .unwrap_err(),
        ),
        ("lookup of nothing", f.ws.lookup("  ").unwrap_err()),
        ("lookup of garbage", f.ws.lookup("phone:xyz").unwrap_err()),
        (
            "exclusion of an empty value",
            f.ws.add_exclusion(IdKind::Email, " ", "").unwrap_err(),
        ),
    ];
    for (what, err) in &refused {
        assert_eq!(err.code, ErrorCode::InvalidInput, "{what}: {err}");
    }
    let err = f.ws.cross_case_hits("KHONG-CO").unwrap_err();
    assert_eq!(err.code, ErrorCode::CaseNotFound);
    assert_eq!(f.snapshot(), before);

    // Confirming twice: the first succeeds, the second is refused.
    f.ws.confirm_entity(&ea.id).unwrap();
    let after_first = f.snapshot();
    let err = f.ws.confirm_entity(&ea.id).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(f.snapshot(), after_first);
    assert!(f.ws.verify().unwrap().ok);
}

#[test]
fn the_database_refuses_to_rewrite_entities() {
    let mut f = Fixture::new();
    let (a, ev) = f.case_with_evidence("Vụ trigger");
    let e =
        f.ws.suggest_identifiers(&a, &ev, &[hit(IdKind::Phone, "0912345678", "", "1")])
            .unwrap()
            .entities
            .remove(0);
    f.ws.reject_entity(&e.id, "").unwrap();
    let conn = f.ws.connection();
    for sql in [
        "UPDATE entities SET value = '+84999999999'",
        "UPDATE entities SET state = 'suggested'",
        "UPDATE entities SET state = 'confirmed'",
        "DELETE FROM entities",
        "UPDATE identifier_occurrences SET value = 'x'",
        "DELETE FROM identifier_occurrences",
    ] {
        let err = conn.execute(sql, []).unwrap_err();
        assert!(
            err.to_string().contains("entit")
                || err.to_string().contains("occurrences")
                || err.to_string().contains("state"),
            "{sql}: {err}"
        );
    }
}

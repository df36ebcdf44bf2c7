//! The mapping from a [`CaseDescription`] to CASE/UCO nodes.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::ids::node_id;
use crate::model::{CaseDescription, Entity, EntityKind, EvidenceItem, Person};
use crate::nodes::{context, date_time, hex_binary, id_ref, node, put_opt, refs, sorted};

/// The nodes of one case's graph, in the order they are added, each `@id` once.
struct Graph<'a> {
    code: &'a str,
    nodes: Vec<Value>,
    seen: BTreeMap<String, usize>,
}

impl<'a> Graph<'a> {
    fn id(&self, kind: &str, key: &str) -> String {
        node_id(self.code, kind, key)
    }

    /// Adds a node unless one with the same `@id` is already there (first one wins:
    /// a URL seen as an entity and as a capture target is one node).
    fn add(&mut self, node: Map<String, Value>) -> String {
        let id = node
            .get("@id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if !self.seen.contains_key(&id) {
            self.seen.insert(id.clone(), self.nodes.len());
            self.nodes.push(Value::Object(node));
        }
        id
    }

    fn person(&mut self, person: &Person) -> String {
        let mut n = node(&self.id("person", &person.name), "uco-identity:Person");
        n.insert("uco-core:name".into(), json!(person.name));
        if let Some(fp) = &person.key_fingerprint {
            n.insert(
                "uco-core:description".into(),
                json!(format!("Ed25519 signing key, fingerprint {fp}")),
            );
        }
        self.add(n)
    }

    /// A person named in the log or on an item; the users are added first, with their
    /// key fingerprints, so this only creates people known by name alone.
    fn person_named(&mut self, name: &str) -> String {
        self.person(&Person {
            name: name.into(),
            key_fingerprint: None,
        })
    }

    fn organization(&mut self, name: &str) -> String {
        let mut n = node(&self.id("organization", name), "uco-identity:Organization");
        n.insert("uco-core:name".into(), json!(name));
        self.add(n)
    }

    fn url(&mut self, url: &str) -> String {
        let mut facet = node(&self.id("url-facet", url), "uco-observable:URLFacet");
        facet.insert("uco-observable:fullValue".into(), json!(url));
        let mut n = node(&self.id("url", url), "uco-observable:URL");
        n.insert("uco-core:hasFacet".into(), json!([facet]));
        self.add(n)
    }

    fn ip(&mut self, ip: &str) -> String {
        let (class, facet_class) = if ip.contains(':') {
            (
                "uco-observable:IPv6Address",
                "uco-observable:IPv6AddressFacet",
            )
        } else {
            (
                "uco-observable:IPv4Address",
                "uco-observable:IPv4AddressFacet",
            )
        };
        let mut facet = node(&self.id("ip-facet", ip), facet_class);
        facet.insert("uco-observable:addressValue".into(), json!(ip));
        let mut n = node(&self.id("ip", ip), class);
        n.insert("uco-core:hasFacet".into(), json!([facet]));
        self.add(n)
    }

    fn relationship(
        &mut self,
        source: &str,
        target: &str,
        kind: &str,
        directional: bool,
    ) -> String {
        let key = format!("{source}\u{0}{target}\u{0}{kind}");
        let mut n = node(&self.id("relationship", &key), "uco-core:Relationship");
        n.insert("uco-core:source".into(), json!([id_ref(source)]));
        n.insert("uco-core:target".into(), id_ref(target));
        n.insert("uco-core:kindOfRelationship".into(), json!(kind));
        n.insert("uco-core:isDirectional".into(), json!(directional));
        self.add(n)
    }
}

/// The JSON-LD document describing `case` (CASE 1.5.0). Links whose ends name no entity
/// or evidence item of the case, and captures of unknown evidence, are left out.
pub fn to_jsonld(case: &CaseDescription) -> Value {
    let mut g = Graph {
        code: &case.code,
        nodes: Vec::new(),
        seen: BTreeMap::new(),
    };
    let bundle_id = g.id("bundle", "");
    let investigation_id = g.id("investigation", "");
    // Placeholders keep the bundle and the investigation first; filled in at the end.
    g.add(node(&bundle_id, "uco-core:Bundle"));
    g.add(node(&investigation_id, "case-investigation:Investigation"));
    let mut in_case: Vec<String> = Vec::new();

    let agency = g.organization(&case.agency);
    let investigator = g.person(&case.investigator);
    in_case.push(g.relationship(&investigator, &investigation_id, "Investigator_Of", true));
    in_case.push(g.relationship(&investigator, &agency, "Member_Of", true));
    if let Some(supervisor) = &case.supervisor {
        let s = g.person(supervisor);
        in_case.push(g.relationship(&s, &investigation_id, "Supervisor_Of", true));
        in_case.push(g.relationship(&s, &agency, "Member_Of", true));
    }
    let mut tool = node(&g.id("tool", "truyvet"), "uco-tool:Tool");
    tool.insert("uco-core:name".into(), json!("TruyVết"));
    let tool = g.add(tool);

    let mut evidence_ids: BTreeMap<&str, String> = BTreeMap::new();
    for item in &case.evidence {
        let (file, mut actions) = add_evidence(&mut g, case, item, &tool);
        evidence_ids.insert(&item.id, file.clone());
        in_case.push(file);
        in_case.append(&mut actions);
    }

    add_custody(&mut g, case, &evidence_ids, &mut in_case);

    let mut entity_ids: BTreeMap<&str, String> = BTreeMap::new();
    for entity in &case.entities {
        let id = add_entity(&mut g, entity);
        entity_ids.insert(&entity.id, id.clone());
        in_case.push(id.clone());
        for ev in &entity.evidence_ids {
            if let Some(file) = evidence_ids.get(ev.as_str()) {
                in_case.push(g.relationship(&id, file, "Contained_Within", true));
            }
        }
    }
    for link in &case.links {
        let find = |key: &str| {
            entity_ids
                .get(key)
                .or_else(|| evidence_ids.get(key))
                .cloned()
        };
        if let (Some(from), Some(to)) = (find(&link.from), find(&link.to)) {
            in_case.push(g.relationship(&from, &to, &link.kind, link.directional));
        }
    }

    fill_investigation(&mut g, case, &investigation_id, &in_case);
    let everything: Vec<String> = g
        .seen
        .keys()
        .filter(|id| **id != bundle_id)
        .cloned()
        .collect();
    // Graph order, not id order, for a reader; `seen` maps id to position.
    let mut in_bundle: Vec<(usize, String)> =
        everything.into_iter().map(|id| (g.seen[&id], id)).collect();
    in_bundle.sort();
    if let Some(Value::Object(bundle)) = g.nodes.first_mut() {
        bundle.insert(
            "uco-core:name".into(),
            json!(format!("TruyVết case bundle {}", case.code)),
        );
        bundle.insert(
            "uco-core:object".into(),
            refs(in_bundle.iter().map(|(_, id)| id)),
        );
    }

    sorted(json!({ "@context": context(), "@graph": g.nodes }))
}

/// [`to_jsonld`] as bytes: pretty-printed, keys sorted, a final newline.
pub fn to_jsonld_bytes(case: &CaseDescription) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(&to_jsonld(case)).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

fn fill_investigation(g: &mut Graph, case: &CaseDescription, id: &str, objects: &[String]) {
    let Some(Value::Object(inv)) = g.seen.get(id).copied().and_then(|i| g.nodes.get_mut(i)) else {
        return;
    };
    inv.insert("uco-core:name".into(), json!(case.code));
    inv.insert("uco-core:description".into(), json!(case.title));
    inv.insert("case-investigation:investigationForm".into(), json!("case"));
    inv.insert(
        "case-investigation:investigationStatus".into(),
        json!(case.status),
    );
    if let Some(summary) = &case.summary {
        inv.insert("case-investigation:focus".into(), json!([summary]));
    }
    inv.insert("uco-core:startTime".into(), date_time(&case.created_at));
    if let Some(sealed) = &case.sealed_at {
        inv.insert("uco-core:endTime".into(), date_time(sealed));
    }
    inv.insert("uco-core:object".into(), refs(objects));
}

/// The file, its provenance record and the action that acquired it (with the capture's
/// URLs, server address and HTTP exchange when it is a web capture). Returns the file's
/// id and the ids of the record and the action.
fn add_evidence(
    g: &mut Graph,
    case: &CaseDescription,
    item: &EvidenceItem,
    tool: &str,
) -> (String, Vec<String>) {
    let key = item.id.as_str();
    let mut hash = node(&g.id("hash", key), "uco-types:Hash");
    hash.insert("uco-types:hashMethod".into(), json!("SHA256"));
    hash.insert("uco-types:hashValue".into(), hex_binary(&item.sha256));
    let mut content = node(
        &g.id("content-facet", key),
        "uco-observable:ContentDataFacet",
    );
    content.insert("uco-observable:hash".into(), json!([hash]));
    content.insert("uco-observable:sizeInBytes".into(), json!(item.size));
    put_opt(
        &mut content,
        "uco-observable:mimeType",
        item.media_type.as_deref(),
    );
    let mut facets = vec![Value::Object(content)];
    if let Some(name) = &item.original_name {
        let mut f = node(&g.id("file-facet", key), "uco-observable:FileFacet");
        f.insert("uco-observable:fileName".into(), json!(name));
        f.insert("uco-observable:sizeInBytes".into(), json!(item.size));
        facets.push(Value::Object(f));
    }
    let mut file = node(&g.id("evidence", key), "uco-observable:File");
    let name = item.original_name.as_deref().unwrap_or(key);
    file.insert("uco-core:name".into(), json!(name));
    file.insert("uco-core:hasFacet".into(), Value::Array(facets));
    let file = g.add(file);

    let mut record = node(
        &g.id("provenance", key),
        "case-investigation:ProvenanceRecord",
    );
    record.insert("case-investigation:exhibitNumber".into(), json!(key));
    record.insert("uco-core:object".into(), json!([id_ref(&file)]));
    let record = g.add(record);

    let performer = g.person_named(&item.acquired_by);
    let mut objects: Vec<String> = Vec::new();
    let mut results = vec![file.clone(), record.clone()];
    let capture = case.captures.iter().find(|c| c.evidence_id == item.id);
    let mut action = node(
        &g.id("acquisition", key),
        "case-investigation:InvestigativeAction",
    );
    if let Some(c) = capture {
        action.insert("uco-core:name".into(), json!("web capture"));
        objects.push(g.url(&c.url));
        if let Some(final_url) = c.final_url.as_deref().filter(|u| *u != c.url) {
            results.push(g.url(final_url));
        }
        results.push(add_http(g, key, c.http_status, c.server_ip.as_deref()));
    } else {
        action.insert("uco-core:name".into(), json!("acquisition"));
        if let Some(url) = &item.source_url {
            objects.push(g.url(url));
        }
    }
    action.insert("uco-action:startTime".into(), date_time(&item.acquired_at));
    action.insert("uco-action:performer".into(), id_ref(&performer));
    action.insert("uco-action:instrument".into(), json!([id_ref(tool)]));
    if !objects.is_empty() {
        action.insert("uco-action:object".into(), refs(&objects));
    }
    action.insert("uco-action:result".into(), refs(&results));
    let action = g.add(action);
    (file, vec![record, action])
}

/// The HTTP exchange of a capture. UCO has no property for a response status, so it is
/// stated in the description.
fn add_http(g: &mut Graph, key: &str, status: Option<u16>, server_ip: Option<&str>) -> String {
    let mut n = node(&g.id("http", key), "uco-observable:HTTPConnection");
    if let Some(s) = status {
        n.insert(
            "uco-core:description".into(),
            json!(format!("HTTP response status {s}")),
        );
    }
    if let Some(ip) = server_ip {
        let ip = g.ip(ip);
        let mut facet = node(
            &g.id("network-facet", key),
            "uco-observable:NetworkConnectionFacet",
        );
        facet.insert("uco-observable:dst".into(), json!([id_ref(&ip)]));
        n.insert("uco-core:hasFacet".into(), json!([facet]));
    }
    g.add(n)
}

/// Each custody event is an investigative action informed by the one before it, which
/// carries the log's order into the graph.
fn add_custody(
    g: &mut Graph,
    case: &CaseDescription,
    evidence: &BTreeMap<&str, String>,
    in_case: &mut Vec<String>,
) {
    let mut events: Vec<_> = case.custody.iter().collect();
    events.sort_by_key(|e| e.seq);
    let mut previous: Option<String> = None;
    for e in events {
        let performer = g.person_named(&e.actor);
        let mut a = node(
            &g.id("custody", &e.seq.to_string()),
            "case-investigation:InvestigativeAction",
        );
        a.insert("uco-core:name".into(), json!(e.kind));
        let mut description = format!(
            "Custody log event {} ({}), SHA-256 {}",
            e.seq, e.kind, e.event_hash
        );
        if let Some(detail) = &e.detail {
            description.push_str(": ");
            description.push_str(detail);
        }
        a.insert("uco-core:description".into(), json!(description));
        a.insert("uco-action:startTime".into(), date_time(&e.at));
        a.insert("uco-action:performer".into(), id_ref(&performer));
        if let Some(file) = e.evidence_id.as_deref().and_then(|id| evidence.get(id)) {
            a.insert("uco-action:object".into(), json!([id_ref(file)]));
        }
        if let Some(p) = &previous {
            a.insert(
                "case-investigation:wasInformedBy".into(),
                json!([id_ref(p)]),
            );
        }
        let id = g.add(a);
        in_case.push(id.clone());
        previous = Some(id);
    }
}

fn add_entity(g: &mut Graph, e: &Entity) -> String {
    let key = e.id.as_str();
    let facet = |g: &Graph, class: &str| node(&g.id(&format!("entity-facet {class}"), key), class);
    let (class, facets): (&str, Vec<Map<String, Value>>) = match e.kind {
        EntityKind::Url => return g.url(&e.value),
        EntityKind::IpAddress => return g.ip(&e.value),
        EntityKind::Person | EntityKind::Organization => {
            let class = if e.kind == EntityKind::Person {
                "uco-identity:Person"
            } else {
                "uco-identity:Organization"
            };
            let mut n = node(&g.id("entity", key), class);
            n.insert("uco-core:name".into(), json!(e.value));
            put_opt(&mut n, "uco-core:description", e.display_name.as_deref());
            return g.add(n);
        }
        EntityKind::Phone => {
            let mut f = facet(g, "uco-observable:PhoneAccountFacet");
            f.insert("uco-observable:phoneNumber".into(), json!(e.value));
            ("uco-observable:PhoneAccount", vec![f])
        }
        EntityKind::BankAccount | EntityKind::SocialProfile => {
            let mut f = facet(g, "uco-observable:AccountFacet");
            f.insert("uco-observable:accountIdentifier".into(), json!(e.value));
            if let Some(issuer) = &e.issuer {
                let org = g.organization(issuer);
                f.insert("uco-observable:accountIssuer".into(), id_ref(&org));
            }
            if e.kind == EntityKind::BankAccount {
                ("uco-observable:Account", vec![f])
            } else {
                let mut d = facet(g, "uco-observable:DigitalAccountFacet");
                put_opt(
                    &mut d,
                    "uco-observable:displayName",
                    e.display_name.as_deref(),
                );
                d.insert("uco-observable:accountLogin".into(), json!([e.value]));
                ("uco-observable:ApplicationAccount", vec![f, d])
            }
        }
        EntityKind::Email => {
            let mut f = facet(g, "uco-observable:EmailAddressFacet");
            f.insert("uco-observable:addressValue".into(), json!(e.value));
            put_opt(
                &mut f,
                "uco-observable:displayName",
                e.display_name.as_deref(),
            );
            ("uco-observable:EmailAddress", vec![f])
        }
        EntityKind::Domain => {
            let mut f = facet(g, "uco-observable:DomainNameFacet");
            f.insert("uco-observable:value".into(), json!(e.value));
            ("uco-observable:DomainName", vec![f])
        }
        EntityKind::Other => ("uco-observable:ObservableObject", Vec::new()),
    };
    let mut n = node(&g.id("entity", key), class);
    let name = e.display_name.as_deref().unwrap_or(&e.value);
    n.insert("uco-core:name".into(), json!(name));
    if e.kind == EntityKind::Other {
        n.insert("uco-core:description".into(), json!(e.value));
    }
    if !facets.is_empty() {
        n.insert("uco-core:hasFacet".into(), json!(facets));
    }
    g.add(n)
}

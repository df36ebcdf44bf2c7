//! JSON-LD building blocks: the context, typed literals and references, and the key-sorting
//! pass that makes the bytes independent of how `serde_json` stores maps.

use serde_json::{Map, Value, json};

/// Prefixes of CASE 1.5.0 / UCO 1.5.0. `kb:` names our own nodes; its IRIs are
/// `urn:uuid:` URNs, globally unique without a domain of our own.
pub fn context() -> Value {
    json!({
        "case-investigation": "https://ontology.caseontology.org/case/investigation/",
        "kb": "urn:uuid:",
        "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/",
        "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
        "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
        "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
        "uco-tool": "https://ontology.unifiedcyberontology.org/uco/tool/",
        "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
        "xsd": "http://www.w3.org/2001/XMLSchema#"
    })
}

/// A reference to another node. UCO wants IRIs here, never blank nodes.
pub fn id_ref(id: &str) -> Value {
    json!({ "@id": id })
}

pub fn refs<'a>(ids: impl IntoIterator<Item = &'a String>) -> Value {
    Value::Array(ids.into_iter().map(|id| id_ref(id)).collect())
}

pub fn date_time(value: &str) -> Value {
    json!({ "@type": "xsd:dateTime", "@value": value })
}

pub fn hex_binary(value: &str) -> Value {
    json!({ "@type": "xsd:hexBinary", "@value": value })
}

/// A node with its `@id` and `@type`; the caller adds properties.
pub fn node(id: &str, class: &str) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("@id".into(), Value::String(id.into()));
    map.insert("@type".into(), Value::String(class.into()));
    map
}

/// Inserts `key` only when there is a value, so absent data leaves no empty literal.
pub fn put_opt(map: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        map.insert(key.into(), Value::String(v.into()));
    }
}

/// Rebuilds every object with its keys in sorted order. Without `serde_json`'s
/// `preserve_order` this is what it does anyway; with it (another crate of the build may
/// turn it on), insertion order becomes sorted order. Arrays keep their order.
pub fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

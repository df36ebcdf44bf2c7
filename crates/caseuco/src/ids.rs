//! Node identifiers: `kb:` + a UUIDv5 of a stable key, so exporting the same case twice
//! names every node the same way, and two cases never share a node by accident.

use uuid::Uuid;

/// Namespace of every TruyVết CASE/UCO identifier (UUIDv5 of a fixed URL).
fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://truyvet.vn/ns/case-uco")
}

/// `kb:<uuid>` for `kind` + `key` inside the case `case_code`. The parts are joined with
/// NUL, which none of them contains, so distinct triples never collide.
pub fn node_id(case_code: &str, kind: &str, key: &str) -> String {
    let name = format!("{case_code}\u{0}{kind}\u{0}{key}");
    format!("kb:{}", Uuid::new_v5(&namespace(), name.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::node_id;

    #[test]
    fn ids_are_stable_and_distinct() {
        let id = node_id("QLTT-2026-0042", "evidence", "E-1");
        assert_eq!(id, node_id("QLTT-2026-0042", "evidence", "E-1"));
        assert!(id.starts_with("kb:") && id.len() == 3 + 36, "{id}");
        // A UUIDv5: version nibble 5.
        assert_eq!(&id[3 + 14..3 + 15], "5");
        // The parts cannot run into each other.
        assert_ne!(node_id("A", "b", "c"), node_id("A", "", "bc"));
        assert_ne!(id, node_id("QLTT-2026-0043", "evidence", "E-1"));
    }

    /// Ids already written into sealed bundles must never change: a fixed value.
    #[test]
    fn id_scheme_is_frozen() {
        assert_eq!(node_id("C", "evidence", "E-1"), FROZEN);
    }

    // Python: uuid5(uuid5(NAMESPACE_URL, "https://truyvet.vn/ns/case-uco"), "C\0evidence\0E-1")
    const FROZEN: &str = "kb:801a4c79-56f3-506b-9546-a50aee9a46f9";
}

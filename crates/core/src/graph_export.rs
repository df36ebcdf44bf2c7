//! The graph of a case — its entities as nodes, its links as edges, optionally one step
//! into other cases through shared identifiers — and its export as GraphML and as the
//! two CSV sheets (entities, links) that i2 Analyst's Notebook and spreadsheets import.
//!
//! [`case_graph`] only reads, through the same public calls the CLI and the app use;
//! the exports are pure functions of a [`Graph`], so what is exported is exactly what the
//! graph view shows. Labels come from hostile pages: the writers escape everything,
//! drop characters XML cannot carry and keep spreadsheet formulas from running.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::entities::{Entity, EntityKind, EntityState};
use crate::error::Result;
use crate::identifiers::IdKind;
use crate::links::{Link, LinkKind};
use crate::model::CaseStatus;
use crate::workspace::Workspace;

string_enum!(
    /// What an edge says: a link kind of the case, or that two entities of different
    /// cases carry the same identifier (added only when the graph is expanded).
    EdgeKind {
        Offers = "offers",
        Operates = "operates",
        Lists = "lists",
        Uses = "uses",
        Receives = "receives",
        Shows = "shows",
        Related = "related",
        SameIdentifier = "same_identifier",
    }
);

impl From<LinkKind> for EdgeKind {
    fn from(kind: LinkKind) -> Self {
        match kind {
            LinkKind::Offers => EdgeKind::Offers,
            LinkKind::Operates => EdgeKind::Operates,
            LinkKind::Lists => EdgeKind::Lists,
            LinkKind::Uses => EdgeKind::Uses,
            LinkKind::Receives => EdgeKind::Receives,
            LinkKind::Shows => EdgeKind::Shows,
            LinkKind::Related => EdgeKind::Related,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphNode {
    /// The entity id (unique across the workspace).
    pub id: String,
    pub kind: EntityKind,
    pub id_kind: Option<IdKind>,
    pub label: String,
    pub value: Option<String>,
    pub qualifier: String,
    /// `suggested` or `confirmed`: rejected and merged entities are not drawn.
    pub state: EntityState,
    pub case_code: String,
    pub case_status: CaseStatus,
    /// The node belongs to another case than the one the graph is of.
    pub other_case: bool,
    /// Evidence items of the node's case that show it: where the identifier was found
    /// (merged entities' finds included) and the evidence of its links.
    pub evidence_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GraphEdge {
    /// The link id, or `same:<from>:<to>` for a shared identifier.
    pub id: String,
    pub kind: EdgeKind,
    pub source: String,
    pub target: String,
    pub evidence_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Graph {
    pub case_code: String,
    pub expanded: bool,
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
}

/// The nodes and edges of case `code`. With `expand`, every identifier the case shares
/// with another case brings in that case's entity (marked with its case code and
/// status), a `same_identifier` edge, and that entity's own links in its case.
pub fn case_graph(ws: &Workspace, code: &str, expand: bool) -> Result<Graph> {
    let case = ws.case_by_code(code)?;
    let mut graph = GraphBuilder::default();
    graph.add_case(ws, &case.code, case.status, false)?;
    if expand {
        for hit in ws.cross_case_hits(&case.code)? {
            let Some(own) = graph.resolve(&hit.entity_id) else {
                continue;
            };
            if graph.cases.insert(hit.other_case_code.clone()) {
                graph.load_case(ws, &hit.other_case_code)?;
            }
            let Some(other) = graph.resolve(&hit.other_entity_id) else {
                continue;
            };
            graph.add_node(
                ws,
                &other,
                &hit.other_case_code,
                hit.other_case_status,
                true,
            )?;
            graph.add_edge(GraphEdge {
                id: format!("same:{own}:{other}"),
                kind: EdgeKind::SameIdentifier,
                source: own,
                target: other.clone(),
                evidence_ids: Vec::new(),
            });
            // One step further: the other entity's links in its own case.
            let links: Vec<Link> = graph.links[&hit.other_case_code].clone();
            for link in links {
                let (Some(from), Some(to)) =
                    (graph.resolve(&link.from_id), graph.resolve(&link.to_id))
                else {
                    continue;
                };
                if from != other && to != other {
                    continue;
                }
                for end in [&from, &to] {
                    graph.add_node(ws, end, &hit.other_case_code, hit.other_case_status, true)?;
                }
                graph.add_link(&link, from, to);
            }
        }
    }
    Ok(Graph {
        case_code: case.code,
        expanded: expand,
        nodes: graph.nodes,
        edges: graph.edges,
    })
}

#[derive(Default)]
struct GraphBuilder {
    /// Every entity of the cases loaded so far, by id.
    entities: HashMap<String, Entity>,
    /// Links of the cases loaded so far, by case code.
    links: HashMap<String, Vec<Link>>,
    /// Entities merged into another: merged id → ids merged into it.
    merged_from: HashMap<String, Vec<String>>,
    cases: BTreeSet<String>,
    nodes: Vec<GraphNode>,
    node_index: HashMap<String, usize>,
    edges: Vec<GraphEdge>,
}

impl GraphBuilder {
    /// Reads a case's entities and links; returns its entity ids, oldest first.
    fn load_case(&mut self, ws: &Workspace, code: &str) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for entity in ws.case_entities(code)? {
            ids.push(entity.id.clone());
            if let Some(into) = &entity.merged_into {
                self.merged_from
                    .entry(into.clone())
                    .or_default()
                    .push(entity.id.clone());
            }
            self.entities.insert(entity.id.clone(), entity);
        }
        self.links.insert(code.to_string(), ws.case_links(code)?);
        Ok(ids)
    }

    fn add_case(
        &mut self,
        ws: &Workspace,
        code: &str,
        status: CaseStatus,
        other: bool,
    ) -> Result<()> {
        self.cases.insert(code.to_string());
        for id in self.load_case(ws, code)? {
            if matches!(
                self.entities[&id].state,
                EntityState::Suggested | EntityState::Confirmed
            ) {
                self.add_node(ws, &id, code, status, other)?;
            }
        }
        for link in self.links[code].clone() {
            if let (Some(from), Some(to)) = (self.resolve(&link.from_id), self.resolve(&link.to_id))
            {
                self.add_link(&link, from, to);
            }
        }
        Ok(())
    }

    /// The live entity an id stands for: itself, or the one it was merged into; `None`
    /// for rejected (or unknown) entities.
    fn resolve(&self, id: &str) -> Option<String> {
        let mut current = self.entities.get(id)?;
        for _ in 0..64 {
            match (current.state, &current.merged_into) {
                (EntityState::Suggested | EntityState::Confirmed, _) => {
                    return Some(current.id.clone());
                }
                (EntityState::Merged, Some(into)) => current = self.entities.get(into)?,
                _ => return None,
            }
        }
        None
    }

    fn add_node(
        &mut self,
        ws: &Workspace,
        id: &str,
        case_code: &str,
        case_status: CaseStatus,
        other_case: bool,
    ) -> Result<()> {
        if self.node_index.contains_key(id) {
            return Ok(());
        }
        let Some(entity) = self.entities.get(id).cloned() else {
            return Ok(());
        };
        let mut evidence = BTreeSet::new();
        let mut sources = vec![entity.clone()];
        for merged in self.merged_from.get(id).into_iter().flatten() {
            sources.extend(self.entities.get(merged).cloned());
        }
        for source in sources {
            if let (Some(kind), Some(value)) = (source.id_kind, &source.value)
                && source.occurrences > 0
            {
                for o in ws.lookup(&format!("{kind}:{value}"))? {
                    if o.entity_id == source.id {
                        evidence.insert(o.evidence_id);
                    }
                }
            }
        }
        for link in self.links.get(case_code).into_iter().flatten() {
            let touches = [&link.from_id, &link.to_id]
                .iter()
                .any(|end| self.resolve(end).as_deref() == Some(id));
            if touches {
                evidence.extend(link.evidence_ids.iter().cloned());
            }
        }
        self.node_index.insert(id.to_string(), self.nodes.len());
        self.nodes.push(GraphNode {
            id: entity.id,
            kind: entity.kind,
            id_kind: entity.id_kind,
            label: entity.label,
            value: entity.value,
            qualifier: entity.qualifier,
            state: entity.state,
            case_code: case_code.to_string(),
            case_status,
            other_case,
            evidence_ids: evidence.into_iter().collect(),
        });
        Ok(())
    }

    fn add_link(&mut self, link: &Link, from: String, to: String) {
        if from == to {
            return;
        }
        self.add_edge(GraphEdge {
            id: link.id.clone(),
            kind: link.kind.into(),
            source: from,
            target: to,
            evidence_ids: link.evidence_ids.clone(),
        });
    }

    fn add_edge(&mut self, edge: GraphEdge) {
        let known = self.node_index.contains_key(&edge.source)
            && self.node_index.contains_key(&edge.target);
        if known && !self.edges.iter().any(|e| e.id == edge.id) {
            self.edges.push(edge);
        }
    }
}

/// An export format of the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GraphFormat {
    /// One GraphML file (yEd, Gephi, Cytoscape desktop, NetworkX).
    Graphml,
    /// Two CSV files, entities and links, as i2 Analyst's Notebook imports them.
    Csv,
}

impl GraphFormat {
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim() {
            "graphml" => Ok(GraphFormat::Graphml),
            "csv" => Ok(GraphFormat::Csv),
            other => Err(crate::error::Error::invalid(format!(
                "unknown graph format '{other}' (expected graphml or csv)"
            ))),
        }
    }
}

/// The files an export writes for a chosen path: the path itself for GraphML; for CSV
/// `<stem>-entities.csv` and `<stem>-links.csv` beside it (a `.csv` ending is dropped
/// from the stem), since i2 imports entities and links as two sheets.
pub fn export_paths(format: GraphFormat, chosen: &Path) -> Vec<PathBuf> {
    match format {
        GraphFormat::Graphml => vec![chosen.to_path_buf()],
        GraphFormat::Csv => {
            let name = chosen
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "graph".into());
            let stem = name
                .strip_suffix(".csv")
                .or_else(|| name.strip_suffix(".CSV"))
                .unwrap_or(&name)
                .to_string();
            ["entities", "links"]
                .iter()
                .map(|part| chosen.with_file_name(format!("{stem}-{part}.csv")))
                .collect()
        }
    }
}

/// The contents [`export_paths`] names, in the same order.
pub fn export_contents(format: GraphFormat, graph: &Graph) -> Vec<String> {
    match format {
        GraphFormat::Graphml => vec![to_graphml(graph)],
        GraphFormat::Csv => vec![entities_csv(graph), links_csv(graph)],
    }
}

/// Writes the export of `graph` to the files [`export_paths`] names for `chosen` and
/// returns them. Each file goes to a temporary name first and is renamed into place, so
/// an interrupted export never leaves half a sheet under the chosen name.
pub fn write_export(format: GraphFormat, graph: &Graph, chosen: &Path) -> Result<Vec<PathBuf>> {
    let paths = export_paths(format, chosen);
    for (path, content) in paths.iter().zip(export_contents(format, graph)) {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".part");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, content.as_bytes())
            .map_err(|e| crate::error::Error::io("write the graph export", &tmp, &e))?;
        std::fs::rename(&tmp, path)
            .map_err(|e| crate::error::Error::io("write the graph export", path, &e))?;
    }
    Ok(paths)
}

/// Node attributes of the GraphML file: (key id, name, type).
const NODE_KEYS: &[(&str, &str, &str)] = &[
    ("n_label", "label", "string"),
    ("n_kind", "kind", "string"),
    ("n_id_kind", "id_kind", "string"),
    ("n_value", "value", "string"),
    ("n_qualifier", "qualifier", "string"),
    ("n_state", "state", "string"),
    ("n_case", "case_code", "string"),
    ("n_case_status", "case_status", "string"),
    ("n_other_case", "other_case", "boolean"),
    ("n_evidence", "evidence_ids", "string"),
];

const EDGE_KEYS: &[(&str, &str, &str)] = &[
    ("e_kind", "kind", "string"),
    ("e_evidence", "evidence_ids", "string"),
];

/// GraphML 1.0 (one directed graph; evidence ids space-separated).
pub fn to_graphml(graph: &Graph) -> String {
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns \
         http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
    );
    for (target, keys) in [("node", NODE_KEYS), ("edge", EDGE_KEYS)] {
        for (id, name, ty) in keys {
            let _ = writeln!(
                out,
                "  <key id=\"{id}\" for=\"{target}\" attr.name=\"{name}\" attr.type=\"{ty}\"/>"
            );
        }
    }
    let _ = writeln!(
        out,
        "  <graph id=\"{}\" edgedefault=\"directed\">",
        xml_escape(&graph.case_code)
    );
    for n in &graph.nodes {
        let _ = writeln!(out, "    <node id=\"{}\">", xml_escape(&n.id));
        let values = [
            n.label.clone(),
            n.kind.as_str().to_string(),
            n.id_kind
                .map(|k| k.as_str().to_string())
                .unwrap_or_default(),
            n.value.clone().unwrap_or_default(),
            n.qualifier.clone(),
            n.state.as_str().to_string(),
            n.case_code.clone(),
            n.case_status.as_str().to_string(),
            n.other_case.to_string(),
            n.evidence_ids.join(" "),
        ];
        for ((key, _, _), value) in NODE_KEYS.iter().zip(values) {
            let _ = writeln!(
                out,
                "      <data key=\"{key}\">{}</data>",
                xml_escape(&value)
            );
        }
        out.push_str("    </node>\n");
    }
    for e in &graph.edges {
        let _ = writeln!(
            out,
            "    <edge id=\"{}\" source=\"{}\" target=\"{}\">",
            xml_escape(&e.id),
            xml_escape(&e.source),
            xml_escape(&e.target)
        );
        let _ = writeln!(out, "      <data key=\"e_kind\">{}</data>", e.kind);
        let _ = writeln!(
            out,
            "      <data key=\"e_evidence\">{}</data>",
            xml_escape(&e.evidence_ids.join(" "))
        );
        out.push_str("    </edge>\n");
    }
    out.push_str("  </graph>\n</graphml>\n");
    out
}

/// Escapes text for XML content and attribute values, dropping the characters XML 1.0
/// cannot carry at all (control characters other than tab, newline and return).
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Kept as references so attribute values keep them (parsers normalize raw
            // newlines in attributes to spaces).
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The entities sheet: one row per node. UTF-8 with a byte-order mark, so spreadsheet
/// programs read Vietnamese correctly; RFC 4180 quoting; CRLF line ends.
pub fn entities_csv(graph: &Graph) -> String {
    let mut out = String::from("\u{FEFF}");
    csv_row(
        &mut out,
        &[
            "Entity ID",
            "Entity Type",
            "Identifier Type",
            "Label",
            "Value",
            "Qualifier",
            "State",
            "Case",
            "Case Status",
            "Other Case",
            "Evidence",
        ],
    );
    for n in &graph.nodes {
        csv_row(
            &mut out,
            &[
                &n.id,
                n.kind.as_str(),
                n.id_kind.map(IdKind::as_str).unwrap_or(""),
                &n.label,
                n.value.as_deref().unwrap_or(""),
                &n.qualifier,
                n.state.as_str(),
                &n.case_code,
                n.case_status.as_str(),
                if n.other_case { "yes" } else { "no" },
                &n.evidence_ids.join(" "),
            ],
        );
    }
    out
}

/// The links sheet: one row per edge, with both ends' type and label so an import
/// specification can build the ends without a lookup.
pub fn links_csv(graph: &Graph) -> String {
    let by_id: HashMap<&str, &GraphNode> = graph.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
    let end = |id: &str| {
        by_id
            .get(id)
            .map(|n| (n.kind.as_str(), n.label.as_str()))
            .unwrap_or(("", ""))
    };
    let mut out = String::from("\u{FEFF}");
    csv_row(
        &mut out,
        &[
            "Link ID",
            "Link Type",
            "From ID",
            "From Type",
            "From Label",
            "To ID",
            "To Type",
            "To Label",
            "Evidence",
        ],
    );
    for e in &graph.edges {
        let (from_type, from_label) = end(&e.source);
        let (to_type, to_label) = end(&e.target);
        csv_row(
            &mut out,
            &[
                &e.id,
                e.kind.as_str(),
                &e.source,
                from_type,
                from_label,
                &e.target,
                to_type,
                to_label,
                &e.evidence_ids.join(" "),
            ],
        );
    }
    out
}

fn csv_row(out: &mut String, fields: &[&str]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let field = csv_guard(field);
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push_str("\r\n");
}

/// A label taken from a page could be a spreadsheet formula (`=HYPERLINK(…)`); such a
/// cell gets a leading apostrophe so it is shown as text. Phone numbers (`+84…`) and
/// negative numbers are left as they are.
fn csv_guard(field: &str) -> String {
    let numeric = |rest: &str| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_digit() || c == ' ' || c == '.')
    };
    let risky = match field.chars().next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !numeric(&field[1..]),
        _ => false,
    };
    if risky {
        format!("'{field}")
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use quick_xml::Reader;
    use quick_xml::events::Event;

    use super::*;
    use crate::entities::{IdentifierHit, NewEntity};
    use crate::evidence::AddOptions;
    use crate::links::NewLink;
    use crate::model::{NewCase, ProfileInput, Role};

    const NASTY: &str = "Cửa hàng <Đồ & \"Xịn\"> 'A'\n=HYPERLINK(\"x\")\u{1}";

    fn node(id: &str, label: &str) -> GraphNode {
        GraphNode {
            id: id.into(),
            kind: EntityKind::Subject,
            id_kind: None,
            label: label.into(),
            value: None,
            qualifier: String::new(),
            state: EntityState::Confirmed,
            case_code: "QLTT-HN-2026-0001".into(),
            case_status: CaseStatus::Draft,
            other_case: false,
            evidence_ids: vec!["e1".into(), "e2".into()],
        }
    }

    fn sample() -> Graph {
        let mut phone = node("n2", "+84912345678");
        phone.kind = EntityKind::Identifier;
        phone.id_kind = Some(IdKind::Phone);
        phone.value = Some("+84912345678".into());
        phone.other_case = true;
        Graph {
            case_code: "QLTT-HN-2026-0001".into(),
            expanded: true,
            nodes: vec![node("n1", NASTY), phone],
            edges: vec![GraphEdge {
                id: "l<1>".into(),
                kind: EdgeKind::Uses,
                source: "n1".into(),
                target: "n2".into(),
                evidence_ids: vec!["e1".into()],
            }],
        }
    }

    /// Reads GraphML back with a real XML parser: node id → (key → value), edges.
    #[allow(clippy::type_complexity)]
    fn parse_graphml(
        xml: &str,
    ) -> (
        HashMap<String, HashMap<String, String>>,
        Vec<(String, String, String, HashMap<String, String>)>,
    ) {
        let mut reader = Reader::from_str(xml);
        let mut nodes: HashMap<String, HashMap<String, String>> = HashMap::new();
        let mut edges = Vec::new();
        let mut current: Option<(bool, String)> = None;
        let mut key: Option<String> = None;
        let mut text = String::new();
        let attr = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> String {
            e.try_get_attribute(name)
                .unwrap()
                .unwrap_or_else(|| panic!("no attribute {name}"))
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .unwrap()
                .into_owned()
        };
        loop {
            match reader.read_event().unwrap() {
                Event::Start(e) => match e.name().as_ref() {
                    "node" => {
                        let id = attr(&e, "id");
                        nodes.insert(id.clone(), HashMap::new());
                        current = Some((true, id));
                    }
                    "edge" => {
                        edges.push((
                            attr(&e, "id"),
                            attr(&e, "source"),
                            attr(&e, "target"),
                            HashMap::new(),
                        ));
                        current = Some((false, String::new()));
                    }
                    "data" => {
                        key = Some(attr(&e, "key"));
                        text.clear();
                    }
                    _ => {}
                },
                Event::Text(t) => text.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => {
                    let name = r.into_inner();
                    let resolved = match name.as_ref() {
                        "amp" => "&".to_string(),
                        "lt" => "<".to_string(),
                        "gt" => ">".to_string(),
                        "quot" => "\"".to_string(),
                        "apos" => "'".to_string(),
                        other => {
                            let code = other.strip_prefix('#').unwrap();
                            char::from_u32(code.parse().unwrap()).unwrap().to_string()
                        }
                    };
                    text.push_str(&resolved);
                }
                Event::End(e) if e.name().as_ref() == "data" => {
                    let k = key.take().unwrap();
                    match &current {
                        Some((true, id)) => {
                            nodes.get_mut(id).unwrap().insert(k, text.clone());
                        }
                        Some((false, _)) => {
                            edges.last_mut().unwrap().3.insert(k, text.clone());
                        }
                        None => panic!("data outside node or edge"),
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        (nodes, edges)
    }

    #[test]
    fn graphml_round_trips_through_an_xml_parser() {
        let graph = sample();
        let xml = to_graphml(&graph);
        let (nodes, edges) = parse_graphml(&xml);
        assert_eq!(nodes.len(), 2);
        // Everything but the control character, which XML cannot carry, comes back.
        assert_eq!(nodes["n1"]["n_label"], NASTY.replace('\u{1}', ""));
        assert_eq!(nodes["n1"]["n_evidence"], "e1 e2");
        assert_eq!(nodes["n2"]["n_value"], "+84912345678");
        assert_eq!(nodes["n2"]["n_other_case"], "true");
        assert_eq!(nodes["n2"]["n_id_kind"], "phone");
        assert_eq!(edges.len(), 1);
        let (id, source, target, data) = &edges[0];
        assert_eq!(
            (id.as_str(), source.as_str(), target.as_str()),
            ("l<1>", "n1", "n2")
        );
        assert_eq!(data["e_kind"], "uses");
        assert!(!xml.contains('\u{1}'));
        assert!(xml.contains("Cửa hàng &lt;Đồ &amp; &quot;Xịn&quot;&gt;"));
    }

    /// A minimal RFC 4180 reader, to read the sheets back the way an importer would.
    fn parse_csv(text: &str) -> Vec<Vec<String>> {
        let text = text.strip_prefix('\u{FEFF}').unwrap();
        let mut rows = Vec::new();
        let mut row = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') => quoted = true,
                (false, ',') => row.push(std::mem::take(&mut field)),
                (false, '\r') => {}
                (false, '\n') => {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                (false, c) => field.push(c),
            }
        }
        assert!(row.is_empty() && field.is_empty(), "unterminated last row");
        rows
    }

    #[test]
    fn csv_sheets_quote_guard_and_keep_vietnamese() {
        let graph = sample();
        let entities = parse_csv(&entities_csv(&graph));
        assert_eq!(entities.len(), 3);
        assert_eq!(entities[0][0], "Entity ID");
        assert!(entities.iter().all(|r| r.len() == entities[0].len()));
        assert_eq!(entities[1][3], NASTY);
        assert_eq!(
            entities[2][4], "+84912345678",
            "phone numbers are not guarded"
        );
        assert_eq!(entities[2][9], "yes");
        let links = parse_csv(&links_csv(&graph));
        assert_eq!(links.len(), 2);
        assert_eq!(links[1][1], "uses");
        assert_eq!(links[1][4], NASTY);
        assert_eq!(links[1][7], "+84912345678");
        assert_eq!(csv_guard("=1+1"), "'=1+1");
        assert_eq!(csv_guard("-2+3"), "'-2+3");
        assert_eq!(csv_guard("-150000"), "-150000");
        assert_eq!(csv_guard("@SUM(A1)"), "'@SUM(A1)");
    }

    #[test]
    fn csv_export_writes_two_sheets_beside_the_chosen_path() {
        let paths = export_paths(GraphFormat::Csv, Path::new("/tmp/vụ việc.csv"));
        assert_eq!(
            paths,
            [
                PathBuf::from("/tmp/vụ việc-entities.csv"),
                PathBuf::from("/tmp/vụ việc-links.csv")
            ]
        );
        let one = export_paths(GraphFormat::Graphml, Path::new("/tmp/g.graphml"));
        assert_eq!(one, [PathBuf::from("/tmp/g.graphml")]);
        assert_eq!(export_contents(GraphFormat::Csv, &sample()).len(), 2);
        assert!(GraphFormat::parse("pdf").is_err());
    }

    fn workspace(dir: &Path) -> Workspace {
        let mut ws = Workspace::open(dir.join("ws")).unwrap();
        ws.save_profile(&ProfileInput {
            display_name: "Lê Văn C".into(),
            agency: "QLTT".into(),
            unit: String::new(),
            province: "HN".into(),
            role: Role::Investigator,
        })
        .unwrap();
        ws
    }

    fn case_with_file(ws: &mut Workspace, dir: &Path, title: &str) -> (String, String) {
        let code = ws
            .create_case(&NewCase {
                title: title.into(),
                ..NewCase::default()
            })
            .unwrap()
            .code;
        let path = dir.join(format!("{title}.txt"));
        std::fs::write(&path, title).unwrap();
        let item = ws
            .add_files(&code, &[path], &AddOptions::default(), &mut |_| {})
            .unwrap()
            .remove(0);
        (code, item.id)
    }

    fn hit(kind: IdKind, raw: &str, bank: &str) -> IdentifierHit {
        IdentifierHit {
            kind: Some(kind),
            raw: raw.into(),
            qualifier: bank.into(),
            location: "0-10".into(),
            ..IdentifierHit::default()
        }
    }

    #[test]
    fn a_case_graph_follows_review_and_expands_into_other_cases() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = workspace(dir.path());
        let (a, ev_a) = case_with_file(&mut ws, dir.path(), "Vụ A");
        let (b, ev_b) = case_with_file(&mut ws, dir.path(), "Vụ B");
        let found = ws
            .suggest_identifiers(
                &a,
                &ev_a,
                &[
                    hit(IdKind::BankAccount, "0011 0012 34567", "VCB"),
                    hit(IdKind::Phone, "0912 345 678", ""),
                    hit(IdKind::Phone, "0987.654.321", ""),
                    hit(IdKind::Email, "ban@shop.vn", ""),
                ],
            )
            .unwrap();
        let [account, phone, phone2, email] = [0, 1, 2, 3].map(|i| found.entities[i].id.clone());
        ws.confirm_entity(&account).unwrap();
        ws.merge_entities(&phone2, &phone).unwrap();
        ws.reject_entity(&email, "mail của sàn").unwrap();
        let seller = ws
            .create_entity(
                &a,
                &NewEntity {
                    kind: Some(EntityKind::Subject),
                    label: "Nguyễn Văn A".into(),
                    ..NewEntity::default()
                },
            )
            .unwrap();
        ws.add_link(&NewLink {
            kind: Some(LinkKind::Receives),
            from_id: seller.id.clone(),
            to_id: account.clone(),
            evidence_ids: vec![ev_a.clone()],
        })
        .unwrap();
        // Case B: the same account written another way, received by another seller.
        let other = ws
            .suggest_identifiers(&b, &ev_b, &[hit(IdKind::BankAccount, "001100123456 7", "")])
            .unwrap()
            .entities[0]
            .id
            .clone();
        let seller_b = ws
            .create_entity(
                &b,
                &NewEntity {
                    kind: Some(EntityKind::Subject),
                    label: "Shop Đồ Xịn".into(),
                    ..NewEntity::default()
                },
            )
            .unwrap();
        ws.add_link(&NewLink {
            kind: Some(LinkKind::Receives),
            from_id: seller_b.id.clone(),
            to_id: other.clone(),
            evidence_ids: vec![ev_b.clone()],
        })
        .unwrap();

        let graph = case_graph(&ws, &a, false).unwrap();
        let ids: Vec<&str> = graph.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, [account.as_str(), phone.as_str(), seller.id.as_str()]);
        assert!(
            graph
                .nodes
                .iter()
                .all(|n| !n.other_case && n.case_code == a)
        );
        let account_node = &graph.nodes[0];
        assert_eq!(account_node.state, EntityState::Confirmed);
        assert_eq!(account_node.evidence_ids, std::slice::from_ref(&ev_a));
        assert_eq!(graph.nodes[1].state, EntityState::Suggested);
        assert_eq!(
            graph.nodes[2].evidence_ids,
            std::slice::from_ref(&ev_a),
            "link evidence"
        );
        assert_eq!(graph.edges.len(), 1);
        assert_eq!(graph.edges[0].kind, EdgeKind::Receives);

        let wide = case_graph(&ws, &a, true).unwrap();
        assert!(wide.expanded);
        let other_node = wide.nodes.iter().find(|n| n.id == other).unwrap();
        assert!(other_node.other_case);
        assert_eq!(other_node.case_code, b);
        assert_eq!(other_node.case_status, CaseStatus::Draft);
        assert_eq!(other_node.evidence_ids, std::slice::from_ref(&ev_b));
        let seller_b_node = wide.nodes.iter().find(|n| n.id == seller_b.id).unwrap();
        assert!(seller_b_node.other_case);
        assert_eq!(wide.nodes.len(), 5);
        let same: Vec<_> = wide
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::SameIdentifier)
            .collect();
        assert_eq!(same.len(), 1);
        assert_eq!(
            (same[0].source.as_str(), same[0].target.as_str()),
            (account.as_str(), other.as_str())
        );
        assert!(
            wide.edges
                .iter()
                .any(|e| e.source == seller_b.id && e.target == other)
        );

        // Every edge joins drawn nodes; the exports carry them all.
        for e in &wide.edges {
            assert!(wide.nodes.iter().any(|n| n.id == e.source));
            assert!(wide.nodes.iter().any(|n| n.id == e.target));
        }
        let (nodes, edges) = parse_graphml(&to_graphml(&wide));
        assert_eq!((nodes.len(), edges.len()), (5, 3));
        assert_eq!(nodes[&seller_b.id]["n_label"], "Shop Đồ Xịn");
        assert!(case_graph(&ws, "KHONG-CO", false).is_err());
    }
}

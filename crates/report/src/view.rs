//! What the template receives as `/data.json`: the report plus what is easier to work
//! out in Rust than in typst — hash prefixes, screenshot file names and the positions
//! of the graph's nodes. Every string reaches the template as a JSON string, so the
//! template shows it as text and nothing in the data is ever read as markup.

use serde::Serialize;

use crate::model::{CustodyRow, Report};

/// How many nodes the drawn graph shows; the tables list everything.
pub const GRAPH_MAX_NODES: usize = 24;
/// Characters of a custody event hash printed in the log table.
const HASH_PREFIX: usize = 16;

/// The drawing area of the graph, in millimetres.
const GRAPH_WIDTH_MM: f64 = 170.0;
const GRAPH_HEIGHT_MM: f64 = 110.0;

#[derive(Serialize)]
pub struct View<'a> {
    pub report: &'a Report,
    pub custody: Vec<CustodyView<'a>>,
    pub screenshots: Vec<ShotView<'a>>,
    pub graph: Graph,
    /// The cover's date line, "ngày DD tháng MM năm YYYY" from `created_at`.
    pub cover_date: String,
}

#[derive(Serialize)]
pub struct CustodyView<'a> {
    pub seq: u64,
    pub at: &'a str,
    pub actor: &'a str,
    pub kind: &'a str,
    pub hash_prefix: String,
}

#[derive(Serialize)]
pub struct ShotView<'a> {
    pub path: String,
    pub caption: &'a str,
}

#[derive(Serialize)]
pub struct Graph {
    pub width: f64,
    pub height: f64,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Entities left out of the drawing (beyond `GRAPH_MAX_NODES`).
    pub omitted: usize,
}

#[derive(Serialize)]
pub struct Node {
    pub label: String,
    pub kind: String,
    pub x: f64,
    pub y: f64,
}

#[derive(Serialize)]
pub struct Edge {
    pub label: String,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

/// Virtual path of the `index`th screenshot inside the typesetter's file system.
pub fn screenshot_path(index: usize) -> String {
    format!("/shots/{index}.png")
}

pub fn build(report: &Report) -> View<'_> {
    View {
        report,
        custody: report.custody.iter().map(custody_row).collect(),
        screenshots: report
            .screenshots
            .iter()
            .enumerate()
            .map(|(i, s)| ShotView {
                path: screenshot_path(i),
                caption: &s.caption,
            })
            .collect(),
        graph: graph(report),
        cover_date: cover_date(&report.case.created_at),
    }
}

/// "2026-11-02T08:15:00Z" → "ngày 02 tháng 11 năm 2026", the form official records
/// use; anything else is printed as given.
fn cover_date(created_at: &str) -> String {
    let date = created_at.get(..10).unwrap_or("");
    let parts: Vec<&str> = date.split('-').collect();
    match parts.as_slice() {
        [y, m, d]
            if y.len() == 4
                && m.len() == 2
                && d.len() == 2
                && date.bytes().all(|b| b.is_ascii_digit() || b == b'-') =>
        {
            format!("ngày {d} tháng {m} năm {y}")
        }
        _ => created_at.to_owned(),
    }
}

fn custody_row(row: &CustodyRow) -> CustodyView<'_> {
    CustodyView {
        seq: row.seq,
        at: &row.at,
        actor: &row.actor,
        kind: &row.kind,
        hash_prefix: row.hash.chars().take(HASH_PREFIX).collect(),
    }
}

/// Nodes on a circle (an ellipse filling the drawing area), in entity order: simple,
/// stable, and readable for the few dozen entities a case has.
fn graph(report: &Report) -> Graph {
    let shown = &report.entities[..report.entities.len().min(GRAPH_MAX_NODES)];
    let (cx, cy) = (GRAPH_WIDTH_MM / 2.0, GRAPH_HEIGHT_MM / 2.0);
    // Room for the labels under the nodes and at the sides.
    let (rx, ry) = (cx - 25.0, cy - 14.0);
    let n = shown.len();
    let nodes: Vec<Node> = shown
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (x, y) = if n == 1 {
                (cx, cy)
            } else {
                let angle = -std::f64::consts::FRAC_PI_2
                    + 2.0 * std::f64::consts::PI * (i as f64) / (n as f64);
                (cx + rx * angle.cos(), cy + ry * angle.sin())
            };
            Node {
                label: e.value.clone(),
                kind: e.kind.clone(),
                x: round(x),
                y: round(y),
            }
        })
        .collect();
    let position = |id: &str| {
        shown
            .iter()
            .position(|e| e.id == id)
            .map(|i| (nodes[i].x, nodes[i].y))
    };
    let edges = report
        .links
        .iter()
        .filter_map(|l| {
            let (x1, y1) = position(&l.from)?;
            let (x2, y2) = position(&l.to)?;
            Some(Edge {
                label: l.kind.clone(),
                x1,
                y1,
                x2,
                y2,
            })
        })
        .collect();
    Graph {
        width: GRAPH_WIDTH_MM,
        height: GRAPH_HEIGHT_MM,
        nodes,
        edges,
        omitted: report.entities.len() - shown.len(),
    }
}

/// Two decimals keep the JSON (and so the PDF) independent of float printing noise.
fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

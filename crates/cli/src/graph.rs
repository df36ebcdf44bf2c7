//! `truyvet graph CODE`: a case's entities and links as GraphML or as the two CSV sheets
//! i2 Analyst's Notebook imports, the same export the app's graph view saves.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;
use truyvet_core::graph_export::{self, GraphFormat};
use truyvet_core::{Result, Workspace};

use crate::run::emit;

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The case code.
    pub code: String,
    /// graphml, or csv (two sheets: entities and links).
    #[arg(long, default_value = "graphml")]
    pub format: String,
    /// Write here instead of printing; for csv, FILE-entities.csv and FILE-links.csv
    /// (a .csv ending of FILE is dropped).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also draw, one step out, what other cases hold behind a shared identifier.
    #[arg(long)]
    pub expand: bool,
}

pub fn run(ws: &Workspace, args: GraphArgs, json: bool) -> Result<ExitCode> {
    let format = GraphFormat::parse(&args.format)?;
    let graph = graph_export::case_graph(ws, &args.code, args.expand)?;
    match args.out {
        Some(out) => {
            let files = graph_export::write_export(format, &graph, &out)?;
            let written = json!({
                "files": files,
                "nodes": graph.nodes.len(),
                "edges": graph.edges.len(),
            });
            emit(json, &written, || {
                files
                    .iter()
                    .map(|f| format!("đã ghi {}", f.display()))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        // With --json and no file, the graph itself (what the app draws).
        None if json => emit(true, &graph, String::new),
        None => {
            let sheets = graph_export::export_contents(format, &graph);
            let text = sheets
                .iter()
                .map(|s| s.trim_start_matches('\u{FEFF}'))
                .collect::<Vec<_>>()
                .join("\r\n");
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            Ok(ExitCode::SUCCESS)
        }
    }
}

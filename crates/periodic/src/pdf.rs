//! The PDF: the figures as `/data.json` to a typst template, typeset by the case
//! report's pipeline (same bundled fonts, no clock, stable document id).

use serde_json::json;
use truyvet_core::{Error, Result};

use crate::figures::Figures;

const TEMPLATE: &str = include_str!("../templates/periodic.typ");

pub(crate) fn render(figures: &Figures, generated_at: &str) -> Result<Vec<u8>> {
    let data = json!({
        "figures": figures,
        "generated_at": generated_at,
        "version": truyvet_core::VERSION,
    });
    let files = vec![("/data.json".to_owned(), serde_json::to_vec(&data)?)];
    truyvet_report::render_template_pdf(TEMPLATE, files, &figures.figures_sha256)
        .map_err(|e| Error::internal(format!("periodic report: {e}")))
}

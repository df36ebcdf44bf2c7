//! `truyvet case refer`: hand a sealed or approved case to another agency.

use std::process::ExitCode;

use clap::Args;
use truyvet_core::{Result, Workspace};

#[derive(Debug, Args)]
pub struct ReferArgs {
    pub code: String,
    /// The receiving agency (police, prosecution, tax…), as it should appear in reports.
    #[arg(long = "to", value_name = "AGENCY")]
    pub to: String,
    /// The receiving agency's reference (dispatch) number.
    #[arg(long = "ref", value_name = "NUMBER")]
    pub reference: String,
    #[arg(long)]
    pub note: Option<String>,
}

pub fn run(ws: &mut Workspace, args: ReferArgs, json: bool) -> Result<ExitCode> {
    let r = ws.refer_case(&args.code, &args.to, &args.reference, args.note.as_deref())?;
    crate::run::emit(json, &r, || {
        format!(
            "Đã chuyển vụ việc {} cho {} (số {}) lúc {}",
            r.case_code, r.referred_to, r.reference, r.referred_at
        )
    })
}

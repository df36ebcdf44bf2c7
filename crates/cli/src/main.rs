//! `truyvet`: glue between the command line and `truyvet-core`.

mod args;
mod backup_cmd;
mod capture;
mod config_cmd;
mod dashboard;
mod entity;
mod exclusion;
mod export;
mod export_age;
mod extract;
mod graph;
mod import;
mod lookup;
mod messages;
mod proof;
mod refer_cmd;
mod registry;
mod report_cmd;
mod run;
mod sync;
mod timestamp;
mod tip;
mod verify;
mod watch;
mod workflow;
mod workspace_cmd;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return messages::usage_error(err),
    };
    let json = cli.json;
    match run::run(cli) {
        Ok(code) => code,
        Err(err) => {
            messages::print_error(&err, json);
            ExitCode::from(messages::exit_code(&err))
        }
    }
}

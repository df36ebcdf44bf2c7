//! `truyvet`: glue between the command line and `truyvet-core`.

mod args;
mod capture;
mod entity;
mod exclusion;
mod export;
mod extract;
mod graph;
mod import;
mod lookup;
mod messages;
mod proof;
mod registry;
mod run;
mod sync;
mod timestamp;
mod verify;
mod workflow;

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

//! `truyvet`: glue between the command line and `truyvet-core`.

mod args;
mod messages;
mod run;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let json = cli.json;
    match run::run(cli) {
        Ok(code) => code,
        Err(err) => {
            messages::print_error(&err, json);
            ExitCode::from(messages::exit_code(&err))
        }
    }
}

//! Test helper: takes a workspace's app lock (as the desktop app does), says `locked`
//! on stdout, and holds the lock until its stdin closes. Lets a test prove that a
//! second *process* is refused, and that a killed holder frees the lock.

use std::io::{Read, Write};
use std::process::ExitCode;

use truyvet_core::Workspace;

fn main() -> ExitCode {
    let Some(root) = std::env::args_os().nth(1) else {
        eprintln!("usage: truyvet-hold-app-lock WORKSPACE");
        return ExitCode::from(2);
    };
    let result = Workspace::open(&root).and_then(|ws| ws.lock_for_app().map(|lock| (ws, lock)));
    let mut stdout = std::io::stdout().lock();
    match result {
        Ok((_ws, _lock)) => {
            let _ = writeln!(stdout, "locked");
            let _ = stdout.flush();
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(stdout, "error {}", e.code);
            let _ = stdout.flush();
            ExitCode::from(4)
        }
    }
}

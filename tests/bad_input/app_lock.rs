//! A second app instance on the same workspace is refused (`workspace_in_use`), within
//! one process and from another process; a killed holder does not leave it locked.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use truyvet_core::{ErrorCode, Workspace};
use truyvet_tests::TestWorkspace;

const HOLDER: &str = env!("CARGO_BIN_EXE_truyvet-hold-app-lock");

#[test]
fn second_instance_in_process() {
    let ws = TestWorkspace::new();
    let first = Workspace::open(&ws.root).unwrap();
    let second = Workspace::open(&ws.root).unwrap();
    let lock = first
        .lock_for_app()
        .expect("the first instance gets the lock");
    let err = second
        .lock_for_app()
        .expect_err("a second instance must be refused");
    assert_eq!(err.code, ErrorCode::WorkspaceInUse);
    let err = first
        .lock_for_app()
        .expect_err("even through the same handle");
    assert_eq!(err.code, ErrorCode::WorkspaceInUse);
    drop(lock);
    let _again = second
        .lock_for_app()
        .expect("the lock is free once the first lets go");
}

fn spawn_holder(ws: &TestWorkspace) -> (std::process::Child, String) {
    let mut child = Command::new(HOLDER)
        .arg(&ws.root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn lock holder");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line.trim().to_string())
}

#[test]
fn second_instance_in_another_process() {
    let ws = TestWorkspace::with_profile();
    let (mut holder, said) = spawn_holder(&ws);
    assert_eq!(said, "locked");

    let here = Workspace::open(&ws.root).unwrap();
    assert_eq!(
        here.lock_for_app().unwrap_err().code,
        ErrorCode::WorkspaceInUse
    );
    let (mut second, said) = spawn_holder(&ws);
    assert_eq!(said, "error workspace_in_use");
    assert_eq!(second.wait().unwrap().code(), Some(4));

    // The CLI does not take the app lock: scripts work beside the app.
    ws.run(&["case", "new", "--title", "bên cạnh ứng dụng"])
        .ok();

    // kill -9: the OS drops the lock with the process; no stale lock file blocks.
    holder.kill().unwrap();
    holder.wait().unwrap();
    let _lock = here
        .lock_for_app()
        .expect("a killed holder must not keep the workspace locked");
}

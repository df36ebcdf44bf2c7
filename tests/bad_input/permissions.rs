//! File modes that bind: an unreadable source file and a workspace folder that cannot be
//! written. Tests usually run as root, which no chmod stops, so the CLI then runs as
//! nobody through util-linux `setpriv`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use truyvet_tests::{TestWorkspace, Unprivileged, chown_recursive, run_command, truyvet_bin};

use crate::{assert_unchanged, populated};

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

fn unprivileged_or_skip(test: &str) -> Option<Unprivileged> {
    match Unprivileged::detect() {
        Ok(u) => Some(u),
        Err(why) => {
            eprintln!("{test}: skipped: {why}");
            None
        }
    }
}

fn cli_as(user: Unprivileged, ws: &TestWorkspace) -> std::process::Command {
    let mut cmd = user.command(&truyvet_bin());
    cmd.env_remove(truyvet_tests::HOME_ENV)
        .arg("--json")
        .arg("--workspace")
        .arg(&ws.root);
    cmd
}

#[test]
fn unreadable_file() {
    let Some(user) = unprivileged_or_skip("unreadable_file") else {
        return;
    };
    let (ws, code) = populated();
    let secret = ws.write_file("khong-doc-duoc.jpg", b"secret bytes");
    let readable = ws.write_file("doc-duoc.jpg", b"readable bytes");
    chmod(&secret, 0o000);
    ws.open_to_others();
    // The child may write the workspace, just not read the file.
    let before = ws.snapshot();
    if user == Unprivileged::Setpriv {
        chown_recursive(&ws.root, user.uid());
        chmod(&secret, 0o600); // root's file: nobody cannot read it
    }

    let mut cmd = cli_as(user, &ws);
    cmd.args(["evidence", "add", "--case", &code])
        .arg(&readable)
        .arg(&secret);
    let run = run_command(&mut cmd);
    run.fails_with(3, "file_unreadable");
    assert!(run.stderr.contains("khong-doc-duoc.jpg"), "{run}");
    assert_unchanged(&ws, &before);

    // The same child can add the readable file: the refusal was about the file.
    let mut cmd = cli_as(user, &ws);
    cmd.args(["evidence", "add", "--case", &code])
        .arg(&readable);
    assert_eq!(run_command(&mut cmd).ok().json_lines().len(), 1);
    chmod(&secret, 0o600);
}

#[test]
fn workspace_not_writable() {
    let Some(user) = unprivileged_or_skip("workspace_not_writable") else {
        return;
    };
    let (ws, code) = populated();
    let f = ws.write_file("moi.jpg", b"new bytes");
    ws.open_to_others();
    let dirs = [ws.root.clone(), ws.blobs(), ws.blobs().join("tmp")];
    // Taken while the folders are still writable: a read-only SQLite connection in a
    // folder its user cannot write may not be able to create the WAL index.
    let before = ws.snapshot();
    // Root's workspace with mode 0755 (what a shared or archived workspace looks like
    // to another user); for an ordinary user, the same folders made read-only.
    let mode = if user == Unprivileged::Setpriv {
        0o755
    } else {
        0o555
    };
    for d in &dirs {
        chmod(d, mode);
    }

    for args in [
        vec!["evidence", "add", "--case", &code, f.to_str().unwrap()],
        vec!["note", "add", "--case", &code, "x"],
        vec!["case", "new", "--title", "y"],
        vec!["profile", "set", "--display-name", "Z", "--agency", "CA"],
    ] {
        let mut cmd = cli_as(user, &ws);
        cmd.args(&args);
        run_command(&mut cmd).fails_with(4, "workspace_not_writable");
    }
    // Reading and verifying still work, and write nothing: an archived copy on
    // write-protected media can be inspected as it is.
    let mut cmd = cli_as(user, &ws);
    cmd.arg("verify-workspace");
    let report = run_command(&mut cmd).ok().json();
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["evidence_checked"], 1, "{report}");
    let mut cmd = cli_as(user, &ws);
    cmd.args(["case", "show", &code]);
    assert_eq!(
        run_command(&mut cmd).ok().json()["case"]["code"],
        code.as_str()
    );
    for d in &dirs {
        chmod(d, 0o755);
    }
    assert_unchanged(&ws, &before);
}

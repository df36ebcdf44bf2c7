//! Where the workspace is: `--workspace`, else `TRUYVET_HOME`, else the OS data folder.

use std::process::Command;

use truyvet_tests::{DB_FILE, HOME_ENV, TestWorkspace, run_command, truyvet_bin};

fn profile_set(cmd: &mut Command) {
    cmd.args([
        "--json",
        "profile",
        "set",
        "--display-name",
        "Lê Văn C",
        "--agency",
        "QLTT",
    ]);
    run_command(cmd).ok();
}

#[test]
fn truyvet_home_is_used_when_no_flag() {
    let ws = TestWorkspace::new();
    let mut cmd = Command::new(truyvet_bin());
    cmd.env(HOME_ENV, &ws.root);
    profile_set(&mut cmd);
    assert!(ws.db_path().is_file(), "TRUYVET_HOME was not used");
    // The same workspace is then seen through --workspace.
    assert_eq!(
        ws.run(&["profile", "show"]).ok().json()["display_name"],
        "Lê Văn C"
    );
}

#[test]
fn flag_beats_truyvet_home() {
    let ws = TestWorkspace::new();
    let other = ws.temp_root().join("other");
    let mut cmd = Command::new(truyvet_bin());
    cmd.env(HOME_ENV, &other).arg("--workspace").arg(&ws.root);
    profile_set(&mut cmd);
    assert!(ws.db_path().is_file());
    assert!(!other.exists(), "TRUYVET_HOME was used despite --workspace");
}

#[test]
fn default_is_the_xdg_data_folder() {
    let ws = TestWorkspace::new();
    let home = ws.temp_root().join("home");
    let data = ws.temp_root().join("xdg-data");
    let mut cmd = Command::new(truyvet_bin());
    cmd.env_remove(HOME_ENV)
        .env("HOME", &home)
        .env("XDG_DATA_HOME", &data);
    profile_set(&mut cmd);
    assert!(
        data.join("truyvet").join(DB_FILE).is_file(),
        "not created under $XDG_DATA_HOME/truyvet"
    );
}

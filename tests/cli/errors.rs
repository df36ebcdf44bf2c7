//! Exit codes (0 ok, 1 verification failed, 2 usage, 3 bad input, 4 workspace or
//! database problem) and the stable JSON error on stderr.

use truyvet_tests::TestWorkspace;

#[test]
fn usage_errors_exit_2() {
    let ws = TestWorkspace::with_profile();
    for args in [
        &["bogus"][..],
        &["case"],
        &["case", "new"],                    // --title is required
        &["evidence", "add", "--case", "X"], // no files
        &["case", "edit", "X", "--category", "a", "--clear-categories"],
        &["log"],
    ] {
        let run = ws.run(args);
        assert_eq!(run.code, 2, "{args:?} should be a usage error:\n{run}");
        assert!(run.stdout.is_empty(), "{run}");
    }
}

#[test]
fn bad_input_exits_3_with_json_error() {
    let ws = TestWorkspace::with_profile();
    ws.run(&["case", "show", "KHONG-TON-TAI"])
        .fails_with(3, "case_not_found");
    ws.run(&["log", "--case", "KHONG-TON-TAI"])
        .fails_with(3, "case_not_found");
    let missing = ws.files.join("khong-co.jpg");
    let mut cmd = ws.command();
    cmd.args(["--json", "evidence", "add", "--case", "KHONG-TON-TAI"])
        .arg(&missing);
    truyvet_tests::run_command(&mut cmd).fails_with(3, "case_not_found");
}

#[test]
fn human_errors_name_the_code_in_vietnamese() {
    let ws = TestWorkspace::with_profile();
    let run = ws.run_plain(&["case", "show", "KHONG-TON-TAI"]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("[case_not_found]"), "{run}");
    assert!(run.stderr.contains("Không tìm thấy vụ việc"), "{run}");
    assert!(run.stdout.is_empty());
}

#[test]
fn workspace_problem_exits_4() {
    let ws = TestWorkspace::new();
    // A workspace path that is a file, not a folder.
    std::fs::write(&ws.root, b"not a folder").unwrap();
    ws.run(&["case", "list"])
        .fails_with(4, "workspace_not_found");
    ws.run(&["profile", "set", "--display-name", "A", "--agency", "QLTT"])
        .fails_with(4, "workspace_not_found");
}

//! `profile set` / `profile show`.

use truyvet_tests::{PROFILE_FIELDS, TestWorkspace, assert_fields};

#[test]
fn set_then_show() {
    let ws = TestWorkspace::new();
    let set = ws
        .run(&[
            "profile",
            "set",
            "--display-name",
            "  Trần Thị Bình ",
            "--agency",
            "qltt",
            "--unit",
            "Đội 3",
            "--province",
            "hn",
            "--role",
            "supervisor",
        ])
        .ok()
        .json();
    assert_fields(&set, PROFILE_FIELDS);
    assert_eq!(set["display_name"], "Trần Thị Bình");
    assert_eq!(set["name"], "tran-thi-binh");
    assert_eq!(set["agency"], "QLTT");
    assert_eq!(set["province"], "HN");
    assert_eq!(set["role"], "supervisor");

    let shown = ws.run(&["profile", "show"]).ok().json();
    assert_eq!(shown, set);

    // Updating keeps the stable name and creation time, so old log entries still
    // name the same person.
    let updated = ws
        .run(&[
            "profile",
            "set",
            "--display-name",
            "Trần T. Bình",
            "--agency",
            "CA",
        ])
        .ok()
        .json();
    assert_eq!(updated["name"], set["name"]);
    assert_eq!(updated["created_at"], set["created_at"]);
    assert_eq!(updated["agency"], "CA");
    assert_eq!(updated["role"], "investigator");
    assert_eq!(ws.run(&["profile", "show"]).ok().json(), updated);
}

#[test]
fn show_without_profile_is_profile_missing() {
    let ws = TestWorkspace::new();
    truyvet_core::Workspace::open(&ws.root).unwrap();
    ws.run(&["profile", "show"])
        .fails_with(3, "profile_missing");
    ws.run(&["case", "new", "--title", "x"])
        .fails_with(3, "profile_missing");
}

#[test]
fn bad_profile_values_are_invalid_input() {
    let ws = TestWorkspace::new();
    ws.run(&["profile", "set", "--display-name", "A", "--agency", "Q"])
        .fails_with(3, "invalid_input");
    ws.run(&["profile", "set", "--display-name", " ", "--agency", "QLTT"])
        .fails_with(3, "invalid_input");
    ws.run(&[
        "profile",
        "set",
        "--display-name",
        "A",
        "--agency",
        "QLTT",
        "--role",
        "boss",
    ])
    .fails_with(3, "invalid_input");
}

#[test]
fn human_output_is_vietnamese() {
    let ws = TestWorkspace::with_profile();
    let run = ws.run_plain(&["profile", "show"]).ok();
    assert!(run.stdout.contains("Nguyễn Văn An"), "{run}");
    assert!(run.stdout.contains("cơ quan: QLTT"), "{run}");
}

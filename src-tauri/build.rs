// Listing the app's own commands gives each an `allow-<command>` permission, so they are
// governed by capabilities exactly like plugin commands.
fn main() {
    let commands = &[
        "workspace_info",
        "workspace_verify",
        "profile_save",
        "case_list",
        "case_create",
        "case_get",
        "case_edit",
        "custody_log",
        "evidence_add",
        "note_add",
        "capture_url",
        "evidence_detail",
        "timestamp_list",
        "timestamp_run",
        "browser_open",
        "browser_status",
        "browser_set_paused",
        "browser_capture_now",
        "browser_navigate",
        "browser_close",
        "entity_overview",
        "entity_confirm",
        "entity_reject",
        "entity_merge",
        "entity_create",
        "link_add",
        "identifier_lookup",
        "exclusion_list",
        "exclusion_add",
        "exclusion_remove",
        "case_graph",
        "graph_export",
        "profile_list",
        "profile_add",
        "profile_use",
        "profile_key_create",
        "case_transition",
        "review_queue",
        "case_review",
        "case_review_edit",
    ];
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri build script failed");
}

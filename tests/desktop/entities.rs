//! The entities tab and the graph view in the real app: a suggestion recorded through the
//! CLI is confirmed in the app, its node appears in the cytoscape graph (and in the node
//! list beside the canvas), the custody log shows the confirmation, the graph expands
//! into the other case that holds the same phone number, and "Tra cứu" finds the number
//! in both cases.

use fantoccini::Locator;
use truyvet_desktop_e2e::App;

use crate::{cli_json, cli_ok};

/// A case with one evidence file and a suggested phone number; returns (code, entity id).
fn case_with_phone(workspace: &std::path::Path, title: &str, phone: &str) -> (String, String) {
    let case = cli_json(workspace, &["case", "new", "--title", title]);
    let code = case["code"].as_str().unwrap().to_string();
    let page = workspace
        .parent()
        .unwrap()
        .join(format!("{}.html", code.replace('-', "_")));
    std::fs::write(&page, format!("<p>Liên hệ Zalo {phone}</p>")).unwrap();
    let item = cli_json(
        workspace,
        &["evidence", "add", page.to_str().unwrap(), "--case", &code],
    );
    let evidence = item["id"].as_str().unwrap().to_string();
    let outcome = cli_json(
        workspace,
        &[
            "entity",
            "suggest",
            "--case",
            &code,
            "--evidence",
            &evidence,
            "--type",
            "phone",
            "--value",
            phone,
            "--location",
            "15-27",
        ],
    );
    let entity = outcome["entities"][0]["id"].as_str().unwrap().to_string();
    (code, entity)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_suggestion_shows_in_the_graph_and_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("workspace");
    cli_ok(
        &workspace,
        &[
            "profile",
            "set",
            "--display-name",
            "Đặng Thu Trang",
            "--agency",
            "QLTT",
            "--province",
            "HN",
        ],
    );
    let (code, entity) = case_with_phone(&workspace, "Mỹ phẩm giả", "0912 345 678");
    let (other_code, other_entity) = case_with_phone(&workspace, "Đồng hồ lậu", "+84 912.345.678");

    let app = App::launch(&workspace).await;
    app.click(&format!(
        "[data-testid=case-row][data-code=\"{code}\"] button"
    ))
    .await;
    app.click("[data-testid=tab-entities]").await;
    let suggestion = format!("[data-testid=suggestion][data-id=\"{entity}\"]");
    app.find(&suggestion).await;
    // The node is drawn while still a suggestion.
    app.find(&format!(
        "[data-testid=graph-node][data-id=\"{entity}\"][data-state=suggested]"
    ))
    .await;
    app.wait_text("[data-testid=cross-case-hit]", |t| t.contains(&other_code))
        .await;

    app.click(&format!("{suggestion} [data-testid=suggestion-confirm]"))
        .await;
    app.find(&format!("[data-testid=entity][data-id=\"{entity}\"]"))
        .await;
    let node = app
        .find(&format!(
            "[data-testid=graph-node][data-id=\"{entity}\"][data-state=confirmed]"
        ))
        .await;
    assert!(node.text().await.unwrap().contains("+84912345678"));
    // The custody log beside the tab shows the confirmation.
    app.find("[data-testid=custody-event][data-kind=entity_confirmed]")
        .await;

    // cytoscape really drew on a canvas under the app's CSP, without an inline <style>.
    app.find("[data-testid=graph-canvas] canvas").await;
    let injected = app
        .client
        .execute(
            "return Array.from(document.querySelectorAll('style'))\
               .filter(s => s.textContent.includes('cytoscape')).length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(injected, serde_json::json!(0));
    let banners = app
        .client
        .find_all(Locator::Css("[data-testid=error-banner]"))
        .await
        .unwrap();
    assert!(banners.is_empty(), "the graph view reported an error");

    // Clicking the node lists its evidence; expanding brings in the other case's node.
    app.click(&format!(
        "[data-testid=graph-node][data-id=\"{entity}\"] button"
    ))
    .await;
    app.find("[data-testid=graph-node-evidence] [data-testid=graph-evidence-open]")
        .await;
    app.click("[data-testid=graph-expand]").await;
    let other = app
        .find(&format!(
            "[data-testid=graph-node][data-id=\"{other_entity}\"][data-other=\"true\"]"
        ))
        .await;
    assert_eq!(
        other.attr("data-case").await.unwrap().as_deref(),
        Some(other_code.as_str())
    );
    let nodes = app
        .client
        .find_all(Locator::Css("[data-testid=graph-node]"))
        .await
        .unwrap();
    assert_eq!(nodes.len(), 2);

    // "Tra cứu" finds the number in both cases, written yet another way, and a case code
    // opens that case.
    app.click("[data-testid=nav-lookup]").await;
    app.fill("[data-testid=lookup-input]", "84912345678").await;
    app.click("[data-testid=lookup-submit]").await;
    app.wait_text("[data-testid=lookup-summary]", |t| t.contains(": 2."))
        .await;
    for case in [&code, &other_code] {
        app.find(&format!("[data-testid=lookup-row][data-case=\"{case}\"]"))
            .await;
    }
    app.click(&format!(
        "[data-testid=lookup-row][data-case=\"{other_code}\"] [data-testid=lookup-open-case]"
    ))
    .await;
    app.wait_text("[data-testid=case-code]", |t| t == other_code)
        .await;
    app.quit().await;

    // The same state through the CLI: confirmed, and the log's last event says so.
    let listed = cli_json(&workspace, &["entity", "list", "--case", &code]);
    assert_eq!(listed[0]["state"], "confirmed");
    let log = cli_json(&workspace, &["log", "--case", &code]);
    let last = log.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "entity_confirmed");
    assert_eq!(last["payload"]["entity_id"], entity.as_str());
    assert_eq!(last["actor"], "Đặng Thu Trang");
}

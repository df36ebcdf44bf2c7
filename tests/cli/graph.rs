//! `truyvet graph`: a case's entities and links as GraphML or the two i2 CSV sheets,
//! expanded into another case through a shared account; read-only on the workspace.

use truyvet_tests::TestWorkspace;

#[test]
fn graph_exports_graphml_and_csv_without_touching_the_workspace() {
    let ws = TestWorkspace::with_profile();
    let mut cases = Vec::new();
    for (title, written) in [
        ("Vụ <A> & \"B\"", "0011 0012 34567"),
        ("Vụ C", "001100123456 7"),
    ] {
        let code = ws.new_case(title);
        let file = ws.write_file(format!("{}.html", cases.len()), title.as_bytes());
        let evidence = ws.add(&code, &[&file]).remove(0)["id"]
            .as_str()
            .unwrap()
            .to_string();
        let outcome = ws
            .run(&[
                "entity",
                "suggest",
                "--case",
                &code,
                "--evidence",
                &evidence,
                "--type",
                "bank_account",
                "--value",
                written,
                "--bank",
                "VCB",
            ])
            .ok()
            .json();
        cases.push((
            code,
            outcome["entities"][0]["id"].as_str().unwrap().to_string(),
            evidence,
        ));
    }
    let (code, account, evidence) = cases[0].clone();
    let seller = ws
        .run(&[
            "entity",
            "add",
            "--case",
            &code,
            "--kind",
            "subject",
            "--name",
            "Cửa hàng <Đồ & \"Xịn\">",
        ])
        .ok()
        .json();
    let seller = seller["id"].as_str().unwrap().to_string();
    ws.run(&[
        "entity",
        "link",
        "--kind",
        "receives",
        "--from",
        &seller,
        "--to",
        &account,
        "--evidence",
        &evidence,
    ])
    .ok();
    let before = ws.snapshot();

    // GraphML on stdout, escaped; the graph JSON with --json.
    let xml = ws.run_plain(&["graph", &code]).ok().stdout;
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains("Cửa hàng &lt;Đồ &amp; &quot;Xịn&quot;&gt;"),
        "{xml}"
    );
    assert!(xml.contains(&format!("<node id=\"{account}\">")));
    assert_eq!(xml.matches("<edge ").count(), 1);
    let graph = ws.run(&["graph", &code, "--expand"]).ok().json();
    assert_eq!(graph["nodes"].as_array().unwrap().len(), 3);
    let other = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["other_case"] == true)
        .unwrap();
    assert_eq!(other["id"], cases[1].1.as_str());
    assert_eq!(other["case_code"], cases[1].0.as_str());
    assert!(
        graph["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "same_identifier")
    );

    // CSV: two sheets beside the chosen name.
    let out = ws.temp_root().join("đồ thị.csv");
    let written = ws
        .run(&[
            "graph",
            &code,
            "--format",
            "csv",
            "--expand",
            "--out",
            out.to_str().unwrap(),
        ])
        .ok()
        .json();
    assert_eq!(written["nodes"], 3);
    let entities = std::fs::read_to_string(ws.temp_root().join("đồ thị-entities.csv")).unwrap();
    let links = std::fs::read_to_string(ws.temp_root().join("đồ thị-links.csv")).unwrap();
    assert!(
        entities.starts_with("\u{FEFF}Entity ID,Entity Type,"),
        "{entities}"
    );
    assert_eq!(entities.lines().count(), 4);
    assert!(
        entities.contains("\"Cửa hàng <Đồ & \"\"Xịn\"\">\""),
        "{entities}"
    );
    assert!(links.contains(",same_identifier,"), "{links}");
    assert!(links.contains(",receives,"), "{links}");
    let graphml = ws.temp_root().join("g.graphml");
    ws.run(&["graph", &code, "--out", graphml.to_str().unwrap()])
        .ok();
    assert!(
        std::fs::read_to_string(&graphml)
            .unwrap()
            .contains("<graphml")
    );

    // Bad input changes nothing and says why.
    ws.run(&["graph", &code, "--format", "pdf"])
        .fails_with(3, "invalid_input");
    ws.run(&["graph", "KHONG-CO"])
        .fails_with(3, "case_not_found");
    before.assert_same_as(&ws.snapshot());
}

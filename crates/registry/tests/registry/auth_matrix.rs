//! Every endpoint × (no token, revoked token, another agency's token, investigator,
//! supervisor, admin) → the expected status, with a JSON error body for each refusal.

use serde_json::json;

use crate::support::{Answer, Backend, Client, Env, bundles};

const CALLERS: [&str; 6] = [
    "none",
    "revoked",
    "other",
    "investigator",
    "supervisor",
    "admin",
];

struct Case {
    name: &'static str,
    method: &'static str,
    path: String,
    body: Option<serde_json::Value>,
    /// One status per caller, in the order of `CALLERS`.
    expected: [u16; 6],
}

async fn call(client: &Client, case: &Case) -> Answer {
    if case.path.ends_with("/bundle") {
        return client.download(&case.path).await.0;
    }
    match (&case.body, case.method) {
        (Some(body), _) => client.post_json(&case.path, body).await,
        (None, "PUT") => client.put(&case.path, b"").await,
        (None, method) => client.send(method, &case.path, None, false).await,
    }
}

async fn every_endpoint_answers_each_caller_as_documented(backend: Backend) {
    let b = bundles();
    let env = Env::new(backend);
    let t = env.setup();
    let registry = env.start(&[]);
    let inv = registry.client(Some(&t.inv));
    inv.push(&b.qltt.bytes, 1 << 20).await.expect(201);
    let upload = inv.create_upload(&[1, 2, 3]).await;
    let create = json!({"size": 3, "sha256": "ab".repeat(32)});

    let cases = [
        Case {
            name: "create upload",
            method: "POST",
            path: "/v1/uploads".into(),
            body: Some(create),
            expected: [401, 401, 201, 201, 201, 403],
        },
        Case {
            name: "upload status (the investigator's upload)",
            method: "GET",
            path: format!("/v1/uploads/{upload}"),
            body: None,
            expected: [401, 401, 404, 200, 404, 403],
        },
        Case {
            name: "upload chunk at a wrong offset",
            method: "PUT",
            path: format!("/v1/uploads/{upload}?offset=9"),
            body: None,
            expected: [401, 401, 404, 409, 404, 403],
        },
        Case {
            name: "finish an incomplete upload",
            method: "POST",
            path: format!("/v1/uploads/{upload}/finish"),
            body: None,
            expected: [401, 401, 404, 409, 404, 403],
        },
        Case {
            name: "receipt of a QLTT case",
            method: "GET",
            path: format!("/v1/cases/{}/receipt", b.qltt.case_id),
            body: None,
            expected: [401, 401, 403, 200, 200, 200],
        },
        Case {
            name: "bundle of a QLTT case (not shared yet)",
            method: "GET",
            path: format!("/v1/cases/{}/bundle", b.qltt.case_id),
            body: None,
            expected: [401, 401, 403, 200, 200, 403],
        },
        Case {
            name: "share a QLTT case with CA",
            method: "POST",
            path: format!("/v1/cases/{}/shares", b.qltt.case_id),
            body: Some(json!({"agency": "CA"})),
            expected: [401, 401, 403, 403, 201, 403],
        },
        Case {
            name: "tree head",
            method: "GET",
            path: "/v1/log/head".into(),
            body: None,
            expected: [401, 401, 200, 200, 200, 200],
        },
        Case {
            name: "consistency proof",
            method: "GET",
            path: "/v1/log/consistency?first=1&second=1".into(),
            body: None,
            expected: [401, 401, 200, 200, 200, 200],
        },
        Case {
            name: "inclusion proof",
            method: "GET",
            path: "/v1/log/inclusion?index=0".into(),
            body: None,
            expected: [401, 401, 200, 200, 200, 200],
        },
        Case {
            name: "lookup",
            method: "GET",
            path: "/v1/lookup?value=0912345678".into(),
            body: None,
            expected: [401, 401, 200, 200, 200, 403],
        },
        Case {
            name: "watchlist",
            method: "GET",
            path: "/v1/watchlist?cursor=0".into(),
            body: None,
            expected: [401, 401, 200, 200, 200, 403],
        },
        Case {
            name: "statistics",
            method: "GET",
            path: "/v1/stats?from=2020-01-01&to=2099-12-31".into(),
            body: None,
            expected: [401, 401, 403, 403, 200, 200],
        },
        Case {
            name: "audit log",
            method: "GET",
            path: "/v1/audit".into(),
            body: None,
            expected: [401, 401, 403, 403, 403, 200],
        },
    ];
    let clients = [
        registry.client(None),
        registry.client(Some(&t.revoked)),
        registry.client(Some(&t.other)),
        registry.client(Some(&t.inv)),
        registry.client(Some(&t.sup)),
        registry.client(Some(&t.admin)),
    ];
    let mut wrong = Vec::new();
    for case in &cases {
        for (who, client) in CALLERS.iter().zip(&clients) {
            let expected = case.expected[CALLERS.iter().position(|c| c == who).unwrap()];
            let answer = call(client, case).await;
            if answer.status != expected {
                wrong.push(format!(
                    "{} as {who}: {} (expected {expected}) {}",
                    case.name, answer.status, answer.body
                ));
                continue;
            }
            if answer.status >= 400 {
                let code = answer.code();
                let fits = match answer.status {
                    401 if *who == "none" => code == "unauthorized",
                    401 => code == "token_revoked",
                    403 => code == "forbidden_role" || code == "agency_mismatch",
                    _ => true,
                };
                if !fits {
                    wrong.push(format!("{} as {who}: code {code}", case.name));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // A token that is not one of ours, and a malformed header.
    let stranger = registry.client(Some(&format!("tvr_{}", "0".repeat(64))));
    stranger
        .get("/v1/log/head")
        .await
        .fails(401, "token_invalid");
    let odd = registry.client(Some("not-a-token"));
    odd.get("/v1/log/head").await.fails(401, "token_invalid");
}

crate::on_both_stores!(every_endpoint_answers_each_caller_as_documented);

//! What published cases give back: lookups across agencies (never evidence), the
//! watchlist of other agencies' identifiers by cursor, statistics for a period, and the
//! audit trail of each of these.

use serde_json::Value;

use crate::support::{Backend, Env, bundles};

fn counts(stats: &Value, key: &str) -> Vec<(String, u64)> {
    stats[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap().to_string(),
                c["cases"].as_u64().unwrap(),
            )
        })
        .collect()
}

async fn lookups_watchlist_and_statistics_over_two_agencies(backend: Backend) {
    let b = bundles();
    let env = Env::new(backend);
    let t = env.setup();
    let registry = env.start(&[]);
    let qltt = registry.client(Some(&t.inv));
    let ca = registry.client(Some(&t.other));
    qltt.push(&b.qltt.bytes, 1 << 20).await.expect(201);
    ca.push(&b.ca.bytes, 1 << 20).await.expect(201);

    // The same phone, written three ways, finds both cases with their owning unit.
    for written in ["0912 345 678", "+84912345678", "phone:(091) 234-5678"] {
        let found = ca
            .get(&format!("/v1/lookup?value={}", urlencode(written)))
            .await
            .expect(200);
        let hits = found.body["hits"].as_array().unwrap();
        let mut agencies: Vec<&str> = hits.iter().map(|h| h["agency"].as_str().unwrap()).collect();
        agencies.sort();
        assert_eq!(agencies, ["CA", "QLTT"], "{written}: {:#}", found.body);
        let qltt_hit = hits.iter().find(|h| h["agency"] == "QLTT").unwrap();
        assert_eq!(qltt_hit["case_code"], b.qltt.code.as_str());
        assert_eq!(qltt_hit["case_id"], b.qltt.case_id.as_str());
        assert_eq!(qltt_hit["value"], "+84912345678");
        assert_eq!(
            qltt_hit["categories"],
            serde_json::json!(["counterfeit_goods"])
        );
        assert_eq!(qltt_hit["unit"]["name"], "Đội QLTT số 1");
        assert_eq!(qltt_hit["unit"]["contact"], "0236 3888 111");
        assert!(qltt_hit["case_date"].as_str().unwrap().starts_with("20"));
        // A hit names the case, never its evidence.
        let text = qltt_hit.to_string();
        for secret in ["sha256", "evidence", "Hóa đơn"] {
            assert!(!text.contains(secret), "a hit shows {secret}: {text}");
        }
    }
    // Bank accounts: the bank must agree when both sides know it.
    let account = |q: &'static str| {
        let client = &ca;
        async move {
            client
                .get(&format!(
                    "/v1/lookup?value=0011001234567&kind=bank_account{q}"
                ))
                .await
                .expect(200)
                .body["hits"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(account("").await, 1);
    assert_eq!(account("&qualifier=VCB").await, 1);
    assert_eq!(account("&qualifier=ACB").await, 0);
    // Domains are looked up by their registrable part.
    let domain = ca
        .get("/v1/lookup?value=dongho-gia.com.vn&kind=domain")
        .await
        .expect(200);
    assert_eq!(domain.body["hits"][0]["agency"], "CA");
    let none = ca.get("/v1/lookup?value=0987654321").await.expect(200);
    assert!(none.body["hits"].as_array().unwrap().is_empty());

    // Watchlist: QLTT sees CA's identifiers only, then nothing new at the next cursor.
    let page = qltt.get("/v1/watchlist?cursor=0").await.expect(200).body;
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{page:#}");
    assert!(
        entries
            .iter()
            .all(|e| e["agency"] == "CA" && e["case_code"] == b.ca.code.as_str())
    );
    let mut kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["domain", "phone"]);
    assert_eq!(page["more"], false);
    let cursor = page["next_cursor"].as_u64().unwrap();
    let next = qltt
        .get(&format!("/v1/watchlist?cursor={cursor}"))
        .await
        .expect(200)
        .body;
    assert!(next["entries"].as_array().unwrap().is_empty());
    assert_eq!(next["next_cursor"], cursor);
    // CA sees QLTT's three, one page at a time.
    let mut cursor = 0;
    let mut seen = Vec::new();
    loop {
        let page = ca
            .get(&format!("/v1/watchlist?cursor={cursor}&limit=1"))
            .await
            .expect(200)
            .body;
        for e in page["entries"].as_array().unwrap() {
            assert_eq!(e["agency"], "QLTT");
            seen.push(e["value"].as_str().unwrap().to_string());
        }
        cursor = page["next_cursor"].as_u64().unwrap();
        if page["more"] == false {
            break;
        }
    }
    seen.sort();
    assert_eq!(seen, ["+84912345678", "0011001234567", "shopee:dongho-gia"]);

    // Statistics of the period holding both seals.
    let sup = registry.client(Some(&t.sup));
    let stats = sup
        .get("/v1/stats?from=2020-01-01&to=2099-12-31")
        .await
        .expect(200)
        .body;
    assert_eq!(stats["total_cases"], 2);
    assert_eq!(
        counts(&stats, "by_category"),
        [
            ("counterfeit_goods".to_string(), 1),
            ("smuggled_goods".to_string(), 1)
        ]
    );
    assert_eq!(
        counts(&stats, "by_province"),
        [("DN".to_string(), 1), ("HN".to_string(), 1)]
    );
    assert_eq!(counts(&stats, "by_platform"), [("shopee".to_string(), 1)]);
    let months = counts(&stats, "by_month");
    assert_eq!(months.len(), 1);
    assert_eq!(months[0].1, 2);
    let empty = sup
        .get("/v1/stats?from=2000-01-01&to=2000-12-31")
        .await
        .expect(200)
        .body;
    assert_eq!(empty["total_cases"], 0);
    assert!(empty["by_month"].as_array().unwrap().is_empty());

    // Every push, lookup and watchlist pull is in the audit log, with who asked.
    let audit = registry
        .client(Some(&t.admin))
        .get("/v1/audit")
        .await
        .expect(200)
        .body;
    let entries = audit["entries"].as_array().unwrap();
    let of = |action: &str| entries.iter().filter(|e| e["action"] == action).count();
    assert_eq!(of("push_accepted"), 2);
    assert_eq!(of("upload_created"), 2);
    assert_eq!(of("lookup"), 8);
    assert!(of("watchlist") >= 5);
    let lookup = entries.iter().find(|e| e["action"] == "lookup").unwrap();
    assert_eq!(lookup["agency"], "CA");
    assert_eq!(lookup["target"], "0912 345 678");
    assert_eq!(lookup["detail"], "2 hits");
    // The administrative commands are there too.
    assert!(of("agency_added") == 2 && of("unit_added") == 2 && of("token_issued") == 5);
    assert_eq!(of("token_revoked"), 1);
    assert!(
        entries
            .windows(2)
            .all(|w| w[0]["id"].as_u64() < w[1]["id"].as_u64())
    );
}

fn urlencode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

crate::on_both_stores!(lookups_watchlist_and_statistics_over_two_agencies);

//! The SSRF corpus, run in a network namespace of its own (`unshare -rn`: only
//! loopback, with forbidden addresses added to `lo` and listened on), so a broken guard
//! reaches nothing outside and is caught by the listeners. Never skipped: if the
//! namespace cannot be made, the test fails and says why.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn ssrf_corpus_is_refused_before_any_connection() {
    let bin = env!("CARGO_BIN_EXE_truyvet-ssrf-corpus");
    let script = "set -e; ip link set lo up; \
        for a in 10.0.0.1 169.254.169.254 192.168.1.1 172.16.0.1 100.64.0.1; do \
        ip addr add $a/32 dev lo; done; exec \"$0\"";
    let out = Command::new("unshare")
        .args(["-rn", "sh", "-c", script, bin])
        .output()
        .expect("running `unshare` (util-linux) failed: install it with `make test`");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "SSRF corpus failed (exit {:?}).\nIf `unshare -rn` itself failed, this machine does not allow \
         unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1).\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status.code()
    );
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (summary, cases) = lines.split_last().unwrap();
    assert_eq!(summary["summary"], true);
    assert!(cases.len() >= 40, "corpus has only {} cases", cases.len());
    assert_eq!(summary["total"].as_u64().unwrap() as usize, cases.len());
    for c in cases {
        assert_eq!(c["refused_before_connect"], true, "{c}");
        assert!(
            ["policy_refused", "invalid_url", "scheme_not_allowed"]
                .contains(&c["outcome"].as_str().unwrap()),
            "{c}"
        );
    }
    let redirects = cases.iter().filter(|c| !c["redirect_to"].is_null()).count();
    assert!(redirects >= 10, "{redirects} redirect cases");
    // Redirect cases really went through the allowed server first.
    for c in cases.iter().filter(|c| !c["redirect_to"].is_null()) {
        assert!(c["message"].as_str().unwrap().len() > 5, "{c}");
    }
    for (addr, n) in summary["accepted_during_corpus"].as_object().unwrap() {
        assert_eq!(n, 0, "forbidden listener {addr} accepted a connection");
    }
    for (addr, ok) in summary["control_reachable"].as_object().unwrap() {
        assert_eq!(
            ok, true,
            "control connection to {addr} failed: the proof would be vacuous"
        );
    }
    assert_eq!(summary["rebind"]["ok"], true, "{summary}");
    assert_eq!(summary["all_ok"], true, "{summary}");
}

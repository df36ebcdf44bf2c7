//! Hostile inputs: every shape that could make a matcher quadratic, a quarter
//! megabyte each, must finish in seconds (quadratic would take many minutes), no panic.

use std::time::{Duration, Instant};

use truyvet_extract::{extract_html, extract_text};

fn shapes() -> Vec<(&'static str, String)> {
    let mb = 1 << 18;
    vec![
        (
            "closing parens after a URL",
            format!("http://a.vn/{}", ")".repeat(mb)),
        ),
        ("one long URL", format!("https://a.vn/{}", "x".repeat(mb))),
        ("digit groups", "0 ".repeat(mb / 2)),
        ("digits", "9".repeat(mb)),
        ("spelled digits", "không ".repeat(mb / 7)),
        ("payload starts", "000201".repeat(mb / 6)),
        ("payload tokens", " 0002016304ABCD".repeat(mb / 15)),
        ("unclosed tag", format!("<b{}", " a=".repeat(mb / 3))),
        ("unclosed scripts", "<script>".repeat(mb / 8)),
        ("unclosed comments", "<!--".repeat(mb / 4)),
        ("entities", "&#".repeat(mb / 2)),
        ("at signs", "a@".repeat(mb / 2)),
        ("dots", "a.".repeat(mb / 2)),
        ("bank words", "stk ".repeat(mb / 4)),
        ("prices", "₫1.000 ".repeat(mb / 9)),
        ("one line of phones", "0912345678 ".repeat(mb / 11)),
    ]
}

#[test]
fn pathological_inputs_stay_linear() {
    for (name, input) in shapes() {
        let start = Instant::now();
        let _ = extract_text(&input);
        let _ = extract_html(&input);
        let took = start.elapsed();
        println!("{name}: {took:?}");
        assert!(took < Duration::from_secs(30), "{name} took {took:?}");
    }
}

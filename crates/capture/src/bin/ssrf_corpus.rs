//! The SSRF corpus, run by `tests/ssrf.rs` inside `unshare -rn` (a network namespace
//! with only loopback, where the harness has put forbidden addresses such as 10.0.0.1
//! and 169.254.169.254 on `lo`). It listens on those forbidden addresses, captures every
//! corpus URL (directly, and as a redirect from an allowed server), and prints one JSON
//! line per case and a summary. It proves refusal happened before any connection:
//! the forbidden listeners must have accepted nothing, and a final control connection
//! shows they were reachable, so a broken guard would have been caught.
//!
//! It refuses to run outside such a namespace, so it can never send traffic off the
//! machine.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use truyvet_capture::{CaptureOptions, NetworkPolicy, Resolve, WarcWriter, capture};

const ALLOWED: &str = "127.8.8.8:8080";

/// URLs refused when asked for directly.
const DIRECT: &[&str] = &[
    "http://127.0.0.1/",
    "http://127.0.0.2/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0x7f.0.0.1/",
    "http://0177.0.0.1/",
    "http://0177.0.0.01/",
    "http://127.1/",
    "http://127.0.1/",
    "http://0/",
    "http://0.0.0.0/",
    "http://localhost/",
    "http://localhost./",
    "http://LOCALHOST:80/",
    "http://shop.localhost/",
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[::127.0.0.1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[2002:7f00:1::1]/",
    "http://[fe80::1%25lo]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[fd00:ec2::254]/",
    "http://10.0.0.1/",
    "http://167772161/",
    "http://0xa.0.0.1/",
    "http://012.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/",
    "http://0xa9.0xfe.0xa9.0xfe/",
    "http://169.254.43518/",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://255.255.255.255/",
    "http://198.18.0.1/",
    "http://192.0.2.1/",
    "https://127.0.0.1/",
    "https://10.0.0.1/",
    "http://evil.example/",
    "http://meta.example/",
    "http://mixed.example/",
    "http://v6.example/",
    "http://mapped.example/",
    "http://evil.example./",
    "file:///etc/passwd",
    "gopher://127.0.0.1:70/",
    "ftp://10.0.0.1/",
];

/// Targets the allowed server redirects to.
const VIA_REDIRECT: &[&str] = &[
    "http://127.0.0.2/",
    "http://127.0.0.1:80/",
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://2130706433/",
    "http://2852039166/",
    "http://0x7f.1/",
    "http://localhost/",
    "http://evil.example/",
    "https://10.0.0.1/",
    "//127.0.0.1/",
    "//10.0.0.1:8080/",
    "http://192.168.1.1/",
];

/// Listeners on forbidden addresses: any accepted connection is a guard failure.
const FORBIDDEN_LISTEN: &[&str] = &[
    "127.0.0.1:80",
    "127.0.0.1:443",
    "127.0.0.2:80",
    "10.0.0.1:80",
    "10.0.0.1:443",
    "10.0.0.1:8080",
    "169.254.169.254:80",
    "192.168.1.1:80",
    "172.16.0.1:80",
    "100.64.0.1:80",
    "[::1]:80",
];

struct FakeDns {
    rebind_calls: AtomicUsize,
}

impl Resolve for FakeDns {
    fn resolve(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        let list: Vec<&str> = match host {
            "evil.example" => vec!["10.0.0.1"],
            "meta.example" => vec!["169.254.169.254"],
            "mixed.example" => vec!["127.8.8.8", "10.0.0.1"],
            "v6.example" => vec!["::1"],
            "mapped.example" => vec!["::ffff:10.0.0.1"],
            "allowed.example" => vec!["127.8.8.8"],
            // First answer allowed, every later answer forbidden (DNS rebinding).
            "rebind.example" => {
                if self.rebind_calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    vec!["127.8.8.8"]
                } else {
                    vec!["10.0.0.1"]
                }
            }
            _ => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "NXDOMAIN",
                ));
            }
        };
        Ok(list.iter().filter_map(|s| s.parse().ok()).collect())
    }
}

fn listen_counting(addr: &str) -> std::io::Result<Arc<AtomicUsize>> {
    let l = TcpListener::bind(addr)?;
    let n = Arc::new(AtomicUsize::new(0));
    let c = n.clone();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            c.fetch_add(1, Ordering::SeqCst);
            drop(s);
        }
    });
    Ok(n)
}

/// The allowed server: `/r/<i>` redirects to `VIA_REDIRECT[i]`, `/ok` is a page.
fn start_allowed_server() -> std::io::Result<Arc<AtomicUsize>> {
    let l = TcpListener::bind(ALLOWED)?;
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            h.fetch_add(1, Ordering::SeqCst);
            let mut buf = Vec::new();
            let mut b = [0u8; 1];
            while !buf.ends_with(b"\r\n\r\n") && s.read(&mut b).map(|n| n == 1).unwrap_or(false) {
                buf.push(b[0]);
            }
            let req = String::from_utf8_lossy(&buf);
            let path = req.split(' ').nth(1).unwrap_or("/");
            let resp = match path
                .strip_prefix("/r/")
                .and_then(|i| i.parse::<usize>().ok())
            {
                Some(i) if i < VIA_REDIRECT.len() => format!(
                    "HTTP/1.1 302 Found\r\nLocation: {}\r\nContent-Length: 0\r\n\r\n",
                    VIA_REDIRECT[i]
                ),
                _ => "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
                    .to_string(),
            };
            let _ = s.write_all(resp.as_bytes());
        }
    });
    Ok(hits)
}

/// The interfaces of this process's network namespace (`/proc/self/net/dev` is per
/// namespace; `/sys/class/net` is not, unless sysfs is remounted).
fn only_loopback() -> bool {
    match std::fs::read_to_string("/proc/self/net/dev") {
        Ok(dev) => dev
            .lines()
            .skip(2)
            .filter_map(|l| l.split(':').next())
            .all(|name| name.trim() == "lo"),
        Err(_) => false,
    }
}

fn main() -> ExitCode {
    if !only_loopback() {
        eprintln!("refusing to run: this must run inside `unshare -rn` (only `lo` may exist)");
        return ExitCode::from(2);
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tokio: {e}");
            return ExitCode::from(2);
        }
    };
    rt.block_on(run())
}

async fn run() -> ExitCode {
    let mut listeners = BTreeMap::new();
    for a in FORBIDDEN_LISTEN {
        match listen_counting(a) {
            Ok(n) => {
                listeners.insert(*a, n);
            }
            Err(e) => {
                eprintln!("cannot listen on {a}: {e} (did the harness add the address to lo?)");
                return ExitCode::from(2);
            }
        }
    }
    let allowed_hits = match start_allowed_server() {
        Ok(h) => h,
        Err(e) => {
            eprintln!("cannot listen on {ALLOWED}: {e}");
            return ExitCode::from(2);
        }
    };
    let dns = Arc::new(FakeDns {
        rebind_calls: AtomicUsize::new(0),
    });
    let allow_only_test_server = |p: NetworkPolicy| p.allow("127.8.8.8/32");
    let policy = match allow_only_test_server(NetworkPolicy::default().with_resolver(dns.clone())) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let opts = CaptureOptions {
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(5),
        ..CaptureOptions::default()
    };
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };

    let mut cases: Vec<(String, Option<&str>)> =
        DIRECT.iter().map(|u| (u.to_string(), None)).collect();
    for (i, target) in VIA_REDIRECT.iter().enumerate() {
        cases.push((format!("http://{ALLOWED}/r/{i}"), Some(*target)));
    }
    let mut all_ok = true;
    let mut refused = 0;
    for (i, (url, redirect_to)) in cases.iter().enumerate() {
        let before: usize = listeners.values().map(|n| n.load(Ordering::SeqCst)).sum();
        let path = dir.path().join(format!("{i}.warc.gz"));
        let mut w = match WarcWriter::create(&path) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
        let res = capture(url, &opts, &policy, &mut w).await;
        let after: usize = listeners.values().map(|n| n.load(Ordering::SeqCst)).sum();
        let (code, message, hops) = match &res {
            Ok(c) => ("captured".to_string(), c.final_url.clone(), c.hops.len()),
            Err(e) => (e.code.to_string(), e.message.clone(), 0),
        };
        let ok_refusal = matches!(&res, Err(e) if e.code.is_policy_refusal()) && after == before;
        if ok_refusal {
            refused += 1;
        } else {
            all_ok = false;
        }
        println!(
            "{}",
            json!({"case": i, "url": url, "redirect_to": redirect_to, "outcome": code,
                   "message": message, "hops": hops, "refused_before_connect": ok_refusal,
                   "forbidden_connections_during_case": after - before})
        );
    }

    // DNS rebinding: the name is resolved once per hop and only that answer is used.
    let rebind = capture("http://rebind.example:8080/ok", &opts, &policy, &mut {
        match WarcWriter::create(dir.path().join("rebind.warc.gz")) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        }
    })
    .await;
    let rebind_addr = rebind.as_ref().ok().map(|c| c.server_addr);
    let rebind_ok = rebind_addr == Some(SocketAddr::from(([127, 8, 8, 8], 8080)))
        && dns.rebind_calls.load(Ordering::SeqCst) == 1;
    all_ok &= rebind_ok;

    // Controls: the allowed server was really reached, and every forbidden listener
    // was reachable (so zero accepts above means the guard stopped the connection).
    let accepted_during_corpus: BTreeMap<&str, usize> = listeners
        .iter()
        .map(|(a, n)| (*a, n.load(Ordering::SeqCst)))
        .collect();
    all_ok &= accepted_during_corpus.values().all(|n| *n == 0);
    let mut control_reachable = BTreeMap::new();
    for (a, n) in &listeners {
        let reached = a
            .parse::<SocketAddr>()
            .ok()
            .and_then(|sa| TcpStream::connect_timeout(&sa, Duration::from_secs(1)).ok())
            .is_some();
        // The accept thread counts the connection when it gets scheduled; on a busy
        // machine that can take a while, so wait for it (bounded) instead of guessing.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while reached && n.load(Ordering::SeqCst) == 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let ok = reached && n.load(Ordering::SeqCst) >= 1;
        all_ok &= ok;
        control_reachable.insert(*a, ok);
    }
    let allowed = allowed_hits.load(Ordering::SeqCst);
    all_ok &= allowed > VIA_REDIRECT.len();

    println!(
        "{}",
        json!({"summary": true, "total": cases.len(), "refused": refused,
               "accepted_during_corpus": accepted_during_corpus,
               "control_reachable": control_reachable,
               "allowed_server_hits": allowed,
               "rebind": {"ok": rebind_ok, "server_addr": rebind_addr.map(|a| a.to_string()),
                          "resolver_calls": dns.rebind_calls.load(Ordering::SeqCst)},
               "all_ok": all_ok})
    );
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

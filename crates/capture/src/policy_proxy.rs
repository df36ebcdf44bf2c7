//! The network policy for Chromium. A captured page is hostile: its images, scripts and
//! redirects could make the browser reach the cloud-metadata address or a server on the
//! investigator's internal network. So a browser capture sends *all* its traffic
//! (loopback included, `<-loopback>`) through this small forward proxy on 127.0.0.1,
//! which checks every destination with the same [`NetworkPolicy`] as the HTTP capture,
//! connects only to the address it checked, and refuses the rest with 403 before any
//! connection is made. Refused URLs are reported so the capture can record them.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::policy::NetworkPolicy;

const MAX_HEAD: usize = 64 * 1024;

/// A running proxy; it stops when dropped.
pub struct PolicyProxy {
    addr: SocketAddr,
    refused: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl PolicyProxy {
    /// Listens on an ephemeral loopback port.
    pub async fn start(policy: NetworkPolicy) -> std::io::Result<PolicyProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let refused = Arc::new(Mutex::new(Vec::new()));
        let policy = Arc::new(policy);
        let log = refused.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let policy = policy.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let _ = serve(client, &policy, &log).await;
                });
            }
        });
        Ok(PolicyProxy {
            addr,
            refused,
            task,
        })
    }

    /// For Chromium's `--proxy-server`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the policy refused so far, as `URL: reason`.
    pub fn refused(&self) -> Vec<String> {
        self.refused.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for PolicyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut client: TcpStream,
    policy: &NetworkPolicy,
    refused: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let (head, rest) = read_head(&mut client).await?;
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (method, target, version) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or("HTTP/1.1"),
    );
    let tunnel = method.eq_ignore_ascii_case("CONNECT");
    let url = if tunnel {
        format!("https://{target}/")
    } else {
        target.to_string()
    };

    // The policy resolves names; keep that off the proxy's event loop.
    let check_policy = policy.clone();
    let check_url = url.clone();
    let checked = tokio::task::spawn_blocking(move || check_policy.check_url(&check_url))
        .await
        .map_err(std::io::Error::other)?;
    let target_addr = match checked {
        Ok(t) => t.addrs.first().copied(),
        Err(e) => {
            if let Ok(mut r) = refused.lock() {
                r.push(format!("{url}: {}", e.message));
            }
            None
        }
    };
    let Some(addr) = target_addr else {
        client
            .write_all(b"HTTP/1.1 403 Forbidden\r\nX-TruyVet-Refused: network policy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await?;
        return Ok(());
    };
    let mut upstream = match TcpStream::connect(addr).await {
        Ok(s) => s,
        Err(_) => {
            client
                .write_all(
                    b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await?;
            return Ok(());
        }
    };
    if tunnel {
        client
            .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await?;
        upstream.write_all(&rest).await?;
    } else {
        // Origin-form request line, and one request per connection: Chromium may reuse
        // a proxy connection for another host, which must be checked too.
        let origin_form = url::Url::parse(target)
            .map(|u| {
                let mut t = u.path().to_string();
                if let Some(q) = u.query() {
                    t.push('?');
                    t.push_str(q);
                }
                t
            })
            .unwrap_or_else(|_| "/".into());
        let mut forwarded = format!("{method} {origin_form} {version}\r\n");
        for line in lines {
            if line.is_empty() {
                continue;
            }
            let name = line.split(':').next().unwrap_or_default().trim();
            if name.eq_ignore_ascii_case("proxy-connection")
                || name.eq_ignore_ascii_case("connection")
            {
                continue;
            }
            forwarded.push_str(line);
            forwarded.push_str("\r\n");
        }
        forwarded.push_str("Connection: close\r\n\r\n");
        upstream.write_all(forwarded.as_bytes()).await?;
        upstream.write_all(&rest).await?;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    Ok(())
}

/// The request head up to and including the blank line, and whatever came after it.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buf.split_off(end + 4);
            buf.truncate(end);
            return Ok((buf, rest));
        }
        if buf.len() > MAX_HEAD {
            return Err(std::io::Error::other("request head too large"));
        }
    }
}

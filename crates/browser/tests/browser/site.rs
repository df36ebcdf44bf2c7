//! A loopback test site: a Vietnamese marketplace-like listing with images, a fetch()
//! call, lazy images loaded only on scroll, a page that never finishes loading, a very
//! tall page, a redirect, a 404, a server that never answers, and pages for the capture
//! browser. Plain `std::net`, one thread per connection, `Connection: close`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Magenta block at the top of the listing and the tall page.
pub const TOP_COLOUR: [u8; 3] = [255, 0, 255];
/// Cyan block at the very bottom of the listing: only in a full-page screenshot.
pub const BOTTOM_COLOUR: [u8; 3] = [0, 255, 255];

pub const LISTING_TITLE: &str = "Đồng hồ Rolex Submariner giá rẻ — Chợ Phố Cổ";
pub const SELLER_TEXT: &str = "Người bán: Nguyễn Văn Đức, SĐT 0912 345 678";
pub const API_NOTE: &str = "Đã bán 1.234 chiếc — dữ liệu từ máy chủ";
pub const SCRIPT_NOTE: &str = "Văn bản chèn bởi kịch bản sau sự kiện load";

const LISTING_HTML: &str = r#"<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<title>Đồng hồ Rolex Submariner giá rẻ — Chợ Phố Cổ</title>
<link rel="stylesheet" href="/style.css">
</head><body>
<h1>Đồng hồ đeo tay nam — hàng xách tay, không rõ nguồn gốc</h1>
<div id="top-block"></div>
<p id="seller">Người bán: Nguyễn Văn Đức, SĐT 0912 345 678</p>
<p>Giá: 1.250.000 ₫ — Số tài khoản Vietcombank 0123456789</p>
<img src="/img/logo.png" width="64" height="64" alt="biểu tượng">
<div id="api-result"></div>
<div class="spacer"></div>
<img class="lazy" data-src="/lazy/1.png" width="200" height="150" alt="ảnh 1">
<img class="lazy" data-src="/lazy/2.png" width="200" height="150" alt="ảnh 2">
<div id="bottom-block"></div>
<script src="/app.js"></script>
</body></html>
"#;

const STYLE_CSS: &str = "body { margin: 0; font-family: sans-serif; background: #fff; }\n\
#top-block { width: 600px; height: 300px; background: #ff00ff; }\n\
#bottom-block { width: 600px; height: 200px; background: #00ffff; }\n\
.spacer { height: 3000px; }\n\
img.lazy { display: block; }\n";

/// The lazy images load on scroll only (a scroll handler, as many marketplaces do), so
/// nothing but our scrolling can request them.
const APP_JS: &str = r#"
fetch('/api/listing.json').then(r => r.json()).then(d => {
  document.getElementById('api-result').textContent = d.note;
});
function loadVisible() {
  for (const img of document.querySelectorAll('img.lazy[data-src]')) {
    if (img.getBoundingClientRect().top < window.innerHeight) {
      img.src = img.dataset.src;
      img.removeAttribute('data-src');
    }
  }
}
window.addEventListener('scroll', loadVisible);
window.addEventListener('load', () => setTimeout(() => {
  const p = document.createElement('p');
  p.id = 'after-load';
  p.textContent = 'Văn bản chèn bởi kịch bản sau sự kiện load';
  document.body.appendChild(p);
}, 0));
"#;

const API_JSON: &str = r#"{"note":"Đã bán 1.234 chiếc — dữ liệu từ máy chủ","id":42}"#;

const HANG_HTML: &str = r#"<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Trang không bao giờ tải xong</title></head><body>
<h1>Trang đang tải mãi</h1><div style="width:300px;height:200px;background:#ff00ff"></div>
<img src="/never.png" alt="không bao giờ đến">
</body></html>
"#;

const TALL_HTML: &str = r#"<!doctype html><html><head><meta charset="utf-8"><title>Trang rất dài</title>
<style>body{margin:0} #top-block{width:600px;height:300px;background:#ff00ff} .tall{height:30000px}</style>
</head><body><div id="top-block"></div><div class="tall">Cuộn mãi không hết</div></body></html>
"#;

const PAGE2_HTML: &str = r#"<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Trang thứ hai</title></head><body><h1>Cửa hàng thứ hai: giày giả nhãn hiệu</h1>
<img src="/img/logo.png" width="64" height="64"></body></html>
"#;

const SPA_HTML: &str = r#"<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Ứng dụng một trang</title></head><body><h1>Danh mục sản phẩm</h1>
<script>
window.addEventListener('load', () => setTimeout(() => {
  history.pushState({}, '', '/spa/item-42');
  document.querySelector('h1').textContent = 'Sản phẩm số 42';
}, 300));
</script></body></html>
"#;

enum Reply {
    Ok(&'static str, Vec<u8>),
    Status(u16, &'static str, Vec<(String, String)>, Vec<u8>),
    /// Headers and a few bytes, then nothing until the test process ends.
    Stall,
    /// Never a single byte.
    Silent,
}

/// A running test site.
pub struct Site {
    pub port: u16,
    served: Arc<Mutex<Vec<String>>>,
}

impl Site {
    pub fn start() -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = Arc::new(Mutex::new(Vec::new()));
        let log = served.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let log = log.clone();
                std::thread::spawn(move || serve(stream, &log));
            }
        });
        Site { port, served }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Paths requested so far.
    pub fn served(&self) -> Vec<String> {
        self.served.lock().unwrap().clone()
    }
}

/// The bytes the site serves at `path` with status 200 (what a captured body must equal).
pub fn content(path: &str) -> Option<Vec<u8>> {
    match route(path) {
        Reply::Ok(_, body) => Some(body),
        _ => None,
    }
}

fn png_image(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    let pixels: Vec<u8> = rgb
        .iter()
        .copied()
        .cycle()
        .take((width * height * 3) as usize)
        .collect();
    writer.write_image_data(&pixels).unwrap();
    writer.finish().unwrap();
    out
}

fn route(path: &str) -> Reply {
    let html = "text/html; charset=utf-8";
    match path {
        "/cho" => Reply::Ok(html, LISTING_HTML.into()),
        "/style.css" => Reply::Ok("text/css", STYLE_CSS.into()),
        "/app.js" => Reply::Ok("application/javascript", APP_JS.into()),
        "/api/listing.json" => Reply::Ok("application/json", API_JSON.into()),
        "/img/logo.png" => Reply::Ok("image/png", png_image(64, 64, [200, 30, 30])),
        "/lazy/1.png" => Reply::Ok("image/png", png_image(200, 150, [30, 160, 30])),
        "/lazy/2.png" => Reply::Ok("image/png", png_image(200, 150, [30, 30, 160])),
        "/hang" => Reply::Ok(html, HANG_HTML.into()),
        "/never.png" => Reply::Stall,
        "/silent" => Reply::Silent,
        "/tall" => Reply::Ok(html, TALL_HTML.into()),
        "/page2" => Reply::Ok(html, PAGE2_HTML.into()),
        "/spa" => Reply::Ok(html, SPA_HTML.into()),
        "/go" => Reply::Status(
            302,
            "Found",
            vec![("Location".into(), "/cho".into())],
            Vec::new(),
        ),
        "/favicon.ico" => Reply::Status(404, "Not Found", Vec::new(), Vec::new()),
        _ => Reply::Status(
            404,
            "Not Found",
            vec![("Content-Type".into(), html.into())],
            "<!doctype html><title>Không tìm thấy</title><p>Không tìm thấy trang</p>".into(),
        ),
    }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line.split(' ').nth(1).unwrap_or("/").to_string();
    log.lock().unwrap().push(path.clone());
    let mut stream = stream;
    let (status, reason, mut headers, body) = match route(&path) {
        Reply::Ok(kind, body) => (
            200,
            "OK",
            vec![("Content-Type".to_string(), kind.to_string())],
            body,
        ),
        Reply::Status(status, reason, headers, body) => (status, reason, headers, body),
        Reply::Stall => {
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 5000\r\n\r\n\x89PNG",
            );
            let _ = stream.flush();
            std::thread::sleep(Duration::from_secs(600));
            return;
        }
        Reply::Silent => {
            std::thread::sleep(Duration::from_secs(600));
            return;
        }
    };
    headers.push(("Content-Length".into(), body.len().to_string()));
    headers.push(("X-Test-Site".into(), "cho-pho-co".into()));
    headers.push(("Connection".into(), "close".into()));
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in &headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
    let _ = stream.flush();
}

/// Headers of a request, by lower-cased name (test convenience).
#[allow(dead_code)]
pub fn header_map(headers: &[(String, String)]) -> HashMap<String, String> {
    headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect()
}

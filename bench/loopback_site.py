#!/usr/bin/env python3
"""A generated Vietnamese marketplace-like site, and a loopback server for it.

Shared by capture_http.py and capture_browser.py (Python 3.11 standard library only).

- `generate(root, count)` writes `count` listing pages (p0001.html …) of about 20–60 KB
  each, a stylesheet and a few small PNG images into `root`. A fixed seed makes the site
  the same from run to run. Page 777 (when generated) is the only one containing
  MARKER_WORD, so a search can prove that this page was indexed.
- `python3 bench/loopback_site.py serve DIR` serves DIR on 127.0.0.1 with an OS-chosen port (printed
  on the first line of stdout), HTTP/1.1 with keep-alive, no request logging, until it is
  killed. It runs as its own process so that the server's CPU time is not shared with the
  measuring script's interpreter.
"""

from __future__ import annotations

import functools
import random
import struct
import subprocess
import sys
import zlib
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MARKER_PAGE = 777
MARKER_WORD = "kỳlânđỏthẫm"  # one made-up word, only on page 777
MARKER_QUERY = "kylandotham"  # the same word typed without diacritics (đ→d)

PRODUCTS = [
    "Đồng hồ nam dây da", "Túi xách nữ da thật", "Giày thể thao chạy bộ", "Nước hoa Pháp 100ml",
    "Kem chống nắng SPF50", "Áo khoác gió unisex", "Tai nghe không dây", "Sạc dự phòng 20000mAh",
    "Bình giữ nhiệt inox", "Mỹ phẩm dưỡng da Hàn Quốc", "Kính mát phân cực", "Ví cầm tay nam",
    "Sữa bột cho bé", "Thực phẩm chức năng", "Rượu vang nhập khẩu", "Điện thoại cũ like new",
    "Ốp lưng điện thoại", "Son môi lì", "Dầu gội thảo dược", "Nồi chiên không dầu",
]
BRANDS = ["Rolex", "Gucci", "Nike", "Chanel", "Adidas", "Apple", "Samsung", "Dior", "Louis Vuitton", "Casio"]
SHOPS = ["Shop Hàng Hiệu Giá Rẻ", "Kho Sỉ Quảng Châu", "Tiệm Nhà Mây", "Hàng Xách Tay Nhật", "Outlet Sài Gòn",
         "Đại Lý Chính Hãng 24h", "Thế Giới Đồng Hồ", "Mỹ Phẩm Chị Hằng"]
CITIES = ["Hà Nội", "TP. Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Bắc Ninh", "Lạng Sơn", "Móng Cái"]
NAMES = ["Nguyễn Thị Lan", "Trần Văn Hùng", "Lê Minh Tuấn", "Phạm Thu Hà", "Hoàng Đức Anh", "Vũ Ngọc Mai",
         "Đặng Quốc Bảo", "Bùi Thanh Tâm", "Đỗ Hải Yến", "Ngô Gia Huy"]
WORDS = (
    "hàng chính hãng cam kết hoàn tiền nếu phát hiện hàng giả giao nhanh toàn quốc miễn phí vận chuyển "
    "đơn từ 300k bảo hành mười hai tháng đổi trả trong bảy ngày sản phẩm mới nguyên hộp tem chống hàng giả "
    "giá sốc hôm nay số lượng có hạn liên hệ zalo để được tư vấn chất lượng tuyệt vời đóng gói cẩn thận "
    "shop phản hồi nhanh giống hình mô tả hàng loại một xuất xứ nhập khẩu kiểm tra trước khi thanh toán "
    "khuyến mãi đặc biệt cuối tuần mua hai tặng một thương hiệu nổi tiếng được nhiều khách hàng tin dùng"
).split()

STYLE = """body{font-family:'Noto Sans',sans-serif;margin:0;background:#f5f5f5;color:#222}
header{background:#ee4d2d;color:#fff;padding:12px 24px}main{max-width:1100px;margin:0 auto;padding:16px}
.product{display:flex;gap:24px;background:#fff;padding:16px}.price{color:#ee4d2d;font-size:28px}
.grid{display:grid;grid-template-columns:repeat(4,1fr);gap:12px}.card{background:#fff;padding:8px}
.review{background:#fff;margin:8px 0;padding:12px;border-bottom:1px solid #eee}img{max-width:100%}
"""


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small solid-colour PNG with a darker diagonal band (so it is not blank)."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            band = abs(x - y) < width // 8
            rows += bytes(c // 2 if band else c for c in rgb)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b"")


def page(n: int, count: int, rng: random.Random) -> str:
    product = rng.choice(PRODUCTS)
    brand = rng.choice(BRANDS)
    shop = rng.choice(SHOPS)
    price = rng.randrange(99, 9_999) * 1000
    target = rng.randrange(20_000, 60_000)

    def sentence(k: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(k)).capitalize() + "."

    parts = [
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">",
        f"<title>{product} {brand} – {shop} – mã SP{n:04d}</title>",
        "<link rel=\"stylesheet\" href=\"/style.css\"></head><body>",
        f"<header><b>ChợMạng</b> · {rng.choice(CITIES)}</header><main>",
        f"<div class=\"product\"><img src=\"/img/{n % 8}.png\" width=\"320\" height=\"320\" alt=\"{product}\">",
        f"<div><h1>{product} {brand} mã SP{n:04d}</h1><p class=\"price\">{price:,}₫".replace(",", "."),
        f"</p><p>Cửa hàng: <b>{shop}</b> · Đã bán {rng.randrange(10, 9000)} · "
        f"Đánh giá {rng.randrange(30, 50) / 10} / 5</p>",
        f"<p>{sentence(40)}</p></div></div>",
    ]
    if n == MARKER_PAGE:
        parts.append(f"<p>Ghi chú của người bán: mẫu {MARKER_WORD} chỉ có ở cửa hàng này.</p>")
    parts.append("<h2>Mô tả sản phẩm</h2>")
    for _ in range(6):
        parts.append(f"<p>{sentence(rng.randrange(30, 70))}</p>")
    parts.append("<h2>Sản phẩm tương tự</h2><div class=\"grid\">")
    for k in range(8):
        other = (n + k * 37) % count + 1
        parts.append(
            f"<div class=\"card\"><a href=\"/p{other:04d}.html\">{rng.choice(PRODUCTS)} {rng.choice(BRANDS)}</a>"
            f"<br>{rng.randrange(99, 9999) * 1000:,}₫</div>".replace(",", ".")
        )
    parts.append("</div><h2>Đánh giá của khách hàng</h2>")
    size = sum(len(p.encode()) for p in parts)
    k = 0
    while size < target:
        block = (
            f"<div class=\"review\"><b>{rng.choice(NAMES)}</b> · {rng.randrange(1, 29)}/"
            f"{rng.randrange(1, 13)}/2026 · {'★' * rng.randrange(1, 6)}<p>{sentence(rng.randrange(15, 60))}</p>"
        )
        if k % 10 == 9:  # a lazy-loaded photo every tenth review, as marketplaces do
            block += f"<img loading=\"lazy\" src=\"/img/{(n + k) % 8}.png\" width=\"160\" height=\"160\" alt=\"ảnh\">"
        block += "</div>"
        parts.append(block)
        size += len(block.encode())
        k += 1
    parts.append("</main></body></html>\n")
    return "".join(parts)


def generate(root: Path, count: int) -> list[str]:
    """Writes the site and returns the page paths (`/p0001.html` …) in order."""
    rng = random.Random(20261128)
    (root / "img").mkdir(parents=True, exist_ok=True)
    (root / "style.css").write_text(STYLE, encoding="utf-8")
    for i in range(8):
        colour = (rng.randrange(60, 250), rng.randrange(60, 250), rng.randrange(60, 250))
        (root / "img" / f"{i}.png").write_bytes(png(160, 160, colour))
    paths = []
    for n in range(1, count + 1):
        name = f"p{n:04d}.html"
        (root / name).write_text(page(n, count, rng), encoding="utf-8")
        paths.append("/" + name)
    return paths


class Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real marketplaces offer
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm
    # and the client's delayed ACK would stall every response on a kept-alive connection
    # by ~40 ms (it slowed wget, which reuses its connection, to 50 ms a page).
    disable_nagle_algorithm = True
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".html": "text/html; charset=utf-8"}

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


def serve(root: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


def start_server(root: Path) -> tuple[subprocess.Popen, int]:
    """Starts `loopback_site.py serve root` and returns the process and its port."""
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "serve", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    line = proc.stdout.readline().decode().strip()
    if not line.isdigit():
        proc.kill()
        raise RuntimeError("the loopback server did not start")
    return proc, int(line)


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(Path(sys.argv[2]))
    else:
        sys.exit("usage: loopback_site.py serve DIR")

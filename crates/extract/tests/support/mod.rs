//! The labelled corpus, generated: Vietnamese marketplace, social and shop pages with
//! the identifiers each one holds (ground truth written by the generator, not by the
//! extractor), decoys that must not be reported (order numbers, dates, hotlines, prices
//! next to phone-like numbers, numbers in scripts and comments), several encodings
//! (UTF-8, Windows-1258, TCVN3), and QR images (VietQR, bad CRC, other EMVCo, text;
//! rotated, noisy, scaled, JPEG). Seeded, so every run tests the same corpus.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use truyvet_extract::Kind;

pub mod images;

/// A small deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

pub type Truth = BTreeSet<(Kind, String)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1258 { declared: bool },
    Tcvn3 { declared_latin: bool },
}

pub struct Page {
    pub name: String,
    pub html: bool,
    pub encoding: Encoding,
    pub bytes: Vec<u8>,
    pub truth: Truth,
}

const MOBILE: &[&str] = &[
    "32", "33", "34", "35", "36", "37", "38", "39", "56", "58", "59", "70", "76", "77", "78", "79",
    "81", "82", "83", "84", "85", "86", "88", "89", "90", "91", "93", "94", "96", "97", "98",
];
const WORDS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];
const BANKS: &[(&str, &str)] = &[
    ("Vietcombank", "VCB"),
    ("VCB", "VCB"),
    ("Techcombank", "TCB"),
    ("TCB", "TCB"),
    ("MB Bank", "MB"),
    ("MBBank", "MB"),
    ("ACB", "ACB"),
    ("BIDV", "BIDV"),
    ("VietinBank", "ICB"),
    ("Agribank", "VBA"),
    ("VPBank", "VPB"),
    ("TPBank", "TPB"),
    ("Sacombank", "STB"),
    ("ngân hàng Quân đội", "MB"),
];
const NAMES: &[&str] = &[
    "NGUYEN VAN AN",
    "TRAN THI BICH",
    "LE HOANG NAM",
    "PHAM MINH TUAN",
    "VO THI HONG",
    "DANG QUOC BAO",
];
const PRODUCTS: &[&str] = &[
    "Đồng hồ nam dây da chính hãng",
    "Nước hoa nữ Chanel Coco 100ml",
    "Túi xách LV Neverfull full box",
    "Giày Nike Air Force 1 trắng",
    "Son MAC Ruby Woo auth",
    "Kem chống nắng Anessa 60ml",
    "Sữa bột Aptamil Đức số 1",
    "Tai nghe AirPods Pro 2 rep 1:1",
];
const SLUGS: &[&str] = &[
    "dong-ho-nam",
    "nuoc-hoa-nu",
    "tui-xach",
    "giay-the-thao",
    "son-moi",
    "kem-chong-nang",
];
const HANDLES: &[&str] = &[
    "donghoxin",
    "shop.nuochoa.auth",
    "tuixach_hn",
    "giaysneaker2hand",
    "my.pham.chinh.hang",
    "order.quangchau",
];
const TLDS: &[&str] = &["vn", "com.vn", "com", "shop", "net", "store", "online"];

/// A valid mobile number, national (9 digits after the 0).
pub fn mobile(r: &mut Rng) -> String {
    format!("{}{}", r.pick(MOBILE), r.digits(7))
}

fn spaced(d: &str, sizes: &[usize], sep: &str) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    for &s in sizes {
        if i >= d.len() {
            break;
        }
        out.push(&d[i..(i + s).min(d.len())]);
        i += s;
    }
    if i < d.len() {
        out.push(&d[i..]);
    }
    out.join(sep)
}

/// One written form of a mobile number. `html` allows markup tricks.
pub fn phone_form(r: &mut Rng, n: &str, html: bool, spelled_ok: bool) -> String {
    let local = format!("0{n}");
    let k = r.below(if spelled_ok { 14 } else { 11 });
    match k {
        0 => local.clone(),
        1 => spaced(&local, &[4, 3, 3], " "),
        2 => spaced(&local, &[4, 3, 3], "."),
        3 => format!("+84 {}", spaced(n, &[3, 3, 3], " ")),
        4 => format!("84{n}"),
        5 => format!("(+84) {}-{}-{}", &n[..2], &n[2..5], &n[5..]),
        6 => format!("+84{n}"),
        7 => spaced(&local, &[4, 3, 3], "-"),
        8 => spaced(&local, &[3, 3, 4], " "),
        9 if html => format!("<span>{}</span><span>{}</span>", &local[..4], &local[4..]),
        9 => spaced(&local, &[2, 4, 4], "."),
        10 => local.replace('0', "o"),
        11 | 12 => local
            .chars()
            .map(|c| WORDS[(c as u8 - b'0') as usize])
            .collect::<Vec<_>>()
            .join(" "),
        _ => {
            // Mixed: the first four spelled, the rest in digits.
            let head: Vec<&str> = local[..4]
                .chars()
                .map(|c| WORDS[(c as u8 - b'0') as usize])
                .collect();
            format!("{} {}", head.join(" "), &local[4..])
        }
    }
}

/// A valid tax code (10 digits).
pub fn tax_code(r: &mut Rng) -> String {
    const W: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];
    loop {
        let d = format!("0{}", r.digits(8));
        let sum: u32 = d.bytes().zip(W).map(|(c, w)| u32::from(c - b'0') * w).sum();
        let check = 10 - sum % 11;
        if check < 10 {
            return format!("{d}{check}");
        }
    }
}

struct Builder<'r> {
    r: &'r mut Rng,
    html: bool,
    legacy: bool,
    parts: Vec<String>,
    truth: Truth,
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Phone,
    Landline,
    Bank,
    Wallet,
    Email,
    Website,
    Social,
    Market,
    Tax,
    Listing,
    QrText,
    Decoy,
}

impl Builder<'_> {
    fn step(&mut self, s: Step) {
        match s {
            Step::Phone => self.phone(),
            Step::Landline => self.landline(),
            Step::Bank => self.bank(),
            Step::Wallet => self.wallet(),
            Step::Email => self.email(),
            Step::Website => self.website(),
            Step::Social => self.social(),
            Step::Market => self.market(),
            Step::Tax => self.tax(),
            Step::Listing => self.listing(),
            Step::QrText => self.qr_text(),
            Step::Decoy => self.decoy(),
        }
    }

    fn add(&mut self, kind: Kind, value: impl Into<String>) {
        self.truth.insert((kind, value.into()));
    }

    fn line(&mut self, s: String) {
        self.parts
            .push(if self.html { format!("<p>{s}</p>") } else { s });
    }

    fn link(&mut self, url: &str, text: &str) -> String {
        if self.html && self.r.chance(50) {
            format!("<a href=\"{url}\">{text}</a>")
        } else {
            url.to_string()
        }
    }

    fn phone(&mut self) {
        let n = mobile(self.r);
        let intro = *self.r.pick(&[
            "Liên hệ",
            "SĐT",
            "Zalo",
            "Hotline shop",
            "Gọi ngay",
            "ĐT",
            "Điện thoại",
            "Inbox hoặc gọi",
            "Call/Zalo",
            "Alo",
        ]);
        let form = phone_form(self.r, &n, self.html, !self.legacy);
        self.add(Kind::Phone, format!("+84{n}"));
        if self.html && self.r.chance(15) {
            self.parts
                .push(format!("<a href=\"tel:0{n}\">Gọi shop</a>"));
            return;
        }
        let line = match self.r.below(6) {
            0 => format!("{intro}: {form} (Zalo)"),
            1 => {
                let other = mobile(self.r);
                self.add(Kind::Phone, format!("+84{other}"));
                format!("{intro}: {form} - 0{other}")
            }
            2 => format!("Giá sỉ 350k, {intro} {form} để được tư vấn 24/7."),
            _ => format!("{intro}: {form}"),
        };
        if line.starts_with("Giá sỉ") {
            self.add(Kind::Price, "350000");
        }
        self.line(line);
    }

    fn landline(&mut self) {
        let (area, rest) = if self.r.chance(50) {
            (self.r.pick(&["24", "28"]).to_string(), self.r.digits(8))
        } else {
            (
                self.r
                    .pick(&["236", "251", "274", "292", "203"])
                    .to_string(),
                self.r.digits(7),
            )
        };
        let written = format!(
            "(0{area}) {} {}",
            &rest[..rest.len() - 4],
            &rest[rest.len() - 4..]
        );
        self.add(Kind::Phone, format!("+84{area}{rest}"));
        self.line(format!("Cửa hàng: {written}"));
    }

    fn bank(&mut self) {
        let (bank, code) = *self.r.pick(BANKS);
        let len = 9 + self.r.below(6);
        let digits = format!("{}{}", 1 + self.r.below(9), self.r.digits(len - 1));
        let written = match self.r.below(4) {
            0 => spaced(&digits, &[4, 4, 4, 4], " "),
            1 => spaced(&digits, &[4, 4, 4, 4], "."),
            2 => spaced(&digits, &[3, 3, 3, 3, 3], "-"),
            _ => digits.clone(),
        };
        let name = *self.r.pick(NAMES);
        let s = match self.r.below(7) {
            0 => format!("STK: {written} - {bank} - {name}"),
            1 => format!("CK về {bank} {written} chủ TK {name}"),
            2 => format!("Số tài khoản {written} ngân hàng {bank}"),
            3 => format!("{bank}: {written} ({name})"),
            4 => format!("Chuyển khoản: {bank} - STK {written}"),
            5 => format!("TK {bank} {written}"),
            _ => format!(
                "Thanh toán chuyển khoản qua {bank}, số TK: {written}, chủ tài khoản {name}"
            ),
        };
        self.add(Kind::BankAccount, format!("{code}:{digits}"));
        self.line(s);
    }

    fn wallet(&mut self) {
        let n = mobile(self.r);
        let (written_name, provider) = *self.r.pick(&[
            ("MoMo", "momo"),
            ("Ví MoMo", "momo"),
            ("ZaloPay", "zalopay"),
            ("Viettel Money", "viettel_money"),
            ("ShopeePay", "shopeepay"),
        ]);
        let form = phone_form(self.r, &n, false, false);
        let s = if self.r.chance(30) {
            format!("Nhận tiền qua {form} ({written_name})")
        } else {
            format!("{written_name}: {form}")
        };
        self.add(Kind::Ewallet, format!("{provider}:+84{n}"));
        self.line(s);
    }

    fn email(&mut self) {
        let user = format!(
            "{}{}",
            self.r.pick(&["shop", "banhang", "order", "lienhe", "cskh"]),
            self.r.digits(3)
        );
        let dom = *self.r.pick(&["gmail.com", "yahoo.com.vn", "outlook.com"]);
        let e = format!("{user}@{dom}");
        self.add(Kind::Email, e.clone());
        if self.html && self.r.chance(30) {
            self.parts
                .push(format!("<a href=\"mailto:{e}\">Gửi email cho shop</a>"));
        } else {
            let shown = if self.r.chance(30) {
                e.to_uppercase()
            } else {
                e
            };
            self.line(format!("Email: {shown}"));
        }
    }

    fn website(&mut self) {
        let tld = *self.r.pick(TLDS);
        let dom = format!(
            "{}{}.{tld}",
            self.r
                .pick(&["dongho", "nuochoa", "tuixach", "giaydep", "mypham"]),
            self.r.digits(2)
        );
        self.add(Kind::Domain, dom.clone());
        if self.r.chance(35) {
            self.line(format!("Xem thêm mẫu mới tại {dom} nhé"));
            return;
        }
        let url = format!("https://www.{dom}/san-pham/{}", self.r.pick(SLUGS));
        self.add(Kind::Url, url.clone());
        let l = self.link(&url, "Website của shop");
        self.line(format!("Website: {l}"));
    }

    fn social(&mut self) {
        let h = *self.r.pick(HANDLES);
        let (url, profile, domain) = match self.r.below(6) {
            0 => (
                format!("https://www.facebook.com/{h}"),
                format!("facebook:{h}"),
                "facebook.com",
            ),
            1 => {
                let id = format!("1000{}", self.r.digits(11));
                (
                    format!("https://www.facebook.com/profile.php?id={id}"),
                    format!("facebook:{id}"),
                    "facebook.com",
                )
            }
            2 => {
                let n = mobile(self.r);
                self.add(Kind::Phone, format!("+84{n}"));
                (
                    format!("https://zalo.me/0{n}"),
                    format!("zalo:+84{n}"),
                    "zalo.me",
                )
            }
            3 => (
                format!("https://www.tiktok.com/@{h}"),
                format!("tiktok:@{h}"),
                "tiktok.com",
            ),
            4 => (
                format!("https://t.me/{}", h.replace('.', "_")),
                format!("telegram:{}", h.replace('.', "_")),
                "t.me",
            ),
            _ => (
                format!("https://instagram.com/{h}"),
                format!("instagram:{h}"),
                "instagram.com",
            ),
        };
        self.add(Kind::Url, url.clone());
        self.add(Kind::Domain, domain);
        self.add(Kind::SocialProfile, profile);
        let l = self.link(&url, "Trang cá nhân");
        self.line(format!("Theo dõi shop: {l}"));
    }

    fn market(&mut self) {
        let slug = *self.r.pick(SLUGS);
        let k = self.r.below(7);
        let (url, domain) = match k {
            0 => {
                let (shop, item) = (
                    self.r.digits(9).replacen('0', "1", 1),
                    self.r.digits(11).replacen('0', "2", 1),
                );
                let shop = format!("1{}", &shop[1..]);
                let item = format!("2{}", &item[1..]);
                self.add(Kind::MarketplaceListing, format!("shopee:{shop}.{item}"));
                self.add(Kind::MarketplaceShop, format!("shopee:{shop}"));
                (
                    format!("https://shopee.vn/{slug}-i.{shop}.{item}"),
                    "shopee.vn",
                )
            }
            1 => {
                let user = format!(
                    "{}{}",
                    self.r.pick(&["dongho", "nuochoa", "tuixach"]),
                    self.r.digits(3)
                );
                self.add(Kind::MarketplaceShop, format!("shopee:{user}"));
                (format!("https://shopee.vn/{user}"), "shopee.vn")
            }
            2 => {
                let item = format!("1{}", self.r.digits(9));
                self.add(Kind::MarketplaceListing, format!("lazada:{item}"));
                (
                    format!(
                        "https://www.lazada.vn/products/{slug}-i{item}-s{}.html",
                        self.r.digits(10)
                    ),
                    "lazada.vn",
                )
            }
            3 => {
                let id = format!("2{}", self.r.digits(7));
                self.add(Kind::MarketplaceListing, format!("tiki:{id}"));
                (format!("https://tiki.vn/{slug}-p{id}.html"), "tiki.vn")
            }
            4 => {
                let id = format!("3{}", self.r.digits(7));
                self.add(Kind::MarketplaceListing, format!("sendo:{id}"));
                (format!("https://www.sendo.vn/{slug}-{id}.html"), "sendo.vn")
            }
            5 => {
                let id = format!("17{}", self.r.digits(17));
                self.add(Kind::MarketplaceListing, format!("tiktokshop:{id}"));
                (
                    format!("https://shop.tiktok.com/view/product/{id}"),
                    "tiktok.com",
                )
            }
            _ => {
                let s = format!(
                    "{}-official",
                    self.r.pick(&["dongho", "nuochoa", "tuixach"])
                );
                self.add(Kind::MarketplaceShop, format!("lazada:{s}"));
                (format!("https://www.lazada.vn/shop/{s}"), "lazada.vn")
            }
        };
        self.add(Kind::Url, url.clone());
        self.add(Kind::Domain, domain);
        let l = self.link(&url, "Mua tại đây");
        self.line(format!("Link sản phẩm: {l}"));
    }

    fn tax(&mut self) {
        let code = tax_code(self.r);
        let (written, value) = match self.r.below(3) {
            0 => (code.clone(), code.clone()),
            1 => (format!("{code}-001"), format!("{code}-001")),
            _ => (format!("{code}002"), format!("{code}-002")),
        };
        self.add(Kind::TaxCode, value);
        let intro = *self.r.pick(&["MST", "Mã số thuế", "Mã số doanh nghiệp"]);
        self.line(format!("Công ty TNHH Thương mại ABC - {intro}: {written}"));
    }

    fn listing(&mut self) {
        let thousands = 50 + self.r.below(5000);
        let value = thousands * 1000;
        let grouped = group3(value);
        let written = match self.r.below(if self.legacy { 3 } else { 5 }) {
            0 => format!("Giá: {grouped}đ"),
            1 => format!("Giá bán: {grouped} VNĐ"),
            2 => format!("giá {thousands}k"),
            3 => format!("₫{grouped}"),
            _ => format!("Giá khuyến mại {grouped}₫"),
        };
        self.add(Kind::Price, value.to_string());
        self.line(written);
        let sold = self.r.below(3);
        let (w, v) = match sold {
            0 => {
                let n = 1 + self.r.below(999);
                (format!("Đã bán {n}"), n)
            }
            1 => {
                let (a, b) = (1 + self.r.below(9), 1 + self.r.below(9));
                (format!("Đã bán {a},{b}k"), a * 1000 + b * 100)
            }
            _ => {
                let a = 1 + self.r.below(50);
                (format!("{a}k+ đã bán"), a * 1000)
            }
        };
        self.add(Kind::UnitsSold, v.to_string());
        self.line(w);
    }

    /// A VietQR payload pasted as text; sometimes with a broken CRC (no account then).
    fn qr_text(&mut self) {
        let (bin, code) = *self
            .r
            .pick(&[("970436", "VCB"), ("970422", "MB"), ("970416", "ACB")]);
        let account = format!("{}{}", 1 + self.r.below(9), self.r.digits(9));
        let payload = truyvet_extract::build_payload(bin, &account, None, None);
        if self.r.chance(25) {
            let broken = format!(
                "{}{}",
                &payload[..payload.len() - 4],
                if payload.ends_with("0000") {
                    "FFFF"
                } else {
                    "0000"
                }
            );
            self.add(Kind::QrCode, broken.clone());
            self.line(format!("Mã QR chuyển khoản: {broken}"));
        } else {
            self.add(Kind::Vietqr, format!("{code}:{account}"));
            self.line(format!("Mã QR chuyển khoản: {payload}"));
        }
    }

    /// Numbers and words that must not be reported.
    fn decoy(&mut self) {
        let n = mobile(self.r);
        let s = match self.r.below(21) {
            0 => format!("Mã đơn hàng: 0{n}"),
            1 => format!("Mã vận đơn: SPXVN0{}", self.r.digits(11)),
            2 => format!(
                "Ngày đăng: {}/{}/2026",
                1 + self.r.below(28),
                1 + self.r.below(12)
            ),
            3 => "Tổng đài CSKH: 1900 1221 - 1800 6936".to_string(),
            4 => format!("Mã SP: 0{n}"),
            5 => format!("Lượt xem: {}", group3(1_000_000 + self.r.below(8_000_000))),
            6 => format!("Số điện thoại cũ 01{} không còn dùng", self.r.digits(8)),
            7 if self.html => format!(
                "<script>var trackingId = \"0{n}\"; var p = '+84{}';</script>",
                mobile(self.r)
            ),
            7 => format!("Size 39-40-41-42, mã {}", self.r.digits(6)),
            8 if self.html => format!("<!-- SĐT cũ: 0{n} -->"),
            8 => "Giảm 50% cho đơn đầu tiên".to_string(),
            9 => format!("MST: {}", bad_tax(self.r)),
            10 => format!("Barcode: 893{}", self.r.digits(10)),
            11 => format!("Cập nhật 2026-11-{:02} lúc 14:30", 1 + self.r.below(28)),
            12 => format!("Đơn #0{n} đã giao thành công"),
            13 => format!("ID: 0{n}"),
            14 => "Giao hàng toàn quốc, Tp.HCM, Hà Nội, v.v.".to_string(),
            16 => format!("Đặt lúc {}/11/2026 09:12:34", 1 + self.r.below(28)),
            17 => format!("Mã giao dịch: FT2433{}", self.r.digits(10)),
            18 => format!("CCCD: 0012030{}", self.r.digits(5)),
            19 => format!("Số lượng còn: {} sản phẩm, kho Hà Nội", self.r.below(500)),
            _ => format!("Model XR-{} phiên bản 2.3.1", self.r.digits(4)),
        };
        if s.starts_with('<') {
            self.parts.push(s);
        } else {
            self.line(s);
        }
    }
}

fn bad_tax(r: &mut Rng) -> String {
    let good = tax_code(r);
    let last = (good.as_bytes()[9] - b'0' + 1) % 10;
    format!("{}{last}", &good[..9])
}

pub fn group3(v: usize) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// The page corpus: `n` pages, about one in six in a legacy encoding, one in five text.
pub fn pages(seed: u64, n: usize) -> Vec<Page> {
    let mut r = Rng::new(seed);
    (0..n).map(|i| page(&mut r, i)).collect()
}

fn page(r: &mut Rng, i: usize) -> Page {
    let html = i % 5 != 4;
    let encoding = match i % 12 {
        3 if html => Encoding::Windows1258 {
            declared: i % 24 == 3,
        },
        7 if html => Encoding::Tcvn3 {
            declared_latin: i % 24 == 7,
        },
        _ => Encoding::Utf8,
    };
    let legacy = encoding != Encoding::Utf8;
    let mut b = Builder {
        r,
        html,
        legacy,
        parts: Vec::new(),
        truth: Truth::new(),
    };
    let kind = i % 4; // 0 listing, 1 social post, 2 classified, 3 shop site
    let title = *b.r.pick(PRODUCTS);
    use Step::*;
    let mut steps: Vec<Step> = match kind {
        0 => vec![Listing, Market, Phone, Decoy, Decoy],
        1 => vec![Phone, Bank, Social, Wallet, Decoy, Decoy],
        2 => vec![Phone, Phone, Email, Bank, QrText, Decoy, Decoy, Decoy],
        _ => vec![Website, Tax, Landline, Email, Market, Social, Decoy],
    };
    if kind == 0 && b.r.chance(50) {
        steps.push(Bank);
    }
    // A few extra identifiers of any kind.
    let extra = [
        Phone, Bank, Wallet, Email, Website, Social, Market, Tax, Decoy,
    ];
    for _ in 0..b.r.below(3) {
        steps.push(*b.r.pick(&extra));
    }
    // Shuffle.
    for k in (1..steps.len()).rev() {
        let j = b.r.below(k + 1);
        steps.swap(k, j);
    }
    b.line(format!(
        "{title} - hàng có sẵn, giao nhanh, cam kết chất lượng."
    ));
    for step in steps {
        b.step(step);
        if b.r.chance(40) {
            b.line("Shop uy tín, đổi trả trong 7 ngày nếu lỗi do nhà sản xuất.".to_string());
        }
    }
    let body = b.parts.join("\n");
    let text = if html {
        let (meta, font) = match encoding {
            Encoding::Utf8 => ("<meta charset=\"utf-8\">", ""),
            Encoding::Windows1258 { declared: true } => (
                "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1258\">",
                "",
            ),
            Encoding::Tcvn3 {
                declared_latin: true,
            } => (
                "<meta charset=\"iso-8859-1\">",
                "<style>body{font-family:.VnTime}</style>",
            ),
            _ => ("", ""),
        };
        format!(
            "<!DOCTYPE html><html><head>{meta}<title>{title}</title>{font}<script>window.cfg={{\"hotline\":\"0{}\"}}</script></head>\
             <body><nav><a href=\"/\">Trang chủ</a> &gt; <a href=\"/c/1\">Thời trang</a></nav><main><h1>{title}</h1>\n{body}\n</main>\
             <footer><p>&copy; 2026 &middot; Hà Nội</p></footer></body></html>",
            mobile(b.r)
        )
    } else {
        format!("{title}\n\n{body}\n")
    };
    let bytes = match encoding {
        Encoding::Utf8 => text.into_bytes(),
        Encoding::Windows1258 { .. } => encode_1258(&text),
        Encoding::Tcvn3 { .. } => truyvet_extract::encode_tcvn3(&text),
    };
    Page {
        name: format!("page_{i:03}.{}", if html { "html" } else { "txt" }),
        html,
        encoding,
        bytes,
        truth: b.truth,
    }
}

/// Windows-1258 the way legacy pages wrote it: base letters from the code page, tones
/// as the code page's combining marks.
pub fn encode_1258(text: &str) -> Vec<u8> {
    use unicode_normalization::UnicodeNormalization;
    let mut out = Vec::new();
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c as u8);
            continue;
        }
        let mut tone = None;
        let mut base = String::new();
        for d in c.nfd() {
            match d {
                '\u{300}' => tone = Some(0xCC),
                '\u{301}' => tone = Some(0xEC),
                '\u{303}' => tone = Some(0xDE),
                '\u{309}' => tone = Some(0xD2),
                '\u{323}' => tone = Some(0xF2),
                other => base.push(other),
            }
        }
        let composed: String = base.nfc().collect();
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258.encode(&composed);
        if unmappable {
            out.push(b'?');
        } else {
            out.extend_from_slice(&bytes);
        }
        if let Some(t) = tone {
            out.push(t);
        }
    }
    out
}

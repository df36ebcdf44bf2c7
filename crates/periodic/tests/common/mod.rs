//! A workspace with known cases for the periodic report tests, built through the core
//! API: two profiles with keys, cases opened in chosen months (their creation time set
//! in the database before any seal, as a case opened months ago would have), web
//! captures on known platforms, sealed and referred cases, tips.

#![allow(dead_code)]

use serde_json::json;
use time::{Date, Duration, PrimitiveDateTime, Time};
use truyvet_core::IdentifierHit;
use truyvet_core::identifiers::IdKind;
use truyvet_core::model::{CaseEdit, NewCase, ProfileInput, Role, ViolationCategory};
use truyvet_core::tips::{NewTip, TipChannel, TipOutcome};
use truyvet_core::{ArtifactInput, CaptureMethod, Transition, WebCaptureInput, Workspace};

pub const INV_PASS: &str = "mật khẩu điều tra";
pub const SUP_PASS: &str = "mật khẩu kiểm soát";
pub const INVESTIGATOR: &str = "tran-van-dieu-tra";
pub const SUPERVISOR: &str = "kiem-soat";

fn input(name: &str, role: Role) -> ProfileInput {
    ProfileInput {
        display_name: name.into(),
        agency: "QLTT".into(),
        unit: "Đội 5".into(),
        province: "HN".into(),
        role,
    }
}

pub fn workspace(dir: &tempfile::TempDir) -> Workspace {
    let mut ws = Workspace::open(dir.path().join("ws")).unwrap();
    ws.save_profile(&input("Trần Văn Điều Tra", Role::Investigator))
        .unwrap();
    ws.create_profile_key(INV_PASS).unwrap();
    ws.add_profile(
        Some(SUPERVISOR),
        &input("Lê Thị Kiểm Soát", Role::Supervisor),
    )
    .unwrap();
    ws.create_profile_key(SUP_PASS).unwrap();
    ws.use_profile(INVESTIGATOR).unwrap();
    ws
}

pub fn capture(url: &str, phones: &[&str]) -> WebCaptureInput {
    let text = format!("Trang bán hàng {url} {}", phones.join(" "));
    WebCaptureInput {
        method: CaptureMethod::Http,
        url: url.into(),
        final_url: url.into(),
        title: "Cửa hàng".into(),
        http_status: Some(200),
        server_ip: Some("127.0.0.1".into()),
        partial_reason: None,
        metadata: json!({"tool": "test"}),
        text: Some(text.clone()),
        artifacts: vec![ArtifactInput {
            role: "warc".into(),
            media_type: "application/warc".into(),
            bytes: format!("WARC for {url}").into_bytes(),
        }],
        note: None,
        identifiers: phones
            .iter()
            .map(|p| IdentifierHit {
                kind: Some(IdKind::Phone),
                raw: (*p).into(),
                normalized: None,
                qualifier: String::new(),
                location: "0".into(),
                snippet: (*p).into(),
            })
            .collect(),
    }
}

/// The UTC instant `t` (Vietnam time `hh:mm` on `day`) in stored form.
pub fn vn(day: Date, hour: u8, minute: u8) -> String {
    let t = PrimitiveDateTime::new(day, Time::from_hms(hour, minute, 0).unwrap())
        .assume_offset(time::macros::offset!(+7));
    truyvet_core::time_fmt::format_utc(t)
}

pub struct Spec<'a> {
    pub title: &'a str,
    pub categories: &'a [ViolationCategory],
    pub product_group: &'a str,
    pub province: Option<&'a str>,
    /// Creation time to set (stored form); None = now.
    pub created_at: Option<String>,
    /// (url, phones) of each capture.
    pub captures: &'a [(&'a str, &'a [&'a str])],
}

pub fn case(ws: &mut Workspace, spec: &Spec) -> String {
    ws.use_profile(INVESTIGATOR).unwrap();
    let case = ws
        .create_case(&NewCase {
            title: spec.title.into(),
            province: spec.province.map(str::to_string),
            ..NewCase::default()
        })
        .unwrap();
    ws.edit_case(
        &case.code,
        &CaseEdit {
            violation_categories: Some(spec.categories.to_vec()),
            product_group: Some(spec.product_group.into()),
            ..CaseEdit::default()
        },
    )
    .unwrap();
    for (url, phones) in spec.captures {
        ws.add_web_capture(&case.code, &capture(url, phones))
            .unwrap();
    }
    if let Some(at) = &spec.created_at {
        backdate(ws, &case.code, at);
    }
    case.code
}

/// Sets a case's creation time, as if it had been opened then. The core refuses this
/// (trigger `cases_id_fixed`), so the test lifts the trigger for the one update and puts
/// the same trigger back.
pub fn backdate(ws: &Workspace, code: &str, at: &str) {
    let conn = ws.connection();
    let trigger: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'cases_id_fixed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute_batch("DROP TRIGGER cases_id_fixed").unwrap();
    conn.execute(
        "UPDATE cases SET created_at = ?1 WHERE code = ?2",
        [at, code],
    )
    .unwrap();
    conn.execute_batch(&trigger).unwrap();
}

/// Submits, approves and (when `seal`) seals a case.
pub fn finish(ws: &mut Workspace, code: &str, seal: bool) {
    ws.use_profile(INVESTIGATOR).unwrap();
    ws.edit_case_review(
        code,
        Some("Điều 11 Nghị định 98/2020/NĐ-CP"),
        Some("Xử phạt"),
    )
    .unwrap();
    ws.transition_case(code, Transition::Submit, None, INV_PASS)
        .unwrap();
    ws.use_profile(SUPERVISOR).unwrap();
    ws.transition_case(code, Transition::Approve, None, SUP_PASS)
        .unwrap();
    if seal {
        ws.transition_case(code, Transition::Seal, None, SUP_PASS)
            .unwrap();
    }
}

pub fn tip(ws: &mut Workspace, received_at: &str, channel: TipChannel) -> String {
    ws.use_profile(INVESTIGATOR).unwrap();
    ws.record_tip(&NewTip {
        received_at: Some(received_at.into()),
        channel: Some(channel),
        summary: "Bán mỹ phẩm giả trên mạng".into(),
        allegation: format!("Tin báo nhận lúc {received_at}"),
        ..NewTip::default()
    })
    .unwrap()
    .tip
    .code
}

pub struct Fixture {
    pub today: Date,
    pub from: Date,
    /// Month keys `YYYY-MM` of the 6-month preset, oldest first.
    pub months: Vec<String>,
    pub a: String,
    pub b: String,
    pub c: String,
    pub d: String,
    pub e: String,
    pub f: String,
    pub g: String,
}

fn month_start(today: Date, back: u32) -> Date {
    let index = today.year() * 12 + (today.month() as i32 - 1) - back as i32;
    Date::from_calendar_date(
        index.div_euclid(12),
        time::Month::try_from(index.rem_euclid(12) as u8 + 1).unwrap(),
        1,
    )
    .unwrap()
}

/// The known workspace (see the expected figures in the tests):
/// - A (3 months back): counterfeit + IP, "Mỹ phẩm", Shopee and TikTok, phone
///   0912 345 678 and Shopee's hotline; sealed, referred twice (police, tax).
/// - B (3 months back): counterfeit, "Mỹ phẩm", Shopee, phone 0912345678; sealed.
/// - G (2 months back, 00:30 on the 1st, Vietnam time = the day before in UTC):
///   expired goods, "Thực phẩm", a capture on 127.0.0.1.
/// - C (1 month back): smuggled, "Đồng hồ", Facebook, Shopee's hotline; draft.
/// - D (now): no category, no product group, no capture; draft.
/// - E (now, province HCM): prohibited, "Điện thoại", Lazada; approved, not sealed.
/// - F (8 months back, outside the period): counterfeit, phone 0912345678.
/// - tips: 2 hotline + 1 email in the period (the email closed: no violation), one
///   hotline tip 9 months back.
pub fn build(ws: &mut Workspace) -> Fixture {
    let today = truyvet_periodic::today_vn();
    let (from, _) = truyvet_periodic::Preset::SixMonths.range(today);
    let mid = |back: u32| vn(month_start(today, back) + Duration::days(14), 10, 0);
    use ViolationCategory as V;
    let a = case(
        ws,
        &Spec {
            title: "Mỹ phẩm giả trên Shopee và TikTok",
            categories: &[V::CounterfeitGoods, V::IpInfringingGoods],
            product_group: "Mỹ phẩm",
            province: None,
            created_at: Some(mid(3)),
            captures: &[
                (
                    "https://shopee.vn/my-pham-a",
                    &["0912 345 678", "1900 1221"],
                ),
                ("https://www.tiktok.com/@shop/video/1", &[]),
            ],
        },
    );
    let b = case(
        ws,
        &Spec {
            title: "Son giả trên Shopee",
            categories: &[V::CounterfeitGoods],
            product_group: "Mỹ phẩm",
            province: None,
            created_at: Some(mid(3)),
            captures: &[("https://shopee.vn/son-b", &["0912345678"])],
        },
    );
    let g = case(
        ws,
        &Spec {
            title: "Thực phẩm quá hạn",
            categories: &[V::ExpiredGoods],
            product_group: "Thực phẩm",
            province: None,
            created_at: Some(vn(month_start(today, 2), 0, 30)),
            captures: &[("http://127.0.0.1:8080/thuc-pham", &[])],
        },
    );
    let c = case(
        ws,
        &Spec {
            title: "Đồng hồ nhập lậu trên Facebook",
            categories: &[V::SmuggledGoods],
            product_group: "Đồng hồ",
            province: None,
            created_at: Some(mid(1)),
            captures: &[("https://m.facebook.com/groups/dongho", &["1900 1221"])],
        },
    );
    let d = case(
        ws,
        &Spec {
            title: "Chưa phân loại",
            categories: &[],
            product_group: "",
            province: None,
            created_at: None,
            captures: &[],
        },
    );
    let e = case(
        ws,
        &Spec {
            title: "Điện thoại cấm trên Lazada",
            categories: &[V::ProhibitedGoods],
            product_group: "Điện thoại",
            province: Some("HCM"),
            created_at: None,
            captures: &[("https://www.lazada.vn/products/x.html", &[])],
        },
    );
    let f = case(
        ws,
        &Spec {
            title: "Vụ cũ ngoài kỳ",
            categories: &[V::CounterfeitGoods],
            product_group: "Mỹ phẩm",
            province: None,
            created_at: Some(mid(8)),
            captures: &[("https://shopee.vn/cu", &["0912345678"])],
        },
    );
    finish(ws, &a, true);
    finish(ws, &b, true);
    finish(ws, &e, false);
    ws.use_profile(SUPERVISOR).unwrap();
    ws.refer_case(
        &a,
        "Công an tỉnh Hà Nội",
        "123/CV-CA",
        Some("Dấu hiệu hình sự"),
    )
    .unwrap();
    ws.refer_case(&a, "Cục Thuế Hà Nội", "45/CT", None).unwrap();
    let in_period = |back: u32| month_start(today, back).to_string();
    tip(ws, &in_period(4), TipChannel::Hotline);
    tip(ws, &in_period(1), TipChannel::Hotline);
    let closed = tip(ws, &in_period(0), TipChannel::Email);
    ws.close_tip(&closed, TipOutcome::NoViolation, "Không có vi phạm")
        .unwrap();
    tip(ws, &month_start(today, 9).to_string(), TipChannel::Hotline);
    let months = (0..6)
        .rev()
        .map(|b| month_start(today, b).to_string()[..7].to_string())
        .collect();
    ws.use_profile(INVESTIGATOR).unwrap();
    Fixture {
        today,
        from,
        months,
        a,
        b,
        c,
        d,
        e,
        f,
        g,
    }
}

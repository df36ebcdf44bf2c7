//! Referring a case to another agency: who may, which cases, and that the referral is on
//! the case's custody chain without disturbing its seal.

// Helpers outside #[test] functions are test code too: a panic is how they report.
#![allow(clippy::unwrap_used)]

mod common;

use truyvet_core::ErrorCode;
use truyvet_core::model::ViolationCategory;

#[test]
fn a_sealed_case_is_referred_and_logged_on_its_chain() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = common::workspace(&dir);
    let spec = common::Spec {
        title: "Hàng giả",
        categories: &[ViolationCategory::CounterfeitGoods],
        product_group: "Mỹ phẩm",
        province: None,
        created_at: None,
        captures: &[("https://shopee.vn/a", &[])],
    };
    let sealed = common::case(&mut ws, &spec);
    let approved = common::case(&mut ws, &spec);
    let draft = common::case(&mut ws, &spec);
    common::finish(&mut ws, &sealed, true);
    common::finish(&mut ws, &approved, false);

    // An investigator does not refer.
    ws.use_profile(common::INVESTIGATOR).unwrap();
    let err = ws.refer_case(&sealed, "Công an", "1/CA", None).unwrap_err();
    assert_eq!(err.code, ErrorCode::ForbiddenRole);

    ws.use_profile(common::SUPERVISOR).unwrap();
    let err = ws.refer_case(&draft, "Công an", "1/CA", None).unwrap_err();
    assert_eq!(err.code, ErrorCode::CaseNotSealed);
    assert!(
        err.message.contains("sealed or approved"),
        "{}",
        err.message
    );
    for (to, reference) in [("", "1/CA"), ("Công an", "  "), ("Công an\u{7}", "1")] {
        assert_eq!(
            ws.refer_case(&sealed, to, reference, None)
                .unwrap_err()
                .code,
            ErrorCode::InvalidInput
        );
    }
    assert_eq!(
        ws.refer_case("KHONG-CO", "Công an", "1", None)
            .unwrap_err()
            .code,
        ErrorCode::CaseNotFound
    );

    let r = ws
        .refer_case(
            &sealed,
            " Công an tỉnh Hà Nội ",
            "123/CV-CA",
            Some("Dấu hiệu hình sự"),
        )
        .unwrap();
    assert_eq!(r.referred_to, "Công an tỉnh Hà Nội");
    assert_eq!(r.referred_by, "Lê Thị Kiểm Soát");
    // The same referral twice is a mistake; another agency is not.
    let err = ws
        .refer_case(&sealed, "Công an tỉnh Hà Nội", "123/CV-CA", None)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    ws.refer_case(&sealed, "Cục Thuế", "9/CT", None).unwrap();
    ws.refer_case(&approved, "Viện kiểm sát", "7/VKS", None)
        .unwrap();

    let list = ws.case_referrals(&sealed).unwrap();
    assert_eq!(list.len(), 2);
    let log = ws.custody_log(&sealed).unwrap();
    let last = log.last().unwrap();
    assert_eq!(last.kind, "case_referred");
    assert_eq!(last.payload["referred_to"], "Cục Thuế");
    assert_eq!(last.payload["reference"], "9/CT");
    assert_eq!(log[log.len() - 2].payload["id"], list[0].id.as_str());

    // The chain and the seal still verify with the referrals after the seal.
    let report = ws.verify().unwrap();
    assert!(report.ok, "{report:#?}");

    // The rows are never rewritten, whatever the client.
    let err = ws
        .connection()
        .execute("UPDATE case_referrals SET reference = 'x'", [])
        .unwrap_err();
    assert!(err.to_string().contains("never rewritten"), "{err}");
    assert!(
        ws.connection()
            .execute("DELETE FROM case_referrals", [])
            .is_err()
    );
}

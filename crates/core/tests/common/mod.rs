//! Set-up shared by the integration tests that need signing profiles: an investigator
//! and a supervisor with keys, and a case complete enough to submit.

use truyvet_core::Workspace;
use truyvet_core::model::{CaseEdit, NewCase, ProfileInput, Role, ViolationCategory};

pub const INV_PASS: &str = "mật khẩu điều tra";
pub const SUP_PASS: &str = "mật khẩu kiểm soát";

pub fn input(name: &str, role: Role) -> ProfileInput {
    ProfileInput {
        display_name: name.into(),
        agency: "QLTT".into(),
        unit: "Đội 5".into(),
        province: "HN".into(),
        role,
    }
}

/// A workspace with an investigator and a supervisor, each with a key; the
/// investigator is current.
pub fn workspace(dir: &tempfile::TempDir) -> Workspace {
    let mut ws = Workspace::open(dir.path().join("ws")).unwrap();
    ws.save_profile(&input("Trần Văn Điều Tra", Role::Investigator))
        .unwrap();
    ws.create_profile_key(INV_PASS).unwrap();
    ws.add_profile(
        Some("kiem-soat"),
        &input("Lê Thị Kiểm Soát", Role::Supervisor),
    )
    .unwrap();
    ws.create_profile_key(SUP_PASS).unwrap();
    ws.use_profile("tran-van-dieu-tra").unwrap();
    ws
}

pub fn complete_case(ws: &mut Workspace) -> String {
    let case = ws
        .create_case(&NewCase {
            title: "Bán đồng hồ giả trên sàn".into(),
            ..NewCase::default()
        })
        .unwrap();
    ws.edit_case(
        &case.code,
        &CaseEdit {
            violation_categories: Some(vec![ViolationCategory::CounterfeitGoods]),
            product_group: Some("Đồng hồ".into()),
            ..CaseEdit::default()
        },
    )
    .unwrap();
    ws.edit_case_review(
        &case.code,
        Some("Điều 11 Nghị định 98/2020/NĐ-CP"),
        Some("Xử phạt và tịch thu hàng giả"),
    )
    .unwrap();
    case.code
}

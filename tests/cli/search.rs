//! `case list --query`: words match code, title, product group or unit, without regard
//! to Vietnamese diacritics (including đ/Đ, which Unicode does not decompose).

use truyvet_tests::TestWorkspace;

fn codes_for(ws: &TestWorkspace, query: &str) -> Vec<String> {
    let list = ws.run(&["case", "list", "--query", query]).ok().json();
    let mut codes: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    codes
}

#[test]
fn diacritic_insensitive() {
    let ws = TestWorkspace::with_profile();
    let fake = ws.new_case("Hàng giả nhãn hiệu Gucci");
    let phone = ws.new_case("Điện thoại không rõ nguồn gốc");
    let watch = ws
        .run(&[
            "case",
            "new",
            "--title",
            "Kinh doanh phụ kiện",
            "--product-group",
            "đồng hồ đeo tay",
        ])
        .ok()
        .json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let unrelated = ws.new_case("Mỹ phẩm");

    assert_eq!(codes_for(&ws, "hang gia"), vec![fake.clone()]);
    assert_eq!(codes_for(&ws, "dien thoai"), vec![phone.clone()]);
    assert_eq!(codes_for(&ws, "DONG HO"), vec![watch.clone()]);
    assert_eq!(codes_for(&ws, "Đồng Hồ"), vec![watch.clone()]);
    assert_eq!(
        codes_for(&ws, "  gia   hang "),
        vec![fake.clone()],
        "words in any order"
    );
    assert_eq!(
        codes_for(&ws, "hang xyz"),
        Vec::<String>::new(),
        "every word must match"
    );
    assert_eq!(
        codes_for(&ws, &phone.to_lowercase()),
        vec![phone.clone()],
        "code matches"
    );
    assert_eq!(codes_for(&ws, "my pham"), vec![unrelated.clone()]);
    // The unit (from the profile) is searchable too.
    assert_eq!(codes_for(&ws, "doi qltt so 1").len(), 4);
    assert_eq!(codes_for(&ws, "").len(), 4);
}

#[test]
fn like_wildcards_are_literal() {
    let ws = TestWorkspace::with_profile();
    let percent = ws.new_case("Giảm giá 50% hàng nhái");
    let underscore = ws.new_case("Tệp mau_01");
    ws.new_case("Mẫu 5 chai");
    ws.new_case("mauX01");
    assert_eq!(codes_for(&ws, "50%"), vec![percent.clone()]);
    assert_eq!(codes_for(&ws, "%"), vec![percent]);
    assert_eq!(codes_for(&ws, "mau_01"), vec![underscore.clone()]);
    assert_eq!(codes_for(&ws, "_"), vec![underscore]);
}

#[test]
fn edits_are_searchable() {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Tên cũ");
    assert!(codes_for(&ws, "ruou").is_empty());
    ws.run(&["case", "edit", &code, "--title", "Rượu ngoại nhập lậu"])
        .ok();
    assert_eq!(codes_for(&ws, "ruou ngoai"), vec![code]);
    assert!(
        codes_for(&ws, "ten cu").is_empty(),
        "the old title must no longer match"
    );
}

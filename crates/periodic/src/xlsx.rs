//! The XLSX workbook: one sheet per table with Vietnamese headers, and native Excel
//! charts (a column chart of cases per month, a bar chart per violation category) that
//! read the cells of their sheet, so a user who edits a figure sees the chart follow.
//! The document's creation time is the report's generation time, so the same data and
//! time give the same bytes.

use rust_xlsxwriter::{
    Chart, ChartType, DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError,
};
use time::OffsetDateTime;
use truyvet_core::{Error, Result};

use crate::figures::{Count, Figures};

pub(crate) const SHEET_SUMMARY: &str = "Tổng hợp";
pub(crate) const SHEET_MONTHS: &str = "Theo tháng";
pub(crate) const SHEET_CATEGORIES: &str = "Loại vi phạm";
pub(crate) const SHEET_PLATFORMS: &str = "Nền tảng";
pub(crate) const SHEET_PRODUCTS: &str = "Nhóm hàng";
pub(crate) const SHEET_REFERRALS: &str = "Chuyển giao";
pub(crate) const SHEET_TIPS: &str = "Tin báo";
pub(crate) const SHEET_REPEATS: &str = "Tái phạm";
pub(crate) const SHEET_REGISTRY: &str = "Liên ngành";

fn xerr(e: XlsxError) -> Error {
    Error::internal(format!("periodic report (xlsx): {e}"))
}

pub(crate) fn render(f: &Figures, generated: &str, at: OffsetDateTime) -> Result<Vec<u8>> {
    build(f, generated, at).map_err(xerr)
}

fn header(
    ws: &mut Worksheet,
    bold: &Format,
    titles: &[&str],
) -> std::result::Result<(), XlsxError> {
    for (i, t) in titles.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *t, bold)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// A two-column sheet: label, count (and the key in a third column for machines).
fn counts_sheet(
    wb: &mut Workbook,
    bold: &Format,
    name: &str,
    label_title: &str,
    rows: &[Count],
) -> std::result::Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    header(ws, bold, &[label_title, "Số lượng", "Mã"])?;
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, &r.label)?;
        ws.write_number(row, 1, r.count as f64)?;
        ws.write_string(row, 2, &r.key)?;
    }
    ws.set_column_width(0, 48)?;
    ws.set_column_width(1, 12)?;
    ws.set_column_width(2, 28)?;
    Ok(())
}

fn build(
    f: &Figures,
    generated: &str,
    at: OffsetDateTime,
) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_timestamp(at.unix_timestamp())?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("Báo cáo định kỳ {} – {}", f.from, f.to))
            .set_author("TruyVết")
            .set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold();

    // Summary.
    let ws = wb.add_worksheet();
    ws.set_name(SHEET_SUMMARY)?;
    header(ws, &bold, &["Chỉ tiêu", "Giá trị"])?;
    let t = &f.totals;
    let scope = |v: &Option<String>| v.clone().unwrap_or_else(|| "(tất cả)".into());
    let text_rows = [
        ("Từ ngày", f.from.clone()),
        ("Đến ngày", f.to.clone()),
        ("Cơ quan", scope(&f.scope.agency)),
        ("Đơn vị", scope(&f.scope.unit)),
        ("Tỉnh/thành", scope(&f.scope.province)),
        ("Lập lúc", generated.to_string()),
        ("Mã băm số liệu (SHA-256)", f.figures_sha256.clone()),
        (
            "Ghi chú",
            if f.empty {
                "Không có dữ liệu trong kỳ báo cáo".to_string()
            } else {
                String::new()
            },
        ),
        (
            "Số liệu liên ngành",
            format!("{}: {}", f.registry.status, f.registry.note),
        ),
    ];
    let mut row = 1u32;
    for (label, value) in &text_rows {
        ws.write_string(row, 0, *label)?;
        ws.write_string(row, 1, value)?;
        row += 1;
    }
    for (label, value) in [
        ("Vụ việc đã lập", t.cases_opened),
        ("Vụ việc đã niêm phong", t.cases_sealed),
        ("Vụ việc đã chuyển cơ quan khác", t.cases_referred),
        ("Lượt chuyển giao", t.referrals),
        ("Tin báo đã tiếp nhận", t.tips_received),
        ("Tin báo đã dẫn đến lập vụ việc", f.tips.case_opened),
        (
            "Định danh xuất hiện trong từ 2 vụ việc",
            t.repeat_identifiers,
        ),
    ] {
        ws.write_string(row, 0, label)?;
        ws.write_number(row, 1, value as f64)?;
        row += 1;
    }
    ws.set_column_width(0, 40)?;
    ws.set_column_width(1, 70)?;

    // Cases per month, with a column chart.
    let ws = wb.add_worksheet();
    ws.set_name(SHEET_MONTHS)?;
    header(
        ws,
        &bold,
        &["Tháng", "Đã lập", "Đã niêm phong", "Đã chuyển giao"],
    )?;
    for (i, m) in f.per_month.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &m.month)?;
        ws.write_number(r, 1, m.opened as f64)?;
        ws.write_number(r, 2, m.sealed as f64)?;
        ws.write_number(r, 3, m.referred as f64)?;
    }
    let last = f.per_month.len().max(1) as u32;
    let mut chart = Chart::new(ChartType::Column);
    chart.title().set_name("Số vụ việc theo tháng");
    for (col, name) in [
        (1u16, "Đã lập"),
        (2, "Đã niêm phong"),
        (3, "Đã chuyển giao"),
    ] {
        chart
            .add_series()
            .set_name(name)
            .set_categories((SHEET_MONTHS, 1, 0, last, 0))
            .set_values((SHEET_MONTHS, 1, col, last, col));
    }
    chart.x_axis().set_name("Tháng");
    chart.y_axis().set_name("Số vụ việc");
    ws.insert_chart(1, 5, &chart)?;
    ws.set_column_width(0, 10)?;
    ws.set_column_width(1, 10)?;
    ws.set_column_width(2, 15)?;
    ws.set_column_width(3, 15)?;

    // Violation categories, with a bar chart.
    counts_sheet(
        &mut wb,
        &bold,
        SHEET_CATEGORIES,
        "Loại vi phạm",
        &f.by_category,
    )?;
    let last = f.by_category.len().max(1) as u32;
    let mut chart = Chart::new(ChartType::Bar);
    chart.title().set_name("Số vụ việc theo loại vi phạm");
    chart
        .add_series()
        .set_name("Số vụ việc")
        .set_categories((SHEET_CATEGORIES, 1, 0, last, 0))
        .set_values((SHEET_CATEGORIES, 1, 1, last, 1));
    chart.legend().set_hidden();
    wb.worksheet_from_name(SHEET_CATEGORIES)?
        .insert_chart(1, 4, &chart)?;

    counts_sheet(&mut wb, &bold, SHEET_PLATFORMS, "Nền tảng", &f.by_platform)?;
    counts_sheet(
        &mut wb,
        &bold,
        SHEET_PRODUCTS,
        "Nhóm hàng",
        &f.by_product_group,
    )?;
    counts_sheet(
        &mut wb,
        &bold,
        SHEET_REFERRALS,
        "Cơ quan tiếp nhận",
        &f.referrals_by_agency,
    )?;

    // Tips: channel, status and outcome in one table, one group after another.
    let ws = wb.add_worksheet();
    ws.set_name(SHEET_TIPS)?;
    header(ws, &bold, &["Phân loại", "Nội dung", "Số lượng", "Mã"])?;
    let mut r = 1u32;
    if !f.tips.available {
        ws.write_string(r, 0, "Dữ liệu này chưa có sổ tin báo")?;
    }
    for (group, rows) in [
        ("Nguồn", &f.tips.by_channel),
        ("Trạng thái", &f.tips.by_status),
        ("Kết quả", &f.tips.by_outcome),
    ] {
        for c in rows {
            ws.write_string(r, 0, group)?;
            ws.write_string(r, 1, &c.label)?;
            ws.write_number(r, 2, c.count as f64)?;
            ws.write_string(r, 3, &c.key)?;
            r += 1;
        }
    }
    ws.set_column_width(0, 14)?;
    ws.set_column_width(1, 30)?;
    ws.set_column_width(3, 20)?;

    // Repeat identifiers.
    let ws = wb.add_worksheet();
    ws.set_name(SHEET_REPEATS)?;
    header(
        ws,
        &bold,
        &["Loại định danh", "Giá trị", "Số vụ việc", "Các vụ việc"],
    )?;
    for (i, o) in f.repeat_offenders.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &o.kind)?;
        ws.write_string(r, 1, &o.value)?;
        ws.write_number(r, 2, o.case_count as f64)?;
        ws.write_string(r, 3, o.case_codes.join(", "))?;
    }
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 32)?;
    ws.set_column_width(3, 60)?;

    registry_sheet(&mut wb, &bold, f)?;

    wb.save_to_buffer()
}

/// The central registry's cross-agency figures: status rows, then one row per count
/// (group, label, number of cases, key), with a bar chart of the months when fetched.
fn registry_sheet(
    wb: &mut Workbook,
    bold: &Format,
    f: &Figures,
) -> std::result::Result<(), XlsxError> {
    let reg = &f.registry;
    let ws = wb.add_worksheet();
    ws.set_name(SHEET_REGISTRY)?;
    header(ws, bold, &["Phân loại", "Nội dung", "Số vụ việc", "Mã"])?;
    let mut r = 1u32;
    for (label, value) in [
        ("Trạng thái", Some(reg.status.as_str())),
        ("Ghi chú", Some(reg.note.as_str())),
        ("Hệ thống trung tâm", reg.host.as_deref()),
        ("Lấy lúc", reg.fetched_at.as_deref()),
    ] {
        ws.write_string(r, 0, label)?;
        ws.write_string(r, 1, value.unwrap_or(""))?;
        r += 1;
    }
    let Some(total) = reg.total_cases else {
        ws.set_column_width(0, 20)?;
        ws.set_column_width(1, 70)?;
        return Ok(());
    };
    ws.write_string(r, 0, "Tổng")?;
    ws.write_string(r, 1, "Vụ việc đã niêm phong (mọi cơ quan)")?;
    ws.write_number(r, 2, total as f64)?;
    r += 1;
    let mut months = None;
    for (group, rows) in [
        ("Loại vi phạm", &reg.by_category),
        ("Nền tảng", &reg.by_platform),
        ("Tỉnh/thành", &reg.by_province),
        ("Tháng", &reg.by_month),
    ] {
        let first = r;
        for c in rows {
            ws.write_string(r, 0, group)?;
            ws.write_string(r, 1, &c.label)?;
            ws.write_number(r, 2, c.count as f64)?;
            ws.write_string(r, 3, &c.key)?;
            r += 1;
        }
        if group == "Tháng" && r > first {
            months = Some((first, r - 1));
        }
    }
    if let Some((first, last)) = months {
        let mut chart = Chart::new(ChartType::Column);
        chart
            .title()
            .set_name("Vụ việc niêm phong theo tháng (liên ngành)");
        chart
            .add_series()
            .set_name("Số vụ việc")
            .set_categories((SHEET_REGISTRY, first, 1, last, 1))
            .set_values((SHEET_REGISTRY, first, 2, last, 2));
        chart.legend().set_hidden();
        ws.insert_chart(1, 5, &chart)?;
    }
    ws.set_column_width(0, 20)?;
    ws.set_column_width(1, 48)?;
    ws.set_column_width(2, 12)?;
    ws.set_column_width(3, 24)?;
    Ok(())
}

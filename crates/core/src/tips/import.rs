//! Bulk import of tips from the CSV and XLSX files that hotlines and web forms export.
//!
//! A dry run and a commit walk the file the same way, one row at a time: each row is
//! checked (required cells, dates, channel, phone, e-mail, links) and compared with the
//! rows before it and with the tips already stored (the fingerprint of received day,
//! reporter and words). A commit inserts every accepted row in ONE transaction; rejected
//! rows are reported row by row and nothing of them is stored; any failure on the way
//! rolls the whole import back.
//!
//! CSV is streamed (UTF-8 with or without BOM; UTF-16 with a BOM is decoded first);
//! XLSX is read with calamine, which holds one sheet in memory, so its size is capped
//! (`MAX_XLSX_BYTES`).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde_json::json;

use crate::error::{Error, ErrorCode, Result};
use crate::fold::fold;
use crate::model::ViolationCategory;
use crate::time_fmt;
use crate::workspace::Workspace;

use super::model::{NewTip, TipChannel, TipContact};
use super::store::{self, FieldError};

/// Ok rows listed one by one in a report; past this only their count is given (errors
/// and duplicates are always listed).
pub const OK_ROWS_LISTED: usize = 1000;
pub const MAX_XLSX_BYTES: u64 = 100 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Received,
    Channel,
    Name,
    Phone,
    Email,
    Address,
    Organization,
    Allegation,
    Summary,
    Links,
    ProductGroup,
    Identifiers,
    Categories,
}

/// Accepted headers (compared folded, letters and digits only), Vietnamese first.
const HEADERS: &[(Col, &[&str])] = &[
    (
        Col::Received,
        &[
            "ngaytiepnhan",
            "ngaynhan",
            "thoigiantiepnhan",
            "ngay",
            "receivedat",
            "received",
            "date",
        ],
    ),
    (
        Col::Channel,
        &["kenh", "kenhtiepnhan", "hinhthuc", "channel"],
    ),
    (
        Col::Name,
        &[
            "nguoibao",
            "nguoiphananh",
            "nguoigui",
            "hoten",
            "reporter",
            "reportername",
            "name",
        ],
    ),
    (
        Col::Phone,
        &["sodienthoai", "sdt", "dienthoai", "phone", "reporterphone"],
    ),
    (Col::Email, &["email", "thudientu", "reporteremail"]),
    (Col::Address, &["diachi", "address"]),
    (
        Col::Organization,
        &["coquanchuyen", "donvichuyen", "organization", "referredby"],
    ),
    (
        Col::Allegation,
        &[
            "noidung",
            "noidungphananh",
            "noidungtinbao",
            "allegation",
            "content",
            "details",
        ],
    ),
    (Col::Summary, &["tomtat", "trichyeu", "summary"]),
    (
        Col::Links,
        &["duongdan", "lienket", "link", "links", "url", "urls"],
    ),
    (
        Col::ProductGroup,
        &["nhomhang", "nhomsanpham", "productgroup"],
    ),
    (
        Col::Identifiers,
        &["dinhdanh", "thongtindoituong", "sotaikhoan", "identifiers"],
    ),
    (
        Col::Categories,
        &["hanhvivipham", "categories", "violationcategories"],
    ),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowResult {
    /// Line of the row in the file (the header is line 1).
    pub row: usize,
    /// `ok`, `error`, `duplicate_in_file` or `duplicate_existing`.
    pub status: String,
    /// For an error: `missing_content`, `bad_date`, `bad_channel`, `bad_phone`,
    /// `bad_email`, `bad_url`, `bad_identifier`, `bad_category`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The tip code given (commit) for an ok row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tip_code: Option<String>,
    /// For a duplicate: the earlier row (`dòng N` / `row N`) or the stored tip's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    /// The row's summary, to recognise it in a preview.
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub format: String,
    pub dry_run: bool,
    /// Whether the accepted rows were stored (false for a dry run).
    pub committed: bool,
    pub total: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub columns: Vec<String>,
    pub ignored_columns: Vec<String>,
    pub rows: Vec<RowResult>,
    /// Ok rows not listed in `rows` (past `OK_ROWS_LISTED`).
    pub ok_rows_omitted: usize,
    pub first_code: Option<String>,
    pub last_code: Option<String>,
}

fn bad_file(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::ImportInvalid, message)
}

impl Workspace {
    /// Checks (dry run) or imports a CSV/XLSX file of tips; see the module comment.
    pub fn import_tips(&mut self, path: &Path, dry_run: bool) -> Result<ImportReport> {
        let profile = self.require_profile()?;
        let mut rows = open_rows(path)?;
        let format = rows.format().to_string();
        let header = rows.next_row()?.ok_or_else(|| {
            bad_file(format!(
                "{} is empty: no header row, no tips",
                path.display()
            ))
        })?;
        let layout = Layout::from_header(&header)?;
        let by = super::ops::recorder(&profile);
        let mut run = |conn: &Connection| -> Result<ImportReport> {
            let mut report = ImportReport {
                format: format.clone(),
                dry_run,
                committed: false,
                total: 0,
                accepted: 0,
                rejected: 0,
                columns: layout.names.clone(),
                ignored_columns: layout.ignored.clone(),
                rows: Vec::new(),
                ok_rows_omitted: 0,
                first_code: None,
                last_code: None,
            };
            let year = time_fmt::current_year();
            let mut next = store::next_number(conn, year)?;
            let mut seen: HashMap<String, usize> = HashMap::new();
            let mut line = 1;
            let mut find =
                conn.prepare_cached("SELECT code FROM tips WHERE fingerprint = ?1 LIMIT 1")?;
            while let Some(cells) = rows.next_row()? {
                line += 1;
                if cells.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                report.total += 1;
                let input = layout.tip(&cells);
                let prepared = input.and_then(|t| store::prepare(&t));
                let mut result = RowResult {
                    row: line,
                    status: "ok".into(),
                    code: None,
                    message: None,
                    tip_code: None,
                    duplicate_of: None,
                    summary: layout.summary_of(&cells),
                };
                match prepared {
                    Err(e) => {
                        result.status = "error".into();
                        result.code = Some(e.code.to_string());
                        result.message = Some(e.message);
                    }
                    Ok(p) => {
                        if let Some(first) = seen.get(&p.fingerprint) {
                            result.status = "duplicate_in_file".into();
                            result.duplicate_of = Some(format!("row {first}"));
                            result.message = Some(format!("same report as row {first}"));
                        } else if let Some(code) = find
                            .query_row([&p.fingerprint], |r| r.get::<_, String>(0))
                            .optional()?
                        {
                            result.status = "duplicate_existing".into();
                            result.message = Some(format!("already recorded as {code}"));
                            result.duplicate_of = Some(code);
                        } else {
                            seen.insert(p.fingerprint.clone(), line);
                            if !dry_run {
                                let code = store::code_for(year, next);
                                next += 1;
                                store::insert(
                                    conn,
                                    &p,
                                    &code,
                                    &by,
                                    super::log::kind::IMPORTED,
                                    json!({ "import_row": line }),
                                )?;
                                report.first_code.get_or_insert_with(|| code.clone());
                                report.last_code = Some(code.clone());
                                result.tip_code = Some(code);
                            }
                        }
                    }
                }
                if result.status == "ok" {
                    report.accepted += 1;
                    if report.accepted > OK_ROWS_LISTED {
                        report.ok_rows_omitted += 1;
                        continue;
                    }
                } else {
                    report.rejected += 1;
                }
                report.rows.push(result);
            }
            if report.total == 0 {
                return Err(bad_file(format!(
                    "{} has a header but no rows of tips",
                    path.display()
                )));
            }
            report.committed = !dry_run;
            Ok(report)
        };
        if dry_run {
            run(&self.conn)
        } else {
            self.write(run)
        }
    }
}

/// Which column holds what.
struct Layout {
    index: HashMap<Col, usize>,
    names: Vec<String>,
    ignored: Vec<String>,
}

impl Layout {
    fn from_header(header: &[String]) -> Result<Layout> {
        let mut index = HashMap::new();
        let mut ignored = Vec::new();
        for (i, raw) in header.iter().enumerate() {
            let key: String = fold(raw.trim_start_matches('\u{feff}'))
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            match HEADERS
                .iter()
                .find(|(_, names)| names.contains(&key.as_str()))
            {
                Some((col, _)) => {
                    if index.insert(*col, i).is_some() {
                        return Err(bad_file(format!(
                            "column '{}' appears twice in the header",
                            raw.trim()
                        )));
                    }
                }
                None if raw.trim().is_empty() => {}
                None => ignored.push(raw.trim().to_string()),
            }
        }
        let mut missing = Vec::new();
        if !index.contains_key(&Col::Received) {
            missing.push("Ngày tiếp nhận (received_at)");
        }
        if !index.contains_key(&Col::Channel) {
            missing.push("Kênh (channel)");
        }
        if !index.contains_key(&Col::Allegation) && !index.contains_key(&Col::Summary) {
            missing.push("Nội dung (allegation)");
        }
        if !missing.is_empty() {
            return Err(bad_file(format!(
                "missing column(s): {}; the header has: {} (is this a tip export? is the \
                 delimiter ',' or ';'?)",
                missing.join(", "),
                header
                    .iter()
                    .map(|h| format!("'{}'", h.trim()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok(Layout {
            index,
            names: header.iter().map(|h| h.trim().to_string()).collect(),
            ignored,
        })
    }

    fn cell<'a>(&self, cells: &'a [String], col: Col) -> &'a str {
        self.index
            .get(&col)
            .and_then(|&i| cells.get(i))
            .map(|s| s.trim())
            .unwrap_or("")
    }

    fn summary_of(&self, cells: &[String]) -> String {
        let s = match self.cell(cells, Col::Summary) {
            "" => self.cell(cells, Col::Allegation),
            s => s,
        };
        s.chars().take(120).collect()
    }

    fn tip(&self, cells: &[String]) -> std::result::Result<NewTip, FieldError> {
        let received = self.cell(cells, Col::Received);
        if received.is_empty() {
            return Err(FieldError {
                code: "bad_date",
                message: "the received date (Ngày tiếp nhận) is empty".into(),
            });
        }
        let channel_text = self.cell(cells, Col::Channel);
        let channel = TipChannel::from_label(channel_text).ok_or_else(|| FieldError {
            code: "bad_channel",
            message: format!(
                "unknown channel '{channel_text}' (expected: Đường dây nóng/hotline, Thư/letter, \
                 Email, Biểu mẫu web/web_form, Chuyển đến/referral, Khác/other)"
            ),
        })?;
        let mut categories = Vec::new();
        for c in super::text::split_links(self.cell(cells, Col::Categories)) {
            categories.push(ViolationCategory::parse(&c).map_err(|e| FieldError {
                code: "bad_category",
                message: e.message,
            })?);
        }
        Ok(NewTip {
            received_at: Some(received.to_string()),
            channel: Some(channel),
            summary: self.cell(cells, Col::Summary).to_string(),
            allegation: self.cell(cells, Col::Allegation).to_string(),
            violation_categories: categories,
            product_group: self.cell(cells, Col::ProductGroup).to_string(),
            contact: TipContact {
                name: self.cell(cells, Col::Name).to_string(),
                phone: self.cell(cells, Col::Phone).to_string(),
                email: self.cell(cells, Col::Email).to_string(),
                address: self.cell(cells, Col::Address).to_string(),
                organization: self.cell(cells, Col::Organization).to_string(),
            },
            links: vec![self.cell(cells, Col::Links).to_string()],
            identifiers: self
                .cell(cells, Col::Identifiers)
                .split([';', ',', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            attachments: Vec::new(),
        })
    }
}

/// Rows of a CSV or XLSX file, as text cells.
enum Rows {
    Csv(csv::StringRecordsIntoIter<Box<dyn Read>>, usize),
    Xlsx(std::vec::IntoIter<Vec<String>>),
}

impl Rows {
    fn format(&self) -> &'static str {
        match self {
            Rows::Csv(..) => "csv",
            Rows::Xlsx(_) => "xlsx",
        }
    }

    fn next_row(&mut self) -> Result<Option<Vec<String>>> {
        match self {
            Rows::Csv(records, line) => match records.next() {
                None => Ok(None),
                Some(Ok(r)) => {
                    *line += 1;
                    Ok(Some(r.iter().map(str::to_string).collect()))
                }
                Some(Err(e)) => {
                    let at = e.position().map_or(*line + 1, |p| p.line() as usize);
                    Err(match e.kind() {
                        csv::ErrorKind::Utf8 { .. } => bad_file(format!(
                            "line {at} is not UTF-8 text: save the file as \"CSV UTF-8\" \
                             (Windows-1258/TCVN3 exports are not read)"
                        )),
                        csv::ErrorKind::Io(err) => Error::new(
                            ErrorCode::FileUnreadable,
                            format!("reading the file: {err}"),
                        ),
                        _ => bad_file(format!("line {at} is not valid CSV: {e}")),
                    })
                }
            },
            Rows::Xlsx(rows) => Ok(rows.next()),
        }
    }
}

fn open_rows(path: &Path) -> Result<Rows> {
    let meta = std::fs::metadata(path).map_err(|e| {
        let code = match e.kind() {
            std::io::ErrorKind::NotFound => ErrorCode::FileNotFound,
            _ => ErrorCode::FileUnreadable,
        };
        Error::new(code, format!("{}: {e}", path.display()))
    })?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorCode::NotAFile,
            format!("{} is not a regular file", path.display()),
        ));
    }
    if meta.len() == 0 {
        return Err(bad_file(format!("{} is empty (0 bytes)", path.display())));
    }
    let mut head = [0u8; 4];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| {
            Error::new(
                ErrorCode::FileUnreadable,
                format!("{}: {e}", path.display()),
            )
        })?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if head[..n].starts_with(b"PK\x03\x04") || ext == "xlsx" {
        return open_xlsx(path, meta.len());
    }
    if head[..n].starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) || ext == "xls" {
        return Err(bad_file(
            "old Excel .xls files are not read: save the sheet as .xlsx or CSV UTF-8",
        ));
    }
    let reader: Box<dyn Read> =
        if head[..n].starts_with(&[0xFF, 0xFE]) || head[..n].starts_with(&[0xFE, 0xFF]) {
            let bytes = std::fs::read(path).map_err(|e| {
                Error::new(
                    ErrorCode::FileUnreadable,
                    format!("{}: {e}", path.display()),
                )
            })?;
            let (text, _, bad) = encoding_rs::UTF_16LE.decode(&bytes);
            if bad {
                return Err(bad_file(
                    "the file says UTF-16 but holds invalid characters",
                ));
            }
            Box::new(std::io::Cursor::new(text.into_owned().into_bytes()))
        } else {
            let mut file = BufReader::with_capacity(
                256 * 1024,
                File::open(path).map_err(|e| {
                    Error::new(
                        ErrorCode::FileUnreadable,
                        format!("{}: {e}", path.display()),
                    )
                })?,
            );
            if head[..n].starts_with(&[0xEF, 0xBB, 0xBF]) {
                let mut bom = [0u8; 3];
                file.read_exact(&mut bom)
                    .map_err(|e| Error::new(ErrorCode::FileUnreadable, e.to_string()))?;
            }
            Box::new(file)
        };
    let delimiter = sniff_delimiter(path);
    let records = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(reader)
        .into_records();
    Ok(Rows::Csv(records, 0))
}

/// `,` unless the first line has more `;` (Excel in a Vietnamese locale) or tabs.
fn sniff_delimiter(path: &Path) -> u8 {
    let mut buf = vec![0u8; 8192];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut buf))
        .unwrap_or(0);
    let first = buf[..n].split(|&b| b == b'\n').next().unwrap_or(&[]);
    let count = |d: u8| first.iter().filter(|&&b| b == d).count();
    let (c, s, t) = (count(b','), count(b';'), count(b'\t'));
    if s > c && s >= t {
        b';'
    } else if t > c && t > s {
        b'\t'
    } else {
        b','
    }
}

fn open_xlsx(path: &Path, size: u64) -> Result<Rows> {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    if size > MAX_XLSX_BYTES {
        return Err(bad_file(format!(
            "{} is {} MB; XLSX files up to {} MB are read (export larger lists as CSV UTF-8, \
             which is streamed)",
            path.display(),
            size / 1_048_576,
            MAX_XLSX_BYTES / 1_048_576
        )));
    }
    let mut book: Xlsx<_> = open_workbook(path).map_err(|e| {
        bad_file(format!(
            "{} is not a readable XLSX file: {e}",
            path.display()
        ))
    })?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| bad_file(format!("{} has no sheet", path.display())))?
        .map_err(|e| bad_file(format!("cannot read the first sheet: {e}")))?;
    let mut out = Vec::with_capacity(range.height());
    for row in range.rows() {
        out.push(
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        format!("{}", *f as i64)
                    }
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::Bool(b) => b.to_string(),
                    Data::DateTime(d) => {
                        super::text::from_excel_serial(d.as_f64()).unwrap_or_else(|| d.to_string())
                    }
                    Data::Error(e) => format!("#{e:?}"),
                })
                .collect(),
        );
    }
    Ok(Rows::Xlsx(out.into_iter()))
}

//! The smallest typst `World` that renders a report: one main source (the template),
//! in-memory files (`/data.json`, the screenshots) and the bundled fonts. No file
//! system, no packages, no clock: the output depends on the report alone.

use std::collections::HashMap;
use std::sync::OnceLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, Source, Span, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// Noto Serif (SIL OFL 1.1, see `fonts/OFL.txt`): full Vietnamese coverage, tone marks
/// included, as precomposed glyphs.
static FONT_FILES: [&[u8]; 2] = [
    include_bytes!("../fonts/NotoSerif-Regular.ttf"),
    include_bytes!("../fonts/NotoSerif-Bold.ttf"),
];

struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// Parsing the fonts and building the standard library once per process.
fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let fonts: Vec<Font> = FONT_FILES
            .iter()
            .flat_map(|data| Font::iter(Bytes::new(*data)))
            .collect();
        Shared {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

pub struct ReportWorld {
    main: Source,
    files: HashMap<FileId, Bytes>,
}

impl ReportWorld {
    pub fn new(template: &str, files: Vec<(String, Vec<u8>)>) -> Self {
        let main_id = FileId::new(None, VirtualPath::new("/main.typ"));
        Self {
            main: Source::new(main_id, template.to_owned()),
            files: files
                .into_iter()
                .map(|(path, data)| (FileId::new(None, VirtualPath::new(path)), Bytes::new(data)))
                .collect(),
        }
    }
}

impl ReportWorld {
    /// 1-based line in the template a diagnostic points at.
    pub fn template_line(&self, span: Span) -> Option<usize> {
        if span.id()? != self.main.id() {
            return None;
        }
        let range = self.main.range(span)?;
        Some(self.main.lines().byte_to_line(range.start)? + 1)
    }
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &shared().library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &shared().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.vpath().as_rootless_path().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        shared().fonts.get(index).cloned()
    }

    /// No clock: the template never asks for today's date, and a report must not
    /// change with the day it is rendered.
    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        None
    }
}

//! The Typst `World` of one document: the layout files of the template set,
//! the document as `/data.json`, the embedded fonts, a fixed date.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use typst::diag::{FileError, FileResult, PackageError};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::assets::Assets;

/// What every document shares: parsing fonts and building the standard
/// library cost milliseconds, so they are done once per process.
pub(super) struct Shared {
    pub library: LazyHash<Library>,
    pub book: LazyHash<FontBook>,
    pub fonts: Vec<Font>,
}

pub(super) fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let fonts: Vec<Font> = crate::fonts::FONTS
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

/// Names of the embedded font families.
pub(super) fn families() -> Vec<&'static str> {
    shared().book.families().map(|(name, _)| name).collect()
}

/// Interns a project path. Only a fixed set of paths is ever interned by
/// clusterdoc itself (Typst's file ids are limited to 65,535 per process).
pub(super) fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("layout paths are plain");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// One file of the `typst/` folder of the template set.
pub(super) struct LayoutFile {
    /// Where the file came from, for diagnostics (`templates/typst/lib.typ`).
    pub origin: String,
    pub bytes: Bytes,
    /// The parsed file, if it is a `.typ` file in UTF-8.
    pub source: Option<Source>,
}

/// The layout files, keyed by their file id (`/lib.typ` is `typst/lib.typ`).
pub(super) fn layout_files(assets: &Assets) -> HashMap<FileId, LayoutFile> {
    let mut files = HashMap::new();
    for rel in assets.list("typst/") {
        let Some(asset) = assets.get(rel) else {
            continue;
        };
        let Some(inner) = rel.strip_prefix("typst/") else {
            continue;
        };
        let id = file_id(&format!("/{inner}"));
        let source = inner
            .ends_with(".typ")
            .then(|| std::str::from_utf8(&asset.bytes).ok())
            .flatten()
            .map(|text| Source::new(id, text.to_owned()));
        files.insert(
            id,
            LayoutFile {
                origin: asset.origin.clone(),
                bytes: Bytes::new(asset.bytes.clone()),
                source,
            },
        );
    }
    files
}

/// The world of one document; cheap to create.
pub(super) struct DocWorld<'a> {
    pub files: &'a HashMap<FileId, LayoutFile>,
    pub main: FileId,
    pub data_id: FileId,
    pub data: Bytes,
    pub today: Datetime,
}

impl DocWorld<'_> {
    fn check_root(id: FileId) -> FileResult<()> {
        match id.root() {
            VirtualRoot::Project => Ok(()),
            VirtualRoot::Package(spec) => Err(FileError::Package(PackageError::Other(Some(
                format!("{spec}: packages are not available, the layout must be self-contained in the templates folder")
                    .into(),
            )))),
        }
    }

    fn not_found(id: FileId) -> FileError {
        FileError::NotFound(PathBuf::from(id.vpath().get_with_slash()))
    }
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &shared().library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &shared().book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        Self::check_root(id)?;
        if id == self.data_id {
            return Err(FileError::NotSource);
        }
        let file = self.files.get(&id).ok_or_else(|| Self::not_found(id))?;
        match &file.source {
            Some(source) => Ok(source.clone()),
            None if std::str::from_utf8(&file.bytes).is_err() => Err(FileError::InvalidUtf8),
            None => Err(FileError::NotSource),
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        Self::check_root(id)?;
        if id == self.data_id {
            return Ok(self.data.clone());
        }
        self.files
            .get(&id)
            .map(|f| f.bytes.clone())
            .ok_or_else(|| Self::not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        shared().fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

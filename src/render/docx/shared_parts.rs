//! Parts that come out the same in most documents of a session — styles,
//! numbering, settings, the theme, headers, relationships — fixed and
//! deflated once, then copied into each package as compressed ZIP entries
//! instead of being parsed, fixed and deflated again for every document.
//!
//! An entry is a pure function of its key (the part as docx-rs wrote it but
//! for its paragraph ids, which are given out again; the document language;
//! the first paragraph id to give out), and a part is
//! copied from a stored entry whether it was just made or found, so a
//! document's bytes do not depend on what was rendered before it.

use std::collections::HashMap;
use std::fmt;
use std::io::{Cursor, Write};
use std::sync::{Arc, Mutex};

use super::postprocess::Error;

/// More entries than a session's profiles and languages need; past it the
/// store starts again, so parts that differ in every document (a header
/// with the document's number) cannot make it grow with the documents.
const MAX_ENTRIES: usize = 256;

#[derive(Default)]
pub struct SharedParts {
    entries: Mutex<HashMap<Key, Arc<Entry>>>,
}

impl fmt::Debug for SharedParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.entries.lock().map_or(0, |e| e.len());
        write!(f, "SharedParts({n} entries)")
    }
}

#[derive(PartialEq, Eq, Hash)]
struct Key {
    name: String,
    part: Vec<u8>,
    lang: String,
    first_para_id: u32,
}

/// A fixed part as a one-entry ZIP archive, and the paragraph ids it used.
pub struct Entry {
    archive: Vec<u8>,
    next_para_id: u32,
}

impl Entry {
    /// The paragraph-id counter after this part.
    pub fn next_para_id(&self) -> u32 {
        self.next_para_id
    }

    /// Copies the compressed entry into `zip`, dated `time`.
    pub fn copy_into<W: Write + std::io::Seek>(
        &self,
        zip: &mut zip::ZipWriter<W>,
        time: zip::DateTime,
    ) -> Result<(), Error> {
        let mut archive = zip::ZipArchive::new(Cursor::new(&self.archive))?;
        zip.raw_copy_file_touch(archive.by_index_raw(0)?, time, Some(0o644))?;
        Ok(())
    }
}

impl SharedParts {
    /// The entry of part `name` (bytes `part`, as docx-rs wrote it) whose
    /// paragraph ids start after `first_para_id`; `fix` makes the fixed
    /// part and the counter after it when the session has not met it yet.
    pub fn entry(
        &self,
        name: &str,
        part: &[u8],
        lang: &str,
        first_para_id: u32,
        fix: impl FnOnce() -> Result<(Vec<u8>, u32), Error>,
    ) -> Result<Arc<Entry>, Error> {
        let key = Key {
            name: name.to_owned(),
            part: without_para_ids(part),
            lang: lang.to_owned(),
            first_para_id,
        };
        if let Some(found) = self.lock().get(&key) {
            return Ok(Arc::clone(found));
        }
        // Made outside the lock: two threads meeting the same new part
        // both make it, and the entries are the same.
        let (fixed, next_para_id) = fix()?;
        let entry = Arc::new(Entry {
            archive: one_entry_archive(name, &fixed)?,
            next_para_id,
        });
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, Arc::clone(&entry));
        Ok(entry)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Arc<Entry>>> {
        // The map is only ever inserted into whole: a panic elsewhere cannot
        // leave it half-changed.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The part with every `w14:paraId` value zeroed: docx-rs numbers
/// paragraphs per thread, so the same header comes with other ids in each
/// document, and the ids are renumbered anyway.
fn without_para_ids(part: &[u8]) -> Vec<u8> {
    const ATTR: &[u8] = b"w14:paraId=\"";
    let mut key = part.to_vec();
    for at in memchr::memmem::find_iter(part, ATTR) {
        let value = at + ATTR.len();
        let end = part[value..]
            .iter()
            .position(|&b| b == b'"')
            .map_or(part.len(), |n| value + n);
        key[value..end].fill(b'0');
    }
    key
}

/// The options of every deflated entry of a package, dated `time`.
pub fn entry_options(time: zip::DateTime) -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        // Explicit level: flate2 rather than zopfli, same bytes every time.
        // Level 3 rather than 6: a document's text deflates to 5 % more
        // bytes (about 0.7 KB) for two fifths less deflating.
        .compression_level(Some(3))
        .system(zip::System::Unix)
        .unix_permissions(0o644)
        .last_modified_time(time)
}

fn one_entry_archive(name: &str, bytes: &[u8]) -> Result<Vec<u8>, Error> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file(name, entry_options(zip::DateTime::default()))?;
    zip.write_all(bytes)?;
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_that_differ_only_in_paragraph_ids_share_an_entry() {
        let a = br#"<w:hdr><w:p w14:paraId="0000001A"/><w:p w14:paraId="0000001B"/></w:hdr>"#;
        let b = br#"<w:hdr><w:p w14:paraId="00000C02"/><w:p w14:paraId="00000C03"/></w:hdr>"#;
        let c = br#"<w:hdr><w:p w14:paraId="00000C02"/><w:p w14:paraId="00000C03"/>x</w:hdr>"#;
        assert_eq!(without_para_ids(a), without_para_ids(b));
        assert_ne!(without_para_ids(b), without_para_ids(c));

        let shared = SharedParts::default();
        let made = std::cell::Cell::new(0);
        let entry = |part: &[u8], first| {
            shared
                .entry("word/header1.xml", part, "ru-RU", first, || {
                    made.set(made.get() + 1);
                    Ok((part.to_vec(), first + 2))
                })
                .expect("entry")
        };
        let first = entry(a, 0);
        let second = entry(b, 0);
        assert!(Arc::ptr_eq(&first, &second), "the second header is found");
        assert_eq!(made.get(), 1);
        entry(b, 5);
        assert_eq!(made.get(), 2, "other ids to give out: another entry");
        assert_eq!(entry(c, 0).next_para_id(), 2);
        assert_eq!(made.get(), 3);
    }
}

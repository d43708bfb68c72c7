//! The instrumented-code cache: a second run of an unchanged program reads
//! each measured module's rewritten, compiled and remapped code from disk
//! instead of producing it again, as a normal import reads a `.pyc`.
//!
//! One entry per (file name, interpreter, rcov version, mode), named by a hash
//! of those, so the cache holds at most one entry per measured file and mode:
//! a changed source overwrites its entry instead of adding one. The entry
//! records a hash of the source it was made from; any other source is a miss.
//! It also records the source file's [`Stamp`] when the file had settled:
//! while the file keeps that stamp, the entry is used without reading the
//! source at all, as a `.pyc` is (a stamp that changed with the same content,
//! after a checkout or `touch`, is refreshed from the content's hash).
//! An entry's body (probe table and marshalled code) carries its own hash,
//! so a torn or corrupted file is a miss too, never wrong code.
//!
//! Entries nobody has rewritten for [`MAX_AGE`] are removed, at most once a
//! day, when an entry is stored: the files of a moved or deleted project do
//! not stay forever, and a live entry lost that way is only compiled again.
//!
//! Entries are written to a temporary file in the cache directory and renamed
//! into place: concurrent writers of the same entry each rename a whole file,
//! and readers see one of them. Every I/O error (read-only or full disk, no
//! home directory) only means no caching: the caller compiles as usual.
//!
//! No PyO3 here: marshalling is the caller's, and this module is tested with
//! plain `cargo test`.

use std::borrow::Cow;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rcov_instrument::EdgeId;

use crate::compile::TreeFacts;
use crate::results::HitsMap;
use crate::source_stamp::Stamp;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_128, Xxh3};

const MAGIC: &[u8; 8] = b"RCOVCC07";
const MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);
const PRUNE_EVERY: Duration = Duration::from_secs(24 * 3600);
const PRUNED_MARK: &str = ".pruned";
const HEADER_LEN: usize = MAGIC.len() + 16 + Stamp::LEN + 16;

/// What identifies an entry apart from the source text: the interpreter
/// (its full `sys.version`, so a different build never reads another's
/// bytecode), rcov's build (its version and the extension file's identity,
/// so a rebuilt rewriter never reads an older one's output), and whether
/// branch probes were inserted.
pub struct CacheKey<'a> {
    pub filename: &'a str,
    pub interpreter: &'a str,
    pub build: &'a str,
    pub branch: bool,
}

/// A cached compilation: the source's number of lines, the probe table, the
/// file's hits map (what turns hits into lines and arcs at exit), what the
/// walk of its code tree learnt, and the marshalled module code.
#[derive(Debug, PartialEq, Eq)]
pub struct Entry {
    pub source_lines: u32,
    pub probes: Vec<EdgeId>,
    pub hits_map: HitsMap,
    pub facts: TreeFacts,
    pub code: MarshalledCode,
}

/// Marshalled module code, in the buffer it came in: a whole entry file read
/// from the cache holds it as its tail, which is used where it lies rather
/// than moved (a large module's code is most of its entry).
#[derive(Debug)]
pub struct MarshalledCode {
    buffer: Vec<u8>,
    start: usize,
}

impl From<Vec<u8>> for MarshalledCode {
    fn from(code: Vec<u8>) -> Self {
        MarshalledCode {
            buffer: code,
            start: 0,
        }
    }
}

impl std::ops::Deref for MarshalledCode {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.buffer[self.start..]
    }
}

impl PartialEq for MarshalledCode {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for MarshalledCode {}

/// A directory of entries.
pub struct CodeCache {
    dir: PathBuf,
}

impl CodeCache {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        CodeCache { dir: dir.into() }
    }

    /// The entry for `key` made from the source whose `source_hash` is
    /// `source`, if there is a sound one. The source file's `stamp` (if
    /// settled) is written into the entry when it records another one, for
    /// `load_unchanged` to find next time.
    pub fn load(&self, key: &CacheKey<'_>, source: u128, stamp: Option<Stamp>) -> Option<Entry> {
        let path = self.entry_path(key);
        let mut bytes = fs::read(&path).ok()?;
        let header = Header::parse(&bytes)?;
        if header.source != source {
            return None;
        }
        if header.stamp != stamp {
            bytes[STAMP_AT..STAMP_AT + Stamp::LEN].copy_from_slice(&Stamp::to_bytes(stamp));
            let _ = self.write_atomically(&path, &bytes);
        }
        header.decode(bytes)
    }

    /// The entry for `key` if it was made from the file's content when the
    /// file had `stamp`, and the hash of that content: no source is read.
    /// Only the header is read when the stamp differs (the file was touched
    /// or written lately): `load` reads the whole entry next.
    pub fn load_unchanged(&self, key: &CacheKey<'_>, stamp: Stamp) -> Option<(u128, Entry)> {
        let mut file = fs::File::open(self.entry_path(key)).ok()?;
        let mut bytes = vec![0; HEADER_LEN];
        file.read_exact(&mut bytes).ok()?;
        let header = Header::parse(&bytes)?;
        if header.stamp != Some(stamp) {
            return None;
        }
        file.read_to_end(&mut bytes).ok()?;
        Some((header.source, header.decode(bytes)?))
    }

    /// The entry for `key` if it was made from the source whose `source_hash`
    /// is `source`, for a report: unlike `load`, its stamp is left as it is.
    pub fn read(&self, key: &CacheKey<'_>, source: u128) -> Option<Entry> {
        let bytes = fs::read(self.entry_path(key)).ok()?;
        let header = Header::parse(&bytes)?;
        if header.source != source {
            return None;
        }
        header.decode(bytes)
    }

    /// Stores `entry` for `key`, made from the source whose `source_hash` is
    /// `source`, whose file has `stamp` if settled; failures are ignored (the
    /// next run compiles again).
    pub fn store(&self, key: &CacheKey<'_>, source: u128, stamp: Option<Stamp>, entry: &Entry) {
        let bytes = encode(entry, source, stamp);
        if self.write_atomically(&self.entry_path(key), &bytes).is_ok() {
            self.prune_if_due(SystemTime::now());
        }
    }

    /// Removes entries (and temporary files of killed writers) older than
    /// [`MAX_AGE`], if the last pruning is older than [`PRUNE_EVERY`].
    fn prune_if_due(&self, now: SystemTime) {
        let mark = self.dir.join(PRUNED_MARK);
        let age = |path: &Path| {
            let modified = fs::metadata(path).and_then(|meta| meta.modified()).ok()?;
            now.duration_since(modified).ok()
        };
        if age(&mark).is_some_and(|age| age < PRUNE_EVERY) || fs::write(&mark, b"").is_err() {
            return;
        }
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let ours = name.to_str().is_some_and(|name| name.ends_with(".rcov"));
            if ours && age(&path).is_some_and(|age| age > MAX_AGE) {
                let _ = fs::remove_file(path);
            }
        }
    }

    fn entry_path(&self, key: &CacheKey<'_>) -> PathBuf {
        let mut hasher = Xxh3::new();
        for part in [
            key.filename,
            key.interpreter,
            key.build,
            env!("CARGO_PKG_VERSION"),
            if key.branch { "branch" } else { "line" },
        ] {
            hasher.update(part.as_bytes());
            hasher.update(&[0]);
        }
        self.dir.join(format!("{:032x}.rcov", hasher.digest128()))
    }

    fn write_atomically(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("");
        let temporary = self
            .dir
            .join(format!(".tmp-{}-{}-{name}", std::process::id(), unique()));
        let written = fs::File::create(&temporary).and_then(|mut file| file.write_all(bytes));
        let renamed = written.and_then(|()| fs::rename(&temporary, path));
        if renamed.is_err() {
            let _ = fs::remove_file(&temporary);
        }
        renamed
    }
}

/// The identity of the file at `path` (its size and modification time), or
/// "" if it cannot be read: changes whenever the file is rebuilt.
pub fn file_identity(path: &str) -> String {
    fs::metadata(path)
        .and_then(|meta| {
            let modified = meta.modified()?.duration_since(SystemTime::UNIX_EPOCH);
            Ok(format!(
                "{}-{}",
                meta.len(),
                modified.map_or(0, |age| age.as_nanos())
            ))
        })
        .unwrap_or_default()
}

/// Distinguishes temporary files of threads of one process.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    (u64::from(nanos) << 20) ^ NEXT.fetch_add(1, Ordering::Relaxed)
}

/// What identifies a source text (`Collector` compares sources by it).
pub fn source_hash(source: &str) -> u128 {
    xxh3_128(source.as_bytes())
}

/// What an entry's body starts with, before the marshalled code.
#[derive(Serialize, Deserialize)]
struct Tables<'a> {
    source_lines: u32,
    probes: Cow<'a, [EdgeId]>,
    hits_map: Cow<'a, HitsMap>,
    facts: Cow<'a, TreeFacts>,
}

/// Where an entry's stamp starts: after `MAGIC` and the source's hash.
const STAMP_AT: usize = MAGIC.len() + 16;

/// An entry's header: `MAGIC`, the source's hash, the source file's stamp
/// (zeros for none) and the body's hash.
struct Header {
    source: u128,
    stamp: Option<Stamp>,
    body: u128,
}

impl Header {
    /// The header `bytes` start with, if they start as an entry does.
    fn parse(bytes: &[u8]) -> Option<Header> {
        let header = bytes.get(..HEADER_LEN)?;
        let (magic, rest) = header.split_at(MAGIC.len());
        let (source, rest) = rest.split_at(16);
        let (stamp, body_hash) = rest.split_at(Stamp::LEN);
        if magic != MAGIC {
            return None;
        }
        Some(Header {
            source: u128::from_le_bytes(source.try_into().ok()?),
            stamp: Stamp::from_bytes(stamp.try_into().ok()?),
            body: u128::from_le_bytes(body_hash.try_into().ok()?),
        })
    }

    /// The tables of `bytes` (the whole entry file, this header first) and
    /// the marshalled code after them, if its body is the one this header
    /// was written with.
    fn tables<'a>(&self, bytes: &'a [u8]) -> Option<(Tables<'a>, &'a [u8])> {
        let body = bytes.get(HEADER_LEN..)?;
        if xxh3_128(body) != self.body {
            return None;
        }
        postcard::take_from_bytes::<Tables<'_>>(body).ok()
    }

    /// The entry in `bytes` (as for `tables`). The marshalled code stays
    /// where it is in `bytes`, which the entry keeps.
    fn decode(&self, bytes: Vec<u8>) -> Option<Entry> {
        let (tables, code) = self.tables(&bytes)?;
        let start = bytes.len() - code.len();
        // The tables borrow `bytes`: owned before it moves into the entry.
        let (source_lines, probes, hits_map, facts) = (
            tables.source_lines,
            tables.probes.into_owned(),
            tables.hits_map.into_owned(),
            tables.facts.into_owned(),
        );
        Some(Entry {
            source_lines,
            probes,
            hits_map,
            facts,
            code: MarshalledCode {
                buffer: bytes,
                start,
            },
        })
    }
}

/// The header, then the body: the tables (postcard) and the marshalled code.
fn encode(entry: &Entry, source: u128, stamp: Option<Stamp>) -> Vec<u8> {
    let tables = Tables {
        source_lines: entry.source_lines,
        probes: Cow::Borrowed(&entry.probes),
        hits_map: Cow::Borrowed(&entry.hits_map),
        facts: Cow::Borrowed(&entry.facts),
    };
    let Ok(mut body) = postcard::to_allocvec(&tables) else {
        return Vec::new();
    };
    body.extend_from_slice(&entry.code);
    let mut bytes = Vec::with_capacity(HEADER_LEN + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&source.to_le_bytes());
    bytes.extend_from_slice(&Stamp::to_bytes(stamp));
    bytes.extend_from_slice(&xxh3_128(&body).to_le_bytes());
    bytes.extend_from_slice(&body);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs::InOrder;
    use rcov_instrument::{Options, Patterns, Side};

    /// The hash of the source `x = n`.
    fn source(n: u32) -> u128 {
        source_hash(&format!("x = {n}\n"))
    }

    fn key(filename: &str, branch: bool) -> CacheKey<'_> {
        CacheKey {
            filename,
            interpreter: "3.12.1 (main) [GCC 12]",
            build: "1234-5678",
            branch,
        }
    }

    fn entry() -> Entry {
        Entry {
            source_lines: 3,
            probes: vec![
                EdgeId {
                    line: 3,
                    side: Side::Taken,
                },
                EdgeId {
                    line: 3,
                    side: Side::NotTaken,
                },
                EdgeId {
                    line: 70_000,
                    side: Side::BodyEnd,
                },
            ],
            hits_map: HitsMap::new(
                &rcov_instrument::analyze(
                    "if x:\n    y = (1,\n         2)\n",
                    &[1, 2],
                    &Options::default(),
                    &Patterns::default(),
                )
                .unwrap(),
            ),
            facts: TreeFacts {
                event_lines: vec![vec![1, 2], vec![5]],
                in_order: vec![
                    Some(InOrder {
                        first_traced: 1,
                        units: 9,
                    }),
                    None,
                ],
                raw_statements: vec![1, 2, 5],
            },
            code: b"\xe3marshalled code".to_vec().into(),
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("rcov-cache-test-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn stored_entry_is_loaded_for_the_same_source_only() {
        let dir = temp_dir("roundtrip");
        let cache = CodeCache::new(&dir);
        assert_eq!(cache.load(&key("/p/a.py", true), source(1), None), None);
        cache.store(&key("/p/a.py", true), source(1), None, &entry());
        assert_eq!(
            cache.load(&key("/p/a.py", true), source(1), None),
            Some(entry())
        );
        assert_eq!(cache.load(&key("/p/a.py", true), source(2), None), None);
        assert_eq!(cache.load(&key("/p/a.py", false), source(1), None), None);
        assert_eq!(cache.load(&key("/p/b.py", true), source(1), None), None);
        let interpreter = CacheKey {
            interpreter: "3.13.0",
            ..key("/p/a.py", true)
        };
        assert_eq!(cache.load(&interpreter, source(1), None), None);
        let build = CacheKey {
            build: "1234-9999",
            ..key("/p/a.py", true)
        };
        assert_eq!(cache.load(&build, source(1), None), None);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_entry_is_read_for_the_same_source_only_and_left_as_it_is() {
        let dir = temp_dir("read");
        let cache = CodeCache::new(&dir);
        let a = key("/p/a.py", true);
        assert_eq!(cache.read(&a, source(1)), None);
        cache.store(&a, source(1), Some(stamp(1)), &entry());
        let file = dir.join(&entry_files(&dir)[0]);
        let stored = fs::read(&file).unwrap();
        assert_eq!(cache.read(&a, source(1)), Some(entry()));
        assert_eq!(cache.read(&a, source(2)), None);
        assert_eq!(cache.read(&key("/p/a.py", false), source(1)), None);
        // Its stamp was not replaced (as `load` replaces one that differs).
        assert_eq!(fs::read(&file).unwrap(), stored);
        assert!(cache.load_unchanged(&a, stamp(1)).is_some());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_changed_source_replaces_its_entry() {
        let dir = temp_dir("replace");
        let cache = CodeCache::new(&dir);
        cache.store(&key("/p/a.py", true), source(1), None, &entry());
        cache.store(&key("/p/a.py", true), source(2), None, &entry());
        assert_eq!(entry_files(&dir).len(), 1);
        assert_eq!(
            cache.load(&key("/p/a.py", true), source(2), None),
            Some(entry())
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    fn decode(bytes: &[u8]) -> Option<Entry> {
        Header::parse(bytes)?.decode(bytes.to_vec())
    }

    #[test]
    fn damaged_entries_are_misses() {
        let bytes = encode(&entry(), source(1), None);
        assert_eq!(decode(&bytes), Some(entry()));
        for cut in [0, 8, HEADER_LEN, HEADER_LEN + 3, bytes.len() - 1] {
            assert_eq!(decode(&bytes[..cut]), None, "cut at {cut}");
        }
        for flip in [0, HEADER_LEN - 1, HEADER_LEN + 1, bytes.len() - 1] {
            let mut damaged = bytes.clone();
            damaged[flip] ^= 0x40;
            assert_eq!(decode(&damaged), None, "byte {flip}");
        }
    }

    fn stamp(changed: u64) -> Stamp {
        let mut bytes = [0; Stamp::LEN];
        bytes[..8].copy_from_slice(&changed.to_le_bytes());
        Stamp::from_bytes(&bytes).unwrap()
    }

    #[test]
    fn an_entry_is_loaded_unread_only_for_the_stamp_it_records() {
        let dir = temp_dir("stamp");
        let cache = CodeCache::new(&dir);
        let a = key("/p/a.py", true);
        cache.store(&a, source(1), None, &entry());
        assert_eq!(cache.load_unchanged(&a, stamp(1)), None);
        cache.store(&a, source(1), Some(stamp(1)), &entry());
        assert_eq!(
            cache.load_unchanged(&a, stamp(1)),
            Some((source(1), entry()))
        );
        assert_eq!(cache.load_unchanged(&a, stamp(2)), None);
        // Same content, new stamp (a checkout, a `touch`): found by content,
        // and the new stamp replaces the old one.
        assert_eq!(cache.load(&a, source(1), Some(stamp(2))), Some(entry()));
        assert!(cache.load_unchanged(&a, stamp(2)).is_some());
        assert_eq!(cache.load_unchanged(&a, stamp(1)), None);
        // A racy file (no stamp) clears it.
        assert_eq!(cache.load(&a, source(1), None), Some(entry()));
        assert_eq!(cache.load_unchanged(&a, stamp(2)), None);
        // Another content is a miss, whatever the stamp.
        assert_eq!(cache.load(&a, source(2), Some(stamp(3))), None);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_unwritable_directory_means_no_caching() {
        let dir = temp_dir("unwritable");
        fs::write(&dir, b"a file, not a directory").unwrap();
        let cache = CodeCache::new(dir.join("cache"));
        cache.store(&key("/p/a.py", true), source(1), None, &entry());
        assert_eq!(cache.load(&key("/p/a.py", true), source(1), None), None);
        fs::remove_file(&dir).unwrap();
    }

    #[test]
    fn concurrent_writers_leave_one_whole_entry() {
        let dir = temp_dir("concurrent");
        let writers: Vec<_> = (0..8)
            .map(|_| {
                let dir = dir.clone();
                std::thread::spawn(move || {
                    let cache = CodeCache::new(dir);
                    for _ in 0..50 {
                        cache.store(&key("/p/a.py", true), source(1), None, &entry());
                        if let Some(found) = cache.load(&key("/p/a.py", true), source(1), None) {
                            assert_eq!(found, entry());
                        }
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        let names = entry_files(&dir);
        assert_eq!(names.len(), 1, "{names:?}");
        fs::remove_dir_all(&dir).unwrap();
    }

    fn entry_files(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| name != PRUNED_MARK)
            .collect()
    }

    #[test]
    fn old_entries_are_pruned_once_a_day() {
        let dir = temp_dir("prune");
        let cache = CodeCache::new(&dir);
        cache.store(&key("/p/old.py", true), source(1), None, &entry());
        cache.store(&key("/p/new.py", true), source(1), None, &entry());
        let old = cache.entry_path(&key("/p/old.py", true));
        let long_ago = SystemTime::now() - MAX_AGE - Duration::from_secs(60);
        fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        // Pruned less than a day ago (by the stores above): nothing happens.
        cache.prune_if_due(SystemTime::now());
        assert_eq!(entry_files(&dir).len(), 2);
        cache.prune_if_due(SystemTime::now() + PRUNE_EVERY + Duration::from_secs(60));
        assert!(cache
            .load(&key("/p/old.py", true), source(1), None)
            .is_none());
        assert!(cache
            .load(&key("/p/new.py", true), source(1), None)
            .is_some());
        fs::remove_dir_all(&dir).unwrap();
    }
}

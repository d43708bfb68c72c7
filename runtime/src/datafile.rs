//! Reading and writing `.coverage` files: coverage.py's SQLite schema 7.
//!
//! rcov's data files are coverage.py's, so `coverage report|html|xml|json|
//! lcov|combine` and the tools built on them read rcov's results unchanged:
//! tables `coverage_schema`, `meta`, `file` (one row per measured file, data or
//! not), `context` (one row per context data was recorded in; `''` alone when
//! none was set), `line_bits` (numbits per file and context, line mode) or
//! `arc` (`(from, to)` per file and context, branch mode), and an empty
//! `tracer`. So `coverage html --show-contexts` shows who ran each line.
//!
//! A save must never leave a corrupt file nor lose the existing one, whatever
//! kills the process and when: the data is written to a temporary file in the
//! target's directory (same file system, so the rename is atomic) and renamed
//! over the target. A reader therefore sees the old file or the new one, never
//! a mix. Nothing is fsynced, as coverage.py does not: that would guard only
//! against a crash of the machine itself, and costs every run a disk flush
//! (milliseconds, more on a busy disk). The temporary name
//! (`.rcov-tmp-<pid>-<random>-<name>`) starts with its own prefix, so that a
//! leftover from a killed save is never taken for a parallel data file
//! (`<name>.*`) by rcov's or coverage.py's `combine`.
//!
//! Pure Rust (rusqlite with its bundled SQLite), unit-tested with `cargo test`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::types::ToSql;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Statement, Transaction};

use crate::coverage_data::{CoverageData, DataError, FileData};
use crate::numbits::{numbits_to_nums, nums_to_numbits};
use crate::trace_data;

/// The schema version coverage.py 7.x reads and writes.
pub const SCHEMA_VERSION: i64 = 7;

/// coverage.py's tables, column for column and constraint for constraint, so
/// that coverage.py can also append to a file rcov wrote. One difference:
/// `arc`'s four columns are its primary key, in a table without rowid, where
/// coverage.py's table has them `unique`: the same rows are accepted and
/// ignored (`INSERT OR IGNORE`), and a row is stored once, in one B-tree,
/// instead of in the table and again in the index of its constraint.
const SCHEMA: &str = "
CREATE TABLE coverage_schema (
    version integer
);
CREATE TABLE meta (
    key text,
    value text,
    unique (key)
);
CREATE TABLE file (
    id integer primary key,
    path text,
    unique (path)
);
CREATE TABLE context (
    id integer primary key,
    context text,
    unique (context)
);
CREATE TABLE line_bits (
    file_id integer,
    context_id integer,
    numbits blob,
    foreign key (file_id) references file (id),
    foreign key (context_id) references context (id),
    unique (file_id, context_id)
);
CREATE TABLE arc (
    file_id integer,
    context_id integer,
    fromno integer,
    tono integer,
    foreign key (file_id) references file (id),
    foreign key (context_id) references context (id),
    primary key (file_id, context_id, fromno, tono)
) WITHOUT ROWID;
CREATE TABLE tracer (
    file_id integer primary key,
    tracer text,
    foreign key (file_id) references file (id)
);
";

/// The prefix of temporary file names; `erase` removes leftovers by it.
pub const TEMP_PREFIX: &str = ".rcov-tmp-";

fn sqlite_error(path: &Path) -> impl Fn(rusqlite::Error) -> DataError + '_ {
    move |source| DataError::Sqlite {
        path: path.display().to_string(),
        source,
    }
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl Fn(std::io::Error) -> DataError + 'a {
    move |source| DataError::Io {
        action,
        path: path.display().to_string(),
        source,
    }
}

/// A name for the temporary file beside `target`, unique to this process and
/// call.
fn temp_path(target: &Path) -> PathBuf {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // RandomState is seeded from the OS once per process, then varied per
    // instance; the counter keeps two saves of one process apart regardless.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| ".coverage".into());
    let temp = format!(
        "{TEMP_PREFIX}{}-{:016x}-{name}",
        std::process::id(),
        hasher.finish()
    );
    target.with_file_name(temp)
}

/// Writes `data` to `target` atomically (see the module documentation).
/// `meta` holds extra `meta` rows (`version`, `when`, `sys_argv`...).
pub fn write(
    target: &Path,
    data: &CoverageData,
    meta: &[(String, String)],
) -> Result<(), DataError> {
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(DataError::Io {
            action: "write",
            path: target.display().to_string(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no such directory: '{}'", dir.display()),
            ),
        });
    }
    let temp = temp_path(target);
    let result = write_file(&temp, target, data, meta)
        .and_then(|()| fs::rename(&temp, target).map_err(io_error("write", target)));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Writes the complete data file at `path` (the temporary file); errors name
/// `target`, the file the user asked for.
fn write_file(
    path: &Path,
    target: &Path,
    data: &CoverageData,
    meta: &[(String, String)],
) -> Result<(), DataError> {
    let err = sqlite_error(target);
    let _ = fs::remove_file(path);
    let mut con = Connection::open(path).map_err(&err)?;
    // Nothing needs rolling back in a file nobody sees until it is complete.
    // The rows refer to files and contexts written just before them: checking
    // each foreign key (which the bundled SQLite does by default, and
    // coverage.py's connections do not) cost a third of writing the arcs.
    // A small page cache: the rows come in index order, so a full page is not
    // touched again and can go to the file, and the next reuses its memory
    // (the default 2 MB cache would hold the whole file in fresh memory).
    con.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF; \
         PRAGMA cache_size = -128;",
    )
    .map_err(&err)?;
    let tx = con.transaction().map_err(&err)?;
    tx.execute_batch(SCHEMA).map_err(&err)?;
    tx.execute(
        "INSERT INTO coverage_schema (version) VALUES (?1)",
        params![SCHEMA_VERSION],
    )
    .map_err(&err)?;
    {
        let mut insert_meta = tx
            .prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")
            .map_err(&err)?;
        for (key, value) in meta {
            insert_meta.execute(params![key, value]).map_err(&err)?;
        }
        if let Some(has_arcs) = data.has_arcs {
            insert_meta
                .execute(params!["has_arcs", if has_arcs { "1" } else { "0" }])
                .map_err(&err)?;
        }
    }
    let mut contexts = data.contexts();
    if contexts.is_empty() {
        contexts.insert("");
    }
    let context_ids: BTreeMap<&str, i64> = contexts.into_iter().zip(1..).collect();
    let contexts: Vec<(&str, i64)> = context_ids.iter().map(|(&c, &id)| (c, id)).collect();
    insert_rows(&tx, "context (context, id)", &contexts, |(context, id)| {
        [context, id]
    })
    .map_err(&err)?;
    let files: Vec<(i64, &str)> = (1..).zip(data.files.keys().map(String::as_str)).collect();
    insert_rows(&tx, "file (id, path)", &files, |(id, path)| [id, path]).map_err(&err)?;
    let has_arcs = data.has_arcs == Some(true);
    // Each file's rows in context order, straight from its sets: the rows of
    // a large run are not copied into one list first.
    let context_ids = &context_ids;
    let by_file = || {
        (1i64..)
            .zip(data.files.values())
            .flat_map(|(id, by_context)| {
                by_context
                    .iter()
                    .map(move |(context, file_data)| (id, context_ids[context.as_str()], file_data))
            })
    };
    if has_arcs {
        let arcs = by_file().flat_map(|(id, context_id, file_data)| {
            let rows = file_data.arcs.iter();
            rows.map(move |&(from, to)| [id, context_id, from.into(), to.into()])
        });
        insert_integer_rows(&tx, "arc (file_id, context_id, fromno, tono)", arcs).map_err(&err)?;
    } else {
        let line_bits = by_file()
            .filter(|(_, _, file_data)| !file_data.lines.is_empty())
            .map(|(id, context_id, file_data)| (id, context_id, nums_to_numbits(&file_data.lines)));
        insert_rows(
            &tx,
            "line_bits (file_id, context_id, numbits)",
            line_bits,
            |(file, context, bits)| [file, context, bits],
        )
        .map_err(&err)?;
    }
    let file_ids = data.files.keys().map(String::as_str).zip(1i64..).collect();
    trace_data::write_tables(&tx, &data.trace, &file_ids).map_err(&err)?;
    tx.commit().map_err(&err)?;
    con.close().map_err(|(_, e)| err(e))
}

/// Rows per INSERT statement. A statement per row costs more than the row:
/// 10,000 arcs take about 2.5 times as long that way.
const ROWS_PER_INSERT: usize = 64;

/// Inserts `rows` into `table` (its name and the columns `values` gives,
/// `"file (id, path)"`), in the order given.
pub(crate) fn insert_rows<T, const N: usize>(
    tx: &Transaction<'_>,
    table: &str,
    rows: impl IntoIterator<Item = T>,
    values: impl for<'a> Fn(&'a T) -> [&'a dyn ToSql; N],
) -> rusqlite::Result<()> {
    insert_chunked(tx, table, N, rows, |statement, first, row| {
        for (offset, value) in values(row).into_iter().enumerate() {
            statement.raw_bind_parameter(first + offset, value)?;
        }
        Ok(())
    })
}

/// `insert_rows` for rows of integers (the arcs, most of a data file's
/// rows), each bound as what it is: through a trait object, binding was a
/// fifth of writing them.
pub(crate) fn insert_integer_rows<const N: usize>(
    tx: &Transaction<'_>,
    table: &str,
    rows: impl IntoIterator<Item = [i64; N]>,
) -> rusqlite::Result<()> {
    insert_chunked(tx, table, N, rows, |statement, first, row| {
        for (offset, &value) in row.iter().enumerate() {
            statement.raw_bind_parameter(first + offset, value)?;
        }
        Ok(())
    })
}

/// Inserts `rows` of `columns` values into `table`, `ROWS_PER_INSERT` per
/// statement, in the order given (a table's unique index grows at its end
/// when they come sorted); `bind` binds a row's values from parameter
/// `first` on.
fn insert_chunked<T>(
    tx: &Transaction<'_>,
    table: &str,
    columns: usize,
    rows: impl IntoIterator<Item = T>,
    bind: impl Fn(&mut Statement<'_>, usize, &T) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let prepare = |count: usize| {
        let row = format!("({})", vec!["?"; columns].join(", "));
        let rows = vec![row.as_str(); count].join(", ");
        tx.prepare(&format!("INSERT INTO {table} VALUES {rows}"))
    };
    let execute = |statement: &mut Statement<'_>, chunk: &[T]| {
        for (k, row) in chunk.iter().enumerate() {
            bind(statement, k * columns + 1, row)?;
        }
        statement.raw_execute().map(drop)
    };
    let mut full = None;
    let mut chunk = Vec::with_capacity(ROWS_PER_INSERT);
    for row in rows {
        chunk.push(row);
        if chunk.len() == ROWS_PER_INSERT {
            let statement = match &mut full {
                Some(statement) => statement,
                None => full.insert(prepare(ROWS_PER_INSERT)?),
            };
            execute(statement, &chunk)?;
            chunk.clear();
        }
    }
    if !chunk.is_empty() {
        execute(&mut prepare(chunk.len())?, &chunk)?;
    }
    Ok(())
}

/// Reads the data file at `path`, with its contexts.
pub fn read(path: &Path) -> Result<CoverageData, DataError> {
    let err = sqlite_error(path);
    // Open read-only: never roll back a journal or touch files beside it.
    fs::metadata(path).map_err(io_error("read", path))?;
    let con = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(&err)?;
    let version: i64 =
        match con.query_row("SELECT version FROM coverage_schema", [], |row| row.get(0)) {
            Ok(version) => version,
            Err(source @ rusqlite::Error::SqliteFailure(..)) => {
                let message = source.to_string();
                if message.contains("no such table") || message.contains("not a database") {
                    return Err(DataError::NotCoverageData {
                        path: path.display().to_string(),
                        message,
                    });
                }
                return Err(err(source));
            }
            Err(source) => {
                return Err(DataError::NotCoverageData {
                    path: path.display().to_string(),
                    message: source.to_string(),
                })
            }
        };
    if version != SCHEMA_VERSION {
        return Err(DataError::WrongSchema {
            path: path.display().to_string(),
            found: version,
            expected: SCHEMA_VERSION,
        });
    }
    let has_arcs: Option<String> = con
        .query_row("SELECT value FROM meta WHERE key = 'has_arcs'", [], |row| {
            row.get(0)
        })
        .optional()
        .map_err(&err)?;
    let has_arcs = has_arcs.map(|value| value.trim().parse::<i64>().unwrap_or(0) != 0);
    let mut data = CoverageData::new(has_arcs);

    let mut paths = BTreeMap::new();
    {
        let mut stmt = con.prepare("SELECT id, path FROM file").map_err(&err)?;
        let rows = stmt
            .query_map([], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(&err)?;
        for row in rows {
            let (id, file) = row.map_err(&err)?;
            data.touch(&file);
            paths.insert(id, file);
        }
    }
    let mut contexts = BTreeMap::new();
    {
        let mut stmt = con
            .prepare("SELECT id, context FROM context")
            .map_err(&err)?;
        let rows = stmt
            .query_map([], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(&err)?;
        for row in rows {
            let (id, context) = row.map_err(&err)?;
            contexts.insert(id, context);
        }
    }
    let ids = RowIds {
        paths: &paths,
        contexts: &contexts,
    };
    if has_arcs == Some(true) {
        let mut stmt = con
            .prepare("SELECT file_id, context_id, fromno, tono FROM arc")
            .map_err(&err)?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i32>(2)?,
                    row.get::<_, i32>(3)?,
                ))
            })
            .map_err(&err)?;
        for row in rows {
            let (file_id, context_id, from, to) = row.map_err(&err)?;
            if let Some(file_data) = ids.slot(&mut data, file_id, context_id) {
                file_data.arcs.insert((from, to));
            }
        }
    } else {
        let mut stmt = con
            .prepare("SELECT file_id, context_id, numbits FROM line_bits")
            .map_err(&err)?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, Vec<u8>>(2)?,
                ))
            })
            .map_err(&err)?;
        for row in rows {
            let (file_id, context_id, numbits) = row.map_err(&err)?;
            if let Some(file_data) = ids.slot(&mut data, file_id, context_id) {
                file_data.lines.extend(numbits_to_nums(&numbits));
            }
        }
    }
    data.trace = trace_data::read_tables(&con, &paths).map_err(&err)?;
    Ok(data)
}

/// A data file's `file` and `context` ids, to place its data rows.
struct RowIds<'a> {
    paths: &'a std::collections::BTreeMap<i64, String>,
    contexts: &'a std::collections::BTreeMap<i64, String>,
}

impl RowIds<'_> {
    /// Where the data of a row goes; None (dropped, as coverage.py's joins
    /// drop it) when its file or context is unknown.
    fn slot<'d>(
        &self,
        data: &'d mut CoverageData,
        file_id: i64,
        context_id: i64,
    ) -> Option<&'d mut FileData> {
        let file = self.paths.get(&file_id)?;
        let context = self.contexts.get(&context_id)?;
        data.files
            .get_mut(file)
            .map(|by_context| by_context.entry(context.clone()).or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rcov-datafile-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn line_data_round_trips() {
        let dir = scratch("lines");
        let target = dir.join(".coverage");
        let mut data = CoverageData::new(Some(false));
        data.add_lines("/src/a.py", "", [1, 2, 3, 17]).unwrap();
        data.touch("/src/never.py");
        write(&target, &data, &[("version".into(), "0.1.0".into())]).unwrap();
        assert_eq!(read(&target).unwrap(), data);
        // Nothing left beside it.
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(".coverage")]);
        let con = Connection::open(&target).unwrap();
        let bits: Vec<u8> = con
            .query_row("SELECT numbits FROM line_bits", [], |r| r.get(0))
            .unwrap();
        assert_eq!(bits, vec![0x0e, 0x00, 0x02]);
        let context: String = con
            .query_row("SELECT context FROM context", [], |r| r.get(0))
            .unwrap();
        assert_eq!(context, "");
    }

    #[test]
    fn arc_data_round_trips() {
        let dir = scratch("arcs");
        let target = dir.join("data");
        let mut data = CoverageData::new(Some(true));
        data.add_arcs("/src/a.py", "", [(-1, 1), (1, 1), (1, 2), (2, -1)])
            .unwrap();
        data.touch("/src/b.py");
        write(&target, &data, &[]).unwrap();
        let back = read(&target).unwrap();
        assert_eq!(back, data);
        assert_eq!(back.lines("/src/a.py"), Some([1, 2].into()));
    }

    #[test]
    fn many_arcs_round_trip_across_statements() {
        // More arcs than one INSERT statement holds, over files and
        // contexts, with a partial statement at the end.
        let dir = scratch("many-arcs");
        let target = dir.join("data");
        let mut data = CoverageData::new(Some(true));
        let arcs = |count: i32| (1..=count).map(|line| (line, line + 1));
        data.add_arcs("/src/a.py", "", arcs(150)).unwrap();
        data.add_arcs("/src/a.py", "test_a", arcs(70)).unwrap();
        data.add_arcs("/src/b.py", "", arcs(ROWS_PER_INSERT as i32))
            .unwrap();
        write(&target, &data, &[]).unwrap();
        assert_eq!(read(&target).unwrap(), data);
    }

    #[test]
    fn contexts_round_trip_as_coverage_py_stores_them() {
        let dir = scratch("contexts");
        let target = dir.join(".coverage");
        for has_arcs in [false, true] {
            let mut data = CoverageData::new(Some(has_arcs));
            for (context, line) in [("", 1), ("test_a", 2), ("test_b", 3), ("test_a", 4)] {
                if has_arcs {
                    data.add_arcs("/src/a.py", context, [(line, line)]).unwrap();
                } else {
                    data.add_lines("/src/a.py", context, [line as u32]).unwrap();
                }
            }
            if has_arcs {
                data.add_arcs("/src/b.py", "test_b", [(7, -1)]).unwrap();
            } else {
                data.add_lines("/src/b.py", "test_b", [7]).unwrap();
            }
            write(&target, &data, &[]).unwrap();
            assert_eq!(read(&target).unwrap(), data);
            let con = Connection::open(&target).unwrap();
            let contexts: Vec<String> = con
                .prepare("SELECT context FROM context ORDER BY context")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert_eq!(contexts, ["", "test_a", "test_b"]);
            let table = if has_arcs { "arc" } else { "line_bits" };
            let rows: i64 = con
                .query_row(
                    &format!(
                        "SELECT count(*) FROM {table} JOIN context ON context.id = context_id \
                         JOIN file ON file.id = file_id \
                         WHERE context = 'test_b' AND path = '/src/b.py'"
                    ),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(rows, 1);
        }
    }

    #[test]
    fn a_save_replaces_the_previous_file() {
        let dir = scratch("replace");
        let target = dir.join(".coverage");
        let mut first = CoverageData::new(Some(false));
        first.add_lines("/a.py", "", [1]).unwrap();
        write(&target, &first, &[]).unwrap();
        let mut second = CoverageData::new(Some(false));
        second.add_lines("/b.py", "", [2]).unwrap();
        write(&target, &second, &[]).unwrap();
        assert_eq!(read(&target).unwrap(), second);
    }

    #[test]
    fn a_failed_save_keeps_the_previous_file() {
        let dir = scratch("failed");
        let target = dir.join(".coverage");
        let mut first = CoverageData::new(Some(false));
        first.add_lines("/a.py", "", [1]).unwrap();
        write(&target, &first, &[]).unwrap();
        // A directory where the file should go: the rename fails.
        let blocked = dir.join("blocked");
        fs::create_dir_all(blocked.join("inside")).unwrap();
        assert!(write(&blocked, &first, &[]).is_err());
        assert_eq!(read(&target).unwrap(), first);
        let leftovers = fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(TEMP_PREFIX)
            })
            .count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn a_write_error_names_the_target() {
        let dir = scratch("missing-dir");
        let target = dir.join("no").join("such").join(".coverage");
        let err = write(&target, &CoverageData::new(Some(false)), &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains(&target.display().to_string()), "{err}");
        assert!(!err.contains(TEMP_PREFIX), "{err}");
    }

    #[test]
    fn reading_names_the_bad_file() {
        let dir = scratch("bad");
        let junk = dir.join("junk");
        fs::write(
            &junk,
            b"this is not a database, not even close; ".repeat(100),
        )
        .unwrap();
        let err = read(&junk).unwrap_err().to_string();
        assert!(err.contains("junk"), "{err}");
        assert!(err.contains("isn't a coverage data file"), "{err}");

        let other = dir.join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        let err = read(&other).unwrap_err().to_string();
        assert!(
            err.contains("other.db") && err.contains("no such table"),
            "{err}"
        );

        let missing = dir.join("missing");
        let err = read(&missing).unwrap_err().to_string();
        assert!(err.contains("missing"), "{err}");
    }

    #[test]
    fn wrong_schema_is_refused() {
        let dir = scratch("schema");
        let path = dir.join("old");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE coverage_schema (version integer); INSERT INTO coverage_schema VALUES (6);")
            .unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("wrong schema: 6 instead of 7"), "{err}");
    }
}

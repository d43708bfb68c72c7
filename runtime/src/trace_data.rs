//! What `trace` reports beyond lines and arcs: functions that ran, line
//! counts, (caller, callee) pairs. In memory, and in rcov's own tables of the
//! data file.
//!
//! The tables sit beside coverage.py's in the same SQLite file, under names
//! coverage.py does not know (`rcov_function`, `rcov_line_count`,
//! `rcov_call`): coverage.py reads only its own tables, so its commands read
//! rcov's files unchanged, and a file coverage.py wrote simply has none of
//! this data. Rows refer to coverage.py's `file` table by id.
//!
//! A function is named by `(co_qualname, co_firstlineno)`: what a code object
//! says of itself at run time, and what compiling the source again gives at
//! report time, so reports can list the functions that never ran.
//!
//! Pure Rust, no PyO3: `datafile` calls [`write_tables`] and [`read_tables`]
//! inside its own transaction and connection.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, Transaction};

use crate::datafile::insert_rows;

/// A function: `(co_qualname, co_firstlineno)`.
pub type Function = (String, u32);

/// A function of a file: `(file, co_qualname, co_firstlineno)`.
pub type FileFunction = (String, String, u32);

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceData {
    /// Per file, the functions (code objects) that started.
    pub functions: BTreeMap<String, BTreeSet<Function>>,
    /// Per file, how many times each line ran (recorded with `--count`).
    pub line_counts: BTreeMap<String, BTreeMap<u32, u64>>,
    /// (caller, callee) pairs (recorded with `--trackcalls`).
    pub calls: BTreeSet<(FileFunction, FileFunction)>,
}

impl TraceData {
    pub fn is_empty(&self) -> bool {
        self.functions.is_empty() && self.line_counts.is_empty() && self.calls.is_empty()
    }

    /// Adds `other`, naming each of its files by `map_path`: functions and
    /// pairs are united, counts added.
    pub fn update(&mut self, other: &TraceData, map_path: impl Fn(&str) -> String) {
        for (path, functions) in &other.functions {
            self.functions
                .entry(map_path(path))
                .or_default()
                .extend(functions.iter().cloned());
        }
        for (path, counts) in &other.line_counts {
            let ours = self.line_counts.entry(map_path(path)).or_default();
            for (&line, &count) in counts {
                let total = ours.entry(line).or_default();
                *total = total.saturating_add(count);
            }
        }
        let rename = |(path, name, line): &FileFunction| (map_path(path), name.clone(), *line);
        self.calls.extend(
            other
                .calls
                .iter()
                .map(|(caller, callee)| (rename(caller), rename(callee))),
        );
    }
}

/// Each table's columns are its primary key, without rowid (as `arc` in
/// `datafile`): a row is stored once, not again in a constraint's index.
const SCHEMA: &str = "
CREATE TABLE rcov_function (
    file_id integer,
    name text,
    line integer,
    foreign key (file_id) references file (id),
    primary key (file_id, name, line)
) WITHOUT ROWID;
CREATE TABLE rcov_line_count (
    file_id integer,
    line integer,
    count integer,
    foreign key (file_id) references file (id),
    primary key (file_id, line)
) WITHOUT ROWID;
CREATE TABLE rcov_call (
    caller_file_id integer,
    caller_name text,
    caller_line integer,
    callee_file_id integer,
    callee_name text,
    callee_line integer,
    foreign key (caller_file_id) references file (id),
    foreign key (callee_file_id) references file (id),
    primary key (caller_file_id, caller_name, caller_line, callee_file_id, callee_name, callee_line)
) WITHOUT ROWID;
";

/// Writes `trace` into rcov's tables; `file_ids` are the `file` table's ids.
/// Data of a file without an id is not written (every file with data is a
/// measured file, so has one). No tables at all when there is nothing to
/// write, so a plain run's file has exactly coverage.py's tables.
pub fn write_tables(
    tx: &Transaction<'_>,
    trace: &TraceData,
    file_ids: &BTreeMap<&str, i64>,
) -> rusqlite::Result<()> {
    if trace.is_empty() {
        return Ok(());
    }
    tx.execute_batch(SCHEMA)?;
    let id_of = |path: &String| file_ids.get(path.as_str()).copied();
    let functions = per_file_rows(&trace.functions, file_ids, |id, functions| {
        functions
            .iter()
            .map(move |(name, line)| (id, name.as_str(), *line))
    });
    insert_rows(
        tx,
        "rcov_function (file_id, name, line)",
        &functions,
        |(id, name, line)| [id, name, line],
    )?;
    let counts = per_file_rows(&trace.line_counts, file_ids, |id, counts| {
        counts
            .iter()
            .map(move |(&line, &count)| (id, line, i64::try_from(count).unwrap_or(i64::MAX)))
    });
    insert_rows(
        tx,
        "rcov_line_count (file_id, line, count)",
        &counts,
        |(id, line, count)| [id, line, count],
    )?;
    let calls: Vec<(i64, &str, u32, i64, &str, u32)> = trace
        .calls
        .iter()
        .filter_map(
            |((caller_path, caller, caller_line), (callee_path, callee, callee_line))| {
                Some((
                    id_of(caller_path)?,
                    caller.as_str(),
                    *caller_line,
                    id_of(callee_path)?,
                    callee.as_str(),
                    *callee_line,
                ))
            },
        )
        .collect();
    insert_rows(
        tx,
        "rcov_call (caller_file_id, caller_name, caller_line, \
         callee_file_id, callee_name, callee_line)",
        &calls,
        |(caller_id, caller, caller_line, callee_id, callee, callee_line)| {
            [
                caller_id,
                caller,
                caller_line,
                callee_id,
                callee,
                callee_line,
            ]
        },
    )
}

/// The rows `rows` makes of each file's value in `by_file`, given the
/// file's id; a file without an id has none.
fn per_file_rows<'a, V, I: IntoIterator>(
    by_file: &'a BTreeMap<String, V>,
    file_ids: &BTreeMap<&str, i64>,
    rows: impl Fn(i64, &'a V) -> I,
) -> Vec<I::Item> {
    by_file
        .iter()
        .filter_map(|(path, value)| Some(rows(*file_ids.get(path.as_str())?, value)))
        .flatten()
        .collect()
}

/// Reads rcov's tables, if the file has them; `paths` maps `file` ids to
/// paths.
pub fn read_tables(con: &Connection, paths: &BTreeMap<i64, String>) -> rusqlite::Result<TraceData> {
    let mut trace = TraceData::default();
    let has_tables: i64 = con.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'rcov_function'",
        [],
        |row| row.get(0),
    )?;
    if has_tables == 0 {
        return Ok(trace);
    }
    let path = |id: i64| paths.get(&id).cloned();

    let mut stmt = con.prepare("SELECT file_id, name, line FROM rcov_function")?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, u32>(2)?,
        ))
    })?;
    for row in rows {
        let (id, name, line) = row?;
        if let Some(path) = path(id) {
            trace
                .functions
                .entry(path)
                .or_default()
                .insert((name, line));
        }
    }

    let mut stmt = con.prepare("SELECT file_id, line, count FROM rcov_line_count")?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, u32>(1)?,
            row.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (id, line, count) = row?;
        if let Some(path) = path(id) {
            let count = u64::try_from(count).unwrap_or(0);
            trace
                .line_counts
                .entry(path)
                .or_default()
                .insert(line, count);
        }
    }

    let mut stmt = con.prepare(
        "SELECT caller_file_id, caller_name, caller_line, \
         callee_file_id, callee_name, callee_line FROM rcov_call",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok((
            (
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, u32>(2)?,
            ),
            (
                row.get::<_, i64>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, u32>(5)?,
            ),
        ))
    })?;
    for row in rows {
        let ((caller_id, caller, caller_line), (callee_id, callee, callee_line)) = row?;
        if let (Some(caller_path), Some(callee_path)) = (path(caller_id), path(callee_id)) {
            trace.calls.insert((
                (caller_path, caller, caller_line),
                (callee_path, callee, callee_line),
            ));
        }
    }
    Ok(trace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TraceData {
        let mut trace = TraceData::default();
        trace.functions.insert(
            "/a.py".into(),
            [("<module>".into(), 1), ("C.m".into(), 4)].into(),
        );
        trace
            .line_counts
            .insert("/a.py".into(), [(1, 1), (5, 40)].into());
        trace.calls.insert((
            ("/a.py".into(), "<module>".into(), 1),
            ("/b.py".into(), "f".into(), 2),
        ));
        trace
    }

    /// `sample()`, with more rows of each table than one INSERT statement
    /// holds, and a partial statement at the end.
    fn many_rows() -> TraceData {
        let mut trace = sample();
        // More rows than one INSERT statement holds, and a partial one.
        for line in 1..150 {
            let name = format!("f{line}");
            let b_functions = trace.functions.entry("/b.py".into()).or_default();
            b_functions.insert((name.clone(), line));
            let b_counts = trace.line_counts.entry("/b.py".into()).or_default();
            b_counts.insert(line, u64::from(line) * 3);
            trace.calls.insert((
                ("/b.py".into(), name, line),
                ("/a.py".into(), "C.m".into(), 4),
            ));
        }
        trace
    }

    fn round_trip(trace: &TraceData) -> TraceData {
        let mut con = Connection::open_in_memory().unwrap();
        con.execute_batch(
            "CREATE TABLE file (id integer primary key, path text);
             INSERT INTO file VALUES (1, '/a.py'), (2, '/b.py');",
        )
        .unwrap();
        let ids: BTreeMap<&str, i64> = [("/a.py", 1), ("/b.py", 2)].into();
        let tx = con.transaction().unwrap();
        write_tables(&tx, trace, &ids).unwrap();
        tx.commit().unwrap();
        let paths = [(1, "/a.py".to_string()), (2, "/b.py".to_string())].into();
        read_tables(&con, &paths).unwrap()
    }

    #[test]
    fn tables_round_trip() {
        assert_eq!(round_trip(&sample()), sample());
        assert_eq!(round_trip(&many_rows()), many_rows());
    }

    #[test]
    fn nothing_to_write_adds_no_tables() {
        let mut con = Connection::open_in_memory().unwrap();
        let tx = con.transaction().unwrap();
        write_tables(&tx, &TraceData::default(), &BTreeMap::new()).unwrap();
        tx.commit().unwrap();
        let tables: i64 = con
            .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
            .unwrap();
        assert_eq!(tables, 0);
        assert!(read_tables(&con, &BTreeMap::new()).unwrap().is_empty());
    }

    #[test]
    fn update_unites_functions_and_pairs_and_adds_counts() {
        let mut ours = sample();
        ours.update(&sample(), |p| p.replace("/b.py", "/c.py"));
        assert_eq!(ours.line_counts["/a.py"][&5], 80);
        assert_eq!(ours.functions["/a.py"].len(), 2);
        assert_eq!(ours.calls.len(), 2);
    }
}

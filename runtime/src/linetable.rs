//! CPython 3.11+ location tables (`co_linetable`): decode, encode, remap.
//!
//! rcov compiles rewritten text, whose line numbers are shifted by the
//! inserted probe lines, and then puts every instruction back on its original
//! line by rewriting this table. Doing it on the table (rather than on
//! instructions) keeps rcov free of per-version bytecode knowledge: the format
//! has been stable since 3.11 (CPython's `Objects/locations.md`).
//!
//! Each entry starts with a byte `1 kkkk nnn`: `nnn + 1` code units share the
//! location described by kind `kkkk` and the bytes that follow:
//! - 15: no location;
//! - 14: long form: svarint line delta, varint end-line delta, varint
//!   column + 1, varint end column + 1 (0 meaning "no column");
//! - 13: line only: svarint line delta;
//! - 10..=12: one line, line delta `kind - 10`, start and end column bytes;
//! - 0..=9: short form, same line as before, one byte of column data.
//!
//! Line deltas are relative to the previous entry's line, the first to
//! `co_firstlineno`. The encoder picks the most compact form the way CPython's
//! assembler does, so decode → encode reproduces CPython's bytes exactly; the
//! one place it departs is a location CPython would store lossily (one column
//! known, the other not), which it keeps whole in the long form.
//!
//! No PyO3 here: the module is tested with plain `cargo test`.

use rcov_instrument::{LineOrigin, PROBE_BASE};

const KIND_NONE: u8 = 15;
const KIND_LONG: u8 = 14;
const KIND_NO_COLUMNS: u8 = 13;
const KIND_ONE_LINE: u8 = 10;
const MAX_UNITS: u8 = 8;

/// Where the instructions of one entry come from. Columns are 0-based UTF-8
/// byte offsets; `-1` means unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub line: i32,
    pub end_line: i32,
    pub column: i32,
    pub end_column: i32,
}

/// One table entry: `code_units` (1..=8) instructions sharing a location.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub code_units: u8,
    pub location: Option<Location>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineTableError {
    #[error("malformed location table at byte {0}")]
    Malformed(usize),
    #[error("line {0} does not fit in a C int")]
    LineOutOfRange(i64),
}

/// The lines of the instructions from code unit `first_traced` on, ascending:
/// every line a LINE event can report (CPython reports nothing up to and
/// including a code object's entry `RESUME`). A line only the entry holds is
/// left out; a line shared with later instructions is kept.
pub fn event_lines(entries: &[Entry], first_traced: usize) -> Vec<u32> {
    let mut end = 0;
    let mut lines = Vec::new();
    for entry in entries {
        end += usize::from(entry.code_units);
        if end > first_traced {
            let line = entry
                .location
                .and_then(|location| u32::try_from(location.line).ok());
            lines.extend(line);
        }
    }
    lines.sort_unstable();
    lines.dedup();
    lines
}

/// Decodes `table`, whose first entry is relative to `first_line`.
pub fn decode(table: &[u8], first_line: i32) -> Result<Vec<Entry>, LineTableError> {
    let mut reader = Reader { table, at: 0 };
    let mut entries = Vec::with_capacity(table.len() / 2);
    let mut line = i64::from(first_line);
    while reader.at < table.len() {
        let start = reader.at;
        let header = reader.byte()?;
        if header & 0x80 == 0 {
            return Err(LineTableError::Malformed(start));
        }
        let kind = (header >> 3) & 15;
        let code_units = (header & 7) + 1;
        let location = match kind {
            KIND_NONE => None,
            KIND_LONG => {
                line += reader.signed_varint()?;
                let end_line = line + i64::from(reader.varint()?);
                let column = i64::from(reader.varint()?) - 1;
                let end_column = i64::from(reader.varint()?) - 1;
                Some(Location {
                    line: to_c_int(line)?,
                    end_line: to_c_int(end_line)?,
                    column: to_c_int(column)?,
                    end_column: to_c_int(end_column)?,
                })
            }
            KIND_NO_COLUMNS => {
                line += reader.signed_varint()?;
                let line = to_c_int(line)?;
                Some(Location {
                    line,
                    end_line: line,
                    column: -1,
                    end_column: -1,
                })
            }
            KIND_ONE_LINE..KIND_NO_COLUMNS => {
                line += i64::from(kind - KIND_ONE_LINE);
                let line = to_c_int(line)?;
                let column = i32::from(reader.byte()?);
                let end_column = i32::from(reader.byte()?);
                Some(Location {
                    line,
                    end_line: line,
                    column,
                    end_column,
                })
            }
            _ => {
                let data = reader.byte()?;
                let column = i32::from(kind) * 8 + i32::from((data >> 4) & 7);
                let line = to_c_int(line)?;
                Some(Location {
                    line,
                    end_line: line,
                    column,
                    end_column: column + i32::from(data & 15),
                })
            }
        };
        entries.push(Entry {
            code_units,
            location,
        });
    }
    Ok(entries)
}

/// Encodes `entries` relative to `first_line`, choosing forms as CPython's
/// assembler does.
pub fn encode(entries: &[Entry], first_line: i32) -> Vec<u8> {
    let mut writer = Writer {
        bytes: Vec::with_capacity(entries.len() * 2),
    };
    let mut previous_line = i64::from(first_line);
    for entry in entries {
        let units = entry.code_units.clamp(1, MAX_UNITS);
        let Some(location) = entry.location else {
            writer.header(KIND_NONE, units);
            continue;
        };
        let line_delta = i64::from(location.line) - previous_line;
        let one_line = location.end_line == location.line;
        let (column, end_column) = (location.column, location.end_column);
        if column < 0 && end_column < 0 && one_line {
            writer.header(KIND_NO_COLUMNS, units);
            writer.signed_varint(line_delta);
        } else if column >= 0 && end_column >= 0 && one_line && line_delta == 0 && column < 80 {
            if let Ok(width @ 0..16) = u8::try_from(end_column - column) {
                // column < 80, so the group is at most 9 and fits the kind.
                let group = (column / 8) as u8;
                writer.header(group, units);
                writer.bytes.push((((column % 8) as u8) << 4) | width);
                continue;
            }
            writer.one_line_or_long(location, line_delta, units);
        } else if column >= 0 && end_column >= 0 && one_line {
            writer.one_line_or_long(location, line_delta, units);
        } else {
            writer.long(location, line_delta, units);
        }
        previous_line = i64::from(location.line);
    }
    writer.bytes
}

/// Where each line of a rewritten text came from, ready to move locations
/// back onto original lines.
pub struct LineRemap<'a> {
    line_of: &'a [LineOrigin],
    /// `source_at_or_before[i]`: the nearest original line at or before
    /// rewritten line `i + 1`, if any.
    source_at_or_before: Vec<Option<u32>>,
}

impl<'a> LineRemap<'a> {
    /// `line_of[i]` is the origin of rewritten line `i + 1`.
    pub fn new(line_of: &'a [LineOrigin]) -> Self {
        let mut last = None;
        let source_at_or_before = line_of
            .iter()
            .map(|origin| {
                if let LineOrigin::Source(n) = *origin {
                    last = Some(n);
                }
                last
            })
            .collect();
        LineRemap {
            line_of,
            source_at_or_before,
        }
    }

    fn origin(&self, line: i32) -> Option<LineOrigin> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        self.line_of.get(index).copied()
    }

    fn source_at_or_before(&self, line: i32) -> Option<u32> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        self.source_at_or_before.get(index).copied().flatten()
    }

    /// The original line of a whole rewritten line (`co_firstlineno`, a
    /// warning's line): itself, or for a probe line the original line before
    /// it. Lines outside the text are kept.
    pub fn original_line(&self, line: i32) -> Result<i32, LineTableError> {
        match self.origin(line) {
            Some(LineOrigin::Source(n)) => to_c_int(i64::from(n)),
            Some(LineOrigin::Probe(_)) => match self.source_at_or_before(line) {
                Some(n) => to_c_int(i64::from(n)),
                None => Ok(1),
            },
            None => Ok(line),
        }
    }

    /// Moves one location to original lines: a start on a probe line becomes
    /// `PROBE_BASE + k` (and so does its end); an end on a probe line becomes
    /// the original line before it; the end never precedes the start.
    pub fn location(&self, location: Location) -> Result<Location, LineTableError> {
        let line = match self.origin(location.line) {
            Some(LineOrigin::Source(n)) => to_c_int(i64::from(n))?,
            Some(LineOrigin::Probe(k)) => {
                let line = to_c_int(i64::from(PROBE_BASE) + i64::from(k))?;
                return Ok(Location {
                    line,
                    end_line: line,
                    ..location
                });
            }
            None => location.line,
        };
        let end_line = match self.origin(location.end_line) {
            Some(LineOrigin::Source(n)) => to_c_int(i64::from(n))?,
            Some(LineOrigin::Probe(_)) => match self.source_at_or_before(location.end_line) {
                Some(n) => to_c_int(i64::from(n))?,
                None => line,
            },
            None => location.end_line,
        };
        Ok(Location {
            line,
            end_line: end_line.max(line),
            ..location
        })
    }
}

/// The entries of a remapped table (already on original lines) and the new
/// `co_firstlineno`. Encoded by the caller, which may change entries first.
pub struct Remapped {
    pub first_line: i32,
    pub entries: Vec<Entry>,
}

impl Remapped {
    pub fn table(&self) -> Vec<u8> {
        encode(&self.entries, self.first_line)
    }
}

/// Rewrites `table` (relative to `first_line`) onto original lines.
pub fn remap(table: &[u8], first_line: i32, lines: &LineRemap) -> Result<Remapped, LineTableError> {
    let mut entries = decode(table, first_line)?;
    for entry in &mut entries {
        if let Some(location) = entry.location {
            entry.location = Some(lines.location(location)?);
        }
    }
    let first_line = lines.original_line(first_line)?;
    Ok(Remapped {
        first_line,
        entries,
    })
}

fn to_c_int(value: i64) -> Result<i32, LineTableError> {
    i32::try_from(value).map_err(|_| LineTableError::LineOutOfRange(value))
}

struct Reader<'a> {
    table: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, LineTableError> {
        let byte = *self
            .table
            .get(self.at)
            .ok_or(LineTableError::Malformed(self.at))?;
        self.at += 1;
        Ok(byte)
    }

    /// Little-endian groups of 6 bits; bit 6 says another group follows.
    fn varint(&mut self) -> Result<u32, LineTableError> {
        let start = self.at;
        let mut value: u32 = 0;
        let mut shift = 0u32;
        loop {
            let byte = self.byte()?;
            let group = u32::from(byte & 63);
            if shift >= 32 || (shift > 0 && group >> (32 - shift) != 0) {
                return Err(LineTableError::Malformed(start));
            }
            value |= group << shift;
            if byte & 64 == 0 {
                return Ok(value);
            }
            shift += 6;
        }
    }

    /// The sign in bit 0, the magnitude above it.
    fn signed_varint(&mut self) -> Result<i64, LineTableError> {
        let raw = self.varint()?;
        let magnitude = i64::from(raw >> 1);
        Ok(if raw & 1 == 1 { -magnitude } else { magnitude })
    }
}

struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    fn header(&mut self, kind: u8, code_units: u8) {
        self.bytes.push(0x80 | (kind << 3) | (code_units - 1));
    }

    fn varint(&mut self, mut value: u64) {
        while value >= 64 {
            self.bytes.push(64 | (value & 63) as u8);
            value >>= 6;
        }
        self.bytes.push(value as u8);
    }

    fn signed_varint(&mut self, value: i64) {
        let magnitude = value.unsigned_abs();
        self.varint(if value < 0 {
            (magnitude << 1) | 1
        } else {
            magnitude << 1
        });
    }

    /// Kinds 10..=12 when the line moved forward by at most two and both
    /// columns fit a byte below 128; the long form otherwise.
    fn one_line_or_long(&mut self, location: Location, line_delta: i64, code_units: u8) {
        match (
            u8::try_from(line_delta),
            u8::try_from(location.column),
            u8::try_from(location.end_column),
        ) {
            (Ok(delta @ 0..3), Ok(column @ 0..128), Ok(end_column @ 0..128)) => {
                self.header(KIND_ONE_LINE + delta, code_units);
                self.bytes.push(column);
                self.bytes.push(end_column);
            }
            _ => self.long(location, line_delta, code_units),
        }
    }

    fn long(&mut self, location: Location, line_delta: i64, code_units: u8) {
        self.header(KIND_LONG, code_units);
        self.signed_varint(line_delta);
        let end_delta = i64::from(location.end_line) - i64::from(location.line);
        self.varint(end_delta.max(0) as u64);
        self.varint((i64::from(location.column) + 1).max(0) as u64);
        self.varint((i64::from(location.end_column) + 1).max(0) as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: i32, end_line: i32, column: i32, end_column: i32) -> Option<Location> {
        Some(Location {
            line,
            end_line,
            column,
            end_column,
        })
    }

    fn entry(code_units: u8, location: Option<Location>) -> Entry {
        Entry {
            code_units,
            location,
        }
    }

    /// `def f(a):\n    x = (a +\n      1)\n    return x` at line 3, as
    /// CPython 3.12 compiled it.
    const FUNCTION_TABLE: &[u8] =
        b"\x80\x00\xd8\t\n\xd8\x06\x07\xf1\x03\x01\n\x08\x80A\xe0\x0b\x0c\x80H";

    #[test]
    fn event_lines_leave_out_the_entry_only() {
        let at = |line: i32, code_units: u8| Entry {
            code_units,
            location: Some(Location {
                line,
                end_line: line,
                column: 0,
                end_column: 1,
            }),
        };
        let none = Entry {
            code_units: 1,
            location: None,
        };
        // def on 3 (entry, 1 unit), body on 4 and 5, the def line again later.
        let entries = [at(3, 1), at(4, 2), none, at(5, 3), at(3, 1)];
        assert_eq!(event_lines(&entries, 1), vec![3, 4, 5]);
        assert_eq!(event_lines(&entries[..4], 1), vec![4, 5]);
        assert_eq!(event_lines(&entries[..4], 0), vec![3, 4, 5]);
        // An entry with instructions past the first traced one counts.
        assert_eq!(event_lines(&[at(3, 4), at(4, 1)], 1), vec![3, 4]);
    }

    #[test]
    fn decodes_cpython_output() {
        let entries = decode(FUNCTION_TABLE, 3).unwrap();
        let locations: Vec<_> = entries.iter().map(|e| e.location.unwrap()).collect();
        let tuples: Vec<_> = locations
            .iter()
            .map(|l| (l.line, l.end_line, l.column, l.end_column))
            .collect();
        assert_eq!(
            tuples,
            vec![
                (3, 3, 0, 0),
                (4, 4, 9, 10),
                (5, 5, 6, 7),
                (4, 5, 9, 7),
                (4, 4, 4, 5),
                (6, 6, 11, 12),
                (6, 6, 4, 12),
            ]
        );
        assert_eq!(entries[3].code_units, 2);
    }

    #[test]
    fn round_trips_cpython_output() {
        let entries = decode(FUNCTION_TABLE, 3).unwrap();
        assert_eq!(encode(&entries, 3), FUNCTION_TABLE);
    }

    #[test]
    fn round_trips_every_form() {
        let entries = vec![
            entry(1, None),
            entry(8, at(10, 10, -1, -1)),         // no columns, forward
            entry(3, at(10, 10, 79, 94)),         // short form, last group
            entry(2, at(12, 12, 127, 3)),         // one line, delta 2
            entry(4, at(12, 12, 80, 81)),         // one line, delta 0 (column >= 80)
            entry(5, at(12, 12, 5, 40)),          // one line (width >= 16)
            entry(1, at(9, 9, 1, 2)),             // long (going back)
            entry(1, at(9, 11, 300, 2)),          // long, multi-line
            entry(1, at(9, 9, 200, 201)),         // long (column >= 128)
            entry(1, at(4, 4, -1, -1)),           // no columns, backwards
            entry(1, at(4, 6, -1, -1)),           // long without columns
            entry(1, at(5000, 5000, -1, -1)),     // multi-byte varint
            entry(6, at(1 << 30, 1 << 30, 0, 3)), // probe-sized lines
            entry(2, at(3, 3, 0, 1)),
        ];
        for first_line in [1, 4, 100_000] {
            let bytes = encode(&entries, first_line);
            assert_eq!(decode(&bytes, first_line).unwrap(), entries);
            assert_eq!(
                encode(&decode(&bytes, first_line).unwrap(), first_line),
                bytes
            );
        }
    }

    #[test]
    fn keeps_a_half_known_column_in_the_long_form() {
        let entries = vec![entry(1, at(1, 1, 5, -1))];
        let bytes = encode(&entries, 1);
        assert_eq!(bytes[0] >> 3 & 15, KIND_LONG);
        assert_eq!(decode(&bytes, 1).unwrap(), entries);
    }

    #[test]
    fn rejects_malformed_tables() {
        assert_eq!(decode(b"\x00", 1), Err(LineTableError::Malformed(0)));
        assert_eq!(decode(b"\xf0", 1), Err(LineTableError::Malformed(1)));
        assert_eq!(decode(b"\xe8\x40", 1), Err(LineTableError::Malformed(2)));
        assert_eq!(
            decode(b"\xe8\x7f\x7f\x7f\x7f\x7f\x7f\x01", 1),
            Err(LineTableError::Malformed(1))
        );
        assert!(matches!(
            decode(b"\xe8\x7e\x7f\x7f\x7f\x7f\x03\x00\x00\x00", 1),
            Err(LineTableError::LineOutOfRange(_))
        ));
    }

    #[test]
    fn remaps_source_and_probe_lines() {
        use LineOrigin::{Probe, Source};
        // rewritten: 1 if x:   2 <probe 0>   3 y = (1,   4 <probe 1>?? (no) ...
        let line_of = [
            Source(1),
            Probe(0),
            Source(2),
            Source(3),
            Probe(1),
            Source(4),
        ];
        let lines = LineRemap::new(&line_of);
        let entries = vec![
            entry(1, at(1, 1, 3, 4)),
            entry(1, at(2, 2, 4, 8)),
            entry(2, at(3, 4, 8, 2)),
            entry(1, at(4, 5, 0, 9)),
            entry(1, at(5, 6, 4, 9)),
            entry(1, at(6, 6, 0, 1)),
            entry(1, None),
        ];
        let table = encode(&entries, 1);
        let remapped = remap(&table, 1, &lines).unwrap();
        assert_eq!(remapped.first_line, 1);
        let probe = |k: i32| PROBE_BASE as i32 + k;
        assert_eq!(
            remapped.entries,
            vec![
                entry(1, at(1, 1, 3, 4)),
                entry(1, at(probe(0), probe(0), 4, 8)),
                entry(2, at(2, 3, 8, 2)),
                entry(1, at(3, 3, 0, 9)),
                entry(1, at(probe(1), probe(1), 4, 9)),
                entry(1, at(4, 4, 0, 1)),
                entry(1, None),
            ]
        );
        assert_eq!(decode(&remapped.table(), 1).unwrap(), remapped.entries);
    }

    #[test]
    fn remaps_the_first_line_and_leaves_unknown_lines() {
        use LineOrigin::{Probe, Source};
        let line_of = [Probe(0), Source(1), Source(2), Probe(1), Source(3)];
        let lines = LineRemap::new(&line_of);
        assert_eq!(lines.original_line(1), Ok(1));
        assert_eq!(lines.original_line(3), Ok(2));
        assert_eq!(lines.original_line(4), Ok(2));
        assert_eq!(lines.original_line(5), Ok(3));
        assert_eq!(lines.original_line(0), Ok(0));
        assert_eq!(lines.original_line(99), Ok(99));
        let end_on_leading_probe = lines.location(at(1, 1, 0, 0).unwrap()).unwrap();
        assert_eq!(end_on_leading_probe.line, PROBE_BASE as i32);
        let ends_before_start = lines.location(at(5, 4, 0, 1).unwrap()).unwrap();
        assert_eq!((ends_before_start.line, ends_before_start.end_line), (3, 3));
    }
}

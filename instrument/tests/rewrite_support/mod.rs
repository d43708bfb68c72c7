//! Helpers shared by the rewriter's tests: checking that a rewrite only adds
//! lines, and rendering it readably for snapshots.

#![allow(dead_code)] // each test file uses its own subset

use rcov_instrument::{rewrite, LineOrigin, Options, Rewrite};

/// The physical lines of `text`, each with its terminator (`\n`, `\r\n` or a
/// lone `\r`, as CPython and ruff split lines).
pub fn physical_lines(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut at = 0;
    while at < bytes.len() {
        let end = match bytes[at] {
            b'\n' => at + 1,
            b'\r' if bytes.get(at + 1) == Some(&b'\n') => at + 2,
            b'\r' => at + 1,
            _ => {
                at += 1;
                continue;
            }
        };
        lines.push(&text[start..end]);
        start = end;
        at = end;
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// Rewrites `source` with the default options, checks the invariants every
/// rewrite must keep, and returns it.
pub fn checked_rewrite(source: &str) -> Rewrite {
    let rewritten = rewrite(source, &Options::default()).expect("rewrite");
    assert_invariants(source, &rewritten);
    rewritten
}

/// The line map covers every line, probes are numbered in text order and
/// hold only their clause, and removing them gives back `source`.
pub fn assert_invariants(source: &str, rewritten: &Rewrite) {
    let lines = physical_lines(&rewritten.text);
    assert_eq!(lines.len(), rewritten.lines.len(), "one origin per line");
    let mut next_probe = 0;
    for (line, origin) in lines.iter().zip(&rewritten.lines) {
        if let LineOrigin::Probe(k) = origin {
            assert_eq!(*k, next_probe, "probes numbered in text order");
            next_probe += 1;
            let statement = without_terminator(line).trim_start_matches([' ', '\t', '\x0c']);
            assert!(
                ["pass", "else: pass", "case _: pass"].contains(&statement),
                "probe line {line:?}"
            );
        }
    }
    assert_eq!(next_probe as usize, rewritten.probes.len());
    assert_eq!(restore(source, rewritten), source, "probes removed");
}

/// Drops the probe lines and joins split lines back together.
pub fn restore(source: &str, rewritten: &Rewrite) -> String {
    let mut restored = String::with_capacity(source.len());
    let mut previous_source_line = None;
    // Where the line break that a split inserted would start.
    let mut last_line_content_end = 0;
    for (line, origin) in physical_lines(&rewritten.text)
        .into_iter()
        .zip(&rewritten.lines)
    {
        let LineOrigin::Source(number) = *origin else {
            continue;
        };
        let part = if previous_source_line == Some(number) {
            restored.truncate(last_line_content_end);
            line.trim_start_matches([' ', '\t'])
        } else {
            line
        };
        last_line_content_end = restored.len() + without_terminator(part).len();
        restored.push_str(part);
        previous_source_line = Some(number);
    }
    if !source.ends_with(['\n', '\r']) {
        restored.truncate(without_terminator(&restored).len());
    }
    restored
}

/// `line` without its one line terminator.
fn without_terminator(line: &str) -> &str {
    line.strip_suffix("\r\n")
        .or_else(|| line.strip_suffix('\n'))
        .or_else(|| line.strip_suffix('\r'))
        .unwrap_or(line)
}

/// Each rewritten line prefixed with its origin (`  12|` for original line
/// 12, `P3  |` for probe 3), control characters made visible, then the
/// probe table.
pub fn render(rewritten: &Rewrite) -> String {
    let mut rendered = String::new();
    for (line, origin) in physical_lines(&rewritten.text)
        .into_iter()
        .zip(&rewritten.lines)
    {
        let prefix = match origin {
            LineOrigin::Source(number) => format!("{number:>4}|"),
            LineOrigin::Probe(k) => format!("{:<4}|", format!("P{k}")),
        };
        rendered.push_str(&prefix);
        rendered.push(' ');
        rendered.push_str(&visible(line));
        rendered.push('\n');
    }
    rendered.push_str("---\n");
    for (k, edge) in rewritten.probes.iter().enumerate() {
        rendered.push_str(&format!("P{k} = line {} {:?}\n", edge.line, edge.side));
    }
    rendered
}

/// `line` without its `\n`, with tabs, carriage returns and form feeds shown
/// as escapes (a CRLF line ends in `\r`).
fn visible(line: &str) -> String {
    line.strip_suffix('\n')
        .unwrap_or(line)
        .replace('\t', "\\t")
        .replace('\r', "\\r")
        .replace('\x0c', "\\f")
}

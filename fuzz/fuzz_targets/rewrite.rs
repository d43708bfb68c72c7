//! Fuzzes the rewriter and the analysis with arbitrary text.
//!
//! Neither may panic (a panic in rcov is an import that falls back to the
//! normal compile at best), and what the rewriter returns must hold together:
//! - `lines` has one origin per rewritten line;
//! - original lines appear in order, every one of them;
//! - every probe index is in the probe table, and every probe is used;
//! - the original lines of the rewritten text hold the original text: the
//!   same characters apart from whitespace (a split one-line body is padded
//!   and moved to a line of its own, nothing else changes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rcov_instrument::{analyze, rewrite, LineOrigin, Options, Patterns};

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    for minor in [12, 13, 14, 15] {
        let options = Options {
            target_version: (3, minor),
        };
        if let Ok(rewritten) = rewrite(source, &options) {
            check(source, &rewritten);
        }
        // The analysis takes CPython's statement lines; any set must do.
        let line_count = u32::try_from(source.lines().count()).unwrap_or(u32::MAX);
        let raw_statements: Vec<u32> = (1..=line_count.saturating_add(1)).collect();
        let patterns = Patterns {
            exclude: vec!["#\\s*(pragma|PRAGMA)[:\\s]?\\s*(no|NO)\\s*(cover|COVER)".into()],
            partial: vec!["#\\s*(pragma|PRAGMA)[:\\s]?\\s*(no|NO)\\s*(branch|BRANCH)".into()],
        };
        let _ = analyze(source, &raw_statements, &options, &patterns);
    }
});

fn check(source: &str, rewritten: &rcov_instrument::Rewrite) {
    let text_lines: Vec<&str> = split_lines(&rewritten.text);
    assert_eq!(
        text_lines.len(),
        rewritten.lines.len(),
        "one origin per rewritten line"
    );
    let mut previous = 0;
    let mut used = vec![false; rewritten.probes.len()];
    let mut kept = String::new();
    for (line, origin) in text_lines.iter().zip(&rewritten.lines) {
        match *origin {
            LineOrigin::Source(n) => {
                assert!(
                    n == previous || n == previous + 1,
                    "original lines in order: {n} after {previous}"
                );
                previous = n;
                kept.push_str(line);
            }
            LineOrigin::Probe(k) => {
                let k = k as usize;
                assert!(k < used.len(), "probe {k} is in the table");
                used[k] = true;
            }
        }
    }
    assert_eq!(
        previous as usize,
        split_lines(source).len(),
        "every original line is there"
    );
    assert!(used.iter().all(|&u| u), "every probe is placed");
    let visible = |text: &str| -> String { text.chars().filter(|c| !c.is_whitespace()).collect() };
    assert_eq!(visible(&kept), visible(source), "original text kept");
}

/// Lines as CPython's tokenizer ends them (`\n`, `\r\n`, `\r`), with their text.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                lines.push(&text[start..i]);
                start = i + 1;
            }
            b'\r' => {
                lines.push(&text[start..i]);
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < bytes.len() {
        lines.push(&text[start..]);
    }
    lines
}

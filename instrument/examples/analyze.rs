//! Prints the analysis of many files for differential checks against
//! coverage.py. Input lines: `PATH<TAB>comma-separated raw statement lines`.
//! Output lines: `PATH<TAB>statements<TAB>excluded<TAB>arcs<TAB>edges` (Python literals).

use std::io::{BufRead, Write};

use rcov_instrument::{analyze, Options, Patterns};

fn main() {
    let minor: u8 = std::env::args()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let options = Options {
        target_version: (3, minor),
    };
    let patterns = Patterns::default();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin is readable");
        let Some((path, raw)) = line.split_once('\t') else {
            continue;
        };
        let raw: Vec<u32> = raw.split(',').filter_map(|v| v.parse().ok()).collect();
        let Ok(source) = std::fs::read_to_string(path) else {
            continue;
        };
        match analyze(&source, &raw, &options, &patterns) {
            Ok(a) => {
                let edges: Vec<String> = a
                    .edges
                    .iter()
                    .map(|(e, arcs)| format!("({}, {}): {:?}", e.line, e.side as u8, arcs))
                    .collect();
                writeln!(
                    out,
                    "{path}\t{:?}\t{:?}\t{:?}\t{{{}}}",
                    a.statements,
                    a.excluded,
                    a.arcs,
                    edges.join(", ")
                )
                .unwrap();
            }
            Err(e) => writeln!(out, "{path}\tERROR {e}").unwrap(),
        }
    }
}

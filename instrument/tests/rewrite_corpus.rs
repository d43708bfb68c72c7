//! Rewrites every `.py` file under a directory into another directory, for
//! checking with a real interpreter that the rewritten texts compile:
//!
//! ```text
//! RCOV_CORPUS=/usr/lib/python3.13 RCOV_CORPUS_OUT=/tmp/out \
//!     cargo test -p rcov-instrument --release --test rewrite_corpus -- --ignored
//! ```
//!
//! Each rewritten file gets a `.probes` sidecar with a line per probe: its
//! line in the rewritten text, its branch line and side (`line\tbranch\tside`). Files the parser refuses are
//! listed in `refused.txt`; files that are not UTF-8 are skipped.

mod rewrite_support;

use std::fs;
use std::path::{Path, PathBuf};

use rcov_instrument::{rewrite, LineOrigin, Options};
use rewrite_support::assert_invariants;

#[test]
#[ignore = "needs RCOV_CORPUS and RCOV_CORPUS_OUT"]
fn rewrite_corpus() {
    let corpus = PathBuf::from(std::env::var("RCOV_CORPUS").expect("RCOV_CORPUS"));
    let out = PathBuf::from(std::env::var("RCOV_CORPUS_OUT").expect("RCOV_CORPUS_OUT"));
    let options = Options {
        target_version: (3, 13),
    };
    let mut refused = String::new();
    let mut rewritten_count = 0;
    for path in python_files(&corpus) {
        let Ok(source) = fs::read_to_string(&path) else {
            continue;
        };
        let relative = path.strip_prefix(&corpus).unwrap();
        match rewrite(&source, &options) {
            Ok(rewritten) => {
                assert_invariants(&source, &rewritten);
                write_rewrite(&out.join(relative), &rewritten);
                rewritten_count += 1;
            }
            Err(failure) => refused.push_str(&format!("{}\t{failure}\n", relative.display())),
        }
    }
    fs::write(out.join("refused.txt"), refused).unwrap();
    println!("rewrote {rewritten_count} files");
}

fn write_rewrite(target: &Path, rewritten: &rcov_instrument::Rewrite) {
    fs::create_dir_all(target.parent().unwrap()).unwrap();
    fs::write(target, &rewritten.text).unwrap();
    let probe_lines: String = rewritten
        .lines
        .iter()
        .enumerate()
        .filter_map(|(index, origin)| match origin {
            LineOrigin::Probe(k) => Some((index + 1, rewritten.probes[*k as usize])),
            LineOrigin::Source(_) => None,
        })
        .map(|(line, edge)| format!("{line}\t{}\t{:?}\n", edge.line, edge.side))
        .collect();
    fs::write(target.with_extension("probes"), probe_lines).unwrap();
}

fn python_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "py") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

//! The rewriter on big and deeply nested inputs.

mod rewrite_support;

use std::time::Instant;

use rcov_instrument::{rewrite, EdgeId, LineOrigin, Options, ParseFailure, Side};
use rewrite_support::checked_rewrite;

/// `count` functions of 10 lines each: a loop ending in an `if` and a
/// one-line `if`.
fn generated_module(count: usize) -> String {
    let mut source = String::from("import sys\n\n");
    for index in 0..count {
        source.push_str(&format!(
            "def f{index}(xs):\n    total = 0\n    for x in xs:\n        if x > {index}:\n            total += x\n    if total: return total\n    return -1\n\n\n\n"
        ));
    }
    source
}

#[test]
fn file_longer_than_40000_lines() {
    let source = generated_module(4_500);
    let line_count = source.lines().count() as u32;
    assert!(line_count > 45_000);

    let started = Instant::now();
    let rewritten = checked_rewrite(&source);
    let elapsed = started.elapsed();
    assert!(elapsed.as_secs() < 10, "took {elapsed:?}");

    // Per function: the trampoline of the `if` that ends the loop body and
    // the split probe of the one-line `if`. The loop and the one-line `if`
    // need no trampoline: the statement after each is reached only when
    // they are left the "other way".
    assert_eq!(rewritten.probes.len(), 2 * 4_500);
    let last_def = line_count - 9;
    let (if_line, one_liner) = (last_def + 3, last_def + 5);
    let last_probes = &rewritten.probes[rewritten.probes.len() - 2..];
    assert_eq!(
        last_probes,
        [edge(if_line, Side::NotTaken), edge(one_liner, Side::Taken)]
    );
    let k = rewritten.probes.len() as u32 - 2;
    let source_line = LineOrigin::Source;
    let tail = &rewritten.lines[rewritten.lines.len() - 9..];
    assert_eq!(
        tail,
        [
            source_line(last_def + 4),
            LineOrigin::Probe(k),
            source_line(last_def + 5),
            LineOrigin::Probe(k + 1),
            source_line(last_def + 5),
            source_line(last_def + 6),
            source_line(last_def + 7),
            source_line(last_def + 8),
            source_line(last_def + 9),
        ]
    );
    assert!(rewritten.text.ends_with(
        "    if total: \n              pass\n              return total\n    return -1\n\n\n\n"
    ));
}

fn edge(line: u32, side: Side) -> EdgeId {
    EdgeId { line, side }
}

/// `depth` `if` statements, each nested in the previous one.
fn nested_ifs(depth: usize) -> String {
    let mut source = String::new();
    for level in 0..depth {
        source.push_str(&" ".repeat(level));
        source.push_str("if x:\n");
    }
    source.push_str(&" ".repeat(depth));
    source.push_str("pass\n");
    source
}

#[test]
fn nesting_up_to_the_limit_is_rewritten() {
    let rewritten = checked_rewrite(&nested_ifs(1000));
    assert_eq!(rewritten.probes.len(), 1000);
    assert_eq!(rewritten.probes[0], edge(1000, Side::NotTaken));
    assert_eq!(rewritten.probes[999], edge(1, Side::NotTaken));
}

#[test]
fn nesting_beyond_the_limit_is_refused() {
    let refused = rewrite(&nested_ifs(1001), &Options::default());
    assert_eq!(
        refused,
        Err(ParseFailure::TooDeep {
            line: 1001,
            limit: 1000
        })
    );
}

/// ruff's parser grows its stack as it recurses, but dropping its tree
/// recurses once per level: at 10,000 levels that alone overflows a 2 MiB
/// thread in an unoptimised build. The rewriter must refuse such input
/// without recursing that deep, on a thread no bigger than a test's own.
#[test]
fn ten_thousand_levels_are_refused_without_overflow() {
    let refused = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| rewrite(&nested_ifs(10_000), &Options::default()))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(
        refused,
        Err(ParseFailure::TooDeep {
            line: 1001,
            limit: 1000
        })
    );
}

//! The rewriter: inserts probe statements on branch edges and returns the new
//! text, the line map and the probe table.
//!
//! A probe is a `pass` statement on a line of its own: CPython compiles it to a
//! `NOP` that it keeps for its line number, so the LINE event of that line
//! means exactly one branch edge ran. Probes go in two kinds of places:
//! - *splits*: a body on its header's logical line (`if x: y`) is cut from
//!   its header, the probe goes on a new line and the body moves to the line
//!   after it, padded so it keeps its original byte columns;
//! - *trampolines*: after an `if` with no `else`, a loop with no `else` or a
//!   `match` with no irrefutable case, a new `else: pass` (or `case _: pass`)
//!   clause runs only on the edge that leaves the statement the "other way".
//!
//! A one-line body also gets a `BodyEnd` probe after it (unless it ends in a
//! jump), and a one-line `def`/`class` is a branch line of its own: a probe
//! starts its body (after the docstring) and another follows the definition.
//!
//! Other edges whose destination statement starts its own line get no probe:
//! the runtime reads them from that statement's own LINE event. The planner
//! walks the tree once and collects insertions; the emitter sorts them and
//! writes the text and line map in one sweep.

use std::cmp::Reverse;

use ruff_python_ast::statement_visitor::{walk_stmt, StatementVisitor};
use ruff_python_ast::token::TokenKind;
use ruff_python_ast::{ElifElseClause, Expr, Stmt, StmtFor, StmtIf, StmtMatch, StmtWhile};
use ruff_text_size::{Ranged, TextSize};

use crate::lines::MultilineMap;
use crate::parse::{Options, ParseFailure, SourceFile};
use crate::source::ParsedSource;
use crate::syntax::{case_is_irrefutable, constant_test};
use crate::{EdgeId, Side};

/// Nesting of compound statements beyond which a file is refused rather than
/// risk overflowing the stack. CPython itself stops at 100 indentation levels.
pub const MAX_NESTING: usize = 1000;

/// Where a line of the rewritten text came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineOrigin {
    /// An original line (1-based), unchanged or the moved part of a split line.
    Source(u32),
    /// A synthetic line holding probe `k` (or the trampoline clause around it).
    Probe(u32),
}

/// The rewritten program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewrite {
    pub text: String,
    /// `lines[i]` is the origin of rewritten line `i + 1`.
    pub lines: Vec<LineOrigin>,
    /// `probes[k]` is the branch edge that probe `k` observes.
    pub probes: Vec<EdgeId>,
}

/// Parses `source` and returns it with probes inserted on its branch edges.
pub fn rewrite(source: &str, options: &Options) -> Result<Rewrite, ParseFailure> {
    ParsedSource::parse(source, options)?.rewrite()
}

/// `file` (with its `multiline` map) with probes inserted on its branch edges.
pub(crate) fn rewrite_parsed(
    file: &SourceFile<'_>,
    multiline: &MultilineMap,
) -> Result<Rewrite, ParseFailure> {
    let mut planner = Planner::new(file, multiline);
    planner.visit_body(&file.module().body);
    if let Some(line) = planner.too_deep_at {
        return Err(ParseFailure::TooDeep {
            line,
            limit: MAX_NESTING,
        });
    }
    let mut insertions = planner.insertions;
    insertions.sort_by_key(Insertion::order);
    Ok(Emitter::new(file).emit(&insertions))
}

/// A place where the rewritten text gets new lines.
struct Insertion {
    /// The original line the new text goes into (split) or after.
    line: u32,
    kind: InsertionKind,
}

enum InsertionKind {
    /// Cut `line` at byte `at`; the rest moves to a new line that starts
    /// with `pad`, after a probe line for `probe` if there is one.
    Split {
        at: usize,
        pad: String,
        probe: Option<EdgeId>,
    },
    /// Add the probe line `<indent><statement>` after `line`. `depth` is the
    /// nesting of the block the line belongs to: deeper blocks go first.
    After {
        indent: String,
        statement: &'static str,
        depth: usize,
        probe: EdgeId,
    },
}

impl Insertion {
    /// Splits come at their offset inside the line; new lines after the
    /// whole line, innermost block first.
    fn order(&self) -> (u32, usize, Reverse<usize>) {
        match self.kind {
            InsertionKind::Split { at, .. } => (self.line, at, Reverse(0)),
            InsertionKind::After { depth, .. } => (self.line, usize::MAX, Reverse(depth)),
        }
    }
}

const PROBE: &str = "pass";
const ELSE_TRAMPOLINE: &str = "else: pass";
const CASE_TRAMPOLINE: &str = "case _: pass";

/// Walks the statements and collects the insertions.
struct Planner<'s> {
    file: &'s SourceFile<'s>,
    multiline: &'s MultilineMap,
    insertions: Vec<Insertion>,
    /// Nesting of the compound statement being planned (1 at module level).
    depth: usize,
    /// The line of the first statement nested deeper than [`MAX_NESTING`].
    too_deep_at: Option<u32>,
    /// The statement after the one being planned, in the same block.
    following: Option<&'s Stmt>,
}

impl<'s> Planner<'s> {
    fn new(file: &'s SourceFile<'s>, multiline: &'s MultilineMap) -> Self {
        Planner {
            file,
            multiline,
            insertions: Vec::new(),
            depth: 0,
            too_deep_at: None,
            following: None,
        }
    }

    fn plan_if(&mut self, stmt: &StmtIf) {
        let if_clause = (stmt.start(), &*stmt.test, &stmt.body[..]);
        let elif_clauses = stmt.elif_else_clauses.iter().filter_map(elif_clause);
        let mut last_test_clause = None;
        // Whether the chain always leaves into the next statement by its last
        // test's "not taken" edge alone: no constant test, every body jumps.
        let mut only_way_on = true;
        for (start, test, body) in std::iter::once(if_clause).chain(elif_clauses) {
            let line = self.branch_line(start);
            let is_constant = constant_test(test).is_some();
            if !is_constant {
                self.probe_one_line_body(start, line, body);
            }
            only_way_on &= !is_constant && body.last().is_some_and(is_jump);
            last_test_clause = Some((line, is_constant));
        }
        let has_else = stmt
            .elif_else_clauses
            .last()
            .is_some_and(|clause| clause.test.is_none());
        if let (false, Some((line, false))) = (has_else, last_test_clause) {
            if !(only_way_on && self.following_reports_first()) {
                self.add_trampoline(stmt, stmt.start(), ELSE_TRAMPOLINE, line);
            }
        }
    }

    /// Does the next statement of the block start with code of its own line?
    /// Then an edge that is the only way into it needs no trampoline: the
    /// analysis reads it from that line (its `entry_lines`). Only statement
    /// kinds that always compile to code on their first line qualify, as
    /// the compiled code is not known yet (an `assert` vanishes under `-O`,
    /// a lone string or `...` compiles to nothing, a `try` line may not
    /// report).
    fn following_reports_first(&self) -> bool {
        self.following.is_some_and(|next| match next {
            Stmt::Assign(_)
            | Stmt::AugAssign(_)
            | Stmt::Return(_)
            | Stmt::Raise(_)
            | Stmt::Delete(_)
            | Stmt::Import(_)
            | Stmt::ImportFrom(_)
            | Stmt::For(_)
            | Stmt::With(_)
            | Stmt::Match(_) => true,
            Stmt::AnnAssign(assign) => assign.value.is_some(),
            Stmt::Expr(expr) => expr.value.is_call_expr(),
            Stmt::If(stmt) => constant_test(&stmt.test).is_none(),
            Stmt::While(stmt) => constant_test(&stmt.test).is_none(),
            _ => false,
        })
    }

    fn plan_for(&mut self, stmt: &StmtFor) {
        self.plan_loop(stmt, &stmt.body, &stmt.orelse);
    }

    /// A constant test (`while True`, `while 0`) has a single destination.
    fn plan_while(&mut self, stmt: &StmtWhile) {
        if constant_test(&stmt.test).is_none() {
            self.plan_loop(stmt, &stmt.body, &stmt.orelse);
        }
    }

    /// A loop without `break` is left only when its iterable ends or its
    /// test fails: then the next statement tells that edge without a
    /// trampoline (see `following_reports_first`).
    fn plan_loop(&mut self, stmt: &impl Ranged, body: &[Stmt], orelse: &[Stmt]) {
        let line = self.branch_line(stmt.start());
        self.probe_one_line_body(stmt.start(), line, body);
        if orelse.is_empty() && (has_break(body) || !self.following_reports_first()) {
            self.add_trampoline(stmt, stmt.start(), ELSE_TRAMPOLINE, line);
        }
    }

    fn plan_match(&mut self, stmt: &StmtMatch) {
        for case in &stmt.cases {
            let line = self.branch_line(case.start());
            self.probe_one_line_body(case.start(), line, &case.body);
        }
        if let Some(last) = stmt.cases.last().filter(|case| !case_is_irrefutable(case)) {
            let line = self.branch_line(last.start());
            self.add_trampoline(stmt, last.start(), CASE_TRAMPOLINE, line);
        }
    }

    /// A `def` or `class` whose body shares its line is a branch line:
    /// into the body (a probe that runs whenever the body does) or on to
    /// the next statement (a probe after the definition).
    fn plan_definition(&mut self, stmt: &Stmt, name: TextSize, body: &[Stmt]) {
        let line = self.branch_line(name);
        let Some(pad) = self.one_line_pad(stmt.start(), line, body) else {
            return;
        };
        let taken = EdgeId {
            line,
            side: Side::Taken,
        };
        match body {
            [docstring, rest @ ..] if is_docstring(docstring) => {
                // The docstring must stay first: the probe goes after it.
                self.split(docstring.start(), pad.clone(), None);
                match rest.first() {
                    Some(next) => self.split(next.start(), pad, Some(taken)),
                    None => self.add_after(docstring, pad, PROBE, self.depth + 1, taken),
                }
            }
            _ => self.split(body[0].start(), pad, Some(taken)),
        }
        let indent = self.indent_of_line_at(stmt.start());
        let not_taken = EdgeId {
            line,
            side: Side::NotTaken,
        };
        self.add_after(stmt, indent, PROBE, self.depth, not_taken);
    }

    /// When `body` shares its header's logical line, splits it onto lines of
    /// its own with a probe for the `Taken` edge of `branch_line` before it
    /// and, unless it ends in a jump, one for `BodyEnd` after it.
    fn probe_one_line_body(&mut self, header_start: TextSize, branch_line: u32, body: &[Stmt]) {
        let Some(pad) = self.one_line_pad(header_start, branch_line, body) else {
            return;
        };
        let (first, last) = (&body[0], &body[body.len() - 1]);
        let edge = |side| EdgeId {
            line: branch_line,
            side,
        };
        if !is_jump(last) {
            self.add_after(
                last,
                pad.clone(),
                PROBE,
                self.depth + 1,
                edge(Side::BodyEnd),
            );
        }
        self.split(first.start(), pad, Some(edge(Side::Taken)));
    }

    /// The padding for moving `body` to lines of its own, if it starts on the
    /// logical line `branch_line` of its header: the bytes before it on its
    /// physical line with every non-tab byte turned into a space, so it keeps
    /// its byte columns. If that is not deeper than the header's indentation
    /// (a body after a multi-line header whose last line is dedented, or at
    /// the start of a backslash-continued line), the header's indentation
    /// goes first.
    fn one_line_pad(
        &self,
        header_start: TextSize,
        branch_line: u32,
        body: &[Stmt],
    ) -> Option<String> {
        let first = body.first()?;
        if self.branch_line(first.start()) != branch_line {
            return None;
        }
        let text = self.file.text;
        let line_start = self.file.line_start(self.file.line_of(first.start()));
        let pad: String = text.as_bytes()[line_start..first.start().to_usize()]
            .iter()
            .map(|&byte| if byte == b'\t' { '\t' } else { ' ' })
            .collect();
        let header_indent = self.indent_of_line_at(header_start);
        let (header_columns, header_alt) = indent_width(&header_indent);
        let (columns, alt_columns) = indent_width(&pad);
        if columns > header_columns && alt_columns > header_alt {
            Some(pad)
        } else if pad.is_empty() {
            Some(header_indent + " ")
        } else {
            Some(header_indent + &pad)
        }
    }

    fn split(&mut self, at: TextSize, pad: String, probe: Option<EdgeId>) {
        self.insertions.push(Insertion {
            line: self.file.line_of(at),
            kind: InsertionKind::Split {
                at: at.to_usize(),
                pad,
                probe,
            },
        });
    }

    /// Plans `<indent><clause>` after the last line of `stmt`, as the
    /// `NotTaken` edge of `branch_line`; `indent_from` is where the keyword
    /// it lines up with (`if`, `for`, the last `case`) starts.
    fn add_trampoline(
        &mut self,
        stmt: &impl Ranged,
        indent_from: TextSize,
        clause: &'static str,
        branch_line: u32,
    ) {
        let indent = self.indent_of_line_at(indent_from);
        let edge = EdgeId {
            line: branch_line,
            side: Side::NotTaken,
        };
        self.add_after(stmt, indent, clause, self.depth, edge);
    }

    fn add_after(
        &mut self,
        node: &impl Ranged,
        indent: String,
        statement: &'static str,
        depth: usize,
        probe: EdgeId,
    ) {
        self.insertions.push(Insertion {
            line: self.last_line(node),
            kind: InsertionKind::After {
                indent,
                statement,
                depth,
                probe,
            },
        });
    }

    /// The line holding the NEWLINE token that ends `node`'s last logical
    /// line: a backslash or a comment may follow the node's last token.
    fn last_line(&self, node: &impl Ranged) -> u32 {
        let newline = self
            .file
            .parsed
            .tokens()
            .after(node.end())
            .iter()
            .find(|token| token.kind() == TokenKind::Newline);
        let end = newline.map_or(node.end(), Ranged::start);
        self.file.line_of(end)
    }

    /// coverage.py's name for the branch at `start`: the first line of the
    /// logical line holding it.
    fn branch_line(&self, start: TextSize) -> u32 {
        self.multiline.first_line(self.file.line_of(start) as i32) as u32
    }

    /// The leading whitespace of the line holding `offset`.
    fn indent_of_line_at(&self, offset: TextSize) -> String {
        let line_start = self.file.line_start(self.file.line_of(offset));
        let line = &self.file.text[line_start..];
        let width = line
            .bytes()
            .take_while(|&byte| is_indent_byte(byte))
            .count();
        line[..width].to_string()
    }
}

impl<'s> StatementVisitor<'s> for Planner<'s> {
    fn visit_body(&mut self, body: &'s [Stmt]) {
        for (i, stmt) in body.iter().enumerate() {
            if self.too_deep_at.is_some() {
                return;
            }
            self.following = body.get(i + 1);
            self.visit_stmt(stmt);
        }
    }

    fn visit_stmt(&mut self, stmt: &'s Stmt) {
        if !is_compound(stmt) || self.too_deep_at.is_some() {
            return;
        }
        if self.depth == MAX_NESTING {
            self.too_deep_at = Some(self.file.line_of(stmt.start()));
            return;
        }
        self.depth += 1;
        match stmt {
            Stmt::If(if_stmt) => self.plan_if(if_stmt),
            Stmt::For(for_stmt) => self.plan_for(for_stmt),
            Stmt::While(while_stmt) => self.plan_while(while_stmt),
            Stmt::Match(match_stmt) => self.plan_match(match_stmt),
            Stmt::FunctionDef(def) => self.plan_definition(stmt, def.name.start(), &def.body),
            Stmt::ClassDef(class) => self.plan_definition(stmt, class.name.start(), &class.body),
            _ => {}
        }
        walk_stmt(self, stmt);
        self.depth -= 1;
    }
}

fn is_compound(stmt: &Stmt) -> bool {
    matches!(
        stmt,
        Stmt::FunctionDef(_)
            | Stmt::ClassDef(_)
            | Stmt::If(_)
            | Stmt::For(_)
            | Stmt::While(_)
            | Stmt::With(_)
            | Stmt::Match(_)
            | Stmt::Try(_)
    )
}

/// Does `body` hold a `break` of its own loop (not of a nested one)?
fn has_break(body: &[Stmt]) -> bool {
    struct Finder(bool);
    impl<'a> StatementVisitor<'a> for Finder {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::Break(_) => self.0 = true,
                // A nested loop's breaks are its own, except in its `else`;
                // a definition's are its own.
                Stmt::For(inner) => self.visit_body(&inner.orelse),
                Stmt::While(inner) => self.visit_body(&inner.orelse),
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                _ => walk_stmt(self, stmt),
            }
        }
    }
    let mut finder = Finder(false);
    finder.visit_body(body);
    finder.0
}

/// Statements after which control never falls through.
fn is_jump(stmt: &Stmt) -> bool {
    matches!(
        stmt,
        Stmt::Return(_) | Stmt::Raise(_) | Stmt::Break(_) | Stmt::Continue(_)
    )
}

fn is_docstring(stmt: &Stmt) -> bool {
    matches!(stmt, Stmt::Expr(expr) if expr.value.is_string_literal_expr())
}

/// An `elif` clause as (start, test, body); `None` for an `else`.
fn elif_clause(clause: &ElifElseClause) -> Option<(TextSize, &Expr, &[Stmt])> {
    let test = clause.test.as_ref()?;
    Some((clause.start(), test, &clause.body[..]))
}

/// Bytes CPython's tokenizer accepts in indentation.
fn is_indent_byte(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\x0c')
}

/// An indentation's width as CPython's tokenizer measures it: with tabs to
/// multiples of 8, and with tabs as one column. A block must be deeper by
/// both measures, or CPython raises a TabError.
fn indent_width(indent: &str) -> (usize, usize) {
    let (mut columns, mut alt_columns) = (0, 0);
    for byte in indent.bytes() {
        match byte {
            b'\t' => columns = (columns / 8 + 1) * 8,
            b'\x0c' => (columns, alt_columns) = (0, 0),
            _ => columns += 1,
        }
        if byte != b'\x0c' {
            alt_columns += 1;
        }
    }
    (columns, alt_columns)
}

/// Writes the rewritten text and its line map.
struct Emitter<'s> {
    file: &'s SourceFile<'s>,
    newline: &'static str,
    output: Rewrite,
}

impl<'s> Emitter<'s> {
    fn new(file: &'s SourceFile<'s>) -> Self {
        let newline = match file.text.find(['\n', '\r']) {
            Some(at) if file.text[at..].starts_with("\r\n") => "\r\n",
            _ => "\n",
        };
        let output = Rewrite {
            text: String::with_capacity(file.text.len() + file.text.len() / 8),
            lines: Vec::with_capacity(file.line_count() as usize),
            probes: Vec::new(),
        };
        Emitter {
            file,
            newline,
            output,
        }
    }

    /// `insertions` must be sorted by [`Insertion::order`].
    fn emit(mut self, insertions: &[Insertion]) -> Rewrite {
        let mut pending = insertions.iter().peekable();
        for line in 1..=self.file.line_count() {
            let end = self.file.line_start(line + 1);
            let mut written = self.file.line_start(line);
            while let Some(insertion) = pending.next_if(|insertion| insertion.line == line) {
                match &insertion.kind {
                    InsertionKind::Split { at, pad, probe } => {
                        // The part before a body on a backslash-continued
                        // line may be empty: it still ends a line.
                        self.output.text.push_str(&self.file.text[written..*at]);
                        self.output.lines.push(LineOrigin::Source(line));
                        self.output.text.push_str(self.newline);
                        if let Some(probe) = probe {
                            self.push_probe_line(pad, PROBE, *probe);
                        }
                        self.output.text.push_str(pad);
                        written = *at;
                    }
                    InsertionKind::After {
                        indent,
                        statement,
                        probe,
                        ..
                    } => {
                        self.push_source(line, written, end);
                        written = end;
                        if !self.output.text.ends_with(['\n', '\r']) {
                            self.output.text.push_str(self.newline);
                        }
                        self.push_probe_line(indent, statement, *probe);
                    }
                }
            }
            self.push_source(line, written, end);
        }
        self.output
    }

    /// Writes the original bytes `start..end` of `line`, if any, as a line
    /// of its own.
    fn push_source(&mut self, line: u32, start: usize, end: usize) {
        if start < end {
            self.output.text.push_str(&self.file.text[start..end]);
            self.output.lines.push(LineOrigin::Source(line));
        }
    }

    fn push_probe_line(&mut self, indent: &str, statement: &str, edge: EdgeId) {
        let probe = self.output.probes.len() as u32;
        self.output.probes.push(edge);
        self.output.lines.push(LineOrigin::Probe(probe));
        self.output.text.push_str(indent);
        self.output.text.push_str(statement);
        self.output.text.push_str(self.newline);
    }
}

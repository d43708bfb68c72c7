//! Possible arcs, with coverage.py 7.17's semantics (its `AstArcAnalyzer`,
//! re-thought in Rust over ruff's AST), each branch edge tagged with the
//! [`EdgeId`] that observes it at run time.
//!
//! Each code object (module, function, class body) is analysed on its own.
//! `node_exits` returns the places control can leave a statement from; the
//! caller joins them to the next statement. Jumps (break, continue, return,
//! raise) are routed through a stack of enclosing blocks.

use std::collections::{BTreeMap, BTreeSet};

use ruff_python_ast::statement_visitor::{walk_stmt, StatementVisitor};
use ruff_python_ast::{ElifElseClause, Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};

use crate::lines::MultilineMap;
use crate::parse::SourceFile;
use crate::syntax::{case_is_irrefutable, constant_test};
use crate::{Arc, EdgeId, Side};

/// A place an arc can start from, and the branch edge it belongs to, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct ArcStart {
    line: i32,
    edge: Option<EdgeId>,
}

type Exits = BTreeSet<ArcStart>;

/// A body on its header's line, and the sides its arcs are observed by.
#[derive(Clone, Copy)]
struct OneLineBody {
    line: i32,
    /// Jumps out of the body (return, raise, break, continue).
    jump_side: Side,
    /// Falling off the end of the body.
    fall_through_side: Side,
}

enum Block {
    Loop { start: i32, break_exits: Exits },
    Function { start: i32 },
    Try { handler_start: Option<i32> },
}

/// A statement of a body, or the `elif`/`else` rest of an `if` chain, which
/// Python's own AST nests as an `If` in `orelse`.
#[derive(Clone, Copy)]
enum Node<'a> {
    Stmt(&'a Stmt),
    Elif(&'a [ElifElseClause]),
}

/// The arcs of a file and the arcs of each branch edge, before `with` fixing
/// and normalisation.
pub struct RawArcs {
    pub arcs: BTreeSet<Arc>,
    pub edge_arcs: BTreeSet<(EdgeId, Arc)>,
    /// For each edge into a block that holds code, the block's first statement
    /// line: reached through that edge alone, so its LINE event stands for it.
    pub entry_lines: BTreeMap<EdgeId, u32>,
    with_fixers: BTreeMap<Arc, Option<Arc>>,
}

impl RawArcs {
    /// Arcs normalised to first lines, self arcs dropped, `with` jumps fixed.
    pub fn normalized(&self, multiline: &MultilineMap) -> BTreeSet<Arc> {
        self.arcs
            .iter()
            .filter_map(|&arc| self.fix_and_normalize(arc, multiline))
            .collect()
    }

    pub fn normalized_edges(&self, multiline: &MultilineMap) -> BTreeMap<EdgeId, BTreeSet<Arc>> {
        let mut edges: BTreeMap<EdgeId, BTreeSet<Arc>> = BTreeMap::new();
        for &(edge, arc) in &self.edge_arcs {
            let arcs = edges.entry(edge).or_default();
            if let Some(arc) = self.fix_and_normalize(arc, multiline) {
                arcs.insert(arc);
            }
        }
        edges
    }

    /// Replacements for arcs that jump back to a `with` line (see
    /// [`ArcAnalyzer::with_jump_fixers`]), for measured data to go through too.
    pub fn with_fixers(&self) -> &BTreeMap<Arc, Option<Arc>> {
        &self.with_fixers
    }

    fn fix_and_normalize(&self, arc: Arc, multiline: &MultilineMap) -> Option<Arc> {
        let (from, to) = match self.with_fixers.get(&arc) {
            Some(None) => return None,
            Some(Some(fixed)) => *fixed,
            None => arc,
        };
        let (from, to) = (multiline.first_line(from), multiline.first_line(to));
        (from != to).then_some((from, to))
    }
}

pub fn find_arcs(
    source: &SourceFile,
    multiline: &MultilineMap,
    raw_statements: &BTreeSet<u32>,
) -> RawArcs {
    let statements = raw_statements
        .iter()
        .map(|&line| multiline.first_line(line as i32))
        .collect();
    let mut analyzer = ArcAnalyzer {
        source,
        multiline,
        statements,
        arcs: BTreeSet::new(),
        edge_arcs: BTreeSet::new(),
        entry_lines: BTreeMap::new(),
        blocks: Vec::new(),
        one_line_bodies: Vec::new(),
        current_with_starts: BTreeSet::new(),
        all_with_starts: BTreeSet::new(),
        with_entries: BTreeSet::new(),
        with_exits: BTreeSet::new(),
    };
    analyzer.module(&source.module().body);
    let mut code_objects = CodeObjects(Vec::new());
    code_objects.visit_body(&source.module().body);
    for stmt in code_objects.0 {
        match stmt {
            Stmt::FunctionDef(def) => analyzer.function(stmt, def.name.start(), &def.body),
            Stmt::ClassDef(class) => analyzer.class(stmt, class.name.start(), &class.body),
            _ => unreachable!("only definitions are collected"),
        }
    }
    let with_fixers = analyzer.with_jump_fixers();
    RawArcs {
        arcs: analyzer.arcs,
        edge_arcs: analyzer.edge_arcs,
        entry_lines: analyzer.entry_lines,
        with_fixers,
    }
}

/// Collects every function and class definition, at any depth.
struct CodeObjects<'a>(Vec<&'a Stmt>);

impl<'a> StatementVisitor<'a> for CodeObjects<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
            self.0.push(stmt);
        }
        walk_stmt(self, stmt);
    }
}

struct ArcAnalyzer<'s, 'a> {
    source: &'s SourceFile<'a>,
    multiline: &'s MultilineMap,
    /// Statement lines (first lines) of the compiled code.
    statements: BTreeSet<i32>,
    arcs: BTreeSet<Arc>,
    edge_arcs: BTreeSet<(EdgeId, Arc)>,
    entry_lines: BTreeMap<EdgeId, u32>,
    blocks: Vec<Block>,
    /// Bodies that share their header's line: arcs that start on that line
    /// while the body is analysed belong to the header's edges.
    one_line_bodies: Vec<OneLineBody>,
    current_with_starts: BTreeSet<i32>,
    all_with_starts: BTreeSet<i32>,
    with_entries: BTreeSet<Arc>,
    with_exits: BTreeSet<Arc>,
}

impl<'a> ArcAnalyzer<'_, 'a> {
    // ---- lines ----

    fn line_at(&self, offset: TextSize) -> i32 {
        self.multiline
            .first_line(self.source.line_of(offset) as i32)
    }

    /// The line coverage.py names a statement by: its first line, or its first
    /// decorator's line.
    fn line_for(&self, node: Node) -> i32 {
        match node {
            Node::Stmt(stmt) => self.line_at(stmt.start()),
            Node::Elif(clauses) => self.line_at(clauses[0].start()),
        }
    }

    // ---- recording ----

    /// Where a jump (return, raise, break, continue) on `line` starts.
    fn jump_start(&self, line: i32) -> ArcStart {
        self.tagged_start(line, |body| body.jump_side)
    }

    /// Where control falls off a statement on `line`.
    fn start(&self, line: i32) -> ArcStart {
        self.tagged_start(line, |body| body.fall_through_side)
    }

    fn tagged_start(&self, line: i32, side: impl Fn(&OneLineBody) -> Side) -> ArcStart {
        let edge = self
            .one_line_bodies
            .iter()
            .rev()
            .find(|body| body.line == line)
            .map(|body| EdgeId {
                line: line as u32,
                side: side(body),
            });
        ArcStart { line, edge }
    }

    /// Analyses `body` with arcs from `line` tagged as a one-line body's.
    fn in_one_line_body<T>(
        &mut self,
        body: OneLineBody,
        analyse: impl FnOnce(&mut Self) -> T,
    ) -> T {
        self.one_line_bodies.push(body);
        let result = analyse(self);
        self.one_line_bodies.pop();
        result
    }

    /// The line of a definition's `def`/`class` keyword, and whether its body
    /// starts on that line.
    fn definition_line(&self, name: TextSize, body: &[Stmt]) -> (i32, bool) {
        let line = self.line_at(name);
        let shares = body
            .first()
            .is_some_and(|first| self.line_for(Node::Stmt(first)) == line);
        (line, shares)
    }

    fn edge_start(line: i32, side: Side) -> ArcStart {
        ArcStart {
            line,
            edge: Some(EdgeId {
                line: line as u32,
                side,
            }),
        }
    }

    fn add_arc(&mut self, from: ArcStart, to: i32) {
        let arc = (from.line, to);
        self.arcs.insert(arc);
        if self.current_with_starts.contains(&from.line) {
            self.with_entries.insert(arc);
        }
        if let Some(edge) = from.edge {
            self.edge_arcs.insert((edge, arc));
        }
    }

    /// Records that `line` is the first statement of the block `from` enters,
    /// if it holds code: a block the compiler dropped (dead code) is not
    /// entered, and its edge flows on to where others flow too.
    fn note_entry(&mut self, from: ArcStart, line: i32) {
        if let Some(edge) = from.edge {
            if line != from.line && self.statements.contains(&line) {
                self.entry_lines.insert(edge, line as u32);
            }
        }
    }

    /// `note_entry`, unless the edge's block has an entry already.
    fn note_entry_once(&mut self, from: ArcStart, line: i32) {
        if from
            .edge
            .is_some_and(|edge| !self.entry_lines.contains_key(&edge))
        {
            self.note_entry(from, line);
        }
    }

    // ---- code objects ----

    fn module(&mut self, body: &'a [Stmt]) {
        if body.is_empty() {
            self.add_arc(
                ArcStart {
                    line: 1,
                    edge: None,
                },
                -1,
            );
            return;
        }
        let exits = self.process_body(body.iter().map(Node::Stmt), Exits::new());
        for exit in exits {
            self.add_arc(exit, -1);
        }
    }

    fn function(&mut self, def: &'a Stmt, name: TextSize, body: &'a [Stmt]) {
        let start = self.line_for(Node::Stmt(def));
        self.blocks.push(Block::Function { start });
        let exits = self.definition_body(name, body);
        self.process_return_exits(exits);
        self.blocks.pop();
    }

    fn class(&mut self, class: &'a Stmt, name: TextSize, body: &'a [Stmt]) {
        let start = self.line_for(Node::Stmt(class));
        let exits = self.definition_body(name, body);
        for exit in exits {
            self.add_arc(exit, -start);
        }
    }

    /// A definition's body. When it shares the `def`/`class` line, every way
    /// out of it counts as the body having run (the probe at its start):
    /// leaving the frame, even by an exception, records the arc to the exit.
    fn definition_body(&mut self, name: TextSize, body: &'a [Stmt]) -> Exits {
        let nodes = body.iter().map(Node::Stmt);
        match self.definition_line(name, body) {
            (line, true) => {
                let one_line = OneLineBody {
                    line,
                    jump_side: Side::Taken,
                    fall_through_side: Side::Taken,
                };
                self.in_one_line_body(one_line, |this| this.process_body(nodes, Exits::new()))
            }
            (_, false) => self.process_body(nodes, Exits::new()),
        }
    }

    // ---- bodies ----

    /// Joins each statement's exits to the next statement; returns the exits
    /// of the last. Statements the compiler emits no line for are skipped.
    fn process_body(&mut self, body: impl IntoIterator<Item = Node<'a>>, mut prev: Exits) -> Exits {
        // Whether `prev` holds the exits of the previous statement of this
        // body, rather than the caller's (a `finally` body gets the `try`
        // body's, but `break`, `continue`, `return` and exceptions go
        // through it too).
        let mut from_sibling = false;
        for node in body {
            let line = self.line_for(node);
            if !self.statements.contains(&line) {
                continue;
            }
            // The only way into this statement is a branch edge of the one
            // before it (an `if` whose bodies all jump away, a loop without
            // `break`): its line tells that edge ran.
            if let (true, 1, Some(&only)) = (from_sibling, prev.len(), prev.first()) {
                self.note_entry_once(only, line);
            }
            for start in std::mem::take(&mut prev) {
                self.add_arc(start, line);
            }
            prev = self.node_exits(node);
            from_sibling = true;
        }
        prev
    }

    /// `process_body` for a branch edge's destination block.
    fn process_edge_body(&mut self, body: &'a [Stmt], from: ArcStart) -> Exits {
        let first_statement = body
            .iter()
            .map(|stmt| self.line_for(Node::Stmt(stmt)))
            .find(|line| self.statements.contains(line));
        if let Some(line) = first_statement {
            self.note_entry(from, line);
        }
        let nodes = body.iter().map(Node::Stmt);
        let shares_line = body
            .first()
            .is_some_and(|first| self.line_for(Node::Stmt(first)) == from.line);
        match from.edge {
            Some(edge) if shares_line => {
                let one_line = OneLineBody {
                    line: from.line,
                    jump_side: edge.side,
                    fall_through_side: Side::BodyEnd,
                };
                self.in_one_line_body(one_line, |this| {
                    this.process_body(nodes, Exits::from([from]))
                })
            }
            _ => self.process_body(nodes, Exits::from([from])),
        }
    }

    // ---- jumps ----

    fn process_break_exits(&mut self, exits: Exits) {
        for block in self.blocks.iter_mut().rev() {
            if let Block::Loop { break_exits, .. } = block {
                break_exits.extend(exits);
                return;
            }
        }
    }

    fn process_continue_exits(&mut self, exits: Exits) {
        let loop_start = self.blocks.iter().rev().find_map(|block| match block {
            Block::Loop { start, .. } => Some(*start),
            _ => None,
        });
        if let Some(start) = loop_start {
            for exit in exits {
                self.add_arc(exit, start);
            }
        }
    }

    fn process_raise_exits(&mut self, exits: Exits) {
        let target = self.blocks.iter().rev().find_map(|block| match block {
            Block::Function { start } => Some(Some(-start)),
            Block::Try { handler_start } => Some(*handler_start),
            Block::Loop { .. } => None,
        });
        if let Some(Some(to)) = target {
            for exit in exits {
                self.add_arc(exit, to);
            }
        }
    }

    fn process_return_exits(&mut self, exits: Exits) {
        let function_start = self.blocks.iter().rev().find_map(|block| match block {
            Block::Function { start } => Some(*start),
            _ => None,
        });
        if let Some(start) = function_start {
            for exit in exits {
                self.add_arc(exit, -start);
            }
        }
    }

    // ---- statements ----

    fn node_exits(&mut self, node: Node<'a>) -> Exits {
        let stmt = match node {
            Node::Stmt(stmt) => stmt,
            Node::Elif(clauses) => {
                return self.if_chain(clauses[0].test.as_ref(), &clauses[0].body, &clauses[1..])
            }
        };
        let here = self.line_for(node);
        match stmt {
            Stmt::Break(_) => {
                let start = self.jump_start(here);
                self.process_break_exits(Exits::from([start]));
                Exits::new()
            }
            Stmt::Continue(_) => {
                let start = self.jump_start(here);
                self.process_continue_exits(Exits::from([start]));
                Exits::new()
            }
            Stmt::Raise(_) => {
                let start = self.jump_start(here);
                self.process_raise_exits(Exits::from([start]));
                Exits::new()
            }
            Stmt::Return(_) => {
                let start = self.jump_start(here);
                self.process_return_exits(Exits::from([start]));
                Exits::new()
            }
            Stmt::FunctionDef(def) => {
                self.decorated(here, &def.decorator_list, def.name.start(), &def.body)
            }
            Stmt::ClassDef(class) => {
                self.decorated(here, &class.decorator_list, class.name.start(), &class.body)
            }
            Stmt::If(stmt) => self.if_chain(Some(&stmt.test), &stmt.body, &stmt.elif_else_clauses),
            Stmt::For(stmt) => self.for_loop(&stmt.iter, &stmt.body, &stmt.orelse),
            Stmt::While(stmt) => self.while_loop(&stmt.test, &stmt.body, &stmt.orelse),
            Stmt::Match(stmt) => self.match_cases(here, stmt),
            Stmt::Try(stmt) => self.try_statement(here, stmt),
            Stmt::With(stmt) => self.with_statement(here, &stmt.body),
            _ => Exits::from([self.start(here)]),
        }
    }

    /// Decorators run top to bottom, then the `def`/`class` line.
    fn decorated(
        &mut self,
        first_line: i32,
        decorators: &[ruff_python_ast::Decorator],
        name: TextSize,
        body: &[Stmt],
    ) -> Exits {
        let (main_line, one_line_body) = self.definition_line(name, body);
        // With its body on the `def`/`class` line, that line is a
        // branch line in coverage.py's eyes: on to the next statement (this
        // edge), or out of the body's code object (the body's edge).
        let exit = if one_line_body {
            Self::edge_start(main_line, Side::NotTaken)
        } else {
            self.start(main_line)
        };
        if decorators.is_empty() {
            return Exits::from([exit]);
        }
        let mut last: Option<i32> = None;
        for decorator in decorators {
            let line = self.line_at(decorator.expression.start());
            if let Some(previous) = last {
                if previous != line {
                    let start = self.start(previous);
                    self.add_arc(start, line);
                }
            }
            last = Some(line);
        }
        let start = self.start(last.unwrap_or(first_line));
        self.add_arc(start, main_line);
        Exits::from([exit])
    }

    /// An `if` (or `elif`) test with its body and the rest of the chain.
    fn if_chain(
        &mut self,
        test: Option<&'a Expr>,
        body: &'a [Stmt],
        rest: &'a [ElifElseClause],
    ) -> Exits {
        let Some(test) = test else {
            unreachable!("an else clause is never analysed as a test");
        };
        let start = self.line_at(test.start());
        let constant = constant_test(test);
        let mut exits = Exits::new();
        if constant != Some(false) {
            let from = Self::edge_start(start, Side::Taken);
            exits.extend(self.process_edge_body(body, from));
        }
        if constant != Some(true) {
            let from = Self::edge_start(start, Side::NotTaken);
            exits.extend(match rest.first() {
                None => Exits::from([from]),
                Some(clause) if clause.test.is_none() => self.process_edge_body(&clause.body, from),
                Some(_) => {
                    self.note_entry(from, self.line_for(Node::Elif(rest)));
                    self.process_body([Node::Elif(rest)], Exits::from([from]))
                }
            });
        }
        exits
    }

    fn for_loop(&mut self, iter: &'a Expr, body: &'a [Stmt], orelse: &'a [Stmt]) -> Exits {
        let start = self.line_at(iter.start());
        self.loop_statement(start, body, orelse, true)
    }

    fn while_loop(&mut self, test: &'a Expr, body: &'a [Stmt], orelse: &'a [Stmt]) -> Exits {
        let start = self.line_at(test.start());
        let can_end = constant_test(test).is_none();
        self.loop_statement(start, body, orelse, can_end)
    }

    fn loop_statement(
        &mut self,
        start: i32,
        body: &'a [Stmt],
        orelse: &'a [Stmt],
        can_end: bool,
    ) -> Exits {
        self.blocks.push(Block::Loop {
            start,
            break_exits: Exits::new(),
        });
        let body_exits = self.process_edge_body(body, Self::edge_start(start, Side::Taken));
        for exit in body_exits {
            self.add_arc(exit, start);
        }
        let Some(Block::Loop {
            break_exits: mut exits,
            ..
        }) = self.blocks.pop()
        else {
            unreachable!("the loop's own block is on top");
        };
        let from = Self::edge_start(start, Side::NotTaken);
        if !orelse.is_empty() {
            exits.extend(self.process_edge_body(orelse, from));
        } else if can_end {
            exits.insert(from);
        }
        exits
    }

    fn match_cases(&mut self, match_line: i32, stmt: &'a ruff_python_ast::StmtMatch) -> Exits {
        let mut previous = self.start(match_line);
        let mut exits = Exits::new();
        for case in &stmt.cases {
            let case_line = self.line_at(case.pattern.start());
            self.note_entry(previous, case_line);
            self.add_arc(previous, case_line);
            let from = Self::edge_start(case_line, Side::Taken);
            exits.extend(self.process_edge_body(&case.body, from));
            previous = Self::edge_start(case_line, Side::NotTaken);
        }
        if let Some(last) = stmt.cases.last() {
            if !case_is_irrefutable(last) {
                exits.insert(previous);
            }
        }
        exits
    }

    fn try_statement(&mut self, here: i32, stmt: &'a ruff_python_ast::StmtTry) -> Exits {
        let handler_start = stmt.handlers.first().map(|h| self.line_at(h.start()));
        self.blocks.push(Block::Try { handler_start });
        let start = self.start(here);
        let mut exits = self.process_body(stmt.body.iter().map(Node::Stmt), Exits::from([start]));
        // Past the `try` body, exceptions no longer go to the handlers; the
        // block stays (handler-less) while a `finally` remains to analyse.
        if stmt.finalbody.is_empty() {
            self.blocks.pop();
        } else if let Some(Block::Try { handler_start }) = self.blocks.last_mut() {
            *handler_start = None;
        }
        let mut handler_exits = Exits::new();
        for handler in &stmt.handlers {
            let ruff_python_ast::ExceptHandler::ExceptHandler(handler) = handler;
            let from = self.start(self.line_at(handler.start()));
            handler_exits.extend(
                self.process_body(handler.body.iter().map(Node::Stmt), Exits::from([from])),
            );
        }
        if !stmt.orelse.is_empty() {
            exits = self.process_body(stmt.orelse.iter().map(Node::Stmt), exits);
        }
        exits.extend(handler_exits);
        if !stmt.finalbody.is_empty() {
            self.blocks.pop();
            let final_exits =
                self.process_body(stmt.finalbody.iter().map(Node::Stmt), exits.clone());
            if !exits.is_empty() {
                exits = final_exits;
            }
        }
        exits
    }

    fn with_statement(&mut self, start: i32, body: &'a [Stmt]) -> Exits {
        self.current_with_starts.insert(start);
        self.all_with_starts.insert(start);
        let from = self.start(start);
        let exits = self.process_body(body.iter().map(Node::Stmt), Exits::from([from]));
        self.current_with_starts.remove(&start);
        if exits.is_empty() {
            return exits;
        }
        for exit in exits {
            self.add_arc(exit, start);
            self.with_exits.insert((exit.line, start));
        }
        Exits::from([self.start(start)])
    }

    /// Python 3.10+ jumps back to a `with` line when its body ends; coverage.py
    /// reports that as a jump to where control goes next. Returns arcs to
    /// replace (`Some`) or drop (`None`).
    fn with_jump_fixers(&self) -> BTreeMap<Arc, Option<Arc>> {
        let mut nexts: BTreeMap<i32, i32> = BTreeMap::new();
        for &(from, to) in &self.arcs {
            if self.all_with_starts.contains(&from) && !self.with_entries.contains(&(from, to)) {
                nexts.insert(from, to);
            }
        }
        let final_next = |mut start: i32| {
            let mut next = nexts[&start];
            while self.with_exits.contains(&(start, next)) && nexts.contains_key(&next) {
                start = next;
                next = nexts[&next];
            }
            next
        };
        let mut fixers = BTreeMap::new();
        for &(end, start) in &self.with_exits {
            if nexts.contains_key(&start) {
                fixers.insert((end, start), Some((end, final_next(start))));
            }
        }
        for (&start, &next) in &nexts {
            if !self.with_exits.contains(&(start, start)) {
                fixers.insert((start, next), None);
            }
        }
        fixers
    }
}

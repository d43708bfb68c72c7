//! A source parsed once for all rcov makes of it: its rewrite, and its
//! analysis, which needs the statements CPython compiled from the rewrite;
//! for reports, its analysis and the definitions function listings name.
//! Parsing is most of the cost of each, so a cold import parses each
//! measured file once, not twice.

use std::collections::BTreeMap;

use ruff_python_ast::Stmt;

use crate::analysis::{analyze_parsed, Analysis, AnalysisFailure, Patterns};
use crate::definitions::{def_regions_of, definition_lines_of, DefRegion};
use crate::lines::MultilineMap;
use crate::parse::{Options, ParseFailure, SourceFile};
use crate::rewrite::{rewrite_parsed, Rewrite};

/// A parsed source and its multi-line statement map.
pub struct ParsedSource<'a> {
    /// `Some` until dropped: `drop` takes the tree to free it without
    /// recursion.
    file: Option<SourceFile<'a>>,
    multiline: MultilineMap,
}

impl<'a> ParsedSource<'a> {
    pub fn parse(text: &'a str, options: &Options) -> Result<Self, ParseFailure> {
        let file = SourceFile::parse(text, options)?;
        let multiline = MultilineMap::from_source(&file);
        Ok(ParsedSource {
            file: Some(file),
            multiline,
        })
    }

    fn file(&self) -> &SourceFile<'a> {
        self.file
            .as_ref()
            .expect("the tree is taken only when dropped")
    }

    /// The source with probes inserted on its branch edges.
    pub fn rewrite(&self) -> Result<Rewrite, ParseFailure> {
        rewrite_parsed(self.file(), &self.multiline)
    }

    /// The source's analysis, given the lines CPython's compiled code reports
    /// (see [`crate::analyze`]).
    pub fn analyze(
        &self,
        raw_statements: &[u32],
        patterns: &Patterns,
    ) -> Result<Analysis, AnalysisFailure> {
        analyze_parsed(self.file(), &self.multiline, raw_statements, patterns)
    }

    /// First decorator line -> `def`/`class` line (see
    /// [`crate::definitions::definition_lines`]).
    pub fn definition_lines(&self) -> BTreeMap<u32, u32> {
        definition_lines_of(self.file())
    }

    /// The `def` regions (see [`crate::definitions::def_regions`]).
    pub fn def_regions(&self) -> Vec<DefRegion> {
        def_regions_of(self.file())
    }
}

impl Drop for ParsedSource<'_> {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            drop_without_recursion(file);
        }
    }
}

/// Drops a parsed file without recursing once per nesting level, which could
/// overflow the stack on the very inputs refused for being too deep.
fn drop_without_recursion(file: SourceFile<'_>) {
    let mut pending: Vec<Stmt> = file.parsed.into_syntax().body.into_iter().collect();
    while let Some(mut stmt) = pending.pop() {
        match &mut stmt {
            Stmt::FunctionDef(def) => pending.extend(std::mem::take(&mut def.body)),
            Stmt::ClassDef(class) => pending.extend(std::mem::take(&mut class.body)),
            Stmt::If(stmt) => {
                pending.extend(std::mem::take(&mut stmt.body));
                for clause in &mut stmt.elif_else_clauses {
                    pending.extend(std::mem::take(&mut clause.body));
                }
            }
            Stmt::For(stmt) => {
                pending.extend(std::mem::take(&mut stmt.body));
                pending.extend(std::mem::take(&mut stmt.orelse));
            }
            Stmt::While(stmt) => {
                pending.extend(std::mem::take(&mut stmt.body));
                pending.extend(std::mem::take(&mut stmt.orelse));
            }
            Stmt::With(stmt) => pending.extend(std::mem::take(&mut stmt.body)),
            Stmt::Match(stmt) => {
                for case in &mut stmt.cases {
                    pending.extend(std::mem::take(&mut case.body));
                }
            }
            Stmt::Try(stmt) => {
                pending.extend(std::mem::take(&mut stmt.body));
                for handler in &mut stmt.handlers {
                    let ruff_python_ast::ExceptHandler::ExceptHandler(handler) = handler;
                    pending.extend(std::mem::take(&mut handler.body));
                }
                pending.extend(std::mem::take(&mut stmt.orelse));
                pending.extend(std::mem::take(&mut stmt.finalbody));
            }
            _ => {}
        }
    }
}

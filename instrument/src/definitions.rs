//! Definitions as reports name them. A decorated function's or class's code
//! object starts at its first decorator (`co_firstlineno`); reports name the
//! line of its `def` or `class` keyword (`async` for `async def`), which is
//! what Python's `ast` calls the definition's `lineno`. LCOV's function
//! records also need each `def`'s region: the lines of its body less those
//! of the functions nested in it, as coverage.py's `code_regions` has them.

use std::collections::{BTreeMap, BTreeSet};

use ruff_python_ast::statement_visitor::{walk_stmt, StatementVisitor};
use ruff_python_ast::token::TokenKind;
use ruff_python_ast::{Decorator, ExceptHandler, Stmt};
use ruff_text_size::Ranged;

use crate::parse::{Options, ParseFailure, SourceFile};

/// First decorator line -> `def`/`class` line, for every decorated
/// definition of `text`.
pub fn definition_lines(text: &str, options: &Options) -> Result<BTreeMap<u32, u32>, ParseFailure> {
    let source = SourceFile::parse(text, options)?;
    let mut found = DecoratedDefinitions {
        source: &source,
        lines: BTreeMap::new(),
    };
    found.visit_body(&source.module().body);
    Ok(found.lines)
}

/// A `def`'s region: its name qualified by the definitions around it (joined
/// with dots), its `def` line, and the lines of its body less the bodies of
/// the functions nested in it.
#[derive(Debug, PartialEq, Eq)]
pub struct DefRegion {
    pub name: String,
    pub start: u32,
    pub lines: BTreeSet<u32>,
}

/// The `def` regions of `text`, in the order the definitions start.
pub fn def_regions(text: &str, options: &Options) -> Result<Vec<DefRegion>, ParseFailure> {
    let source = SourceFile::parse(text, options)?;
    let mut found = Regions {
        source: &source,
        regions: Vec::new(),
    };
    found.visit_body(&source.module().body, &[], None);
    Ok(found.regions)
}

/// The line Python's `ast` gives `stmt` (`lineno`): for a decorated
/// definition, its `async`, `def` or `class` keyword's, the first such token
/// after the last decorator (comments and blank lines may come between).
fn ast_line(source: &SourceFile<'_>, stmt: &Stmt) -> u32 {
    let decorators: &[Decorator] = match stmt {
        Stmt::FunctionDef(def) => &def.decorator_list,
        Stmt::ClassDef(class) => &class.decorator_list,
        _ => &[],
    };
    let Some(last) = decorators.last() else {
        return source.line_of(stmt.start());
    };
    let tokens = source.parsed.tokens();
    let after = tokens.partition_point(|token| token.start() < last.end());
    let keyword = tokens[after..].iter().find(|token| {
        matches!(
            token.kind(),
            TokenKind::Async | TokenKind::Def | TokenKind::Class
        )
    });
    source.line_of(keyword.map_or(stmt.start(), Ranged::start))
}

struct DecoratedDefinitions<'s, 'a> {
    source: &'s SourceFile<'a>,
    lines: BTreeMap<u32, u32>,
}

impl<'b> StatementVisitor<'b> for DecoratedDefinitions<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        let first_decorator = match stmt {
            Stmt::FunctionDef(def) => def.decorator_list.first(),
            Stmt::ClassDef(class) => class.decorator_list.first(),
            _ => None,
        };
        if let Some(first) = first_decorator {
            self.lines.insert(
                self.source.line_of(first.expression.start()),
                ast_line(self.source, stmt),
            );
        }
        walk_stmt(self, stmt);
    }
}

struct Regions<'s, 'a> {
    source: &'s SourceFile<'a>,
    regions: Vec<DefRegion>,
}

impl Regions<'_, '_> {
    /// Visits `body`, inside the definitions `names`, whose innermost
    /// function's region is `enclosing`.
    fn visit_body(&mut self, body: &[Stmt], names: &[&str], enclosing: Option<usize>) {
        for stmt in body {
            match stmt {
                Stmt::FunctionDef(def) => {
                    let (Some(first), Some(last)) = (def.body.first(), def.body.last()) else {
                        continue;
                    };
                    let end = self.source.line_of(last.end());
                    let lines: BTreeSet<u32> = (ast_line(self.source, first)..=end).collect();
                    if let Some(outer) = enclosing {
                        self.regions[outer]
                            .lines
                            .retain(|line| !lines.contains(line));
                    }
                    let qualified = [names, &[def.name.as_str()]].concat();
                    self.regions.push(DefRegion {
                        name: qualified.join("."),
                        start: ast_line(self.source, stmt),
                        lines,
                    });
                    let region = self.regions.len() - 1;
                    self.visit_body(&def.body, &qualified, Some(region));
                }
                Stmt::ClassDef(class) => {
                    let qualified = [names, &[class.name.as_str()]].concat();
                    self.visit_body(&class.body, &qualified, enclosing);
                }
                Stmt::If(stmt) => {
                    self.visit_body(&stmt.body, names, enclosing);
                    for clause in &stmt.elif_else_clauses {
                        self.visit_body(&clause.body, names, enclosing);
                    }
                }
                Stmt::For(stmt) => {
                    self.visit_body(&stmt.body, names, enclosing);
                    self.visit_body(&stmt.orelse, names, enclosing);
                }
                Stmt::While(stmt) => {
                    self.visit_body(&stmt.body, names, enclosing);
                    self.visit_body(&stmt.orelse, names, enclosing);
                }
                Stmt::With(stmt) => self.visit_body(&stmt.body, names, enclosing),
                Stmt::Try(stmt) => {
                    self.visit_body(&stmt.body, names, enclosing);
                    for ExceptHandler::ExceptHandler(handler) in &stmt.handlers {
                        self.visit_body(&handler.body, names, enclosing);
                    }
                    self.visit_body(&stmt.orelse, names, enclosing);
                    self.visit_body(&stmt.finalbody, names, enclosing);
                }
                Stmt::Match(stmt) => {
                    for case in &stmt.cases {
                        self.visit_body(&case.body, names, enclosing);
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(u32, u32)> {
        definition_lines(text, &Options::default())
            .unwrap()
            .into_iter()
            .collect()
    }

    #[test]
    fn a_def_region_is_its_body_less_nested_functions() {
        let text = "\
class C:
    @staticmethod
    def f():
        x = 1

        def g():
            return x
        return g
";
        let regions = def_regions(text, &Options::default()).unwrap();
        assert_eq!(
            regions,
            vec![
                DefRegion {
                    name: "C.f".into(),
                    start: 3,
                    lines: BTreeSet::from([4, 5, 6, 8]),
                },
                DefRegion {
                    name: "C.f.g".into(),
                    start: 6,
                    lines: BTreeSet::from([7]),
                },
            ]
        );
    }

    #[test]
    fn each_decorated_definition_maps_its_first_decorator_to_its_keyword() {
        let text = "\
@a
@b(1,
   2)
# a comment
def f():
    @c
    async def g(): pass
    class K:
        @property

        def p(self): pass
    return g

@d
class C: pass

def plain(): pass
";
        assert_eq!(lines(text), vec![(1, 5), (6, 7), (9, 11), (14, 15)]);
    }
}

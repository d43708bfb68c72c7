//! Definitions as reports name them. A decorated function's or class's code
//! object starts at its first decorator (`co_firstlineno`); reports name the
//! line of its `def` or `class` keyword (`async` for `async def`), which is
//! what Python's `ast` calls the definition's `lineno`. LCOV's function
//! records also need each `def`'s region: the lines of its body less those
//! of the functions nested in it, as coverage.py's `code_regions` has them.

use std::collections::{BTreeMap, BTreeSet};

use ruff_python_ast::statement_visitor::{walk_stmt, StatementVisitor};
use ruff_python_ast::token::TokenKind;
use ruff_python_ast::{Decorator, Stmt};
use ruff_text_size::Ranged;

use crate::parse::{Options, ParseFailure, SourceFile};

/// First decorator line -> `def`/`class` line, for every decorated
/// definition of `text`.
pub fn definition_lines(text: &str, options: &Options) -> Result<BTreeMap<u32, u32>, ParseFailure> {
    Ok(definition_lines_of(&SourceFile::parse(text, options)?))
}

/// [`definition_lines`] of a parsed file.
pub(crate) fn definition_lines_of(source: &SourceFile<'_>) -> BTreeMap<u32, u32> {
    let mut found = DecoratedDefinitions {
        source,
        lines: BTreeMap::new(),
    };
    found.visit_body(&source.module().body);
    found.lines
}

/// A `def`'s region: its name qualified by the definitions around it (joined
/// with dots), its `def` line, and the lines of its body less the bodies of
/// the functions nested in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefRegion {
    pub name: String,
    pub start: u32,
    pub lines: BTreeSet<u32>,
}

/// The `def` regions of `text`, in the order the definitions start.
pub fn def_regions(text: &str, options: &Options) -> Result<Vec<DefRegion>, ParseFailure> {
    Ok(def_regions_of(&SourceFile::parse(text, options)?))
}

/// [`def_regions`] of a parsed file.
pub(crate) fn def_regions_of(source: &SourceFile<'_>) -> Vec<DefRegion> {
    let mut found = Regions {
        source,
        regions: Vec::new(),
        names: Vec::new(),
        enclosing: None,
    };
    found.visit_body(&source.module().body);
    found.regions
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

struct Regions<'s, 'a, 'b> {
    source: &'s SourceFile<'a>,
    regions: Vec<DefRegion>,
    /// The names of the definitions around the statement visited.
    names: Vec<&'b str>,
    /// The region of the innermost function around it.
    enclosing: Option<usize>,
}

impl<'b> StatementVisitor<'b> for Regions<'_, '_, 'b> {
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => {
                let (Some(first), Some(last)) = (def.body.first(), def.body.last()) else {
                    return;
                };
                let end = self.source.line_of(last.end());
                let lines: BTreeSet<u32> = (ast_line(self.source, first)..=end).collect();
                if let Some(outer) = self.enclosing {
                    self.regions[outer]
                        .lines
                        .retain(|line| !lines.contains(line));
                }
                self.names.push(def.name.as_str());
                self.regions.push(DefRegion {
                    name: self.names.join("."),
                    start: ast_line(self.source, stmt),
                    lines,
                });
                let outer = self.enclosing.replace(self.regions.len() - 1);
                self.visit_body(&def.body);
                self.enclosing = outer;
                self.names.pop();
            }
            Stmt::ClassDef(class) => {
                self.names.push(class.name.as_str());
                self.visit_body(&class.body);
                self.names.pop();
            }
            _ => walk_stmt(self, stmt),
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

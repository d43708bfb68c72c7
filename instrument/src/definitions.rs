//! Where decorated definitions start. A decorated function's or class's
//! code object starts at its first decorator (`co_firstlineno`); reports
//! name the line of its `def` or `class` keyword (`async` for `async def`),
//! which is what Python's `ast` calls the definition's `lineno`.

use std::collections::BTreeMap;

use ruff_python_ast::statement_visitor::{walk_stmt, StatementVisitor};
use ruff_python_ast::token::TokenKind;
use ruff_python_ast::{Decorator, Stmt};
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

struct DecoratedDefinitions<'s, 'a> {
    source: &'s SourceFile<'a>,
    lines: BTreeMap<u32, u32>,
}

impl DecoratedDefinitions<'_, '_> {
    fn add(&mut self, decorators: &[Decorator]) {
        let (Some(first), Some(last)) = (decorators.first(), decorators.last()) else {
            return;
        };
        // The keyword is the first `async`, `def` or `class` token after the
        // last decorator (comments and blank lines may come between).
        let tokens = self.source.parsed.tokens();
        let after = tokens.partition_point(|token| token.start() < last.end());
        let keyword = tokens[after..].iter().find(|token| {
            matches!(
                token.kind(),
                TokenKind::Async | TokenKind::Def | TokenKind::Class
            )
        });
        if let Some(keyword) = keyword {
            self.lines.insert(
                self.source.line_of(first.expression.start()),
                self.source.line_of(keyword.start()),
            );
        }
    }
}

impl<'b> StatementVisitor<'b> for DecoratedDefinitions<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => self.add(&def.decorator_list),
            Stmt::ClassDef(class) => self.add(&class.decorator_list),
            _ => {}
        }
        walk_stmt(self, stmt);
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

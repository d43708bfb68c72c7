//! Excluded lines, docstrings and partial-branch lines, found as coverage.py
//! 7.17 finds them: regex matches on the text, excluded suites from the
//! tokens (a match on a block header excludes the block), then exclusions
//! carried from decorators and signatures to whole definitions.

use std::collections::{BTreeSet, HashMap};
use std::sync::{LazyLock, Mutex, PoisonError};

use regex::{Regex, RegexBuilder};
use ruff_python_ast::statement_visitor::{walk_stmt, StatementVisitor};
use ruff_python_ast::token::TokenKind;
use ruff_python_ast::{Expr, Stmt, Suite};
use ruff_text_size::{Ranged, TextRange};

use crate::lines::MultilineMap;
use crate::parse::SourceFile;
use crate::syntax::case_is_irrefutable;

/// Compile coverage.py-style patterns into one multi-line regex (`None` when
/// there are no patterns).
pub fn join_patterns(patterns: &[String]) -> Result<Option<Regex>, regex::Error> {
    let joined = match patterns {
        [] => return Ok(None),
        [single] => single.clone(),
        many => many
            .iter()
            .map(|p| format!("(?:{p})"))
            .collect::<Vec<_>>()
            .join("|"),
    };
    // A report analyses every file with the same few patterns, and compiling
    // them costs more than matching them over a typical file: each joined
    // text is compiled once per process (a `Regex` clone shares it).
    static COMPILED: LazyLock<Mutex<HashMap<String, Regex>>> = LazyLock::new(Mutex::default);
    let mut compiled = COMPILED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(regex) = compiled.get(&joined) {
        return Ok(Some(regex.clone()));
    }
    let regex = RegexBuilder::new(&joined).multi_line(true).build()?;
    compiled.insert(joined, regex.clone());
    Ok(Some(regex))
}

/// Every line touched by a match of `regex`, mapped to its statement's first line.
pub fn lines_matching(text: &str, regex: &Regex, multiline: &MultilineMap) -> BTreeSet<u32> {
    let mut lines = BTreeSet::new();
    let mut counted_to = 0;
    let mut newlines_before = 0;
    for found in regex.find_iter(text) {
        newlines_before += count_newlines(&text[counted_to..found.start()]);
        counted_to = found.start();
        let newlines_inside = count_newlines(found.as_str());
        for line in newlines_before + 1..=newlines_before + newlines_inside + 1 {
            lines.insert(multiline.first_line(line as i32) as u32);
        }
    }
    lines
}

fn count_newlines(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count()
}

/// Excluded lines and docstring lines of one file.
pub struct Exclusions {
    pub excluded: BTreeSet<u32>,
    pub docstrings: BTreeSet<u32>,
}

pub fn find_exclusions(
    source: &SourceFile,
    multiline: &MultilineMap,
    exclude: Option<&Regex>,
    raw_statements: &BTreeSet<u32>,
) -> Exclusions {
    let raw_excluded = match exclude {
        Some(regex) => lines_matching(source.text, regex, multiline),
        None => BTreeSet::new(),
    };
    let excluded = excluded_suites(source, raw_excluded)
        .into_iter()
        .map(|line| multiline.first_line(line as i32) as u32)
        .collect();
    let mut finder = DefinitionExclusions {
        source,
        raw_statements,
        excluded,
        docstrings: BTreeSet::new(),
    };
    finder.visit_docstring(&source.module().body);
    finder.visit_body(&source.module().body);
    Exclusions {
        excluded: finder.excluded,
        docstrings: finder.docstrings,
    }
}

/// Extends `excluded` to the suites whose header line is excluded: from the
/// header's colon to the end of the block, judged by indentation as
/// coverage.py's token walk does.
fn excluded_suites(source: &SourceFile, mut excluded: BTreeSet<u32>) -> BTreeSet<u32> {
    let mut indent = 0i32;
    let mut exclude_indent = 0i32;
    let mut excluding = false;
    let mut statement_start = 0u32;
    let mut nesting = 0i32;
    for token in source.parsed.tokens() {
        let end_line = source.line_of(token.end());
        match token.kind() {
            TokenKind::Indent => indent += 1,
            TokenKind::Dedent => indent -= 1,
            TokenKind::Colon if nesting == 0 => {
                let header_excluded = excluded.range(statement_start..=end_line).next().is_some();
                if !excluding && header_excluded {
                    excluded.insert(end_line);
                    exclude_indent = indent;
                    excluding = true;
                }
            }
            TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => nesting += 1,
            TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace => nesting -= 1,
            TokenKind::Newline => statement_start = 0,
            _ => {}
        }
        if is_significant(token.kind()) && statement_start == 0 {
            statement_start = source.line_of(token.start());
            if excluding && indent <= exclude_indent {
                excluding = false;
            }
            if excluding {
                excluded.insert(end_line);
            }
        }
    }
    excluded
}

/// Tokens that are not white space, comments or layout.
fn is_significant(kind: TokenKind) -> bool {
    !matches!(
        kind,
        TokenKind::Newline
            | TokenKind::NonLogicalNewline
            | TokenKind::Comment
            | TokenKind::Indent
            | TokenKind::Dedent
            | TokenKind::EndOfFile
    )
}

/// Walks the statements for docstrings, definitions whose decorators or
/// signature are excluded, and irrefutable cases whose whole body is excluded.
struct DefinitionExclusions<'s, 'a> {
    source: &'s SourceFile<'a>,
    raw_statements: &'s BTreeSet<u32>,
    excluded: BTreeSet<u32>,
    docstrings: BTreeSet<u32>,
}

impl DefinitionExclusions<'_, '_> {
    fn lines(&self, range: TextRange) -> std::ops::RangeInclusive<u32> {
        self.source.line_of(range.start())..=self.source.line_of(range.end())
    }

    fn visit_docstring(&mut self, body: &Suite) {
        if let Some(Stmt::Expr(expr)) = body.first() {
            if matches!(*expr.value, Expr::StringLiteral(_)) {
                let lines = self.lines(expr.range());
                self.docstrings.extend(lines);
            }
        }
    }

    /// A definition is excluded whole when any line from its first decorator
    /// to its `def`/`class` line is.
    fn exclude_definition(&mut self, definition: TextRange, name: TextRange) {
        let first = self.source.line_of(definition.start());
        let name_line = self.source.line_of(name.start());
        if self.excluded.range(first..=name_line).next().is_some() {
            let lines = self.lines(definition);
            self.excluded.extend(lines);
        }
    }
}

impl<'b> StatementVisitor<'b> for DefinitionExclusions<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => {
                self.visit_docstring(&def.body);
                self.exclude_definition(def.range, def.name.range);
            }
            Stmt::ClassDef(class) => {
                self.visit_docstring(&class.body);
                self.exclude_definition(class.range, class.name.range);
            }
            Stmt::Match(stmt) => {
                for case in stmt.cases.iter().filter(|c| case_is_irrefutable(c)) {
                    let (Some(first), Some(last)) = (case.body.first(), case.body.last()) else {
                        continue;
                    };
                    let body_lines =
                        self.source.line_of(first.start())..=self.source.line_of(last.end());
                    let mut body_statements = self.raw_statements.range(body_lines).peekable();
                    let any = body_statements.peek().is_some();
                    if any && body_statements.all(|line| self.excluded.contains(line)) {
                        let pattern = self.lines(case.pattern.range());
                        self.excluded.extend(pattern);
                    }
                }
            }
            _ => {}
        }
        walk_stmt(self, stmt);
    }
}

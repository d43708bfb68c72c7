//! Parsing: source text to a `ruff_python_ast` module, checked against the
//! Python version that will run the code.

use ruff_python_ast::{ModModule, PythonVersion};
use ruff_python_parser::{parse_unchecked, Mode, ParseError, ParseErrorType, ParseOptions, Parsed};
use ruff_source_file::LineIndex;
use ruff_text_size::TextSize;

use crate::depth::{too_deep, MAX_EXPRESSION_DEPTH};

/// What the caller knows about the code being instrumented.
#[derive(Clone, Debug)]
pub struct Options {
    /// The Python version that will compile the result: syntax it does not
    /// accept is rejected, as CPython would reject it.
    pub target_version: (u8, u8),
}

impl Default for Options {
    fn default() -> Self {
        Options {
            target_version: (3, 12),
        }
    }
}

/// Why a file could not be instrumented. The caller imports it normally.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ParseFailure {
    #[error("syntax error at line {line}: {message}")]
    Syntax { line: u32, message: String },
    #[error("nesting deeper than {limit} levels at line {line}")]
    TooDeep { line: u32, limit: usize },
}

/// What the parser reports as an error although `target` accepts it.
///
/// Python 3.15 takes a unary `+` in a literal pattern (`case +1:`, as its own
/// `test_patma.py` does). `ruff_python_parser` 0.0.10 reports it, but builds
/// the same tree as for `case -1:` (a value pattern holding the unary
/// operation), so for 3.15 on the report is dropped and the tree used.
fn accepted_by(target: (u8, u8), error: &ParseError) -> bool {
    target >= (3, 15)
        && matches!(&error.error, ParseErrorType::OtherError(message)
            if message == "Unary '+' is not allowed as a literal pattern")
}

/// A parsed file: the text, its AST and tokens, and a line index.
pub struct SourceFile<'a> {
    pub text: &'a str,
    pub parsed: Parsed<ModModule>,
    pub index: LineIndex,
}

impl<'a> SourceFile<'a> {
    pub fn parse(text: &'a str, options: &Options) -> Result<Self, ParseFailure> {
        // The parser recurses once per level: refuse what would overflow the
        // stack (CPython refuses it too) before it starts.
        if let Some(line) = too_deep(text, MAX_EXPRESSION_DEPTH) {
            return Err(ParseFailure::TooDeep {
                line,
                limit: MAX_EXPRESSION_DEPTH as usize,
            });
        }
        let (major, minor) = options.target_version;
        let parse_options =
            ParseOptions::from(Mode::Module).with_target_version(PythonVersion { major, minor });
        let parsed = parse_unchecked(text, parse_options);
        let index = LineIndex::from_source_text(text);
        let line_of = |offset: TextSize| index.line_index(offset).get() as u32;
        let rejected = |error: &&ParseError| !accepted_by(options.target_version, error);
        if let Some(error) = parsed.errors().iter().find(rejected) {
            return Err(ParseFailure::Syntax {
                line: line_of(error.location.start()),
                message: error.error.to_string(),
            });
        }
        if let Some(error) = parsed.unsupported_syntax_errors().first() {
            return Err(ParseFailure::Syntax {
                line: line_of(error.range.start()),
                message: error.to_string(),
            });
        }
        let parsed = parsed
            .try_into_module()
            .expect("Mode::Module always yields a module");
        Ok(SourceFile {
            text,
            parsed,
            index,
        })
    }

    pub fn module(&self) -> &ModModule {
        self.parsed.syntax()
    }

    /// The 1-based line holding byte `offset`.
    pub fn line_of(&self, offset: TextSize) -> u32 {
        self.index.line_index(offset).get() as u32
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: u32) -> usize {
        let starts = self.index.line_starts();
        starts
            .get(line as usize - 1)
            .map_or(self.text.len(), |s| s.to_usize())
    }

    pub fn line_count(&self) -> u32 {
        self.index.line_count() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNARY_PLUS: &str = "match x:\n    case +1 | +2.5 | +1+2j:\n        pass\n";

    #[test]
    fn unary_plus_pattern_parses_for_3_15_only() {
        let for_315 = Options {
            target_version: (3, 15),
        };
        let file = SourceFile::parse(UNARY_PLUS, &for_315).expect("3.15 accepts `case +1:`");
        assert_eq!(file.module().body.len(), 1);
        let for_314 = Options {
            target_version: (3, 14),
        };
        assert!(matches!(
            SourceFile::parse(UNARY_PLUS, &for_314),
            Err(ParseFailure::Syntax { line: 2, .. })
        ));
        // Other errors are still errors.
        let broken = "match x:\n    case +1:\n        pass\nif\n";
        assert!(SourceFile::parse(broken, &for_315).is_err());
    }
}

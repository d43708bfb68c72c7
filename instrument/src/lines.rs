//! The multi-line statement map, computed from tokens as coverage.py does:
//! every physical line of a logical line maps to the logical line's first line.

use ruff_python_ast::token::TokenKind;
use ruff_text_size::Ranged;

use crate::parse::SourceFile;

/// Maps each 1-based line to the first line of the statement holding it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultilineMap {
    /// `first[l]` is the first line of line `l`'s statement (`first[0]` unused).
    first: Vec<u32>,
}

impl MultilineMap {
    pub fn from_source(source: &SourceFile) -> Self {
        let line_count = source.line_count() + 1;
        let mut first: Vec<u32> = (0..=line_count).collect();
        let mut statement_start = 0u32;
        for token in source.parsed.tokens() {
            match token.kind() {
                TokenKind::Newline => {
                    let end = source.line_of(token.start());
                    if statement_start != 0 && end != statement_start {
                        for line in statement_start..=end {
                            first[line as usize] = statement_start;
                        }
                    }
                    statement_start = 0;
                }
                TokenKind::NonLogicalNewline
                | TokenKind::Comment
                | TokenKind::Indent
                | TokenKind::Dedent
                | TokenKind::EndOfFile => {}
                _ => {
                    if statement_start == 0 {
                        statement_start = source.line_of(token.start());
                    }
                }
            }
        }
        MultilineMap { first }
    }

    /// The first line of the statement holding `line`; exits (negative lines)
    /// map to the negated first line, as coverage.py does.
    pub fn first_line(&self, line: i32) -> i32 {
        let (magnitude, sign) = if line < 0 { (-line, -1) } else { (line, 1) };
        match self.first.get(magnitude as usize) {
            Some(&first) => sign * first as i32,
            None => line,
        }
    }

    /// Lines that belong to a statement starting on an earlier line, as
    /// `(line, first_line)` pairs.
    pub fn continuation_lines(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.first
            .iter()
            .enumerate()
            .filter(|&(line, &first)| line as u32 != first)
            .map(|(line, &first)| (line as u32, first))
    }

    /// Every line of the statements spanning more than one line, with its
    /// first line (coverage.py's `multiline_map`, first lines included).
    pub fn to_pairs(&self) -> Vec<(u32, u32)> {
        let mut pairs = Vec::new();
        for (line, &first) in self.first.iter().enumerate().skip(1) {
            let line = line as u32;
            let starts_multiline = self.first.get(line as usize + 1) == Some(&line);
            if first != line || starts_multiline {
                pairs.push((line, first));
            }
        }
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Options, SourceFile};

    fn map(text: &str) -> MultilineMap {
        MultilineMap::from_source(&SourceFile::parse(text, &Options::default()).unwrap())
    }

    #[test]
    fn continuation_lines_map_to_the_first() {
        let m = map("x = (1,\n     2)\ny = 3\nif (a and\n    b): c\n");
        assert_eq!(m.first_line(2), 1);
        assert_eq!(m.first_line(3), 3);
        assert_eq!(m.first_line(5), 4);
        assert_eq!(m.first_line(-5), -4);
        assert_eq!(m.to_pairs(), vec![(1, 1), (2, 1), (4, 4), (5, 4)]);
    }

    #[test]
    fn backslashes_and_strings_span_lines() {
        let m = map("x = 1 + \\\n    2\ns = '''a\nb'''\n# c\n");
        assert_eq!(m.first_line(2), 1);
        assert_eq!(m.first_line(4), 3);
        assert_eq!(m.first_line(5), 5);
    }
}

//! Python source as syntax-highlighted HTML, one string per line, from the
//! parser's tokens (for the HTML report).
//!
//! Each source line is a row of its own in the report, so a token spanning
//! lines (a triple-quoted string) is cut into one `<span>` per line. The
//! parser's tokens tell keywords from names exactly: a soft keyword (`match`,
//! `case`, `type`) used as a name comes out as a name. A few rules on top
//! mark builtins (whose names the caller gives: they depend on the Python
//! version), the name a `def` or `class` defines, and decorators.
//!
//! Classes (styled by the report's CSS): `k` keyword, `b` builtin, `s`
//! string, `c` comment, `n` number, `o` operator, `d` defined name, `at`
//! decorator. Brackets, commas, colons, semicolons and dots stay plain.

use std::collections::HashSet;

use ruff_python_ast::token::{Token, TokenKind};
use ruff_text_size::Ranged;

use crate::parse::{Options, SourceFile};

/// HTML for each line of `text` (split at `\n`, a final empty line dropped),
/// escaped and highlighted; None if the parser rejects `text`.
pub fn highlight_lines(
    text: &str,
    options: &Options,
    builtins: &HashSet<String>,
) -> Option<Vec<String>> {
    let source = SourceFile::parse(text, options).ok()?;
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    // Per line: (start, end, class) of its highlighted pieces, byte offsets
    // within the line.
    let mut pieces: Vec<Vec<(usize, usize, &str)>> = vec![Vec::new(); lines.len()];
    let tokens = source.parsed.tokens();
    let mut after_definition = false;
    let mut in_decorator = false;
    for (i, token) in tokens.iter().enumerate() {
        let kind = token.kind();
        let class = if kind == TokenKind::At && starts_line(&tokens[..i]) {
            in_decorator = true;
            "at"
        } else if in_decorator && matches!(kind, TokenKind::Name | TokenKind::Dot) {
            "at"
        } else {
            in_decorator = false;
            token_class(token, text, after_definition, builtins)
        };
        after_definition = matches!(kind, TokenKind::Def | TokenKind::Class);
        if class.is_empty() {
            continue;
        }
        let first = source.line_of(token.start()) as usize;
        let last = source.line_of(token.end()) as usize;
        for line in first..=last.min(lines.len()) {
            let line_start = source.line_start(line as u32);
            let line_len = lines[line - 1].len();
            let start = if line == first {
                token.start().to_usize() - line_start
            } else {
                0
            };
            let end = if line == last {
                token.end().to_usize() - line_start
            } else {
                line_len
            };
            let end = end.min(line_len);
            if end > start {
                pieces[line - 1].push((start, end, class));
            }
        }
    }
    Some(
        lines
            .iter()
            .zip(pieces)
            .map(|(line, pieces)| line_html(line, pieces))
            .collect(),
    )
}

/// The class of a token outside a decorator ("" for none).
fn token_class(
    token: &Token,
    text: &str,
    after_definition: bool,
    builtins: &HashSet<String>,
) -> &'static str {
    let kind = token.kind();
    match kind {
        TokenKind::Name if after_definition => "d",
        TokenKind::Name if builtins.contains(&text[token.range()]) => "b",
        TokenKind::Name => "",
        _ if kind.is_keyword() => "k",
        TokenKind::String
        | TokenKind::FStringStart
        | TokenKind::FStringMiddle
        | TokenKind::FStringEnd
        | TokenKind::TStringStart
        | TokenKind::TStringMiddle
        | TokenKind::TStringEnd => "s",
        TokenKind::Comment => "c",
        TokenKind::Int | TokenKind::Float | TokenKind::Complex => "n",
        TokenKind::Lpar
        | TokenKind::Rpar
        | TokenKind::Lsqb
        | TokenKind::Rsqb
        | TokenKind::Lbrace
        | TokenKind::Rbrace
        | TokenKind::Comma
        | TokenKind::Colon
        | TokenKind::Semi
        | TokenKind::Dot => "",
        TokenKind::Exclamation => "o",
        _ if kind.is_operator() => "o",
        _ => "",
    }
}

/// Does the token after `before` start a logical line? (Indents, dedents and
/// blank lines may come between; a comment line may not.)
fn starts_line(before: &[Token]) -> bool {
    let previous = before.iter().rev().find(|token| {
        !matches!(
            token.kind(),
            TokenKind::Indent | TokenKind::Dedent | TokenKind::NonLogicalNewline
        )
    });
    previous.is_none_or(|token| token.kind() == TokenKind::Newline)
}

/// One line's HTML: adjacent pieces of one class joined into one span
/// (`f"`, `a`, `"`), overlapping ones dropped, everything escaped.
fn line_html(line: &str, mut pieces: Vec<(usize, usize, &str)>) -> String {
    pieces.sort_unstable();
    let mut merged: Vec<(usize, usize, &str)> = Vec::with_capacity(pieces.len());
    for (start, end, class) in pieces {
        match merged.last_mut() {
            Some(last) if last.1 == start && last.2 == class => last.1 = end,
            Some(last) if start < last.1 => {}
            _ => merged.push((start, end, class)),
        }
    }
    let mut html = String::with_capacity(line.len() + merged.len() * 24);
    let mut at = 0;
    for (start, end, class) in merged {
        escape_into(&mut html, &line[at..start]);
        html.push_str("<span class=\"");
        html.push_str(class);
        html.push_str("\">");
        escape_into(&mut html, &line[start..end]);
        html.push_str("</span>");
        at = end;
    }
    escape_into(&mut html, &line[at..]);
    html
}

/// `text` with `&`, `<` and `>` escaped (as Python's `html.escape(text,
/// quote=False)`).
fn escape_into(html: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            _ => html.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn highlight(text: &str) -> Vec<String> {
        let builtins = ["int", "type", "print"].map(String::from).into();
        highlight_lines(text, &Options::default(), &builtins).unwrap()
    }

    #[test]
    fn tokens_get_their_classes() {
        let lines = highlight(
            "@cache.get\ndef f(x: int = 3) -> str:  # note\n    return f\"{x!r} & <y>\"\n",
        );
        assert_eq!(lines[0], r#"<span class="at">@cache.get</span>"#);
        assert_eq!(
            lines[1],
            concat!(
                r#"<span class="k">def</span> <span class="d">f</span>(x: "#,
                r#"<span class="b">int</span> <span class="o">=</span> "#,
                r#"<span class="n">3</span>) <span class="o">-&gt;</span> str:  "#,
                r#"<span class="c"># note</span>"#
            )
        );
        assert_eq!(
            lines[2],
            concat!(
                r#"    <span class="k">return</span> <span class="s">f"</span>{x"#,
                r#"<span class="o">!</span>r}<span class="s"> &amp; &lt;y&gt;"</span>"#
            )
        );
    }

    #[test]
    fn soft_keywords_are_keywords_only_where_they_act_as_ones() {
        assert_eq!(
            highlight(
                "match = 1\ntype(x)\nmatch x:\n    case y if y: pass\n    case _:\n        pass\n"
            ),
            vec![
                r#"match <span class="o">=</span> <span class="n">1</span>"#,
                r#"<span class="b">type</span>(x)"#,
                r#"<span class="k">match</span> x:"#,
                r#"    <span class="k">case</span> y <span class="k">if</span> y: <span class="k">pass</span>"#,
                r#"    <span class="k">case</span> _:"#,
                r#"        <span class="k">pass</span>"#,
            ]
        );
    }

    #[test]
    fn a_string_across_lines_is_a_span_on_each() {
        assert_eq!(
            highlight("s = \"\"\"a\n\nb\"\"\"\n"),
            vec![
                r#"s <span class="o">=</span> <span class="s">"""a</span>"#,
                "",
                r#"<span class="s">b"""</span>"#,
            ]
        );
    }

    #[test]
    fn source_the_parser_rejects_gets_none() {
        let builtins = HashSet::new();
        assert_eq!(
            highlight_lines("x = (1,\n", &Options::default(), &builtins),
            None
        );
    }
}

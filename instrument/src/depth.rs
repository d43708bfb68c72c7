//! A bound on how deeply a file's expressions nest, found before parsing.
//!
//! The parser, the visitors and the drop of the tree all recurse once per
//! level of nesting, so a line of a million `-` (or `.a`, `+1`, `()`) would
//! overflow the stack and abort the interpreter, where CPython itself answers
//! with an error: it refuses expressions nested a few thousand deep (3.12:
//! about 4,000; 3.13: about 8,000). A file whose estimate exceeds
//! [`MAX_EXPRESSION_DEPTH`] is refused before parsing; the caller then
//! compiles it normally, so CPython's own verdict stands.
//!
//! The estimate is one pass over the bytes and errs high: every operator
//! character and every prefix keyword adds a level, every bracket adds one
//! and opens a group; a comma starts a sibling (its group's count starts
//! again), and so does the end of a logical line. Comparisons (`<`, `>`,
//! `==`), `and`/`or` and assignment chains are flat in the tree and not
//! counted. Plain string literals are skipped; the text of f- and t-strings,
//! which holds expressions, is counted as code would be, without siblings.

/// Nesting beyond which a file is refused: more than CPython 3.12 and 3.13
/// accept, and about 3 MB of stack for rcov's deepest recursion.
pub const MAX_EXPRESSION_DEPTH: u32 = 10_000;

/// The first line where the estimated nesting exceeds `limit`, if any.
pub fn too_deep(text: &str, limit: u32) -> Option<u32> {
    let mut scan = Scan {
        bytes: text.as_bytes(),
        pos: 0,
        line: 1,
        groups: vec![0],
        total: 0,
    };
    scan.run(limit)
}

struct Scan<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    /// Levels counted in each open bracket group (the first: outside any).
    groups: Vec<u32>,
    /// The sum of `groups`.
    total: u32,
}

impl Scan<'_> {
    fn run(&mut self, limit: u32) -> Option<u32> {
        while let Some(&byte) = self.bytes.get(self.pos) {
            // Strings and words move `pos` past themselves; the rest is one byte.
            let mut step = 1;
            match byte {
                b'#' => self.skip_comment(),
                b'\n' => {
                    self.line += 1;
                    self.end_of_logical_line();
                }
                // `\r\n` ends its line at the `\n`.
                b'\r' if self.bytes.get(self.pos + 1) != Some(&b'\n') => {
                    self.line += 1;
                    self.end_of_logical_line();
                }
                b';' => self.end_of_logical_line(),
                b',' => self.sibling(),
                b'(' | b'[' | b'{' => {
                    self.add(1);
                    self.groups.push(0);
                }
                b')' | b']' | b'}' => self.close(),
                b'+' | b'-' | b'*' | b'/' | b'%' | b'@' | b'&' | b'|' | b'^' | b'~' | b'.' => {
                    self.add(1);
                }
                b'<' | b'>' if self.bytes.get(self.pos + 1) == Some(&byte) => {
                    self.add(1); // a shift; a lone `<` / `>` compares
                    step = 2;
                }
                b'\'' | b'"' => {
                    self.string(false);
                    step = 0;
                }
                b if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => {
                    self.word();
                    step = 0;
                }
                _ => {}
            }
            if self.total > limit {
                return Some(self.line);
            }
            self.pos += step;
        }
        None
    }

    fn add(&mut self, levels: u32) {
        if let Some(top) = self.groups.last_mut() {
            *top = top.saturating_add(levels);
            self.total = self.total.saturating_add(levels);
        }
    }

    fn sibling(&mut self) {
        if let Some(top) = self.groups.last_mut() {
            self.total -= *top;
            *top = 0;
        }
    }

    fn close(&mut self) {
        if self.groups.len() > 1 {
            let inner = self.groups.pop().unwrap_or(0);
            self.total -= inner;
        }
    }

    fn end_of_logical_line(&mut self) {
        if self.groups.len() == 1 {
            self.sibling();
        }
    }

    fn skip_comment(&mut self) {
        while let Some(&byte) = self.bytes.get(self.pos) {
            if byte == b'\n' || byte == b'\r' {
                return;
            }
            self.pos += 1;
        }
    }

    /// An identifier or keyword at `pos`; a string prefix when a quote follows.
    fn word(&mut self) {
        let start = self.pos;
        while let Some(&byte) = self.bytes.get(self.pos) {
            if byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80 {
                self.pos += 1;
            } else {
                break;
            }
        }
        let word = &self.bytes[start..self.pos];
        if matches!(self.bytes.get(self.pos), Some(b'\'' | b'"')) && word.len() <= 2 {
            let prefix = word.to_ascii_lowercase();
            if prefix
                .iter()
                .all(|c| matches!(c, b'r' | b'b' | b'u' | b'f' | b't'))
            {
                let template = prefix.iter().any(|c| matches!(c, b'f' | b't'));
                self.string(template);
                return;
            }
        }
        if matches!(
            word,
            b"not" | b"lambda" | b"await" | b"if" | b"yield" | b"for" | b"else"
        ) {
            self.add(1);
        }
    }

    /// A string literal starting at the quote at `pos`; leaves `pos` after it.
    fn string(&mut self, template: bool) {
        let quote = self.bytes[self.pos];
        let triple = self.bytes.get(self.pos + 1) == Some(&quote)
            && self.bytes.get(self.pos + 2) == Some(&quote);
        self.pos += if triple { 3 } else { 1 };
        while let Some(&byte) = self.bytes.get(self.pos) {
            match byte {
                b'\\' => {
                    if matches!(self.bytes.get(self.pos + 1), Some(b'\n' | b'\r')) {
                        self.line += 1;
                    }
                    self.pos += 2;
                    continue;
                }
                b'\n' => {
                    self.line += 1;
                    if !triple {
                        return; // unterminated: the parser will say so
                    }
                }
                _ if byte == quote => {
                    let closes = !triple
                        || (self.bytes.get(self.pos + 1) == Some(&quote)
                            && self.bytes.get(self.pos + 2) == Some(&quote));
                    if closes {
                        self.pos += if triple { 3 } else { 1 };
                        return;
                    }
                }
                b'{' | b'+' | b'-' | b'*' | b'/' | b'%' | b'@' | b'&' | b'|' | b'^' | b'~'
                | b'.' | b'(' | b'[' | b'!'
                    if template =>
                {
                    self.add(1);
                }
                _ => {}
            }
            self.pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_ok(text: &str) -> bool {
        too_deep(text, 1000).is_none()
    }

    #[test]
    fn deep_chains_are_refused() {
        for text in [
            format!("x = {}1\n", "-".repeat(2000)),
            format!("x = 1{}\n", "+1".repeat(2000)),
            format!("x = a{}\n", ".a".repeat(2000)),
            format!("x = f{}\n", "()".repeat(2000)),
            format!("x = a{}\n", "[0]".repeat(2000)),
            format!("x = {}1\n", "not ".repeat(2000)),
            format!("x = {}1\n", "lambda: ".repeat(2000)),
            format!("x = {}1\n", "1 if 1 else ".repeat(2000)),
            format!("x = {}{}\n", "(".repeat(2000), ")".repeat(2000)),
            format!("x = f'{{{}1}}'\n", "-".repeat(2000)),
        ] {
            assert!(!depth_ok(&text), "{}", &text[..20]);
        }
        let late = format!("a = 1\nb = 2\nx = {}1\n", "-".repeat(2000));
        assert_eq!(too_deep(&late, 1000), Some(3));
    }

    #[test]
    fn long_flat_code_is_accepted() {
        for text in [
            format!("x = [{}]\n", "1 + 1, ".repeat(5000)),
            format!("x = {}\n", vec!["1"; 5000].join(" < ")),
            format!("x = {}\n", vec!["a"; 5000].join(" and ")),
            format!("x = {}\n", vec!["a"; 5000].join(" = ")),
            format!("x = '{}'\n", "-.+".repeat(5000)),
            format!("x = b'''{}'''\n", "-\n".repeat(5000)),
            "x = 1 + 1\n".repeat(5000),
            "x = 1 - 1; y = 2 - 2\n".repeat(5000),
            format!("# {}\nx = 1\n", "-".repeat(5000)),
            format!("x = r'\\d' + '{}'\n", "-".repeat(5000)),
        ] {
            assert!(depth_ok(&text), "{}", &text[..20]);
        }
    }

    #[test]
    fn strings_do_not_hide_code() {
        // A quote inside a plain string does not end it; its end does.
        let text = format!("s = 'a\\'b' + \"c\"\nx = {}1\n", "-".repeat(2000));
        assert_eq!(too_deep(&text, 1000), Some(2));
        let triple = format!("s = '''\n'\n'''\nx = {}1\n", "-".repeat(2000));
        assert_eq!(too_deep(&triple, 1000), Some(4));
    }
}

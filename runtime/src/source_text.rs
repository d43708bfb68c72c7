//! A source file's text as CPython's import decodes it, for the common case.
//!
//! `importlib.util.decode_source` finds the encoding with `tokenize`
//! (a PEP 263 cookie on one of the first two lines, or a UTF-8 BOM, else
//! UTF-8), decodes, and turns `\r\n` and `\r` into `\n`. Its encoding search
//! is Python code, a few microseconds per file, which every measured import
//! pays. A file with no cookie is UTF-8 whatever its first lines say, so that
//! case is decoded here; anything else (a cookie, bytes that are not UTF-8,
//! a `\r` that ends the file) is left to Python, whose errors are the ones
//! the user must see.

use pyo3::prelude::*;

const BOM: &[u8] = b"\xef\xbb\xbf";

/// The text of `data` if it is UTF-8 without a coding cookie, as
/// `decode_source` would give it; None when Python must decide.
pub fn decode_utf8_source(data: &[u8]) -> Option<String> {
    let data = data.strip_prefix(BOM).unwrap_or(data);
    if first_lines(data).windows(6).any(|word| word == b"coding") {
        return None;
    }
    // A `\r` that ends the file is dropped by decode_source up to 3.14 (its
    // newline decoder is never told the input is final) and kept as a line
    // end from 3.15: the running interpreter's own decode_source decides.
    if data.ends_with(b"\r") {
        return None;
    }
    let text = std::str::from_utf8(data).ok()?;
    if !text.contains('\r') {
        return Some(text.to_string());
    }
    Some(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// The first two lines of `data` (where a cookie may be), ends included.
fn first_lines(data: &[u8]) -> &[u8] {
    let mut end = 0;
    for _ in 0..2 {
        match data[end..].iter().position(|&byte| byte == b'\n') {
            Some(newline) => end += newline + 1,
            None => return data,
        }
    }
    &data[..end]
}

/// `decode_utf8_source` for Python: str, or None when
/// `importlib.util.decode_source` must decode.
#[pyfunction]
pub fn decode_utf8(data: &[u8]) -> Option<String> {
    decode_utf8_source(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_without_a_cookie_is_decoded() {
        let text = decode_utf8_source("x = 'é'\n".as_bytes());
        assert_eq!(text.as_deref(), Some("x = 'é'\n"));
    }

    #[test]
    fn a_bom_is_dropped() {
        assert_eq!(
            decode_utf8_source(b"\xef\xbb\xbfx = 1\n").as_deref(),
            Some("x = 1\n")
        );
    }

    #[test]
    fn newlines_become_line_feeds() {
        let text = decode_utf8_source(b"a = 1\r\nb = 2\rc = 3\n");
        assert_eq!(text.as_deref(), Some("a = 1\nb = 2\nc = 3\n"));
    }

    #[test]
    fn a_final_carriage_return_is_left_to_python() {
        assert_eq!(decode_utf8_source(b"a = 1\r"), None);
        assert_eq!(
            decode_utf8_source(b"a = 1\r\n"),
            Some("a = 1\n".to_string())
        );
    }

    #[test]
    fn a_cookie_on_the_first_two_lines_is_left_to_python() {
        assert_eq!(
            decode_utf8_source(b"# -*- coding: latin-1 -*-\nx = 1\n"),
            None
        );
        assert_eq!(
            decode_utf8_source(b"#!/usr/bin/python\n# vim: set fileencoding=utf-8 :\n"),
            None
        );
    }

    #[test]
    fn the_word_on_a_later_line_is_no_cookie() {
        let source = b"x = 1\ny = 2\n# coding: latin-1\n";
        assert_eq!(
            decode_utf8_source(source).as_deref(),
            std::str::from_utf8(source).ok()
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_left_to_python() {
        assert_eq!(decode_utf8_source(b"x = '\xe9'\n"), None);
    }
}

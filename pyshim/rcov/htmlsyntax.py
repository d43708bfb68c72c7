"""Python source as syntax-highlighted HTML, one string per line, from `tokenize`.

The HTML report shows each source line in a row of its own (its number, its
coverage mark, its code), so highlighting must come out line by line, with a
string or f-string spanning lines split into one `<span>` per line. The
standard library's tokenizer is exact for every Python the interpreter runs
(3.12's f-string tokens included), which a hand-written lexer or an extra
dependency (pygments) would not be; it knows nothing of names, so a few
rules on top say which names are keywords, soft keywords, builtins and the
names being defined.

Classes (styled by the report's CSS): `k` keyword, `b` builtin, `s` string,
`c` comment, `n` number, `o` operator, `d` defined name (after def/class),
`at` decorator.

Source the tokenizer rejects (it is stricter than nothing, e.g. with
unbalanced brackets in a file that never compiled) is shown escaped and
unhighlighted.
"""

from __future__ import annotations

import builtins
import io
import keyword
import tokenize
from html import escape

__all__ = ["highlight_lines"]

_BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))
_SOFT_KEYWORDS = frozenset({"match", "case", "type", "_"})
# Brackets and separators stay plain: colouring them adds markup, not meaning.
_PUNCTUATION = frozenset("()[]{},:;.")

# Token types without a class (NEWLINE, INDENT, ...) produce no span.
_STRING_TYPES = {tokenize.STRING}
for _name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END"):
    if hasattr(tokenize, _name):
        _STRING_TYPES.add(getattr(tokenize, _name))


def _split_source(source: str) -> list[str]:
    """The source's lines as the compiler numbers them (newlines are already `\\n`)."""
    lines = source.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _soft_keyword(tokens: list[tokenize.TokenInfo], i: int) -> bool:
    """Is the name at `i` a soft keyword here (`match x:`, `case 1:`, `type X = ...`)?"""
    token = tokens[i]
    if token.string not in _SOFT_KEYWORDS or token.string == "_":
        return False
    # It must start its logical line...
    j = i - 1
    while j >= 0 and tokens[j].type in (tokenize.INDENT, tokenize.DEDENT, tokenize.NL):
        j -= 1
    if j >= 0 and tokens[j].type not in (tokenize.NEWLINE, tokenize.ENCODING):
        return False
    # ...and be followed by an operand, not used as a name (`match = 3`, `type(x)`).
    if i + 1 >= len(tokens):
        return False
    after = tokens[i + 1]
    if token.string == "type":
        return after.type == tokenize.NAME
    if after.type == tokenize.OP:
        return after.string in ("(", "[", "{", "-", "*") and _ends_with_colon(tokens, i)
    return after.type not in (tokenize.NEWLINE, tokenize.NL) and _ends_with_colon(tokens, i)


def _ends_with_colon(tokens: list[tokenize.TokenInfo], i: int) -> bool:
    """Does the logical line holding token `i` end with `:` (a block header)?"""
    last = None
    for token in tokens[i:]:
        if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            break
        if token.type not in (tokenize.COMMENT, tokenize.NL):
            last = token
    return last is not None and last.string == ":"


def _starts_line(tokens: list[tokenize.TokenInfo], i: int) -> bool:
    j = i - 1
    while j >= 0 and tokens[j].type in (tokenize.INDENT, tokenize.DEDENT, tokenize.NL):
        j -= 1
    return j < 0 or tokens[j].type in (tokenize.NEWLINE, tokenize.ENCODING)


def _name_kind(tokens: list[tokenize.TokenInfo], i: int, after_def: bool) -> str:
    name = tokens[i].string
    if after_def:
        return "d"
    if keyword.iskeyword(name) or _soft_keyword(tokens, i):
        return "k"
    return "b" if name in _BUILTINS else ""


def _classify(tokens: list[tokenize.TokenInfo]) -> list[tuple[tokenize.TokenInfo, str]]:
    """The tokens worth a span, each with its class."""
    spans: list[tuple[tokenize.TokenInfo, str]] = []
    after_def = False  # the previous token was `def` or `class`
    in_decorator = False  # within `@name.name` at the start of a line
    for i, token in enumerate(tokens):
        kind = ""
        if token.type == tokenize.OP and token.string == "@" and _starts_line(tokens, i):
            in_decorator = True
            kind = "at"
        elif in_decorator and (token.type == tokenize.NAME or token.string == "."):
            kind = "at"
        else:
            in_decorator = False
            if token.type == tokenize.NAME:
                kind = _name_kind(tokens, i, after_def)
            elif token.type in _STRING_TYPES:
                kind = "s"
            elif token.type == tokenize.COMMENT:
                kind = "c"
            elif token.type == tokenize.NUMBER:
                kind = "n"
            elif token.type == tokenize.OP and token.string not in _PUNCTUATION:
                kind = "o"
        after_def = token.type == tokenize.NAME and token.string in ("def", "class")
        if kind:
            spans.append((token, kind))
    return spans


def highlight_lines(source: str) -> list[str]:
    """HTML for each line of `source` (no newlines), escaped and with highlighting spans."""
    lines = _split_source(source)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return [escape(line, quote=False) for line in lines]

    # Per line, the (start column, end column, class) of its highlighted pieces.
    pieces: list[list[tuple[int, int, str]]] = [[] for _ in lines]
    for token, kind in _classify(tokens):
        (srow, scol), (erow, ecol) = token.start, token.end
        for row in range(srow, erow + 1):
            if not 0 < row <= len(lines):
                continue
            start = scol if row == srow else 0
            end = ecol if row == erow else len(lines[row - 1])
            if end > start:
                pieces[row - 1].append((start, end, kind))

    html_lines = []
    for text, spans in zip(lines, pieces, strict=True):
        out = []
        pos = 0
        merged: list[tuple[int, int, str]] = []
        for start, end, kind in sorted(spans):
            if merged and merged[-1][1] == start and merged[-1][2] == kind:
                merged[-1] = (merged[-1][0], end, kind)  # `f"`, `a`, `"`: one span
            elif not merged or start >= merged[-1][1]:
                merged.append((start, end, kind))
        for start, end, kind in merged:
            out.append(escape(text[pos:start], quote=False))
            out.append(f'<span class="{kind}">{escape(text[start:end], quote=False)}</span>')
            pos = end
        out.append(escape(text[pos:], quote=False))
        html_lines.append("".join(out))
    return html_lines

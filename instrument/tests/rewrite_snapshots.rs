//! Snapshot tests of the rewriter: each fixture's rewritten text with every
//! line's origin, then the probe table. Every fixture is also checked to give
//! back its source once the probes are removed.

mod rewrite_support;

use rewrite_support::{checked_rewrite, render};

/// Rewrites `source`, checks the invariants and snapshots the rendering
/// under the test's name.
macro_rules! fixture {
    ($name:ident, $source:expr) => {
        #[test]
        fn $name() {
            let source: &str = $source;
            let rewritten = checked_rewrite(source);
            insta::assert_snapshot!(stringify!($name), render(&rewritten), source);
        }
    };
}

fixture!(
    if_elif_else,
    r#"def f(x):
    if x == 1:
        a = 1
    elif x == 2:
        a = 2
    else:
        a = 3
    return a
"#
);

fixture!(
    if_without_else,
    r#"if x:
    a = 1
b = 2
"#
);

fixture!(
    elif_chain_without_else,
    r#"if x:
    a = 1
elif y:
    a = 2
elif z:
    a = 3
print(a)
"#
);

fixture!(
    nested_ifs_end_loops_and_functions,
    r#"def f(xs):
    for x in xs:
        if x:
            if x > 1:
                print(x)
    return 0

def g(c):
    while c:
        c -= 1
        if c:
            continue
"#
);

fixture!(
    loops_with_and_without_else,
    r#"async def f(xs):
    for x in xs:
        print(x)
    for x in xs:
        if x:
            break
    else:
        print("no break")
    async for x in xs:
        print(x)
    async for x in xs:
        print(x)
    else:
        print("done")
    while xs:
        xs.pop()
    while xs:
        break
    else:
        print("empty")
"#
);

fixture!(
    break_and_continue,
    r#"for x in range(10):
    if x == 2:
        continue
    if x == 5:
        break
    print(x)
"#
);

fixture!(
    constant_while,
    r#"while True:
    x = input()
    if x:
        break
while 1:
    break
while 0:
    pass
while True: pass
"#
);

fixture!(
    constant_if_tests,
    r#"if 0:
    a = 1
if __debug__:
    b = 1
if x:
    c = 1
elif False:
    c = 2
if True: d = 1
elif y: d = 2
if not __debug__: e = 1
"#
);

fixture!(
    match_cases,
    r#"def f(v):
    match v:
        case 1 | 2:
            return "small"
        case [x, *rest] if x > 0:
            return "list"
        case {"k": y}:
            return y
        case Point(x=0) as p:
            return p
    return None
"#
);

fixture!(
    match_ending_irrefutable,
    r#"match v:
    case 1:
        a = 1
    case other:
        a = other
match v:
    case 1:
        a = 1
    case _:
        a = 2
match v:
    case (1 as z) | (_ as z):
        a = 3
match v:
    case y if y:
        a = 4
"#
);

fixture!(
    try_except_finally,
    r#"def f():
    try:
        if a:
            b()
    except ValueError:
        if c:
            d()
    except TypeError:
        pass
    else:
        for x in y:
            e(x)
    finally:
        if g:
            return 1
"#
);

fixture!(
    try_star,
    r#"try:
    f()
except* ValueError as group:
    if group:
        g()
"#
);

fixture!(
    with_statements,
    r#"async def f():
    with open(p) as fh:
        if fh:
            read(fh)
    async with lock:
        while busy(): wait()
"#
);

fixture!(
    decorators_and_classes,
    r#"@decorator
def f(x):
    if x: return 1
    return 2

@decorator(arg)
class C(Base):
    attr = 1 if x else 2
    if flag:
        other = 1

    @property
    def p(self): return self.attr
"#
);

fixture!(
    lambdas_and_comprehensions,
    r#"f = lambda x: x if x else 0
ys = [y for y in xs if y]
zs = {k: v for k, v in d.items() if v and k}
g = (a or b for a in c)
"#
);

fixture!(
    one_liners,
    r#"if x: y()
while c: a(); b()
for x in y: z(x)
if a: b()
elif x: y()
else: z()
match v:
    case 1: return_value = 1
    case 2: pass
"#
);

fixture!(
    one_liner_case_return,
    r#"def f(v):
    match v:
        case 1: return "one"
        case _: return "other"
"#
);

fixture!(
    one_liners_not_split,
    r#"try: f()
except E: pass
with m: pass
for x in y:
    pass
else: done()
"#
);

fixture!(
    multi_line_headers,
    r#"def f(a, b):
    if (a and
            b): return 1
    for x in [
        1, 2,
    ]: print(x)
    while (a
           or b): a = b = 0
    if (a and
b): return 2
"#
);

fixture!(
    body_spanning_lines,
    r#"if x: s = """one
two"""
for i in y: t = (1,
                 2)
"#
);

fixture!(
    comments_after_colon,
    r#"if x:  # comment
    a = 1
for i in y:  # loop
    # first
    b = 2
    # trailing comment
c = 3
"#
);

fixture!(
    backslash_continuations,
    r#"if a and \
        b: c()
if a and \
        b:
    d()
x = 1 + \
    2
for i in \
        y: z(i)
"#
);

fixture!(
    semicolons_after_body,
    r#"if x: a = 1; b = 2
while c: c -= 1; print(c);
if y:
    z = 1;
"#
);

fixture!(
    tabs,
    "def f(x):\n\tif x: return 1\n\tfor i in x:\n\t\tif i:\n\t\t\tprint(i)\n\treturn 0\n"
);

fixture!(
    crlf,
    "if x: a()\r\nfor i in y:\r\n    b(i)\r\nmatch v:\r\n    case 1: c()\r\n"
);

fixture!(lone_carriage_returns, "if x: a()\rfor i in y:\r    b(i)\r");

fixture!(
    non_ascii,
    "é = 'café'\nif é == 'thé': print('☕')\nfor ü in 'ñ':\n    pass\n"
);

fixture!(
    coding_cookie,
    "# -*- coding: utf-8 -*-\n\"\"\"Module docstring.\"\"\"\nif x: y()\n"
);

fixture!(no_trailing_newline, "for x in y:\n    if x: z()");

fixture!(no_trailing_newline_after_comment, "if x:\n    y()\n# end");

fixture!(
    form_feed_indentation,
    "def f(x):\n\x0c    if x: return 1\n    return 0\n"
);

fixture!(
    dedented_continuation_header,
    "def f(a, b):\n    if (a,\nb): return 1\n    return 0\n"
);

fixture!(
    return_inside_finally,
    r#"def f(x):
    try:
        while x:
            x -= 1
    finally:
        if x:
            return x
"#
);

fixture!(
    deep_trampoline_stack,
    r#"def f(m):
    match m:
        case [x]:
            for y in x:
                while y:
                    if y:
                        y -= 1
print(f)
"#
);

fixture!(empty_file, "");

fixture!(comment_only, "# nothing here\n");

fixture!(
    one_line_definitions,
    r#"class A: pass
class B(Exception): "Docstring."
@decorator
def f(x): return x
def g(): "Doc."; return 1
async def h(): await x; return 2
def k():
    def inner(): return 3
    return inner
"#
);

fixture!(
    body_after_backslash_on_next_line,
    "if x: \\\n    y()\nfor i in z: \\\ni += 1\n"
);

fixture!(
    one_line_bodies_fall_through_in_loops,
    r#"for v in vs:
    if v: f(v)
    elif w: continue
while c: c = step(c)
"#
);

fixture!(no_trailing_newline_one_liner, "a = 1\r\nif x: y()");

fixture!(
    mixed_tabs_in_continuation,
    "def f(a):\n        if (a,\n\tb): return 1\n        return 0\n"
);

fixture!(
    one_line_definition_ending_blocks,
    r#"if x:
    def f(): return 1
class K:
    def m(self): "Doc."
for i in y:
    class E(Exception): pass
"#
);

// The edge that leaves an `if` whose bodies all jump away, or a loop without
// `break`, needs no trampoline when the next statement surely reports its own
// first line; a string, an `assert` (gone under -O), a `try`, a `pass`, the
// end of a block or a `break` somewhere in the loop keep it.
fixture!(
    trampolines_only_where_the_next_line_cannot_tell,
    r#"def f(x, xs):
    if x:
        return 1
    elif x is None:
        raise ValueError
    y = 2
    for v in xs:
        if v:
            continue
        print(v)
    while x:
        x -= 1
    if x:
        return 3
    "not code"
    if x:
        return 4
    assert x
    for v in xs:
        if v:
            break
    print(v)
    if x:
        return 5
    try:
        pass
    except E:
        pass
    if x:
        return 6
    if y:
        y = 1
    print(y)
    while x:
        for w in xs:
            pass
        else:
            break
    f(x)
    if x:
        return 7
"#
);

//! Small questions about syntax that the analysis and the rewriter both ask.

use ruff_python_ast::{BoolOp, Expr, MatchCase, Pattern, UnaryOp};

/// coverage.py's `is_constant_test_expr`: `Some(value)` when `test` is a
/// compile-time constant (a literal, `True`/`False`/`None`/`__debug__`, `not`
/// of one, or `and`/`or` of them), else `None`.
pub fn constant_test(test: &Expr) -> Option<bool> {
    match test {
        Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::BytesLiteral(_)
        | Expr::BooleanLiteral(_)
        | Expr::NoneLiteral(_)
        | Expr::EllipsisLiteral(_) => Some(literal_truth(test)),
        Expr::Name(name) => match name.id.as_str() {
            "True" | "__debug__" => Some(true),
            "False" | "None" => Some(false),
            _ => None,
        },
        Expr::UnaryOp(op) if op.op == UnaryOp::Not => constant_test(&op.operand).map(|v| !v),
        Expr::BoolOp(op) => {
            let values: Option<Vec<bool>> = op.values.iter().map(constant_test).collect();
            let values = values?;
            Some(match op.op {
                BoolOp::Or => values.iter().any(|&v| v),
                BoolOp::And => values.iter().all(|&v| v),
            })
        }
        _ => None,
    }
}

fn literal_truth(literal: &Expr) -> bool {
    use ruff_python_ast::Number;
    match literal {
        Expr::NumberLiteral(n) => match &n.value {
            Number::Int(i) => i.as_u64() != Some(0),
            Number::Float(f) => *f != 0.0,
            Number::Complex { real, imag } => *real != 0.0 || *imag != 0.0,
        },
        Expr::StringLiteral(s) => !s.value.is_empty(),
        Expr::BytesLiteral(b) => !b.value.is_empty(),
        Expr::BooleanLiteral(b) => b.value,
        Expr::NoneLiteral(_) => false,
        _ => true,
    }
}

/// coverage.py's `_case_is_irrefutable`: a `case` with no guard whose pattern
/// (the last alternative of an or-pattern, through `as` wrappers) is a
/// wildcard or a bare capture. Anything reaching it matches, so it works as
/// the `match`'s `else`, and Python forbids a case after it.
pub fn case_is_irrefutable(case: &MatchCase) -> bool {
    if case.guard.is_some() {
        return false;
    }
    let mut pattern = &case.pattern;
    while let Pattern::MatchOr(or) = pattern {
        match or.patterns.last() {
            Some(last) => pattern = last,
            None => return false,
        }
    }
    while let Pattern::MatchAs(as_pattern) = pattern {
        match &as_pattern.pattern {
            Some(inner) => pattern = inner,
            None => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruff_python_ast::Stmt;
    use ruff_python_parser::parse_module;

    fn test_of(source: &str) -> Option<bool> {
        let parsed = parse_module(source).unwrap();
        match &parsed.syntax().body[0] {
            Stmt::If(stmt) => constant_test(&stmt.test),
            other => panic!("not an if: {other:?}"),
        }
    }

    #[test]
    fn constant_tests() {
        assert_eq!(test_of("if 0: pass"), Some(false));
        assert_eq!(test_of("if 1: pass"), Some(true));
        assert_eq!(test_of("if '': pass"), Some(false));
        assert_eq!(test_of("if __debug__: pass"), Some(true));
        assert_eq!(test_of("if not __debug__: pass"), Some(false));
        assert_eq!(test_of("if True and 0: pass"), Some(false));
        assert_eq!(test_of("if None or 2: pass"), Some(true));
        assert_eq!(test_of("if x: pass"), None);
        assert_eq!(test_of("if True and x: pass"), None);
    }

    fn cases(source: &str) -> Vec<bool> {
        let parsed = parse_module(source).unwrap();
        match &parsed.syntax().body[0] {
            Stmt::Match(stmt) => stmt.cases.iter().map(case_is_irrefutable).collect(),
            other => panic!("not a match: {other:?}"),
        }
    }

    #[test]
    fn irrefutable_cases() {
        assert_eq!(
            cases("match v:\n case 1: pass\n case [x]: pass\n case x if x: pass\n case _: pass\n"),
            vec![false, false, false, true]
        );
        assert_eq!(cases("match v:\n case y: pass\n"), vec![true]);
        assert_eq!(cases("match v:\n case 1 | (_ as z): pass\n"), vec![true]);
    }
}

//! `__firstlineno__` of class bodies (Python 3.13+).
//!
//! A class body stores its first line (decorators included) in
//! `__firstlineno__` from a constant baked into the bytecode, and
//! `inspect.getsource(cls)` reads it. In a rewritten file that constant is a
//! rewritten line number, so after the line table is remapped this puts the
//! original line into the `LOAD_CONST` (or 3.14's `LOAD_SMALL_INT`) that
//! feeds `STORE_NAME __firstlineno__`. The constant may be shared with other
//! uses of the same number (`x = 7` in the body), so a new constant is
//! appended rather than the old one changed. Opcodes come from `dis.opmap`:
//! no per-version numbers here.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyTuple};

/// The opcodes involved, as the running interpreter numbers them.
struct Opcodes {
    store_name: u8,
    load_const: u8,
    load_small_int: Option<u8>,
    extended_arg: u8,
}

static OPCODES: PyOnceLock<Option<Opcodes>> = PyOnceLock::new();

fn opcodes(py: Python<'_>) -> Option<&Opcodes> {
    OPCODES
        .get_or_init(py, || {
            let opmap = py.import("dis").ok()?.getattr("opmap").ok()?;
            let get = |name: &str| -> Option<u8> { opmap.get_item(name).ok()?.extract().ok() };
            Some(Opcodes {
                store_name: get("STORE_NAME")?,
                load_const: get("LOAD_CONST")?,
                load_small_int: get("LOAD_SMALL_INT"),
                extended_arg: get("EXTENDED_ARG")?,
            })
        })
        .as_ref()
}

/// Keyword arguments for `code.replace` (`co_code` and `co_consts`) that make the class body `code` store
/// `new_line` in `__firstlineno__` where it stored `old_line`; `None` when the
/// body does not store it that way (not a class body, or Python < 3.13).
pub fn patch<'py>(
    code: &Bound<'py, PyAny>,
    consts: &[Bound<'py, PyAny>],
    old_line: i32,
    new_line: i32,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let py = code.py();
    if old_line == new_line {
        return Ok(None);
    }
    let names = code.getattr(intern!(py, "co_names"))?;
    let names = names.cast::<PyTuple>()?;
    let Some(name_index) = names
        .iter()
        .position(|name| name.eq("__firstlineno__").unwrap_or(false))
    else {
        return Ok(None);
    };
    let Some(ops) = opcodes(py) else {
        return Ok(None);
    };
    let bytecode = code.getattr(intern!(py, "co_code"))?;
    let mut bytecode = bytecode.cast::<PyBytes>()?.as_bytes().to_vec();
    let Some(load_at) = find_load_before_store(&bytecode, ops.store_name, name_index) else {
        return Ok(None);
    };
    let (opcode, arg) = (bytecode[load_at], bytecode[load_at + 1]);
    let preceded_by_extended_arg = load_at >= 2 && bytecode[load_at - 2] == ops.extended_arg;
    let kwargs = PyDict::new(py);
    if Some(opcode) == ops.load_small_int && i32::from(arg) == old_line {
        let Ok(small) = u8::try_from(new_line) else {
            return Ok(None);
        };
        bytecode[load_at + 1] = small;
        kwargs.set_item(intern!(py, "co_consts"), PyTuple::new(py, consts)?)?;
    } else if opcode == ops.load_const && !preceded_by_extended_arg {
        let holds_old_line = consts
            .get(usize::from(arg))
            .and_then(|value| value.extract::<i32>().ok())
            == Some(old_line);
        let Ok(new_index) = u8::try_from(consts.len()) else {
            return Ok(None);
        };
        if !holds_old_line {
            return Ok(None);
        }
        bytecode[load_at + 1] = new_index;
        let mut new_consts = consts.to_vec();
        new_consts.push(new_line.into_pyobject(py)?.into_any());
        kwargs.set_item(intern!(py, "co_consts"), PyTuple::new(py, new_consts)?)?;
    } else {
        return Ok(None);
    }
    kwargs.set_item(intern!(py, "co_code"), PyBytes::new(py, &bytecode))?;
    Ok(Some(kwargs))
}

/// Offset of the instruction just before `STORE_NAME name_index`.
fn find_load_before_store(bytecode: &[u8], store_name: u8, name_index: usize) -> Option<usize> {
    let name_index = u8::try_from(name_index).ok()?;
    bytecode
        .chunks_exact(2)
        .enumerate()
        .skip(1)
        .find(|(_, unit)| unit[0] == store_name && unit[1] == name_index)
        .map(|(i, _)| (i - 1) * 2)
}

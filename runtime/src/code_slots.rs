//! A measured file's code objects, let go of once nothing but rcov holds them.
//!
//! rcov keeps a strong reference to every code object it measures (an
//! address is a safe key only while its object lives): one in the file's
//! slots, one in the address map of `monitor::CodeFiles`. A module body is
//! held by nobody else once its import has run it, nor are its class
//! bodies once it is gone, nor the code of functions that no longer exist.
//! Kept, they are most of what measuring adds to a program's memory (for an
//! import of every Pygments module, 3.6 MB of token-table bodies), which the
//! program pays for in page faults and slower collections. A code object
//! that only rcov holds can never run again, so its slot lets it go and
//! keeps only its name (for the functions that ran).

use pyo3::prelude::*;

/// References rcov holds to a measured code object (see the module doc).
const HELD_BY_RCOV: isize = 2;

fn held_by_rcov_alone(_py: Python<'_>, code: &Py<PyAny>) -> bool {
    // SAFETY: `code` is a live object (rcov holds it) and the thread is
    // attached to the interpreter.
    unsafe { pyo3::ffi::Py_REFCNT(code.as_ptr()) == HELD_BY_RCOV }
}

/// `(co_qualname, co_firstlineno)`: a code object's name in reports.
pub type CodeName = (String, u32);

pub enum CodeSlot {
    Held(Py<PyAny>),
    /// Let go of: nothing else held it.
    Released(CodeName),
}

impl CodeSlot {
    pub fn clone_ref(&self, py: Python<'_>) -> CodeSlot {
        match self {
            CodeSlot::Held(code) => CodeSlot::Held(code.clone_ref(py)),
            CodeSlot::Released(name) => CodeSlot::Released(name.clone()),
        }
    }

    /// The code object's name; asks a held one (a call into Python).
    pub fn name(&self, py: Python<'_>) -> PyResult<CodeName> {
        match self {
            CodeSlot::Held(code) => code_name(code.bind(py)),
            CodeSlot::Released(name) => Ok(name.clone()),
        }
    }
}

/// `(co_qualname, co_firstlineno)` of a code object.
pub fn code_name(code: &Bound<'_, PyAny>) -> PyResult<CodeName> {
    let py = code.py();
    Ok((
        code.getattr(pyo3::intern!(py, "co_qualname"))?.extract()?,
        code.getattr(pyo3::intern!(py, "co_firstlineno"))?
            .extract()?,
    ))
}

/// A file's code objects in tree order (the module's first).
pub struct CodeSlots(Vec<CodeSlot>);

impl CodeSlots {
    pub fn new(codes: &[Bound<'_, PyAny>]) -> Self {
        CodeSlots(
            codes
                .iter()
                .map(|code| CodeSlot::Held(code.clone().unbind()))
                .collect(),
        )
    }

    /// How many code objects the tree has, let go of or not.
    pub fn count(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &CodeSlot> {
        self.0.iter()
    }

    /// The code objects still held.
    pub fn held(&self) -> impl Iterator<Item = &Py<PyAny>> {
        self.0.iter().filter_map(|slot| match slot {
            CodeSlot::Held(code) => Some(code),
            CodeSlot::Released(_) => None,
        })
    }

    /// The module's code object, while held.
    pub fn module(&self) -> Option<&Py<PyAny>> {
        match self.0.first()? {
            CodeSlot::Held(code) => Some(code),
            CodeSlot::Released(_) => None,
        }
    }

    /// Whether the module's code object is let go of, or can be.
    pub fn module_done(&self, py: Python<'_>) -> bool {
        self.module()
            .is_none_or(|code| held_by_rcov_alone(py, code))
    }

    /// The held code objects that nothing but rcov holds, by index, each
    /// with a new reference (for naming it outside the collector's lock).
    pub fn unreachable(&self, py: Python<'_>) -> Vec<(usize, Py<PyAny>)> {
        self.0
            .iter()
            .enumerate()
            .filter_map(|(index, slot)| match slot {
                CodeSlot::Held(code) if held_by_rcov_alone(py, code) => {
                    Some((index, code.clone_ref(py)))
                }
                _ => None,
            })
            .collect()
    }

    /// Lets go of `code` at `index`, keeping `name`; the slot's reference,
    /// for the caller to drop once no lock is held. None if the slot holds
    /// something else by now.
    pub fn release(&mut self, index: usize, code: &Py<PyAny>, name: CodeName) -> Option<Py<PyAny>> {
        let slot = self.0.get_mut(index)?;
        match slot {
            CodeSlot::Held(held) if held.as_ptr() == code.as_ptr() => {
                match std::mem::replace(slot, CodeSlot::Released(name)) {
                    CodeSlot::Held(held) => Some(held),
                    CodeSlot::Released(_) => None,
                }
            }
            _ => None,
        }
    }
}

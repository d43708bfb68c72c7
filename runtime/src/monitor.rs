//! `sys.monitoring`: the tool id, the LINE callback, local events.
//!
//! Events are enabled *locally* on each measured code object, so unmeasured
//! code never calls into rcov. The callback is a method of a frozen pyclass
//! (PyO3's fastest callable, called through vectorcall) and does no Python
//! work: it finds the file of the code object by address in a hash map, sets
//! one bit and returns the cached `sys.monitoring.DISABLE`, after which
//! CPython never reports that line of that code object again. When a code
//! object has reported every line it can, its local events are turned off
//! altogether (see `hits::CodeLines`).
//!
//! Addresses are safe keys because the map holds a strong reference to every
//! code object in it: no other object can get its address while it is there.
//! Nothing is dropped while the map's lock is held (a code object's last
//! reference can run a weakref callback, which could run measured code and
//! re-enter the callback); removed entries are handed back to drop later.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, PoisonError, RwLock};

use pyo3::intern;
use pyo3::prelude::*;

use crate::error::RcovError;
use crate::hits::{CodeLines, FileHits};

/// Measured code objects by address, each with its file's hits.
#[derive(Default)]
pub struct CodeFiles {
    by_address: RwLock<HashMap<usize, MeasuredCode, BuildHasherDefault<AddressHasher>>>,
}

/// A registered code object: the strong reference that pins its address,
/// where its hits go, and which of its lines it has reported.
pub struct MeasuredCode {
    _code: Py<PyAny>,
    hits: Arc<FileHits>,
    lines: CodeLines,
}

impl CodeFiles {
    /// Registers `codes`, each with the lines it can report, as belonging to
    /// the file whose hits are `hits`. Returns what was registered before at
    /// those addresses (nothing, unless the same code object is registered
    /// twice), to be dropped by the caller.
    #[must_use]
    pub fn insert(
        &self,
        codes: &[Bound<'_, PyAny>],
        event_lines: &[Vec<u32>],
        hits: &Arc<FileHits>,
    ) -> Vec<MeasuredCode> {
        let mut map = self
            .by_address
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        codes
            .iter()
            .zip(event_lines)
            .filter_map(|(code, lines)| {
                let entry = MeasuredCode {
                    _code: code.clone().unbind(),
                    hits: Arc::clone(hits),
                    lines: CodeLines::new(lines.clone()),
                };
                map.insert(code.as_ptr() as usize, entry)
            })
            .collect()
    }

    /// Forgets which lines every code object has reported (its events are
    /// being turned on again).
    pub fn reset_lines(&self) {
        let map = self
            .by_address
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        for measured in map.values() {
            measured.lines.reset();
        }
    }

    /// Unregisters `codes`, returning their entries to be dropped by the caller.
    #[must_use]
    pub fn remove(&self, codes: &[Py<PyAny>]) -> Vec<MeasuredCode> {
        let mut map = self
            .by_address
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        codes
            .iter()
            .filter_map(|code| map.remove(&(code.as_ptr() as usize)))
            .collect()
    }

    /// Records `line` of `code`; true when `code` has now reported every
    /// line it can.
    fn record(&self, code: &Bound<'_, PyAny>, line: i64) -> bool {
        let map = self
            .by_address
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        match map.get(&(code.as_ptr() as usize)) {
            Some(measured) => {
                measured.hits.record(line);
                measured.lines.record(line)
            }
            None => false,
        }
    }
}

/// Code objects are at least 16-byte aligned and hash-flooding is no concern
/// for addresses, so a multiply-shift of the address is a good, fast hash.
#[derive(Default)]
pub struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_usize(&mut self, address: usize) {
        self.0 = ((address as u64) >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// The LINE callback: `on_line(code, line)` records the line (or probe) and
/// returns `sys.monitoring.DISABLE`; after a code object's last line it
/// turns that code object's events off.
#[pyclass(frozen, module = "rcov._rcov")]
pub struct LineRecorder {
    files: Arc<CodeFiles>,
    disable: Py<PyAny>,
    tool: u8,
    set_local_events: Py<PyAny>,
}

#[pymethods]
impl LineRecorder {
    fn on_line(&self, py: Python<'_>, code: &Bound<'_, PyAny>, line: i64) -> Py<PyAny> {
        if self.files.record(code, line) {
            // CPython allows this from the callback: the instruction being
            // reported keeps its original opcode. A failure only leaves the
            // (already recorded) code object instrumented, so it is dropped
            // rather than raised into the measured program.
            let _ = self.set_local_events.call1(py, (self.tool, code, 0));
        }
        self.disable.clone_ref(py)
    }
}

/// A claimed `sys.monitoring` tool id with rcov's LINE callback registered.
#[derive(Clone, Copy)]
pub struct LineMonitor {
    tool: u8,
}

impl LineMonitor {
    /// Claims a tool id (`COVERAGE_ID` when free, else the first free one)
    /// and registers a callback that records into `files`.
    pub fn start(py: Python<'_>, files: &Arc<CodeFiles>) -> Result<Self, RcovError> {
        let monitoring = monitoring(py)?;
        let tool = claim_tool_id(&monitoring)?;
        let recorder = LineRecorder {
            files: Arc::clone(files),
            disable: monitoring.getattr(intern!(py, "DISABLE"))?.unbind(),
            tool,
            set_local_events: monitoring
                .getattr(intern!(py, "set_local_events"))?
                .unbind(),
        };
        let callback = Bound::new(py, recorder)?.getattr(intern!(py, "on_line"))?;
        let registered = monitoring.call_method1(
            intern!(py, "register_callback"),
            (tool, line_event(&monitoring)?, callback),
        );
        if let Err(err) = registered {
            monitoring.call_method1(intern!(py, "free_tool_id"), (tool,))?;
            return Err(err.into());
        }
        Ok(LineMonitor { tool })
    }

    pub fn tool(&self) -> u8 {
        self.tool
    }

    /// Turns LINE events on (or off) for each of `codes`.
    pub fn set_line_events<'py>(
        &self,
        py: Python<'py>,
        codes: impl IntoIterator<Item = Bound<'py, PyAny>>,
        on: bool,
    ) -> PyResult<()> {
        let monitoring = monitoring(py)?;
        let events = if on { line_event(&monitoring)? } else { 0 };
        let set_local_events = monitoring.getattr(intern!(py, "set_local_events"))?;
        for code in codes {
            set_local_events.call1((self.tool, code, events))?;
        }
        Ok(())
    }

    /// Unregisters the callback and frees the tool id. Local events must
    /// have been turned off first (`set_line_events(.., false)`).
    pub fn stop(self, py: Python<'_>) -> PyResult<()> {
        let monitoring = monitoring(py)?;
        let unregistered = monitoring.call_method1(
            intern!(py, "register_callback"),
            (self.tool, line_event(&monitoring)?, py.None()),
        );
        monitoring.call_method1(intern!(py, "free_tool_id"), (self.tool,))?;
        unregistered.map(drop)
    }
}

fn monitoring(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    py.import(intern!(py, "sys"))?
        .getattr(intern!(py, "monitoring"))
}

fn line_event(monitoring: &Bound<'_, PyAny>) -> PyResult<u32> {
    let py = monitoring.py();
    monitoring
        .getattr(intern!(py, "events"))?
        .getattr(intern!(py, "LINE"))?
        .extract()
}

fn claim_tool_id(monitoring: &Bound<'_, PyAny>) -> Result<u8, RcovError> {
    let py = monitoring.py();
    let coverage_id: u8 = monitoring.getattr(intern!(py, "COVERAGE_ID"))?.extract()?;
    let candidates = std::iter::once(coverage_id).chain((0..6).filter(|&id| id != coverage_id));
    for tool in candidates {
        if !monitoring
            .call_method1(intern!(py, "get_tool"), (tool,))?
            .is_none()
        {
            continue;
        }
        match monitoring.call_method1(intern!(py, "use_tool_id"), (tool, "rcov")) {
            Ok(_) => return Ok(tool),
            // Taken by another thread between the two calls.
            Err(err) if err.is_instance_of::<pyo3::exceptions::PyValueError>(py) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    let owners = (0..6u8)
        .map(|tool| {
            let owner = monitoring.call_method1(intern!(py, "get_tool"), (tool,))?;
            Ok(format!("{tool}: {owner}"))
        })
        .collect::<PyResult<Vec<_>>>()?;
    Err(RcovError::NoFreeToolId(owners.join(", ")))
}

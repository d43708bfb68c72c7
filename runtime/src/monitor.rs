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
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::error::RcovError;
use crate::hits::{CodeLines, FileHits};

/// Measured code objects by address, each with its file's hits.
#[derive(Default)]
pub struct CodeFiles {
    by_address: RwLock<HashMap<usize, MeasuredCode, BuildHasherDefault<AddressHasher>>>,
    /// How many hits were new to their store: a reader that saw the same
    /// count before knows, from one load, that nothing new ran since.
    new_hits: AtomicU64,
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
                if measured.hits.record(line) {
                    self.new_hits.fetch_add(1, Ordering::Release);
                }
                measured.lines.record(line)
            }
            None => false,
        }
    }

    /// The count of new hits so far (it only grows).
    pub fn new_hits(&self) -> u64 {
        self.new_hits.load(Ordering::Acquire)
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
        // A panic would surface as an exception at the measured program's
        // line: the line is then not recorded, and the program goes on.
        let complete = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.files.record(code, line)
        }));
        if complete.unwrap_or(false) {
            // CPython allows this from the callback: the instruction being
            // reported keeps its original opcode. A failure only leaves the
            // (already recorded) code object instrumented, so it is dropped
            // rather than raised into the measured program.
            let _ = self.set_local_events.call1(py, (self.tool, code, 0));
        }
        self.disable.clone_ref(py)
    }
}

/// `sys.monitoring` as rcov found it the first time it looked: its functions
/// and constants. Kept because a program may replace the module's functions
/// (rcov's own guard, `toolguard.py`, wraps them to see a program claim
/// rcov's tool id), and rcov's own calls must not go through a wrapper.
struct Monitoring {
    use_tool_id: Py<PyAny>,
    free_tool_id: Py<PyAny>,
    get_tool: Py<PyAny>,
    register_callback: Py<PyAny>,
    set_local_events: Py<PyAny>,
    disable: Py<PyAny>,
    line_event: u32,
    coverage_id: u8,
}

static MONITORING: PyOnceLock<Monitoring> = PyOnceLock::new();

fn monitoring(py: Python<'_>) -> PyResult<&'static Monitoring> {
    MONITORING.get_or_try_init(py, || {
        let module = py
            .import(intern!(py, "sys"))?
            .getattr(intern!(py, "monitoring"))?;
        let get = |name: &str| module.getattr(name).map(Bound::unbind);
        Ok(Monitoring {
            use_tool_id: get("use_tool_id")?,
            free_tool_id: get("free_tool_id")?,
            get_tool: get("get_tool")?,
            register_callback: get("register_callback")?,
            set_local_events: get("set_local_events")?,
            disable: get("DISABLE")?,
            line_event: module.getattr("events")?.getattr("LINE")?.extract()?,
            coverage_id: module.getattr("COVERAGE_ID")?.extract()?,
        })
    })
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
        let coverage_id = monitoring.coverage_id;
        let order: Vec<u8> = std::iter::once(coverage_id)
            .chain((0..6).filter(|&id| id != coverage_id))
            .collect();
        Self::start_on(py, files, &order)
    }

    /// Like `start`, for a move away from an id the program wants: the ids
    /// no tool is named for (3, 4) first, the debugger's (0) last.
    pub fn start_elsewhere(py: Python<'_>, files: &Arc<CodeFiles>) -> Result<Self, RcovError> {
        Self::start_on(py, files, &[4, 3, 5, 2, 0, 1])
    }

    fn start_on(py: Python<'_>, files: &Arc<CodeFiles>, order: &[u8]) -> Result<Self, RcovError> {
        let monitoring = monitoring(py)?;
        let tool = claim_tool_id(py, monitoring, order)?;
        let recorder = LineRecorder {
            files: Arc::clone(files),
            disable: monitoring.disable.clone_ref(py),
            tool,
            set_local_events: monitoring.set_local_events.clone_ref(py),
        };
        let callback = Bound::new(py, recorder)?.getattr(intern!(py, "on_line"))?;
        let registered = monitoring
            .register_callback
            .call1(py, (tool, monitoring.line_event, callback));
        if let Err(err) = registered {
            monitoring.free_tool_id.call1(py, (tool,))?;
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
        let events = if on { monitoring.line_event } else { 0 };
        let set_local_events = monitoring.set_local_events.bind(py);
        for code in codes {
            set_local_events.call1((self.tool, code, events))?;
        }
        Ok(())
    }

    /// Unregisters the callback and frees the tool id. Local events must
    /// have been turned off first (`set_line_events(.., false)`).
    pub fn stop(self, py: Python<'_>) -> PyResult<()> {
        let monitoring = monitoring(py)?;
        let unregistered = monitoring
            .register_callback
            .call1(py, (self.tool, monitoring.line_event, py.None()));
        monitoring.free_tool_id.call1(py, (self.tool,))?;
        unregistered.map(drop)
    }
}

/// Claims the first free id of `order`.
fn claim_tool_id(py: Python<'_>, monitoring: &Monitoring, order: &[u8]) -> Result<u8, RcovError> {
    for &tool in order {
        if !monitoring.get_tool.call1(py, (tool,))?.is_none(py) {
            continue;
        }
        match monitoring.use_tool_id.call1(py, (tool, "rcov")) {
            Ok(_) => return Ok(tool),
            // Taken by another thread between the two calls.
            Err(err) if err.is_instance_of::<pyo3::exceptions::PyValueError>(py) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    let owners = (0..6u8)
        .map(|tool| {
            let owner = monitoring.get_tool.call1(py, (tool,))?;
            Ok(format!("{tool}: {}", owner.bind(py)))
        })
        .collect::<PyResult<Vec<_>>>()?;
    Err(RcovError::NoFreeToolId(owners.join(", ")))
}

//! `sys.monitoring`: the tool id, the LINE and PY_START callbacks, local
//! events.
//!
//! Events are enabled *locally* on each measured code object, so unmeasured
//! code never calls into rcov. Each callback is a method of a frozen pyclass
//! (PyO3's fastest callable, called through vectorcall) and does no Python
//! work: it finds the file of the code object by address in a hash map, sets
//! one bit and returns the cached `sys.monitoring.DISABLE`, after which
//! CPython never reports that line (or that start) of that code object again.
//! So recording which functions ran costs one callback per code object, ever.
//! When a code object has reported every line it can, its local events are
//! turned off altogether (see `hits::CodeLines`).
//!
//! Two opt-in modes keep events coming: with `count_lines` the LINE callback
//! adds one to the line's counter and returns None (probes are still
//! disabled), and a JUMP callback counts a backward jump that stays on one
//! line (a one-line loop or comprehension starting its next round) as a run
//! of that line, which is what `sys.settrace` (so `trace --count`) reports;
//! with `track_calls` PY_START and PY_RESUME stay on, and each
//! start looks at the caller's frame (`f_back` of the current frame) to
//! record the (caller, callee) pair when both are measured: the same frame
//! link `trace --trackcalls` follows, at one attribute read per call. In
//! these modes a code object's events are never turned off.
//!
//! Addresses are safe keys because the map holds a strong reference to every
//! code object in it: no other object can get its address while it is there.
//! Nothing is dropped while the map's lock is held (a code object's last
//! reference can run a weakref callback, which could run measured code and
//! re-enter the callback); removed entries are handed back to drop later.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::error::RcovError;
use crate::hits::{CodeLines, FileHits};
use crate::runs::{lines_between, InOrder, Run};

/// Measured code objects by address, each with its file's hits, and the
/// (caller, callee) pairs seen when tracking calls.
#[derive(Default)]
pub struct CodeFiles {
    by_address: RwLock<HashMap<usize, MeasuredCode, BuildHasherDefault<AddressHasher>>>,
    /// How many hits were new to their store: a reader that saw the same
    /// count before knows, from one load, that nothing new ran since.
    new_hits: AtomicU64,
    calls: RwLock<HashSet<(CodeId, CodeId)>>,
    /// Runs of in-order code objects that have not returned.
    runs: Mutex<Vec<Run>>,
    /// How many runs make `begin_run`'s caller drop the stopped ones.
    prune_at: AtomicUsize,
}

/// A measured code object's identity that outlives it: its file's number
/// (given by the collector) and its index in the file's code tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CodeId {
    pub file: u32,
    pub index: u32,
}

/// A registered code object: the strong reference that pins its address,
/// where its hits go, which of its lines it has reported, and who it is.
pub struct MeasuredCode {
    code: Py<PyAny>,
    hits: Arc<FileHits>,
    lines: CodeLines,
    id: CodeId,
    /// The line of each code unit (counting lines only; else empty).
    unit_lines: Box<[u32]>,
    /// For a code object that runs in order (`runs`), where its lines are.
    in_order: Option<InOrder>,
}

/// At most this many unreturned runs of one in-order code object are kept
/// (a class body that raises in a loop); past that, its runs report
/// through LINE events.
const MAX_RUNS_PER_CODE: usize = 8;

/// Unreturned runs kept before the stopped ones are looked for (then twice
/// the number still running).
const PRUNE_RUNS_AT: usize = 16;

/// The line of each code unit of `code` (0 where it has none), from
/// `co_lines()`: what a JUMP callback needs to tell a jump within one line.
pub fn unit_lines(code: &Bound<'_, PyAny>) -> PyResult<Box<[u32]>> {
    let py = code.py();
    let mut lines = Vec::new();
    for entry in code.call_method0(intern!(py, "co_lines"))?.try_iter()? {
        let (start, end, line): (usize, usize, Option<i64>) = entry?.extract()?;
        let line = line.and_then(|line| u32::try_from(line).ok()).unwrap_or(0);
        let (start, end) = (start / 2, end / 2);
        if lines.len() < end {
            lines.resize(end, 0);
        }
        lines[start..end].fill(line);
    }
    Ok(lines.into_boxed_slice())
}

impl CodeFiles {
    /// Registers `codes` (a file's code tree, in tree order), each with the
    /// lines it can report and whether it runs in order (`in_order`, as
    /// `CodeTree` says; all None when counting lines or tracking calls), as
    /// belonging to file number `file`, whose hits are `hits`; `unit_lines`
    /// are their [`unit_lines`] when counting lines (else empty). Returns
    /// what was registered before at those addresses (nothing, unless the
    /// same code object is registered twice), to be dropped by the caller.
    #[must_use]
    pub fn insert(
        &self,
        codes: &[Bound<'_, PyAny>],
        event_lines: &[Vec<u32>],
        in_order: &[Option<InOrder>],
        hits: &Arc<FileHits>,
        file: u32,
        mut unit_lines: Vec<Box<[u32]>>,
    ) -> Vec<MeasuredCode> {
        unit_lines.resize_with(codes.len(), Box::default);
        let mut map = self
            .by_address
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        codes
            .iter()
            .zip(event_lines)
            .enumerate()
            .filter_map(|(index, (code, lines))| {
                let entry = MeasuredCode {
                    code: code.clone().unbind(),
                    hits: Arc::clone(hits),
                    lines: CodeLines::new(lines.clone()),
                    id: CodeId {
                        file,
                        index: u32::try_from(index).unwrap_or(u32::MAX),
                    },
                    unit_lines: std::mem::take(&mut unit_lines[index]),
                    in_order: in_order.get(index).copied().flatten(),
                };
                map.insert(code.as_ptr() as usize, entry)
            })
            .collect()
    }

    /// Lets go of every registered code object without dropping it (see
    /// `Collector::abandon`): nothing may look one up afterwards.
    pub fn abandon(&self) {
        let mut map = self
            .by_address
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        std::mem::forget(std::mem::take(&mut *map));
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
    pub fn remove<'a>(&self, codes: impl IntoIterator<Item = &'a Py<PyAny>>) -> Vec<MeasuredCode> {
        let mut map = self
            .by_address
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        codes
            .into_iter()
            .filter_map(|code| map.remove(&(code.as_ptr() as usize)))
            .collect()
    }

    /// Records `line` of `code` (counting it among the new hits if it is
    /// new), then answers `then` about the code object; false for a code
    /// object that is not measured.
    fn record_then(
        &self,
        code: &Bound<'_, PyAny>,
        line: i64,
        then: impl FnOnce(&MeasuredCode) -> bool,
    ) -> bool {
        let map = self
            .by_address
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        match map.get(&(code.as_ptr() as usize)) {
            Some(measured) => {
                if measured.hits.record(line) {
                    self.new_hits.fetch_add(1, Ordering::Release);
                }
                then(measured)
            }
            None => false,
        }
    }

    /// Records `line` of `code`; true when `code` has now reported every
    /// line it can.
    fn record(&self, code: &Bound<'_, PyAny>, line: i64) -> bool {
        self.record_then(code, line, |measured| measured.lines.record(line))
    }

    /// Whether `code` is measured and runs in order.
    pub fn runs_in_order(&self, code: &Bound<'_, PyAny>) -> bool {
        let map = self
            .by_address
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        map.get(&(code.as_ptr() as usize))
            .is_some_and(|measured| measured.in_order.is_some())
    }

    /// Keeps the run of in-order `code` that starts in `frame`; false if it
    /// cannot be kept (too many of its runs have not returned), and the run
    /// must report through LINE events.
    fn begin_run(&self, code: &Bound<'_, PyAny>, frame: &Bound<'_, PyAny>) -> bool {
        let address = code.as_ptr() as usize;
        let mut runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
        if runs.iter().filter(|run| run.code == address).count() >= MAX_RUNS_PER_CODE {
            return false;
        }
        runs.push(Run {
            code: address,
            frame: frame.clone().unbind(),
            through: None,
        });
        true
    }

    /// The run of in-order `code` in `frame` returned at byte `offset`:
    /// records its lines. True when every line of `code` is recorded, so
    /// that its events can be turned off (its other runs are then dropped:
    /// they have nothing more to tell).
    fn end_run(&self, code: &Bound<'_, PyAny>, frame: *mut ffi::PyObject, offset: usize) -> bool {
        let address = code.as_ptr() as usize;
        let mut ended = Vec::new();
        let through = {
            let mut runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(index) = runs
                .iter()
                .position(|run| run.code == address && run.frame.as_ptr() == frame)
            else {
                return false;
            };
            let run = runs.swap_remove(index);
            let through = run.through;
            ended.push(run);
            through
        };
        let in_order = {
            let map = self
                .by_address
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            let Some(measured) = map.get(&address) else {
                return false;
            };
            measured.in_order
        };
        let Some(in_order) = in_order else {
            return false;
        };
        let complete = through.is_none() && in_order.returns_at_end(offset);
        if complete {
            let map = self
                .by_address
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(measured) = map.get(&address) {
                self.record_all(measured, measured.lines.all());
            }
        } else if let Ok(units) = unit_lines(code) {
            let lines = lines_between(&units, in_order.first_traced, through, offset / 2);
            self.record_lines(address, &lines);
        }
        if complete {
            let mut runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
            let (others, kept) = std::mem::take(&mut *runs)
                .into_iter()
                .partition(|run| run.code == address);
            *runs = kept;
            ended.extend::<Vec<Run>>(others);
        }
        // `ended` (frames) is dropped here, with no lock held.
        complete
    }

    /// Records how far each unreturned run has come, then drops the runs
    /// that stopped (they raised): their frames, and the locals those
    /// hold, are not kept after the lines are known.
    pub fn record_runs(&self, py: Python<'_>) {
        if self.runs_kept() == 0 {
            return;
        }
        self.settle_runs(py, true);
        // Only frames on a thread's stack still run: a body cannot suspend.
        let Ok(live) = live_frames(py) else {
            return;
        };
        let live: HashSet<usize> = live.iter().map(|frame| frame.as_ptr() as usize).collect();
        let stopped: Vec<Run> = {
            let mut runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
            let (stopped, running) = std::mem::take(&mut *runs)
                .into_iter()
                .partition(|run| !live.contains(&(run.frame.as_ptr() as usize)));
            *runs = running;
            let next = PRUNE_RUNS_AT.max(2 * runs.len());
            self.prune_at.store(next, Ordering::Relaxed);
            stopped
        };
        drop(stopped);
    }

    /// Records how far each unreturned run has come, keeping them all.
    pub fn record_run_progress(&self, py: Python<'_>) {
        self.settle_runs(py, true);
    }

    fn runs_kept(&self) -> usize {
        self.runs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether enough runs are kept that the stopped ones should be
    /// dropped (`record_runs`) before another is kept.
    fn runs_to_prune(&self) -> bool {
        self.runs_kept() >= PRUNE_RUNS_AT.max(self.prune_at.load(Ordering::Relaxed))
    }

    /// Marks each unreturned run as recorded as far as it has come, without
    /// recording it: what ran so far is left out for good (a forked child,
    /// or measurement turned back on, starts from here). A body that started
    /// while measurement was off, and runs now, gets its run from here on.
    pub fn skip_runs_so_far(&self, py: Python<'_>) {
        self.settle_runs(py, false);
        let Ok(live) = live_frames(py) else {
            return;
        };
        for frame in live {
            let (Ok(code), Some(now)) = (frame.getattr(intern!(py, "f_code")), unit_of(&frame))
            else {
                continue;
            };
            if !self.runs_in_order(&code) {
                continue;
            }
            let mut runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
            if !runs.iter().any(|run| run.frame.as_ptr() == frame.as_ptr()) {
                runs.push(Run {
                    code: code.as_ptr() as usize,
                    frame: frame.unbind(),
                    through: Some(now),
                });
            }
        }
    }

    /// Records how far each unreturned run has come (when `record`), and
    /// marks it as recorded that far: lines after that are recorded when it
    /// goes on.
    fn settle_runs(&self, py: Python<'_>, record: bool) {
        let runs: Vec<(usize, Py<PyAny>, Option<usize>)> = {
            let runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
            runs.iter()
                .map(|run| (run.code, run.frame.clone_ref(py), run.through))
                .collect()
        };
        for (address, frame, through) in runs {
            let Some(now) = unit_of(frame.bind(py)) else {
                continue;
            };
            if through == Some(now) {
                continue;
            }
            if record {
                self.record_progress(py, address, through, now);
            }
            let mut runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(run) = runs
                .iter_mut()
                .find(|run| run.frame.as_ptr() == frame.as_ptr())
            {
                run.through = Some(now);
            }
        }
    }

    /// Records the lines of the units after `through` up to `now` of the
    /// in-order code object at `address`.
    fn record_progress(&self, py: Python<'_>, address: usize, through: Option<usize>, now: usize) {
        let found = {
            let map = self
                .by_address
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            map.get(&address)
                .and_then(|measured| Some((measured.code.clone_ref(py), measured.in_order?)))
        };
        let Some((code, in_order)) = found else {
            return;
        };
        if let Ok(units) = unit_lines(code.bind(py)) {
            let lines = lines_between(&units, in_order.first_traced, through, now);
            self.record_lines(address, &lines);
        }
    }

    /// Records `lines` of the code object at `address`.
    fn record_lines(&self, address: usize, lines: &[u32]) {
        let map = self
            .by_address
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(measured) = map.get(&address) {
            self.record_all(measured, lines);
        }
    }

    fn record_all(&self, measured: &MeasuredCode, lines: &[u32]) {
        let new = measured.hits.record_many(lines);
        if new > 0 {
            self.new_hits.fetch_add(new, Ordering::Release);
        }
    }

    /// The count of new hits so far (it only grows).
    pub fn new_hits(&self) -> u64 {
        self.new_hits.load(Ordering::Acquire)
    }

    /// Records the line and counts it; false if the event can be disabled
    /// (a probe, or a code object that is not measured).
    fn count(&self, code: &Bound<'_, PyAny>, line: i64) -> bool {
        self.record_then(code, line, |measured| measured.hits.count(line))
    }

    /// Counts a backward jump within one line as a run of that line; false
    /// if the jump never can be (its event can be disabled).
    fn count_jump(&self, code: &Bound<'_, PyAny>, from: usize, to: usize) -> bool {
        if to >= from {
            return false;
        }
        let map = self
            .by_address
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(measured) = map.get(&(code.as_ptr() as usize)) else {
            return false;
        };
        let line_at = |offset: usize| measured.unit_lines.get(offset / 2).copied();
        match (line_at(from), line_at(to)) {
            (Some(from_line), Some(to_line)) if from_line == to_line && to_line != 0 => {
                measured.hits.count(i64::from(to_line))
            }
            _ => false,
        }
    }

    /// Records that `code` started; its identity if it is measured, and
    /// whether it runs in order.
    fn record_start(&self, code: &Bound<'_, PyAny>) -> Option<(CodeId, bool)> {
        let map = self
            .by_address
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let measured = map.get(&(code.as_ptr() as usize))?;
        measured.hits.record_start(measured.id.index as usize);
        Some((measured.id, measured.in_order.is_some()))
    }

    fn id_of(&self, code: &Bound<'_, PyAny>) -> Option<CodeId> {
        let map = self
            .by_address
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        map.get(&(code.as_ptr() as usize))
            .map(|measured| measured.id)
    }

    /// Records the pair once; a pair already seen costs a read lock only.
    fn record_call(&self, caller: CodeId, callee: CodeId) {
        let pair = (caller, callee);
        let seen = self
            .calls
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&pair);
        if !seen {
            self.calls
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(pair);
        }
    }

    /// The (caller, callee) pairs seen so far.
    pub fn calls(&self) -> Vec<(CodeId, CodeId)> {
        let calls = self.calls.read().unwrap_or_else(PoisonError::into_inner);
        calls.iter().copied().collect()
    }

    /// Forgets the pairs seen (a forked child starting its own data).
    pub fn clear_calls(&self) {
        self.calls
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
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
/// returns `sys.monitoring.DISABLE`, or None for a line it counts; after a
/// code object's last line it turns that code object's events off (not when
/// counting lines or tracking calls, which need them). Counting lines,
/// `on_jump(code, from, to)` is the JUMP callback.
#[pyclass(frozen, module = "rcov._rcov")]
pub struct LineRecorder {
    files: Arc<CodeFiles>,
    disable: Py<PyAny>,
    count_lines: bool,
    /// Counting lines or tracking calls: a code object's events stay on.
    keep_events: bool,
    tool: u8,
    set_local_events: Py<PyAny>,
}

#[pymethods]
impl LineRecorder {
    fn on_line(&self, py: Python<'_>, code: &Bound<'_, PyAny>, line: i64) -> Py<PyAny> {
        // A panic would surface as an exception at the measured program's
        // line: the line is then not recorded, and the program goes on.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if self.count_lines {
                (self.files.count(code, line), false)
            } else {
                (false, self.files.record(code, line))
            }
        }));
        let (keep, complete) = outcome.unwrap_or((false, false));
        if complete && !self.keep_events {
            // CPython allows this from the callback: the instruction being
            // reported keeps its original opcode. A failure only leaves the
            // (already recorded) code object instrumented, so it is dropped
            // rather than raised into the measured program.
            let _ = self.set_local_events.call1(py, (self.tool, code, 0));
        }
        if keep {
            return py.None();
        }
        self.disable.clone_ref(py)
    }

    fn on_jump(
        &self,
        py: Python<'_>,
        code: &Bound<'_, PyAny>,
        from: usize,
        to: usize,
    ) -> Py<PyAny> {
        let keep = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.files.count_jump(code, from, to)
        }));
        if keep.unwrap_or(false) {
            return py.None();
        }
        self.disable.clone_ref(py)
    }
}

/// The PY_START (and, tracking calls, PY_RESUME) callback: `on_start(code,
/// offset)` records that the code object ran and returns
/// `sys.monitoring.DISABLE`; tracking calls, it records the caller too and
/// returns None. For a code object that runs in order it keeps the run
/// (`runs`), and `on_return(code, offset, value)`, the PY_RETURN callback,
/// records the lines of the run that returns.
#[pyclass(frozen, module = "rcov._rcov")]
pub struct StartRecorder {
    files: Arc<CodeFiles>,
    disable: Py<PyAny>,
    track_calls: bool,
    tool: u8,
    set_local_events: Py<PyAny>,
    /// The local events of a code object that reports through LINE.
    line_events: u32,
    /// A code object registered by a compile gets its LINE events at its
    /// first start (`Arming::Fresh`).
    lines_at_start: bool,
}

#[pymethods]
impl StartRecorder {
    fn on_start(&self, py: Python<'_>, code: &Bound<'_, PyAny>, _offset: i64) -> Py<PyAny> {
        // A panic is caught as on_line catches it: the program goes on.
        let recorded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let Some((callee, in_order)) = self.files.record_start(code) else {
                return false;
            };
            if in_order {
                return self.begin_run(py, code);
            }
            if self.lines_at_start {
                self.report_lines(py, code);
            }
            if self.track_calls {
                if let Some(caller) = caller_code(py).and_then(|code| self.files.id_of(&code)) {
                    self.files.record_call(caller, callee);
                }
            }
            false
        }));
        if self.track_calls || recorded.unwrap_or(false) {
            return py.None();
        }
        self.disable.clone_ref(py)
    }

    fn on_return(
        &self,
        py: Python<'_>,
        code: &Bound<'_, PyAny>,
        offset: usize,
        _value: &Bound<'_, PyAny>,
    ) -> Py<PyAny> {
        // SAFETY: a borrowed reference (or NULL) to the running frame, the
        // returning one; only its address is used.
        let frame = unsafe { ffi::PyEval_GetFrame() }.cast::<ffi::PyObject>();
        let complete = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.files.end_run(code, frame, offset)
        }));
        if !complete.unwrap_or(false) {
            return py.None();
        }
        // Its events stay on: a module or class body seldom runs twice, and
        // turning them off would re-instrument the whole body (a lexer's
        // class body of token tables, say) for nothing. Should it run again,
        // its start begins a new run, which is recorded when found stopped
        // (this return is disabled from now on).
        self.disable.clone_ref(py)
    }
}

impl StartRecorder {
    /// Keeps the run of in-order `code` starting now; true if it is kept
    /// (the start event must then stay on). A run that cannot be kept
    /// reports through LINE events from here on.
    fn begin_run(&self, py: Python<'_>, code: &Bound<'_, PyAny>) -> bool {
        if self.files.runs_to_prune() {
            self.files.record_runs(py);
        }
        if let Some(frame) = running_frame(py, code) {
            if self.files.begin_run(code, &frame) {
                return true;
            }
            // Its earlier runs may all have stopped (a class body that
            // raises, in a loop).
            self.files.record_runs(py);
            if self.files.begin_run(code, &frame) {
                return true;
            }
        }
        self.report_lines(py, code);
        false
    }

    /// Turns on `code`'s LINE events. Allowed from the callback: the frame
    /// that starts reports its first line, as CPython reports the line after
    /// a `RESUME` even when it is the same line. A failure only leaves the
    /// code object unmeasured from here on, so it is dropped rather than
    /// raised into the measured program.
    fn report_lines(&self, py: Python<'_>, code: &Bound<'_, PyAny>) {
        let _ = self
            .set_local_events
            .call1(py, (self.tool, code, self.line_events));
    }
}

/// The running frame, if it is a frame of `code`: during a PY_START or
/// PY_RETURN callback, the frame that starts or returns.
fn running_frame<'py>(py: Python<'py>, code: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    // SAFETY: a borrowed reference (or NULL) to the running frame, valid
    // while the GIL is held, which it is for the whole callback.
    let frame = unsafe { ffi::PyEval_GetFrame() };
    if frame.is_null() {
        return None;
    }
    // SAFETY: non-null, and a frame object is a Python object.
    let frame = unsafe { Bound::from_borrowed_ptr(py, frame.cast::<ffi::PyObject>()) };
    let frame_code = frame.getattr(intern!(py, "f_code")).ok()?;
    frame_code.is(code).then_some(frame)
}

/// The code of the frame that called the running one: during a PY_START or
/// PY_RESUME callback the running frame is the callee's (the callback itself,
/// being Rust, has no frame).
fn caller_code(py: Python<'_>) -> Option<Bound<'_, PyAny>> {
    // SAFETY: a borrowed reference (or NULL) to the running frame, valid
    // while the GIL is held, which it is for the whole callback.
    let frame = unsafe { ffi::PyEval_GetFrame() };
    if frame.is_null() {
        return None;
    }
    // SAFETY: non-null, and a frame object is a Python object.
    let frame = unsafe { Bound::from_borrowed_ptr(py, frame.cast::<ffi::PyObject>()) };
    let back = frame.getattr(intern!(py, "f_back")).ok()?;
    if back.is_none() {
        return None;
    }
    back.getattr(intern!(py, "f_code")).ok()
}

/// The frames on every thread's stack.
fn live_frames(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyAny>>> {
    let tops = py
        .import(intern!(py, "sys"))?
        .call_method0(intern!(py, "_current_frames"))?;
    let mut seen = HashSet::new();
    let mut live = Vec::new();
    for top in tops.cast::<pyo3::types::PyDict>()?.values() {
        let mut frame = top;
        while !frame.is_none() && seen.insert(frame.as_ptr() as usize) {
            let back = frame.getattr(intern!(py, "f_back"))?;
            live.push(frame);
            frame = back;
        }
    }
    Ok(live)
}

/// The code unit `frame` is at (its `f_lasti`), if it has started.
fn unit_of(frame: &Bound<'_, PyAny>) -> Option<usize> {
    let lasti: i64 = frame
        .getattr(intern!(frame.py(), "f_lasti"))
        .ok()?
        .extract()
        .ok()?;
    usize::try_from(lasti).ok().map(|lasti| lasti / 2)
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
    py_start_event: u32,
    py_resume_event: u32,
    py_return_event: u32,
    jump_event: u32,
    coverage_id: u8,
}

impl Monitoring {
    /// Every event rcov may register a callback for.
    fn events(&self) -> [u32; 5] {
        [
            self.line_event,
            self.py_start_event,
            self.py_resume_event,
            self.py_return_event,
            self.jump_event,
        ]
    }
}

static MONITORING: PyOnceLock<Monitoring> = PyOnceLock::new();

fn monitoring(py: Python<'_>) -> PyResult<&'static Monitoring> {
    MONITORING.get_or_try_init(py, || {
        let module = py
            .import(intern!(py, "sys"))?
            .getattr(intern!(py, "monitoring"))?;
        let get = |name: &str| module.getattr(name).map(Bound::unbind);
        let events = module.getattr("events")?;
        let event = |name: &str| events.getattr(name)?.extract::<u32>();
        Ok(Monitoring {
            use_tool_id: get("use_tool_id")?,
            free_tool_id: get("free_tool_id")?,
            get_tool: get("get_tool")?,
            register_callback: get("register_callback")?,
            set_local_events: get("set_local_events")?,
            disable: get("DISABLE")?,
            line_event: event("LINE")?,
            py_start_event: event("PY_START")?,
            py_resume_event: event("PY_RESUME")?,
            py_return_event: event("PY_RETURN")?,
            jump_event: event("JUMP")?,
            coverage_id: module.getattr("COVERAGE_ID")?.extract()?,
        })
    })
}

/// What is recorded beyond lines, probes and code objects started.
#[derive(Clone, Copy, Default)]
pub struct RecordOptions {
    /// Count every run of every line (LINE events stay on).
    pub count_lines: bool,
    /// Record (caller, callee) pairs (PY_START and PY_RESUME stay on).
    pub track_calls: bool,
}

/// A claimed `sys.monitoring` tool id with rcov's callbacks registered.
#[derive(Clone, Copy)]
pub struct LineMonitor {
    tool: u8,
    events: LocalEvents,
}

/// The local events a measured code object gets.
#[derive(Clone, Copy, Debug)]
struct LocalEvents {
    /// One that reports through LINE...
    lines: u32,
    /// ...or the same, just compiled: LINE comes at its first start (0: no
    /// difference). Most functions of an imported module never run, and
    /// CPython's instrumentation for LINE events (a line table per code
    /// object) costs several times what PY_START alone costs (6.3 ms
    /// against 1.7 ms for Pygments' 2,086 code objects).
    fresh: u32,
    /// One that runs in order (`runs`), when the mode allows (0: none does).
    in_order: u32,
}

/// How `LineMonitor::set_events` arms code objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arming {
    Off,
    /// Just compiled, so not running yet: LINE events can wait for a start.
    Fresh,
    /// Possibly running (measurement starts again, or moves to another
    /// tool id): LINE events now.
    Full,
}

impl LineMonitor {
    /// Claims a tool id (`COVERAGE_ID` when free, else the first free one)
    /// and registers callbacks that record into `files`.
    pub fn start(
        py: Python<'_>,
        files: &Arc<CodeFiles>,
        options: RecordOptions,
    ) -> Result<Self, RcovError> {
        let monitoring = monitoring(py)?;
        let coverage_id = monitoring.coverage_id;
        let order: Vec<u8> = std::iter::once(coverage_id)
            .chain((0..6).filter(|&id| id != coverage_id))
            .collect();
        Self::start_on(py, files, options, &order)
    }

    /// Like `start`, for a move away from an id the program wants: the ids
    /// no tool is named for (3, 4) first, the debugger's (0) last.
    pub fn start_elsewhere(
        py: Python<'_>,
        files: &Arc<CodeFiles>,
        options: RecordOptions,
    ) -> Result<Self, RcovError> {
        Self::start_on(py, files, options, &[4, 3, 5, 2, 0, 1])
    }

    fn start_on(
        py: Python<'_>,
        files: &Arc<CodeFiles>,
        options: RecordOptions,
        order: &[u8],
    ) -> Result<Self, RcovError> {
        let monitoring = monitoring(py)?;
        let tool = claim_tool_id(py, monitoring, order)?;
        match register_callbacks(py, monitoring, tool, files, options) {
            Ok(events) => Ok(LineMonitor { tool, events }),
            Err(err) => {
                let _ = unregister_callbacks(py, monitoring, tool);
                monitoring.free_tool_id.call1(py, (tool,))?;
                Err(err.into())
            }
        }
    }

    pub fn tool(&self) -> u8 {
        self.tool
    }

    /// Turns rcov's local events on (or off) for each of `codes`, measured
    /// code objects of `files`.
    pub fn set_events<'py>(
        &self,
        py: Python<'py>,
        files: &CodeFiles,
        codes: impl IntoIterator<Item = Bound<'py, PyAny>>,
        arming: Arming,
    ) -> PyResult<()> {
        let monitoring = monitoring(py)?;
        let set_local_events = monitoring.set_local_events.bind(py);
        let LocalEvents {
            lines,
            fresh,
            in_order,
        } = self.events;
        for code in codes {
            let events = match arming {
                Arming::Off => 0,
                _ if in_order != 0 && files.runs_in_order(&code) => in_order,
                Arming::Fresh if fresh != 0 => fresh,
                _ => lines,
            };
            set_local_events.call1((self.tool, code, events))?;
        }
        Ok(())
    }

    /// Unregisters the callbacks and frees the tool id. Local events left on
    /// (`set_events(.., Arming::Off)` turns them off) report to no one; the
    /// tool id must not be claimed again while code objects still have them.
    pub fn stop(self, py: Python<'_>) -> PyResult<()> {
        let monitoring = monitoring(py)?;
        let unregistered = unregister_callbacks(py, monitoring, self.tool);
        monitoring.free_tool_id.call1(py, (self.tool,))?;
        unregistered
    }
}

/// Registers the callbacks `options` need; returns the local events they
/// need.
fn register_callbacks(
    py: Python<'_>,
    monitoring: &Monitoring,
    tool: u8,
    files: &Arc<CodeFiles>,
    options: RecordOptions,
) -> PyResult<LocalEvents> {
    // Counting lines and tracking calls need every event from the start:
    // nothing waits for a first start, nothing runs in order for them.
    let every_event = options.count_lines || options.track_calls;
    let mut events = monitoring.line_event | monitoring.py_start_event;
    if options.track_calls {
        events |= monitoring.py_resume_event;
    }
    if options.count_lines {
        events |= monitoring.jump_event;
    }
    let lines = LineRecorder {
        files: Arc::clone(files),
        disable: monitoring.disable.clone_ref(py),
        count_lines: options.count_lines,
        keep_events: options.count_lines || options.track_calls,
        tool,
        set_local_events: monitoring.set_local_events.clone_ref(py),
    };
    let starts = StartRecorder {
        files: Arc::clone(files),
        disable: monitoring.disable.clone_ref(py),
        track_calls: options.track_calls,
        tool,
        set_local_events: monitoring.set_local_events.clone_ref(py),
        line_events: events,
        lines_at_start: !every_event,
    };
    let lines = Bound::new(py, lines)?;
    let on_line = lines.getattr(intern!(py, "on_line"))?;
    let starts = Bound::new(py, starts)?;
    let on_start = starts.getattr(intern!(py, "on_start"))?;
    let mut callbacks = vec![
        (monitoring.line_event, on_line),
        (monitoring.py_start_event, on_start.clone()),
    ];
    let in_order_events = if every_event {
        0
    } else {
        callbacks.push((
            monitoring.py_return_event,
            starts.getattr(intern!(py, "on_return"))?,
        ));
        monitoring.py_start_event | monitoring.py_return_event
    };
    if options.track_calls {
        // A generator or coroutine resumed by another function: `trace`
        // counts that as a call too.
        callbacks.push((monitoring.py_resume_event, on_start));
    }
    if options.count_lines {
        callbacks.push((
            monitoring.jump_event,
            lines.getattr(intern!(py, "on_jump"))?,
        ));
    }
    for (event, callback) in callbacks {
        monitoring
            .register_callback
            .call1(py, (tool, event, callback))?;
    }
    Ok(LocalEvents {
        lines: events,
        fresh: if every_event {
            0
        } else {
            monitoring.py_start_event
        },
        in_order: in_order_events,
    })
}

fn unregister_callbacks(py: Python<'_>, monitoring: &Monitoring, tool: u8) -> PyResult<()> {
    let mut result = Ok(());
    for event in monitoring.events() {
        let unregistered = monitoring
            .register_callback
            .call1(py, (tool, event, py.None()))
            .map(drop);
        result = result.and(unregistered);
    }
    result
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

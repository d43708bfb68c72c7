//! `Collector`: the measured files, their code trees and hits.
//!
//! It ties the other modules together: `instrument` rewrites, `compile`
//! compiles and remaps, `monitor` records, `hits` stores, `results` converts.
//! Its state sits behind one mutex that is never held across a call into
//! Python (a call can run arbitrary code, including an import that compiles
//! another file on this thread), so each method copies what it needs under the
//! lock and talks to CPython outside it.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::SystemTime;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::MutexExt;
use pyo3::types::{PyBytes, PyCode};
use rcov_instrument::{
    Arc as LineArc, EdgeId, LineOrigin, Options, ParseFailure, ParsedSource, Patterns, PROBE_BASE,
};

use crate::code_cache::{file_identity, source_hash, CacheKey, CodeCache, Entry};
use crate::code_slots::{code_name, CodeSlot, CodeSlots};
use crate::compile::{
    collect_tree, compile_catching_warnings, target_options, walk_tree, CodeTree, Rebuild,
};
use crate::contexts::{ContextNames, EarlierHits};
use crate::coverage_data::CoverageData;
use crate::data_object::CoverageDataObject;
use crate::error::{catch_panic, RcovError};
use crate::hits::{split_probes, FileHits, HitBits, SplitProbe};
use crate::linetable::LineRemap;
use crate::monitor::{unit_lines, Arming, CodeFiles, CodeId, LineMonitor, RecordOptions};
use crate::news::{News, Reported};
use crate::results::{executed_arcs, executed_lines, HitsMap};
use crate::source_stamp::Stamp;

/// Measures the files it compiles: lines and the code objects that ran
/// always, branch edges when `branch`, line counts when `count`, (caller,
/// callee) pairs when `track_calls`.
#[pyclass(frozen, module = "rcov._rcov")]
pub struct Collector {
    branch: bool,
    record: RecordOptions,
    code_files: Arc<CodeFiles>,
    state: Mutex<State>,
    /// `code_files.new_hits()` when `new_coverage` last looked.
    new_hits_seen: AtomicU64,
    /// What `new_coverage` returned so far, per file.
    reported: Mutex<BTreeMap<String, Reported>>,
    /// Instrumented code from earlier runs, if caching is on.
    cache: Option<CodeCache>,
    /// `sys.version`: part of every cache key.
    interpreter: String,
    /// The identity of rcov's extension module file: part of every cache key.
    build: String,
}

#[derive(Default)]
struct State {
    files: BTreeMap<String, MeasuredFile>,
    monitor: Option<LineMonitor>,
    contexts: ContextNames,
    /// The number the next new file gets (see `CodeId`).
    next_file: u32,
    /// Files whose code objects may yet become held by rcov alone.
    unreleased: HashSet<String>,
    /// How many of those make a registration look for code to let go of:
    /// twice as many as were left after the last look, so that files whose
    /// module the program keeps cost each registration O(1) on average.
    release_at: usize,
}

/// What is kept of a compiled file: enough to analyse it again at the end.
struct MeasuredFile {
    /// The hash of the source it was compiled from.
    source_hash: u128,
    raw_statements: Arc<[u32]>,
    /// `probes[k]` is the edge probe `k` observes (empty in line mode).
    probes: Arc<[EdgeId]>,
    /// Live hits, of the current context.
    hits: Arc<FileHits>,
    /// The file's number in the `CodeId`s of its code objects.
    number: u32,
    /// The probes that split a line (for line counts).
    splits: Arc<[SplitProbe]>,
    /// Hits of the contexts that were current before.
    earlier: EarlierHits,
    code_objects: CodeSlots,
    hits_map: Arc<LazyHitsMap>,
    /// Compiled by rcov from the source: `raw_statements` are a plain
    /// compile's. Not so for code another compiler made (`adopt`: pytest's
    /// assertion rewriting reports lines a plain compile does not).
    own_compile: bool,
}

/// What rcov compiled a file to, as a report asks (`Collector::compiled`).
enum Compiled {
    /// A file measured in this run: its raw statements and module code.
    Measured {
        raw_statements: Arc<[u32]>,
        module: Option<Py<PyAny>>,
    },
    /// An earlier run's code-cache entry.
    Cached(Entry),
}

/// A file prepared for another compiler (pytest's assertion rewriting, which
/// parses and compiles text itself): what `Collector.adopt` needs to put the
/// compiled tree back on original lines and measure it.
#[pyclass(frozen, module = "rcov._rcov")]
pub struct Prepared {
    filename: String,
    source: String,
    /// The origin of each rewritten line; None in line mode (text unchanged).
    lines: Option<Vec<LineOrigin>>,
    probes: Vec<EdgeId>,
}

/// What `register` keeps of a compiled file besides its code tree.
struct FileTables {
    /// `probes[k]` is the edge probe `k` observes (empty in line mode).
    probes: Vec<EdgeId>,
    /// The probes that split a line (for line counts).
    splits: Vec<SplitProbe>,
    hits_map: LazyHitsMap,
}

/// What `register` needs of a file's source text: its hash (a reload of the
/// same text keeps its hits) and its number of lines.
struct SourceFacts {
    hash: u128,
    lines: u32,
}

impl SourceFacts {
    fn of(source: &str) -> Self {
        SourceFacts::with_hash(source, source_hash(source))
    }

    fn with_hash(source: &str, hash: u128) -> Self {
        SourceFacts {
            hash,
            lines: last_line(source),
        }
    }
}

/// A file's hits map, known already (cached, or made for the cache), or
/// made from its source text on first use (the data conventions need it).
struct LazyHitsMap {
    /// None only when `map` is set.
    source: Option<Arc<str>>,
    map: OnceLock<HitsMap>,
}

impl LazyHitsMap {
    fn known(map: HitsMap) -> Self {
        LazyHitsMap {
            source: None,
            map: OnceLock::from(map),
        }
    }

    fn from_source(source: &str) -> Self {
        LazyHitsMap {
            source: Some(Arc::from(source)),
            map: OnceLock::new(),
        }
    }

    fn get(&self, raw_statements: &[u32], options: &Options) -> &HitsMap {
        self.map.get_or_init(|| {
            hits_map(
                self.source.as_deref().unwrap_or_default(),
                None,
                raw_statements,
                options,
            )
        })
    }
}

/// Per file: executed lines, and in branch mode executed arcs.
type Executed = BTreeMap<String, (Vec<i32>, Option<Vec<LineArc>>)>;

/// A code object as reports name it: file, `co_qualname`, `co_firstlineno`.
type FunctionName = (String, String, u32);

/// Every measured file with a copy of some of its hits.
type Snapshot = Vec<(String, FileSnapshot)>;

#[pymethods]
impl Collector {
    /// `cache_dir`: where compiled instrumented code is kept between runs
    /// (None: no cache).
    #[new]
    #[pyo3(signature = (*, branch, cache_dir = None, count = false, track_calls = false))]
    fn new(
        py: Python<'_>,
        branch: bool,
        cache_dir: Option<String>,
        count: bool,
        track_calls: bool,
    ) -> Self {
        Collector {
            branch,
            record: RecordOptions {
                count_lines: count,
                track_calls,
            },
            code_files: Arc::default(),
            state: Mutex::default(),
            new_hits_seen: AtomicU64::new(0),
            reported: Mutex::default(),
            cache: cache_dir.map(CodeCache::new),
            interpreter: Python::version_str().to_string(),
            build: extension_file(py).map_or_else(String::new, |path| file_identity(&path)),
        }
    }

    #[getter]
    fn branch(&self) -> bool {
        self.branch
    }

    /// The module code of `filename` from the cache if the file still has
    /// the stamp its entry records, registered as `compile` registers it;
    /// None otherwise (then the caller reads the source and compiles it).
    fn load_unchanged<'py>(
        &self,
        py: Python<'py>,
        filename: &str,
    ) -> Result<Option<Bound<'py, PyAny>>, RcovError> {
        let Some(cache) = self.caching() else {
            return Ok(None);
        };
        let key = self.cache_key(filename);
        let found = py.detach(|| cache.load_unchanged(&key, Stamp::of(filename)?));
        match found {
            Some((source_hash, entry)) => self.register_cached(py, source_hash, entry, filename),
            None => Ok(None),
        }
    }

    fn compile<'py>(
        &self,
        py: Python<'py>,
        source: &str,
        filename: &str,
    ) -> Result<Bound<'py, PyAny>, RcovError> {
        // Taken before compiling: a file written after `source` was read
        // has not settled (see `source_stamp`).
        let stamp = self
            .caching()
            .and_then(|_| Stamp::settled(filename, SystemTime::now()));
        let hash = source_hash(source);
        if let Some(module) = self.load_cached(py, hash, stamp, filename)? {
            return Ok(module);
        }
        let options = target_options(py);
        let (tree, probes, splits, warned, parsed) = if self.branch {
            // Parsed once, for the rewrite and then the hits map.
            let rewritten = py.detach(|| {
                catch_panic("rewrite", || {
                    let parsed = ParsedSource::parse(source, &options)?;
                    let rewrite = parsed.rewrite()?;
                    Ok::<_, ParseFailure>((parsed, rewrite))
                })
            });
            let (parsed, rewrite) = match rewritten {
                Ok(rewritten) => rewritten,
                Err(err) => return Err(original_verdict(py, source, filename, err)),
            };
            let lines = LineRemap::new(&rewrite.lines);
            let (compiled, warnings) = compile_catching_warnings(py, &rewrite.text, filename)?;
            let compiled = match compiled {
                Ok(compiled) => compiled,
                // Its warnings name rewritten lines: CPython's verdict on the
                // original decides, with the original's warnings.
                Err(err) => {
                    let failure = RcovError::RewrittenDidNotCompile(err.to_string());
                    return Err(original_verdict(py, source, filename, failure));
                }
            };
            let warned = !warnings.is_empty();
            warnings.show(filename, Some(&lines))?;
            let tree = walk_tree(&compiled, self.rebuild(Some(&lines)))?;
            let splits = split_probes(&rewrite.lines);
            (tree, rewrite.probes, splits, warned, Some(parsed))
        } else {
            let (compiled, warnings) = compile_catching_warnings(py, source, filename)?;
            let warned = !warnings.is_empty();
            warnings.show(filename, None)?;
            (
                walk_tree(&compiled?, self.rebuild(None))?,
                Vec::new(),
                Vec::new(),
                warned,
                None,
            )
        };
        // A file that warns while compiling is compiled on every run, so that
        // its warnings show on every run, as a main script's do. The cached
        // entry holds the file's hits map too, which a later run then does
        // not compute again at exit.
        let cache = self.cache.as_ref().filter(|_| !warned);
        let cached = cache.and_then(|c| Some((c, marshalled(&tree.module)?)));
        // Made now when the source is parsed already or the cache keeps it;
        // otherwise at exit, if ever.
        let map = (parsed.is_some() || cached.is_some()).then(|| {
            let raw_statements = &tree.facts.raw_statements;
            py.detach(|| hits_map(source, parsed.as_ref(), raw_statements, &options))
        });
        let map = match (cached, map) {
            (Some((cache, code)), Some(map)) => {
                let entry = Entry {
                    source_lines: last_line(source),
                    probes: probes.clone(),
                    hits_map: map,
                    facts: tree.facts.clone(),
                    code: code.into(),
                };
                let key = self.cache_key(filename);
                py.detach(|| cache.store(&key, hash, stamp, &entry));
                LazyHitsMap::known(entry.hits_map)
            }
            (_, Some(map)) => LazyHitsMap::known(map),
            (_, None) => LazyHitsMap::from_source(source),
        };
        let tables = FileTables {
            probes,
            splits,
            hits_map: map,
        };
        let facts = SourceFacts::with_hash(source, hash);
        self.register(py, facts, filename, &tree, tables)?;
        Ok(tree.module)
    }

    /// The text to compile instead of `source` (probes added in branch mode;
    /// `source` itself in line mode) and the handle for `adopt`.
    fn prepare(
        &self,
        py: Python<'_>,
        source: &str,
        filename: &str,
    ) -> Result<(String, Prepared), RcovError> {
        let (text, lines, probes) = if self.branch {
            let options = target_options(py);
            let rewrite = py
                .detach(|| catch_panic("rewrite", || rcov_instrument::rewrite(source, &options)))?;
            (rewrite.text, Some(rewrite.lines), rewrite.probes)
        } else {
            (source.to_string(), None, Vec::new())
        };
        let prepared = Prepared {
            filename: filename.to_string(),
            source: source.to_string(),
            lines,
            probes,
        };
        Ok((text, prepared))
    }

    /// Takes the module code compiled from a prepared text: remaps its tree
    /// to original lines, registers it like `compile` does and returns it.
    fn adopt<'py>(
        &self,
        py: Python<'py>,
        code: &Bound<'py, PyAny>,
        prepared: &Prepared,
    ) -> Result<Bound<'py, PyAny>, RcovError> {
        catch_panic("adopt", || {
            let remap = prepared.lines.as_deref().map(LineRemap::new);
            let tree = walk_tree(code, self.rebuild(remap.as_ref()))?;
            let splits = prepared.lines.as_deref().map(split_probes);
            let tables = FileTables {
                probes: prepared.probes.clone(),
                splits: splits.unwrap_or_default(),
                hits_map: LazyHitsMap::from_source(&prepared.source),
            };
            let source = SourceFacts::of(&prepared.source);
            self.register(py, source, &prepared.filename, &tree, tables)?;
            if let Some(file) = self.lock(py).files.get_mut(&prepared.filename) {
                file.own_compile = false;
            }
            Ok::<_, RcovError>(tree.module)
        })
    }

    fn start(&self, py: Python<'_>) -> Result<u8, RcovError> {
        if let Some(monitor) = &self.lock(py).monitor {
            return Ok(monitor.tool());
        }
        let monitor = LineMonitor::start(py, &self.code_files, self.record)?;
        let code_objects = {
            let mut state = self.lock(py);
            if let Some(running) = &state.monitor {
                // Another thread started first: keep its tool id.
                let tool = running.tool();
                drop(state);
                monitor.stop(py)?;
                return Ok(tool);
            }
            state.monitor = Some(monitor);
            state.all_code_objects(py)
        };
        monitor.set_events(py, &self.code_files, code_objects, Arming::Full)?;
        // A body that ran on while measurement was off reports only what
        // runs from now on, as its LINE events would.
        self.code_files.skip_runs_so_far(py);
        Ok(monitor.tool())
    }

    /// Stops measuring and frees the tool id. With `at_exit` (the process is
    /// ending: nothing will measure again) the code objects keep their local
    /// events: with the callbacks unregistered they report to no one, and
    /// turning them off would re-instrument every measured code object that
    /// still has any (for a large import, a millisecond at each exit).
    #[pyo3(signature = (at_exit=false))]
    fn stop(&self, py: Python<'_>, at_exit: bool) -> PyResult<()> {
        self.code_files.record_runs(py);
        let (monitor, code_objects) = {
            let mut state = self.lock(py);
            let Some(monitor) = state.monitor.take() else {
                return Ok(());
            };
            let code_objects = if at_exit {
                Vec::new()
            } else {
                state.all_code_objects(py)
            };
            (monitor, code_objects)
        };
        let turned_off = monitor.set_events(py, &self.code_files, code_objects, Arming::Off);
        monitor.stop(py)?;
        turned_off
    }

    /// Lets go of every measured file without freeing what is kept of it:
    /// the process is ending and its data is saved. Freeing it would cost
    /// the interpreter's teardown milliseconds (thousands of code objects,
    /// their instrumentation and maps); the process's exit returns the
    /// memory. Does nothing while measuring.
    fn abandon(&self, py: Python<'_>) {
        let mut state = self.lock(py);
        if state.monitor.is_some() {
            return;
        }
        std::mem::forget(std::mem::take(&mut state.files));
        self.code_files.abandon();
    }

    /// The `sys.monitoring` tool id rcov holds, None when not measuring.
    #[getter]
    fn tool_id(&self, py: Python<'_>) -> Option<u8> {
        self.lock(py).monitor.map(|monitor| monitor.tool())
    }

    /// Moves measurement to another free tool id (the program wants the one
    /// rcov holds) and returns it. Every measured code object is armed under
    /// the new id before the old one is given back, so no line is missed;
    /// lines already recorded are recorded again, which changes nothing.
    fn move_tool(&self, py: Python<'_>) -> Result<u8, RcovError> {
        let Some(old) = self.lock(py).monitor else {
            return Err(RcovError::Python(
                pyo3::exceptions::PyRuntimeError::new_err("not measuring"),
            ));
        };
        let new = LineMonitor::start_elsewhere(py, &self.code_files, self.record)?;
        let code_objects = {
            let mut state = self.lock(py);
            state.monitor = Some(new);
            state.all_code_objects(py)
        };
        // Under the new id every line reports once more, so each code
        // object's count of reported lines starts again (as `rearm` does).
        self.code_files.reset_lines();
        new.set_events(
            py,
            &self.code_files,
            code_objects.iter().cloned(),
            Arming::Full,
        )?;
        let turned_off = old.set_events(py, &self.code_files, code_objects, Arming::Off);
        old.stop(py)?;
        turned_off?;
        Ok(new.tool())
    }

    /// Forgets every hit, keeping the measured files (a forked child starts
    /// its own data; lines it runs are recorded again once
    /// `sys.monitoring.restart_events()` has re-armed them).
    fn clear_hits(&self, py: Python<'_>) -> PyResult<()> {
        let hits: Vec<Arc<FileHits>> = self
            .lock(py)
            .files
            .values_mut()
            .map(|file| {
                file.earlier = EarlierHits::default();
                Arc::clone(&file.hits)
            })
            .collect();
        for file_hits in hits {
            file_hits.clear();
        }
        self.reported
            .lock_py_attached(py)
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.code_files.clear_calls();
        // What unreturned runs did so far is the parent's.
        self.code_files.skip_runs_so_far(py);
        self.rearm(py)
    }

    /// Adds the run's data file content to `data`: what ran (lines or
    /// arcs, per context), every measured file (touched, even if nothing of
    /// it ran) and the functions that started, each file under its name in
    /// `names` (its own where absent). Done here, not in Python, so that a
    /// large run does not make a Python object per line, arc or function at
    /// exit.
    fn add_to(
        &self,
        py: Python<'_>,
        mut data: PyRefMut<'_, CoverageDataObject>,
        names: HashMap<String, String>,
    ) -> Result<(), RcovError> {
        catch_panic("add_to", || self.fill(py, data.model_mut(), &names))
    }

    /// Per file, `(line, count)` for each line that ran (empty unless
    /// counting).
    fn line_counts(&self, py: Python<'_>) -> BTreeMap<String, Vec<(u32, u64)>> {
        self.lock(py)
            .files
            .iter()
            .map(|(name, file)| (name.clone(), file.hits.line_counts(&file.splits)))
            .collect()
    }

    /// The (caller, callee) pairs recorded (none unless tracking calls).
    fn calls(&self, py: Python<'_>) -> PyResult<Vec<(FunctionName, FunctionName)>> {
        let files: BTreeMap<u32, (String, Vec<CodeSlot>)> = self
            .lock(py)
            .files
            .iter()
            .map(|(name, file)| (file.number, (name.clone(), file.code_list(py))))
            .collect();
        let name_of = |id: CodeId| -> PyResult<Option<FunctionName>> {
            let Some((file, codes)) = files.get(&id.file) else {
                return Ok(None);
            };
            let Some(code) = codes.get(id.index as usize) else {
                return Ok(None);
            };
            let (qualname, line) = code.name(py)?;
            Ok(Some((file.clone(), qualname, line)))
        };
        let mut pairs = Vec::new();
        for (caller, callee) in self.code_files.calls() {
            // A pair of a file compiled again since has no names any more.
            if let (Some(caller), Some(callee)) = (name_of(caller)?, name_of(callee)?) {
                pairs.push((caller, callee));
            }
        }
        pairs.sort();
        Ok(pairs)
    }

    fn measured_files(&self, py: Python<'_>) -> Vec<String> {
        self.lock(py).files.keys().cloned().collect()
    }

    /// The raw statements (`co_lines()` of its code tree, on original
    /// lines) of file `filename` if rcov compiled it from `source` (see
    /// `compiled`): a report needs not compile it again.
    fn raw_statements(&self, py: Python<'_>, filename: &str, source: &str) -> Option<Vec<u32>> {
        match self.compiled(py, filename, source)? {
            Compiled::Measured { raw_statements, .. } => Some(raw_statements.to_vec()),
            Compiled::Cached(entry) => Some(entry.facts.raw_statements),
        }
    }

    /// The module code object rcov compiled `filename` to from `source` (see
    /// `compiled`). Its tree holds the code objects a plain compile makes,
    /// under the same names and first lines: a function listing needs not
    /// compile the file again.
    fn module_code<'py>(
        &self,
        py: Python<'py>,
        filename: &str,
        source: &str,
    ) -> Option<Bound<'py, PyAny>> {
        match self.compiled(py, filename, source) {
            Some(Compiled::Measured { module, .. }) => module.map(|code| code.into_bound(py)),
            Some(Compiled::Cached(entry)) => unmarshalled(py, &entry.code),
            None => None,
        }
    }

    /// What ran, in every context together.
    fn executed(&self, py: Python<'_>) -> Result<Executed, RcovError> {
        let snapshot = self.snapshot(py);
        let options = target_options(py);
        py.detach(|| {
            catch_panic("executed", || {
                Ok::<_, RcovError>(self.convert(snapshot, &options))
            })
        })
    }

    /// Records what runs from now on under context `name` (`""`: none):
    /// takes the current context's hits out of the live stores and re-arms
    /// every line event (`sys.monitoring.restart_events()`) so that lines
    /// already run record again, once, under the new one.
    fn switch_context(&self, py: Python<'_>, name: &str) -> PyResult<()> {
        // What unreturned runs did so far belongs to the context ending.
        self.code_files.record_runs(py);
        {
            let mut state = self.lock(py);
            if state.contexts.name(state.contexts.current()) == name {
                return Ok(());
            }
            let previous = state.contexts.switch(name);
            for file in state.files.values_mut() {
                let taken = file.hits.take();
                file.earlier.add(previous, taken);
            }
        }
        self.rearm(py)?;
        py.import(intern!(py, "sys"))?
            .getattr(intern!(py, "monitoring"))?
            .call_method0(intern!(py, "restart_events"))?;
        Ok(())
    }

    /// The context hits are recorded under now.
    #[getter]
    fn context(&self, py: Python<'_>) -> String {
        let state = self.lock(py);
        state.contexts.name(state.contexts.current()).to_string()
    }

    /// The lines and arcs that ran since the previous call (all of them on
    /// the first call), per file with any. Cheap when nothing new ran: one
    /// atomic load (and a look at each unreturned in-order run), then an
    /// empty dict.
    fn new_coverage(&self, py: Python<'_>) -> BTreeMap<String, News> {
        // Progress only: looking for stopped runs walks every stack, which a
        // fuzzer's call per input must not pay; `snapshot` does it when
        // something new ran.
        self.code_files.record_run_progress(py);
        let new_hits = self.code_files.new_hits();
        if self.new_hits_seen.swap(new_hits, Ordering::AcqRel) == new_hits {
            return BTreeMap::new();
        }
        let snapshot = self.snapshot(py);
        let options = target_options(py);
        let branch = self.branch;
        let mut guard = self
            .reported
            .lock_py_attached(py)
            .unwrap_or_else(PoisonError::into_inner);
        let reported: &mut BTreeMap<String, Reported> = &mut guard;
        py.detach(|| {
            snapshot
                .into_iter()
                .filter_map(|(name, file)| {
                    let news = reported
                        .entry(name.clone())
                        .or_default()
                        .news(&file.hits, |hits| file.executed(hits, &options, branch))?;
                    Some((name, news))
                })
                .collect()
        })
    }
}

impl Collector {
    /// What rcov compiled `filename` to from `source`: the file measured in
    /// this run, or, with the same interpreter, build and mode, the code
    /// cache's entry of an earlier run.
    fn compiled(&self, py: Python<'_>, filename: &str, source: &str) -> Option<Compiled> {
        let hash = source_hash(source);
        let measured = self.lock(py).files.get(filename).and_then(|file| {
            (file.own_compile && file.source_hash == hash).then(|| Compiled::Measured {
                raw_statements: Arc::clone(&file.raw_statements),
                module: file.code_objects.module().map(|code| code.clone_ref(py)),
            })
        });
        measured.or_else(|| {
            let cache = self.cache.as_ref()?;
            py.detach(|| cache.read(&self.cache_key(filename), hash))
                .map(Compiled::Cached)
        })
    }

    /// What ran, per context that anything ran in (`""` before any switch).
    fn executed_by_context(&self, py: Python<'_>) -> Vec<(String, Executed)> {
        self.code_files.record_runs(py);
        let snapshots: Vec<(String, Snapshot)> = {
            let state = self.lock(py);
            let current = state.contexts.current();
            let mut ids: Vec<usize> = state
                .files
                .values()
                .flat_map(|file| file.earlier.contexts())
                .chain([current])
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids.into_iter()
                .map(|id| {
                    let files = state
                        .files
                        .iter()
                        .filter_map(|(name, file)| {
                            let mut hits = file.earlier.of(id).cloned().unwrap_or_default();
                            if id == current {
                                hits.union_with(&file.hits.snapshot());
                            }
                            (!hits.is_empty())
                                .then(|| (name.clone(), FileSnapshot::with_hits(file, hits)))
                        })
                        .collect();
                    (state.contexts.name(id).to_string(), files)
                })
                .collect()
        };
        let options = target_options(py);
        py.detach(|| {
            snapshots
                .into_iter()
                .filter(|(_, files)| !files.is_empty())
                .map(|(context, files)| (context, self.convert(files, &options)))
                .collect()
        })
    }

    /// `add_to`'s work: `data` gets the run's content under `names`.
    fn fill(
        &self,
        py: Python<'_>,
        data: &mut CoverageData,
        names: &HashMap<String, String>,
    ) -> Result<(), RcovError> {
        let name_of = |path: &str| names.get(path).cloned().unwrap_or_else(|| path.to_string());
        for (context, executed) in self.executed_by_context(py) {
            for (path, (lines, arcs)) in executed {
                let name = name_of(&path);
                match arcs {
                    Some(arcs) => data.add_arcs(&name, &context, arcs)?,
                    None => {
                        let lines = lines
                            .into_iter()
                            .filter_map(|line| u32::try_from(line).ok());
                        data.add_lines(&name, &context, lines)?;
                    }
                }
            }
        }
        let files: Vec<(String, Arc<FileHits>, Vec<CodeSlot>)> = self
            .lock(py)
            .files
            .iter()
            .map(|(path, file)| (path.clone(), Arc::clone(&file.hits), file.code_list(py)))
            .collect();
        for (path, hits, codes) in files {
            let name = name_of(&path);
            data.touch(&name);
            let mut started = Vec::new();
            for (index, code) in codes.iter().enumerate() {
                if hits.started(index) {
                    started.push(code.name(py)?);
                }
            }
            data.trace
                .functions
                .entry(name)
                .or_default()
                .extend(started);
        }
        Ok(())
    }

    /// Turns LINE events back on for every code object (those turned off
    /// once complete included) and forgets which lines each has reported, so
    /// that after `sys.monitoring.restart_events()` every line reports
    /// again, once.
    fn rearm(&self, py: Python<'_>) -> PyResult<()> {
        let (monitor, code_objects) = {
            let state = self.lock(py);
            (state.monitor, state.all_code_objects(py))
        };
        self.code_files.reset_lines();
        match monitor {
            Some(monitor) => monitor.set_events(py, &self.code_files, code_objects, Arming::Full),
            None => Ok(()),
        }
    }

    fn cache_key<'a>(&'a self, filename: &'a str) -> CacheKey<'a> {
        CacheKey {
            filename,
            interpreter: &self.interpreter,
            build: &self.build,
            branch: self.branch,
        }
    }

    /// The cache, unless this run counts lines: counting needs the
    /// rewrite's line origins (`split_probes`), which the cache does not
    /// keep, so a counting run compiles afresh.
    fn caching(&self) -> Option<&CodeCache> {
        self.cache.as_ref().filter(|_| !self.record.count_lines)
    }

    /// The module code of `filename` from the cache (for the source whose
    /// `source_hash` is `source`), registered as `compile` registers it;
    /// None on a miss.
    fn load_cached<'py>(
        &self,
        py: Python<'py>,
        source: u128,
        stamp: Option<Stamp>,
        filename: &str,
    ) -> Result<Option<Bound<'py, PyAny>>, RcovError> {
        let Some(cache) = self.caching() else {
            return Ok(None);
        };
        let key = self.cache_key(filename);
        match py.detach(|| cache.load(&key, source, stamp)) {
            Some(entry) => self.register_cached(py, source, entry, filename),
            None => Ok(None),
        }
    }

    /// Registers a cache entry's module code for `filename`. An entry
    /// CPython cannot unmarshal is a miss: the file is compiled again and
    /// the entry replaced.
    fn register_cached<'py>(
        &self,
        py: Python<'py>,
        source_hash: u128,
        entry: Entry,
        filename: &str,
    ) -> Result<Option<Bound<'py, PyAny>>, RcovError> {
        let Some(code) = unmarshalled(py, &entry.code) else {
            return Ok(None);
        };
        // The cached tree is on original lines already, and what a walk
        // learns of it is cached too: only its code objects are collected.
        let Some(tree) = collect_tree(&code, entry.facts)? else {
            return Ok(None);
        };
        let tables = FileTables {
            probes: entry.probes,
            splits: Vec::new(),
            hits_map: LazyHitsMap::known(entry.hits_map),
        };
        let source = SourceFacts {
            hash: source_hash,
            lines: entry.source_lines,
        };
        self.register(py, source, filename, &tree, tables)?;
        Ok(Some(tree.module))
    }

    fn lock(&self, py: Python<'_>) -> MutexGuard<'_, State> {
        self.state
            .lock_py_attached(py)
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Every measured file with a copy of its hits in all contexts.
    fn snapshot(&self, py: Python<'_>) -> Snapshot {
        self.code_files.record_runs(py);
        self.lock(py)
            .files
            .iter()
            .map(|(name, file)| {
                let mut hits = file.hits.snapshot();
                hits.union_with(file.earlier.all());
                (name.clone(), FileSnapshot::with_hits(file, hits))
            })
            .collect()
    }

    /// Lines and arcs of each file's copied hits.
    fn convert(&self, snapshot: Snapshot, options: &Options) -> Executed {
        snapshot
            .into_iter()
            .map(|(name, file)| {
                let (lines, arcs) = file.executed(&file.hits, options, self.branch);
                (
                    name,
                    (lines.into_iter().collect(), arcs.map(Vec::from_iter)),
                )
            })
            .collect()
    }

    /// How a freshly compiled tree is rebuilt: on original lines (`lines`),
    /// and with its quiet jump targets silenced, except when counting: a
    /// count follows jumps by the lines of their targets.
    fn rebuild<'a>(&self, lines: Option<&'a LineRemap<'a>>) -> Rebuild<'a> {
        Rebuild {
            lines,
            quiet_targets: !self.record.count_lines,
        }
    }

    /// Lets go of the code objects that nothing but rcov holds any more
    /// (see `code_slots`): a module body once its import has run it, then
    /// the class bodies it held, and so on down its tree. Called at each
    /// registration (by then the files registered before have usually run),
    /// it looks once enough files wait (`release_at`).
    fn release_unreachable(&self, py: Python<'_>) {
        {
            let state = self.lock(py);
            if state.unreleased.len() < state.release_at {
                return;
            }
        }
        self.release_passes(py);
        let mut state = self.lock(py);
        state.release_at = 2 * state.unreleased.len();
    }

    /// `release_unreachable`'s passes, each a level further down the trees.
    fn release_passes(&self, py: Python<'_>) {
        loop {
            let found: Vec<(String, usize, Py<PyAny>)> = {
                let mut state = self.lock(py);
                let State {
                    files, unreleased, ..
                } = &mut *state;
                let mut found = Vec::new();
                unreleased.retain(|name| {
                    let Some(file) = files.get(name) else {
                        return false;
                    };
                    // A module still running (or held) holds the rest.
                    if !file.code_objects.module_done(py) {
                        return true;
                    }
                    let unreachable = file.code_objects.unreachable(py);
                    // What these held may follow them, in the next pass.
                    let more = !unreachable.is_empty();
                    found.extend(unreachable.into_iter().map(|(i, c)| (name.clone(), i, c)));
                    more
                });
                found
            };
            if found.is_empty() {
                return;
            }
            // Named outside the lock: a call into Python.
            let named: Vec<_> = found
                .into_iter()
                .filter_map(|(file, index, code)| {
                    let name = code_name(code.bind(py)).ok()?;
                    Some((file, index, code, name))
                })
                .collect();
            let (released, unregistered) = {
                let mut state = self.lock(py);
                let mut released = Vec::new();
                for (file, index, code, name) in &named {
                    if let Some(measured) = state.files.get_mut(file) {
                        let slots = &mut measured.code_objects;
                        released.extend(slots.release(*index, code, name.clone()));
                    }
                }
                let unregistered = self.code_files.remove(&released);
                (released, unregistered)
            };
            // Nothing let go of (a name that could not be read): the same
            // code objects would be found again.
            if released.is_empty() {
                return;
            }
            // The lock is released: freeing code objects may run code.
            drop((unregistered, released, named));
        }
    }

    /// Records the compiled tree of `filename`, replacing an earlier one (a
    /// reload: its hits are kept if the source is the same), and turns LINE
    /// events on for it when measuring.
    fn register(
        &self,
        py: Python<'_>,
        source: SourceFacts,
        filename: &str,
        tree: &CodeTree<'_>,
        tables: FileTables,
    ) -> PyResult<()> {
        self.release_unreachable(py);
        let FileTables {
            probes,
            splits,
            hits_map,
        } = tables;
        let unit_lines = if self.record.count_lines {
            tree.code_objects
                .iter()
                .map(unit_lines)
                .collect::<PyResult<Vec<_>>>()?
        } else {
            Vec::new()
        };
        let mut function_lines = Vec::new();
        for (code, lines) in tree.code_objects.iter().zip(&unit_lines) {
            let flags: u32 = code.getattr(pyo3::intern!(py, "co_flags"))?.extract()?;
            if flags & CO_NEWLOCALS != 0 {
                function_lines.push(&**lines);
            }
        }
        let splits = without_function_entries(splits, &function_lines);
        // Counting lines and tracking calls need every event (`runs`).
        let in_order = if self.record.count_lines || self.record.track_calls {
            vec![None; tree.code_objects.len()]
        } else {
            tree.facts.in_order.clone()
        };
        let (monitor, replaced, unregistered) = {
            let mut state = self.lock(py);
            let mut previous = state.files.remove(filename);
            let code_count = tree.code_objects.len();
            let (hits, earlier, map, number) = match &mut previous {
                Some(previous)
                    if previous.source_hash == source.hash
                        && *previous.probes == *probes
                        && previous.code_objects.count() == code_count =>
                {
                    (
                        Arc::clone(&previous.hits),
                        std::mem::take(&mut previous.earlier),
                        Arc::clone(&previous.hits_map),
                        previous.number,
                    )
                }
                _ => {
                    let hits = FileHits::for_tree(
                        source.lines,
                        probes.len(),
                        code_count,
                        self.record.count_lines,
                    );
                    state.next_file += 1;
                    (
                        Arc::new(hits),
                        EarlierHits::default(),
                        Arc::new(hits_map),
                        state.next_file,
                    )
                }
            };
            let mut unregistered = match &previous {
                Some(previous) => self.code_files.remove(previous.code_objects.held()),
                None => Vec::new(),
            };
            unregistered.extend(self.code_files.insert(
                &tree.code_objects,
                &tree.facts.event_lines,
                &in_order,
                &hits,
                number,
                unit_lines,
            ));
            let file = MeasuredFile {
                source_hash: source.hash,
                raw_statements: Arc::from(tree.facts.raw_statements.as_slice()),
                probes: Arc::from(probes),
                hits,
                number,
                splits: Arc::from(splits),
                earlier,
                code_objects: CodeSlots::new(&tree.code_objects),
                hits_map: map,
                own_compile: true,
            };
            state.files.insert(filename.to_string(), file);
            state.unreleased.insert(filename.to_string());
            (state.monitor, previous, unregistered)
        };
        // The lock is released: dropping code objects or calling Python may
        // run arbitrary code from here on.
        drop(unregistered);
        if let Some(monitor) = monitor {
            if let Some(replaced) = &replaced {
                let old = replaced
                    .code_objects
                    .held()
                    .map(|code| code.bind(py).clone());
                monitor.set_events(py, &self.code_files, old, Arming::Off)?;
            }
            monitor.set_events(
                py,
                &self.code_files,
                tree.code_objects.iter().cloned(),
                Arming::Fresh,
            )?;
        }
        Ok(())
    }
}

/// `co_flags` bit of functions (not of modules and class bodies).
const CO_NEWLOCALS: u32 = 0x2;

/// Drops the split probes that sit first in a function of one line (`def
/// f(): return 1`): nothing before them reports a line (only `RESUME` and
/// its like run there), so the report of the line after such a probe is the
/// one the original function makes too. `unit_lines` are the line tables of
/// the file's functions.
fn without_function_entries(splits: Vec<SplitProbe>, unit_lines: &[&[u32]]) -> Vec<SplitProbe> {
    let entries: Vec<(u32, u32)> = unit_lines
        .iter()
        .filter_map(|lines| {
            let first = *lines.first()?;
            let next = lines.iter().copied().find(|&line| line != first)?;
            Some((first, next))
        })
        .collect();
    splits
        .into_iter()
        .filter(|&(probe, line)| {
            let probe_line = PROBE_BASE.saturating_add(probe as u32);
            !entries.contains(&(line, probe_line))
        })
        .collect()
}

/// The file this extension module was loaded from.
fn extension_file(py: Python<'_>) -> Option<String> {
    let module = py.import("rcov._rcov").ok()?;
    module.getattr("__file__").ok()?.extract().ok()
}

/// The last line any event can name: one past the count of line breaks
/// (a lone `\r` counts, as it does for CPython's tokenizer; `\r\n` counting
/// twice only leaves room to spare).
fn last_line(source: &str) -> u32 {
    let breaks = source.bytes().filter(|&b| b == b'\n' || b == b'\r').count();
    u32::try_from(breaks + 1).unwrap_or(u32::MAX)
}

/// Instrumenting failed with `failure`: if CPython rejects the original too,
/// its SyntaxError (and warnings) are what the program would see without
/// rcov; if not, `failure` is reported and the caller imports normally, which
/// shows the original's warnings, so they are not shown here.
fn original_verdict(py: Python<'_>, source: &str, filename: &str, failure: RcovError) -> RcovError {
    match compile_catching_warnings(py, source, filename) {
        Ok((Ok(_), _)) => failure,
        Ok((Err(syntax_error), warnings)) => match warnings.show(filename, None) {
            Ok(()) => syntax_error.into(),
            Err(warning_error) => warning_error,
        },
        Err(err) => err.into(),
    }
}

impl MeasuredFile {
    fn code_list(&self, py: Python<'_>) -> Vec<CodeSlot> {
        self.code_objects
            .iter()
            .map(|slot| slot.clone_ref(py))
            .collect()
    }
}

impl State {
    fn all_code_objects<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyAny>> {
        self.files
            .values()
            .flat_map(|file| file.code_objects.held().map(|code| code.bind(py).clone()))
            .collect()
    }
}

/// A measured file's data, copied out of the lock for conversion.
struct FileSnapshot {
    raw_statements: Arc<[u32]>,
    probes: Arc<[EdgeId]>,
    hits: HitBits,
    hits_map: Arc<LazyHitsMap>,
}

impl FileSnapshot {
    fn with_hits(file: &MeasuredFile, hits: HitBits) -> Self {
        FileSnapshot {
            raw_statements: Arc::clone(&file.raw_statements),
            probes: Arc::clone(&file.probes),
            hits,
            hits_map: Arc::clone(&file.hits_map),
        }
    }

    /// The lines (and arcs) of `hits` in coverage.py's data conventions.
    fn executed(
        &self,
        hits: &HitBits,
        options: &Options,
        branch: bool,
    ) -> (BTreeSet<i32>, Option<BTreeSet<LineArc>>) {
        let map = self.hits_map.get(&self.raw_statements, options);
        let lines = executed_lines(map, hits.lines());
        let arcs = branch.then(|| executed_arcs(map, &lines, &self.probes, |k| hits.probe_hit(k)));
        (lines, arcs)
    }
}

/// The module code as `marshal` stores it, if it can (a code object marshal
/// rejects only means no caching).
fn marshalled(module: &Bound<'_, PyAny>) -> Option<Vec<u8>> {
    let marshal = module.py().import("marshal").ok()?;
    let bytes = marshal.call_method1("dumps", (module,)).ok()?;
    Some(bytes.cast::<PyBytes>().ok()?.as_bytes().to_vec())
}

/// The code object in `bytes` (as `marshalled` made them), if CPython can
/// read one there. `marshal.loads` reads them in place, through a read-only
/// memoryview: a bytes object would copy every cached module's code first.
fn unmarshalled<'py>(py: Python<'py>, bytes: &[u8]) -> Option<Bound<'py, PyAny>> {
    let marshal = py.import("marshal").ok()?;
    let len = isize::try_from(bytes.len()).ok()?;
    // SAFETY: a read-only view of `bytes`, released below while `bytes` is
    // still borrowed; marshal keeps no reference to what it reads.
    let view = unsafe {
        let view = pyo3::ffi::PyMemoryView_FromMemory(
            bytes.as_ptr().cast_mut().cast(),
            len,
            pyo3::ffi::PyBUF_READ,
        );
        Bound::from_owned_ptr_or_opt(py, view)
    }?;
    let code = marshal.call_method1("loads", (&view,));
    view.call_method0("release").ok()?;
    let code = code.ok()?;
    code.is_instance_of::<PyCode>().then_some(code)
}

/// What turns a file's hits into coverage.py's lines and arcs, from its
/// analysis (of `parsed`, the source parsed already, if given). Exclusion
/// patterns do not change edges, so it uses none. A file the analyser cannot
/// read (possible only in line mode, where nothing was rewritten) gets an
/// empty one: its raw lines are reported.
fn hits_map(
    source: &str,
    parsed: Option<&ParsedSource<'_>>,
    raw_statements: &[u32],
    options: &Options,
) -> HitsMap {
    let patterns = Patterns {
        exclude: Vec::new(),
        partial: Vec::new(),
    };
    catch_panic("analyze", || match parsed {
        Some(parsed) => parsed.analyze(raw_statements, &patterns),
        None => rcov_instrument::analyze(source, raw_statements, options, &patterns),
    })
    .map_or_else(|_| HitsMap::default(), |analysis| HitsMap::new(&analysis))
}

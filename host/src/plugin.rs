//! The plugin runner: stackplan's core, compiled to WebAssembly, run in a sandbox.
//!
//! Read it like one of wasmtime's `examples/`: an [`Engine`] with epoch interruption, a
//! compiled-module cache, a [`Store`] with limits, one instance, one call. Every limit the
//! sandbox enforces is in [`SANDBOX`]; nothing else grants or caps anything.
//!
//! The plugin speaks **Plugin ABI v1**: a core module with *no imports* that exports
//! `memory`, `stackplan_abi_version() -> i32` (1), `stackplan_alloc(len) -> ptr` (0 on
//! failure), `stackplan_dealloc(ptr, len)` and `stackplan_call(ptr, len) -> i64` (the response
//! buffer as `ptr << 32 | len`). The host writes the request JSON (the core's API envelope,
//! `core/src/api`) into a buffer it allocated, calls, copies the response out, and frees both.
//!
//! Invariants:
//! - a module that imports anything is refused before it is instantiated: with no imports the
//!   plugin can reach nothing but its own memory (no files, clock, network, randomness);
//! - every call gets a fresh store and instance, so no state survives from one call to the
//!   next, and one call's limits cannot be spent by an earlier one;
//! - a plugin that loops, allocates without end, overflows its stack or traps is stopped and
//!   reported as a [`PluginError`] (the CLI exits 2); the host never panics because of it.

use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use wasmtime::{Config, Engine, Instance, Memory, Module, ResourceLimiter, Store, Trap, TypedFunc};

/// The ABI version this host speaks.
pub const ABI_VERSION: i32 = 1;

/// Everything the sandbox allows a plugin, in one place.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Linear memory, all memories together (the module declares one).
    pub memory_bytes: usize,
    /// Wall-clock time for one call, enforced by epoch interruption.
    pub call_time: Duration,
    /// Native stack the wasm code may use (wasmtime's `max_wasm_stack`).
    pub stack_bytes: usize,
    /// Table elements (indirect-call tables of a Rust module hold a few hundred).
    pub table_elements: usize,
    /// The largest response the host copies out of the guest.
    pub response_bytes: usize,
}

/// The per-call wall-clock cap. Release (what `cargo install --path host` builds, and what
/// the budgets are measured on): 10 s, about 130 times the 75 ms a 300-service plan takes.
/// A debug build (the tests' `target/debug`) runs wasmtime's runtime unoptimized and, on a
/// loaded 2-core CI machine, once needed more than 10 s for the same plan: there the cap is
/// 120 s, still a cap for an endless loop.
pub const CALL_TIME: Duration = Duration::from_secs(if cfg!(debug_assertions) { 120 } else { 10 });

/// The limits of every plugin call: 256 MiB of memory (a 300-service plan needs well under
/// 64 MiB), [`CALL_TIME`] per call (a 300-service plan takes a fraction of a second), wasmtime's default
/// 512 KiB of stack, 100 000 table elements, 64 MiB of response.
pub const SANDBOX: Limits = Limits {
    memory_bytes: 256 << 20,
    call_time: CALL_TIME,
    stack_bytes: 512 << 10,
    table_elements: 100_000,
    response_bytes: 64 << 20,
};

/// Why a plugin could not be loaded or did not answer. All of them are errors of the host's
/// input (the plugin file), not of the user's stack: the CLI exits 2.
#[derive(Debug)]
pub enum PluginError {
    /// The module file could not be read.
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    /// Not a valid WebAssembly module (or not one wasmtime can compile).
    Compile(String),
    /// The module imports something; the sandbox grants nothing.
    Imports(Vec<String>),
    /// A required export is missing or has the wrong type.
    Export { name: &'static str, problem: String },
    /// The module speaks another ABI version.
    AbiVersion(i32),
    /// The call ran past [`Limits::call_time`].
    TimeLimit(Duration),
    /// The module asked for more memory than [`Limits::memory_bytes`].
    MemoryLimit { limit: usize, requested: usize },
    /// The guest trapped (including a stack overflow), or returned an unusable buffer.
    Trap(String),
    /// The guest's allocator returned 0 for the request buffer.
    Alloc(usize),
    /// The response is out of bounds, too large or not UTF-8 JSON.
    Response(String),
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PluginError::Read { path, error } => {
                write!(f, "cannot read the plugin {}: {error}", path.display())
            }
            PluginError::Compile(e) => write!(f, "the plugin is not a usable wasm module: {e}"),
            PluginError::Imports(imports) => write!(
                f,
                "the plugin imports {}; a stackplan plugin must import nothing (Plugin ABI v{ABI_VERSION})",
                imports.join(", ")
            ),
            PluginError::Export { name, problem } => {
                write!(f, "the plugin's export `{name}` {problem}")
            }
            PluginError::AbiVersion(v) => write!(
                f,
                "the plugin speaks Plugin ABI v{v}, this host speaks v{ABI_VERSION}; \
                 use the plugin built with this host"
            ),
            PluginError::TimeLimit(limit) => write!(
                f,
                "the plugin was stopped after {} s (its time limit for one call)",
                limit.as_secs_f64()
            ),
            PluginError::MemoryLimit { limit, requested } => write!(
                f,
                "the plugin was stopped: it asked for {} MiB of memory, its limit is {} MiB",
                requested.div_ceil(1 << 20),
                limit >> 20
            ),
            PluginError::Trap(e) => write!(f, "the plugin crashed: {e}"),
            PluginError::Alloc(len) => {
                write!(
                    f,
                    "the plugin could not allocate {len} bytes for the request"
                )
            }
            PluginError::Response(e) => write!(f, "the plugin's response is unusable: {e}"),
        }
    }
}

impl std::error::Error for PluginError {}

/// How the compiled code was obtained, and how long it took until the plugin was ready.
#[derive(Clone, Debug)]
pub struct Readiness {
    /// `true` when the compiled module came from the cache.
    pub cached: bool,
    /// From the module's bytes to a checked instance (read, hash, compile or load, ABI check).
    pub elapsed: Duration,
    /// The cache file used or written, if any.
    pub cache_file: Option<PathBuf>,
}

/// A loaded, checked plugin. Cheap to call repeatedly: each call instantiates afresh.
pub struct Plugin {
    engine: Engine,
    module: Module,
    limits: Limits,
    sha256: String,
    readiness: Readiness,
}

impl Plugin {
    /// Loads the module at `path` (see [`Plugin::from_bytes`]).
    pub fn load(
        path: &Path,
        cache_dir: Option<&Path>,
        limits: Limits,
    ) -> Result<Plugin, PluginError> {
        let started = Instant::now();
        let bytes = std::fs::read(path).map_err(|error| PluginError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        Plugin::from_bytes_since(&bytes, cache_dir, limits, started)
    }

    /// Compiles (or loads from `cache_dir`) the module, refuses imports, checks the exports
    /// and the ABI version.
    pub fn from_bytes(
        bytes: &[u8],
        cache_dir: Option<&Path>,
        limits: Limits,
    ) -> Result<Plugin, PluginError> {
        Plugin::from_bytes_since(bytes, cache_dir, limits, Instant::now())
    }

    fn from_bytes_since(
        bytes: &[u8],
        cache_dir: Option<&Path>,
        limits: Limits,
        started: Instant,
    ) -> Result<Plugin, PluginError> {
        // 1. Engine: Cranelift, with epoch interruption for the time limit.
        let mut config = Config::new();
        config.epoch_interruption(true);
        config.max_wasm_stack(limits.stack_bytes);
        let engine = Engine::new(&config).map_err(|e| PluginError::Compile(e.to_string()))?;

        // 2. Module: from the cache when this exact module was compiled by this exact engine.
        let sha256 = hex(&Sha256::digest(bytes));
        let cache_file = cache_dir.map(|dir| dir.join(cache_file_name(&sha256, &engine)));
        let (module, cached) = match cache_file.as_deref().and_then(|f| load_cached(&engine, f)) {
            Some(module) => (module, true),
            None => {
                let module = Module::new(&engine, bytes)
                    .map_err(|e| PluginError::Compile(format!("{e:#}")))?;
                if let Some(file) = &cache_file {
                    store_cached(&module, file);
                }
                (module, false)
            }
        };

        // 3. Nothing is granted: a module with imports is refused before it runs.
        let imports: Vec<String> = module
            .imports()
            .map(|i| format!("`{}::{}`", i.module(), i.name()))
            .collect();
        if !imports.is_empty() {
            return Err(PluginError::Imports(imports));
        }

        let mut plugin = Plugin {
            engine,
            module,
            limits,
            sha256,
            readiness: Readiness {
                cached,
                elapsed: Duration::ZERO,
                cache_file,
            },
        };
        // 4. One instance to check the exports and the ABI version.
        let version = plugin.with_instance(|store, exports| {
            exports
                .abi_version
                .call(&mut *store, ())
                .map_err(|e| store.data().explain(e))
        })?;
        if version != ABI_VERSION {
            return Err(PluginError::AbiVersion(version));
        }
        plugin.readiness.elapsed = started.elapsed();
        Ok(plugin)
    }

    /// The sha256 of the module's bytes, lowercase hex. Every plan the host makes records it.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    pub fn readiness(&self) -> &Readiness {
        &self.readiness
    }

    /// One call: writes `request` into the guest, calls `stackplan_call`, copies the response
    /// out and frees both buffers.
    pub fn call(&self, request: &[u8]) -> Result<Vec<u8>, PluginError> {
        self.with_instance(|store, exports| {
            let len =
                i32::try_from(request.len()).map_err(|_| PluginError::Alloc(request.len()))?;
            let run =
                |store: &mut Store<Sandbox>| -> wasmtime::Result<Result<Vec<u8>, PluginError>> {
                    let ptr = exports.alloc.call(&mut *store, len)?;
                    if ptr == 0 && len > 0 {
                        return Ok(Err(PluginError::Alloc(request.len())));
                    }
                    exports
                        .memory
                        .write(&mut *store, ptr as u32 as usize, request)?;
                    let packed = exports.call.call(&mut *store, (ptr, len))?;
                    exports.dealloc.call(&mut *store, (ptr, len))?;
                    let (out_ptr, out_len) = ((packed as u64 >> 32) as u32, packed as u64 as u32);
                    let out_len_bytes = out_len as usize;
                    if out_len_bytes > self.limits.response_bytes {
                        return Ok(Err(PluginError::Response(format!(
                            "{out_len_bytes} bytes, the limit is {} MiB",
                            self.limits.response_bytes >> 20
                        ))));
                    }
                    let mut response = vec![0; out_len_bytes];
                    if exports
                        .memory
                        .read(&*store, out_ptr as usize, &mut response)
                        .is_err()
                    {
                        return Ok(Err(PluginError::Response(format!(
                            "buffer {out_ptr:#x}+{out_len} lies outside the plugin's memory"
                        ))));
                    }
                    exports
                        .dealloc
                        .call(&mut *store, (out_ptr as i32, out_len as i32))?;
                    Ok(Ok(response))
                };
            let response = run(store).map_err(|e| store.data().explain(e))??;
            if serde_json::from_slice::<serde::de::IgnoredAny>(&response).is_err() {
                return Err(PluginError::Response(format!(
                    "not JSON: {:?}",
                    String::from_utf8_lossy(&response[..response.len().min(200)])
                )));
            }
            Ok(response)
        })
    }

    /// 3. Store with limits, 4. instance, then `body` under the time limit.
    fn with_instance<T>(
        &self,
        body: impl FnOnce(&mut Store<Sandbox>, &Exports) -> Result<T, PluginError>,
    ) -> Result<T, PluginError> {
        let mut store = Store::new(&self.engine, Sandbox::new(self.limits));
        store.limiter(|sandbox| sandbox);
        store.set_epoch_deadline(1);
        store.epoch_deadline_trap();
        let _deadline = Deadline::start(&self.engine, self.limits.call_time);

        let instance =
            Instance::new(&mut store, &self.module, &[]).map_err(|e| store.data().explain(e))?;
        let exports = Exports::of(&instance, &mut store)?;
        body(&mut store, &exports)
    }
}

/// The ABI's exports, typed.
struct Exports {
    memory: Memory,
    abi_version: TypedFunc<(), i32>,
    alloc: TypedFunc<i32, i32>,
    dealloc: TypedFunc<(i32, i32), ()>,
    call: TypedFunc<(i32, i32), i64>,
}

impl Exports {
    fn of(instance: &Instance, store: &mut Store<Sandbox>) -> Result<Exports, PluginError> {
        fn func<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(
            instance: &Instance,
            store: &mut Store<Sandbox>,
            name: &'static str,
        ) -> Result<TypedFunc<P, R>, PluginError> {
            let missing = || PluginError::Export {
                name,
                problem: "is missing".to_string(),
            };
            instance.get_func(&mut *store, name).ok_or_else(missing)?;
            instance
                .get_typed_func::<P, R>(&mut *store, name)
                .map_err(|e| PluginError::Export {
                    name,
                    problem: format!("has the wrong type ({e})"),
                })
        }
        let memory = instance
            .get_memory(&mut *store, "memory")
            .ok_or(PluginError::Export {
                name: "memory",
                problem: "is missing (the plugin must export its memory)".to_string(),
            })?;
        Ok(Exports {
            memory,
            abi_version: func(instance, store, "stackplan_abi_version")?,
            alloc: func(instance, store, "stackplan_alloc")?,
            dealloc: func(instance, store, "stackplan_dealloc")?,
            call: func(instance, store, "stackplan_call")?,
        })
    }
}

/// The store's data: the limits, and what the limiter refused (to explain the trap).
struct Sandbox {
    limits: Limits,
    memory_refused: Option<usize>,
}

impl Sandbox {
    fn new(limits: Limits) -> Sandbox {
        Sandbox {
            limits,
            memory_refused: None,
        }
    }

    /// Turns a wasmtime error from inside the sandbox into what happened.
    fn explain(&self, error: wasmtime::Error) -> PluginError {
        if let Some(requested) = self.memory_refused {
            return PluginError::MemoryLimit {
                limit: self.limits.memory_bytes,
                requested,
            };
        }
        match error.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => PluginError::TimeLimit(self.limits.call_time),
            Some(Trap::StackOverflow) => PluginError::Trap(format!(
                "stack overflow (its stack limit is {} KiB)",
                self.limits.stack_bytes >> 10
            )),
            _ => PluginError::Trap(format!("{error:#}")),
        }
    }
}

impl ResourceLimiter for Sandbox {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limits.memory_bytes {
            // A trap, not a failed `memory.grow`: a hostile module could ignore the -1 and
            // spin; a well-behaved one aborts on it anyway.
            self.memory_refused = Some(desired);
            return Err(wasmtime::Error::msg("memory limit"));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= self.limits.table_elements)
    }

    fn instances(&self) -> usize {
        1
    }

    fn memories(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        1
    }
}

/// The time limit: a watchdog thread bumps the engine's epoch once the limit has passed,
/// which traps the running call at its next loop header or function entry. Dropping the
/// deadline (the call returned) stops the watchdog.
struct Deadline {
    done: Option<mpsc::Sender<()>>,
    watchdog: Option<std::thread::JoinHandle<()>>,
}

impl Deadline {
    fn start(engine: &Engine, limit: Duration) -> Deadline {
        let (done, finished) = mpsc::channel::<()>();
        let engine = engine.clone();
        let watchdog = std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(limit) {
                engine.increment_epoch();
            }
        });
        Deadline {
            done: Some(done),
            watchdog: Some(watchdog),
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        drop(self.done.take());
        if let Some(watchdog) = self.watchdog.take() {
            let _ = watchdog.join();
        }
    }
}

/// `plugin-<module sha256>-<engine compatibility hash>.cwasm`: a module compiled by another
/// wasmtime version or configuration never matches.
fn cache_file_name(module_sha256: &str, engine: &Engine) -> String {
    use std::hash::Hash;
    let mut hasher = Sha256Hasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let engine_hash = hex(&hasher.0.finalize());
    format!("plugin-{module_sha256}-{}.cwasm", &engine_hash[..16])
}

/// Feeds `std::hash::Hash` into sha256, so the key is wider than `Hasher::finish`'s 64 bits.
struct Sha256Hasher(Sha256);

impl std::hash::Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    fn finish(&self) -> u64 {
        0 // never used: the digest is read from the inner hasher
    }
}

/// Loads a compiled module from the cache; `None` (recompile) when it is absent or unusable.
#[allow(unsafe_code)]
fn load_cached(engine: &Engine, file: &Path) -> Option<Module> {
    let bytes = std::fs::read(file).ok()?;
    // SAFETY: `Module::deserialize` trusts its input to be the output of `Module::serialize`,
    // because it maps it as native code. The file is one this host wrote with
    // `store_cached` into the user's own cache directory, under a name that binds it to the
    // module's sha256 and to this engine's compatibility hash; wasmtime additionally checks
    // the header (wasmtime version, target, configuration) and refuses a mismatch. The bytes
    // are read into memory first, so the file changing afterwards cannot affect the module.
    // The remaining assumption is the one every compiled-code cache makes: only the user
    // writes their cache directory.
    unsafe { Module::deserialize(engine, &bytes) }.ok()
}

/// Writes the compiled module to the cache, atomically (temporary file + rename). A cache
/// that cannot be written is not an error: the next run compiles again.
fn store_cached(module: &Module, file: &Path) {
    let Ok(bytes) = module.serialize() else {
        return;
    };
    let Some(dir) = file.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let temporary = file.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&temporary, bytes).is_ok() && std::fs::rename(&temporary, file).is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Where the plugin is looked for when `--plugin` is not given: `STACKPLAN_PLUGIN`, then
/// next to the binary, then `../plugin/` from it (`target/debug/stackplan-host` finds the
/// build's `target/plugin/stackplan-plugin.wasm`).
pub fn default_plugin_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("STACKPLAN_PLUGIN") {
        return Some(PathBuf::from(path));
    }
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    [
        dir.join("stackplan-plugin.wasm"),
        dir.join("../plugin/stackplan-plugin.wasm"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// The compiled-module cache directory: `STACKPLAN_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/stackplan`, else `~/.cache/stackplan`; `None` disables the cache.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("STACKPLAN_CACHE_DIR") {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("stackplan"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join(".cache/stackplan"))
}

/// The sha256 of `bytes`, lowercase hex: how a plugin module is identified.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

//! The plugin runner against tiny hand-written modules: one that follows Plugin ABI v1 (an
//! echo), and hostile ones, each of which must be stopped with a clear error.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use stackplan_host::plugin::{Limits, Plugin, PluginError, SANDBOX};
use std::time::{Duration, Instant};

/// A module with the ABI's exports; `call_body` is the body of `stackplan_call` (params
/// `$ptr`, `$len`, result i64), `extra` goes at module level.
fn abi_module(version: i32, call_body: &str, extra: &str) -> Vec<u8> {
    let text = format!(
        r#"(module
  {extra}
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (func (export "stackplan_abi_version") (result i32) (i32.const {version}))
  ;; A bump allocator that grows memory as needed and returns 0 when it cannot.
  (func $alloc (export "stackplan_alloc") (param $len i32) (result i32)
    (local $p i32) (local $end i32)
    (local.set $p (global.get $next))
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq
              (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end)
                                                        (i32.mul (memory.size) (i32.const 65536)))
                                               (i32.const 16))
                                    (i32.const 1)))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $next (local.get $end))
    (local.get $p))
  (func (export "stackplan_dealloc") (param i32 i32))
  (func (export "stackplan_call") (param $ptr i32) (param $len i32) (result i64)
    {call_body}))"#
    );
    wat::parse_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// `stackplan_call` answers with a copy of the request.
const ECHO: &str = r#"(local $out i32)
    (local.set $out (call $alloc (local.get $len)))
    (memory.copy (local.get $out) (local.get $ptr) (local.get $len))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
            (i64.extend_i32_u (local.get $len)))"#;

/// Short limits so the hostile cases finish fast.
const TEST_LIMITS: Limits = Limits {
    memory_bytes: 16 << 20,
    call_time: Duration::from_millis(300),
    ..SANDBOX
};

fn load(bytes: &[u8]) -> Result<Plugin, PluginError> {
    Plugin::from_bytes(bytes, None, TEST_LIMITS)
}

fn call_error(call_body: &str) -> PluginError {
    let plugin = load(&abi_module(1, call_body, "")).expect("loads");
    plugin
        .call(br#"{"api_version":1,"op":"version"}"#)
        .expect_err("a hostile call must fail")
}

#[test]
fn echo_plugin_answers_and_records_its_sha256() {
    let bytes = abi_module(1, ECHO, "");
    let plugin = load(&bytes).unwrap();
    let request = br#"{"api_version":1,"op":"version"}"#;
    assert_eq!(plugin.call(request).unwrap(), request);
    // A request larger than the initial page makes the guest grow its memory.
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(200_000));
    assert_eq!(plugin.call(big.as_bytes()).unwrap(), big.as_bytes());
    // Every call has a fresh instance: the bump allocator starts over, nothing accumulates.
    for _ in 0..50 {
        plugin.call(big.as_bytes()).unwrap();
    }
    assert_eq!(plugin.sha256().len(), 64);
    assert_eq!(
        plugin.sha256(),
        stackplan_host::plugin::sha256_hex(&bytes),
        "the recorded hash is the module's"
    );
}

#[test]
fn endless_loop_is_stopped_by_the_time_limit() {
    let started = Instant::now();
    let error = call_error("(loop $forever (br $forever)) (i64.const 0)");
    let elapsed = started.elapsed();
    assert!(matches!(error, PluginError::TimeLimit(_)), "{error:?}");
    assert!(error.to_string().contains("stopped after 0.3 s"), "{error}");
    assert!(
        elapsed < Duration::from_secs(3),
        "stopped after {elapsed:?}, the limit is 300 ms"
    );
}

#[test]
fn runaway_allocation_is_stopped_by_the_memory_limit() {
    // Grows one page at a time and ignores failures: only a trap can stop it (besides time).
    let error =
        call_error("(loop $more (drop (memory.grow (i32.const 1))) (br $more)) (i64.const 0)");
    assert!(
        matches!(error, PluginError::MemoryLimit { limit, .. } if limit == 16 << 20),
        "{error:?}"
    );
    assert!(error.to_string().contains("its limit is 16 MiB"), "{error}");
}

#[test]
fn a_module_declaring_too_much_memory_is_refused_at_instantiation() {
    let bytes = wat::parse_str(
        r#"(module (memory (export "memory") 1000)
             (func (export "stackplan_abi_version") (result i32) (i32.const 1)))"#,
    )
    .unwrap();
    let error = load(&bytes).err().expect("refused");
    assert!(
        matches!(error, PluginError::MemoryLimit { .. }),
        "{error:?}"
    );
}

#[test]
fn a_trap_is_reported_as_a_crash() {
    let error = call_error("unreachable");
    assert!(matches!(error, PluginError::Trap(_)), "{error:?}");
    assert!(error.to_string().contains("the plugin crashed"), "{error}");
    assert!(error.to_string().contains("unreachable"), "{error}");
}

#[test]
fn a_stack_overflow_is_reported() {
    let bytes = abi_module(
        1,
        "(call $deep (i64.const 0))",
        "(func $deep (param i64) (result i64) (call $deep (i64.add (local.get 0) (i64.const 1))))",
    );
    let error = load(&bytes).unwrap().call(b"{}").expect_err("overflows");
    assert!(error.to_string().contains("stack overflow"), "{error}");
}

#[test]
fn a_module_with_imports_is_refused_before_it_runs() {
    let bytes = abi_module(
        1,
        ECHO,
        r#"(import "wasi_snapshot_preview1" "random_get" (func (param i32 i32) (result i32)))
           (import "env" "clock" (func))"#,
    );
    let error = load(&bytes).err().expect("refused");
    assert!(
        matches!(error, PluginError::Imports(ref i) if i.len() == 2),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("`wasi_snapshot_preview1::random_get`")
            && message.contains("`env::clock`"),
        "{message}"
    );
    assert!(message.contains("must import nothing"), "{message}");
}

#[test]
fn a_wrong_abi_version_is_refused() {
    let error = load(&abi_module(2, ECHO, "")).err().expect("refused");
    assert!(matches!(error, PluginError::AbiVersion(2)), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("Plugin ABI v2, this host speaks v1"),
        "{error}"
    );
}

#[test]
fn missing_or_mistyped_exports_are_named() {
    let no_call = wat::parse_str(
        r#"(module (memory (export "memory") 1)
             (func (export "stackplan_abi_version") (result i32) (i32.const 1))
             (func (export "stackplan_alloc") (param i32) (result i32) (i32.const 0))
             (func (export "stackplan_dealloc") (param i32 i32)))"#,
    )
    .unwrap();
    let error = load(&no_call).err().expect("refused");
    assert_eq!(
        error.to_string(),
        "the plugin's export `stackplan_call` is missing"
    );

    let mistyped = wat::parse_str(
        r#"(module (memory (export "memory") 1)
             (func (export "stackplan_abi_version") (result i64) (i64.const 1)))"#,
    )
    .unwrap();
    let error = load(&mistyped).err().expect("refused");
    assert!(
        error
            .to_string()
            .starts_with("the plugin's export `stackplan_abi_version` has the wrong type"),
        "{error}"
    );
    assert!(matches!(load(b"not wasm"), Err(PluginError::Compile(_))));
}

#[test]
fn unusable_responses_are_refused() {
    // Points outside memory.
    let error = call_error("(i64.const 0x00FF000000000010)");
    assert!(
        error.to_string().contains("outside the plugin's memory"),
        "{error}"
    );
    // Not JSON: the request's first byte only, `{`.
    let error = call_error(
        "(i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32)) (i64.const 1))",
    );
    assert!(error.to_string().contains("not JSON"), "{error}");
    // Larger than the response limit.
    let plugin = Plugin::from_bytes(
        &abi_module(1, "(i64.const 0x0000000000100000)", ""),
        None,
        Limits {
            response_bytes: 1 << 10,
            ..TEST_LIMITS
        },
    )
    .unwrap();
    let error = plugin.call(b"{}").expect_err("too large");
    assert!(error.to_string().contains("the limit is"), "{error}");
}

#[test]
fn the_allocator_failing_is_reported() {
    let bytes = abi_module(1, ECHO, "");
    let plugin = Plugin::from_bytes(
        &bytes,
        None,
        Limits {
            memory_bytes: 1 << 20,
            ..TEST_LIMITS
        },
    )
    .unwrap();
    // 2 MiB do not fit in a 1 MiB memory: the guest's memory.grow is refused (a trap).
    let error = plugin.call(&vec![b' '; 2 << 20]).expect_err("too big");
    assert!(
        matches!(error, PluginError::MemoryLimit { .. }),
        "{error:?}"
    );
}

#[test]
fn compiled_modules_are_cached_by_module_and_engine() {
    let cache = tempdir("cache");
    let bytes = abi_module(1, ECHO, "");

    let started = Instant::now();
    let cold = Plugin::from_bytes(&bytes, Some(&cache), TEST_LIMITS).unwrap();
    let cold_time = started.elapsed();
    assert!(!cold.readiness().cached);
    let file = cold.readiness().cache_file.clone().expect("a cache file");
    assert!(file.is_file(), "{} written", file.display());
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("plugin-{}-", cold.sha256())),
        "{name}"
    );

    let started = Instant::now();
    let warm = Plugin::from_bytes(&bytes, Some(&cache), TEST_LIMITS).unwrap();
    let warm_time = started.elapsed();
    assert!(warm.readiness().cached, "the second load uses the cache");
    assert_eq!(warm.call(b"[1]").unwrap(), b"[1]");
    eprintln!(
        "echo module ({} bytes): cold compile + ready {cold_time:?}, cached ready {warm_time:?}",
        bytes.len()
    );
    assert!(
        warm_time < Duration::from_millis(50),
        "cached ready in {warm_time:?}"
    );

    // Another module never picks up this one's compiled code.
    let other =
        Plugin::from_bytes(&abi_module(1, "unreachable", ""), Some(&cache), TEST_LIMITS).unwrap();
    assert!(!other.readiness().cached);

    // A damaged cache file is not trusted: wasmtime refuses it and the module is recompiled.
    std::fs::write(&file, b"garbage").unwrap();
    let recompiled = Plugin::from_bytes(&bytes, Some(&cache), TEST_LIMITS).unwrap();
    assert!(!recompiled.readiness().cached);
    assert_eq!(recompiled.call(b"[2]").unwrap(), b"[2]");
    let _ = std::fs::remove_dir_all(&cache);
}

fn tempdir(what: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "stackplan-host-test-{what}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

//! The host with the real plugin module (`target/plugin/stackplan-plugin.wasm`, built by
//! `scripts/build-wasm`): it loads under the sandbox (no imports, ABI v1), answers the core's
//! API, never traps on bad requests, and a cached compiled module is ready fast.
//!
//! Without the module the test skips loudly; `STACKPLAN_REQUIRE_PLUGIN=1` (CI) makes that a
//! failure. `STACKPLAN_PLUGIN` points at another module.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use serde_json::Value;
use stackplan_host::plugin::{Plugin, SANDBOX};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn plugin_path() -> Option<PathBuf> {
    let path = match std::env::var_os("STACKPLAN_PLUGIN") {
        Some(p) => PathBuf::from(p),
        None => {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
            target.join("plugin/stackplan-plugin.wasm")
        }
    };
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("STACKPLAN_REQUIRE_PLUGIN").is_ok_and(|v| v == "1") {
        panic!(
            "the plugin module is required (STACKPLAN_REQUIRE_PLUGIN=1) but {} is missing: run \
             scripts/build-wasm",
            path.display()
        );
    }
    eprintln!(
        "\n==========\nSKIPPED: host with the real plugin: {} is missing (scripts/build-wasm \
         builds it)\n==========\n",
        path.display()
    );
    None
}

fn answer(plugin: &Plugin, request: &[u8]) -> Value {
    serde_json::from_slice(&plugin.call(request).expect("the plugin answers")).expect("JSON")
}

#[test]
fn the_real_plugin_runs_in_the_sandbox() {
    let Some(path) = plugin_path() else { return };
    let size = std::fs::metadata(&path).unwrap().len();
    let cache =
        std::env::temp_dir().join(format!("stackplan-host-real-plugin-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);

    let started = Instant::now();
    let cold = Plugin::load(&path, Some(&cache), SANDBOX).unwrap_or_else(|e| panic!("{e}"));
    let cold_time = started.elapsed();
    assert!(!cold.readiness().cached);
    let started = Instant::now();
    let plugin = Plugin::load(&path, Some(&cache), SANDBOX).unwrap_or_else(|e| panic!("{e}"));
    let warm_time = started.elapsed();
    assert!(
        plugin.readiness().cached,
        "the second load uses the compiled-module cache"
    );
    assert_eq!(
        plugin.sha256(),
        stackplan_host::plugin::sha256_hex(&std::fs::read(&path).unwrap())
    );

    let version = answer(&plugin, br#"{"api_version":1,"op":"version"}"#);
    assert_eq!(version["ok"], true, "{version}");
    assert_eq!(version["result"]["api_version"], 1, "{version}");
    assert_eq!(
        version["result"]["core_version"],
        env!("CARGO_PKG_VERSION"),
        "{version}"
    );

    // Bad requests are answered, not trapped on.
    for request in [
        &b""[..],
        b"{",
        b"\xff\xfe",
        br#"{"api_version":9,"op":"version"}"#,
        br#"{"api_version":1,"op":"nope"}"#,
    ] {
        let response = answer(&plugin, request);
        assert_eq!(response["ok"], false, "{response}");
        assert!(response["error"]["kind"].is_string(), "{response}");
    }

    let started = Instant::now();
    let calls = 200;
    for _ in 0..calls {
        answer(&plugin, br#"{"api_version":1,"op":"version"}"#);
    }
    let per_call = started.elapsed() / calls;
    eprintln!(
        "real plugin ({size} bytes, sha256 {}): cold compile + ready {cold_time:?}, cached \
         ready {warm_time:?} (in-process, this test's build profile), {per_call:?} per version \
         call (fresh instance each)",
        plugin.sha256()
    );
    if !cfg!(debug_assertions) {
        assert!(
            warm_time < Duration::from_millis(50),
            "cached ready in {warm_time:?}"
        );
    }

    // The same through the binary: `plugin --request FILE`.
    let request = cache.join("request.json");
    std::fs::write(&request, br#"{"api_version":1,"op":"version"}"#).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_stackplan-host"))
        .arg("--plugin")
        .arg(&path)
        .arg("--plugin-cache")
        .arg(&cache)
        .args(["plugin", "--request"])
        .arg(&request)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let response: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(response["result"]["api_version"], 1, "{response}");
    assert!(stderr.contains("(cached), call"), "{stderr}");
    let _ = std::fs::remove_dir_all(&cache);
}

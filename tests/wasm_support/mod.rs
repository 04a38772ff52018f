//! Shared by the WebAssembly tests (parity under Node, the playground in Chromium): where
//! `scripts/build-wasm` put its output, and skipping loudly when it or a tool is missing.

#![allow(dead_code)] // each test binary uses its own part

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The cargo target folder `scripts/build-wasm` wrote into (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        }
        None => workspace_root().join("target"),
    }
}

/// Whether the environment variable `var` asks for the test to run for real (CI).
pub fn required(var: &str) -> bool {
    std::env::var_os(var).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Skips loudly, or fails when `require_var` is set (CI sets it so a skip cannot hide).
pub fn skip_or_fail(what: &str, why: &str, require_var: &str) {
    if required(require_var) {
        panic!("{what} is required ({require_var} is set) but {why}");
    }
    eprintln!("\n==========\nSKIPPED: {what}: {why}\n==========\n");
}

/// Finds `program` on PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The artifacts of `scripts/build-wasm`, or why they are missing.
pub struct Built {
    pub playground: PathBuf,
    pub node_pkg_js: PathBuf,
    pub plugin: PathBuf,
}

pub fn built() -> Result<Built, String> {
    let target = target_dir();
    let built = Built {
        playground: target.join("playground"),
        node_pkg_js: target.join("wasm-node/stackplan_wasm.js"),
        plugin: target.join("plugin/stackplan-plugin.wasm"),
    };
    for path in [
        built.playground.join("index.html"),
        built.playground.join("pkg/stackplan_wasm_bg.wasm"),
        built.node_pkg_js.clone(),
        built.plugin.clone(),
    ] {
        if !path.is_file() {
            return Err(format!(
                "{} is missing (build it with scripts/build-wasm)",
                path.display()
            ));
        }
    }
    Ok(built)
}

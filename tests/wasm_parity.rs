//! Parity: every API request answered by the native core, by the wasm-bindgen module (Node,
//! `--target nodejs`) and by the plugin-ABI module (Node, instantiated with an empty import
//! object) must get byte-identical responses. Needs `scripts/build-wasm` and `node`; skips
//! loudly without them, fails instead when `STACKPLAN_REQUIRE_WASM` is set (CI).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

#[path = "wasm_support/mod.rs"]
mod wasm_support;

use serde_json::{Value, json};
use stackplan_core::api::handle_json;
use std::process::Command;
use wasm_support::{built, skip_or_fail, which, workspace_root};

const REQUIRE: &str = "STACKPLAN_REQUIRE_WASM";

/// A named request, as the bytes a front end would send.
struct Probe {
    name: String,
    request: Vec<u8>,
}

fn probe(name: impl Into<String>, request: impl Into<Vec<u8>>) -> Probe {
    Probe {
        name: name.into(),
        request: request.into(),
    }
}

/// Requests about the envelope itself: every operation, and the malformed ones.
fn envelope_probes() -> Vec<Probe> {
    vec![
        probe("version", br#"{"api_version":1,"op":"version"}"#.to_vec()),
        probe(
            "version, other key order",
            br#"{"op":"version","api_version":1}"#.to_vec(),
        ),
        probe(
            "unsupported version",
            br#"{"api_version":2,"op":"version"}"#.to_vec(),
        ),
        probe("unknown op", br#"{"api_version":1,"op":"nope"}"#.to_vec()),
        probe("empty", Vec::new()),
        probe("truncated JSON", b"{".to_vec()),
        probe("array", b"[]".to_vec()),
        probe("invalid UTF-8", b"\xff\xfe".to_vec()),
        probe("NUL bytes", b"\0\0\0".to_vec()),
        probe(
            "deep nesting",
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
        ),
        probe(
            "non-ASCII op",
            json!({"api_version": 1, "op": "vérsion ✓"}).to_string(),
        ),
    ]
}

fn frame(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&u32::try_from(bytes.len()).unwrap().to_le_bytes());
    out.extend_from_slice(bytes);
}

fn unframe(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    while bytes.len() >= 4 {
        let len = u32::from_le_bytes(bytes[..4].try_into().unwrap()) as usize;
        frames.push(bytes[4..4 + len].to_vec());
        bytes = &bytes[4 + len..];
    }
    frames
}

fn all_probes() -> Vec<Probe> {
    envelope_probes()
}

#[test]
fn native_bindgen_and_plugin_answer_byte_for_byte_alike() {
    let built = match built() {
        Ok(built) => built,
        Err(why) => return skip_or_fail("wasm parity", &why, REQUIRE),
    };
    if which("node").is_none() {
        return skip_or_fail("wasm parity", "node is not on PATH", REQUIRE);
    }
    let probes = all_probes();
    let scratch = std::env::temp_dir().join(format!("stackplan-parity-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let (requests_path, out_path) = (scratch.join("requests.bin"), scratch.join("out.bin"));
    let mut requests = Vec::new();
    for p in &probes {
        frame(&mut requests, &p.request);
    }
    std::fs::write(&requests_path, requests).unwrap();

    let run = Command::new("node")
        .arg(workspace_root().join("wasm/parity.mjs"))
        .args([&built.node_pkg_js, &built.plugin, &requests_path, &out_path])
        .output()
        .expect("node runs");
    assert!(
        run.status.success(),
        "node parity.mjs failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let frames = unframe(&std::fs::read(&out_path).unwrap());
    std::fs::remove_dir_all(&scratch).ok();
    assert_eq!(
        frames.len(),
        2 * probes.len() + 1,
        "one frame pair per request + report"
    );

    let mut mismatches = Vec::new();
    for (p, answers) in probes.iter().zip(frames.chunks(2)) {
        let native = handle_json(&p.request);
        for (face, answer) in [("wasm-bindgen", &answers[0]), ("plugin ABI", &answers[1])] {
            if *answer != native {
                mismatches.push(format!(
                    "{}: {face} differs\n  native: {}\n  wasm:   {}",
                    p.name,
                    String::from_utf8_lossy(&native),
                    String::from_utf8_lossy(answer)
                ));
            }
        }
    }
    eprintln!(
        "wasm parity: {} requests x 2 faces compared with the native core",
        probes.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {} responses differ (stale build? run scripts/build-wasm):\n{}",
        mismatches.len(),
        2 * probes.len(),
        mismatches.join("\n")
    );

    // The plugin module's own report, measured under Node.
    let report: Value = serde_json::from_slice(frames.last().unwrap()).unwrap();
    assert_eq!(
        report["imports"],
        json!([]),
        "the plugin module has no imports"
    );
    let mut exports: Vec<&str> = report["exports"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|e| e.starts_with("function:") || e.starts_with("memory:"))
        .collect();
    exports.sort_unstable();
    assert_eq!(
        exports,
        [
            "function:stackplan_abi_version",
            "function:stackplan_alloc",
            "function:stackplan_call",
            "function:stackplan_dealloc",
            "memory:memory"
        ]
    );
    assert_eq!(report["abi_version"], 1);
    assert_ne!(report["alloc_zero"], 0, "an empty buffer is not a failure");
    assert_eq!(report["alloc_negative"], 0);
    assert_eq!(
        report["alloc_two_huge_buffers_one_failed"], true,
        "allocation failure returns 0, not a trap"
    );
    assert_eq!(
        report["memory_grew_over_2000_calls"], false,
        "buffers are freed"
    );
    assert_eq!(
        report["empty_call_response"].as_str().unwrap().as_bytes(),
        handle_json(b""),
        "a null/empty request is answered, not trapped"
    );
    assert_eq!(
        report["bindgen_api_version"],
        stackplan_core::api::API_VERSION
    );
    assert_eq!(
        report["bindgen_string_face"].as_str().unwrap().as_bytes(),
        handle_json(br#"{"api_version":1,"op":"version"}"#)
    );
}

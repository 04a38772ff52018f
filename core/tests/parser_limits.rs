//! The parser's documented limits (README, "Limits"): nesting as deep as `yaml::Limits`
//! allows goes through the whole pipeline (load, `config` JSON and YAML, `lint`) on a small
//! stack, one level deeper is one short error; and the cost of huge interpolated values grows
//! linearly.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use stackplan_core::api::handle_json;
use stackplan_core::yaml;

/// The stack the deepest accepted document must fit in. Debug builds use several times the
/// stack of release ones per level, so this bounds what a release build (and the wasm module,
/// whose stack is 1 MiB) needs with a wide margin.
const STACK: usize = 4 * 1024 * 1024;

fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no stack overflow")
}

fn request(op: &str, compose: &str) -> Vec<u8> {
    let body = serde_json::json!({
        "api_version": 1,
        "op": op,
        "project": {"files": {"compose.yml": compose}},
    });
    serde_json::to_vec(&body).unwrap()
}

fn run(op: &str, compose: String) -> serde_json::Value {
    let request = request(op, &compose);
    on_small_stack(move || serde_json::from_slice(&handle_json(&request)).unwrap())
}

/// `x-a` nested `levels` deep (the whole document then is `levels + 1` deep), in flow and in
/// block style.
fn documents(levels: usize) -> [String; 3] {
    let head = "services:\n  a:\n    image: x\nx-a:";
    let flow_seq = format!("{head} {}{}\n", "[".repeat(levels), "]".repeat(levels));
    let flow_map = format!("{head} {}v{}\n", "{k: ".repeat(levels), "}".repeat(levels));
    let mut block = format!("{head}\n");
    for i in 1..levels {
        block.push_str(&" ".repeat(i));
        block.push_str("k:\n");
    }
    block.push_str(&" ".repeat(levels));
    block.push_str("- v\n");
    [flow_seq, flow_map, block]
}

#[test]
fn nesting_up_to_the_limit_is_accepted_and_one_more_level_is_one_short_error() {
    let max = yaml::Limits::default().max_depth;
    for doc in documents(max - 1) {
        for op in ["config", "lint"] {
            let out = run(op, doc.clone());
            assert_eq!(
                out["ok"],
                true,
                "{op} at the limit: {}",
                &out.to_string()[..300.min(out.to_string().len())]
            );
        }
    }
    for doc in documents(max) {
        let out = run("config", doc);
        assert_eq!(out["ok"], false);
        let message = out["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("nesting deeper than {max} levels")),
            "{message}"
        );
        assert!(message.len() < 200, "no value dump: {message}");
    }
}

fn nested_defaults(levels: usize) -> String {
    format!("{}x{}", "${V:-".repeat(levels), "}".repeat(levels))
}

#[test]
fn interpolation_nesting_up_to_the_limit_works_on_a_small_stack_and_past_it_is_one_short_error() {
    use stackplan_core::interpolate::{MAX_NESTING, interpolate};
    let (ok, too_deep) = on_small_stack(|| {
        let unset = |_: &str| None;
        (
            interpolate(&nested_defaults(MAX_NESTING), &unset).map(|i| i.value),
            interpolate(&nested_defaults(MAX_NESTING + 1), &unset).map(|i| i.value),
        )
    });
    assert_eq!(ok.as_deref(), Ok("x"));
    let message = too_deep.unwrap_err().message;
    assert_eq!(
        message,
        format!("interpolation nested deeper than {MAX_NESTING} levels is not supported")
    );
}

/// 200,000 `${X:-y}` in one value (no newline) took 79 s when every expression searched for
/// the end of its line; linear, it takes milliseconds (a debug build is given 10 s).
#[test]
fn many_expressions_in_one_value_cost_linear_time() {
    use stackplan_core::interpolate::interpolate;
    for value in [
        "${X:-y}".repeat(200_000),
        format!("{}{}", "${X:-y}".repeat(100_000), "z".repeat(100_000)),
    ] {
        let started = std::time::Instant::now();
        let out = interpolate(&value, &|_| None).unwrap();
        assert!(out.value.starts_with("yyy"));
        let took = started.elapsed();
        assert!(took.as_secs() < 10, "took {took:?}");
    }
}

/// 2,000 services sharing one 60-key `environment` anchor (88 KB; the oracle accepts it) are
/// sharing, not a bomb: 96 % of the expanded nodes come from aliases, under yaml.v3's 99 %.
#[test]
fn a_big_shared_anchor_is_accepted_and_a_bomb_is_refused_at_once() {
    let mut shared = String::from("x-env: &env\n");
    for i in 0..60 {
        shared.push_str(&format!("    K{i}: v{i}\n"));
    }
    shared.push_str("services:\n");
    for i in 0..2000 {
        shared.push_str(&format!("  s{i}:\n    image: x\n    environment: *env\n"));
    }
    let docs = yaml::parse(&shared, 0, &yaml::Limits::default()).expect("sharing is fine");
    let services = docs[0].get("services").and_then(|s| s.as_map()).unwrap();
    assert_eq!(services.len(), 2000);

    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{p}"); 10].join(", ")
        ));
    }
    let started = std::time::Instant::now();
    let err = yaml::parse(&bomb, 0, &yaml::Limits::default()).unwrap_err();
    assert!(err.message.contains("excessive aliasing"), "{err:?}");
    assert!(started.elapsed().as_secs() < 2);
}

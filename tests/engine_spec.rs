//! `stackplan engine-spec` against the real Engine: deploy fixtures with `docker stack
//! deploy`, read back what the Engine stored, and require what the command printed (run
//! in-process through `stackplan::run`, the shipped path) to equal it field for field (a
//! field-level diff is printed when it does not). Plans from the live Swarm are tested in
//! `tests/live_plan.rs`.
//!
//! Fixtures: the quotes example (`examples/quotes`, every release), the book's six-file
//! numbers stack and the lab (`../shared/examples/book-ch14`, skipped loudly without
//! `../shared`), and `tests/swarm/engine-spec/every-field` (every field convert handles).
//!
//! Without Docker the test prints a loud skip, unless `STACKPLAN_REQUIRE_DOCKER=1` (CI).
//! Images are never pulled (`--resolve-image never`): the stored spec does not depend on
//! whether a task can run. The every-field fixture runs the probe image built from
//! `tests/swarm/testapp`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use indexmap::IndexMap;
use serde_json::Value;
use stackplan_core::swarm::{ConfigSpec, SecretSpec, ServiceSpec, Stack, StackService};
use stackplan_tests::docker::{self, Engine, docker, must};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Everything this test creates is named `swarm-spec-…`.
const STACK_PREFIX: &str = "swarm-spec-";
const PROBE_IMAGE: &str = "swarm-spec-probe:latest";

struct Fixture {
    /// Stack name suffix.
    key: &'static str,
    dir: PathBuf,
    files: Vec<&'static str>,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixtures() -> Vec<Fixture> {
    let quotes = repo().join("examples/quotes");
    let base = [
        "compose.yml",
        "prod.yml",
        "prod-healthcheck.yml",
        "prod-update-config.yml",
        "prod-rollback-config.yml",
    ];
    let mut out = Vec::new();
    for (key, release) in [
        ("quotes-r1", "release-1.yml"),
        ("quotes-r2", "release-2.yml"),
        ("quotes-r3", "release-3-bad.yml"),
    ] {
        let mut files = base.to_vec();
        files.push(release);
        out.push(Fixture {
            key,
            dir: quotes.clone(),
            files,
        });
    }
    out.push(Fixture {
        key: "every-field",
        dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("swarm/engine-spec/every-field"),
        files: vec!["compose.yml"],
    });
    match stackplan_tests::shared_dir() {
        Some(shared) => {
            let book = shared.join("examples/book-ch14");
            out.push(Fixture {
                key: "numbers",
                dir: book.join("numbers"),
                files: vec![
                    "docker-compose.yml",
                    "prod.yml",
                    "prod-healthcheck.yml",
                    "prod-update-config.yml",
                    "prod-rollback-config.yml",
                    "v2.yml",
                ],
            });
            out.push(Fixture {
                key: "lab",
                dir: book.join("lab"),
                files: vec!["image-gallery.yml", "v2.yml"],
            });
        }
        None => stackplan_tests::skip("engine-spec parity on the book's numbers stack and lab"),
    }
    out
}

fn env_for(fixture: &Fixture) -> IndexMap<String, String> {
    let mut env = IndexMap::new();
    env.insert("PATH".to_owned(), "/usr/bin:/bin".to_owned());
    env.insert("SWARM_SPEC_IMAGE".to_owned(), PROBE_IMAGE.to_owned());
    let _ = fixture;
    env
}

/// What `stackplan engine-spec` prints for the fixture (the shipped path: argv → API →
/// convert → JSON), read back into the typed model.
fn engine_spec(fixture: &Fixture, files: &[String], stack: &str, engine: &Engine) -> Stack {
    let mut argv = vec!["stackplan".to_owned()];
    for f in files {
        argv.extend(["-f".to_owned(), f.clone()]);
    }
    let engine_version = engine.version.split('+').next().unwrap_or_default();
    argv.extend([
        "engine-spec".to_owned(),
        "--stack".to_owned(),
        stack.to_owned(),
        "--engine-version".to_owned(),
        engine_version
            .split('.')
            .take(2)
            .collect::<Vec<_>>()
            .join("."),
    ]);
    let run = stackplan::run_captured(
        argv.clone(),
        env_for(fixture),
        &fixture.dir.to_string_lossy(),
    );
    assert_eq!(run.status, 0, "{argv:?} failed: {}", run.stderr);
    let printed: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{argv:?} printed no JSON ({e}): {}", run.stdout));
    let specs = |kind: &str| -> Vec<Value> {
        printed[kind]
            .as_array()
            .unwrap_or_else(|| panic!("engine-spec has no {kind} array"))
            .iter()
            .map(|o| o["Spec"].clone())
            .collect()
    };
    let prefix = format!("{stack}_");
    Stack {
        name: stack.to_owned(),
        networks: serde_json::from_value(printed["networks"].clone()).expect("networks"),
        external_networks: Vec::new(),
        configs: specs("configs")
            .into_iter()
            .map(|v| serde_json::from_value::<ConfigSpec>(v).expect("config spec"))
            .collect(),
        secrets: specs("secrets")
            .into_iter()
            .map(|v| serde_json::from_value::<SecretSpec>(v).expect("secret spec"))
            .collect(),
        services: specs("services")
            .into_iter()
            .map(|v| {
                let spec: ServiceSpec = serde_json::from_value(v).expect("service spec");
                StackService {
                    key: spec
                        .name
                        .strip_prefix(&prefix)
                        .unwrap_or(&spec.name)
                        .to_owned(),
                    spec,
                }
            })
            .collect(),
        origins: BTreeMap::new(),
    }
}

fn deploy(fixture: &Fixture, files: &[String], stack: &str) {
    let mut args = vec![
        "stack".to_owned(),
        "deploy".to_owned(),
        "--resolve-image".to_owned(),
        "never".to_owned(),
    ];
    for f in files {
        args.push("-c".to_owned());
        args.push(f.clone());
    }
    args.push(stack.to_owned());
    let out = Command::new("docker")
        .args(&args)
        .current_dir(&fixture.dir)
        .env("SWARM_SPEC_IMAGE", PROBE_IMAGE)
        .stdin(Stdio::null())
        .output()
        .expect("run docker stack deploy");
    assert!(
        out.status.success(),
        "docker {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Removes a stack and waits until its services and networks are gone.
fn remove_stack(name: &str) {
    if let Err(e) = docker(&["stack", "rm", name]) {
        eprintln!("engine-spec: docker stack rm {name}: {e}");
        return;
    }
    let label = format!("label=com.docker.stack.namespace={name}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let services = docker(&["service", "ls", "-q", "--filter", &label]).unwrap_or_default();
        let containers = docker(&["ps", "-aq", "--filter", &label]).unwrap_or_default();
        let networks = docker(&["network", "ls", "-q", "--filter", &label]).unwrap_or_default();
        if services.trim().is_empty() && containers.trim().is_empty() && networks.trim().is_empty()
        {
            return;
        }
        if services.trim().is_empty() && !containers.trim().is_empty() {
            // Engine 20.10 leaves the containers of job services behind (`Created`) after
            // `stack rm`; they carry this stack's label, so they are ours to remove.
            for id in containers.split_whitespace() {
                let _ = docker(&["rm", "-f", id]);
            }
        }
        if services.trim().is_empty() && containers.trim().is_empty() {
            // A network still held by a task that was stopping: remove it again.
            for id in networks.split_whitespace() {
                let _ = docker(&["network", "rm", id]);
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    eprintln!("engine-spec: stack {name} still has objects after 60 s");
}

struct StackGuard(String);

impl Drop for StackGuard {
    fn drop(&mut self) {
        remove_stack(&self.0);
        // Configs and secrets of a removed stack are removed by `docker stack rm` too.
    }
}

/// Every differing leaf between `expected` (stackplan) and `actual` (the Engine).
/// With `cli_zero_fields`, a zero member only the other side has (`false`, `0`, `""`,
/// `null`) is no difference: `docker service inspect` re-encodes the Engine's answer with the
/// client's own, newer types, which add such members (`Privileges.NoNewPrivileges: false`).
fn differences(expected: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    diff_with(expected, actual, path, false, out);
}

fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

fn diff_with(
    expected: &Value,
    actual: &Value,
    path: &str,
    cli_zero_fields: bool,
    out: &mut Vec<String>,
) {
    let differences =
        |a: &Value, b: &Value, p: &str, o: &mut Vec<String>| diff_with(a, b, p, cli_zero_fields, o);
    match (expected, actual) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                match b.get(k) {
                    None if cli_zero_fields && is_zero(v) => {}
                    None => out.push(format!("{path}/{k}: stackplan {v}, Engine has none")),
                    Some(w) => differences(v, w, &format!("{path}/{k}"), out),
                }
            }
            for (k, w) in b {
                if cli_zero_fields && is_zero(w) {
                    continue;
                }
                if !a.contains_key(k) {
                    out.push(format!("{path}/{k}: stackplan has none, Engine {w}"));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(x, y, &format!("{path}/{i}"), out);
            }
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
        _ if expected == actual => {}
        _ => out.push(format!("{path}: stackplan {expected}, Engine {actual}")),
    }
}

/// ID → name of every network, config and secret.
fn names_by_id(api: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (kind, name_at) in [
        ("networks", "/Name"),
        ("configs", "/Spec/Name"),
        ("secrets", "/Spec/Name"),
    ] {
        let list = docker::engine_get(&format!("/v{api}/{kind}")).expect("list objects");
        for item in list.as_array().into_iter().flatten() {
            let id = item["Id"]
                .as_str()
                .or(item["ID"].as_str())
                .unwrap_or_default();
            let name = item
                .pointer(name_at)
                .and_then(Value::as_str)
                .unwrap_or_default();
            out.insert(id.to_owned(), name.to_owned());
        }
    }
    out
}

/// The stored spec with object IDs replaced by names (stackplan's convention).
fn ids_to_names(spec: &mut Value, names: &BTreeMap<String, String>) {
    let swap = |v: &mut Value| {
        if let Some(name) = v.as_str().and_then(|id| names.get(id)) {
            *v = Value::String(name.clone());
        }
    };
    if let Some(nets) = spec
        .pointer_mut("/TaskTemplate/Networks")
        .and_then(Value::as_array_mut)
    {
        for n in nets {
            swap(&mut n["Target"]);
        }
    }
    for (list, id) in [("Secrets", "SecretID"), ("Configs", "ConfigID")] {
        let pointer = format!("/TaskTemplate/ContainerSpec/{list}");
        if let Some(refs) = spec.pointer_mut(&pointer).and_then(Value::as_array_mut) {
            for r in refs {
                swap(&mut r[id]);
            }
        }
    }
}

/// Puts references to the same secret or config in one order on both sides. Measured here: two
/// references to one secret (different targets) came back from the Engine in either order across
/// runs of the same `docker stack deploy`, because the CLI orders references by name only. The
/// order among equal names carries no meaning, so the comparison must not depend on it.
fn order_refs_with_equal_names(spec: &mut Value) {
    for (list, name) in [("Secrets", "SecretName"), ("Configs", "ConfigName")] {
        let pointer = format!("/TaskTemplate/ContainerSpec/{list}");
        if let Some(refs) = spec.pointer_mut(&pointer).and_then(Value::as_array_mut) {
            let key = |r: &Value| {
                (
                    r[name].as_str().unwrap_or_default().to_string(),
                    r.pointer("/File/Name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                )
            };
            refs.sort_by_key(key);
        }
    }
}

/// Compares one deployed stack with its conversion; returns the differences.
fn compare(stack: &Stack, engine: &Engine, names: &BTreeMap<String, String>) -> Vec<String> {
    let api = &engine.api_version;
    let mut diffs = Vec::new();
    for service in &stack.services {
        let name = &service.spec.name;
        let mut ours = serde_json::to_value(&service.spec).unwrap();
        order_refs_with_equal_names(&mut ours);
        // Raw: what the Engine stores.
        match docker::engine_get(&format!("/v{api}/services/{name}")) {
            Ok(mut raw) => {
                let mut stored = raw["Spec"].take();
                ids_to_names(&mut stored, names);
                order_refs_with_equal_names(&mut stored);
                differences(
                    &ours,
                    &stored,
                    &format!("{name} (GET /services)"),
                    &mut diffs,
                );
            }
            Err(e) => diffs.push(format!("{name}: {e}")),
        }
        // `docker service inspect` shows the stored spec with swarmkit's defaults inserted.
        let inspected: Value =
            serde_json::from_str(&must(&["service", "inspect", name])).expect("inspect JSON");
        let mut stored = inspected[0]["Spec"].clone();
        ids_to_names(&mut stored, names);
        order_refs_with_equal_names(&mut stored);
        let mut with_defaults = serde_json::to_value(service.spec.with_swarm_defaults()).unwrap();
        order_refs_with_equal_names(&mut with_defaults);
        diff_with(
            &with_defaults,
            &stored,
            &format!("{name} (docker service inspect)"),
            true,
            &mut diffs,
        );
    }
    for network in &stack.networks {
        let inspected: Value = serde_json::from_str(&must(&["network", "inspect", &network.name]))
            .expect("network JSON");
        let got = &inspected[0];
        let ours = serde_json::to_value(network).unwrap();
        let path = format!("network {}", network.name);
        for field in [
            "Name",
            "Driver",
            "Labels",
            "Internal",
            "Attachable",
            "EnableIPv6",
        ] {
            let mine = ours.get(field).cloned().unwrap_or(match field {
                "Internal" | "Attachable" | "EnableIPv6" => Value::Bool(false),
                _ => Value::Null,
            });
            differences(&mine, &got[field], &format!("{path}/{field}"), &mut diffs);
        }
        if got["Scope"] != "swarm" {
            diffs.push(format!("{path}/Scope: Engine {}", got["Scope"]));
        }
        for (k, v) in &network.options {
            if got["Options"][k] != Value::String(v.clone()) {
                diffs.push(format!(
                    "{path}/Options/{k}: stackplan {v:?}, Engine {}",
                    got["Options"][k]
                ));
            }
        }
        if let Some(ipam) = &network.ipam {
            for (i, c) in ipam.config.iter().enumerate() {
                let subnet = &got["IPAM"]["Config"][i]["Subnet"];
                if subnet != &Value::String(c.subnet.clone()) {
                    diffs.push(format!(
                        "{path}/IPAM/Config/{i}/Subnet: stackplan {:?}, Engine {subnet}",
                        c.subnet
                    ));
                }
            }
        }
    }
    for config in &stack.configs {
        let inspected: Value =
            serde_json::from_str(&must(&["config", "inspect", &config.name])).expect("config JSON");
        differences(
            &serde_json::to_value(config).unwrap(),
            &inspected[0]["Spec"],
            &format!("config {}", config.name),
            &mut diffs,
        );
    }
    for secret in &stack.secrets {
        let inspected: Value =
            serde_json::from_str(&must(&["secret", "inspect", &secret.name])).expect("secret JSON");
        differences(
            &serde_json::to_value(secret).unwrap(),
            &inspected[0]["Spec"],
            &format!("secret {}", secret.name),
            &mut diffs,
        );
    }
    diffs
}

#[test]
fn engine_stores_what_convert_says() {
    let Ok(engine) = docker::require_docker("engine-spec parity (tests/engine_spec.rs)") else {
        return;
    };
    let _lock = docker::machine_lock();
    docker::ensure_swarm().unwrap_or_else(|e| panic!("cannot use a Swarm: {e}"));
    let leftovers = must(&["stack", "ls", "--format", "{{.Name}}"]);
    for name in leftovers.lines().filter(|n| n.starts_with(STACK_PREFIX)) {
        remove_stack(name);
    }
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("engine-spec");
    let image = docker::build_probe_image(PROBE_IMAGE, &work);
    eprintln!(
        "engine-spec: Engine {} (API {}), probe image {image}",
        engine.version, engine.api_version
    );

    let mut failures = Vec::new();
    let mut compared = 0;
    for fixture in fixtures() {
        // A per-run name: Engine 20.10 can leave a removed stack's network half-deleted
        // (listed, but "not found" to use or remove), which breaks a redeploy under the
        // same name (seen here with swarm-spec-every-field_default).
        let stack = format!(
            "{STACK_PREFIX}{}-{}",
            std::process::id() % 100_000,
            fixture.key
        );
        let files: Vec<String> = fixture.files.iter().map(|f| (*f).to_owned()).collect();
        let converted = engine_spec(&fixture, &files, &stack, &engine);
        let _guard = StackGuard(stack.clone());
        deploy(&fixture, &files, &stack);
        let names = names_by_id(&engine.api_version);
        let diffs = compare(&converted, &engine, &names);
        compared += converted.services.len();
        if diffs.is_empty() {
            eprintln!(
                "engine-spec: {stack}: {} services, {} networks, {} configs, {} secrets equal",
                converted.services.len(),
                converted.networks.len(),
                converted.configs.len(),
                converted.secrets.len()
            );
        } else {
            let report = format!("{stack}:\n    {}", diffs.join("\n    "));
            eprintln!("engine-spec: DIFFERENCES in {report}");
            failures.push(report);
        }
        drop(_guard);
    }
    assert!(compared > 0, "no service was compared");
    assert!(
        failures.is_empty(),
        "the Engine stored something else than swarm::convert said:\n{}",
        failures.join("\n")
    );
}

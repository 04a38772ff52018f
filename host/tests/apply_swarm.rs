//! `stackplan-host apply` on the machine's real Swarm.
//!
//! 1. Spec parity with `docker stack deploy`: the same files deployed once with
//!    `docker stack deploy` (stack `host-pd-<key>`) and once with `stackplan-host apply`
//!    (`host-pa-<key>`), one after the other (the quotes example publishes port 80 and names
//!    its backend network); the stored services, networks, configs and secrets must be equal
//!    once the stack name is replaced, with a field-level diff otherwise. Fixtures: the quotes
//!    example (every release), `tests/swarm/engine-spec/every-field`, and the book's numbers
//!    stack and lab from `../shared` when present.
//! 2. The quotes sequence on the probe app (`host/tests/fixtures/quotes`), every Engine call
//!    through the recording proxy: release 1 created; release 2 rolls `web` (one write,
//!    converged, exit 0); release 3-bad is rolled back by Swarm (exit 1, reported); release 2
//!    again makes zero write calls; a stale plan file is refused, saying what moved; SIGINT
//!    while following, then a re-run converges; `rollback`, `status`, `nodes`; `docker stack
//!    ls/ps/services/rm` on the applied stack.
//!
//! Without Docker: a loud skip, unless `STACKPLAN_REQUIRE_DOCKER=1` (then it fails). Needs the
//! plugin module (`scripts/build-wasm`); `STACKPLAN_REQUIRE_PLUGIN=1` or
//! `STACKPLAN_REQUIRE_DOCKER=1` fail without it. About 90 s (parity 25 s, releases 60 s).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use serde_json::Value;
use stackplan_host::proxy::RecordingProxy;
use stackplan_tests::docker::{self, docker, must};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PREFIX: &str = "host-";
const IMAGE: &str = "host-probe:apply";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn plugin() -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target"));
    let path = target.join("plugin/stackplan-plugin.wasm");
    if path.is_file() {
        return Some(path);
    }
    // CI requires the real-Swarm tests to run, and builds the plugin before them.
    let required = |var: &str| std::env::var(var).is_ok_and(|v| v == "1");
    if required("STACKPLAN_REQUIRE_PLUGIN") || required("STACKPLAN_REQUIRE_DOCKER") {
        panic!("{} is missing (run scripts/build-wasm)", path.display());
    }
    eprintln!(
        "\n==========\nSKIPPED: host apply tests: no plugin module at {}\n==========\n",
        path.display()
    );
    None
}

/// Runs `stackplan-host ARGS` in `dir` with `env`: (exit code, stdout + stderr, elapsed).
fn host(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> (i32, String, Duration) {
    let started = Instant::now();
    let mut command = Command::new(env!("CARGO_BIN_EXE_stackplan-host"));
    command
        .args(args)
        .current_dir(dir)
        .env("STACKPLAN_CACHE_DIR", cache_dir())
        .stdin(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text, started.elapsed())
}

fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("host-plugin-cache")
}

fn docker_env(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> String {
    let mut command = Command::new("docker");
    command.args(args).current_dir(dir).stdin(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "docker {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn remove_stack(name: &str) {
    let _ = docker(&["stack", "rm", name]);
    let label = format!("label=com.docker.stack.namespace={name}");
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        let services = docker(&["service", "ls", "-q", "--filter", &label]).unwrap_or_default();
        let containers = docker(&["ps", "-aq", "--filter", &label]).unwrap_or_default();
        let networks = docker(&["network", "ls", "-q", "--filter", &label]).unwrap_or_default();
        if services.trim().is_empty() && containers.trim().is_empty() && networks.trim().is_empty()
        {
            return;
        }
        if services.trim().is_empty() && !containers.trim().is_empty() {
            // Job tasks can leave containers in "Created" that nothing removes: they are
            // this stack's, remove them.
            for id in containers.split_whitespace() {
                let _ = docker(&["rm", "-f", id]);
            }
        }
        if services.trim().is_empty() && containers.trim().is_empty() {
            for id in networks.split_whitespace() {
                let _ = docker(&["network", "rm", id]);
            }
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    eprintln!("host apply: stack {name} still has objects after 90 s");
}

struct StackGuard(Vec<String>);

impl Drop for StackGuard {
    fn drop(&mut self) {
        for s in &self.0 {
            remove_stack(s);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Spec parity
// ---------------------------------------------------------------------------------------

struct Fixture {
    key: &'static str,
    dir: PathBuf,
    files: Vec<&'static str>,
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
        dir: repo().join("tests/swarm/engine-spec/every-field"),
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
        None => stackplan_tests::skip("host apply parity on the book's numbers stack and lab"),
    }
    out
}

/// What the Engine stores for a stack, object IDs replaced by names and the stack's name by
/// `STACK`, keyed by object.
fn snapshot(stack: &str, api: &str) -> BTreeMap<String, Value> {
    let filter = stackplan_host::swarm::percent_encode(
        &serde_json::json!({"label": [format!("com.docker.stack.namespace={stack}")]}).to_string(),
    );
    let mut names = BTreeMap::new();
    for (kind, name_at) in [
        ("networks", "/Name"),
        ("configs", "/Spec/Name"),
        ("secrets", "/Spec/Name"),
    ] {
        for item in docker::engine_get(&format!("/v{api}/{kind}"))
            .unwrap()
            .as_array()
            .unwrap()
        {
            let id = item["Id"]
                .as_str()
                .or(item["ID"].as_str())
                .unwrap()
                .to_owned();
            names.insert(
                id,
                item.pointer(name_at)
                    .and_then(Value::as_str)
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    let mut out = BTreeMap::new();
    let services = docker::engine_get(&format!("/v{api}/services?filters={filter}")).unwrap();
    for s in services.as_array().unwrap() {
        let mut spec = s["Spec"].clone();
        stackplan_host::apply::ids_to_names(&mut spec, &names);
        stackplan_host::apply::order_refs_with_equal_names(&mut spec);
        out.insert(format!("service {}", spec["Name"].as_str().unwrap()), spec);
    }
    let networks = docker::engine_get(&format!("/v{api}/networks?filters={filter}")).unwrap();
    for n in networks.as_array().unwrap() {
        let mut keep = serde_json::Map::new();
        for field in [
            "Name",
            "Driver",
            "Scope",
            "Internal",
            "Attachable",
            "Ingress",
            "EnableIPv6",
            "Options",
            "Labels",
        ] {
            keep.insert(field.into(), n[field].clone());
        }
        keep.insert(
            "IPAM.Config".into(),
            allocated_as_such(&n["IPAM"]["Config"]),
        );
        if let Some(o) = keep["Options"].as_object_mut() {
            // Allocated by Swarm for each network.
            o.remove("com.docker.network.driver.overlay.vxlanid_list");
        }
        keep.insert("IPAM.Driver".into(), n["IPAM"]["Driver"].clone());
        out.insert(
            format!("network {}", n["Name"].as_str().unwrap()),
            Value::Object(keep),
        );
    }
    for kind in ["configs", "secrets"] {
        let list = docker::engine_get(&format!("/v{api}/{kind}?filters={filter}")).unwrap();
        for o in list.as_array().unwrap() {
            out.insert(
                format!("{kind} {}", o["Spec"]["Name"].as_str().unwrap()),
                o["Spec"].clone(),
            );
        }
    }
    let text = serde_json::to_string(&out).unwrap().replace(stack, "STACK");
    serde_json::from_str(&text).unwrap()
}

/// Subnets Swarm allocates from its default pool (10.0.0.0/8 in /24s) differ between any two
/// deployments; one a file asks for is kept.
fn allocated_as_such(config: &Value) -> Value {
    let mut config = config.clone();
    for c in config.as_array_mut().into_iter().flatten() {
        let subnet = c["Subnet"].as_str().unwrap_or_default();
        if subnet.starts_with("10.0.") && subnet.ends_with(".0/24") {
            c["Subnet"] = Value::String("(allocated from the default pool)".into());
            c["Gateway"] = Value::String("(allocated)".into());
        }
    }
    config
}

fn diff(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    None => out.push(format!("{path}/{k}: docker {v}, stackplan-host none")),
                    Some(w) => diff(v, w, &format!("{path}/{k}"), out),
                }
            }
            for (k, w) in y {
                if !x.contains_key(k) {
                    out.push(format!("{path}/{k}: docker none, stackplan-host {w}"));
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                diff(v, w, &format!("{path}/{i}"), out);
            }
        }
        _ if a == b => {}
        _ => out.push(format!("{path}: docker {a}, stackplan-host {b}")),
    }
}

fn spec_parity(api: &str) {
    let mut failures = Vec::new();
    let mut compared = 0;
    for f in fixtures() {
        let env = [("SWARM_SPEC_IMAGE", IMAGE)];
        let (pd, pa) = (
            format!("{PREFIX}pd-{}", f.key),
            format!("{PREFIX}pa-{}", f.key),
        );
        let _guard = StackGuard(vec![pd.clone(), pa.clone()]);
        let mut args = vec!["stack", "deploy", "--resolve-image", "never"];
        for file in &f.files {
            args.extend(["-c", file]);
        }
        args.push(&pd);
        docker_env(&f.dir, &env, &args);
        let expected = snapshot(&pd, api);
        remove_stack(&pd);

        let mut args = vec!["apply", "--yes", "--detach", "--stack", &pa];
        for file in &f.files {
            args.extend(["-f", file]);
        }
        let (code, out, _) = host(&f.dir, &env, &args);
        assert_eq!(code, 0, "apply {}: {out}", f.key);
        let actual = snapshot(&pa, api);
        remove_stack(&pa);

        assert!(
            !expected.is_empty(),
            "{}: docker stack deploy stored nothing",
            f.key
        );
        let mut diffs = Vec::new();
        diff(
            &serde_json::to_value(&expected).unwrap(),
            &serde_json::to_value(&actual).unwrap(),
            f.key,
            &mut diffs,
        );
        compared += expected.len();
        if diffs.is_empty() {
            eprintln!(
                "host apply parity: {}: {} objects equal",
                f.key,
                expected.len()
            );
        } else {
            eprintln!(
                "host apply parity: DIFFERENCES in {}:\n  {}",
                f.key,
                diffs.join("\n  ")
            );
            failures.push(format!("{}:\n  {}", f.key, diffs.join("\n  ")));
        }
    }
    assert!(compared > 0);
    assert!(
        failures.is_empty(),
        "apply stored something else than docker stack deploy:\n{}",
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// The quotes sequence
// ---------------------------------------------------------------------------------------

fn writes(proxy: &RecordingProxy) -> Vec<String> {
    proxy
        .recording
        .writes()
        .iter()
        .map(|c| format!("{} {}", c.method, c.path))
        .collect()
}

fn update_state(service: &str) -> String {
    docker(&[
        "service",
        "inspect",
        "--format",
        "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}",
        service,
    ])
    .unwrap_or_default()
    .trim()
    .to_owned()
}

fn quotes_sequence() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/quotes");
    let stack = format!("{PREFIX}apply-{}", std::process::id());
    let _guard = StackGuard(vec![stack.clone()]);
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("host-apply-{stack}"));
    std::fs::create_dir_all(&work).unwrap();
    let proxy = RecordingProxy::start(&work.join("proxy.sock"), Path::new("/var/run/docker.sock"))
        .expect("start the recording proxy");
    let h = format!("unix://{}", proxy.socket.display());
    let release = |version: &str, healthy: &str, extra: &[&str]| {
        let mut args = vec![
            "-H",
            h.as_str(),
            "apply",
            "--yes",
            "-f",
            "compose.yml",
            "--stack",
            stack.as_str(),
            "--progress-timeout",
            "60",
        ];
        args.extend_from_slice(extra);
        host(
            &dir,
            &[
                ("HOST_E2E_IMAGE", IMAGE),
                ("WEB_VERSION", version),
                ("WEB_HEALTHY", healthy),
            ],
            &args,
        )
    };

    // Release 1: everything is created, in stack deploy's order.
    proxy.recording.clear();
    let (code, out, _) = release("1", "true", &[]);
    assert_eq!(code, 0, "{out}");
    let w = writes(&proxy);
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(
        w[0].starts_with("POST /v1.") && w[0].ends_with("/networks/create"),
        "{w:?}"
    );
    assert!(
        w[1].ends_with("/services/create") && w[2].ends_with("/services/create"),
        "{w:?}"
    );
    assert!(out.contains(&format!("{stack}_web converged")), "{out}");
    assert!(out.contains(&format!("{stack}_worker converged")), "{out}");

    // Release 2: one update, web only, with its version; converges.
    proxy.recording.clear();
    let (code, out, _) = release("2", "true", &[]);
    assert_eq!(code, 0, "{out}");
    let w = writes(&proxy);
    assert_eq!(w.len(), 1, "only web changes: {w:?}\n{out}");
    assert!(
        w[0].contains("/services/") && w[0].contains("/update?version="),
        "{w:?}"
    );
    assert!(out.contains("VERSION=1\" → \"VERSION=2"), "{out}");
    assert!(
        out.contains(&format!("{stack}_worker                unchanged"))
            || out.contains("unchanged: nothing is sent"),
        "{out}"
    );
    assert_eq!(update_state(&format!("{stack}_web")), "completed");

    // Release 3-bad: Swarm rolls it back; reported, exit 1.
    let (code, out, _) = release("3-bad", "false", &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("{stack}_web rolled back")), "{out}");
    // The plugin planned live → desired, so the update has a prediction, and Swarm's rollback
    // is the one the unhealthy scenario predicted.
    assert!(
        out.contains(&format!(
            "rollout of {stack}_web: healthy release completes at"
        )),
        "{out}"
    );
    assert!(
        out.contains("as predicted for an unhealthy release"),
        "{out}"
    );
    assert_eq!(update_state(&format!("{stack}_web")), "rollback_completed");

    // Release 2 again: what Swarm rolled back to is release 2, so nothing is sent.
    proxy.recording.clear();
    let (code, out, _) = release("2", "true", &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(writes(&proxy), Vec::<String>::new(), "{out}");
    assert!(
        !proxy.recording.calls().is_empty(),
        "the proxy saw the reads"
    );
    assert!(
        out.contains("Nothing to change: no write was sent"),
        "{out}"
    );

    // A plan file, then the live stack moves: refused, saying what moved.
    let plan = work.join("plan.json");
    let (code, out, _) = host(
        &dir,
        &[("HOST_E2E_IMAGE", IMAGE), ("WEB_VERSION", "4")],
        &[
            "-H",
            &h,
            "plan",
            "-f",
            "compose.yml",
            "--stack",
            &stack,
            "--out",
            plan.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}");
    must(&[
        "service",
        "update",
        "--detach",
        "--label-add",
        "host-test=moved",
        &format!("{stack}_worker"),
    ]);
    proxy.recording.clear();
    let (code, out, _) = host(
        &dir,
        &[("HOST_E2E_IMAGE", IMAGE), ("WEB_VERSION", "4")],
        &["-H", &h, "apply", "--plan", plan.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("stale")
            && out.contains(&format!("live service {stack}_worker moved from version")),
        "{out}"
    );
    assert_eq!(
        writes(&proxy),
        Vec::<String>::new(),
        "a stale plan sends nothing"
    );
    // A changed input is named too.
    let copy = work.join("files");
    std::fs::create_dir_all(&copy).unwrap();
    std::fs::copy(dir.join("compose.yml"), copy.join("compose.yml")).unwrap();
    let (code, out, _) = host(
        &copy,
        &[("HOST_E2E_IMAGE", IMAGE)],
        &[
            "-H",
            &h,
            "plan",
            "-f",
            "compose.yml",
            "--stack",
            &stack,
            "--out",
            plan.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}");
    let text = std::fs::read_to_string(copy.join("compose.yml")).unwrap();
    std::fs::write(
        copy.join("compose.yml"),
        text.replace("replicas: 1", "replicas: 2"),
    )
    .unwrap();
    let (code, out, _) = host(
        &copy,
        &[("HOST_E2E_IMAGE", IMAGE)],
        &["-H", &h, "apply", "--plan", plan.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("input compose.yml changed"), "{out}");

    // SIGINT while the rollout of release 4 is followed; a re-run converges.
    let mut child = Command::new(env!("CARGO_BIN_EXE_stackplan-host"))
        .args([
            "-H",
            &h,
            "apply",
            "--yes",
            "-f",
            "compose.yml",
            "--stack",
            &stack,
        ])
        .current_dir(&dir)
        .env("STACKPLAN_CACHE_DIR", cache_dir())
        .env("HOST_E2E_IMAGE", IMAGE)
        .env("WEB_VERSION", "4")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("updated service") {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    must_run("kill", &["-INT", &child.id().to_string()]);
    for line in lines {
        seen.push_str(&line.unwrap());
        seen.push('\n');
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2), "{seen}");
    assert!(seen.contains("Interrupted"), "{seen}");
    let (code, out, _) = release("4", "true", &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(update_state(&format!("{stack}_web")), "completed", "{out}");
    proxy.recording.clear();
    let (code, out, _) = release("4", "true", &[]);
    assert_eq!((code, writes(&proxy)), (0, vec![]), "{out}");

    // Release 5-bad changes both services; web fails, so the stack is rolled back: worker,
    // which this apply updated and which converged, goes back to its previous spec.
    let (code, out, _) = host(
        &dir,
        &[
            ("HOST_E2E_IMAGE", IMAGE),
            ("WEB_VERSION", "5-bad"),
            ("WEB_HEALTHY", "false"),
            ("WORKER_VERSION", "2"),
        ],
        &[
            "-H",
            &h,
            "apply",
            "--yes",
            "-f",
            "compose.yml",
            "--stack",
            &stack,
            "--rollback-stack-on-failure",
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("{stack}_web rolled back")), "{out}");
    assert!(out.contains(&format!("{stack}_worker converged")), "{out}");
    assert!(
        out.contains(&format!(
            "rolling back what this apply updated: {stack}_worker"
        )),
        "{out}"
    );
    let env = must(&[
        "service",
        "inspect",
        "--format",
        "{{json .Spec.TaskTemplate.ContainerSpec.Env}}",
        &format!("{stack}_worker"),
    ]);
    assert!(
        env.contains("VERSION=1") && !env.contains("VERSION=2"),
        "worker rolled back: {env}"
    );

    // rollback, status, nodes on the applied stack.
    let (code, out, _) = host(&dir, &[], &["-H", &h, "rollback", &stack]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("{stack}_web")), "{out}");
    let (code, out, _) = host(&dir, &[], &["-H", &h, "status", &stack, "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let status: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(status["services"].as_array().unwrap().len(), 2, "{out}");
    let (code, out, _) = host(&dir, &[], &["-H", &h, "nodes"]);
    assert_eq!(code, 0, "{out}");

    // docker stack works on it.
    let ls = must(&["stack", "ls", "--format", "{{.Name}} {{.Services}}"]);
    assert!(ls.lines().any(|l| l == format!("{stack} 2")), "{ls}");
    let services = must(&["stack", "services", &stack, "--format", "{{.Name}}"]);
    assert_eq!(services.lines().count(), 2, "{services}");
    let ps = must(&["stack", "ps", &stack, "--format", "{{.Name}}"]);
    assert!(ps.contains(&format!("{stack}_web.1")), "{ps}");
    must(&["stack", "rm", &stack]);
    remove_stack(&stack);
    let left = must(&[
        "service",
        "ls",
        "-q",
        "--filter",
        &format!("label=com.docker.stack.namespace={stack}"),
    ]);
    assert!(
        left.trim().is_empty(),
        "docker stack rm removed the applied stack: {left}"
    );
}

fn must_run(program: &str, args: &[&str]) {
    let status = Command::new(program).args(args).status().unwrap();
    assert!(status.success(), "{program} {args:?}");
}

/// Docker, the plugin, the Swarm lock, a Swarm, no leftovers, the probe image; `None`: skip.
fn setup(test: &str) -> Option<(docker::Engine, std::fs::File)> {
    let engine = docker::require_docker(test).ok()?;
    plugin()?;
    let lock = docker::machine_lock();
    docker::ensure_swarm().unwrap_or_else(|e| panic!("cannot use a Swarm: {e}"));
    let leftovers = must(&["stack", "ls", "--format", "{{.Name}}"]);
    for name in leftovers.lines().filter(|n| {
        n.starts_with("host-pd-") || n.starts_with("host-pa-") || n.starts_with("host-apply-")
    }) {
        remove_stack(name);
    }
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("host-apply");
    docker::build_probe_image(IMAGE, &work);
    Some((engine, lock))
}

#[test]
fn apply_stores_what_docker_stack_deploy_stores() {
    let Some((engine, _lock)) = setup("host apply spec parity (host/tests/apply_swarm.rs)") else {
        return;
    };
    let started = Instant::now();
    spec_parity(&engine.api_version);
    eprintln!("host apply: spec parity in {:.0?}", started.elapsed());
}

#[test]
fn apply_the_quotes_releases() {
    let Some((_engine, _lock)) = setup("host apply quotes sequence (host/tests/apply_swarm.rs)")
    else {
        return;
    };
    let started = Instant::now();
    quotes_sequence();
    eprintln!("host apply: quotes sequence in {:.0?}", started.elapsed());
}

#[test]
fn apply_explains_a_stalled_rollout() {
    let Some((_engine, _lock)) = setup("host apply stall (host/tests/apply_swarm.rs)") else {
        return;
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stall");
    let stack = format!("{PREFIX}apply-stall-{}", std::process::id());
    let _guard = StackGuard(vec![stack.clone()]);
    let port = (20_000 + std::process::id() % 10_000).to_string();
    let run = |version: &str, timeout: &str| {
        host(
            &dir,
            &[
                ("HOST_E2E_IMAGE", IMAGE),
                ("HOST_E2E_PORT", &port),
                ("WEB_VERSION", version),
            ],
            &[
                "apply",
                "--yes",
                "-f",
                "compose.yml",
                "--stack",
                &stack,
                "--progress-timeout",
                timeout,
            ],
        )
    };
    let (code, out, _) = run("1", "60");
    assert_eq!(code, 0, "{out}");
    let (code, out, elapsed) = run("2", "8");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("{stack}_web stalled")), "{out}");
    assert!(
        out.contains("host-mode port"),
        "the pending task's reason: {out}"
    );
    assert!(out.contains("stop-first"), "what to do: {out}");
    assert!(elapsed < Duration::from_secs(40), "{elapsed:?}");
}

/// No Docker needed: an endpoint nobody listens on is an error (exit 2) within 2 s.
#[test]
fn an_unreachable_endpoint_fails_fast() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/quotes");
    let (code, out, elapsed) = host(
        &dir,
        &[("HOST_E2E_IMAGE", "x")],
        &[
            "-H",
            "tcp://127.0.0.1:1",
            "apply",
            "--yes",
            "-f",
            "compose.yml",
            "--stack",
            "host-nowhere",
        ],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("cannot reach the Docker Engine"), "{out}");
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}: {out}");
}

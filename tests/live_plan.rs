//! `stackplan plan --from-live` against the real Swarm: deploy a stack with `docker stack
//! deploy`, read its services back with `docker service inspect`, and plan the same files
//! from that live state: every service must be **unchanged** (exit 0 with
//! `--detailed-exitcode`). After a change of one service's image, exactly that service rolls
//! (exit 2). Stacks: the quotes example (`examples/quotes`, release 1, then release 2 deployed
//! over it) and the book's numbers stack (`../shared/examples/book-ch14/numbers`, skipped
//! loudly without `../shared`, required with `STACKPLAN_REQUIRE_SHARED=1`).
//!
//! Without Docker the test prints a loud skip, unless `STACKPLAN_REQUIRE_DOCKER=1` (CI).
//! Images are never pulled (`--resolve-image never`; the stored spec does not depend on
//! whether a task can run). Because those tasks cannot start, one extra file
//! (`failure_action: continue`) keeps Swarm from rolling a deploy back while the test reads
//! it; it is part of the file set on both sides, like any other file.
//! Everything this test creates is named `live-…` and removed at the end.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use indexmap::IndexMap;
use serde_json::Value;
use stackplan_tests::docker::{self, docker, must};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const STACK_PREFIX: &str = "live-";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn work_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("live-plan");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An extra Compose file in the work folder (absolute path), for every service of a stack.
/// `docker stack deploy` wants one `version` across the files: `header` repeats it.
fn extra_file(name: &str, header: &str, services: &[&str], body: &str) -> String {
    let mut text = format!("{header}services:\n");
    for s in services {
        text.push_str(&format!("  {s}:\n{body}"));
    }
    let path = work_dir().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn no_rollback(header: &str, services: &[&str]) -> String {
    extra_file(
        &format!("no-rollback-{}.yml", services.join("-")),
        header,
        services,
        "    deploy:\n      update_config:\n        failure_action: continue\n",
    )
}

fn deploy(dir: &Path, files: &[String], stack: &str) {
    let mut args = vec!["stack", "deploy", "--resolve-image", "never"];
    for f in files {
        args.extend(["-c", f.as_str()]);
    }
    args.push(stack);
    let out = Command::new("docker")
        .args(&args)
        .current_dir(dir)
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

/// Removes a stack and waits until its services, containers and networks are gone.
fn remove_stack(name: &str) {
    if let Err(e) = docker(&["stack", "rm", name]) {
        eprintln!("live-plan: docker stack rm {name}: {e}");
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
        if services.trim().is_empty() && containers.trim().is_empty() {
            for id in networks.split_whitespace() {
                let _ = docker(&["network", "rm", id]);
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    eprintln!("live-plan: stack {name} still has objects after 60 s");
}

struct StackGuard(String);

impl Drop for StackGuard {
    fn drop(&mut self) {
        remove_stack(&self.0);
    }
}

/// `docker service inspect` of the stack's services, written to a file; returns its path.
fn inspect_to_file(stack: &str) -> String {
    let label = format!("label=com.docker.stack.namespace={stack}");
    let ids = must(&["service", "ls", "-q", "--filter", &label]);
    let mut args = vec!["service", "inspect"];
    args.extend(ids.split_whitespace());
    assert!(args.len() > 2, "stack {stack} has no services");
    let json = must(&args);
    let path = work_dir().join(format!("{stack}-inspect.json"));
    std::fs::write(&path, &json).unwrap();
    path.to_string_lossy().into_owned()
}

struct Outcome {
    status: u8,
    actions: Vec<(String, String)>,
    stderr: String,
    plan: Value,
}

/// `stackplan -f … plan --from-live FILE --format json --detailed-exitcode`, in-process.
fn plan_from_live(dir: &Path, files: &[String], live: &str) -> Outcome {
    let mut args: Vec<String> = Vec::new();
    for f in files {
        args.extend(["-f".to_owned(), f.clone()]);
    }
    args.extend(
        [
            "plan",
            "--from-live",
            live,
            "--format",
            "json",
            "--detailed-exitcode",
            "--engine-version",
            "20.10",
        ]
        .map(str::to_owned),
    );
    let mut env = IndexMap::new();
    env.insert("PATH".to_owned(), "/usr/bin:/bin".to_owned());
    let run = stackplan_tests::run_cli(&args, dir, env);
    let plan: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("plan {args:?}: no JSON ({e}): {}{}", run.stdout, run.stderr));
    let actions = plan["plan"]["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    Outcome {
        status: run.status,
        actions,
        stderr: run.stderr,
        plan,
    }
}

fn expect(outcome: &Outcome, what: &str, status: u8, actions: &[(&str, &str)]) {
    let got: Vec<(&str, &str)> = outcome
        .actions
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    if got != actions || outcome.status != status {
        let changes: Vec<String> = outcome.plan["plan"]["services"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| {
                let name = s["name"].as_str().unwrap_or_default().to_owned();
                s["spec_changes"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |c| format!("{name}: {} {} -> {}", c["path"], c["from"], c["to"]))
            })
            .collect();
        panic!(
            "{what}: exit {} (want {status}), actions {got:?} (want {actions:?})\nspec changes:\n  {}\nstderr: {}",
            outcome.status,
            changes.join("\n  "),
            outcome.stderr
        );
    }
    eprintln!("live-plan: {what}: exit {status}, {got:?}");
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn a_stack_deployed_from_the_same_files_plans_unchanged() {
    let Ok(engine) = docker::require_docker("plan --from-live (tests/live_plan.rs)") else {
        return;
    };
    let _lock = docker::machine_lock();
    docker::ensure_swarm().unwrap_or_else(|e| panic!("cannot use a Swarm: {e}"));
    eprintln!(
        "live-plan: Engine {} (API {})",
        engine.version, engine.api_version
    );
    let run = std::process::id() % 100_000;

    // The quotes example: release 1, then release 2 deployed over it.
    let quotes = repo().join("examples/quotes");
    let stack = format!("{STACK_PREFIX}quotes-{run}");
    let _guard = StackGuard(stack.clone());
    let mut base = strings(&[
        "compose.yml",
        "prod.yml",
        "prod-healthcheck.yml",
        "prod-update-config.yml",
        "prod-rollback-config.yml",
    ]);
    base.push(no_rollback("", &["quotes-api", "quotes-web"]));
    let release = |r: &str| {
        let mut files = base.clone();
        files.push(r.to_owned());
        files
    };
    let both = |action: &'static str| [("quotes-api", action), ("quotes-web", action)];

    deploy(&quotes, &release("release-1.yml"), &stack);
    let live1 = inspect_to_file(&stack);
    let first = plan_from_live(&quotes, &release("release-1.yml"), &live1);
    expect(
        &first,
        "quotes release 1 over live release 1",
        0,
        &both("unchanged"),
    );
    // `docker service inspect` names no network: the IDs were matched, and the plan says so.
    assert!(
        first.stderr.contains("live network IDs named") && first.stderr.contains("quotes-backend"),
        "{}",
        first.stderr
    );
    expect(
        &plan_from_live(&quotes, &release("release-2.yml"), &live1),
        "quotes release 2 over live release 1",
        2,
        &[
            ("quotes-api", "rolling-update"),
            ("quotes-web", "unchanged"),
        ],
    );

    deploy(&quotes, &release("release-2.yml"), &stack);
    let live2 = inspect_to_file(&stack);
    let same = plan_from_live(&quotes, &release("release-2.yml"), &live2);
    expect(
        &same,
        "quotes release 2 over live release 2",
        0,
        &both("unchanged"),
    );
    // The live PreviousSpec (release 1) is what a rollback would return to today.
    let api = &same.plan["plan"]["services"][0];
    assert!(
        api["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("quotes-api:1.0")),
        "no PreviousSpec warning for quotes-api: {api}"
    );
    let mut changed = release("release-2.yml");
    changed.push(extra_file(
        "web-image.yml",
        "",
        &["quotes-web"],
        "    image: stackplan-example/quotes-web:1.1\n",
    ));
    let one = plan_from_live(&quotes, &changed, &live2);
    expect(
        &one,
        "quotes with one image changed over live release 2",
        2,
        &[
            ("quotes-api", "unchanged"),
            ("quotes-web", "rolling-update"),
        ],
    );
    drop(_guard);

    // The book's numbers stack.
    match stackplan_tests::shared_dir() {
        Some(shared) => {
            let dir = shared.join("examples/book-ch14/numbers");
            let stack = format!("{STACK_PREFIX}numbers-{run}");
            let _guard = StackGuard(stack.clone());
            let mut files = strings(&[
                "docker-compose.yml",
                "prod.yml",
                "prod-healthcheck.yml",
                "prod-update-config.yml",
                "prod-rollback-config.yml",
                "v2.yml",
            ]);
            files.push(no_rollback(
                "version: \"3.7\"\n",
                &["numbers-api", "numbers-web"],
            ));
            deploy(&dir, &files, &stack);
            let live = inspect_to_file(&stack);
            let outcome = plan_from_live(&dir, &files, &live);
            assert!(!outcome.actions.is_empty(), "numbers: no service planned");
            let unchanged: Vec<(&str, &str)> = outcome
                .actions
                .iter()
                .map(|(name, _)| (name.as_str(), "unchanged"))
                .collect();
            expect(&outcome, "numbers v2 over live numbers v2", 0, &unchanged);
        }
        None => stackplan_tests::skip("plan --from-live on the book's numbers stack"),
    }
}

/// No Docker needed: a `--from-live` file that is not `docker service inspect` output is
/// invalid input (exit 1) placed at its line and column; several stacks need `--stack`.
#[test]
fn a_bad_live_file_is_invalid_input_with_its_place() {
    let quotes = repo().join("examples/quotes");
    let bad = work_dir().join("bad-inspect.json");
    std::fs::write(&bad, "[\n  {\"ID\": 7}\n]\n").unwrap();
    let args = strings(&["-f", "compose.yml", "plan", "--from-live"]);
    let mut with = args.clone();
    with.push(bad.to_string_lossy().into_owned());
    let run = stackplan_tests::run_cli(&with, &quotes, IndexMap::new());
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("bad-inspect.json:2:"),
        "no place in: {}",
        run.stderr
    );
    let two = work_dir().join("two-stacks.json");
    std::fs::write(
        &two,
        r#"[{"Spec": {"Name": "a_x", "Labels": {"com.docker.stack.namespace": "a"}}},
            {"Spec": {"Name": "b_x", "Labels": {"com.docker.stack.namespace": "b"}}}]"#,
    )
    .unwrap();
    let mut with = args;
    with.push(two.to_string_lossy().into_owned());
    let run = stackplan_tests::run_cli(&with, &quotes, IndexMap::new());
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("several stacks (a, b)"),
        "{}",
        run.stderr
    );
    with.extend(strings(&["--stack", "a", "--detailed-exitcode"]));
    let run = stackplan_tests::run_cli(&with, &quotes, IndexMap::new());
    // Stack a's one live service `x` is not in the files: it would be removed.
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(run.stdout.contains("x"), "{}", run.stdout);
}

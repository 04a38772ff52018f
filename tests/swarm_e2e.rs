//! Real-Swarm end-to-end tests of `stackplan plan`: deploy small stacks on the local Docker
//! Engine's single-node Swarm, record what Swarm really does during a rolling update, and
//! compare it with the planner's prediction for the same compose files
//! (`../shared/design/swarm-rollout-semantics.md` §8; the harness is described in §8.0 and in
//! `tests/swarm/README.md`).
//!
//! Without `docker`, or with an unreachable daemon, the test prints a loud skip and passes,
//! unless `STACKPLAN_REQUIRE_DOCKER=1` (CI), which makes it fail instead.
//! `STACKPLAN_SKIP_DOCKER=1` skips it on purpose (a developer machine with a daemon).
//!
//! One `#[test]` runs everything in order, so scenarios never overlap (timings would suffer):
//! build the `stackplan-probe` image (`FROM scratch`, static binary from `tests/swarm/testapp`),
//! calibrate the machine's latencies, then run each scenario:
//! 1. `docker stack deploy --resolve-image never` of `compose.yml` + `v1.yml` (image by ID, so
//!    Swarm never tries a registry, §4.1), wait until every replica is RUNNING;
//! 2. start `docker events` (service and container events, nanosecond times), deploy
//!    `compose.yml` + `v2.yml`, poll `UpdateStatus` and `docker service ps` every ~200 ms until
//!    the final state plus a tail;
//! 3. inspect every task; build the observed timeline (t = 0 is the `updatestate.new=updating`
//!    event), and compare with `stackplan plan --engine-version <server major> --format json`:
//!    same UpdateStatus states and messages (task IDs replaced by `<task>`), same number of tasks
//!    created, same min healthy and max containers, and times within [`TOLERANCE_MS`].
//!
//! Where the real Swarm is known to differ from the planner, the test asserts what Swarm does
//! and reports the planner comparison as an EXPECTED DIFFERENCE (see the `Scenario` table).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use indexmap::IndexMap;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Allowed |observed − predicted| for a status change, in ms.
///
/// §8.0 suggests about ±1 s. What the planner does not model and this budget covers, as
/// measured on a 2-CPU machine (Engine 20.10): the agent → manager → updater reaction to a
/// task becoming RUNNING (0.2–0.3 s per health gate, at most two gates on any path here);
/// container start latency `S_new` 0.5–0.9 s instead of the planner's 1.0 s; probe duration
/// 0.06 s instead of 0.1 s. Event times themselves are exact (daemon nanoseconds).
const TOLERANCE_MS: f64 = 1_000.0;

/// The planner's default `S_ready` (core/src/rollout/timing.rs, `Timing::default`); the CLI
/// has no flag to change it.
const PLANNER_START_READY_MS: f64 = 200.0;

/// The planner's default stop-order delay (`Timing::stop_order_delay_ms`): the agent's 1 s
/// retry before it stops a task the manager told to stop (moby/swarmkit `agent/task.go`),
/// found by this harness and now modelled.
const PLANNER_STOP_ORDER_DELAY_MS: f64 = 1_000.0;

/// The gossip sleep before `docker stop` of a networked task (moby/moby
/// `defaultGossipConvergeDelay`, §4.4); subtracted to get the stop-order latency.
const GOSSIP_DELAY_MS: f64 = 2_000.0;

/// Services of every fixture are called `probe`.
const SERVICE: &str = "probe";

/// Stacks of this harness are named `spe2e<pid>-<scenario>`; leftovers from a killed run are
/// removed at start.
const STACK_PREFIX: &str = "spe2e";

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

/// What lies on the critical path to a status change that the planner's timing model lacks:
///
/// * manager-ordered stops of STARTING/RUNNING tasks. §4.4 has the shutdown begin at once; in
///   fact the agent first cancels the task's outstanding `Wait`, `exec.Do` turns the
///   `context.Canceled` into `ErrTaskRetry`, and the task manager re-runs `Do` (which then calls
///   `Shutdown`) only after a fixed `time.AfterFunc(time.Second, …)` (moby/swarmkit @3e72cb64
///   `agent/task.go` `taskManager.run`, `agent/exec/controller.go` `Do`/`fatal`/`retry`). So
///   each such stop costs 1 s plus the manager → agent latency (measured ≈ 1.2 s in all);
///   stops the executor starts itself (unhealthy task, §4.2) and stops of prepared,
///   never-started tasks have no outstanding operation and are not delayed;
/// * starts of prepared tasks after a stop-first wait: the measured `S_ready` instead of the
///   planner's 200 ms.
#[derive(Clone, Copy)]
struct PathCost {
    stop_orders: u32,
    ready_starts: u32,
}

const NONE: PathCost = PathCost {
    stop_orders: 0,
    ready_starts: 0,
};
const STOP_FIRST_SLOT: PathCost = PathCost {
    stop_orders: 1,
    ready_starts: 1,
};

/// How the number of tasks created is compared. "Updater tasks" are the tasks the updater
/// created, one per slot it handed out (observed: the first new task of each slot); the others
/// are restart-supervisor replacements.
#[derive(Clone, Copy)]
enum TaskCount {
    /// Observed must equal predicted: all tasks, and the updater's.
    Exact,
    /// The updater's tasks must match; the total is informational, because crash-loop
    /// replacements follow the real (slower) cadence and the horizon cuts them differently.
    UpdaterOnly(&'static str),
    /// The total must lie in the range, observed and predicted; the updater's count is
    /// informational (Swarm races, §7).
    Between(u32, u32, &'static str),
}

struct Scenario {
    /// Short key, used in the stack name.
    key: &'static str,
    /// Fixture folder under `tests/swarm/compose/`.
    dir: &'static str,
    title: &'static str,
    /// `--scenario` for the planner: how the new version behaves.
    plan_scenario: &'static str,
    /// The UpdateStatus state that ends the update.
    final_state: &'static str,
    /// Keep observing this long after the final state; task counts, min healthy and max
    /// containers are compared up to final + tail in both timelines.
    tail_ms: i64,
    /// One entry per expected status change (see [`PathCost`]).
    paths: &'static [PathCost],
    tasks_created: TaskCount,
    /// How many more slots than the planner Swarm may hand out: a worker freed by a failing
    /// task and the failure itself race in the main loop's select (Go picks at random, §7;
    /// the planner evaluates the failure first and says so in a note). Each extra slot is one
    /// more new task (failing too, in these scenarios) and, under stop-first, one more old task
    /// stopped.
    extra_slots: u32,
    /// How many of the planner's failing new tasks Swarm may instead shut down: tasks started
    /// together fail tens to hundreds of ms apart, and when the rollback is written between
    /// the two failures the rollback updater stops the second task (desired shutdown, state
    /// shutdown) before it is FAILED. The planner fails both (issue 10 item 3; it names the
    /// race in the `failure_order_race` note); on a quiet machine S2 showed 1 failed in both
    /// attempts of a CI run, under load 2.
    failures_preempted: u32,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        key: "s1",
        dir: "s1-start-first",
        title: "S1-like: healthy start-first rolling update (4 replicas, parallelism 2, \
                failure_action rollback, monitor 8s, HC-A)",
        plan_scenario: "healthy",
        final_state: "completed",
        tail_ms: 1_000,
        paths: &[NONE, NONE],
        tasks_created: TaskCount::Exact,
        extra_slots: 0,
        failures_preempted: 0,
    },
    Scenario {
        key: "s2",
        dir: "s2-rollback",
        title: "S2-like: unhealthy release, start-first, failure_action rollback (4 replicas, \
                parallelism 2, HC-B with start_period 5s, the book's rollback_config)",
        plan_scenario: "unhealthy",
        final_state: "rollback_completed",
        tail_ms: 2_000,
        paths: &[NONE, NONE, NONE],
        tasks_created: TaskCount::Between(
            3,
            8,
            "2 new tasks always fail; the restart supervisor replaces the first failed task, \
             and the second only if its restart is handled before the rollback updater shuts \
             that slot's tasks (race); a worker may grab one more slot before the failure is \
             evaluated (race, §8 S2 variant); and when both freed workers win the main loop's \
             select, all 4 slots are handed out, the main loop waits for the workers without \
             reading failures (§3.3), and the rollback comes only after the second pair fails \
             (seen once in 4 runs: rollback_started 11 s late, 8 tasks)",
        ),
        extra_slots: 2,
        failures_preempted: 1,
    },
    Scenario {
        key: "s5",
        dir: "s5-defaults-pause",
        title: "S5: defaults (no update_config: parallelism 1, stop-first, pause, monitor 5s), \
                unhealthy release (3 replicas, HC-A)",
        plan_scenario: "unhealthy",
        final_state: "paused",
        tail_ms: 5_000,
        paths: &[NONE, STOP_FIRST_SLOT],
        tasks_created: TaskCount::Between(
            2,
            3,
            "N1 fails and its restart replaces it; N1's failure also frees the only worker, and \
             the main loop's select picks at random between reading the failure (pause) and \
             handing that worker slot 2 (one more new task, and one more old task stopped: \
             min healthy one lower); the planner evaluates the failure first and says so in a \
             note (§7). Seen on a loaded machine (a parallel CI build)",
        ),
        extra_slots: 1,
        failures_preempted: 0,
    },
    Scenario {
        key: "s7",
        dir: "s7-failure-ratio",
        title: "S7: max_failure_ratio 0.5, unhealthy release (4 replicas, parallelism 1, \
                stop-first, pause, monitor 5s, HC-A)",
        plan_scenario: "unhealthy",
        final_state: "paused",
        tail_ms: 2_000,
        paths: &[
            NONE,
            PathCost {
                stop_orders: 3,
                ready_starts: 3,
            },
        ],
        tasks_created: TaskCount::UpdaterOnly(
            "the paused slots crash-loop the new version every ~11.5 s; the slots themselves \
             come ~1.6 s later each on this machine, so the horizon cuts the loops elsewhere",
        ),
        // Seen once in four runs: the worker freed by N3's failure took slot 4 first.
        extra_slots: 1,
        failures_preempted: 0,
    },
    Scenario {
        key: "s6",
        dir: "s6-parallelism-0",
        title: "S6: parallelism 0, stop-first, healthy (4 replicas, HC-A): every slot at once",
        plan_scenario: "healthy",
        final_state: "completed",
        tail_ms: 1_000,
        paths: &[NONE, STOP_FIRST_SLOT],
        tasks_created: TaskCount::Exact,
        extra_slots: 0,
        failures_preempted: 0,
    },
];

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

#[test]
fn swarm_rollouts_match_the_planner() {
    let started = Instant::now();
    if std::env::var_os("STACKPLAN_SKIP_DOCKER").is_some() {
        loud_skip("STACKPLAN_SKIP_DOCKER is set");
        return;
    }
    let engine = match docker_engine() {
        Ok(e) => e,
        Err(why) => {
            if std::env::var("STACKPLAN_REQUIRE_DOCKER").is_ok_and(|v| v == "1") {
                panic!("Docker is required (STACKPLAN_REQUIRE_DOCKER=1) but {why}");
            }
            loud_skip(&why);
            return;
        }
    };
    // One harness run per machine at a time: a second run would share the Swarm and the CPU.
    let lock_path = std::env::temp_dir().join("stackplan-swarm-e2e.lock");
    let lock = std::fs::File::create(&lock_path).expect("create the lock file");
    lock.lock().expect("lock the Swarm e2e lock file");

    let swarm = SwarmGuard::join().unwrap_or_else(|e| panic!("cannot use a Swarm: {e}"));
    remove_leftover_stacks();
    let image = build_image();
    let major = engine.major;
    eprintln!(
        "swarm e2e: Engine {} (planner --engine-version {major}), image {image}",
        engine.version
    );

    let cal = calibrate(&image);
    eprintln!("{}", cal.describe());

    // STACKPLAN_SWARM_SCENARIOS=s1,s5 runs only those (while working on one).
    let only: Option<Vec<String>> = std::env::var("STACKPLAN_SWARM_SCENARIOS")
        .ok()
        .map(|v| v.split(',').map(|k| k.trim().to_owned()).collect());
    let mut failures = Vec::new();
    let mut expected = Vec::new();
    let mut retried = Vec::new();
    let mut ran = 0;
    for scenario in SCENARIOS {
        if only
            .as_ref()
            .is_some_and(|o| !o.iter().any(|k| k == scenario.key))
        {
            continue;
        }
        ran += 1;
        let mut outcome = run_scenario(scenario, &image, major, &cal, 1);
        eprintln!("{}", outcome.report);
        if !outcome.failures.is_empty() {
            // A real Swarm has races the planner can only name (§7); one more attempt tells a
            // rare interleaving from a wrong model. Both attempts are reported.
            eprintln!(
                "swarm e2e: {} failed on its first attempt; running it once more",
                scenario.key
            );
            retried.push(format!("{}: {}", scenario.key, outcome.failures.join("; ")));
            outcome = run_scenario(scenario, &image, major, &cal, 2);
            eprintln!("{}", outcome.report);
        }
        failures.extend(outcome.failures);
        expected.extend(outcome.expected_differences);
    }
    drop(swarm);
    let elapsed = started.elapsed().as_secs_f64();
    if !expected.is_empty() {
        eprintln!(
            "\n==========\nEXPECTED DIFFERENCES between the real Swarm and the planner \
             (asserted as Swarm behaves; see tests/swarm/README.md):\n- {}\n==========",
            expected.join("\n- ")
        );
    }
    if !retried.is_empty() {
        eprintln!(
            "\n==========\nRETRIED after a failed first attempt:\n- {}\n==========",
            retried.join("\n- ")
        );
    }
    eprintln!("swarm e2e: {ran} scenarios in {elapsed:.0} s");
    assert!(
        failures.is_empty(),
        "{} failure(s):\n- {}",
        failures.len(),
        failures.join("\n- ")
    );
}

fn loud_skip(why: &str) {
    eprintln!(
        "\n==========\nSKIPPED: real-Swarm e2e tests (tests/swarm_e2e.rs): {why}\n\
         Set STACKPLAN_REQUIRE_DOCKER=1 to make this a failure.\n==========\n"
    );
}

// ---------------------------------------------------------------------------------------------
// Docker plumbing
// ---------------------------------------------------------------------------------------------

/// Runs `docker ARGS` with extra environment; stdout on success, a message on failure.
fn docker_env(args: &[&str], env: &[(&str, &str)]) -> Result<String, String> {
    let mut cmd = Command::new("docker");
    cmd.args(args).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "docker {} failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn docker(args: &[&str]) -> Result<String, String> {
    docker_env(args, &[])
}

/// Like [`docker`], panicking with the message.
fn must(args: &[&str]) -> String {
    docker(args).unwrap_or_else(|e| panic!("{e}"))
}

struct Engine {
    version: String,
    major: u32,
}

/// The server's version, or why Docker cannot be used.
fn docker_engine() -> Result<Engine, String> {
    match Command::new("docker")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Err(e) => return Err(format!("the docker command is not available ({e})")),
        Ok(s) if !s.success() => return Err("`docker --version` failed".to_owned()),
        Ok(_) => {}
    }
    let version = docker(&["version", "--format", "{{.Server.Version}}"])
        .map_err(|e| format!("the Docker daemon is unreachable: {e}"))?
        .trim()
        .to_owned();
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .ok_or_else(|| format!("cannot read the Engine major version from {version:?}"))?;
    Ok(Engine { version, major })
}

/// The Swarm this harness uses; leaves it on drop only if it initialised it.
struct SwarmGuard {
    initialised: bool,
}

impl SwarmGuard {
    fn join() -> Result<SwarmGuard, String> {
        let state = docker(&["info", "--format", "{{.Swarm.LocalNodeState}}"])?;
        let initialised = match state.trim() {
            "active" => false,
            "inactive" => {
                if let Err(e) = docker(&["swarm", "init"]) {
                    // Several addresses: let the loopback carry the (single-node) Swarm.
                    eprintln!("swarm e2e: `docker swarm init` failed ({e}); retrying on 127.0.0.1");
                    docker(&["swarm", "init", "--advertise-addr", "127.0.0.1"])?;
                }
                eprintln!("swarm e2e: initialised a single-node Swarm (left again at the end)");
                true
            }
            other => return Err(format!("the node's Swarm state is {other:?}")),
        };
        let guard = SwarmGuard { initialised };
        let info = docker(&[
            "info",
            "--format",
            "{{.Swarm.ControlAvailable}} {{.Swarm.Nodes}}",
        ])?;
        let mut words = info.split_whitespace();
        if words.next() != Some("true") {
            return Err("this node is not a Swarm manager".to_owned());
        }
        if words.next() != Some("1") {
            return Err(format!(
                "the scenarios need a single-node Swarm (the image exists only here), got \
                 `{}` nodes",
                info.trim()
            ));
        }
        Ok(guard)
    }
}

impl Drop for SwarmGuard {
    fn drop(&mut self) {
        if self.initialised {
            match docker(&["swarm", "leave", "--force"]) {
                Ok(_) => eprintln!("swarm e2e: left the Swarm it had initialised"),
                Err(e) => eprintln!("swarm e2e: cannot leave the Swarm: {e}"),
            }
        }
    }
}

/// Removes a stack on drop (also when a scenario panics) and waits until it is gone.
struct StackGuard {
    name: String,
}

impl Drop for StackGuard {
    fn drop(&mut self) {
        remove_stack(&self.name);
    }
}

fn remove_stack(name: &str) {
    if let Err(e) = docker(&["stack", "rm", name]) {
        eprintln!("swarm e2e: docker stack rm {name}: {e}");
        return;
    }
    // Wait for its services, containers and network to go, so the next scenario starts on a
    // quiet machine (and the network name can be reused).
    let label = format!("label=com.docker.stack.namespace={name}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let containers = docker(&["ps", "-aq", "--filter", &label]).unwrap_or_default();
        let networks = docker(&["network", "ls", "-q", "--filter", &label]).unwrap_or_default();
        if containers.trim().is_empty() && networks.trim().is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    eprintln!("swarm e2e: stack {name} still has containers or networks after 60 s");
}

fn remove_leftover_stacks() {
    let stacks = docker(&["stack", "ls", "--format", "{{.Name}}"]).unwrap_or_default();
    for name in stacks.lines().filter(|n| n.starts_with(STACK_PREFIX)) {
        eprintln!("swarm e2e: removing leftover stack {name}");
        remove_stack(name);
    }
}

fn swarm_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("swarm")
}

fn compose_dir(dir: &str) -> PathBuf {
    swarm_dir().join("compose").join(dir)
}

/// Builds the `FROM scratch` image around the static test app; returns the image ID.
fn build_image() -> String {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("swarm-e2e");
    let context = stackplan_tests::probe::build_context(&work).unwrap_or_else(|e| panic!("{e}"));
    let context_str = context.to_string_lossy().into_owned();
    must(&["build", "-q", "-t", "stackplan-probe:e2e", &context_str]);
    must(&[
        "image",
        "inspect",
        "--format",
        "{{.Id}}",
        "stackplan-probe:e2e",
    ])
    .trim()
    .to_owned()
}

/// `docker events` running in the background, its lines collected.
struct EventStream {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl EventStream {
    /// Starts streaming service and container events from `since` (unix seconds, inclusive,
    /// so nothing between this call and the daemon accepting the stream is lost).
    fn start(since: f64) -> EventStream {
        let mut child = Command::new("docker")
            .args([
                "events",
                "--since",
                &format!("{since:.3}"),
                "--filter",
                "type=service",
                "--filter",
                "type=container",
                "--format",
                "{{json .}}",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker events");
        let stdout = child.stdout.take().expect("docker events stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        EventStream {
            child,
            lines,
            reader: Some(reader),
        }
    }

    fn snapshot(&self) -> Vec<Event> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| Event::parse(l))
            .collect()
    }

    fn stop(mut self) -> Vec<Event> {
        // Let the daemon flush what happened up to now.
        std::thread::sleep(Duration::from_millis(300));
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        self.snapshot()
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One `docker events` record.
#[derive(Clone, Debug)]
struct Event {
    kind: String,
    action: String,
    /// Daemon time, unix nanoseconds.
    at_ns: i64,
    attrs: BTreeMap<String, String>,
}

impl Event {
    fn parse(line: &str) -> Option<Event> {
        let v: Value = serde_json::from_str(line).ok()?;
        let attrs = v["Actor"]["Attributes"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Some(Event {
            kind: v["Type"].as_str()?.to_owned(),
            action: v["Action"].as_str()?.to_owned(),
            at_ns: v["timeNano"].as_i64()?,
            attrs,
        })
    }

    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.get(key).map(String::as_str)
    }

    /// The new UpdateStatus state of `service`, for a service update event.
    fn update_state(&self, service: &str) -> Option<&str> {
        (self.kind == "service" && self.attr("name") == Some(service))
            .then(|| self.attr("updatestate.new"))
            .flatten()
    }

    /// The swarm task of a container event of `service`.
    fn task_of(&self, service: &str) -> Option<&str> {
        (self.kind == "container" && self.attr("com.docker.swarm.service.name") == Some(service))
            .then(|| self.attr("com.docker.swarm.task.id"))
            .flatten()
    }
}

/// One task as `docker inspect` shows it at the end.
#[derive(Clone, Debug)]
struct TaskInfo {
    id: String,
    slot: u64,
    created_ns: i64,
    desired: String,
    state: String,
    err: String,
    version: String,
}

fn inspect_tasks(ids: &BTreeSet<String>) -> Vec<TaskInfo> {
    if ids.is_empty() {
        return Vec::new();
    }
    let mut args = vec!["inspect", "--type", "task"];
    args.extend(ids.iter().map(String::as_str));
    // Tasks pruned by the task reaper (history limit 5 per slot) make inspect fail: retry one
    // by one then.
    let text = match docker(&args) {
        Ok(t) => t,
        Err(_) => {
            let mut all = Vec::new();
            for id in ids {
                if let Ok(t) = docker(&["inspect", "--type", "task", id])
                    && let Ok(Value::Array(items)) = serde_json::from_str::<Value>(&t)
                {
                    all.extend(items);
                }
            }
            serde_json::to_string(&all).unwrap()
        }
    };
    let items: Vec<Value> = serde_json::from_str(&text).unwrap_or_default();
    items
        .iter()
        .map(|t| {
            let env = t["Spec"]["ContainerSpec"]["Env"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let version = env
                .iter()
                .filter_map(Value::as_str)
                .find_map(|e| e.strip_prefix("VERSION="))
                .unwrap_or("?")
                .to_owned();
            TaskInfo {
                id: t["ID"].as_str().unwrap_or_default().to_owned(),
                slot: t["Slot"].as_u64().unwrap_or(0),
                created_ns: parse_time_ns(t["CreatedAt"].as_str().unwrap_or_default()).unwrap_or(0),
                desired: t["DesiredState"].as_str().unwrap_or_default().to_owned(),
                state: t["Status"]["State"].as_str().unwrap_or_default().to_owned(),
                err: t["Status"]["Err"].as_str().unwrap_or_default().to_owned(),
                version,
            }
        })
        .collect()
}

fn service_task_ids(service: &str) -> BTreeSet<String> {
    docker(&["service", "ps", "-q", "--no-trunc", service])
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// `2026-11-25T16:20:00.751292675Z` (Docker prints UTC) to unix nanoseconds.
fn parse_time_ns(text: &str) -> Option<i64> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut t = hms.split(':').map(|p| p.parse::<i64>());
    let (hh, mm, ss) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    let nanos: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").get(..9)?.parse().ok()?
    };
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + hh * 3_600 + mm * 60 + ss) * 1_000_000_000) + nanos)
}

fn now_ns() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    )
    .unwrap_or(i64::MAX)
}

fn deploy(stack: &str, dir: &str, files: &[&str], image: &str, extra_env: &[(&str, &str)]) {
    let mut args = vec!["stack", "deploy", "--resolve-image", "never"];
    for f in files {
        args.push("-c");
        args.push(f);
    }
    args.push(stack);
    let mut cmd = Command::new("docker");
    cmd.args(&args)
        .current_dir(compose_dir(dir))
        .env("STACKPLAN_E2E_IMAGE", image)
        .stdin(Stdio::null());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run docker stack deploy");
    assert!(
        out.status.success(),
        "docker {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Waits until `replicas` tasks of `service` are RUNNING with desired RUNNING (healthy, when a
/// healthcheck is set: a task is RUNNING only after a passed probe, §4.2).
fn wait_running(service: &str, replicas: usize, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        let healthy = healthy_count(service);
        if healthy == Some(replicas) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{service}: {healthy:?} of {replicas} replicas running after {timeout:?}:\n{}",
            docker(&["service", "ps", "--no-trunc", service]).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Tasks of `service` observed RUNNING with desired RUNNING (those in the load balancer).
fn healthy_count(service: &str) -> Option<usize> {
    let out = docker(&[
        "service",
        "ps",
        "--format",
        "{{.DesiredState}}|{{.CurrentState}}",
        service,
    ])
    .ok()?;
    Some(
        out.lines()
            .filter(|l| {
                l.split_once('|')
                    .is_some_and(|(d, c)| d == "Running" && c.starts_with("Running"))
            })
            .count(),
    )
}

fn update_status(service: &str) -> Option<(String, String)> {
    let out = docker(&[
        "service",
        "inspect",
        "--format",
        "{{json .UpdateStatus}}",
        service,
    ])
    .ok()?;
    let v: Value = serde_json::from_str(out.trim()).ok()?;
    Some((
        v["State"].as_str()?.to_owned(),
        v["Message"].as_str().unwrap_or_default().to_owned(),
    ))
}

/// Waits for `state` to appear as an `updatestate.new` event of `service` at or after `since`
/// (unix ns).
fn wait_state(events: &EventStream, service: &str, state: &str, since: i64, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if events
            .snapshot()
            .iter()
            .any(|e| e.at_ns >= since && e.update_state(service) == Some(state))
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!(
        "{service}: UpdateStatus never became {state} within {timeout:?}; now {:?}",
        update_status(service)
    );
}

// ---------------------------------------------------------------------------------------------
// Calibration (§8.0)
// ---------------------------------------------------------------------------------------------

/// This machine's latencies, medians of the samples (ms).
struct Calibration {
    /// `S_new`: task created with desired RUNNING → container start.
    s_new: f64,
    /// Manager-ordered stop of a RUNNING networked task → SIGTERM, minus the 2 s gossip sleep.
    stop_latency: f64,
    /// `E`: SIGTERM → exit of the test app.
    exit: f64,
    /// `S_ready`: old container exit → start of the prepared stop-first replacement.
    s_ready: f64,
    samples: BTreeMap<&'static str, Vec<f64>>,
}

impl Calibration {
    fn describe(&self) -> String {
        let mut s =
            String::from("\nCalibration (1 service, 2 replicas, no healthcheck; medians, ms):\n");
        for (name, value) in [
            ("S_new (created -> container start)", self.s_new),
            (
                "stop-order latency (stop order -> SIGTERM, minus G 2000)",
                self.stop_latency,
            ),
            ("E (SIGTERM -> exit)", self.exit),
            ("S_ready (old exit -> prepared new start)", self.s_ready),
        ] {
            let _ = writeln!(s, "  {name:<58} {value:>7.0}");
        }
        for (name, values) in &self.samples {
            let v: Vec<String> = values.iter().map(|x| format!("{x:.0}")).collect();
            let _ = writeln!(s, "  samples {name:<12} {}", v.join(", "));
        }
        let _ = write!(
            s,
            "  planner defaults: S_new 1000, S_ready 200, stop-order delay 1000, G 2000, \
             E 100, p 100 (predictions use the defaults, as a user would get them)"
        );
        s
    }
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn calibrate(image: &str) -> Calibration {
    let stack = format!("{STACK_PREFIX}{}-cal", std::process::id());
    let service = format!("{stack}_{SERVICE}");
    let _guard = StackGuard {
        name: stack.clone(),
    };
    let run = |version: &str, order: &str| {
        deploy(
            &stack,
            "calibrate",
            &["compose.yml"],
            image,
            &[("CAL_VERSION", version), ("CAL_ORDER", order)],
        );
    };
    run("1", "stop-first");
    wait_running(&service, 2, Duration::from_secs(60));
    std::thread::sleep(Duration::from_secs(1));

    let since = now_ns() as f64 / 1e9 - 1.0;
    let events = EventStream::start(since);
    // Start-first update: S_new, and the stop latency of the old task after its replacement
    // became RUNNING.
    let before = now_ns();
    run("2", "start-first");
    wait_state(
        &events,
        &service,
        "completed",
        before,
        Duration::from_secs(60),
    );
    std::thread::sleep(Duration::from_secs(4)); // the old tasks stop ~3 s after the new RUNNING
    // Stop-first update: stop latency, E, S_ready.
    let before = now_ns();
    run("3", "stop-first");
    wait_state(
        &events,
        &service,
        "completed",
        before,
        Duration::from_secs(90),
    );
    let events = events.stop();
    let tasks = inspect_tasks(&service_task_ids(&service));

    let container = |task: &str, action: &str| {
        events
            .iter()
            .find(|e| e.task_of(&service) == Some(task) && e.action == action)
            .map(|e| e.at_ns)
    };
    let of_version =
        |v: &str| -> Vec<&TaskInfo> { tasks.iter().filter(|t| t.version == v).collect() };
    let ms = |ns: i64| ns as f64 / 1e6;
    let mut samples: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
    for new in of_version("2") {
        if let Some(start) = container(&new.id, "start") {
            samples
                .entry("S_new")
                .or_default()
                .push(ms(start - new.created_ns));
        }
        // The v2 task is SHUTDOWN now; its RUNNING time is lost, so use its container start
        // (no healthcheck: RUNNING right after start) as the start-first stop order.
        let old = of_version("1").into_iter().find(|t| t.slot == new.slot);
        if let (Some(old), Some(start)) = (old, container(&new.id, "start"))
            && let Some(kill) = container(&old.id, "kill")
        {
            samples
                .entry("stop latency")
                .or_default()
                .push(ms(kill - start) - GOSSIP_DELAY_MS);
        }
    }
    for new in of_version("3") {
        let Some(old) = of_version("2").into_iter().find(|t| t.slot == new.slot) else {
            continue;
        };
        // Stop-first: the new task is created in the same store batch that orders the stop.
        if let (Some(kill), Some(die)) = (container(&old.id, "kill"), container(&old.id, "die")) {
            samples
                .entry("stop latency")
                .or_default()
                .push(ms(kill - new.created_ns) - GOSSIP_DELAY_MS);
            samples.entry("E").or_default().push(ms(die - kill));
            if let Some(start) = container(&new.id, "start") {
                samples.entry("S_ready").or_default().push(ms(start - die));
            }
        }
    }
    let get = |k: &str| median(samples.get(k).map(Vec::as_slice).unwrap_or(&[]));
    let cal = Calibration {
        s_new: get("S_new"),
        stop_latency: get("stop latency"),
        exit: get("E"),
        s_ready: get("S_ready"),
        samples,
    };
    assert!(
        cal.s_new.is_finite()
            && cal.stop_latency.is_finite()
            && cal.exit.is_finite()
            && cal.s_ready.is_finite(),
        "calibration incomplete:{}",
        cal.describe()
    );
    cal
}

// ---------------------------------------------------------------------------------------------
// One scenario
// ---------------------------------------------------------------------------------------------

struct Outcome {
    report: String,
    failures: Vec<String>,
    expected_differences: Vec<String>,
}

/// One UpdateStatus transition.
#[derive(Clone, Debug)]
struct StatusChange {
    at_ms: f64,
    state: String,
    message: String,
}

/// What one timeline (observed or predicted) says, up to the comparison horizon.
#[derive(Debug)]
struct Summary {
    changes: Vec<StatusChange>,
    tasks_created: u32,
    updater_tasks: u32,
    /// Updater tasks that ended FAILED.
    failed_updater_tasks: u32,
    min_healthy: u64,
    max_containers: u64,
}

fn run_scenario(
    sc: &Scenario,
    image: &str,
    major: u32,
    cal: &Calibration,
    attempt: u32,
) -> Outcome {
    let stack = format!("{STACK_PREFIX}{}-{}-{attempt}", std::process::id(), sc.key);
    let service = format!("{stack}_{SERVICE}");
    let mut report = format!("\n=== {} ({})\n", sc.title, sc.dir);
    let mut failures = Vec::new();
    let mut expected_differences = Vec::new();
    let mut fail = |msg: String| failures.push(format!("{}: {msg}", sc.key));

    // The prediction, exactly as a user would ask for it.
    let predicted = plan(sc, image, major);

    let guard = StackGuard {
        name: stack.clone(),
    };
    deploy(&stack, sc.dir, &["compose.yml", "v1.yml"], image, &[]);
    let replicas = predicted.target_replicas;
    wait_running(&service, replicas, Duration::from_secs(90));
    std::thread::sleep(Duration::from_millis(500));
    let containers_before = docker(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=com.docker.swarm.service.name={service}"),
    ])
    .unwrap_or_default()
    .lines()
    .count();

    let deploy_ns = now_ns();
    let events = EventStream::start(deploy_ns as f64 / 1e9 - 1.0);
    deploy(&stack, sc.dir, &["compose.yml", "v2.yml"], image, &[]);

    // Poll UpdateStatus and the task list every ~200 ms.
    let mut messages: Vec<(String, String)> = Vec::new(); // (state, message), in order seen
    let mut healthy_polls: Vec<(i64, usize)> = Vec::new();
    let mut task_ids = BTreeSet::new();
    let mut final_seen_ns: Option<i64> = None;
    let timeout = Duration::from_secs(150);
    let polling_started = Instant::now();
    loop {
        let tick = Instant::now();
        let t = now_ns();
        if let Some((state, message)) = update_status(&service)
            && messages
                .last()
                .is_none_or(|(s, m)| *s != state || *m != message)
        {
            messages.push((state, message));
        }
        if let Some(h) = healthy_count(&service) {
            healthy_polls.push((t, h));
        }
        task_ids.extend(service_task_ids(&service));
        let final_event = events
            .snapshot()
            .iter()
            .find(|e| e.update_state(&service) == Some(sc.final_state))
            .map(|e| e.at_ns);
        if final_seen_ns.is_none() {
            final_seen_ns = final_event;
        }
        if let Some(f) = final_seen_ns
            && now_ns() > f + sc.tail_ms * 1_000_000
        {
            break;
        }
        if polling_started.elapsed() > timeout {
            break;
        }
        std::thread::sleep(Duration::from_millis(200).saturating_sub(tick.elapsed()));
    }
    let events = events.stop();
    task_ids.extend(service_task_ids(&service));
    let tasks = inspect_tasks(&task_ids);
    drop(guard);

    // t = 0: the `updating` event.
    let Some(t0) = events
        .iter()
        .find(|e| e.update_state(&service) == Some("updating"))
        .map(|e| e.at_ns)
    else {
        fail(format!(
            "no `updating` event was seen; UpdateStatus polls: {messages:?}"
        ));
        return Outcome {
            report,
            failures,
            expected_differences,
        };
    };
    let rel = |ns: i64| (ns - t0) as f64 / 1e6;

    // Observed status changes: times from events, messages from the polls.
    let mut changes = Vec::new();
    for e in events.iter().filter(|e| e.at_ns >= t0) {
        if let Some(state) = e.update_state(&service) {
            let message = messages.iter().find(|(s, _)| s == state).map_or_else(
                || "(message not seen by polling)".to_owned(),
                |(_, m)| m.clone(),
            );
            changes.push(StatusChange {
                at_ms: rel(e.at_ns),
                state: state.to_owned(),
                message,
            });
        }
    }
    let observed_final_ms = changes
        .iter()
        .find(|c| c.state == sc.final_state)
        .map(|c| c.at_ms);
    let Some(observed_final_ms) = observed_final_ms else {
        let _ = write!(report, "{}", observed_table(&changes));
        fail(format!(
            "the update never reached `{}` within {timeout:?}",
            sc.final_state
        ));
        return Outcome {
            report,
            failures,
            expected_differences,
        };
    };
    let horizon_ms = observed_final_ms + sc.tail_ms as f64;
    let new_tasks: Vec<&TaskInfo> = tasks
        .iter()
        .filter(|t| t.created_ns >= deploy_ns && rel(t.created_ns) <= horizon_ms)
        .collect();
    // The updater's tasks: the first new task of each slot.
    let mut first_per_slot: BTreeMap<u64, &TaskInfo> = BTreeMap::new();
    for t in &new_tasks {
        let entry = first_per_slot.entry(t.slot).or_insert(t);
        if t.created_ns < entry.created_ns {
            *entry = t;
        }
    }
    let updater_ids: BTreeSet<String> = first_per_slot.values().map(|t| t.id.clone()).collect();
    // Containers alive: the old replicas plus starts minus exits of this service's containers.
    let mut alive = containers_before as i64;
    let mut max_containers = alive;
    for e in events
        .iter()
        .filter(|e| e.at_ns >= t0 && rel(e.at_ns) <= horizon_ms && e.task_of(&service).is_some())
    {
        match e.action.as_str() {
            "start" => alive += 1,
            "die" => alive -= 1,
            _ => {}
        }
        max_containers = max_containers.max(alive);
    }
    let min_healthy = healthy_polls
        .iter()
        .filter(|(t, _)| *t >= t0 && rel(*t) <= horizon_ms)
        .map(|(_, h)| *h)
        .min()
        .unwrap_or(0);
    let observed = Summary {
        changes,
        tasks_created: new_tasks.len() as u32,
        updater_tasks: updater_ids.len() as u32,
        failed_updater_tasks: first_per_slot
            .values()
            .filter(|t| t.state == "failed")
            .count() as u32,
        min_healthy: min_healthy as u64,
        max_containers: max_containers.max(0) as u64,
    };
    let expected = predicted.summary(sc.tail_ms as f64);

    // ---- What the real Swarm did, whatever the planner says.
    let _ = writeln!(
        report,
        "observed task timeline (ms after `updating`; container events):"
    );
    let _ = write!(
        report,
        "{}",
        task_table(&tasks, &events, &service, deploy_ns, t0)
    );
    // The task named in a paused/rolled-back message must be one of the new tasks that failed.
    for c in &observed.changes {
        if let Some(id) = message_task(&c.message) {
            let failed: Vec<&str> = new_tasks
                .iter()
                .filter(|t| t.state == "failed" || t.state == "complete")
                .map(|t| t.id.as_str())
                .collect();
            if !failed.contains(&id) {
                fail(format!(
                    "`{}` names task {id}, which is not a failed new task ({failed:?})",
                    c.message
                ));
            }
        }
    }

    // ---- Comparison with the planner.
    let _ = writeln!(
        report,
        "status changes (ms after `updating`; tolerance ±{TOLERANCE_MS:.0} ms):"
    );
    let _ = writeln!(
        report,
        "  {:<19} {:<70} {:>8} {:>9} {:>7} {:>8} {:>10}  verdict",
        "state",
        "message (task IDs as <task>)",
        "observed",
        "predicted",
        "diff",
        "anchored",
        "calibrated"
    );
    let _ = writeln!(
        report,
        "  (anchored: the difference measured from the last start of an updater task before the \
         change; calibrated: the planner's time plus this machine's stop-order latency and \
         S_ready, for changes after a stop-first slot)"
    );
    let same_states = observed.changes.len() == expected.changes.len()
        && observed
            .changes
            .iter()
            .zip(&expected.changes)
            .all(|(o, p)| o.state == p.state);
    if !same_states {
        fail(format!(
            "UpdateStatus sequence differs: observed {:?}, predicted {:?}",
            observed
                .changes
                .iter()
                .map(|c| c.state.as_str())
                .collect::<Vec<_>>(),
            expected
                .changes
                .iter()
                .map(|c| c.state.as_str())
                .collect::<Vec<_>>()
        ));
    }
    let rows = observed.changes.len().max(expected.changes.len());
    for i in 0..rows {
        let o = observed.changes.get(i);
        let p = expected.changes.get(i);
        let path = sc.paths.get(i).copied().unwrap_or(NONE);
        let state = o.or(p).map_or("", |c| c.state.as_str());
        let message = o
            .or(p)
            .map_or(String::new(), |c| normalize_message(&c.message));
        let mut verdict = String::from("ok");
        let mut calibrated = String::new();
        let mut anchored = String::new();
        if let (Some(o), Some(p)) = (o, p) {
            let (om, pm) = (normalize_message(&o.message), normalize_message(&p.message));
            if om != pm {
                verdict = "MESSAGE DIFFERS".to_owned();
                fail(format!(
                    "message of `{}`: observed {om:?}, predicted {pm:?}",
                    o.state
                ));
            }
            let diff = o.at_ms - p.at_ms;
            let declared = path.stop_orders + path.ready_starts > 0;
            // Where the slot hand-out is a race and Swarm handed out more slots than the
            // planner, the status changes come later by however long those slots took; the
            // anchored remainder must still match.
            let raced = sc.extra_slots > 0 && observed.updater_tasks > expected.updater_tasks;
            // The planner with this machine's calibrated latencies (informational: the CLI
            // cannot be given them).
            let corrected = p.at_ms
                + f64::from(path.stop_orders) * (cal.stop_latency - PLANNER_STOP_ORDER_DELAY_MS)
                + f64::from(path.ready_starts) * (cal.s_ready - PLANNER_START_READY_MS);
            if declared {
                calibrated = format!("{corrected:.0}");
            }
            // Anchored on the last start of a new container before the change: how much of the
            // difference is start latency, and whether the rest of the model (health gate,
            // shutdown path, monitor) holds.
            let anchor = match (
                last_updater_start(&events, &updater_ids, &service, t0, o.at_ms),
                predicted.last_updater_start(p.at_ms),
            ) {
                (Some(oa), Some(pa)) => Some((oa, pa, (o.at_ms - oa) - (p.at_ms - pa))),
                _ => None,
            };
            if let Some((_, _, residual)) = anchor {
                anchored = format!("{residual:+.0}");
            }
            if diff.abs() <= TOLERANCE_MS {
                if declared && (corrected - p.at_ms).abs() > TOLERANCE_MS {
                    verdict = "ok (the expected difference is not visible here)".to_owned();
                }
            } else if let Some((oa, pa, residual)) = anchor
                && (declared || raced)
                && residual.abs() <= TOLERANCE_MS
            {
                verdict = "EXPECTED DIFFERENCE".to_owned();
                expected_differences.push(format!(
                    "{} `{}` at {:.0} ms, planner {:.0} ms ({diff:+.0} ms). All of it is on the \
                     way to the last start of an updater task (observed {oa:.0} ms, planned \
                     {pa:.0} ms: {:+.0} ms); from that start on, Swarm matches the planner \
                     ({residual:+.0} ms). The path has {} manager-ordered stop(s) of a RUNNING \
                     task and {} prepared start(s): the planner waits 1 s before such a \
                     shutdown (the agent's retry backoff, agent/task.go; measured {:.0} ms \
                     with the dispatch), and it uses S_ready 200 ms \
                     (measured {:.0} ms for one container; concurrent starts take longer). \
                     With the calibrated values it would predict {corrected:.0} ms ({:+.0} ms)",
                    sc.key,
                    o.state,
                    o.at_ms,
                    p.at_ms,
                    oa - pa,
                    path.stop_orders,
                    path.ready_starts,
                    cal.stop_latency,
                    cal.s_ready,
                    o.at_ms - corrected
                ));
            } else {
                verdict = "TIME DIFFERS".to_owned();
                fail(format!(
                    "`{}` at {:.0} ms, predicted {:.0} ms ({diff:+.0} ms, tolerance \
                     ±{TOLERANCE_MS:.0}; {})",
                    o.state,
                    o.at_ms,
                    p.at_ms,
                    match anchor {
                        Some((oa, pa, r)) => format!(
                            "last new container start observed {oa:.0} ms, planned {pa:.0} \
                             ms, remainder {r:+.0} ms{}",
                            if declared {
                                ""
                            } else {
                                "; no difference is declared"
                            }
                        ),
                        None => "no new container started before it".to_owned(),
                    }
                ));
            }
        } else {
            verdict = "MISSING".to_owned();
        }
        let _ = writeln!(
            report,
            "  {:<19} {:<70} {:>8} {:>9} {:>7} {:>8} {:>10}  {verdict}",
            state,
            message,
            o.map_or("-".to_owned(), |c| format!("{:.0}", c.at_ms)),
            p.map_or("-".to_owned(), |c| format!("{:.0}", c.at_ms)),
            match (o, p) {
                (Some(o), Some(p)) => format!("{:+.0}", o.at_ms - p.at_ms),
                _ => "-".to_owned(),
            },
            anchored,
            calibrated,
        );
    }

    let _ = writeln!(
        report,
        "counts up to final state + {} ms: observed / predicted",
        sc.tail_ms
    );
    let _ = writeln!(
        report,
        "  tasks created {} / {} (by the updater {} / {}, of which failed {} / {}), min \
         healthy {} / {}, max containers {} / {}",
        observed.tasks_created,
        expected.tasks_created,
        observed.updater_tasks,
        expected.updater_tasks,
        observed.failed_updater_tasks,
        expected.failed_updater_tasks,
        observed.min_healthy,
        expected.min_healthy,
        observed.max_containers,
        expected.max_containers
    );
    let compare_updater = match sc.tasks_created {
        TaskCount::Exact => {
            if observed.tasks_created != expected.tasks_created {
                fail(format!(
                    "tasks created: observed {}, predicted {}",
                    observed.tasks_created, expected.tasks_created
                ));
            }
            true
        }
        TaskCount::UpdaterOnly(why) => {
            let _ = writeln!(report, "  only the updater's tasks are compared: {why}");
            true
        }
        TaskCount::Between(lo, hi, why) => {
            let _ = writeln!(
                report,
                "  tasks created is a race here, accepted in [{lo}, {hi}]: {why}"
            );
            if !(lo..=hi).contains(&observed.tasks_created) {
                fail(format!(
                    "tasks created: observed {}, expected {lo}..={hi} ({why})",
                    observed.tasks_created
                ));
            }
            if !(lo..=hi).contains(&expected.tasks_created) {
                fail(format!(
                    "tasks created: predicted {}, expected {lo}..={hi} ({why})",
                    expected.tasks_created
                ));
            }
            false
        }
    };
    if compare_updater
        && (observed.updater_tasks < expected.updater_tasks
            || observed.updater_tasks > expected.updater_tasks + sc.extra_slots)
    {
        fail(format!(
            "tasks created by the updater (slots handed out): observed {}, predicted {}",
            observed.updater_tasks, expected.updater_tasks
        ));
    }
    let race_slack = match sc.tasks_created {
        TaskCount::Between(lo, hi, _) => (hi - lo).max(sc.extra_slots),
        _ => sc.extra_slots,
    };
    if observed.failed_updater_tasks + sc.failures_preempted < expected.failed_updater_tasks
        || observed.failed_updater_tasks > expected.failed_updater_tasks + race_slack
    {
        fail(format!(
            "updater tasks that failed: observed {}, predicted {}",
            observed.failed_updater_tasks, expected.failed_updater_tasks
        ));
    }
    // Where the task count is a race, each extra slot handed out may stop one more old task.
    let healthy_slack = race_slack;
    if observed.min_healthy > expected.min_healthy
        || observed.min_healthy + u64::from(healthy_slack) < expected.min_healthy
    {
        fail(format!(
            "min healthy: observed {} (sampled every ~200 ms), predicted {} (race slack {healthy_slack})",
            observed.min_healthy, expected.min_healthy
        ));
    }
    if observed.max_containers < expected.max_containers
        || observed.max_containers > expected.max_containers + u64::from(race_slack)
    {
        fail(format!(
            "max containers: observed {}, predicted {}",
            observed.max_containers, expected.max_containers
        ));
    }
    let _ = writeln!(report, "predicted task timeline (planner, ms):");
    let _ = write!(report, "{}", predicted.task_table(horizon_ms.max(0.0)));
    Outcome {
        report,
        failures,
        expected_differences,
    }
}

/// The last container start of a task in `updater_ids` at or before `until_ms` (ms after
/// `t0`).
fn last_updater_start(
    events: &[Event],
    updater_ids: &BTreeSet<String>,
    service: &str,
    t0: i64,
    until_ms: f64,
) -> Option<f64> {
    events
        .iter()
        .filter(|e| e.action == "start" && e.at_ns >= t0)
        .filter(|e| {
            e.task_of(service)
                .is_some_and(|id| updater_ids.contains(id))
        })
        .map(|e| (e.at_ns - t0) as f64 / 1e6)
        .filter(|&t| t <= until_ms)
        .reduce(f64::max)
}

fn observed_table(changes: &[StatusChange]) -> String {
    let mut s = String::from("observed status changes:\n");
    for c in changes {
        let _ = writeln!(s, "  {:>8.0} {:<19} {}", c.at_ms, c.state, c.message);
    }
    s
}

/// One line per task: slot, version, creation, container start / health / kill / exit, end.
fn task_table(tasks: &[TaskInfo], events: &[Event], service: &str, since: i64, t0: i64) -> String {
    let rel = |ns: i64| format!("{:.0}", (ns - t0) as f64 / 1e6);
    let mut rows: Vec<&TaskInfo> = tasks.iter().collect();
    rows.sort_by_key(|t| (t.slot, t.created_ns));
    let mut s = String::new();
    for t in rows {
        let mut line = format!(
            "  slot {} v{} {}{}",
            t.slot,
            t.version,
            &t.id[..t.id.len().min(10)],
            if t.created_ns >= since {
                format!(" created {}", rel(t.created_ns))
            } else {
                " (old)".to_owned()
            }
        );
        for e in events
            .iter()
            .filter(|e| e.at_ns >= t0 && e.task_of(service) == Some(t.id.as_str()))
        {
            let what = match e.action.as_str() {
                "start" => "started".to_owned(),
                "kill" => "SIGTERM".to_owned(),
                "die" => format!("exit {}", e.attr("exitCode").unwrap_or("?")),
                a if a.starts_with("health_status") => {
                    a.trim_start_matches("health_status: ").to_owned()
                }
                _ => continue,
            };
            let _ = write!(line, ", {what} {}", rel(e.at_ns));
        }
        let _ = write!(
            line,
            "; now {} (desired {}){}",
            t.state,
            t.desired,
            if t.err.is_empty() {
                String::new()
            } else {
                format!(" \"{}\"", t.err)
            }
        );
        s.push_str(&line);
        s.push('\n');
    }
    s
}

/// The task named at the end of an UpdateStatus message (`... of task <id>`).
fn message_task(message: &str) -> Option<&str> {
    let (_, id) = message.rsplit_once(" of task ")?;
    (!id.is_empty() && !id.contains(' ')).then_some(id)
}

/// Task IDs (Swarm's 25-character IDs, or the planner's labels such as `N1`) become `<task>`.
fn normalize_message(message: &str) -> String {
    match message.rsplit_once(" of task ") {
        Some((head, id)) if !id.is_empty() && !id.contains(' ') => {
            format!("{head} of task <task>")
        }
        _ => message.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// The planner
// ---------------------------------------------------------------------------------------------

/// The planner's simulation of one scenario.
struct Prediction {
    sim: Value,
    target_replicas: usize,
}

/// `stackplan -f compose.yml -f v2.yml plan --from-file compose.yml --from-file v1.yml
/// --scenario <s> --engine-version <major> --format json`, in-process.
fn plan(sc: &Scenario, image: &str, major: u32) -> Prediction {
    let args: Vec<String> = [
        "-f",
        "compose.yml",
        "-f",
        "v2.yml",
        "plan",
        "--from-file",
        "compose.yml",
        "--from-file",
        "v1.yml",
        "--scenario",
        sc.plan_scenario,
        "--engine-version",
        &major.to_string(),
        "--format",
        "json",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let mut env = IndexMap::new();
    env.insert("STACKPLAN_E2E_IMAGE".to_owned(), image.to_owned());
    let run = stackplan_tests::run_cli(&args, &compose_dir(sc.dir), env);
    assert_eq!(
        run.status,
        0,
        "stackplan {} failed: {}",
        args.join(" "),
        run.stderr
    );
    let doc: Value = serde_json::from_str(&run.stdout).expect("plan JSON");
    let service = doc["plan"]["services"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == SERVICE))
        .unwrap_or_else(|| panic!("no `{SERVICE}` in the plan of {}", sc.dir));
    let sim = service["simulations"]
        .as_array()
        .and_then(|s| s.first())
        .cloned()
        .unwrap_or_else(|| panic!("no simulation for `{SERVICE}` in the plan of {}", sc.dir));
    let target_replicas = sim["target_replicas"].as_u64().unwrap_or(0) as usize;
    Prediction {
        sim,
        target_replicas,
    }
}

impl Prediction {
    fn changes(&self) -> Vec<StatusChange> {
        self.sim["status_changes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| StatusChange {
                        at_ms: c["at_ms"].as_f64().unwrap_or(f64::NAN),
                        state: c["state"].as_str().unwrap_or_default().to_owned(),
                        message: c["message"].as_str().unwrap_or_default().to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn tasks(&self) -> Vec<Value> {
        self.sim["tasks"].as_array().cloned().unwrap_or_default()
    }

    /// The prediction up to its own final state + `tail_ms`.
    fn summary(&self, tail_ms: f64) -> Summary {
        let changes = self.changes();
        let horizon = self.sim["finished_at_ms"]
            .as_f64()
            .or_else(|| changes.last().map(|c| c.at_ms))
            .unwrap_or(0.0)
            + tail_ms;
        let new: Vec<Value> = self
            .tasks()
            .into_iter()
            .filter(|t| {
                t["created_by"] != "initial"
                    && t["created_at_ms"].as_f64().is_some_and(|c| c <= horizon)
            })
            .collect();
        let points: Vec<&Value> = self.sim["capacity"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|p| p["at_ms"].as_f64().is_some_and(|t| t <= horizon))
                    .collect()
            })
            .unwrap_or_default();
        Summary {
            changes,
            tasks_created: new.len() as u32,
            updater_tasks: new.iter().filter(|t| t["created_by"] == "updater").count() as u32,
            failed_updater_tasks: new
                .iter()
                .filter(|t| {
                    t["created_by"] == "updater"
                        && t["end_state"] == "failed"
                        && t["ended_at_ms"].as_f64().is_some_and(|e| e <= horizon)
                })
                .count() as u32,
            min_healthy: points
                .iter()
                .filter_map(|p| p["healthy"].as_u64())
                .min()
                .unwrap_or(0),
            max_containers: points
                .iter()
                .filter_map(|p| p["containers"].as_u64())
                .max()
                .unwrap_or(0),
        }
    }

    /// The last start of an updater-created task at or before `until_ms`.
    fn last_updater_start(&self, until_ms: f64) -> Option<f64> {
        self.tasks()
            .iter()
            .filter(|t| t["created_by"] == "updater")
            .filter_map(|t| t["started_at_ms"].as_f64())
            .filter(|&t| t <= until_ms)
            .reduce(f64::max)
    }

    fn task_table(&self, until_ms: f64) -> String {
        let mut s = String::new();
        let field = |t: &Value, k: &str| t[k].as_f64().map(|v| format!("{v:.0}"));
        for t in self.tasks() {
            if t["created_at_ms"].as_f64().is_some_and(|c| c > until_ms) {
                continue;
            }
            let mut line = format!(
                "  slot {} {} {} ({})",
                t["slot"],
                t["spec"].as_str().unwrap_or("?"),
                t["task"].as_str().unwrap_or("?"),
                t["created_by"].as_str().unwrap_or("?")
            );
            if t["created_by"] != "initial" {
                let _ = write!(
                    line,
                    " created {}",
                    field(&t, "created_at_ms").unwrap_or_default()
                );
            }
            for (key, what) in [
                ("started_at_ms", "started"),
                ("running_at_ms", "running"),
                ("stop_requested_at_ms", "stop ordered"),
                ("ended_at_ms", "ended"),
            ] {
                if let Some(v) = field(&t, key) {
                    let _ = write!(line, ", {what} {v}");
                }
            }
            if let Some(end) = t["end_state"].as_str() {
                let _ = write!(line, " ({end})");
            }
            s.push_str(&line);
            s.push('\n');
        }
        s
    }
}

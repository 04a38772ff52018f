//! `fidelity run`: each scenario on the local single-node Swarm, N times; raw observations
//! as JSON under `docs/fidelity/runs/<key>/`. Nothing is compared here (the report does it, so
//! a planner change is judged on the same observations without measuring again).

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::scenarios::{Action, End, SCENARIOS, Scenario, Step};

pub const SERVICE: &str = "probe";
pub const STACK_PREFIX: &str = "fidelity-";

pub struct Options {
    pub runs: u32,
    pub only: Option<Vec<String>>,
    pub lock: Option<PathBuf>,
    pub out: PathBuf,
}

pub fn run(opts: &Options) -> Result<(), String> {
    let version = docker(&["version", "--format", "{{.Server.Version}}"])?
        .trim()
        .to_owned();
    let state = docker(&[
        "info",
        "--format",
        "{{.Swarm.LocalNodeState}} {{.Swarm.Nodes}}",
    ])?;
    if state.trim() != "active 1" {
        return Err(format!(
            "needs an active single-node Swarm (docker info says `{}`)",
            state.trim()
        ));
    }
    remove_leftovers();
    let image = build_image()?;
    eprintln!("fidelity: Engine {version}, image {image}");
    let scenarios: Vec<&Scenario> = SCENARIOS
        .iter()
        .filter(|s| {
            opts.only
                .as_ref()
                .is_none_or(|o| o.iter().any(|k| k == s.key))
        })
        .collect();
    // Round-robin (all scenarios once, then again), so a noisy period hits several scenarios
    // a little instead of one scenario fully.
    for round in 1..=opts.runs {
        for sc in &scenarios {
            let started = Instant::now();
            match run_scenario(sc, &image, &version, opts) {
                Ok(path) => eprintln!(
                    "fidelity: {} round {round}: {:.0} s -> {}",
                    sc.key,
                    started.elapsed().as_secs_f64(),
                    path.display()
                ),
                Err(e) => eprintln!("fidelity: {} round {round} FAILED: {e}", sc.key),
            }
        }
    }
    Ok(())
}

/// The timing lock, held while a step runs (released between steps and scenarios).
struct Lock(Option<File>);

impl Lock {
    fn take(path: Option<&Path>) -> Result<Lock, String> {
        let Some(path) = path else {
            return Ok(Lock(None));
        };
        let file = File::options()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("open {}: {e}", path.display()))?;
        let waited = Instant::now();
        file.lock()
            .map_err(|e| format!("lock {}: {e}", path.display()))?;
        let w = waited.elapsed().as_secs_f64();
        if w > 1.0 {
            eprintln!("fidelity: waited {w:.0} s for {}", path.display());
        }
        Ok(Lock(Some(file)))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if let Some(f) = &self.0 {
            let _ = f.unlock();
        }
    }
}

fn run_scenario(
    sc: &Scenario,
    image: &str,
    version: &str,
    opts: &Options,
) -> Result<PathBuf, String> {
    let run_id = format!("{}", now_ns() / 1_000_000);
    let stack = format!("{STACK_PREFIX}{}-{}", sc.key, std::process::id());
    let service = format!("{stack}_{SERVICE}");
    let guard = StackGuard(stack.clone());
    let mut steps = Vec::new();
    let mut error = None;
    for step in sc.steps {
        let lock = Lock::take(opts.lock.as_deref())?;
        let load_before = loadavg();
        let result = run_step(sc, step, &stack, &service, image);
        let load_after = loadavg();
        drop(lock);
        match result {
            Ok(mut obs) => {
                obs["load_before"] = json!(load_before);
                obs["load_after"] = json!(load_after);
                steps.push(obs);
            }
            Err(e) => {
                error = Some(format!("step `{}`: {e}", step.name));
                break;
            }
        }
    }
    drop(guard);
    let doc = json!({
        "scenario": sc.key,
        "section": sc.section,
        "dir": sc.dir,
        "run_id": run_id,
        "engine_version": version,
        "image": image,
        "error": error,
        "steps": steps,
    });
    let dir = opts.out.join(sc.key);
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let path = dir.join(format!("{run_id}.json"));
    let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
    std::fs::write(&path, text + "\n").map_err(|e| format!("write {}: {e}", path.display()))?;
    match error {
        Some(e) => Err(e),
        None => Ok(path),
    }
}

/// One step: act, observe until its end, return the raw observations.
fn run_step(
    sc: &Scenario,
    step: &Step,
    stack: &str,
    service: &str,
    image: &str,
) -> Result<Value, String> {
    let containers_before = containers(service);
    let act_ns = now_ns();
    let events = EventStream::start(act_ns as f64 / 1e9 - 1.0)?;
    match step.action {
        Action::Deploy(files) => deploy(stack, sc.dir, files, image)?,
        Action::Rollback => {
            docker(&["service", "rollback", "--detach", service])?;
        }
    }
    let mut polls: Vec<Value> = Vec::new();
    let mut last_status: Option<(String, String)> = None;
    let mut task_states: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut last_task_state: BTreeMap<String, String> = BTreeMap::new();
    let mut healthy: Vec<(i64, usize)> = Vec::new();
    let mut end_seen: Option<i64> = None;
    let timeout = Duration::from_secs(240);
    let started = Instant::now();
    loop {
        let tick = Instant::now();
        let t = now_ns();
        if let Some(st) = update_status(service)
            && last_status.as_ref() != Some(&st)
        {
            polls.push(json!({"at_ns": t, "state": st.0, "message": st.1}));
            last_status = Some(st);
        }
        let tasks = service_ps(service);
        let mut h = 0;
        for (id, desired, current, err) in &tasks {
            if desired == "Running" && current.starts_with("Running") {
                h += 1;
            }
            // "Running 3 seconds ago" -> "Running"
            let word = current.split_whitespace().next().unwrap_or("").to_owned();
            let key = format!("{desired}|{word}|{err}");
            if last_task_state.get(id) != Some(&key) {
                task_states
                    .entry(id.clone())
                    .or_default()
                    .push(json!({"at_ns": t, "desired": desired, "state": word, "error": err}));
                last_task_state.insert(id.clone(), key);
            }
        }
        healthy.push((t, h));
        let evs = events.snapshot();
        let updating_ns = evs
            .iter()
            .find(|e| e.update_state(service).is_some() && e.at_ns >= act_ns)
            .map(|e| e.at_ns);
        let done = match step.end {
            End::Converged => {
                let replicas = docker(&[
                    "service",
                    "ls",
                    "--filter",
                    &format!("name={service}"),
                    "--format",
                    "{{.Replicas}}",
                ])
                .unwrap_or_default();
                let r = replicas.trim();
                // Converged also means no update in flight: a release deployed over a
                // crash-looping one can write `completed` before its tasks are healthy
                // (the updater keeps clean restart replacements without waiting, §3.4).
                r.split_once('/')
                    .is_some_and(|(a, b)| a == b && a != "0" && !b.contains(' '))
                    && h > 0
                    && tasks.iter().filter(|t| t.1 == "Running").count() == h
                    && last_status
                        .as_ref()
                        .is_none_or(|(s, _)| s != "updating" && s != "rollback_started")
            }
            End::Sleep(ms) => started.elapsed() >= Duration::from_millis(ms),
            End::State(state, tail) => {
                if end_seen.is_none() {
                    end_seen = evs
                        .iter()
                        .find(|e| e.at_ns >= act_ns && e.update_state(service) == Some(state))
                        .map(|e| e.at_ns);
                }
                end_seen
                    .is_some_and(|f| now_ns() > f + i64::try_from(tail).unwrap_or(0) * 1_000_000)
            }
            End::Hang(ms) => updating_ns
                .is_some_and(|u| now_ns() > u + i64::try_from(ms).unwrap_or(0) * 1_000_000),
        };
        if done {
            break;
        }
        if started.elapsed() > timeout {
            let _ = events.stop();
            return Err(format!(
                "did not end ({:?}) within {timeout:?}; status {last_status:?}",
                step.end
            ));
        }
        std::thread::sleep(Duration::from_millis(200).saturating_sub(tick.elapsed()));
    }
    let events = events.stop();
    let mut ids: BTreeSet<String> = task_states.keys().cloned().collect();
    ids.extend(service_ps(service).into_iter().map(|t| t.0));
    let tasks = inspect_tasks(&ids);
    let logs = service_logs(service, act_ns);
    let event_values: Vec<Value> = events
        .iter()
        .filter(|e| e.at_ns >= act_ns - 1_000_000_000)
        .filter(|e| {
            e.attr("name") == Some(service)
                || e.attr("com.docker.swarm.service.name") == Some(service)
        })
        // Probe execs are visible in the health_status changes and the app's own log.
        .filter(|e| !e.action.starts_with("exec_"))
        .map(|e| {
            json!({
                "type": e.kind,
                "action": e.action,
                "at_ns": e.at_ns,
                "task": e.attr("com.docker.swarm.task.id"),
                "exit_code": e.attr("exitCode"),
                "updatestate_old": e.attr("updatestate.old"),
                "updatestate_new": e.attr("updatestate.new"),
            })
        })
        .collect();
    Ok(json!({
        "name": step.name,
        "measured": step.plan.is_some(),
        "action": match step.action { Action::Deploy(f) => json!({"deploy": f}), Action::Rollback => json!("rollback") },
        "end": format!("{:?}", step.end),
        "act_ns": act_ns,
        "containers_before": containers_before,
        "events": event_values,
        "status_polls": polls,
        "task_states": task_states,
        "healthy_polls": healthy.iter().map(|(t, h)| json!([t, h])).collect::<Vec<_>>(),
        "tasks": tasks,
        "logs": logs,
    }))
}

// ---------------------------------------------------------------------------------------------
// Docker plumbing (the same calls as tests/swarm_e2e.rs)
// ---------------------------------------------------------------------------------------------

pub fn docker(args: &[&str]) -> Result<String, String> {
    let out = Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
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

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_owned()
}

pub fn now_ns() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    )
    .unwrap_or(i64::MAX)
}

fn swarm_dir() -> PathBuf {
    stackplan_tests::probe::swarm_dir()
}

fn build_image() -> Result<String, String> {
    let work = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fidelity");
    let context = stackplan_tests::probe::build_context(&work)?;
    let context = context.to_string_lossy().into_owned();
    docker(&["build", "-q", "-t", "fidelity-probe:latest", &context])?;
    Ok(docker(&[
        "image",
        "inspect",
        "--format",
        "{{.Id}}",
        "fidelity-probe:latest",
    ])?
    .trim()
    .to_owned())
}

fn deploy(stack: &str, dir: &str, files: &[&str], image: &str) -> Result<(), String> {
    let mut args = vec!["stack", "deploy", "--resolve-image", "never"];
    for f in files {
        args.push("-c");
        args.push(f);
    }
    args.push(stack);
    let out = Command::new("docker")
        .args(&args)
        .current_dir(swarm_dir().join(dir))
        .env("STACKPLAN_E2E_IMAGE", image)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("run docker stack deploy: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "docker {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

struct StackGuard(String);

impl Drop for StackGuard {
    fn drop(&mut self) {
        remove_stack(&self.0);
    }
}

fn remove_stack(name: &str) {
    // `stack rm` fails on a network still used by a stopping task: try again until it is
    // gone (only this stack's resources, by its namespace label).
    let label = format!("label=com.docker.stack.namespace={name}");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last_rm = None::<Instant>;
    while Instant::now() < deadline {
        if last_rm.is_none_or(|t| t.elapsed() > Duration::from_secs(3)) {
            let services = docker(&["service", "ls", "-q", "--filter", &label]).unwrap_or_default();
            let networks = docker(&["network", "ls", "-q", "--filter", &label]).unwrap_or_default();
            if (!services.trim().is_empty() || !networks.trim().is_empty())
                && let Err(e) = docker(&["stack", "rm", name])
            {
                eprintln!("fidelity: docker stack rm {name} (retrying): {e}");
            }
            last_rm = Some(Instant::now());
        }
        let c = docker(&["ps", "-aq", "--filter", &label]).unwrap_or_default();
        let n = docker(&["network", "ls", "-q", "--filter", &label]).unwrap_or_default();
        if c.trim().is_empty() && n.trim().is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    eprintln!("fidelity: stack {name} still has containers or networks after 60 s");
}

/// Stacks of an earlier, killed run of this runner (only ours: `fidelity-<key>-<pid>`).
fn remove_leftovers() {
    let stacks = docker(&["stack", "ls", "--format", "{{.Name}}"]).unwrap_or_default();
    for name in stacks.lines().filter(|n| {
        n.strip_prefix(STACK_PREFIX).is_some_and(|rest| {
            SCENARIOS
                .iter()
                .any(|s| rest.starts_with(&format!("{}-", s.key)))
        })
    }) {
        eprintln!("fidelity: removing leftover stack {name}");
        remove_stack(name);
    }
}

fn containers(service: &str) -> usize {
    docker(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=com.docker.swarm.service.name={service}"),
    ])
    .unwrap_or_default()
    .lines()
    .count()
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

/// (id, desired, current, error) of every task `docker service ps` lists.
fn service_ps(service: &str) -> Vec<(String, String, String, String)> {
    docker(&[
        "service",
        "ps",
        "--no-trunc",
        "--format",
        "{{.ID}}|{{.DesiredState}}|{{.CurrentState}}|{{.Error}}",
        service,
    ])
    .unwrap_or_default()
    .lines()
    .filter_map(|l| {
        let mut p = l.splitn(4, '|');
        Some((
            p.next()?.to_owned(),
            p.next()?.to_owned(),
            p.next()?.to_owned(),
            p.next().unwrap_or("").to_owned(),
        ))
    })
    .collect()
}

fn inspect_tasks(ids: &BTreeSet<String>) -> Vec<Value> {
    let mut all = Vec::new();
    let mut args = vec!["inspect", "--type", "task"];
    args.extend(ids.iter().map(String::as_str));
    let text = if ids.is_empty() {
        "[]".to_owned()
    } else {
        docker(&args).unwrap_or_else(|_| {
            // Tasks pruned by the task reaper make the batch fail: one by one.
            let mut items = Vec::new();
            for id in ids {
                if let Ok(t) = docker(&["inspect", "--type", "task", id])
                    && let Ok(Value::Array(v)) = serde_json::from_str::<Value>(&t)
                {
                    items.extend(v);
                }
            }
            serde_json::to_string(&items).unwrap_or_default()
        })
    };
    let items: Vec<Value> = serde_json::from_str(&text).unwrap_or_default();
    for t in items {
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
        all.push(json!({
            "id": t["ID"],
            "slot": t["Slot"],
            "node": t["NodeID"],
            "version": version,
            "created_at": t["CreatedAt"],
            "updated_at": t["UpdatedAt"],
            "desired": t["DesiredState"],
            "state": t["Status"]["State"],
            "status_at": t["Status"]["Timestamp"],
            "message": t["Status"]["Message"],
            "err": t["Status"]["Err"],
            "exit_code": t["Status"]["ContainerStatus"]["ExitCode"],
        }));
    }
    all
}

/// The test app's log lines (RFC 3339 times it writes itself) since `since_ns`, by task.
fn service_logs(service: &str, since_ns: i64) -> BTreeMap<String, Vec<String>> {
    let since = format!("{:.3}", since_ns as f64 / 1e9 - 1.0);
    let text =
        docker(&["service", "logs", "--no-trunc", "--since", &since, service]).unwrap_or_default();
    let mut by_task: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        // `probe.1.<task id>@<node>    | <line>`
        let Some((prefix, rest)) = line.split_once('|') else {
            continue;
        };
        let task = prefix
            .split('@')
            .next()
            .and_then(|p| p.rsplit('.').next())
            .unwrap_or("")
            .trim()
            .to_owned();
        by_task
            .entry(task)
            .or_default()
            .push(rest.trim().to_owned());
    }
    by_task
}

/// `docker events` in the background.
struct EventStream {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

#[derive(Clone, Debug)]
pub struct Event {
    pub kind: String,
    pub action: String,
    pub at_ns: i64,
    pub attrs: BTreeMap<String, String>,
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

    fn update_state(&self, service: &str) -> Option<&str> {
        (self.kind == "service" && self.attr("name") == Some(service))
            .then(|| self.attr("updatestate.new"))
            .flatten()
    }
}

impl EventStream {
    fn start(since: f64) -> Result<EventStream, String> {
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
            .map_err(|e| format!("start docker events: {e}"))?;
        let stdout = child.stdout.take().ok_or("docker events has no stdout")?;
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(mut l) = sink.lock() {
                    l.push(line);
                }
            }
        });
        Ok(EventStream {
            child,
            lines,
            reader: Some(reader),
        })
    }

    fn snapshot(&self) -> Vec<Event> {
        self.lines
            .lock()
            .map(|l| l.iter().filter_map(|l| Event::parse(l)).collect())
            .unwrap_or_default()
    }

    fn stop(mut self) -> Vec<Event> {
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

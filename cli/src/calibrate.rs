//! `stackplan calibrate --image IMAGE`: measures the Swarm the docker CLI talks to and writes
//! a timing profile (`plan --timing FILE`, or the `[timing]` table of `.stackplan.toml`).
//!
//! This is the shell: it runs `docker` (the CLI, with this run's environment, so
//! `DOCKER_HOST` and contexts apply), collects task and container timestamps, and hands them
//! to the core ([`api::calibration::analyze`]), which computes the profile. What it does on
//! the Swarm, in order: a stack `stackplan-calibrate-<pid>` with one service `probe` (two
//! replicas updated one at a time, pinned to this node, the image referenced by ID so
//! nothing is pulled, on the stack's overlay network as deployed stacks are);
//!
//! 1. deploy it (with `--health-cmd`, probing every second, exec form) and wait for it;
//! 2. `--repeat` forced start-first updates: tasks starting alone (`start-latency`);
//! 3. `--repeat` forced stop-first updates: the stop path (`stop-order-delay`,
//!    `sigterm-exit`, `ready-latency`);
//! 4. scale to `--concurrent` replicas, then one forced start-first update of all of them at
//!    once: tasks starting together (`start-concurrent`, `start-spacing`);
//! 5. the healthcheck probes of every container seen (`probe-duration`).
//!
//! The stack is removed at the end, on any error, and when the run is interrupted: a
//! watcher process (its own process group, so Ctrl-C does not reach it) removes it once this
//! process is gone.

use super::Io;
use crate::exit;
use clap::Args;
use serde_json::Value;
use stackplan_core::api::calibration::{
    self, Observations, ObservedStep, ProbeTimes, StepOrder, TaskTimes,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub(crate) struct CalibrateArgs {
    /// Image of the probe service; must already be on this node (nothing is built or pulled).
    /// It should start quickly and exit on SIGTERM, like the applications you deploy
    #[arg(
        long,
        value_name = "IMAGE",
        required_unless_present = "from_observations"
    )]
    image: Option<String>,
    /// Healthcheck command of the probe service, run as `CMD` (e.g. "/app -check"); default:
    /// the image's own HEALTHCHECK, if any (without one, probe duration is not measured)
    #[arg(long, value_name = "CMD")]
    health_cmd: Option<String>,
    /// Tasks started at once for the contention measurement (at least 3)
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(3..=20))]
    concurrent: u32,
    /// Updates per measurement (start-first alone, stop-first; two samples each)
    #[arg(long, value_name = "K", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=10))]
    repeat: u32,
    /// Write the profile to a file (default: stdout)
    #[arg(short, long, value_name = "FILE")]
    output: Option<String>,
    /// Replace an existing output file
    #[arg(long)]
    force: bool,
    /// Also write what was observed (task and container timestamps) as JSON
    #[arg(long, value_name = "FILE")]
    save_observations: Option<String>,
    /// Analyse observations saved by --save-observations instead of measuring (no Docker)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["image", "health_cmd"])]
    from_observations: Option<String>,
}

/// Seconds a step may take before calibration gives up.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

pub(crate) fn run(args: &CalibrateArgs, io: &mut Io<'_>) -> u8 {
    // Refuse to replace files before measuring anything.
    for path in [&args.output, &args.save_observations]
        .into_iter()
        .flatten()
    {
        if !args.force && Path::new(&io.cwd).join(path).exists() {
            let _ = writeln!(
                io.stderr,
                "error: {path} exists; calibrate does not replace a file without --force"
            );
            return exit::USAGE_OR_IO;
        }
    }
    let (observations, about) = match &args.from_observations {
        Some(path) => match read_observations(&Path::new(&io.cwd).join(path)) {
            Ok(obs) => {
                let about = BTreeMap::from([("observations".to_owned(), path.clone())]);
                (obs, about)
            }
            Err(e) => {
                let _ = writeln!(io.stderr, "error: {path}: {e}");
                return exit::USAGE_OR_IO;
            }
        },
        None => {
            let env = io.env.clone();
            let docker = Docker { env: &env };
            match measure(&docker, args, io) {
                Ok(done) => done,
                Err(e) => {
                    let _ = writeln!(io.stderr, "error: calibrate: {e}");
                    return exit::USAGE_OR_IO;
                }
            }
        }
    };
    // Written through output.rs like every result (atomically; never over an input).
    let inputs: Vec<String> = args
        .from_observations
        .iter()
        .map(|p| Path::new(&io.cwd).join(p).to_string_lossy().into_owned())
        .collect();
    if let Some(path) = &args.save_observations {
        let text = serde_json::to_string_pretty(&observations).unwrap_or_default() + "\n";
        let status = crate::output::emit(io, Some(path), &text, &inputs);
        if status != exit::OK {
            return status;
        }
    }
    let result = calibration::analyze(&observations);
    if result.start_latency.is_none() {
        let _ = writeln!(
            io.stderr,
            "error: calibrate: no task started alone was observed; nothing to calibrate"
        );
        return exit::INVALID;
    }
    let _ = writeln!(io.stderr, "{}", summary(&result));
    let text = result.profile_toml(&about);
    let status = crate::output::emit(io, args.output.as_deref(), &text, &inputs);
    if let (Some(path), exit::OK) = (&args.output, status) {
        let _ = writeln!(
            io.stderr,
            "wrote {path}: use it with `stackplan plan --timing {path}`"
        );
    }
    status
}

fn read_observations(path: &Path) -> Result<Observations, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

fn summary(c: &calibration::Calibration) -> String {
    let row = |name: &str, m: &Option<calibration::Measured>, default: &str| match m {
        Some(m) => format!(
            "  {name:<18} {:>6} ms  ({} samples; default {default})",
            m.ms, m.samples
        ),
        None => format!("  {name:<18}      —     (not measured; default {default})"),
    };
    let mut lines = vec![
        "calibrate: measured".to_owned(),
        row("start-latency", &c.start_latency, "1s"),
        row("start-concurrent", &c.start_concurrent, "0s"),
        row("start-spacing", &c.start_spacing, "250ms"),
        row("ready-latency", &c.ready_latency, "200ms"),
        row("stop-order-delay", &c.stop_order_delay, "1s"),
        row("sigterm-exit", &c.sigterm_exit, "100ms"),
        row("probe-duration", &c.probe_duration, "100ms"),
    ];
    let batches: Vec<String> = c
        .first_start_by_batch
        .iter()
        .map(|(n, m)| format!("{n} at once: {} ms", m.ms))
        .collect();
    lines.push(format!(
        "  first container start by batch: {}",
        batches.join(", ")
    ));
    lines.join("\n")
}

// ---------------------------------------------------------------------------------- docker

struct Docker<'a> {
    env: &'a indexmap::IndexMap<String, String>,
}

impl Docker<'_> {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("docker");
        command
            .args(args)
            .env_clear()
            .envs(self.env)
            .stdin(Stdio::null());
        command
    }

    fn run(&self, args: &[&str]) -> Result<String, String> {
        let out = self
            .command(args)
            .output()
            .map_err(|e| format!("cannot run docker: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!(
                "docker {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// `docker inspect` of several objects: what it found, also when some are gone (Swarm
    /// trims task history, and a trimmed task's container goes with it): it then prints the
    /// others and exits 1.
    fn inspect(&self, args: &[&str]) -> Result<Vec<Value>, String> {
        let out = self
            .command(args)
            .output()
            .map_err(|e| format!("cannot run docker: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout);
        match serde_json::from_str(&text) {
            Ok(values) => Ok(values),
            Err(_) if !out.status.success() => Err(format!(
                "docker {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            Err(e) => Err(format!("docker {}: {e}", args.join(" "))),
        }
    }
}

/// Removes the stack when dropped, and, through a watcher process, when this process ends
/// without dropping it (Ctrl-C, a kill).
struct Cleanup<'a> {
    docker: &'a Docker<'a>,
    stack: String,
    file: std::path::PathBuf,
    watcher: Option<Child>,
}

impl<'a> Cleanup<'a> {
    fn new(docker: &'a Docker<'a>, stack: &str, file: &Path) -> Self {
        use std::os::unix::process::CommandExt;
        let script = "while kill -0 \"$0\" 2>/dev/null; do sleep 0.5; done; docker stack rm \"$1\" >/dev/null 2>&1";
        let watcher = Command::new("sh")
            .args(["-c", script, &std::process::id().to_string(), stack])
            .env_clear()
            .envs(docker.env)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .ok();
        Self {
            docker,
            stack: stack.to_owned(),
            file: file.to_owned(),
            watcher,
        }
    }
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = self.docker.run(&["stack", "rm", &self.stack]);
        let _ = std::fs::remove_file(&self.file);
        if let Some(mut watcher) = self.watcher.take() {
            let _ = watcher.kill();
            let _ = watcher.wait();
        }
    }
}

/// RFC 3339 (`2026-12-02T16:18:55.123456789Z`, or with an offset) → Unix ns; Go's zero time
/// (`0001-01-01T00:00:00Z`, a container that never started or never ended) → `None`.
fn unix_ns(text: &str) -> Option<i64> {
    let (date, rest) = text.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    if y < 1970 {
        return None;
    }
    let split = rest.find(['Z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(split);
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let mut t = hms.split(':').map(|p| p.parse::<i64>().ok());
    let (hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
    let digits: String = frac.chars().take(9).collect();
    let nanos = if digits.is_empty() {
        0
    } else {
        digits.parse::<i64>().ok()? * 10_i64.pow(9 - digits.len() as u32)
    };
    let offset_s = match zone.as_bytes().first() {
        Some(b'+') | Some(b'-') => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (zh, zm) = zone[1..].split_once(':')?;
            sign * (zh.parse::<i64>().ok()? * 3600 + zm.parse::<i64>().ok()? * 60)
        }
        _ => 0,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let (yy, mo) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mo + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss - offset_s;
    Some(secs * 1_000_000_000 + nanos)
}

/// A task of the probe service as `docker inspect --type task` shows it.
#[derive(Clone, Debug)]
struct TaskView {
    id: String,
    slot: u64,
    created_ns: i64,
    desired: String,
    state: String,
    container: Option<String>,
}

fn tasks(docker: &Docker<'_>, service: &str) -> Result<Vec<TaskView>, String> {
    let ids = docker.run(&["service", "ps", "-q", "--no-trunc", service])?;
    let ids: Vec<&str> = ids.split_whitespace().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = vec!["inspect", "--type", "task"];
    args.extend(ids);
    Ok(docker
        .inspect(&args)?
        .iter()
        .filter_map(|t| {
            Some(TaskView {
                id: t["ID"].as_str()?.to_owned(),
                slot: t["Slot"].as_u64().unwrap_or(0),
                created_ns: unix_ns(t["CreatedAt"].as_str()?)?,
                desired: t["DesiredState"].as_str().unwrap_or_default().to_owned(),
                state: t["Status"]["State"].as_str().unwrap_or_default().to_owned(),
                container: t["Status"]["ContainerStatus"]["ContainerID"]
                    .as_str()
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned),
            })
        })
        .collect())
}

/// Waits until `replicas` tasks created after `since_ns` run; returns every task.
fn wait_running(
    docker: &Docker<'_>,
    service: &str,
    replicas: usize,
    since_ns: i64,
) -> Result<Vec<TaskView>, String> {
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        let all = tasks(docker, service)?;
        let running = all
            .iter()
            .filter(|t| t.created_ns >= since_ns && t.desired == "running" && t.state == "running")
            .count();
        let failed = all.iter().find(|t| {
            t.created_ns >= since_ns && matches!(t.state.as_str(), "failed" | "rejected")
        });
        if let Some(t) = failed {
            return Err(format!(
                "task {} of the probe service is {}: does the image run on this node? (docker inspect {})",
                t.id, t.state, t.id
            ));
        }
        if running >= replicas {
            return Ok(all);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the probe service did not run {replicas} new task(s) within {} s",
                STEP_TIMEOUT.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The container times of tasks, and their healthcheck probes.
struct ContainerTimes {
    started: Option<i64>,
    finished: Option<i64>,
    probes: Vec<ProbeTimes>,
}

fn containers(
    docker: &Docker<'_>,
    ids: &[&str],
) -> Result<BTreeMap<String, ContainerTimes>, String> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut args = vec!["inspect", "--type", "container"];
    args.extend(ids);
    Ok(docker
        .inspect(&args)?
        .iter()
        .filter_map(|c| {
            let state = &c["State"];
            let probes = state["Health"]["Log"]
                .as_array()
                .map(|log| {
                    log.iter()
                        .filter_map(|p| {
                            Some(ProbeTimes {
                                start_ns: unix_ns(p["Start"].as_str()?)?,
                                end_ns: unix_ns(p["End"].as_str()?)?,
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some((
                c["Id"].as_str()?.to_owned(),
                ContainerTimes {
                    started: state["StartedAt"].as_str().and_then(unix_ns),
                    finished: state["FinishedAt"].as_str().and_then(unix_ns),
                    probes,
                },
            ))
        })
        .collect())
}

/// The first SIGTERM `kill` event of each container of the service between two times.
fn kills(
    docker: &Docker<'_>,
    service: &str,
    since_ns: i64,
    until_ns: i64,
) -> Result<BTreeMap<String, i64>, String> {
    let secs = |ns: i64| format!("{}.{:09}", ns / 1_000_000_000, ns % 1_000_000_000);
    let label = format!("label=com.docker.swarm.service.name={service}");
    let text = docker.run(&[
        "events",
        "--since",
        &secs(since_ns),
        "--until",
        &secs(until_ns),
        "--filter",
        "type=container",
        "--filter",
        "event=kill",
        "--filter",
        &label,
        "--format",
        "{{json .}}",
    ])?;
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let Ok(event) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let (Some(id), Some(at)) = (event["Actor"]["ID"].as_str(), event["timeNano"].as_i64())
        else {
            continue;
        };
        if event["Actor"]["Attributes"]["signal"].as_str() == Some("15") {
            out.entry(id.to_owned()).or_insert(at);
        }
    }
    Ok(out)
}

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// Runs one step (a `docker service update` of `flags`) and what it observed.
fn step(
    docker: &Docker<'_>,
    service: &str,
    order: StepOrder,
    flags: &[&str],
    replicas: usize,
    seen: &mut BTreeMap<String, ContainerTimes>,
) -> Result<ObservedStep, String> {
    let before = tasks(docker, service)?;
    let old: Vec<TaskView> = before
        .into_iter()
        .filter(|t| t.desired == "running")
        .collect();
    let since = now_ns();
    let mut args = vec!["service", "update", "--detach"];
    args.extend(flags);
    args.push(service);
    docker.run(&args)?;
    let all = wait_running(docker, service, replicas, since)?;
    // Let the last stop finish (stop-first waits for it anyway; start-first stops old
    // tasks after the new ones run).
    std::thread::sleep(Duration::from_millis(300));
    let until = now_ns();
    let created: Vec<&TaskView> = all.iter().filter(|t| t.created_ns >= since).collect();
    let old_ids: Vec<&str> = old.iter().map(|t| t.id.as_str()).collect();
    let replaced: Vec<&TaskView> = all
        .iter()
        .filter(|t| old_ids.contains(&t.id.as_str()))
        .collect();
    let ids: Vec<&str> = created
        .iter()
        .chain(&replaced)
        .filter_map(|t| t.container.as_deref())
        .collect();
    let times = containers(docker, &ids)?;
    let kill = kills(docker, service, since, until)?;
    let view = |t: &TaskView| {
        let c = t.container.as_deref();
        let times = c.and_then(|c| times.get(c));
        TaskTimes {
            id: t.id.clone(),
            slot: t.slot,
            created_ns: t.created_ns,
            started_ns: times.and_then(|c| c.started),
            kill_ns: c.and_then(|c| kill.get(c).copied()),
            finished_ns: times.and_then(|c| c.finished),
        }
    };
    let observed = ObservedStep {
        order,
        created: created.iter().map(|t| view(t)).collect(),
        replaced: replaced.iter().map(|t| view(t)).collect(),
    };
    seen.extend(times);
    Ok(observed)
}

fn measure(
    docker: &Docker<'_>,
    args: &CalibrateArgs,
    io: &mut Io<'_>,
) -> Result<(Observations, BTreeMap<String, String>), String> {
    let image = args.image.as_deref().unwrap_or_default();
    let info = docker.run(&[
        "info",
        "--format",
        "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.NodeID}} {{.ServerVersion}}",
    ])?;
    let mut info = info.split_whitespace();
    let (state, manager, node, version) = (
        info.next().unwrap_or_default(),
        info.next().unwrap_or_default(),
        info.next().unwrap_or_default().to_owned(),
        info.next().unwrap_or_default().to_owned(),
    );
    if state != "active" || manager != "true" {
        return Err(format!(
            "this Docker Engine is not a Swarm manager (Swarm state {state:?}); run calibrate against a manager of the Swarm to measure"
        ));
    }
    let image_id = docker
        .run(&["image", "inspect", "--format", "{{.Id}}", image])
        .map_err(|_| {
            format!(
                "image {image:?} is not on this node; calibrate builds and pulls nothing: `docker pull` or `docker build` it first"
            )
        })?
        .trim()
        .to_owned();
    // A stack, not `docker service create`: its healthcheck can be exec form (`CMD`, no
    // shell: images `FROM scratch` have none), and its tasks sit on the stack's overlay
    // network as deployed stacks do (the 2 s gossip sleep is then part of every stop).
    let stack = format!("stackplan-calibrate-{}", std::process::id());
    let service = format!("{stack}_probe");
    let _ = writeln!(
        io.stderr,
        "calibrate: stack {stack} (image {image}, pinned to this node); removed at the end"
    );
    let quote = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
    let health = match &args.health_cmd {
        Some(cmd) => {
            let words: Vec<String> = cmd.split_whitespace().map(quote).collect();
            format!(
                "    healthcheck:\n      test: [\"CMD\", {}]\n      interval: 1s\n      timeout: 2s\n      retries: 3\n",
                words.join(", ")
            )
        }
        None => String::new(),
    };
    let compose = format!(
        "version: \"3.8\"\nservices:\n  probe:\n    image: {}\n{health}    stop_grace_period: 10s\n    labels:\n      stackplan.calibrate: \"true\"\n    deploy:\n      replicas: 2\n      placement:\n        constraints: [{}]\n      restart_policy:\n        condition: none\n      update_config:\n        parallelism: 1\n        monitor: 100ms\n",
        quote(&image_id),
        quote(&format!("node.id=={node}"))
    );
    let file = std::env::temp_dir().join(format!("{stack}.yml"));
    std::fs::write(&file, compose).map_err(|e| format!("write {}: {e}", file.display()))?;
    let file_arg = file.to_string_lossy().into_owned();
    let since = now_ns();
    let _cleanup = Cleanup::new(docker, &stack, &file);
    docker.run(&[
        "stack",
        "deploy",
        "--resolve-image",
        "never",
        "-c",
        &file_arg,
        &stack,
    ])?;
    wait_running(docker, &service, 2, since)?;
    let mut seen = BTreeMap::new();
    let mut steps = Vec::new();
    // Two replicas updated one at a time: every new task starts alone, and the other
    // replica keeps the stack's network on the node. (With one replica, a stop-first stop
    // takes the node's last container off the overlay network: the node tears the network
    // down and sets it up again for the replacement, seconds that a service sharing its
    // network never sees.)
    let start_first = ["--force", "--update-order", "start-first"];
    let stop_first = ["--force", "--update-order", "stop-first"];
    for _ in 0..args.repeat {
        steps.push(step(
            docker,
            &service,
            StepOrder::StartFirst,
            &start_first,
            2,
            &mut seen,
        )?);
    }
    for _ in 0..args.repeat {
        steps.push(step(
            docker,
            &service,
            StepOrder::StopFirst,
            &stop_first,
            2,
            &mut seen,
        )?);
    }
    let n = args.concurrent.max(3).to_string();
    let replicas = args.concurrent.max(3) as usize;
    // Scale-up: n - 2 tasks created at once; then all n replaced at once.
    let scale = ["--replicas", n.as_str()];
    steps.push(step(
        docker,
        &service,
        StepOrder::StartFirst,
        &scale,
        replicas - 2,
        &mut seen,
    )?);
    let all_at_once = [
        "--force",
        "--update-order",
        "start-first",
        "--update-parallelism",
        "0",
    ];
    steps.push(step(
        docker,
        &service,
        StepOrder::StartFirst,
        &all_at_once,
        replicas,
        &mut seen,
    )?);
    let probes: Vec<ProbeTimes> = seen.values().flat_map(|c| c.probes.clone()).collect();
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned));
    let mut about = BTreeMap::from([
        ("engine".to_owned(), version),
        ("image".to_owned(), image.to_owned()),
        ("concurrent".to_owned(), n.clone()),
        (
            "measured-at-unix-s".to_owned(),
            (now_ns() / 1_000_000_000).to_string(),
        ),
    ]);
    if let Some(load) = load {
        about.insert("loadavg-1min".to_owned(), load);
    }
    Ok((
        Observations {
            steps,
            probes,
            networked: true,
        },
        about,
    ))
}

#[cfg(test)]
mod tests {
    use super::unix_ns;

    #[test]
    fn rfc3339_times_become_unix_nanoseconds() {
        assert_eq!(unix_ns("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            unix_ns("2026-12-02T16:18:55.123456789Z"),
            Some(1_796_228_335_123_456_789)
        );
        assert_eq!(
            unix_ns("2026-12-02T17:18:55.5+01:00"),
            Some(1_796_228_335_500_000_000)
        );
        assert_eq!(unix_ns("0001-01-01T00:00:00Z"), None, "Go's zero time");
        assert_eq!(unix_ns("yesterday"), None);
    }
}

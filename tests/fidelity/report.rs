//! `fidelity report`: `docs/fidelity.md` from the raw runs under `docs/fidelity/runs/`.
//!
//! Every prediction is made now, by the current planner, on the fixture files of the run
//! (`stackplan plan` in-process, as a user would call it), so a simulator change is judged
//! against the same observations without measuring again. The observed side is computed from
//! the raw JSON only. Output is deterministic for given runs and planner (`--check` compares).

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use stackplan_core::rollout::{self, Operation, RolloutRequest, Scenario as SimScenario};

use crate::run::SERVICE;
use crate::scenarios::{End, PlanArgs, SCENARIOS, Scenario, Step};

pub struct Options {
    pub runs_dir: PathBuf,
    pub out: PathBuf,
    pub check: bool,
}

/// Time tolerance of the "done when": ±1.5 s, or ±15 % for phases longer than 10 s.
fn tolerance_ms(predicted_ms: f64) -> f64 {
    if predicted_ms > 10_000.0 {
        (predicted_ms * 0.15).max(1_500.0)
    } else {
        1_500.0
    }
}

pub fn report(opts: &Options) -> Result<(), String> {
    let text = generate(&opts.runs_dir)?;
    if opts.check {
        let current = std::fs::read_to_string(&opts.out).unwrap_or_default();
        if current != text {
            return Err(format!(
                "{} is not what `fidelity report` generates from {}; regenerate it",
                opts.out.display(),
                opts.runs_dir.display()
            ));
        }
        eprintln!("fidelity: {} is up to date", opts.out.display());
        return Ok(());
    }
    std::fs::write(&opts.out, &text).map_err(|e| format!("write {}: {e}", opts.out.display()))?;
    eprintln!("fidelity: wrote {}", opts.out.display());
    Ok(())
}

fn load_runs(dir: &Path, key: &str) -> Vec<Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(key))
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    files
        .iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).ok()?;
            serde_json::from_str(&text).ok()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// One timeline, observed or predicted, reduced to what is compared
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
struct Change {
    at_ms: f64,
    state: String,
    /// Task IDs (Swarm's or the planner's labels) replaced by `<task>`.
    message: String,
}

#[derive(Clone, Debug)]
struct Summary {
    changes: Vec<Change>,
    tasks_created: u64,
    updater_tasks: u64,
    min_healthy: u64,
    max_containers: u64,
    /// Errors of tasks left pending (hang scenarios).
    pending: Vec<String>,
    /// Detection (unhealthy paths): first failed probe → unhealthy → FAILED → action, ms after
    /// the first failed probe; observed only.
    detection: Option<Detection>,
}

#[derive(Clone, Debug)]
struct Detection {
    to_unhealthy: f64,
    to_failed: Option<f64>,
    to_action: Option<f64>,
}

impl Summary {
    fn outcome_key(&self) -> String {
        format!(
            "{} | tasks {} (updater {}) | min healthy {} | max containers {}",
            self.changes
                .iter()
                .map(|c| c.state.as_str())
                .collect::<Vec<_>>()
                .join(" → "),
            self.tasks_created,
            self.updater_tasks,
            self.min_healthy,
            self.max_containers
        )
    }
}

fn normalize(message: &str) -> String {
    match message.rsplit_once(" of task ") {
        Some((head, id)) if !id.is_empty() && !id.contains(' ') => {
            format!("{head} of task <task>")
        }
        _ => message.to_owned(),
    }
}

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
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + hh * 3_600 + mm * 60 + ss) * 1_000_000_000) + nanos)
}

fn tail_of(step: &Step) -> (Option<&'static str>, f64) {
    match step.end {
        End::State(s, tail) => (Some(s), tail as f64),
        End::Hang(ms) => (None, ms as f64),
        _ => (None, 0.0),
    }
}

/// The observed summary of one measured step, or why it cannot be read.
fn observed(step: &Step, obs: &Value) -> Result<Summary, String> {
    let service_events: Vec<&Value> = obs["events"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let act_ns = obs["act_ns"].as_i64().unwrap_or(0);
    let t0 = service_events
        .iter()
        .filter(|e| e["type"] == "service" && e["at_ns"].as_i64().unwrap_or(0) >= act_ns)
        .find_map(|e| {
            e["updatestate_new"]
                .as_str()
                .map(|_| e["at_ns"].as_i64().unwrap_or(0))
        })
        .ok_or("no UpdateStatus event after the action")?;
    let rel = |ns: i64| (ns - t0) as f64 / 1e6;
    let polls: Vec<(String, String)> = obs["status_polls"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p["state"].as_str().unwrap_or_default().to_owned(),
                        p["message"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mut changes = Vec::new();
    let mut used = vec![false; polls.len()];
    for e in &service_events {
        let (Some(state), Some(at)) = (e["updatestate_new"].as_str(), e["at_ns"].as_i64()) else {
            continue;
        };
        if at < t0 {
            continue;
        }
        // The message of the first unused poll of that state (polls are in order).
        let message = polls
            .iter()
            .enumerate()
            .find(|(i, (s, _))| !used[*i] && s == state)
            .map_or("(message not seen by polling)".to_owned(), |(i, (_, m))| {
                used[i] = true;
                m.clone()
            });
        changes.push(Change {
            at_ms: rel(at),
            state: state.to_owned(),
            message: normalize(&message),
        });
    }
    let (end_state, tail) = tail_of(step);
    let horizon = match end_state {
        Some(s) => {
            changes
                .iter()
                .find(|c| c.state == s)
                .ok_or_else(|| format!("`{s}` never written"))?
                .at_ms
                + tail
        }
        None => tail,
    };
    changes.retain(|c| c.at_ms <= horizon);
    let tasks: Vec<&Value> = obs["tasks"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let created = |t: &Value| t["created_at"].as_str().and_then(parse_time_ns);
    let new: Vec<&Value> = tasks
        .iter()
        .copied()
        .filter(|t| created(t).is_some_and(|c| c >= act_ns - 500_000_000 && rel(c) <= horizon))
        .collect();
    let mut first: BTreeMap<String, (i64, &Value)> = BTreeMap::new();
    for t in &new {
        let key = if t["slot"].as_u64().unwrap_or(0) == 0 {
            t["node"].as_str().unwrap_or_default().to_owned()
        } else {
            t["slot"].to_string()
        };
        let c = created(t).unwrap_or(0);
        let e = first.entry(key).or_insert((c, t));
        if c < e.0 {
            *e = (c, t);
        }
    }
    let mut alive = obs["containers_before"].as_i64().unwrap_or(0);
    let mut max_containers = alive;
    for e in service_events.iter().filter(|e| e["type"] == "container") {
        let at = e["at_ns"].as_i64().unwrap_or(0);
        if at < t0 || rel(at) > horizon {
            continue;
        }
        match e["action"].as_str() {
            Some("start") => alive += 1,
            Some("die") => alive -= 1,
            _ => {}
        }
        max_containers = max_containers.max(alive);
    }
    let min_healthy = obs["healthy_polls"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| Some((p[0].as_i64()?, p[1].as_u64()?)))
                .filter(|(t, _)| *t >= t0 && rel(*t) <= horizon)
                .map(|(_, h)| h)
                .min()
                .unwrap_or(0)
        })
        .unwrap_or(0);
    let pending = new
        .iter()
        .filter(|t| t["state"] == "pending")
        .map(|t| t["err"].as_str().unwrap_or_default().to_owned())
        .collect();
    // Detection: the first updater task that went unhealthy.
    let detection = detection(
        obs,
        &first.values().map(|(_, t)| *t).collect::<Vec<_>>(),
        &changes,
        t0,
    );
    Ok(Summary {
        changes,
        tasks_created: new.len() as u64,
        updater_tasks: first.len() as u64,
        min_healthy,
        max_containers: max_containers.max(0) as u64,
        pending,
        detection,
    })
}

fn detection(obs: &Value, updater: &[&Value], changes: &[Change], t0: i64) -> Option<Detection> {
    let events = obs["events"].as_array()?;
    let mut best: Option<(i64, Detection)> = None;
    for t in updater {
        let id = t["id"].as_str()?;
        let unhealthy = events
            .iter()
            .find(|e| e["task"] == id && e["action"] == "health_status: unhealthy")
            .and_then(|e| e["at_ns"].as_i64());
        let Some(unhealthy) = unhealthy else { continue };
        let first_fail = obs["logs"][id].as_array().and_then(|lines| {
            lines.iter().filter_map(Value::as_str).find_map(|l| {
                let (ts, rest) = l.split_once(' ')?;
                (rest.trim() == "health 500")
                    .then(|| parse_time_ns(ts))
                    .flatten()
            })
        });
        let Some(first_fail) = first_fail else {
            continue;
        };
        let failed = t["status_at"]
            .as_str()
            .and_then(parse_time_ns)
            .filter(|_| t["state"] == "failed");
        // The first action written after the failed probe (a manual rollback's own
        // `rollback_started` comes before it).
        let action = changes
            .iter()
            .map(|c| (c, t0 + (c.at_ms * 1e6) as i64))
            .find(|(c, at)| c.state != "updating" && c.state != "completed" && *at >= first_fail)
            .map(|(_, at)| at);
        let ms = |ns: i64| (ns - first_fail) as f64 / 1e6;
        let d = Detection {
            to_unhealthy: ms(unhealthy),
            to_failed: failed.map(ms),
            to_action: action.map(ms),
        };
        if best.as_ref().is_none_or(|(b, _)| first_fail < *b) {
            best = Some((first_fail, d));
        }
    }
    best.map(|(_, d)| d)
}

// ---------------------------------------------------------------------------------------------
// Predictions
// ---------------------------------------------------------------------------------------------

fn major(engine_version: &str) -> String {
    engine_version.split('.').next().unwrap_or("27").to_owned()
}

fn cli_plan(
    dir: &Path,
    to: &[&str],
    from: &[&str],
    scenario: &str,
    major: &str,
    image: &str,
    extra: &[String],
) -> Result<Value, String> {
    let mut args: Vec<String> = Vec::new();
    for f in to {
        args.push("-f".into());
        args.push((*f).into());
    }
    args.push("plan".into());
    for f in from {
        args.push("--from-file".into());
        args.push((*f).into());
    }
    args.extend(
        [
            "--scenario",
            scenario,
            "--engine-version",
            major,
            "--format",
            "json",
        ]
        .map(String::from),
    );
    args.extend(extra.iter().cloned());
    let mut env = indexmap::IndexMap::new();
    env.insert("STACKPLAN_E2E_IMAGE".to_owned(), image.to_owned());
    let run = stackplan_tests::run_cli(&args, dir, env);
    if run.status != 0 {
        return Err(format!(
            "stackplan {} failed: {}",
            args.join(" "),
            run.stderr
        ));
    }
    let doc: Value = serde_json::from_str(&run.stdout).map_err(|e| e.to_string())?;
    doc["plan"]["services"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == SERVICE))
        .cloned()
        .ok_or_else(|| format!("no `{SERVICE}` in the plan"))
}

/// The planner's simulation (a serialised `RolloutPlan`) for a measured step, with the
/// default timing (`None`) or a calibrated one.
fn predict(
    sc: &Scenario,
    p: &PlanArgs,
    engine_version: &str,
    image: &str,
    calibrated: Option<&Calibrated>,
) -> Result<Value, String> {
    let dir = stackplan_tests::probe::swarm_dir().join(sc.dir);
    let major = major(engine_version);
    let extra = calibrated.map(|c| c.flags.clone()).unwrap_or_default();
    if !p.rollback {
        let service = cli_plan(&dir, p.to, p.from, p.scenario, &major, image, &extra)?;
        return service["simulations"]
            .as_array()
            .and_then(|s| s.first())
            .cloned()
            .ok_or_else(|| "no simulation in the plan".to_owned());
    }
    // A manual rollback: `plan` has no entry point for it; the core simulates it from the
    // effective specs the planner resolves for both file sets.
    let running = cli_plan(&dir, p.from, p.to, "healthy", &major, image, &[])?;
    let restored = cli_plan(&dir, p.to, p.from, "healthy", &major, image, &[])?;
    let spec = |s: &Value| {
        serde_json::from_value(s["effective"]["spec"].clone()).map_err(|e| e.to_string())
    };
    let scenario = SimScenario::parse(p.scenario).map_err(|e| e.to_string())?;
    let mut request = RolloutRequest::new(spec(&running)?, spec(&restored)?, scenario);
    request.operation = Operation::Rollback;
    request.engine_major_version = major.parse().unwrap_or(27);
    if let Some(c) = calibrated {
        request.timing = c.timing;
    }
    let plan = rollout::simulate(&request).map_err(|e| e.to_string())?;
    serde_json::to_value(plan).map_err(|e| e.to_string())
}

/// A non-default timing for the predictions: the `plan` flags that carry it and the same
/// timing for the core (manual rollbacks).
struct Calibrated {
    flags: Vec<String>,
    timing: rollout::Timing,
}

/// The committed `stackplan calibrate` profile of this machine.
const PROFILE: &str = "timing-this-machine.toml";

impl Calibrated {
    /// `plan --timing <docs/fidelity/timing-this-machine.toml>`.
    fn from_profile(runs_dir: &Path) -> Option<(Calibrated, stackplan_core::api::TimingInput)> {
        let path = runs_dir.join("..").join(PROFILE);
        let text = std::fs::read_to_string(&path).ok()?;
        let input = stackplan_core::api::lint_config::timing_of_profile(PROFILE, &text).ok()?;
        let timing = input.resolve().ok()?;
        let abs = std::fs::canonicalize(&path).ok()?;
        Some((
            Calibrated {
                flags: vec!["--timing".into(), abs.to_string_lossy().into_owned()],
                timing,
            },
            input,
        ))
    }
}

/// This machine's latencies, medians over every raw run (what `stackplan calibrate`
/// measures with its probe service, taken from the scenario runs themselves), in ms.
struct Measured {
    /// Task created with desired RUNNING → container start (first of its batch).
    start_new: f64,
    /// Old container exit → start of the prepared stop-first replacement.
    start_ready: f64,
    /// Between container starts of one batch (created in the same instant).
    spacing: f64,
    /// SIGTERM → exit of a well-behaved app.
    sigterm_exit: f64,
    /// Stop order → SIGTERM, minus the 2 s gossip sleep.
    stop_order: f64,
    samples: BTreeMap<&'static str, usize>,
}

impl Measured {
    /// The same latencies as `plan` flags and as a core timing.
    fn calibrated(&self) -> Calibrated {
        let ms = |v: f64| v.round() as u64;
        let flag = |v: f64| format!("{}ms", ms(v));
        let timing = rollout::Timing {
            start_new_ms: ms(self.start_new),
            start_ready_ms: ms(self.start_ready),
            start_spacing_ms: ms(self.spacing),
            sigterm_exit_ms: ms(self.sigterm_exit),
            stop_order_delay_ms: ms(self.stop_order),
            ..rollout::Timing::default()
        };
        Calibrated {
            flags: vec![
                "--start-latency".into(),
                flag(self.start_new),
                "--ready-latency".into(),
                flag(self.start_ready),
                "--start-spacing".into(),
                flag(self.spacing),
                "--sigterm-exit".into(),
                flag(self.sigterm_exit),
                "--stop-order-delay".into(),
                flag(self.stop_order),
            ],
            timing,
        }
    }

    fn from_runs(runs_dir: &Path) -> Option<Measured> {
        let mut samples: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
        for sc in SCENARIOS {
            for run in load_runs(runs_dir, sc.key) {
                for (index, step) in sc.steps.iter().enumerate() {
                    if step.plan.is_none() {
                        continue;
                    }
                    if let Some(obs) = run["steps"].get(index) {
                        collect_latencies(obs, &mut samples);
                    }
                }
            }
        }
        let med = |k: &str| stats(samples.get(k).map(Vec::as_slice).unwrap_or(&[])).map(|s| s.1);
        Some(Measured {
            start_new: med("start_new")?,
            start_ready: med("start_ready")?,
            spacing: med("spacing").unwrap_or(0.0),
            sigterm_exit: med("sigterm_exit")?,
            stop_order: med("stop_order").unwrap_or(1_000.0),
            samples: samples.iter().map(|(k, v)| (*k, v.len())).collect(),
        })
    }
}

/// Latency samples of one step: tasks grouped by creation instant (within 50 ms).
fn collect_latencies(obs: &Value, samples: &mut BTreeMap<&'static str, Vec<f64>>) {
    let act_ns = obs["act_ns"].as_i64().unwrap_or(0);
    let events: Vec<&Value> = obs["events"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let container = |task: &str, action: &str| {
        events
            .iter()
            .find(|e| e["task"] == task && e["action"] == action)
            .and_then(|e| e["at_ns"].as_i64())
    };
    let tasks: Vec<&Value> = obs["tasks"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let created = |t: &Value| t["created_at"].as_str().and_then(parse_time_ns);
    let mut new: Vec<(i64, &Value)> = tasks
        .iter()
        .filter_map(|t| created(t).filter(|&c| c >= act_ns).map(|c| (c, *t)))
        .collect();
    new.sort_by_key(|(c, _)| *c);
    let old_of = |t: &Value, before: i64| {
        tasks
            .iter()
            .filter(|o| o["slot"] == t["slot"] && o["node"] == t["node"] && o["id"] != t["id"])
            .filter(|o| created(o).is_some_and(|c| c < before))
            .max_by_key(|o| created(o))
            .copied()
    };
    let ms = |ns: i64| ns as f64 / 1e6;
    let mut i = 0;
    while i < new.len() {
        let mut j = i;
        while j + 1 < new.len() && new[j + 1].0 - new[i].0 < 50_000_000 {
            j += 1;
        }
        let batch = &new[i..=j];
        let mut starts: Vec<f64> = Vec::new();
        for (c, t) in batch {
            let id = t["id"].as_str().unwrap_or_default();
            let Some(start) = container(id, "start") else {
                continue;
            };
            match old_of(t, *c).and_then(|o| {
                let oid = o["id"].as_str()?;
                Some((container(oid, "kill"), container(oid, "die")))
            }) {
                // Stop-first: the old container was told to stop when this task was created
                // and died before this one started.
                Some((Some(kill), Some(die))) if kill >= *c && die <= start => {
                    samples
                        .entry("start_ready")
                        .or_default()
                        .push(ms(start - die));
                    samples
                        .entry("stop_order")
                        .or_default()
                        .push(ms(kill - c) - 2_000.0);
                    samples
                        .entry("sigterm_exit")
                        .or_default()
                        .push(ms(die - kill));
                }
                // A replacement of a task that had already ended (restart delay): no sample.
                Some((_, Some(die))) if die <= *c => {}
                // Start-first (the old task still ran) or a fresh slot.
                _ => starts.push(ms(start - c)),
            }
        }
        starts.sort_by(f64::total_cmp);
        if let Some(first) = starts.first() {
            samples.entry("start_new").or_default().push(*first);
        }
        for w in starts.windows(2) {
            samples.entry("spacing").or_default().push(w[1] - w[0]);
        }
        i = j + 1;
    }
}

fn predicted_summary(sim: &Value, step: &Step) -> Summary {
    let changes: Vec<Change> = sim["status_changes"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| Change {
                    at_ms: c["at_ms"].as_f64().unwrap_or(f64::NAN),
                    state: c["state"].as_str().unwrap_or_default().to_owned(),
                    message: normalize(c["message"].as_str().unwrap_or_default()),
                })
                .collect()
        })
        .unwrap_or_default();
    let (end_state, tail) = tail_of(step);
    let horizon = match end_state {
        Some(s) => {
            changes
                .iter()
                .find(|c| c.state == s)
                .map_or(f64::INFINITY, |c| c.at_ms)
                + tail
        }
        None => tail,
    };
    let tasks: Vec<&Value> = sim["tasks"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let new: Vec<&&Value> = tasks
        .iter()
        .filter(|t| {
            t["created_by"] != "initial"
                && t["created_at_ms"].as_f64().is_some_and(|c| c <= horizon)
        })
        .collect();
    let points: Vec<&Value> = sim["capacity"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|p| p["at_ms"].as_f64().is_some_and(|t| t <= horizon))
                .collect()
        })
        .unwrap_or_default();
    Summary {
        // A hang is judged on every status change the planner predicts, not only those
        // inside the observation window: a predicted completion after the window is a miss.
        changes: changes
            .into_iter()
            .filter(|c| c.at_ms <= horizon || end_state.is_none())
            .collect(),
        tasks_created: new.len() as u64,
        // Slots that got a new task, as observed (the first new task of each slot).
        updater_tasks: new
            .iter()
            .map(|t| t["slot"].as_u64().unwrap_or(0))
            .collect::<std::collections::BTreeSet<_>>()
            .len() as u64,
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
        pending: tasks
            .iter()
            .filter(|t| t["pending"] == true)
            .map(|t| t["task"].as_str().unwrap_or_default().to_owned())
            .collect(),
        detection: None,
    }
}

// ---------------------------------------------------------------------------------------------
// The document
// ---------------------------------------------------------------------------------------------

fn stats(values: &[f64]) -> Option<(f64, f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    Some((v[0], median, v[n - 1]))
}

fn secs(ms: f64) -> String {
    format!("{:.1}", ms / 1000.0)
}

struct StepVerdict {
    scenario: &'static str,
    section: &'static str,
    step: &'static str,
    runs: usize,
    outcome_ok: usize,
    messages_ok: usize,
    counts_ok: usize,
    times_ok: usize,
    cal_times_ok: usize,
    worst_cal: f64,
    fit_times_ok: usize,
    worst_fit: f64,
    worst_time: f64,
}

/// The three timings the predictions are made with.
fn timing_table(
    profile: Option<&stackplan_core::api::TimingInput>,
    measured: Option<&Measured>,
) -> String {
    let d = rollout::Timing::default();
    let p = profile.and_then(|i| i.resolve().ok());
    let prof = |f: fn(&rollout::Timing) -> u64, set: bool| match &p {
        Some(t) if set => f(t).to_string(),
        Some(_) => "(default)".to_owned(),
        None => "—".to_owned(),
    };
    let fit = |value: Option<f64>, key: &str| match (measured, value) {
        (Some(m), Some(v)) => format!("{v:.0} ({})", m.samples.get(key).unwrap_or(&0)),
        _ => "—".to_owned(),
    };
    let has = |f: fn(&stackplan_core::api::TimingInput) -> bool| profile.is_some_and(f);
    let rows: [(&str, u64, String, String); 7] = [
        (
            "`start-latency` task created → container start, alone (first of a batch, fitted)",
            d.start_new_ms,
            prof(|t| t.start_new_ms, has(|i| i.start_latency.is_some())),
            fit(measured.map(|m| m.start_new), "start_new"),
        ),
        (
            "`start-concurrent` extra start latency per other task starting at once",
            d.start_concurrent_ms,
            prof(
                |t| t.start_concurrent_ms,
                has(|i| i.start_concurrent.is_some()),
            ),
            "—".to_owned(),
        ),
        (
            "`start-spacing` between container starts of one batch",
            d.start_spacing_ms,
            prof(|t| t.start_spacing_ms, has(|i| i.start_spacing.is_some())),
            fit(measured.map(|m| m.spacing), "spacing"),
        ),
        (
            "`ready-latency` old exit → prepared stop-first replacement start",
            d.start_ready_ms,
            prof(|t| t.start_ready_ms, has(|i| i.ready_latency.is_some())),
            fit(measured.map(|m| m.start_ready), "start_ready"),
        ),
        (
            "`stop-order-delay` stop order → SIGTERM, minus the 2 s gossip sleep",
            d.stop_order_delay_ms,
            prof(
                |t| t.stop_order_delay_ms,
                has(|i| i.stop_order_delay.is_some()),
            ),
            fit(measured.map(|m| m.stop_order), "stop_order"),
        ),
        (
            "`sigterm-exit` SIGTERM → exit",
            d.sigterm_exit_ms,
            prof(|t| t.sigterm_exit_ms, has(|i| i.sigterm_exit.is_some())),
            fit(measured.map(|m| m.sigterm_exit), "sigterm_exit"),
        ),
        (
            "`probe-duration` one healthcheck probe",
            d.probe_ms,
            prof(|t| t.probe_ms, has(|i| i.probe_duration.is_some())),
            "—".to_owned(),
        ),
    ];
    let mut out = format!(
        "## Timing: default, calibrated, fitted\n\nEvery step is predicted three times: with the planner's default timing (what a user gets without calibration); **calibrated**, with the profile `stackplan calibrate` measured on this machine (`docs/fidelity/{PROFILE}`, `plan --timing` reads it; how it was made is in its `[calibration]` table and in the section on calibration below); and **fitted**, with medians of the same latencies taken from the scenario runs themselves (a check of the model: if the latencies are right, are the times?). All in ms; the fitted column gives the sample count.\n\n| latency (profile key) | default | calibrated | fitted to the runs |\n|---|---|---|---|\n"
    );
    for (name, default, calibrated, fitted) in rows {
        let _ = writeln!(out, "| {name} | {default} | {calibrated} | {fitted} |");
    }
    out.push('\n');
    out
}

/// One status change of one prediction against the runs: the predicted time and how many
/// runs are within tolerance; marks the runs that are not, and keeps the worst error.
fn judge(
    predicted: Option<&Change>,
    i: usize,
    obs: &[(String, Summary)],
    ok: &mut [bool],
    worst: &mut f64,
) -> (String, String) {
    let Some(pc) = predicted else {
        ok.iter_mut().for_each(|b| *b = false);
        return ("—".to_owned(), "-".to_owned());
    };
    let tol = tolerance_ms(pc.at_ms);
    let mut n_ok = 0;
    for (k, (_, s)) in obs.iter().enumerate() {
        match s.changes.get(i) {
            Some(c) if c.state == pc.state => {
                let d = c.at_ms - pc.at_ms;
                *worst = worst.max(d.abs());
                if d.abs() <= tol {
                    n_ok += 1;
                } else {
                    ok[k] = false;
                }
            }
            _ => ok[k] = false,
        }
    }
    (secs(pc.at_ms), format!("{n_ok}/{}", obs.len()))
}

fn generate(runs_dir: &Path) -> Result<String, String> {
    let measured = Measured::from_runs(runs_dir);
    let fitted = measured.as_ref().map(Measured::calibrated);
    let profile = Calibrated::from_profile(runs_dir);
    let mut body = String::new();
    let mut verdicts: Vec<StepVerdict> = Vec::new();
    let mut detections: Vec<(String, Detection, String)> = Vec::new();
    for sc in SCENARIOS {
        let runs = load_runs(runs_dir, sc.key);
        let _ = writeln!(body, "\n## {} — {} (`{}`)\n", sc.section, sc.title, sc.key);
        let _ = writeln!(
            body,
            "Fixture: `tests/swarm/{}`. Raw runs: `docs/fidelity/runs/{}/` ({} file(s)).\n",
            sc.dir,
            sc.key,
            runs.len()
        );
        if let Some(errors) = Some(
            runs.iter()
                .filter_map(|r| r["error"].as_str())
                .collect::<Vec<_>>(),
        ) && !errors.is_empty()
        {
            let _ = writeln!(
                body,
                "Runs that did not finish: {}\n",
                errors
                    .iter()
                    .map(|e| format!("`{e}`"))
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
        for (index, step) in sc.steps.iter().enumerate() {
            let Some(p) = &step.plan else { continue };
            let mut obs = Vec::new();
            let mut problems = Vec::new();
            let mut loads = Vec::new();
            for r in &runs {
                let Some(o) = r["steps"].get(index) else {
                    continue;
                };
                loads.push(
                    o["load_before"]
                        .as_str()
                        .and_then(|l| l.split_whitespace().next())
                        .unwrap_or("?")
                        .to_owned(),
                );
                match observed(step, o) {
                    Ok(s) => obs.push((r["run_id"].as_str().unwrap_or("?").to_owned(), s)),
                    Err(e) => {
                        problems.push(format!("run {}: {e}", r["run_id"].as_str().unwrap_or("?")))
                    }
                }
            }
            let engine = runs
                .first()
                .and_then(|r| r["engine_version"].as_str())
                .unwrap_or("27")
                .to_owned();
            let image = runs
                .first()
                .and_then(|r| r["image"].as_str())
                .unwrap_or("sha256:0")
                .to_owned();
            let _ = writeln!(body, "### Step `{}`\n", step.name);
            let _ = writeln!(
                body,
                "Planner: `stackplan {} plan {} --scenario {} --engine-version {}`{}.\n",
                p.to.iter()
                    .map(|f| format!("-f {f}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                p.from
                    .iter()
                    .map(|f| format!("--from-file {f}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                p.scenario,
                major(&engine),
                if p.rollback {
                    " (a manual rollback: the core's `Operation::Rollback` on the effective specs of both file sets; `plan` has no flag for it)"
                } else {
                    ""
                }
            );
            let sim = match predict(sc, p, &engine, &image, None) {
                Ok(s) => s,
                Err(e) => {
                    let _ = writeln!(body, "**The planner failed:** {e}\n");
                    continue;
                }
            };
            let pred = predicted_summary(&sim, step);
            let cal = profile
                .as_ref()
                .and_then(|(c, _)| predict(sc, p, &engine, &image, Some(c)).ok())
                .map(|sim| predicted_summary(&sim, step));
            let fit = fitted
                .as_ref()
                .and_then(|c| predict(sc, p, &engine, &image, Some(c)).ok())
                .map(|sim| predicted_summary(&sim, step));
            if !problems.is_empty() {
                let _ = writeln!(body, "Unreadable runs: {}\n", problems.join("; "));
            }
            let _ = writeln!(
                body,
                "Machine load (1-min loadavg at the start of each run): {}.\n",
                loads.join(", ")
            );
            // Status changes.
            let _ = writeln!(
                body,
                "| # | state | message | predicted s | observed s (min / median / max) | median − predicted | within tolerance | calibrated prediction s | within (calibrated) | fitted prediction s | within (fitted) |"
            );
            let _ = writeln!(body, "|---|---|---|---|---|---|---|---|---|---|---|");
            let rows = pred
                .changes
                .len()
                .max(obs.iter().map(|(_, s)| s.changes.len()).max().unwrap_or(0));
            let mut times_ok = vec![true; obs.len()];
            let mut cal_times_ok = vec![cal.is_some(); obs.len()];
            let mut fit_times_ok = vec![fit.is_some(); obs.len()];
            let mut worst: f64 = 0.0;
            let mut worst_cal: f64 = 0.0;
            let mut worst_fit: f64 = 0.0;
            for i in 0..rows {
                let pc = pred.changes.get(i);
                let vals: Vec<f64> = obs
                    .iter()
                    .filter_map(|(_, s)| s.changes.get(i).map(|c| c.at_ms))
                    .collect();
                let states: Vec<&str> = obs
                    .iter()
                    .filter_map(|(_, s)| s.changes.get(i).map(|c| c.state.as_str()))
                    .collect();
                let messages: Vec<&str> = obs
                    .iter()
                    .filter_map(|(_, s)| s.changes.get(i).map(|c| c.message.as_str()))
                    .collect();
                let state = pc
                    .map(|c| c.state.clone())
                    .or_else(|| states.first().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                let message = pc
                    .map(|c| c.message.clone())
                    .or_else(|| messages.first().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                let st = stats(&vals);
                let mut within = String::from("-");
                if let Some(pc) = pc {
                    let tol = tolerance_ms(pc.at_ms);
                    let mut n_ok = 0;
                    for (k, (_, s)) in obs.iter().enumerate() {
                        match s.changes.get(i) {
                            Some(c) if c.state == pc.state => {
                                let d = c.at_ms - pc.at_ms;
                                worst = worst.max(d.abs());
                                if d.abs() <= tol {
                                    n_ok += 1;
                                } else {
                                    times_ok[k] = false;
                                }
                            }
                            _ => times_ok[k] = false,
                        }
                    }
                    within = format!("{n_ok}/{} (±{})", obs.len(), secs(tol));
                }
                let (cal_at, cal_within) = judge(
                    cal.as_ref().and_then(|c| c.changes.get(i)),
                    i,
                    &obs,
                    &mut cal_times_ok,
                    &mut worst_cal,
                );
                let (fit_at, fit_within) = judge(
                    fit.as_ref().and_then(|c| c.changes.get(i)),
                    i,
                    &obs,
                    &mut fit_times_ok,
                    &mut worst_fit,
                );
                let _ = writeln!(
                    body,
                    "| {} | `{}` | `{}` | {} | {} | {} | {} | {} | {} | {} | {} |",
                    i + 1,
                    state,
                    message,
                    pc.map_or("—".to_owned(), |c| secs(c.at_ms)),
                    st.map_or("—".to_owned(), |(a, m, b)| format!(
                        "{} / {} / {}",
                        secs(a),
                        secs(m),
                        secs(b)
                    )),
                    match (st, pc) {
                        (Some((_, m, _)), Some(c)) => format!("{:+.1}", (m - c.at_ms) / 1000.0),
                        _ => "—".to_owned(),
                    },
                    within,
                    cal_at,
                    cal_within,
                    fit_at,
                    fit_within
                );
            }
            // Outcome, messages, counts per run.
            let outcome_ok = obs
                .iter()
                .filter(|(_, s)| {
                    s.changes
                        .iter()
                        .map(|c| &c.state)
                        .eq(pred.changes.iter().map(|c| &c.state))
                })
                .count();
            let messages_ok = obs
                .iter()
                .filter(|(_, s)| {
                    s.changes
                        .iter()
                        .map(|c| (&c.state, &c.message))
                        .eq(pred.changes.iter().map(|c| (&c.state, &c.message)))
                })
                .count();
            let counts_ok = obs
                .iter()
                .filter(|(_, s)| {
                    s.tasks_created == pred.tasks_created
                        && s.min_healthy == pred.min_healthy
                        && s.max_containers == pred.max_containers
                })
                .count();
            let _ = writeln!(
                body,
                "\n| count (up to the final state + tail) | predicted | observed per run |"
            );
            let _ = writeln!(body, "|---|---|---|");
            let per_run = |f: &dyn Fn(&Summary) -> u64| {
                obs.iter()
                    .map(|(_, s)| f(s).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                body,
                "| tasks created | {} | {} |",
                pred.tasks_created,
                per_run(&|s| s.tasks_created)
            );
            let _ = writeln!(
                body,
                "| slots that got a new task | {} | {} |",
                pred.updater_tasks,
                per_run(&|s| s.updater_tasks)
            );
            let _ = writeln!(
                body,
                "| min healthy | {} | {} |",
                pred.min_healthy,
                per_run(&|s| s.min_healthy)
            );
            let _ = writeln!(
                body,
                "| max containers | {} | {} |",
                pred.max_containers,
                per_run(&|s| s.max_containers)
            );
            if !pred.pending.is_empty() || obs.iter().any(|(_, s)| !s.pending.is_empty()) {
                let mut errs: Vec<String> = obs
                    .iter()
                    .flat_map(|(_, s)| s.pending.iter().cloned())
                    .collect();
                errs.sort();
                errs.dedup();
                let _ = writeln!(
                    body,
                    "| tasks left pending | {} ({}) | {} |",
                    pred.pending.len(),
                    pred.pending.join(", "),
                    errs.iter()
                        .map(|e| format!("`{e}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            // Distribution of distinct outcomes.
            let mut dist: BTreeMap<String, usize> = BTreeMap::new();
            for (_, s) in &obs {
                *dist.entry(s.outcome_key()).or_default() += 1;
            }
            let _ = writeln!(
                body,
                "\nDistinct outcomes: predicted `{}`; observed:",
                pred.outcome_key()
            );
            for (k, n) in &dist {
                let _ = writeln!(body, "- {n}× `{k}`");
            }
            let notes: Vec<String> = sim["notes"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|n| n["message"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if !notes.is_empty() {
                let _ = writeln!(body, "\nThe planner's notes on this prediction:");
                for n in notes {
                    let _ = writeln!(body, "- {n}");
                }
            }
            for (_, s) in &obs {
                if let Some(d) = &s.detection {
                    detections.push((
                        format!("{} `{}`", sc.section, step.name),
                        d.clone(),
                        p.scenario.to_owned(),
                    ));
                }
            }
            let _ = writeln!(body);
            verdicts.push(StepVerdict {
                scenario: sc.key,
                section: sc.section,
                step: step.name,
                runs: obs.len(),
                outcome_ok,
                messages_ok,
                counts_ok,
                times_ok: times_ok.iter().filter(|&&b| b).count(),
                cal_times_ok: cal_times_ok.iter().filter(|&&b| b).count(),
                worst_cal,
                fit_times_ok: fit_times_ok.iter().filter(|&&b| b).count(),
                worst_fit,
                worst_time: worst,
            });
        }
        let analysis = runs_dir
            .join("..")
            .join("analysis")
            .join(format!("{}.md", sc.key));
        if let Ok(text) = std::fs::read_to_string(&analysis) {
            let _ = writeln!(
                body,
                "**Analysis** (`docs/fidelity/analysis/{}.md`):\n\n{}",
                sc.key,
                text.trim()
            );
        }
    }
    let mut out = String::new();
    let head = runs_dir.join("..").join("analysis").join("_intro.md");
    out.push_str("<!-- generated by `cargo run -p stackplan-tests --bin fidelity -- report`; do not edit -->\n");
    out.push_str("# Planner fidelity: `stackplan plan` against a real Swarm\n\n");
    if let Ok(text) = std::fs::read_to_string(head) {
        out.push_str(text.trim());
        out.push_str("\n\n");
    }
    out.push_str(&timing_table(
        profile.as_ref().map(|(_, input)| input),
        measured.as_ref(),
    ));
    out.push_str("## Summary\n\n");
    out.push_str("Per measured step: how many runs matched the planner on the sequence of UpdateStatus states (outcome), on states and exact messages, on the counts (tasks created, min healthy, max containers), and on every status-change time within tolerance (±1.5 s, ±15 % past 10 s).\n\n");
    out.push_str("| scenario | step | runs | outcome | messages | counts | times | worst time error s | times (calibrated) | worst (calibrated) s | times (fitted) | worst (fitted) s | verdict |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    let mut full = 0;
    for v in &verdicts {
        let all = |n: usize| n == v.runs && v.runs > 0;
        let verdict = if v.runs == 0 {
            "no runs"
        } else if all(v.outcome_ok) && all(v.messages_ok) && all(v.counts_ok) && all(v.times_ok) {
            full += 1;
            "match"
        } else if all(v.outcome_ok) && all(v.messages_ok) {
            "outcome and messages match; counts or times differ"
        } else if v.outcome_ok > 0 {
            "outcome differs in some runs"
        } else {
            "MISMATCH"
        };
        let _ = writeln!(
            out,
            "| {} (`{}`) | {} | {} | {}/{} | {}/{} | {}/{} | {}/{} | {:.1} | {}/{} | {:.1} | {}/{} | {:.1} | {} |",
            v.section,
            v.scenario,
            v.step,
            v.runs,
            v.outcome_ok,
            v.runs,
            v.messages_ok,
            v.runs,
            v.counts_ok,
            v.runs,
            v.times_ok,
            v.runs,
            v.worst_time / 1000.0,
            v.cal_times_ok,
            v.runs,
            v.worst_cal / 1000.0,
            v.fit_times_ok,
            v.runs,
            v.worst_fit / 1000.0,
            verdict
        );
    }
    let total_runs: usize = verdicts.iter().map(|v| v.runs).sum();
    let _ = writeln!(
        out,
        "\n{} measured steps in {} scenarios, {} step runs; {} steps match in every run.\n",
        verdicts.len(),
        SCENARIOS.len(),
        total_runs,
        full
    );
    if !detections.is_empty() {
        out.push_str("## Detection time (observed)\n\nFrom the first failed probe (the app's own `health 500` log line) of the first updater task that went unhealthy, to its `health_status: unhealthy` event, to the task being FAILED (its status timestamp), and to the first UpdateStatus action after it (`paused`, `rollback_started`, `rollback_paused`; in S7 the action comes only with the third failure, `max_failure_ratio` 0.5; `continue` in S12 has none). From RUNNING (the last good probe) add `interval` + probe duration; the lint rule SP109 estimates `retries × (interval + 0.1 s probe) + 2 s + 0.3 s` for that (6.5 s for HC-A and HC-B), derived from these runs and checked against them by `core/tests/lint_detection.rs` (its earlier `retries × (interval + timeout) + 2 s + stop_grace_period`, 18 s and 22 s, is the worst case for probes that hang and applications that ignore SIGTERM, which the rule now only mentions).\n\n| step | scenario | → unhealthy s | → FAILED s | → action s |\n|---|---|---|---|---|\n");
        for (name, d, scen) in &detections {
            let _ = writeln!(
                out,
                "| {name} | {scen} | {} | {} | {} |",
                secs(d.to_unhealthy),
                d.to_failed.map_or("—".to_owned(), secs),
                d.to_action.map_or("—".to_owned(), secs)
            );
        }
        out.push('\n');
    }
    out.push_str(&body);
    let _ = json!({}); // keep serde_json's macro import used in all cfgs
    Ok(out)
}

//! Following the rollouts an apply started: per service the slots done, Swarm's
//! `UpdateStatus` and its message, and the position against the plan's prediction; a
//! rollout that makes no progress for `--progress-timeout` is called stalled and explained
//! from its tasks (what Swarm never reports itself: e.g. a start-first update whose new task
//! stays pending on "host-mode port already in use").
//!
//! Reacts to the Engine's events: one `GET /events` stream (types service and container,
//! from just before the writes were sent) says *that* a followed service changed — Swarm
//! emits a service `update` event with `updatestate.new` each time its `UpdateStatus`
//! changes, and the local node's containers of its tasks emit start/die/health events —
//! and `GET /services/{id}` + `GET /tasks?filters={"service":[id]}` then say *what*. Task
//! states of other nodes have no event, so every followed service is also re-read every
//! [`RESYNC`] (progress bars, stall detection); without the stream (an error, an old
//! Engine) the loop polls every [`POLL`] instead. Judging is pure ([`judge`]); the loop
//! only fetches and renders.

use crate::apply::Action;
use crate::endpoint::Engine;
use crate::swarm::percent_encode;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::time::{Duration, Instant, SystemTime};

/// With the events stream: how often every followed service is re-read anyway.
pub const RESYNC: Duration = Duration::from_millis(1000);
/// Without it: the poll interval.
pub const POLL: Duration = Duration::from_millis(200);

/// Container actions that say something about a task's progress (not `exec_*`, `attach`…).
const TASK_ACTIONS: [&str; 7] = [
    "create",
    "start",
    "die",
    "kill",
    "stop",
    "destroy",
    "health_status",
];

/// The ID of the service an Engine event is about, when it is a followed one's business: a
/// service event (its actor), or a container event of one of its tasks (the container's
/// `com.docker.swarm.service.id` label).
pub fn event_service(event: &Value) -> Option<&str> {
    let actor = &event["Actor"];
    match event["Type"].as_str()? {
        "service" => actor["ID"].as_str(),
        "container" => {
            let action = event["Action"].as_str()?;
            let verb = action.split(':').next().unwrap_or(action).trim();
            TASK_ACTIONS
                .contains(&verb)
                .then(|| actor["Attributes"]["com.docker.swarm.service.id"].as_str())
                .flatten()
        }
        _ => None,
    }
}

/// Opens the events stream (service and container events since `since`, Unix seconds) and
/// forwards the ID of the service each event concerns. `None` when the Engine does not open
/// it within 2 s (the caller then polls).
pub async fn subscribe(
    engine: &Engine,
    since: f64,
) -> Option<tokio::sync::mpsc::UnboundedReceiver<String>> {
    use http_body_util::BodyExt as _;
    let filters = percent_encode(&json!({ "type": ["service", "container"] }).to_string());
    // The Engine reads `since` as seconds.nanoseconds (nine digits).
    let whole = since.floor();
    let path = format!(
        "/events?since={}.{:09}&filters={filters}",
        whole as i64,
        ((since - whole) * 1e9) as i64
    );
    let mut body = tokio::time::timeout(Duration::from_secs(2), engine.stream(&path))
        .await
        .ok()?
        .ok()?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut pending: Vec<u8> = Vec::new();
        while let Some(Ok(frame)) = body.frame().await {
            let Ok(data) = frame.into_data() else {
                continue;
            };
            pending.extend_from_slice(&data);
            while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                let Ok(event) = serde_json::from_slice::<Value>(&line) else {
                    continue;
                };
                if let Some(id) = event_service(&event)
                    && tx.send(id.to_owned()).is_err()
                {
                    return; // the follower is done
                }
            }
        }
    });
    Some(rx)
}

/// What the plan predicted for one service (from the plugin's simulations).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prediction {
    /// Healthy scenario: when the update completes (seconds from its start).
    pub completed_at_s: Option<f64>,
    /// Unhealthy scenario: its outcome (`rolled_back`, `paused`…) and when a rollback starts.
    pub unhealthy_outcome: Option<String>,
    pub unhealthy_rollback_at_s: Option<f64>,
}

impl Prediction {
    /// From one service of the plugin's plan (`plan_file.plan.services[]`).
    pub fn from_plan(service: &Value) -> Option<Prediction> {
        let sims = service["simulations"].as_array()?;
        let mut p = Prediction::default();
        for sim in sims {
            let scenario = sim["scenario"].as_str().unwrap_or_default();
            let secs = |v: &Value| v.as_f64().map(|ms| ms / 1000.0);
            if scenario == "healthy" {
                if sim["outcome"] == "completed" {
                    p.completed_at_s = secs(&sim["finished_at_ms"]);
                }
            } else if scenario.starts_with("unhealthy") {
                p.unhealthy_outcome = sim["outcome"].as_str().map(str::to_owned);
                p.unhealthy_rollback_at_s = secs(&sim["rollback"]["started_at_ms"]);
            }
        }
        (p != Prediction::default()).then_some(p)
    }
}

/// One rollout to follow.
#[derive(Clone, Debug)]
pub struct Target {
    pub name: String,
    pub id: String,
    pub action: Action,
    /// `UpdateStatus.StartedAt` before the update was sent (an old update's status is not
    /// this one's).
    pub previous_started_at: Option<String>,
    pub prediction: Option<Prediction>,
}

/// How a followed rollout ended.
#[derive(Clone, Debug, PartialEq)]
pub enum End {
    Converged,
    RolledBack,
    Paused(String),
    Stalled(String),
    Error(String),
    /// `--detach`, or interrupted: Swarm goes on.
    NotFollowed(String),
}

impl End {
    pub fn word(&self) -> &'static str {
        match self {
            End::Converged => "converged",
            End::RolledBack => "rolled back",
            End::Paused(_) => "paused",
            End::Stalled(_) => "stalled",
            End::Error(_) => "error",
            End::NotFollowed(_) => "not followed",
        }
    }

    /// 0 converged, 1 a stack problem, 2 an error.
    pub fn code(&self) -> u8 {
        match self {
            End::Converged | End::NotFollowed(_) => 0,
            End::RolledBack | End::Paused(_) | End::Stalled(_) => 1,
            End::Error(_) => 2,
        }
    }
}

/// The state of one rollout at one poll.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Observation {
    pub state: Option<String>,
    pub message: Option<String>,
    /// Whether the `UpdateStatus` belongs to this apply's update.
    pub ours: bool,
    pub completed_at: Option<String>,
    pub desired: u64,
    /// Tasks running at the service's current spec (created after the update started).
    pub done: u64,
    pub running: u64,
    /// Tasks that should run but do not, with Swarm's words (`pending: host-mode port …`).
    pub waiting: Vec<String>,
}

/// Reads one service and its tasks into an [`Observation`].
pub fn observe(service: &Value, tasks: &[Value], target: &Target, sent_at: f64) -> Observation {
    let us = &service["UpdateStatus"];
    let started = us["StartedAt"].as_str().map(str::to_owned);
    let ours = target.action == Action::Update
        && started.is_some()
        && started != target.previous_started_at;
    let desired = match service["Spec"]["Mode"]["Replicated"]["Replicas"].as_u64() {
        Some(r) => r,
        None => tasks
            .iter()
            .filter(|t| t["DesiredState"] == "running")
            .count() as u64,
    };
    let live: Vec<&Value> = tasks
        .iter()
        .filter(|t| t["DesiredState"] == "running")
        .collect();
    let running = live
        .iter()
        .filter(|t| t["Status"]["State"] == "running")
        .count() as u64;
    let done = live
        .iter()
        .filter(|t| t["Status"]["State"] == "running")
        .filter(|t| {
            target.action == Action::Create
                || t["CreatedAt"]
                    .as_str()
                    .and_then(parse_time)
                    .is_some_and(|c| c >= sent_at - 1.0)
        })
        .count() as u64;
    let waiting = live
        .iter()
        .filter(|t| t["Status"]["State"] != "running")
        .map(|t| {
            let why = t["Status"]["Err"]
                .as_str()
                .filter(|e| !e.is_empty())
                .or(t["Status"]["Message"].as_str())
                .unwrap_or("");
            format!(
                "task {}.{} {}: {why}",
                target.name,
                t["Slot"].as_u64().map_or("?".into(), |s| s.to_string()),
                t["Status"]["State"].as_str().unwrap_or("?")
            )
        })
        .collect();
    Observation {
        state: ours
            .then(|| us["State"].as_str().map(str::to_owned))
            .flatten(),
        message: ours
            .then(|| us["Message"].as_str().map(str::to_owned))
            .flatten(),
        ours,
        completed_at: ours
            .then(|| us["CompletedAt"].as_str().map(str::to_owned))
            .flatten(),
        desired,
        done,
        running,
        waiting,
    }
}

/// Whether the rollout has ended, from one observation; `quiet_for` is how long nothing
/// changed, `since_sent` how long ago the write was sent.
pub fn judge(
    o: &Observation,
    target: &Target,
    quiet_for: Duration,
    since_sent: Duration,
    progress_timeout: Duration,
) -> Option<End> {
    match o.state.as_deref() {
        Some("completed") => return Some(End::Converged),
        Some("rollback_completed") => return Some(End::RolledBack),
        Some(s @ ("paused" | "rollback_paused")) => {
            return Some(End::Paused(format!(
                "{s}{}",
                o.message
                    .as_deref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            )));
        }
        _ => {}
    }
    let all_running = o.running == o.desired && o.waiting.is_empty();
    match target.action {
        Action::Create if all_running && o.done == o.desired => return Some(End::Converged),
        // An update that needs no new task (e.g. only its update_config changed) writes no
        // UpdateStatus: converged once everything runs and Swarm stayed quiet.
        Action::Update if !o.ours && all_running && since_sent >= Duration::from_secs(3) => {
            return Some(End::Converged);
        }
        _ => {}
    }
    if quiet_for >= progress_timeout {
        let mut why = format!(
            "no progress for {} s ({} of {} tasks at the new spec{})",
            quiet_for.as_secs(),
            o.done,
            o.desired,
            o.state
                .as_deref()
                .map(|s| format!(", UpdateStatus {s}"))
                .unwrap_or_default()
        );
        if o.waiting.is_empty() {
            why.push_str("; Swarm reports no waiting task");
        } else {
            let _ = write!(why, "; {}", o.waiting.join("; "));
            if o.waiting.iter().any(|w| w.contains("host-mode port")) {
                why.push_str(
                    " — a host-mode port can be bound by one task per node: with order \
                     start-first the new task waits for the old one, which is only stopped \
                     after the new one runs; use order stop-first or ingress mode",
                );
            }
        }
        return Some(End::Stalled(why));
    }
    None
}

/// The position against the prediction while the rollout runs.
pub fn position(o: &Observation, prediction: Option<&Prediction>, elapsed_s: f64) -> String {
    let Some(p) = prediction else {
        return "no prediction".into();
    };
    let rolling_back = o
        .state
        .as_deref()
        .is_some_and(|s| s.starts_with("rollback"));
    match (rolling_back, p.completed_at_s) {
        (true, _) => match (p.unhealthy_outcome.as_deref(), p.unhealthy_rollback_at_s) {
            (Some("rolled_back"), Some(at)) => format!(
                "as predicted for an unhealthy release: rollback predicted at {at:.0} s, Swarm \
                 started it by {elapsed_s:.0} s"
            ),
            _ => format!(
                "diverged: predicted completed at {}, Swarm started a rollback by {elapsed_s:.0} s",
                p.completed_at_s.map_or("?".into(), |c| format!("{c:.0} s"))
            ),
        },
        (false, Some(at)) if elapsed_s > at + 2.0 => {
            format!(
                "{:.0} s behind (predicted completed at {at:.0} s)",
                elapsed_s - at
            )
        }
        (false, Some(at)) => format!("on time (predicted completed at {at:.0} s)"),
        (false, None) => "no completion predicted".into(),
    }
}

/// The predicted-vs-actual line of a finished rollout.
pub fn verdict(end: &End, prediction: Option<&Prediction>, elapsed_s: f64) -> String {
    let Some(p) = prediction else {
        return "no prediction to compare with".into();
    };
    match end {
        End::Converged => match p.completed_at_s {
            Some(at) if (elapsed_s - at).abs() <= 2.0 => {
                format!("as predicted: completed at {elapsed_s:.0} s, predicted {at:.0} s")
            }
            Some(at) => format!(
                "completed at {elapsed_s:.0} s, predicted {at:.0} s ({:+.0} s)",
                elapsed_s - at
            ),
            None => format!("completed at {elapsed_s:.0} s"),
        },
        End::RolledBack => match (p.unhealthy_outcome.as_deref(), p.unhealthy_rollback_at_s) {
            (Some("rolled_back"), Some(at)) => format!(
                "as predicted for an unhealthy release: rolled back (rollback predicted at \
                 {at:.0} s; done at {elapsed_s:.0} s)"
            ),
            _ => format!(
                "diverged: predicted {}, Swarm rolled back (done at {elapsed_s:.0} s)",
                p.completed_at_s
                    .map_or("no rollback".into(), |c| format!("completed at {c:.0} s"))
            ),
        },
        other => format!(
            "{} at {elapsed_s:.0} s{}",
            other.word(),
            match (p.unhealthy_outcome.as_deref(), other) {
                (Some("paused"), End::Paused(_)) => " — as predicted for an unhealthy release",
                _ => "",
            }
        ),
    }
}

/// The outcome of one followed rollout.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub name: String,
    pub action: Action,
    pub end: End,
    pub elapsed: Duration,
    pub done: u64,
    pub desired: u64,
    pub message: Option<String>,
    pub verdict: String,
    /// Swarm's `UpdateStatus.CompletedAt` and when this process printed the outcome (Unix
    /// seconds), for the reporting delay.
    pub completed_at: Option<f64>,
    pub reported_at: f64,
    /// Whether the read that found the end was prompted by an Engine event (else a resync
    /// or poll).
    pub by_event: bool,
}

/// Seconds since the Unix epoch, now.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// RFC 3339 (as the Engine writes it: `2026-12-02T13:20:01.123456789Z`) → Unix seconds.
pub fn parse_time(text: &str) -> Option<f64> {
    let (date, time) = text.split_once('T')?;
    let mut d = date.split('-');
    let (y, m, day): (i64, i64, i64) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    let (clock, offset) = match time.find(['Z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, "Z"),
    };
    let mut c = clock.split(':');
    let (hh, mm): (i64, i64) = (c.next()?.parse().ok()?, c.next()?.parse().ok()?);
    let ss: f64 = c.next()?.parse().ok()?;
    let offset_s = if offset == "Z" || offset.is_empty() {
        0
    } else {
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (oh, om) = offset[1..].split_once(':')?;
        sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60)
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + hh * 3600 + mm * 60 - offset_s) as f64 + ss)
}

/// How to show progress.
pub struct Display {
    /// indicatif bars (stdout is a terminal) or plain lines.
    pub bars: bool,
}

/// Follows every target until each has ended, the user interrupts, or it stalls.
pub async fn follow(
    engine: &Engine,
    targets: &[Target],
    sent_at: f64,
    progress_timeout: Duration,
    display: &Display,
    interrupted: &dyn Fn() -> bool,
) -> Vec<Outcome> {
    use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
    let started = Instant::now();
    let multi = MultiProgress::with_draw_target(if display.bars {
        ProgressDrawTarget::stdout()
    } else {
        ProgressDrawTarget::hidden()
    });
    let style = ProgressStyle::with_template("{prefix:<28} [{bar:20}] {pos}/{len} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    struct Follow {
        bar: indicatif::ProgressBar,
        last: Option<Observation>,
        last_line: String,
        changed: Instant,
        end: Option<Outcome>,
    }
    let mut states: Vec<Follow> = targets
        .iter()
        .map(|t| {
            let bar = multi.add(ProgressBar::new(0));
            bar.set_style(style.clone());
            bar.set_prefix(t.name.clone());
            Follow {
                bar,
                last: None,
                last_line: String::new(),
                changed: Instant::now(),
                end: None,
            }
        })
        .collect();
    let mut events = subscribe(engine, sent_at - 1.0).await;
    if events.is_none() {
        print_line(&format!(
            "(no events stream from the Engine: polling every {} ms)",
            POLL.as_millis()
        ));
    }
    // Services an event named since the last read (all of them at a resync).
    let mut prompted: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut resync = true;
    let mut last_resync = Instant::now();
    loop {
        if states.iter().all(|s| s.end.is_some()) {
            break;
        }
        let stop = interrupted();
        for (target, st) in targets.iter().zip(states.iter_mut()) {
            if st.end.is_some() {
                continue;
            }
            if !stop && !resync && !prompted.contains(&target.id) {
                continue;
            }
            let elapsed = started.elapsed();
            let finish = |st: &mut Follow, end: End, o: &Observation| {
                let verdict = match target.action {
                    Action::Update => {
                        verdict(&end, target.prediction.as_ref(), elapsed.as_secs_f64())
                    }
                    _ => String::new(),
                };
                let outcome = Outcome {
                    name: target.name.clone(),
                    action: target.action,
                    end,
                    elapsed,
                    done: o.done,
                    desired: o.desired,
                    message: o.message.clone(),
                    verdict,
                    completed_at: o.completed_at.as_deref().and_then(parse_time),
                    reported_at: now(),
                    by_event: prompted.contains(&target.id),
                };
                let line = outcome_line(&outcome);
                if display.bars {
                    st.bar.finish_with_message(format!(
                        "{} {}",
                        outcome.end.word(),
                        outcome.verdict
                    ));
                    let _ = multi.println(line);
                } else {
                    print_line(&line);
                }
                st.end = Some(outcome);
            };
            if stop {
                let o = st.last.clone().unwrap_or_default();
                finish(
                    st,
                    End::NotFollowed("interrupted: stopped following, Swarm goes on".into()),
                    &o,
                );
                continue;
            }
            let service = match engine.get(&format!("/services/{}", target.id)).await {
                Ok(s) => s,
                Err(e) => {
                    let o = st.last.clone().unwrap_or_default();
                    finish(st, End::Error(format!("reading {}: {e}", target.name)), &o);
                    continue;
                }
            };
            let filters = percent_encode(&json!({ "service": [target.id.clone()] }).to_string());
            let tasks = engine
                .get(&format!("/tasks?filters={filters}"))
                .await
                .ok()
                .and_then(|t| t.as_array().cloned())
                .unwrap_or_default();
            let o = observe(&service, &tasks, target, sent_at);
            if st.last.as_ref() != Some(&o) {
                st.changed = Instant::now();
                let pos = match target.action {
                    Action::Update => {
                        position(&o, target.prediction.as_ref(), elapsed.as_secs_f64())
                    }
                    _ => "creating".into(),
                };
                let msg = format!(
                    "{}{} · {pos}",
                    o.state
                        .as_deref()
                        .unwrap_or(if target.action == Action::Create {
                            "starting"
                        } else {
                            "waiting for Swarm"
                        }),
                    o.message
                        .as_deref()
                        .map(|m| format!(" — {m}"))
                        .unwrap_or_default(),
                );
                if display.bars {
                    st.bar.set_length(o.desired);
                    st.bar.set_position(o.done.min(o.desired));
                    st.bar.set_message(msg);
                } else {
                    let line = format!("{} {}/{} {msg}", target.name, o.done, o.desired);
                    if line != st.last_line {
                        print_line(&format!("{:>6.1}s {line}", elapsed.as_secs_f64()));
                        st.last_line = line;
                    }
                }
                st.last = Some(o.clone());
            }
            if let Some(end) = judge(&o, target, st.changed.elapsed(), elapsed, progress_timeout) {
                finish(st, end, &o);
            }
        }
        prompted.clear();
        resync = false;
        match events.as_mut() {
            None => {
                tokio::time::sleep(POLL).await;
                resync = true;
            }
            Some(rx) => {
                let left = RESYNC.saturating_sub(last_resync.elapsed());
                // A short wait also lets Ctrl-C be seen while no event comes.
                let wait = left.min(Duration::from_millis(250));
                tokio::select! {
                    id = rx.recv() => match id {
                        Some(id) => {
                            prompted.insert(id);
                            // Take what else arrived with it: one read per service.
                            while let Ok(id) = rx.try_recv() {
                                prompted.insert(id);
                            }
                        }
                        None => {
                            print_line(&format!(
                                "(the events stream closed: polling every {} ms)",
                                POLL.as_millis()
                            ));
                            events = None;
                            resync = true;
                        }
                    },
                    () = tokio::time::sleep(wait) => {}
                }
                if last_resync.elapsed() >= RESYNC {
                    resync = true;
                }
            }
        }
        if resync {
            last_resync = Instant::now();
        }
    }
    let _ = multi.clear();
    states.into_iter().filter_map(|s| s.end).collect()
}

fn print_line(line: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// The line printed when a rollout ends.
pub fn outcome_line(o: &Outcome) -> String {
    let detail = match &o.end {
        End::Paused(why) | End::Stalled(why) | End::Error(why) | End::NotFollowed(why) => {
            format!(": {why}")
        }
        End::RolledBack => o
            .message
            .as_deref()
            .map(|m| format!(": {m}"))
            .unwrap_or_default(),
        End::Converged => String::new(),
    };
    format!(
        "{} {} after {:.1} s ({}/{} tasks){detail}{}",
        o.name,
        o.end.word(),
        o.elapsed.as_secs_f64(),
        o.done,
        o.desired,
        if o.verdict.is_empty() {
            String::new()
        } else {
            format!("; {}", o.verdict)
        }
    )
}

/// The summary table.
pub fn summary(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{:<32} {:<8} {:<13} {:>7} {:>8}  predicted vs actual",
        "SERVICE", "ACTION", "RESULT", "TASKS", "TIME"
    );
    for o in outcomes {
        let _ = writeln!(
            out,
            "{:<32} {:<8} {:<13} {:>7} {:>7.1}s  {}",
            o.name,
            o.action.as_str(),
            o.end.word(),
            format!("{}/{}", o.done, o.desired),
            o.elapsed.as_secs_f64(),
            if o.verdict.is_empty() {
                "-"
            } else {
                &o.verdict
            }
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(action: Action) -> Target {
        Target {
            name: "s_web".into(),
            id: "x".into(),
            action,
            previous_started_at: Some("2026-12-02T10:00:00Z".into()),
            prediction: Some(Prediction {
                completed_at_s: Some(44.0),
                unhealthy_outcome: Some("rolled_back".into()),
                unhealthy_rollback_at_s: Some(12.0),
            }),
        }
    }

    #[test]
    fn events_name_the_service_they_concern() {
        // As the Engine 20.10 streams them (`docker events --format '{{json .}}'`).
        let update = json!({"Type": "service", "Action": "update", "Actor": {"ID": "svc1",
            "Attributes": {"name": "s_web", "updatestate.new": "completed",
                "updatestate.old": "updating"}}, "scope": "swarm"});
        assert_eq!(event_service(&update), Some("svc1"));
        let health = json!({"Type": "container", "Action": "health_status: healthy",
            "Actor": {"ID": "c1", "Attributes": {"com.docker.swarm.service.id": "svc1"}}});
        assert_eq!(event_service(&health), Some("svc1"));
        let exec = json!({"Type": "container", "Action": "exec_start: /probe health",
            "Actor": {"ID": "c1", "Attributes": {"com.docker.swarm.service.id": "svc1"}}});
        assert_eq!(event_service(&exec), None);
        let plain = json!({"Type": "container", "Action": "start",
            "Actor": {"ID": "c2", "Attributes": {"name": "not-a-task"}}});
        assert_eq!(event_service(&plain), None);
        let network = json!({"Type": "network", "Action": "connect", "Actor": {"ID": "n"}});
        assert_eq!(event_service(&network), None);
    }

    #[test]
    fn times_parse_like_the_engine_writes_them() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_time("2000-03-01T00:00:01.5Z"), Some(951_868_801.5));
        assert_eq!(
            parse_time("2000-03-01T01:00:01+01:00"),
            parse_time("2000-03-01T00:00:01Z")
        );
        assert_eq!(parse_time("nope"), None);
    }

    #[test]
    fn an_old_update_status_is_not_this_apply_s() {
        let service = json!({"Spec": {"Mode": {"Replicated": {"Replicas": 1}}},
            "UpdateStatus": {"State": "completed", "StartedAt": "2026-12-02T10:00:00Z"}});
        let o = observe(&service, &[], &target(Action::Update), 0.0);
        assert!(!o.ours);
        assert_eq!(o.state, None);
        let service = json!({"Spec": {"Mode": {"Replicated": {"Replicas": 1}}},
            "UpdateStatus": {"State": "rollback_completed", "StartedAt": "2026-12-02T10:01:00Z",
                "Message": "rollback completed"}});
        let o = observe(&service, &[], &target(Action::Update), 0.0);
        assert_eq!(o.state.as_deref(), Some("rollback_completed"));
        let t = target(Action::Update);
        let end = judge(
            &o,
            &t,
            Duration::ZERO,
            Duration::ZERO,
            Duration::from_secs(60),
        );
        assert_eq!(end, Some(End::RolledBack));
        assert!(verdict(&End::RolledBack, t.prediction.as_ref(), 20.0).starts_with("as predicted"),);
        assert!(
            verdict(
                &End::RolledBack,
                Some(&Prediction {
                    completed_at_s: Some(44.0),
                    ..Prediction::default()
                }),
                20.0
            )
            .starts_with("diverged: predicted completed at 44 s"),
        );
    }

    #[test]
    fn a_pending_host_mode_port_is_explained_when_it_stalls() {
        let service = json!({"Spec": {"Mode": {"Replicated": {"Replicas": 1}}}});
        let tasks = [
            json!({"DesiredState": "running", "Slot": 1, "CreatedAt": "2026-12-02T10:00:00Z",
                "Status": {"State": "running"}}),
            json!({"DesiredState": "running", "Slot": 1, "CreatedAt": "2026-12-02T10:05:00Z",
                "Status": {"State": "pending", "Err": "host-mode port already in use on 1 node"}}),
        ];
        let t = target(Action::Update);
        let o = observe(
            &service,
            &tasks,
            &t,
            parse_time("2026-12-02T10:04:59Z").unwrap(),
        );
        assert_eq!((o.done, o.running), (0, 1));
        assert_eq!(
            judge(
                &o,
                &t,
                Duration::from_secs(5),
                Duration::from_secs(5),
                Duration::from_secs(30)
            ),
            None
        );
        let Some(End::Stalled(why)) = judge(
            &o,
            &t,
            Duration::from_secs(30),
            Duration::from_secs(30),
            Duration::from_secs(30),
        ) else {
            panic!("not stalled")
        };
        assert!(
            why.contains("task s_web.1 pending: host-mode port already in use"),
            "{why}"
        );
        assert!(why.contains("stop-first"), "{why}");
    }

    #[test]
    fn positions_against_the_prediction() {
        let o = Observation {
            state: Some("updating".into()),
            ..Observation::default()
        };
        let p = target(Action::Update).prediction;
        assert_eq!(
            position(&o, p.as_ref(), 10.0),
            "on time (predicted completed at 44 s)"
        );
        assert_eq!(
            position(&o, p.as_ref(), 50.0),
            "6 s behind (predicted completed at 44 s)"
        );
        let o = Observation {
            state: Some("rollback_started".into()),
            ..Observation::default()
        };
        let no_rollback = Prediction {
            completed_at_s: Some(44.0),
            ..Prediction::default()
        };
        assert_eq!(
            position(&o, Some(&no_rollback), 15.0),
            "diverged: predicted completed at 44 s, Swarm started a rollback by 15 s"
        );
    }
}

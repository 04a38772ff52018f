//! Node maintenance: `drain`, `activate`, `promote`, `demote` and `rebalance`.
//!
//! Deciding and doing are separate. [`assess`] is the one function that says, without I/O,
//! what a maintenance step would do to the cluster (which tasks move, which services lose
//! their last eligible node or their room, what happens to the quorum) and whether it must be
//! refused without `--force`. It takes the Engine's own JSON (`GET /nodes`, `/services`,
//! `/tasks`), so it is tested on fabricated JSON, and it is the seam where the core's
//! placement model (`core/src/placement/`, the plan API's maintenance previews) will take
//! over: the eligibility here is a small reading of swarmkit's constraint filter, not a
//! scheduler.
//!
//! The `async` functions fetch, call [`assess`], send one `POST /nodes/{id}/update?version=`
//! (or, for `rebalance`, one `POST /services/{id}/update?version=` with
//! `TaskTemplate.ForceUpdate` bumped: what `docker service update --force` sends) and, with
//! `--wait`, follow what Swarm does.
//!
//! Invariant: a refused step sends nothing.

use crate::apply::Action;
use crate::endpoint::Engine;
use crate::follow::{self, Display, End, Target};
use crate::swarm::percent_encode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// One maintenance step on one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Drain,
    Activate,
    Promote,
    Demote,
}

impl Step {
    pub fn verb(self) -> &'static str {
        match self {
            Step::Drain => "drain",
            Step::Activate => "activate",
            Step::Promote => "promote",
            Step::Demote => "demote",
        }
    }

    /// The node spec after the step.
    fn apply(self, spec: &mut Value) {
        match self {
            Step::Drain => spec["Availability"] = json!("drain"),
            Step::Activate => spec["Availability"] = json!("active"),
            Step::Promote => spec["Role"] = json!("manager"),
            Step::Demote => spec["Role"] = json!("worker"),
        }
    }
}

/// A task that the step takes off its node.
#[derive(Clone, Debug, PartialEq)]
pub struct Move {
    pub service: String,
    /// `web.3` for a replicated task, `edge (global)` for a global one.
    pub task: String,
    /// Replicated tasks are rescheduled elsewhere; a global service just stops there.
    pub rescheduled: bool,
}

/// What [`assess`] found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Assessment {
    /// Reasons to refuse the step (without `--force`).
    pub refusals: Vec<String>,
    /// Worth saying, not a reason to refuse.
    pub warnings: Vec<String>,
    pub moves: Vec<Move>,
    /// The control plane before and after: (managers, reachable, quorum, failures tolerated).
    pub managers_before: (usize, usize, usize, usize),
    pub managers_after: (usize, usize, usize, usize),
}

/// Finds a node by hostname, ID or unique ID prefix.
pub fn find_node<'a>(nodes: &'a [Value], wanted: &str) -> Result<&'a Value, String> {
    if let Some(n) = nodes
        .iter()
        .find(|n| n["ID"] == wanted || n["Description"]["Hostname"] == wanted)
    {
        return Ok(n);
    }
    let by_prefix: Vec<&Value> = nodes
        .iter()
        .filter(|n| n["ID"].as_str().is_some_and(|id| id.starts_with(wanted)))
        .collect();
    match by_prefix.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "no node {wanted:?} (nodes: {})",
            nodes.iter().map(hostname).collect::<Vec<_>>().join(", ")
        )),
        _ => Err(format!(
            "{wanted:?} matches several node IDs; give more of it"
        )),
    }
}

pub fn hostname(node: &Value) -> &str {
    node["Description"]["Hostname"]
        .as_str()
        .or(node["ID"].as_str())
        .unwrap_or("?")
}

fn service_name(service: &Value) -> &str {
    service["Spec"]["Name"]
        .as_str()
        .or(service["ID"].as_str())
        .unwrap_or("?")
}

/// Whether one placement constraint (`node.role==manager`, `node.labels.zone!=b`…) holds on
/// `node`, as swarmkit's constraint filter reads it: keys `node.id`, `node.hostname`,
/// `node.role`, `node.platform.os`, `node.platform.arch`, `node.labels.*`, `engine.labels.*`;
/// values compared case-insensitively; a missing label never equals and always differs.
/// `None` for a key this reading does not know (`node.ip`…): the caller treats it as
/// satisfiable, so an unknown constraint never causes a refusal.
pub fn constraint_holds(constraint: &str, node: &Value) -> Option<bool> {
    let (key, value, equal) = if let Some((k, v)) = constraint.split_once("!=") {
        (k, v, false)
    } else if let Some((k, v)) = constraint.split_once("==") {
        (k, v, true)
    } else {
        return None;
    };
    let (key, value) = (key.trim(), value.trim());
    let lower = key.to_ascii_lowercase();
    let actual: Option<&str> = match lower.as_str() {
        "node.id" => node["ID"].as_str(),
        "node.hostname" => node["Description"]["Hostname"].as_str(),
        "node.role" => node["Spec"]["Role"].as_str(),
        "node.platform.os" => node["Description"]["Platform"]["OS"].as_str(),
        "node.platform.arch" => node["Description"]["Platform"]["Architecture"].as_str(),
        _ => {
            if let Some(label) = key
                .strip_prefix("node.labels.")
                .or_else(|| key.strip_prefix("Node.Labels."))
            {
                node["Spec"]["Labels"][label].as_str()
            } else if let Some(label) = key.strip_prefix("engine.labels.") {
                node["Description"]["Engine"]["Labels"][label].as_str()
            } else {
                return None;
            }
        }
    };
    let same = actual.is_some_and(|a| a.eq_ignore_ascii_case(value));
    Some(if equal { same } else { !same })
}

/// The nodes (IDs) where `service` may run: active, ready, and every constraint holds.
pub fn eligible_nodes<'a>(service: &Value, nodes: &'a [Value]) -> Vec<&'a str> {
    let constraints: Vec<&str> = service["Spec"]["TaskTemplate"]["Placement"]["Constraints"]
        .as_array()
        .map(|c| c.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    nodes
        .iter()
        .filter(|n| n["Spec"]["Availability"] == "active" && n["Status"]["State"] == "ready")
        .filter(|n| {
            constraints
                .iter()
                .all(|c| constraint_holds(c, n).unwrap_or(true))
        })
        .filter_map(|n| n["ID"].as_str())
        .collect()
}

/// Tasks of a replicated service one node can hold: `MaxReplicas`, and 1 when the service
/// publishes a port in host mode (one task per node per port). `None`: no limit.
pub fn per_node_limit(service: &Value) -> Option<u64> {
    let max = service["Spec"]["TaskTemplate"]["Placement"]["MaxReplicas"]
        .as_u64()
        .filter(|m| *m > 0);
    let host_port = service["Spec"]["EndpointSpec"]["Ports"]
        .as_array()
        .is_some_and(|ports| {
            ports.iter().any(|p| {
                p["PublishMode"] == "host" && p["PublishedPort"].as_u64().is_some_and(|n| n > 0)
            })
        });
    match (max, host_port) {
        (Some(m), true) => Some(m.min(1)),
        (Some(m), false) => Some(m),
        (None, true) => Some(1),
        (None, false) => None,
    }
}

/// (managers, reachable managers, quorum, failures tolerated).
pub fn control_plane(nodes: &[Value]) -> (usize, usize, usize, usize) {
    let managers: Vec<&Value> = nodes
        .iter()
        .filter(|n| n["Spec"]["Role"] == "manager" || !n["ManagerStatus"].is_null())
        .collect();
    let reachable = managers
        .iter()
        .filter(|n| n["ManagerStatus"]["Reachability"] == "reachable")
        .count();
    let m = managers.len();
    (m, reachable, m / 2 + 1, m.saturating_sub(1) / 2)
}

/// What `step` on `node_id` would do, and whether to refuse it. Pure: the Engine's JSON in,
/// the verdict out. This is the function to hand to the core's placement model.
pub fn assess(
    step: Step,
    node_id: &str,
    nodes: &[Value],
    services: &[Value],
    tasks: &[Value],
) -> Assessment {
    let mut a = Assessment::default();
    let Some(node) = nodes.iter().find(|n| n["ID"] == node_id) else {
        a.refusals.push(format!("no node {node_id}"));
        return a;
    };
    let host = hostname(node).to_owned();
    let after: Vec<Value> = nodes
        .iter()
        .map(|n| {
            let mut n = n.clone();
            if n["ID"] == node_id {
                step.apply(&mut n["Spec"]);
                if step == Step::Demote {
                    n["ManagerStatus"] = Value::Null;
                }
            }
            n
        })
        .collect();

    // The control plane. Drained managers still vote: availability never moves the quorum.
    a.managers_before = control_plane(nodes);
    let is_manager = node["Spec"]["Role"] == "manager";
    a.managers_after = match step {
        Step::Demote if is_manager => {
            let (m, r, _, _) = a.managers_before;
            let r = r - usize::from(node["ManagerStatus"]["Reachability"] == "reachable");
            let m = m - 1;
            (m, r, m / 2 + 1, m.saturating_sub(1) / 2)
        }
        Step::Promote if !is_manager => {
            // It joins as a voter once it has caught up.
            let (m, r, _, _) = a.managers_before;
            let (m, r) = (m + 1, r + 1);
            (m, r, m / 2 + 1, (m - 1) / 2)
        }
        _ => a.managers_before,
    };
    match step {
        Step::Demote if !is_manager => a.refusals.push(format!("{host} is not a manager")),
        Step::Demote => {
            let (m, r, q, t) = a.managers_after;
            if m == 0 {
                a.refusals.push(format!(
                    "{host} is the last manager: the swarm would have no control plane \
                     (promote another node first)"
                ));
            } else if r < q {
                a.refusals.push(format!(
                    "it would lose the quorum: {r} of {m} managers reachable after it, {q} \
                     needed — no leader, no deploys, no rescheduling (running tasks keep \
                     running); bring the unreachable managers back or remove them first"
                ));
            } else if t == 0 && m > 1 {
                a.warnings.push(format!(
                    "{m} managers tolerate no failure: losing one more loses the quorum"
                ));
            }
            if m > 0 && m.is_multiple_of(2) {
                a.warnings.push(format!(
                    "{m} managers: an even number adds no fault tolerance over {}",
                    m - 1
                ));
            }
        }
        Step::Promote if is_manager => a.refusals.push(format!("{host} is already a manager")),
        Step::Promote => {
            let (m, ..) = a.managers_after;
            if m.is_multiple_of(2) {
                a.warnings.push(format!(
                    "{m} managers: an even number adds no fault tolerance over {} (promote \
                     one more, or none)",
                    m - 1
                ));
            }
        }
        Step::Drain if is_manager => a.warnings.push(format!(
            "{host} is a manager: drained, it runs no tasks and still votes (the quorum is \
             unchanged)"
        )),
        _ => {}
    }

    // Placement: what moves, and which services lose their last eligible node or their room.
    let running_on = |service_id: &str, node: &str| {
        tasks
            .iter()
            .filter(|t| {
                t["ServiceID"] == service_id
                    && t["NodeID"] == node
                    && t["DesiredState"] == "running"
                    && t["Status"]["State"] == "running"
            })
            .collect::<Vec<_>>()
    };
    for service in services {
        let spec = &service["Spec"];
        let name = service_name(service).to_owned();
        let Some(service_id) = service["ID"].as_str() else {
            continue;
        };
        let before: BTreeSet<&str> = eligible_nodes(service, nodes).into_iter().collect();
        let after_ok: BTreeSet<&str> = eligible_nodes(service, &after).into_iter().collect();
        let leaves = before.contains(node_id) && !after_ok.contains(node_id);
        if let Some(replicas) = spec["Mode"]["Replicated"]["Replicas"].as_u64() {
            if replicas == 0 {
                continue;
            }
            if leaves {
                for t in running_on(service_id, node_id) {
                    a.moves.push(Move {
                        service: name.clone(),
                        task: format!("{name}.{}", t["Slot"].as_u64().unwrap_or(0)),
                        rescheduled: true,
                    });
                }
            }
            let room = per_node_limit(service).map(|l| l * after_ok.len() as u64);
            if after_ok.is_empty() && !before.is_empty() {
                a.refusals.push(format!(
                    "{name} would have no node left to run on ({}): its {replicas} task(s) \
                     would stay pending",
                    constraints_text(service)
                ));
            } else if let Some(room) = room.filter(|r| *r < replicas)
                && per_node_limit(service).map(|l| l * before.len() as u64) >= Some(replicas)
            {
                a.refusals.push(format!(
                    "{name} would have room for {room} of its {replicas} tasks ({} node(s) \
                     left × {} per node{}): the rest would stay pending",
                    after_ok.len(),
                    per_node_limit(service).unwrap_or(0),
                    if per_node_limit(service) == Some(1) {
                        ", max_replicas_per_node or a host-mode port"
                    } else {
                        ", max_replicas_per_node"
                    }
                ));
            }
        } else if spec["Mode"].get("Global").is_some() && leaves {
            if !running_on(service_id, node_id).is_empty() {
                a.moves.push(Move {
                    service: name.clone(),
                    task: format!("{name} (global)"),
                    rescheduled: false,
                });
            }
            if after_ok.is_empty() {
                a.refusals.push(format!(
                    "{host} is the last node that can run the global service {name} ({}): \
                     it would run nowhere",
                    constraints_text(service)
                ));
            }
        }
    }
    if step == Step::Activate && node["Spec"]["Availability"] != "active" {
        a.warnings.push(format!(
            "Swarm does not move running replicated tasks back to {host}: it starts only the \
             global services' tasks there; `stackplan-host rebalance SERVICE` spreads a \
             replicated service again (it restarts its tasks at its update parallelism)"
        ));
    }
    a
}

fn constraints_text(service: &Value) -> String {
    let c: Vec<&str> = service["Spec"]["TaskTemplate"]["Placement"]["Constraints"]
        .as_array()
        .map(|c| c.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if c.is_empty() {
        "no constraints, every other node is drained or down".to_owned()
    } else {
        format!("constraints {}", c.join(", "))
    }
}

pub fn render_assessment(step: Step, host: &str, a: &Assessment) -> String {
    let mut out = String::new();
    let (m0, r0, q0, t0) = a.managers_before;
    let (m1, r1, q1, t1) = a.managers_after;
    let _ = writeln!(out, "{} {host}:", step.verb());
    if a.managers_before != a.managers_after {
        let _ = writeln!(
            out,
            "  managers: {m0} ({r0} reachable, quorum {q0}, tolerates {t0}) → {m1} ({r1} \
             reachable, quorum {q1}, tolerates {t1})"
        );
    } else {
        let _ = writeln!(
            out,
            "  managers: {m0} ({r0} reachable, quorum {q0}, tolerates {t0}), unchanged"
        );
    }
    let moved: Vec<&str> = a
        .moves
        .iter()
        .filter(|m| m.rescheduled)
        .map(|m| m.task.as_str())
        .collect();
    let stopped: Vec<&str> = a
        .moves
        .iter()
        .filter(|m| !m.rescheduled)
        .map(|m| m.task.as_str())
        .collect();
    if !moved.is_empty() {
        let _ = writeln!(
            out,
            "  moves {} task(s) to other nodes: {}",
            moved.len(),
            moved.join(", ")
        );
    }
    if !stopped.is_empty() {
        let _ = writeln!(out, "  stops there: {}", stopped.join(", "));
    }
    if moved.is_empty() && stopped.is_empty() && matches!(step, Step::Drain | Step::Demote) {
        let _ = writeln!(out, "  moves no task");
    }
    for w in &a.warnings {
        let _ = writeln!(out, "  note: {w}");
    }
    for r in &a.refusals {
        let _ = writeln!(out, "  REFUSED: {r}");
    }
    out
}

/// Everything [`assess`] needs, from the Engine.
pub async fn read_cluster(engine: &Engine) -> Result<(Vec<Value>, Vec<Value>, Vec<Value>), String> {
    let list = |v: Value| v.as_array().cloned().unwrap_or_default();
    let nodes = engine
        .get("/nodes")
        .await
        .map_err(|e| format!("GET /nodes: {e}"))?;
    let services = engine
        .get("/services")
        .await
        .map_err(|e| format!("GET /services: {e}"))?;
    let filters = percent_encode(&json!({ "desired-state": ["running"] }).to_string());
    let tasks = engine
        .get(&format!("/tasks?filters={filters}"))
        .await
        .map_err(|e| format!("GET /tasks: {e}"))?;
    Ok((list(nodes), list(services), list(tasks)))
}

/// `drain`, `activate`, `promote`, `demote` NODE: assess, refuse or send, and with `wait`
/// follow until Swarm has done it. Returns the exit code.
pub async fn node_step(
    engine: &Engine,
    step: Step,
    wanted: &str,
    force: bool,
    wait: Option<Duration>,
) -> Result<u8, String> {
    let (nodes, services, tasks) = read_cluster(engine).await?;
    let node = find_node(&nodes, wanted)?;
    let id = node["ID"].as_str().unwrap_or_default().to_owned();
    let host = hostname(node).to_owned();
    let a = assess(step, &id, &nodes, &services, &tasks);
    say(&render_assessment(step, &host, &a));
    if !a.refusals.is_empty() {
        if force {
            say("  --force: doing it anyway");
        } else {
            eprintln!(
                "error: refused to {} {host}; nothing was sent (--force does it anyway)",
                step.verb()
            );
            return Ok(2);
        }
    }
    let unchanged = match step {
        Step::Drain => node["Spec"]["Availability"] == "drain",
        Step::Activate => node["Spec"]["Availability"] == "active",
        Step::Promote | Step::Demote => false, // refused above when already so
    };
    if unchanged {
        say(&format!(
            "{host} is already {}; nothing sent",
            node["Spec"]["Availability"].as_str().unwrap_or("?")
        ));
        return Ok(0);
    }
    let version = node["Version"]["Index"]
        .as_u64()
        .ok_or("node without version")?;
    let mut spec = node["Spec"].clone();
    step.apply(&mut spec);
    let sent = Instant::now();
    engine
        .post(&format!("/nodes/{id}/update?version={version}"), &spec)
        .await
        .map_err(|e| format!("{} {host}: {e}", step.verb()))?;
    say(&format!("{} {host}: sent", step.verb()));
    let Some(timeout) = wait else {
        return Ok(0);
    };
    let before = tasks_on(&tasks, &id);
    wait_for_step(engine, step, &id, &host, &before, sent, timeout).await
}

/// (service ID, slot) of the running tasks on a node; slot 0 for global tasks.
fn tasks_on(tasks: &[Value], node_id: &str) -> Vec<(String, u64)> {
    tasks
        .iter()
        .filter(|t| {
            t["NodeID"] == node_id
                && t["DesiredState"] == "running"
                && t["Status"]["State"] == "running"
        })
        .map(|t| {
            (
                t["ServiceID"].as_str().unwrap_or_default().to_owned(),
                t["Slot"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// Polls (every 250 ms) until the step has taken effect: a drained or demoted node runs none
/// of the tasks that had to leave it and those run elsewhere; a promoted node is a reachable
/// manager; a demoted one is no manager; an activated one runs its global tasks again.
async fn wait_for_step(
    engine: &Engine,
    step: Step,
    node_id: &str,
    host: &str,
    before: &[(String, u64)],
    sent: Instant,
    timeout: Duration,
) -> Result<u8, String> {
    let mut last_line = String::new();
    loop {
        let (nodes, services, tasks) = read_cluster(engine).await?;
        let node = nodes.iter().find(|n| n["ID"] == node_id);
        let name_of = |sid: &str| {
            services
                .iter()
                .find(|s| s["ID"] == sid)
                .map_or(sid.to_owned(), |s| service_name(s).to_owned())
        };
        let host_of = |nid: &str| {
            nodes
                .iter()
                .find(|n| n["ID"] == nid)
                .map_or(nid.to_owned(), |n| hostname(n).to_owned())
        };
        let (done, line, detail) = match step {
            Step::Drain | Step::Demote => {
                // Which of the tasks that were there must leave: those whose service may no
                // longer run there.
                let must_leave: Vec<&(String, u64)> = before
                    .iter()
                    .filter(|(sid, _)| {
                        services.iter().find(|s| s["ID"] == *sid).is_some_and(|s| {
                            !eligible_nodes(s, &nodes).contains(&node_id)
                                && node.is_some_and(|n| {
                                    step == Step::Drain || n["Spec"]["Role"] == "worker"
                                })
                        })
                    })
                    .collect();
                let still = tasks_on(&tasks, node_id);
                let left: Vec<&&(String, u64)> =
                    must_leave.iter().filter(|t| still.contains(t)).collect();
                let mut landed = Vec::new();
                let mut pending = 0;
                for (sid, slot) in must_leave.iter().filter(|t| !still.contains(t)) {
                    if *slot == 0 {
                        landed.push(format!("{} (global) stopped", name_of(sid)));
                        continue;
                    }
                    match tasks.iter().find(|t| {
                        t["ServiceID"] == sid.as_str()
                            && t["Slot"] == *slot
                            && t["DesiredState"] == "running"
                            && t["Status"]["State"] == "running"
                            && t["NodeID"] != node_id
                    }) {
                        Some(t) => landed.push(format!(
                            "{}.{slot} → {}",
                            name_of(sid),
                            host_of(t["NodeID"].as_str().unwrap_or("?"))
                        )),
                        None => pending += 1,
                    }
                }
                let role_done =
                    step == Step::Drain || node.is_some_and(|n| n["ManagerStatus"].is_null());
                (
                    left.is_empty() && pending == 0 && role_done,
                    format!(
                        "{host}: {} of {} task(s) moved{}{}",
                        landed.len(),
                        must_leave.len(),
                        if pending > 0 {
                            format!(", {pending} starting elsewhere")
                        } else {
                            String::new()
                        },
                        if role_done { "" } else { ", still a manager" }
                    ),
                    landed.join(", "),
                )
            }
            Step::Promote => {
                let reachable =
                    node.is_some_and(|n| n["ManagerStatus"]["Reachability"] == "reachable");
                (
                    reachable,
                    format!(
                        "{host}: {}",
                        node.and_then(|n| n["ManagerStatus"]["Reachability"].as_str())
                            .unwrap_or("joining the managers")
                    ),
                    String::new(),
                )
            }
            Step::Activate => {
                let globals: Vec<&Value> = services
                    .iter()
                    .filter(|s| s["Spec"]["Mode"].get("Global").is_some())
                    .filter(|s| eligible_nodes(s, &nodes).contains(&node_id))
                    .collect();
                let running = tasks_on(&tasks, node_id);
                let back: Vec<String> = globals
                    .iter()
                    .filter(|s| running.iter().any(|(sid, _)| s["ID"] == sid.as_str()))
                    .map(|s| service_name(s).to_owned())
                    .collect();
                (
                    back.len() == globals.len(),
                    format!(
                        "{host}: {} of {} global service(s) running there",
                        back.len(),
                        globals.len()
                    ),
                    back.join(", "),
                )
            }
        };
        let elapsed = sent.elapsed().as_secs_f64();
        if line != last_line {
            say(&format!("{elapsed:>6.1}s {line}"));
            last_line = line;
        }
        if done {
            say(&format!(
                "{} {host}: done in {elapsed:.1} s{}",
                step.verb(),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({detail})")
                }
            ));
            return Ok(0);
        }
        if sent.elapsed() >= timeout {
            say(&format!(
                "{} {host}: not done after {} s (stopped waiting; Swarm goes on)",
                step.verb(),
                timeout.as_secs()
            ));
            return Ok(1);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Running tasks per node (hostname) of one service, every active ready node listed.
pub fn spread(service_id: &str, nodes: &[Value], tasks: &[Value]) -> BTreeMap<String, usize> {
    let mut per_node: BTreeMap<String, usize> = nodes
        .iter()
        .filter(|n| n["Spec"]["Availability"] == "active" && n["Status"]["State"] == "ready")
        .map(|n| (hostname(n).to_owned(), 0))
        .collect();
    for t in tasks {
        if t["ServiceID"] == service_id
            && t["DesiredState"] == "running"
            && t["Status"]["State"] == "running"
            && let Some(n) = nodes.iter().find(|n| n["ID"] == t["NodeID"])
        {
            *per_node.entry(hostname(n).to_owned()).or_insert(0) += 1;
        }
    }
    per_node
}

fn spread_text(spread: &BTreeMap<String, usize>) -> String {
    spread
        .iter()
        .map(|(n, c)| format!("{n}: {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a replicated service's spread can be improved: over the nodes it may run on,
/// its running tasks differ by more than one.
pub fn uneven(service: &Value, nodes: &[Value], tasks: &[Value]) -> bool {
    let Some(id) = service["ID"].as_str() else {
        return false;
    };
    let eligible: BTreeSet<String> = eligible_nodes(service, nodes)
        .into_iter()
        .filter_map(|n| nodes.iter().find(|x| x["ID"] == n))
        .map(|n| hostname(n).to_owned())
        .collect();
    let counts: Vec<usize> = spread(id, nodes, tasks)
        .into_iter()
        .filter(|(n, _)| eligible.contains(n))
        .map(|(_, c)| c)
        .collect();
    let (min, max) = (
        counts.iter().copied().min().unwrap_or(0),
        counts.iter().copied().max().unwrap_or(0),
    );
    max > min + 1
}

/// `rebalance SERVICE`: `docker service update --force` through the Engine API — the spec
/// re-sent with `TaskTemplate.ForceUpdate` + 1 (and `parallelism`, when given, as the update
/// parallelism) — followed like an apply's update, then the spread before and after.
pub async fn rebalance(
    engine: &Engine,
    wanted: &str,
    parallelism: Option<u64>,
    force: bool,
    detach: bool,
    progress_timeout: Duration,
) -> Result<u8, String> {
    let (nodes, services, tasks) = read_cluster(engine).await?;
    let service = services
        .iter()
        .find(|s| s["Spec"]["Name"] == wanted || s["ID"] == wanted)
        .ok_or_else(|| format!("no service {wanted:?}"))?;
    let id = service["ID"].as_str().unwrap_or_default().to_owned();
    let name = service_name(service).to_owned();
    if service["Spec"]["Mode"]["Replicated"].is_null() {
        return Err(format!(
            "{name} is not a replicated service: a global service runs one task on every \
             eligible node and has nothing to rebalance"
        ));
    }
    let before = spread(&id, &nodes, &tasks);
    say(&format!("{name} before: {}", spread_text(&before)));
    if !uneven(service, &nodes, &tasks) && !force {
        say(&format!(
            "{name} is already spread evenly over the nodes it may run on; nothing sent \
             (--force restarts its tasks anyway)"
        ));
        return Ok(0);
    }
    let version = service["Version"]["Index"]
        .as_u64()
        .ok_or("service without version")?;
    let mut spec = service["Spec"].clone();
    let force_update = spec["TaskTemplate"]["ForceUpdate"].as_u64().unwrap_or(0);
    spec["TaskTemplate"]["ForceUpdate"] = json!(force_update + 1);
    if let Some(p) = parallelism {
        spec["UpdateConfig"]["Parallelism"] = json!(p);
    }
    let previous_started_at = service["UpdateStatus"]["StartedAt"]
        .as_str()
        .map(str::to_owned);
    let sent_at = follow::now();
    engine
        .post(&format!("/services/{id}/update?version={version}"), &spec)
        .await
        .map_err(|e| format!("rebalance {name}: {e}"))?;
    say(&format!(
        "{name}: sent ForceUpdate {} (its tasks restart at update parallelism {}; Swarm \
         places each new task on the least loaded eligible node)",
        force_update + 1,
        spec["UpdateConfig"]["Parallelism"].as_u64().unwrap_or(1)
    ));
    if detach {
        return Ok(0);
    }
    let target = Target {
        name: name.clone(),
        id: id.clone(),
        action: Action::Update,
        previous_started_at,
        prediction: None,
    };
    let display = Display {
        bars: std::io::IsTerminal::is_terminal(&std::io::stdout()),
    };
    let outcomes = follow::follow(
        engine,
        &[target],
        sent_at,
        progress_timeout,
        &display,
        &|| false,
    )
    .await;
    let end = outcomes
        .first()
        .map_or(End::Error("not followed".into()), |o| o.end.clone());
    let (nodes, _, tasks) = read_cluster(engine).await?;
    say(&format!(
        "{name} after:  {}",
        spread_text(&spread(&id, &nodes, &tasks))
    ));
    Ok(end.code())
}

fn say(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", text.trim_end());
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, role: &str, reach: Option<&str>, availability: &str, state: &str) -> Value {
        json!({
            "ID": id,
            "Version": {"Index": 10},
            "Description": {"Hostname": id, "Platform": {"OS": "linux", "Architecture": "x86_64"}},
            "Spec": {"Role": role, "Availability": availability, "Labels": {"zone": "a"}},
            "Status": {"State": state},
            "ManagerStatus": reach.map(|r| json!({"Reachability": r, "Leader": false})),
        })
    }

    fn three_plus_two() -> Vec<Value> {
        vec![
            node("n1", "manager", Some("reachable"), "active", "ready"),
            node("n2", "manager", Some("reachable"), "active", "ready"),
            node("n3", "manager", Some("reachable"), "active", "ready"),
            node("n4", "worker", None, "active", "ready"),
            node("n5", "worker", None, "active", "ready"),
        ]
    }

    fn running(service: &str, node: &str, slot: u64) -> Value {
        json!({"ServiceID": service, "NodeID": node, "Slot": slot, "DesiredState": "running",
            "Status": {"State": "running"}})
    }

    #[test]
    fn constraints_read_like_swarmkit() {
        let n = node("n4", "worker", None, "active", "ready");
        assert_eq!(constraint_holds("node.role==worker", &n), Some(true));
        assert_eq!(constraint_holds("node.role == Worker", &n), Some(true));
        assert_eq!(constraint_holds("node.role!=manager", &n), Some(true));
        assert_eq!(constraint_holds("node.hostname==n5", &n), Some(false));
        assert_eq!(constraint_holds("node.labels.zone==a", &n), Some(true));
        assert_eq!(constraint_holds("node.labels.disk==ssd", &n), Some(false));
        assert_eq!(constraint_holds("node.labels.disk!=ssd", &n), Some(true));
        assert_eq!(constraint_holds("node.platform.os==linux", &n), Some(true));
        assert_eq!(constraint_holds("node.ip==10.0.0.1", &n), None);
    }

    #[test]
    fn draining_the_last_eligible_node_is_refused() {
        let nodes = three_plus_two();
        let services = [
            json!({"ID": "s1", "Spec": {"Name": "pinned", "Mode": {"Replicated": {"Replicas": 2}},
                "TaskTemplate": {"Placement": {"Constraints": ["node.hostname==n5"]}}}}),
            json!({"ID": "s2", "Spec": {"Name": "web", "Mode": {"Replicated": {"Replicas": 3}}}}),
            json!({"ID": "s3", "Spec": {"Name": "edge", "Mode": {"Global": {}}}}),
        ];
        let tasks = [
            running("s1", "n5", 1),
            running("s1", "n5", 2),
            running("s2", "n5", 3),
            running("s2", "n1", 1),
            running("s3", "n5", 0),
        ];
        let a = assess(Step::Drain, "n5", &nodes, &services, &tasks);
        assert_eq!(a.refusals.len(), 1, "{a:?}");
        assert!(
            a.refusals[0].contains("pinned would have no node left")
                && a.refusals[0].contains("node.hostname==n5"),
            "{a:?}"
        );
        let moved: Vec<&str> = a.moves.iter().map(|m| m.task.as_str()).collect();
        assert_eq!(moved, ["pinned.1", "pinned.2", "web.3", "edge (global)"]);
        assert!(!a.moves[3].rescheduled);
        // Without the pinned service it goes through, and the quorum does not move.
        let a = assess(Step::Drain, "n5", &nodes, &services[1..], &tasks);
        assert!(a.refusals.is_empty(), "{a:?}");
        assert_eq!(a.managers_before, a.managers_after);
        let text = render_assessment(Step::Drain, "n5", &a);
        assert!(
            text.contains("moves 1 task(s) to other nodes: web.3"),
            "{text}"
        );
        assert!(text.contains("stops there: edge (global)"), "{text}");
    }

    #[test]
    fn a_global_service_on_its_last_node_and_room_per_node() {
        let nodes = three_plus_two();
        let services = [
            json!({"ID": "g", "Spec": {"Name": "agent", "Mode": {"Global": {}},
                "TaskTemplate": {"Placement": {"Constraints": ["node.role==worker", "node.hostname!=n4"]}}}}),
            json!({"ID": "h", "Spec": {"Name": "lb", "Mode": {"Replicated": {"Replicas": 5}},
                "EndpointSpec": {"Ports": [{"PublishMode": "host", "PublishedPort": 80, "TargetPort": 80}]}}}),
        ];
        let tasks = [running("g", "n5", 0), running("h", "n5", 5)];
        let a = assess(Step::Drain, "n5", &nodes, &services, &tasks);
        let text = a.refusals.join("\n");
        assert!(
            text.contains("n5 is the last node that can run the global service agent"),
            "{text}"
        );
        assert!(
            text.contains("lb would have room for 4 of its 5 tasks (4 node(s) left × 1 per node"),
            "{text}"
        );
    }

    #[test]
    fn demote_is_refused_when_it_loses_the_quorum() {
        let mut nodes = three_plus_two();
        nodes[2] = node("n3", "manager", Some("unreachable"), "active", "down");
        let a = assess(Step::Demote, "n2", &nodes, &[], &[]);
        assert_eq!(a.managers_before, (3, 2, 2, 1));
        assert_eq!(a.managers_after, (2, 1, 2, 0));
        assert!(
            a.refusals[0].contains("would lose the quorum: 1 of 2"),
            "{a:?}"
        );
        // With all three reachable it is allowed, with the even-number note.
        let a = assess(Step::Demote, "n2", &three_plus_two(), &[], &[]);
        assert!(a.refusals.is_empty(), "{a:?}");
        assert!(
            a.warnings.iter().any(|w| w.contains("even number")),
            "{a:?}"
        );
        // A worker cannot be demoted; the last manager neither.
        let a = assess(Step::Demote, "n4", &three_plus_two(), &[], &[]);
        assert!(a.refusals[0].contains("not a manager"), "{a:?}");
        let one = [node("n1", "manager", Some("reachable"), "active", "ready")];
        let a = assess(Step::Demote, "n1", &one, &[], &[]);
        assert!(a.refusals[0].contains("last manager"), "{a:?}");
    }

    #[test]
    fn demoting_moves_tasks_constrained_to_managers() {
        let nodes = three_plus_two();
        let services = [
            json!({"ID": "m", "Spec": {"Name": "ctl", "Mode": {"Replicated": {"Replicas": 1}},
            "TaskTemplate": {"Placement": {"Constraints": ["node.role==manager"]}}}}),
        ];
        let a = assess(
            Step::Demote,
            "n2",
            &nodes,
            &services,
            &[running("m", "n2", 1)],
        );
        assert_eq!(a.moves.len(), 1, "{a:?}");
        assert_eq!(a.moves[0].task, "ctl.1");
    }

    #[test]
    fn spread_and_unevenness() {
        let nodes = three_plus_two();
        let web =
            json!({"ID": "w", "Spec": {"Name": "web", "Mode": {"Replicated": {"Replicas": 4}}}});
        let tasks = [
            running("w", "n1", 1),
            running("w", "n1", 2),
            running("w", "n2", 3),
            running("w", "n3", 4),
        ];
        assert!(uneven(&web, &nodes, &tasks));
        let even = [
            running("w", "n1", 1),
            running("w", "n2", 2),
            running("w", "n3", 3),
            running("w", "n4", 4),
        ];
        assert!(!uneven(&web, &nodes, &even));
        assert_eq!(spread("w", &nodes, &even)["n5"], 0);
    }
}

//! What the host reads from a Swarm and asks of it: `status`, `rollback`, `nodes`.
//!
//! Reading and judging are separate: the `*_report` functions turn Engine API JSON (as
//! `GET /services`, `/nodes`, `/tasks` return it) into a report without I/O, so they are
//! tested on fabricated JSON; the `async` functions fetch and act.
//!
//! Invariant: `status` and `nodes` only read. `rollback` writes exactly one request per
//! service it rolls back (`POST /services/{id}/update?version=…&rollback=previous`, what
//! `docker service rollback` sends), nothing for the services it explains it cannot.

use crate::endpoint::{Engine, EngineError};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// The label `docker stack deploy` puts on everything of a stack.
pub const STACK_LABEL: &str = "com.docker.stack.namespace";

/// `?filters=` for a label, URL-encoded.
fn label_filter(stack: &str) -> String {
    let filters = json!({ "label": [format!("{STACK_LABEL}={stack}")] });
    percent_encode(&filters.to_string())
}

pub fn percent_encode(text: &str) -> String {
    text.bytes().fold(String::new(), |mut out, b| {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
        out
    })
}

/// The services of `stack`, with their `ServiceStatus` (running/desired), sorted by name.
pub async fn stack_services(engine: &Engine, stack: &str) -> Result<Vec<Value>, EngineError> {
    let services = engine
        .get(&format!(
            "/services?status=true&filters={}",
            label_filter(stack)
        ))
        .await?;
    let mut services = services.as_array().cloned().unwrap_or_default();
    services.sort_by(|a, b| name(a).cmp(name(b)));
    Ok(services)
}

fn name(service: &Value) -> &str {
    service["Spec"]["Name"].as_str().unwrap_or("")
}

// ---------------------------------------------------------------------------------------
// status
// ---------------------------------------------------------------------------------------

/// Swarm's defaults for `UpdateConfig` and `RollbackConfig` (the same for both, swarmkit
/// `api/defaults`): parallelism 1, delay 0, failure action pause, monitor 5 s, max failure
/// ratio 0, stop-first.
const UPDATE_DEFAULTS: [(&str, &str); 6] = [
    ("Parallelism", "1"),
    ("Delay", "0s"),
    ("FailureAction", "pause"),
    ("Monitor", "5s"),
    ("MaxFailureRatio", "0"),
    ("Order", "stop-first"),
];

/// One service's status, as data (the JSON format prints exactly this).
pub fn service_status(service: &Value, stack: &str) -> Value {
    let spec = &service["Spec"];
    let full_name = name(service);
    let container = &spec["TaskTemplate"]["ContainerSpec"];
    let mode = &spec["Mode"];
    let (mode_name, replicas) = if let Some(r) = mode.get("Replicated") {
        ("replicated", r["Replicas"].as_u64())
    } else if mode.get("Global").is_some() {
        ("global", None)
    } else if let Some(j) = mode.get("ReplicatedJob") {
        ("replicated-job", j["TotalCompletions"].as_u64())
    } else if mode.get("GlobalJob").is_some() {
        ("global-job", None)
    } else {
        ("unknown", None)
    };
    let update_status = service.get("UpdateStatus").map(|u| {
        json!({
            "state": u["State"],
            "message": u["Message"],
            "started_at": u["StartedAt"],
            "completed_at": u["CompletedAt"],
        })
    });
    json!({
        "name": full_name,
        "service": full_name.strip_prefix(&format!("{stack}_")).unwrap_or(full_name),
        "id": service["ID"],
        "version": service["Version"]["Index"],
        "image": container["Image"],
        "mode": mode_name,
        "replicas": replicas,
        "running": service["ServiceStatus"]["RunningTasks"],
        "desired": service["ServiceStatus"]["DesiredTasks"],
        "update_status": update_status,
        "update_config": effective_config(&spec["UpdateConfig"]),
        "rollback_config": effective_config(&spec["RollbackConfig"]),
        "healthcheck": healthcheck(&container["Healthcheck"]),
        "previous_spec": !service["PreviousSpec"].is_null(),
    })
}

/// `{field: {"value": "5s", "default": true}}` for every update/rollback setting: the value
/// Swarm uses, and whether it is Swarm's default (absent from the spec, or equal to it).
fn effective_config(config: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for (field, default) in UPDATE_DEFAULTS {
        let value = match (&config[field], field) {
            (Value::Null, _) => default.to_string(),
            (v, "Delay" | "Monitor") => duration(v.as_i64().unwrap_or(0)),
            (Value::String(s), _) => s.clone(),
            (v, _) => v.to_string(),
        };
        let is_default = value == default;
        out.insert(
            snake(field),
            json!({ "value": value, "default": is_default }),
        );
    }
    Value::Object(out)
}

fn healthcheck(check: &Value) -> Value {
    if check.is_null() {
        return json!({ "source": "image" });
    }
    let test: Vec<&str> = check["Test"]
        .as_array()
        .map(|t| t.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if test.first() == Some(&"NONE") {
        return json!({ "source": "disabled" });
    }
    let ns = |field: &str| check[field].as_i64().map(duration);
    json!({
        "source": "spec",
        "test": test,
        "interval": ns("Interval").unwrap_or_else(|| "30s".into()),
        "timeout": ns("Timeout").unwrap_or_else(|| "30s".into()),
        "retries": check["Retries"].as_u64().unwrap_or(3),
        "start_period": ns("StartPeriod").unwrap_or_else(|| "0s".into()),
    })
}

fn snake(field: &str) -> String {
    let mut out = String::new();
    for (i, c) in field.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Nanoseconds as Go prints a `time.Duration` (`1m30s`, `500ms`, `0s`).
pub fn duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".to_string();
    }
    if ns % 1_000_000_000 != 0 && ns < 1_000_000_000 {
        return if ns % 1_000_000 == 0 {
            format!("{}ms", ns / 1_000_000)
        } else {
            format!("{}µs", ns / 1_000)
        };
    }
    let total_ms = ns / 1_000_000;
    let (h, m, s, ms) = (
        total_ms / 3_600_000,
        total_ms / 60_000 % 60,
        total_ms / 1000 % 60,
        total_ms % 1000,
    );
    let mut out = String::new();
    if h > 0 {
        let _ = write!(out, "{h}h");
    }
    if h > 0 || m > 0 {
        let _ = write!(out, "{m}m");
    }
    if ms > 0 {
        let _ = write!(out, "{s}.{}s", format!("{ms:03}").trim_end_matches('0'));
    } else {
        let _ = write!(out, "{s}s");
    }
    out
}

/// The human form of `status`.
pub fn render_status(stack: &str, services: &[Value]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "stack {stack}: {} services", services.len());
    for s in services {
        let replicas = match (s["running"].as_u64(), s["desired"].as_u64()) {
            (Some(r), Some(d)) => format!("{r}/{d} running"),
            _ => "?/? running".to_string(),
        };
        let _ = writeln!(
            out,
            "\n{}  {}  {}{}  {replicas}",
            s["name"].as_str().unwrap_or("?"),
            s["image"].as_str().unwrap_or("?"),
            s["mode"].as_str().unwrap_or("?"),
            s["replicas"]
                .as_u64()
                .map(|r| format!(" ×{r}"))
                .unwrap_or_default()
        );
        match s["update_status"].as_object() {
            None => {
                let _ = writeln!(out, "  update:   none since it was created");
            }
            Some(u) => {
                let _ = writeln!(
                    out,
                    "  update:   {}{}{}{}",
                    u["state"].as_str().unwrap_or("?"),
                    u["message"]
                        .as_str()
                        .map(|m| format!(" — {m}"))
                        .unwrap_or_default(),
                    u["started_at"]
                        .as_str()
                        .map(|t| format!(" (started {t}"))
                        .unwrap_or_default(),
                    match (u["started_at"].as_str(), u["completed_at"].as_str()) {
                        (Some(_), Some(t)) => format!(", completed {t})"),
                        (Some(_), None) => ")".to_string(),
                        _ => String::new(),
                    }
                );
            }
        }
        for (label, key) in [("update", "update_config"), ("rollback", "rollback_config")] {
            let settings: Vec<String> = s[key]
                .as_object()
                .map(|c| {
                    c.iter()
                        .map(|(k, v)| {
                            format!(
                                "{k}={}{}",
                                v["value"].as_str().unwrap_or("?"),
                                if v["default"] == true { "*" } else { "" }
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let _ = writeln!(out, "  {label:<9} {}", settings.join(" "));
        }
        let hc = &s["healthcheck"];
        let _ = match hc["source"].as_str() {
            Some("spec") => writeln!(
                out,
                "  health:   {} every {}, timeout {}, retries {}, start period {}",
                hc["test"]
                    .as_array()
                    .map(|t| t
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" "))
                    .unwrap_or_default(),
                hc["interval"].as_str().unwrap_or("?"),
                hc["timeout"].as_str().unwrap_or("?"),
                hc["retries"],
                hc["start_period"].as_str().unwrap_or("?"),
            ),
            Some("disabled") => writeln!(out, "  health:   disabled"),
            _ => writeln!(
                out,
                "  health:   from the image, if it has one (not in the service spec)"
            ),
        };
        let _ = writeln!(
            out,
            "  previous: {}",
            if s["previous_spec"] == true {
                "a previous spec exists (`stackplan-host rollback` can return to it)"
            } else {
                "none (nothing to roll back to)"
            }
        );
    }
    let _ = writeln!(out, "\n* Swarm's default");
    out
}

// ---------------------------------------------------------------------------------------
// rollback
// ---------------------------------------------------------------------------------------

/// What `rollback` decided for one service.
#[derive(Clone, Debug, PartialEq)]
pub enum RollbackPlan {
    /// Roll back: its spec differs from the previous one.
    Rollback { id: String, version: u64 },
    /// Cannot: no previous spec (never updated, or Swarm already rolled it back).
    Cannot(String),
    /// The previous spec is the current one (e.g. re-sent unchanged by `docker stack
    /// deploy`, moby#31115): rolling back would change nothing.
    Unchanged,
}

/// Decides, without I/O, what a rollback of `service` would do.
///
/// A service whose last update was a rollback is not rolled back again: after an automatic
/// rollback Swarm keeps no previous spec, and after a manual one the previous spec is the
/// release it rolled back *from* (`rollback=previous` swaps the two), so a second rollback
/// would roll forward.
pub fn plan_rollback(service: &Value) -> RollbackPlan {
    let previous = &service["PreviousSpec"];
    let status = &service["UpdateStatus"];
    if let Some(state) = status["State"]
        .as_str()
        .filter(|s| s.starts_with("rollback_"))
    {
        return RollbackPlan::Cannot(format!(
            "it was already rolled back ({state}{}); {}",
            status["Message"]
                .as_str()
                .map(|m| format!(": {m}"))
                .unwrap_or_default(),
            if previous.is_null() {
                "Swarm keeps no previous spec after an automatic rollback, so there is nothing \
                 further to return to"
            } else {
                "its previous spec is now the release it rolled back from, so rolling back \
                 again would roll forward; deploy the release you want instead"
            }
        ));
    }
    if previous.is_null() {
        return RollbackPlan::Cannot(
            "it has no previous spec: it was never updated since it was created".into(),
        );
    }
    if spec_without_version(previous) == spec_without_version(&service["Spec"]) {
        return RollbackPlan::Unchanged;
    }
    match (service["ID"].as_str(), service["Version"]["Index"].as_u64()) {
        (Some(id), Some(version)) => RollbackPlan::Rollback {
            id: id.to_string(),
            version,
        },
        _ => RollbackPlan::Cannot("the Engine did not report its ID and version".into()),
    }
}

fn spec_without_version(spec: &Value) -> Value {
    let mut spec = spec.clone();
    if let Some(t) = spec.get_mut("TaskTemplate").and_then(Value::as_object_mut) {
        // ForceUpdate is a counter, not configuration.
        t.remove("ForceUpdate");
    }
    spec
}

/// The outcome of one service's rollback, for the report.
#[derive(Clone, Debug)]
pub struct RollbackOutcome {
    pub service: String,
    /// `rolled back`, `rollback paused`, `started` (with `--detach`), `skipped`, `failed`…
    pub result: String,
    pub detail: String,
    /// Counts against the exit code.
    pub problem: bool,
}

/// Rolls back the chosen services of `stack` server-side and, unless `detach`, waits until
/// Swarm reports each rollback finished (or `timeout` passes).
pub async fn rollback(
    engine: &Engine,
    stack: &str,
    only: &[String],
    detach: bool,
    timeout: Duration,
) -> Result<Vec<RollbackOutcome>, String> {
    let services = stack_services(engine, stack)
        .await
        .map_err(|e| format!("listing the services of {stack}: {e}"))?;
    if services.is_empty() {
        return Err(format!("stack {stack:?} has no services"));
    }
    let short = |s: &Value| {
        let n = name(s);
        n.strip_prefix(&format!("{stack}_"))
            .unwrap_or(n)
            .to_string()
    };
    for wanted in only {
        if !services
            .iter()
            .any(|s| &short(s) == wanted || name(s) == wanted)
        {
            return Err(format!("stack {stack:?} has no service {wanted:?}"));
        }
    }
    let chosen: Vec<&Value> = services
        .iter()
        .filter(|s| only.is_empty() || only.iter().any(|w| *w == short(s) || w == name(s)))
        .collect();

    let mut outcomes = Vec::new();
    let mut started = Vec::new();
    for service in chosen {
        let service_name = name(service).to_string();
        match plan_rollback(service) {
            RollbackPlan::Cannot(why) => outcomes.push(RollbackOutcome {
                service: service_name,
                result: "cannot".into(),
                detail: why,
                problem: !only.is_empty(),
            }),
            RollbackPlan::Unchanged => outcomes.push(RollbackOutcome {
                service: service_name,
                result: "unchanged".into(),
                detail: "its previous spec is its current spec; nothing to roll back".into(),
                problem: false,
            }),
            RollbackPlan::Rollback { id, version } => {
                let path = format!("/services/{id}/update?version={version}&rollback=previous");
                match engine.post(&path, &service["Spec"]).await {
                    Ok(answer) => {
                        let warnings = answer["Warnings"]
                            .as_array()
                            .map(|w| {
                                w.iter()
                                    .filter_map(Value::as_str)
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            })
                            .unwrap_or_default();
                        started.push((id, service_name, warnings));
                    }
                    Err(e) => outcomes.push(RollbackOutcome {
                        service: service_name,
                        result: "failed".into(),
                        detail: e.to_string(),
                        problem: true,
                    }),
                }
            }
        }
    }
    let deadline = Instant::now() + timeout;
    for (id, service_name, warnings) in started {
        let (result, detail, problem) = if detach {
            ("started".to_string(), warnings, false)
        } else {
            wait_for_rollback(engine, &id, deadline).await
        };
        outcomes.push(RollbackOutcome {
            service: service_name,
            result,
            detail,
            problem,
        });
    }
    outcomes.sort_by(|a, b| a.service.cmp(&b.service));
    Ok(outcomes)
}

/// Polls the service until its UpdateStatus says the rollback ended.
async fn wait_for_rollback(engine: &Engine, id: &str, deadline: Instant) -> (String, String, bool) {
    loop {
        match engine.get(&format!("/services/{id}")).await {
            Ok(service) => {
                let status = &service["UpdateStatus"];
                let message = status["Message"].as_str().unwrap_or("").to_string();
                match status["State"].as_str() {
                    Some("rollback_completed") => {
                        return ("rolled back".into(), message, false);
                    }
                    Some("rollback_paused") => return ("rollback paused".into(), message, true),
                    _ => {}
                }
            }
            Err(e) => return ("unknown".into(), e.to_string(), true),
        }
        if Instant::now() >= deadline {
            return (
                "still rolling back".into(),
                "stopped waiting (--timeout); Swarm goes on".into(),
                true,
            );
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

pub fn render_rollback(stack: &str, outcomes: &[RollbackOutcome]) -> String {
    let width = outcomes.iter().map(|o| o.service.len()).max().unwrap_or(0);
    let mut out = format!("rollback of stack {stack}:\n");
    for o in outcomes {
        let _ = writeln!(
            out,
            "  {:<width$}  {}{}",
            o.service,
            o.result,
            if o.detail.is_empty() {
                String::new()
            } else {
                format!(": {}", o.detail)
            }
        );
    }
    out
}

// ---------------------------------------------------------------------------------------
// nodes
// ---------------------------------------------------------------------------------------

/// The cluster's nodes, managers, quorum and task spread, as data, from `GET /nodes`,
/// `GET /services` and `GET /tasks` (desired state running).
pub fn nodes_report(nodes: &[Value], services: &[Value], tasks: &[Value]) -> Value {
    let mut rows = Vec::new();
    let mut running_per_node: BTreeMap<&str, usize> = BTreeMap::new();
    for task in tasks {
        if task["Status"]["State"] == "running"
            && let Some(node) = task["NodeID"].as_str()
        {
            *running_per_node.entry(node).or_default() += 1;
        }
    }
    let mut managers: usize = 0;
    let mut reachable_managers: usize = 0;
    let mut leader = Value::Null;
    let mut notes: Vec<String> = Vec::new();
    for node in nodes {
        let id = node["ID"].as_str().unwrap_or("");
        let hostname = node["Description"]["Hostname"].as_str().unwrap_or(id);
        let manager = &node["ManagerStatus"];
        let is_manager = !manager.is_null();
        let availability = node["Spec"]["Availability"].as_str().unwrap_or("?");
        if is_manager {
            managers += 1;
            if manager["Reachability"] == "reachable" {
                reachable_managers += 1;
            } else {
                notes.push(format!(
                    "manager {hostname} is {}: it counts against the quorum until it is back \
                     or demoted and removed (`docker node demote`, `docker node rm`)",
                    manager["Reachability"].as_str().unwrap_or("unknown")
                ));
            }
            if manager["Leader"] == true {
                leader = json!(hostname);
            }
            if availability == "drain" {
                notes.push(format!(
                    "manager {hostname} is drained: it runs no tasks and still votes (the \
                     usual production setup)"
                ));
            }
        }
        rows.push(json!({
            "id": id,
            "hostname": hostname,
            "role": node["Spec"]["Role"],
            "availability": availability,
            "state": node["Status"]["State"],
            "manager": is_manager.then(|| json!({
                "leader": manager["Leader"] == true,
                "reachability": manager["Reachability"],
                "addr": manager["Addr"],
            })),
            "engine": node["Description"]["Engine"]["EngineVersion"],
            "running_tasks": running_per_node.get(id).copied().unwrap_or(0),
        }));
    }
    let quorum = managers / 2 + 1;
    let tolerated = managers.saturating_sub(1) / 2;
    if managers > 0 && managers.is_multiple_of(2) {
        notes.push(format!(
            "{managers} managers tolerate no more failures than {}: an even number adds a \
             voter but no fault tolerance",
            managers - 1
        ));
    }
    if managers == 1 {
        notes.push(
            "a single manager: losing it loses the control plane (services keep running but \
             cannot be changed); 3 managers tolerate 1 failure, 5 tolerate 2"
                .to_string(),
        );
    }
    if managers > 0 && reachable_managers < quorum {
        notes.push(format!(
            "QUORUM LOST: {reachable_managers} of {managers} managers reachable, {quorum} needed"
        ));
    }

    // Uneven spread: Swarm places tasks when they start and never moves running ones, so a
    // node that joined or came back after the tasks started stays empty until they restart.
    let eligible: Vec<&str> = nodes
        .iter()
        .filter(|n| n["Spec"]["Availability"] == "active" && n["Status"]["State"] == "ready")
        .filter_map(|n| n["ID"].as_str())
        .collect();
    let mut uneven = Vec::new();
    if eligible.len() > 1 {
        for service in services {
            let spec = &service["Spec"];
            if spec["Mode"].get("Replicated").is_none() {
                continue;
            }
            if spec["TaskTemplate"]["Placement"]["Constraints"]
                .as_array()
                .is_some_and(|c| !c.is_empty())
            {
                continue; // its placement is chosen, not uneven
            }
            let Some(service_id) = service["ID"].as_str() else {
                continue;
            };
            let mut per_node: BTreeMap<&str, usize> = eligible.iter().map(|n| (*n, 0)).collect();
            for task in tasks {
                if task["ServiceID"] == service_id
                    && task["Status"]["State"] == "running"
                    && let Some(count) = task["NodeID"].as_str().and_then(|n| per_node.get_mut(n))
                {
                    *count += 1;
                }
            }
            let (min, max) = (
                per_node.values().copied().min().unwrap_or(0),
                per_node.values().copied().max().unwrap_or(0),
            );
            if max > min + 1 {
                let name = spec["Name"].as_str().unwrap_or(service_id);
                uneven.push(json!({
                    "service": name,
                    "tasks_per_node": per_node.iter().map(|(node, count)| {
                        let host = nodes.iter().find(|n| n["ID"] == *node)
                            .and_then(|n| n["Description"]["Hostname"].as_str())
                            .unwrap_or(node);
                        (host.to_string(), json!(count))
                    }).collect::<serde_json::Map<_, _>>(),
                    "hint": format!("docker service update --force {name}"),
                }));
            }
        }
    }
    json!({
        "nodes": rows,
        "managers": managers,
        "reachable_managers": reachable_managers,
        "quorum": quorum,
        "failures_tolerated": tolerated,
        "leader": leader,
        "uneven_services": uneven,
        "notes": notes,
    })
}

pub fn render_nodes(report: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<24} {:<8} {:<12} {:<6} {:<22} {:>5}",
        "HOSTNAME", "ROLE", "AVAILABILITY", "STATE", "MANAGER", "TASKS"
    );
    for n in report["nodes"].as_array().into_iter().flatten() {
        let manager = match n["manager"].as_object() {
            None => String::new(),
            Some(m) => format!(
                "{}{}",
                m["reachability"].as_str().unwrap_or("?"),
                if m["leader"] == true { " (leader)" } else { "" }
            ),
        };
        let _ = writeln!(
            out,
            "{:<24} {:<8} {:<12} {:<6} {:<22} {:>5}",
            n["hostname"].as_str().unwrap_or("?"),
            n["role"].as_str().unwrap_or("?"),
            n["availability"].as_str().unwrap_or("?"),
            n["state"].as_str().unwrap_or("?"),
            manager,
            n["running_tasks"]
        );
    }
    let _ = writeln!(
        out,
        "\nmanagers: {} ({} reachable), quorum {}, failures tolerated: {}, leader: {}",
        report["managers"],
        report["reachable_managers"],
        report["quorum"],
        report["failures_tolerated"],
        report["leader"].as_str().unwrap_or("none")
    );
    for u in report["uneven_services"].as_array().into_iter().flatten() {
        let spread: Vec<String> = u["tasks_per_node"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| format!("{k}: {v}")).collect())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "uneven: {} runs {} — Swarm never moves running tasks; to rebalance: \
             `stackplan-host rebalance {}` (what `{}` does, followed live)",
            u["service"].as_str().unwrap_or("?"),
            spread.join(", "),
            u["service"].as_str().unwrap_or("?"),
            u["hint"].as_str().unwrap_or("")
        );
    }
    for note in report["notes"].as_array().into_iter().flatten() {
        let _ = writeln!(out, "note: {}", note.as_str().unwrap_or(""));
    }
    out
}

/// Fetches what [`nodes_report`] needs.
pub async fn nodes(engine: &Engine) -> Result<Value, EngineError> {
    let nodes = engine.get("/nodes").await?;
    let services = engine.get("/services").await?;
    let filters = percent_encode(&json!({ "desired-state": ["running"] }).to_string());
    let tasks = engine.get(&format!("/tasks?filters={filters}")).await?;
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    Ok(nodes_report(&list(&nodes), &list(&services), &list(&tasks)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_like_go() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(5_000_000_000), "5s");
        assert_eq!(duration(90_000_000_000), "1m30s");
        assert_eq!(duration(500_000_000), "500ms");
        assert_eq!(duration(1_500_000_000), "1.5s");
        assert_eq!(duration(3_600_000_000_000), "1h0m0s");
    }

    #[test]
    fn defaults_are_marked() {
        let config = effective_config(&json!({"Parallelism": 2, "FailureAction": "pause",
            "Monitor": 8_000_000_000i64, "Order": "start-first"}));
        assert_eq!(
            config["parallelism"],
            json!({"value": "2", "default": false})
        );
        assert_eq!(
            config["failure_action"],
            json!({"value": "pause", "default": true})
        );
        assert_eq!(config["monitor"], json!({"value": "8s", "default": false}));
        assert_eq!(config["delay"], json!({"value": "0s", "default": true}));
        assert_eq!(
            config["max_failure_ratio"],
            json!({"value": "0", "default": true})
        );
        assert_eq!(
            config["order"],
            json!({"value": "start-first", "default": false})
        );
    }

    #[test]
    fn rollback_is_explained_when_it_cannot_or_need_not_happen() {
        let spec = json!({"Name": "s_web", "TaskTemplate": {"ContainerSpec": {"Image": "a"}}});
        let fresh = json!({"ID": "x", "Version": {"Index": 5}, "Spec": spec});
        assert!(
            matches!(plan_rollback(&fresh), RollbackPlan::Cannot(w) if w.contains("never updated"))
        );
        let rolled = json!({"ID": "x", "Version": {"Index": 9}, "Spec": spec,
            "UpdateStatus": {"State": "rollback_completed", "Message": "rollback completed"}});
        assert!(
            matches!(plan_rollback(&rolled), RollbackPlan::Cannot(w) if w.contains("already rolled back (rollback_completed: rollback completed); Swarm keeps no"))
        );
        let manual = json!({"ID": "x", "Version": {"Index": 9}, "Spec": spec, "PreviousSpec": {"Name": "v2"},
            "UpdateStatus": {"State": "rollback_completed", "Message": "manually requested rollback"}});
        assert!(
            matches!(plan_rollback(&manual), RollbackPlan::Cannot(w) if w.contains("would roll forward"))
        );
        let mut resent = spec.clone();
        resent["TaskTemplate"]["ForceUpdate"] = json!(0);
        let same =
            json!({"ID": "x", "Version": {"Index": 9}, "Spec": spec, "PreviousSpec": resent});
        assert_eq!(plan_rollback(&same), RollbackPlan::Unchanged);
        let mut old = spec.clone();
        old["TaskTemplate"]["ContainerSpec"]["Image"] = json!("b");
        let changed =
            json!({"ID": "x", "Version": {"Index": 9}, "Spec": spec, "PreviousSpec": old});
        assert_eq!(
            plan_rollback(&changed),
            RollbackPlan::Rollback {
                id: "x".into(),
                version: 9
            }
        );
    }

    fn node(id: &str, manager: Option<(&str, bool)>, availability: &str, state: &str) -> Value {
        json!({
            "ID": id,
            "Description": {"Hostname": format!("host-{id}"), "Engine": {"EngineVersion": "20.10"}},
            "Spec": {"Role": if manager.is_some() {"manager"} else {"worker"}, "Availability": availability},
            "Status": {"State": state},
            "ManagerStatus": manager.map(|(r, leader)| json!({"Reachability": r, "Leader": leader, "Addr": "x"})),
        })
    }

    fn task(service: &str, node: &str) -> Value {
        json!({"ServiceID": service, "NodeID": node, "Status": {"State": "running"}})
    }

    #[test]
    fn quorum_and_failures_tolerated() {
        let nodes = [
            node("a", Some(("reachable", true)), "active", "ready"),
            node("b", Some(("reachable", false)), "drain", "ready"),
            node("c", Some(("unreachable", false)), "active", "down"),
            node("d", None, "active", "ready"),
        ];
        let report = nodes_report(&nodes, &[], &[]);
        assert_eq!(report["managers"], 3);
        assert_eq!(report["reachable_managers"], 2);
        assert_eq!(report["quorum"], 2);
        assert_eq!(report["failures_tolerated"], 1);
        assert_eq!(report["leader"], "host-a");
        let notes = report["notes"].to_string();
        assert!(notes.contains("host-c is unreachable"), "{notes}");
        assert!(notes.contains("host-b is drained"), "{notes}");
        assert!(!notes.contains("QUORUM LOST"), "{notes}");

        let two = [
            node("a", Some(("reachable", true)), "active", "ready"),
            node("b", Some(("unreachable", false)), "active", "down"),
        ];
        let report = nodes_report(&two, &[], &[]);
        assert_eq!(report["failures_tolerated"], 0);
        let notes = report["notes"].to_string();
        assert!(notes.contains("QUORUM LOST: 1 of 2"), "{notes}");
        assert!(notes.contains("even number"), "{notes}");
    }

    #[test]
    fn uneven_spread_gets_the_force_hint() {
        let nodes = [
            node("a", Some(("reachable", true)), "active", "ready"),
            node("b", None, "active", "ready"),
            node("c", None, "drain", "ready"),
        ];
        let services = [
            json!({"ID": "s1", "Spec": {"Name": "st_web", "Mode": {"Replicated": {"Replicas": 4}}}}),
            json!({"ID": "s2", "Spec": {"Name": "st_db", "Mode": {"Replicated": {"Replicas": 2}}}}),
            json!({"ID": "s3", "Spec": {"Name": "st_pinned", "Mode": {"Replicated": {"Replicas": 3}},
                "TaskTemplate": {"Placement": {"Constraints": ["node.role==manager"]}}}}),
        ];
        let tasks = [
            task("s1", "a"),
            task("s1", "a"),
            task("s1", "a"),
            task("s1", "a"),
            task("s2", "a"),
            task("s2", "b"),
            task("s3", "a"),
            task("s3", "a"),
            task("s3", "a"),
        ];
        let report = nodes_report(&nodes, &services, &tasks);
        let uneven = report["uneven_services"].as_array().unwrap();
        assert_eq!(uneven.len(), 1, "{uneven:?}");
        assert_eq!(uneven[0]["service"], "st_web");
        assert_eq!(
            uneven[0]["tasks_per_node"],
            json!({"host-a": 4, "host-b": 0})
        );
        assert_eq!(uneven[0]["hint"], "docker service update --force st_web");
        assert!(render_nodes(&report).contains("`docker service update --force st_web`"));
    }
}

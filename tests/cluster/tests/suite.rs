//! The multi-node suite: node management on a real 3-manager + 2-worker Swarm (the test bed of
//! `tests/cluster`), with the times it measured written as JSON for the planner's placement
//! model to be checked against.
//!
//! One `#[test]` runs every step in order on one cluster (steps build on each other, and two
//! clusters at once would distort the times):
//! bring-up → deploy a replicated and a global service (host-mode port) → drain a worker → drain a
//! manager → activate (no automatic rebalance) → `service update --force` (rebalance) → rolling
//! update of the replicated service → rolling update of the global service → promote/demote →
//! leader loss (power) → quorum loss and recovery → graceful restart of a worker → partition of
//! a worker → tear-down, which must leave no namespace, process, mount, cgroup or directory
//! behind.
//!
//! Every wait polls with a timeout; nothing sleeps for a fixed time. Skips loudly when the
//! machine cannot run the test bed (not root, no `ip`/`unshare`/`dockerd`) or with
//! `STACKPLAN_SKIP_CLUSTER=1`; `STACKPLAN_REQUIRE_CLUSTER=1` (CI) turns the skip into a failure.
//! `STACKPLAN_CLUSTER_RECORD=FILE` appends this run's measurements to FILE (see
//! `tests/cluster/README.md`); every run also writes one under the target directory.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use serde_json::{Value, json};
use stackplan_cluster::{Cluster, PROBE_TAG, Spec, Stop, Timings, now, parse_time};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const WEB: &str = "cl-web";
const EDGE: &str = "cl-edge";
const WEB_REPLICAS: usize = 6;
const EDGE_PORT: u16 = 8080;

/// Generous bounds: the machine is shared and its 2 cores are often busy compiling.
const CONVERGE: Duration = Duration::from_secs(90);
const RESCHEDULE: Duration = Duration::from_secs(150);

#[test]
fn node_management_on_a_five_node_swarm() {
    if let Some(why) = skip_reason() {
        if std::env::var_os("STACKPLAN_REQUIRE_CLUSTER").is_some() {
            panic!("the multi-node suite is required (STACKPLAN_REQUIRE_CLUSTER) but: {why}");
        }
        eprintln!(
            "\n==========\nSKIPPED: multi-node Swarm suite (tests/cluster): {why}\n\
             Set STACKPLAN_REQUIRE_CLUSTER=1 to make this a failure.\n==========\n"
        );
        return;
    }
    let suite_started = Instant::now();
    let load_before = load_average();
    let mut rec = Record::default();

    let cluster = Cluster::up(&Spec::default()).unwrap_or_else(|e| panic!("bring-up: {e}"));
    for (name, secs) in &cluster.timings.0 {
        rec.timings.0.push((name.clone(), *secs));
    }
    eprintln!(
        "cluster: up in {:.1} s",
        cluster.timings.get("bring_up.total").unwrap_or(0.0)
    );

    deploy(&cluster, &mut rec);
    drain_worker_and_manager(&cluster, &mut rec);
    activate_and_rebalance(&cluster, &mut rec);
    rolling_update_replicated(&cluster, &mut rec);
    rolling_update_global(&cluster, &mut rec);
    promote_and_demote(&cluster, &mut rec);
    leader_loss(&cluster, &mut rec);
    quorum_loss(&cluster, &mut rec);
    restart_worker(&cluster, &mut rec);
    partition_worker(&cluster, &mut rec);

    let id = cluster.id.clone();
    let root = cluster.root.clone();
    let took = cluster.teardown().unwrap_or_else(|e| panic!("{e}"));
    rec.timings.record("teardown", took);
    let residue = stackplan_cluster::residue(&id, &root);
    assert!(residue.is_empty(), "after tear-down: {residue:?}");
    rec.timings.record("suite.total", suite_started.elapsed());

    let run = rec.to_json(load_before, load_average());
    save(&run);
    eprintln!(
        "cluster suite: {}",
        serde_json::to_string_pretty(&run["timings_s"]).unwrap()
    );
}

fn skip_reason() -> Option<String> {
    if std::env::var_os("STACKPLAN_SKIP_CLUSTER").is_some() {
        return Some("STACKPLAN_SKIP_CLUSTER is set".to_owned());
    }
    stackplan_cluster::preflight().err()
}

/// What one run measured.
#[derive(Default)]
struct Record {
    timings: Timings,
    /// Running tasks per node at named moments.
    placements: BTreeMap<String, Value>,
    /// Rolling-update waves: start offsets (s) from the update command and nodes per wave.
    waves: BTreeMap<String, Value>,
    /// Manager counts, leader and whether the swarm answered, at named moments.
    control_plane: BTreeMap<String, Value>,
}

impl Record {
    fn place(&mut self, name: &str, cluster: &Cluster, service: &str) -> BTreeMap<String, usize> {
        let counts = cluster
            .running_per_node(service)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        self.placements
            .insert(format!("{name}.{service}"), json!(counts));
        counts
    }

    fn to_json(&self, load_before: String, load_after: String) -> Value {
        json!({
            "started_unix": now().round(),
            "machine": {
                "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
                "loadavg_before": load_before,
                "loadavg_after": load_after,
            },
            "timings_s": self.timings.to_json(),
            "placements": self.placements,
            "waves": self.waves,
            "control_plane": self.control_plane,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Steps
// ---------------------------------------------------------------------------------------------

fn deploy(c: &Cluster, rec: &mut Record) {
    let t = Instant::now();
    let replicas = WEB_REPLICAS.to_string();
    c.on_manager(&[
        "service",
        "create",
        "-d",
        "--name",
        WEB,
        "--replicas",
        &replicas,
        "--no-resolve-image",
        "--env",
        "VERSION=1",
        "--update-parallelism",
        "2",
        "--update-delay",
        "2s",
        "--update-monitor",
        "3s",
        PROBE_TAG,
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let port = format!("mode=host,target=8080,published={EDGE_PORT}");
    c.on_manager(&[
        "service",
        "create",
        "-d",
        "--name",
        EDGE,
        "--mode",
        "global",
        "--no-resolve-image",
        "--env",
        "VERSION=1",
        "--publish",
        &port,
        // Two tasks cannot hold one host port: replace in place, one node at a time.
        "--update-order",
        "stop-first",
        "--update-parallelism",
        "1",
        "--update-delay",
        "1s",
        PROBE_TAG,
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let nodes = c.len();
    c.wait_until("6 web + a global task per node running", CONVERGE, || {
        let web = total(&c.running_per_node(WEB)?);
        let edge = c.running_per_node(EDGE)?;
        Ok((web == WEB_REPLICAS && edge.len() == nodes && total(&edge) == nodes).then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}"));
    rec.timings.record("deploy.web6_edge5_running", t.elapsed());
    c.wait_until(
        "the host-mode port answering on every node",
        CONVERGE,
        || Ok(port_answers_everywhere(c, &(0..nodes).collect::<Vec<_>>()).then_some(())),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    rec.timings
        .record("deploy.host_port_served_everywhere", t.elapsed());
    let web = rec.place("deployed", c, WEB);
    assert_eq!(total(&web), WEB_REPLICAS);
    rec.place("deployed", c, EDGE);
}

fn drain_worker_and_manager(c: &Cluster, rec: &mut Record) {
    let nodes = c.len();
    // A worker first (node5), then a manager that is not the leader (node2).
    for (label, i) in [("drain_worker", nodes - 1), ("drain_manager", 1)] {
        let host = c.hostname(i).to_owned();
        let before = rec.place(&format!("{label}.before"), c, WEB);
        let drained_so_far = drained_nodes(c);
        let t = Instant::now();
        c.drain(i).unwrap_or_else(|e| panic!("{e}"));
        let eligible = nodes - drained_so_far.len() - 1;
        c.wait_until(
            &format!("{host} drained, its tasks moved"),
            CONVERGE,
            || {
                let web = c.running_per_node(WEB)?;
                let edge = c.running_per_node(EDGE)?;
                Ok((total(&web) == WEB_REPLICAS
                    && !web.contains_key(&host)
                    && !edge.contains_key(&host)
                    && total(&edge) == eligible)
                    .then_some(()))
            },
        )
        .unwrap_or_else(|e| panic!("{label}: {e}"));
        rec.timings.record(&format!("{label}.moved"), t.elapsed());
        let after = rec.place(&format!("{label}.after"), c, WEB);
        let moved = before.get(&host).copied().unwrap_or(0);
        rec.control_plane.insert(
            format!("{label}.tasks_moved"),
            json!({"node": host, "web_tasks_moved": moved}),
        );
        // Tasks on the other nodes stay where they were: only the drained node's tasks move.
        for (node, n) in &before {
            if *node != host {
                assert!(
                    after.get(node).copied().unwrap_or(0) >= *n,
                    "{label}: {node} lost tasks ({before:?} → {after:?})"
                );
            }
        }
    }
}

fn activate_and_rebalance(c: &Cluster, rec: &mut Record) {
    let nodes = c.len();
    let drained: Vec<usize> = drained_nodes(c);
    assert_eq!(drained.len(), 2, "two nodes are drained before activation");
    let t = Instant::now();
    for &i in &drained {
        c.activate(i).unwrap_or_else(|e| panic!("{e}"));
    }
    // The global service comes back on the activated nodes by itself …
    c.wait_until("the global service on every node again", CONVERGE, || {
        Ok((c.running_per_node(EDGE)?.len() == nodes).then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}"));
    rec.timings.record("activate.global_back", t.elapsed());
    // … but the replicated one is not rebalanced: the activated nodes stay empty.
    let web = rec.place("activated", c, WEB);
    for &i in &drained {
        assert!(
            !web.contains_key(c.hostname(i)),
            "no automatic rebalance expected, yet {} has web tasks: {web:?}",
            c.hostname(i)
        );
    }
    let t = Instant::now();
    let started = now();
    c.on_manager(&[
        "service",
        "update",
        "-d",
        "--force",
        "--update-parallelism",
        "3",
        WEB,
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    wait_update_completed(c, WEB, started);
    rec.timings
        .record("rebalance.force_parallelism3", t.elapsed());
    let web = c
        .wait_until("6 web tasks running after the rebalance", CONVERGE, || {
            let web = c.running_per_node(WEB)?;
            Ok((total(&web) == WEB_REPLICAS).then_some(web))
        })
        .unwrap_or_else(|e| panic!("{e}"))
        .0;
    rec.placements
        .insert("rebalanced.cl-web".to_owned(), json!(web));
    for &i in &drained {
        assert!(
            web.contains_key(c.hostname(i)),
            "the forced update did not move tasks to {}: {web:?}",
            c.hostname(i)
        );
    }
    let (min, max) = spread(&web, nodes, c);
    assert!(max - min <= 1, "rebalanced spread is uneven: {web:?}");
}

fn rolling_update_replicated(c: &Cluster, rec: &mut Record) {
    let t = Instant::now();
    let started = now();
    // The rebalance left parallelism 3 in the spec: set the update policy under test.
    c.on_manager(&[
        "service",
        "update",
        "-d",
        "--env-add",
        "VERSION=2",
        "--update-parallelism",
        "2",
        "--update-delay",
        "2s",
        "--update-monitor",
        "3s",
        WEB,
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    wait_update_completed(c, WEB, started);
    rec.timings
        .record("rolling_update.replicated_p2_d2s_m3s", t.elapsed());
    let tasks = new_tasks(c, WEB, "VERSION=2");
    assert_eq!(tasks.len(), WEB_REPLICAS, "new web tasks: {tasks:?}");
    let waves = waves(&tasks, started);
    // 6 replicas at parallelism 2: three waves.
    assert_eq!(waves.len(), 3, "waves: {waves:?}");
    for (n, w) in waves.iter().enumerate() {
        rec.timings.record(
            &format!("rolling_update.replicated.wave{}_start", n + 1),
            Duration::from_secs_f64(w.0.max(0.0)),
        );
    }
    rec.waves
        .insert("replicated".to_owned(), waves_json(&waves));
    rec.place("rolling_update.replicated.after", c, WEB);
}

fn rolling_update_global(c: &Cluster, rec: &mut Record) {
    let nodes = c.len();
    let t = Instant::now();
    let started = now();
    c.on_manager(&["service", "update", "-d", "--env-add", "VERSION=2", EDGE])
        .unwrap_or_else(|e| panic!("{e}"));
    wait_update_completed(c, EDGE, started);
    rec.timings
        .record("rolling_update.global_p1_d1s_stop_first", t.elapsed());
    let tasks = new_tasks(c, EDGE, "VERSION=2");
    let mut per_node: BTreeMap<String, usize> = BTreeMap::new();
    for task in &tasks {
        *per_node.entry(task.node.clone()).or_insert(0) += 1;
    }
    assert_eq!(
        per_node.len(),
        nodes,
        "one new global task per node: {per_node:?}"
    );
    assert!(per_node.values().all(|&n| n == 1), "{per_node:?}");
    let waves = waves(&tasks, started);
    assert_eq!(
        waves.len(),
        nodes,
        "parallelism 1: one node per wave: {waves:?}"
    );
    rec.waves.insert("global".to_owned(), waves_json(&waves));
    c.wait_until(
        "the host-mode port answering on every node",
        CONVERGE,
        || Ok(port_answers_everywhere(c, &(0..nodes).collect::<Vec<_>>()).then_some(())),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    rec.timings
        .record("rolling_update.global.port_everywhere", t.elapsed());
}

fn promote_and_demote(c: &Cluster, rec: &mut Record) {
    let worker = 3; // node4
    let host = c.hostname(worker).to_owned();
    rec.control_plane
        .insert("before_promote".to_owned(), control_plane(c));
    let t = Instant::now();
    c.promote(worker).unwrap_or_else(|e| panic!("{e}"));
    c.wait_until(&format!("{host} Reachable"), CONVERGE, || {
        Ok(c.node_ls()?
            .iter()
            .any(|n| n.hostname == host && n.manager_status == "Reachable")
            .then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}"));
    rec.timings.record("promote.reachable", t.elapsed());
    let promoted = control_plane(c);
    assert_eq!(promoted["managers"], 4, "{promoted}");
    rec.control_plane.insert("promoted".to_owned(), promoted);

    let t = Instant::now();
    c.demote(worker).unwrap_or_else(|e| panic!("{e}"));
    c.wait_until(&format!("{host} a worker again"), CONVERGE, || {
        let listed = c
            .node_ls()?
            .iter()
            .any(|n| n.hostname == host && n.manager_status.is_empty());
        let control = c.docker(worker, &["info", "--format", "{{.Swarm.ControlAvailable}}"])?;
        let managers = c.on_manager(&["info", "--format", "{{.Swarm.Managers}}"])?;
        Ok((listed && control.trim() == "false" && managers.trim() == "3").then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}"));
    rec.timings.record("demote.worker", t.elapsed());
    let demoted = control_plane(c);
    assert_eq!(demoted["managers"], 3, "{demoted}");
    rec.control_plane.insert("demoted".to_owned(), demoted);
}

fn leader_loss(c: &Cluster, rec: &mut Record) {
    let leader = current_leader(c);
    let leader_host = c.hostname(leader).to_owned();
    let other = (0..3).find(|&i| i != leader).expect("another manager");
    let before = rec.place("leader_loss.before", c, WEB);
    let t = Instant::now();
    c.stop(leader, Stop::PowerLoss)
        .unwrap_or_else(|e| panic!("{e}"));
    let (new_leader, _) = c
        .wait_until("a new leader", RESCHEDULE, || {
            Ok(c.leader_seen_from(other)?.filter(|l| *l != leader_host))
        })
        .unwrap_or_else(|e| panic!("{e}"));
    rec.timings.record("leader_loss.election", t.elapsed());
    c.wait_until(&format!("{leader_host} shown Down"), RESCHEDULE, || {
        Ok(c.node_ls()?
            .iter()
            .any(|n| n.hostname == leader_host && n.status == "Down")
            .then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}"));
    rec.timings
        .record("leader_loss.old_leader_down", t.elapsed());
    let web = c
        .wait_until(
            "the old leader's tasks running elsewhere",
            RESCHEDULE,
            || {
                let web = c.running_per_node(WEB)?;
                Ok((total(&web) == WEB_REPLICAS && !web.contains_key(&leader_host)).then_some(web))
            },
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .0;
    rec.timings.record("leader_loss.rescheduled", t.elapsed());
    rec.placements
        .insert("leader_loss.after.cl-web".to_owned(), json!(web));
    rec.control_plane.insert(
        "leader_loss".to_owned(),
        json!({"old_leader": leader_host, "new_leader": new_leader,
               "web_tasks_on_old_leader": before.get(&leader_host).copied().unwrap_or(0),
               "after": control_plane(c)}),
    );
    let t = Instant::now();
    c.start(leader).unwrap_or_else(|e| panic!("{e}"));
    c.wait_until(
        &format!("{leader_host} back as a Reachable manager"),
        RESCHEDULE,
        || {
            Ok(c.node_ls()?
                .iter()
                .any(|n| {
                    n.hostname == leader_host
                        && n.status == "Ready"
                        && n.manager_status == "Reachable"
                })
                .then_some(()))
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    rec.timings
        .record("leader_loss.old_leader_rejoined", t.elapsed());
}

fn quorum_loss(c: &Cluster, rec: &mut Record) {
    let leader = current_leader(c);
    // Keep the leader, lose the two other managers: 1 of 3 cannot form a majority.
    let lost: Vec<usize> = (0..3).filter(|&i| i != leader).collect();
    let worker = c.len() - 1;
    let worker_containers = running_containers(c, worker);
    let t = Instant::now();
    for &i in &lost {
        c.stop(i, Stop::PowerLoss).unwrap_or_else(|e| panic!("{e}"));
    }
    let (message, _) = c
        .wait_for("the swarm to report no leader", RESCHEDULE, || {
            match c.docker_timeout(
                leader,
                &[
                    "service",
                    "create",
                    "-d",
                    "--name",
                    "cl-noquorum",
                    "--no-resolve-image",
                    PROBE_TAG,
                ],
                20,
            ) {
                Ok(_) => {
                    // Created before the loss was noticed: remove it and try again.
                    let _ = c.docker_timeout(leader, &["service", "rm", "cl-noquorum"], 20);
                    Ok(None)
                }
                Err(e) if e.contains("does not have a leader") => Ok(Some(e)),
                // A proposal that cannot commit times out; the manager has not noticed yet.
                Err(_) => Ok(None),
            }
        })
        .unwrap_or_else(|e| panic!("{e}"));
    rec.timings
        .record("quorum_loss.no_leader_reported", t.elapsed());
    // Running tasks keep running without a control plane.
    let still = running_containers(c, worker);
    assert_eq!(
        still,
        worker_containers,
        "tasks on {} changed without quorum",
        c.hostname(worker)
    );
    rec.control_plane.insert(
        "quorum_lost".to_owned(),
        json!({"managers_down": lost.len(), "error": message.trim(),
               "worker_containers_running": still}),
    );
    let t = Instant::now();
    for &i in &lost {
        c.start(i).unwrap_or_else(|e| panic!("{e}"));
    }
    c.wait_until("a leader again", RESCHEDULE, || {
        Ok(c.leader_seen_from(leader)?.map(|_| ()))
    })
    .unwrap_or_else(|e| panic!("{e}"));
    rec.timings.record("quorum_loss.leader_back", t.elapsed());
    let nodes = c.len();
    c.wait_until("every node Ready", RESCHEDULE, || {
        let ls = c.node_ls()?;
        Ok((ls.len() == nodes && ls.iter().all(|n| n.status == "Ready")).then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}"));
    rec.timings.record("quorum_loss.all_ready", t.elapsed());
    rec.control_plane
        .insert("quorum_restored".to_owned(), control_plane(c));
}

fn restart_worker(c: &Cluster, rec: &mut Record) {
    let worker = c.len() - 1; // node5
    let host = c.hostname(worker).to_owned();
    let t = Instant::now();
    let stopped = c
        .stop(worker, Stop::Graceful)
        .unwrap_or_else(|e| panic!("{e}"));
    rec.timings.record("restart_worker.graceful_stop", stopped);
    c.start(worker).unwrap_or_else(|e| panic!("{e}"));
    rec.timings
        .record("restart_worker.daemon_answering", t.elapsed());
    c.wait_until(
        &format!("{host} Ready with its global task again"),
        RESCHEDULE,
        || {
            let ready = c
                .node_ls()?
                .iter()
                .any(|n| n.hostname == host && n.status == "Ready");
            Ok((ready && c.running_per_node(EDGE)?.contains_key(&host)).then_some(()))
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    rec.timings
        .record("restart_worker.ready_global_task_back", t.elapsed());
    c.wait_until("6 web tasks running after the restart", RESCHEDULE, || {
        Ok((total(&c.running_per_node(WEB)?) == WEB_REPLICAS).then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}"));
    rec.timings
        .record("restart_worker.web_running", t.elapsed());
}

fn partition_worker(c: &Cluster, rec: &mut Record) {
    let worker = 3; // node4
    let host = c.hostname(worker).to_owned();
    // The partition needs web tasks on the worker to move; spread them again if it has none.
    if !c
        .running_per_node(WEB)
        .unwrap_or_default()
        .contains_key(&host)
    {
        let started = now();
        c.on_manager(&[
            "service",
            "update",
            "-d",
            "--force",
            "--update-parallelism",
            "3",
            WEB,
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        wait_update_completed(c, WEB, started);
    }
    let before = rec.place("partition.before", c, WEB);
    assert!(
        before.contains_key(&host),
        "no web task on {host} to move: {before:?}"
    );
    let t = Instant::now();
    c.partition(worker).unwrap_or_else(|e| panic!("{e}"));
    c.wait_until(&format!("{host} shown Down"), RESCHEDULE, || {
        Ok(c.node_ls()?
            .iter()
            .any(|n| n.hostname == host && n.status == "Down")
            .then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}"));
    rec.timings.record("partition.worker_down", t.elapsed());
    c.wait_until(
        "the partitioned worker's tasks running elsewhere",
        RESCHEDULE,
        || {
            let web = c.running_per_node(WEB)?;
            Ok((total(&web) == WEB_REPLICAS && !web.contains_key(&host)).then_some(()))
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    rec.timings.record("partition.rescheduled", t.elapsed());
    rec.control_plane.insert(
        "partition".to_owned(),
        json!({"node": host, "web_tasks_before": before.get(&host).copied().unwrap_or(0)}),
    );
    rec.place("partition.after", c, WEB);
    let t = Instant::now();
    c.heal(worker).unwrap_or_else(|e| panic!("{e}"));
    c.wait_until(&format!("{host} Ready again"), RESCHEDULE, || {
        Ok(c.node_ls()?
            .iter()
            .any(|n| n.hostname == host && n.status == "Ready")
            .then_some(()))
    })
    .unwrap_or_else(|e| panic!("{e}"));
    rec.timings.record("partition.healed_ready", t.elapsed());
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn total(counts: &BTreeMap<String, usize>) -> usize {
    counts.values().sum()
}

/// (fewest, most) tasks over all nodes, counting nodes without any as 0.
fn spread(counts: &BTreeMap<String, usize>, nodes: usize, c: &Cluster) -> (usize, usize) {
    let all: Vec<usize> = (0..nodes)
        .map(|i| counts.get(c.hostname(i)).copied().unwrap_or(0))
        .collect();
    (
        all.iter().copied().min().unwrap_or(0),
        all.iter().copied().max().unwrap_or(0),
    )
}

fn drained_nodes(c: &Cluster) -> Vec<usize> {
    c.node_ls()
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .filter(|n| n.availability == "Drain")
        .filter_map(|n| c.index_of(&n.hostname))
        .collect()
}

fn current_leader(c: &Cluster) -> usize {
    c.wait_until("a leader", CONVERGE, || {
        Ok(c.node_ls()?
            .into_iter()
            .find(|n| n.manager_status == "Leader")
            .and_then(|n| c.index_of(&n.hostname)))
    })
    .unwrap_or_else(|e| panic!("{e}"))
    .0
}

/// Managers, how many are reachable, the quorum and the failures it tolerates, the leader.
fn control_plane(c: &Cluster) -> Value {
    let ls = c.node_ls().unwrap_or_else(|e| panic!("{e}"));
    let managers: Vec<&str> = ls
        .iter()
        .filter(|n| !n.manager_status.is_empty())
        .map(|n| n.hostname.as_str())
        .collect();
    let reachable = ls
        .iter()
        .filter(|n| matches!(n.manager_status.as_str(), "Leader" | "Reachable"))
        .count();
    let quorum = managers.len() / 2 + 1;
    json!({
        "managers": managers.len(),
        "reachable": reachable,
        "quorum": quorum,
        "tolerates": managers.len().saturating_sub(quorum),
        "leader": ls.iter().find(|n| n.manager_status == "Leader").map(|n| n.hostname.clone()),
        "manager_nodes": managers,
    })
}

/// Polls the service until an update that started at or after `started` (unix s, the same
/// clock as the managers') is `completed`.
fn wait_update_completed(c: &Cluster, service: &str, started: f64) {
    let timeout = CONVERGE + Duration::from_secs(60);
    c.wait_until(&format!("{service} update completed"), timeout, || {
        let text = c.on_manager(&["service", "inspect", service])?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
        let status = &doc[0]["UpdateStatus"];
        let since = status["StartedAt"]
            .as_str()
            .and_then(parse_time)
            .unwrap_or(0.0);
        if since + 1.0 < started {
            return Ok(None); // still the previous update's status
        }
        match status["State"].as_str().unwrap_or_default() {
            "completed" => Ok(Some(())),
            s @ ("paused" | "rollback_completed" | "rollback_paused") => {
                Err(format!("{service} update ended {s}: {}", status["Message"]))
            }
            _ => Ok(None),
        }
    })
    .unwrap_or_else(|e| panic!("{e} ({:.0} s after the update)", now() - started));
}

#[derive(Debug)]
struct NewTask {
    node: String,
    created: f64,
}

/// The service's tasks that should run and whose spec carries `env`, with their node and
/// creation time.
fn new_tasks(c: &Cluster, service: &str, env: &str) -> Vec<NewTask> {
    let ids = c
        .on_manager(&[
            "service",
            "ps",
            "-q",
            "--no-trunc",
            "--filter",
            "desired-state=running",
            service,
        ])
        .unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = ids.split_whitespace().collect();
    let mut args = vec!["inspect", "--type", "task"];
    args.extend(&ids);
    let text = c.on_manager(&args).unwrap_or_else(|e| panic!("{e}"));
    let tasks: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let names: BTreeMap<String, String> = c
        .on_manager(&["node", "ls", "--format", "{{.ID}}\t{{.Hostname}}"])
        .unwrap_or_else(|e| panic!("{e}"))
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(id, host)| (id.to_owned(), host.to_owned()))
        .collect();
    tasks
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| {
            t["Status"]["State"] == "running"
                && t["Spec"]["ContainerSpec"]["Env"]
                    .as_array()
                    .is_some_and(|e| e.iter().any(|v| v == env))
        })
        .map(|t| NewTask {
            node: names
                .get(t["NodeID"].as_str().unwrap_or_default())
                .cloned()
                .unwrap_or_default(),
            created: parse_time(t["CreatedAt"].as_str().unwrap_or_default()).unwrap_or(0.0),
        })
        .collect()
}

/// Groups new tasks into waves (creations more than 0.8 s apart start a new wave); each wave
/// is (start offset from `started` in s, nodes).
fn waves(tasks: &[NewTask], started: f64) -> Vec<(f64, Vec<String>)> {
    let mut sorted: Vec<&NewTask> = tasks.iter().collect();
    sorted.sort_by(|a, b| a.created.total_cmp(&b.created));
    let mut waves: Vec<(f64, f64, Vec<String>)> = Vec::new();
    for t in sorted {
        match waves.last_mut() {
            Some((_, last, nodes)) if t.created - *last <= 0.8 => {
                *last = t.created;
                nodes.push(t.node.clone());
            }
            _ => waves.push((t.created, t.created, vec![t.node.clone()])),
        }
    }
    waves
        .into_iter()
        .map(|(first, _, nodes)| (((first - started) * 1000.0).round() / 1000.0, nodes))
        .collect()
}

fn waves_json(waves: &[(f64, Vec<String>)]) -> Value {
    json!(
        waves
            .iter()
            .map(|(t, nodes)| json!({"start_s": t, "nodes": nodes}))
            .collect::<Vec<_>>()
    )
}

/// True when `GET /health` on port 8080 of every listed node answers 200, asked from inside
/// node1's namespace (the host has no route to the nodes).
fn port_answers_everywhere(c: &Cluster, nodes: &[usize]) -> bool {
    nodes.iter().all(|&i| {
        let script = format!(
            "exec 3<>/dev/tcp/{}/{EDGE_PORT} && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3",
            c.addr(i)
        );
        c.in_netns(0, "bash", &["-c", &script], Duration::from_secs(5))
            .is_ok_and(|out| out.contains(" 200 "))
    })
}

/// IDs of the containers running on node `i` (asked from that node's own daemon).
fn running_containers(c: &Cluster, i: usize) -> Vec<String> {
    let mut ids: Vec<String> = c
        .docker(i, &["ps", "-q", "--no-trunc"])
        .unwrap_or_else(|e| panic!("{e}"))
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    ids.sort();
    ids
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Writes the run under the target directory and, with `STACKPLAN_CLUSTER_RECORD=FILE`,
/// appends it to FILE's `runs` and recomputes the per-metric summary there.
fn save(run: &Value) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cluster-suite");
    std::fs::create_dir_all(&dir).expect("create the run directory");
    let path = dir.join(format!("run-{}.json", run["started_unix"]));
    std::fs::write(&path, serde_json::to_string_pretty(run).unwrap()).expect("write the run");
    eprintln!("cluster suite: measurements in {}", path.display());
    let Some(record) = std::env::var_os("STACKPLAN_CLUSTER_RECORD").map(PathBuf::from) else {
        return;
    };
    let mut doc: Value = std::fs::read_to_string(&record)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| json!({}));
    let mut runs = doc["runs"].as_array().cloned().unwrap_or_default();
    runs.push(run.clone());
    let mut per_metric: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for r in &runs {
        if let Some(t) = r["timings_s"].as_object() {
            for (k, v) in t {
                if let Some(v) = v.as_f64() {
                    per_metric.entry(k.clone()).or_default().push(v);
                }
            }
        }
    }
    let summary: serde_json::Map<String, Value> = per_metric
        .into_iter()
        .map(|(k, mut v)| {
            v.sort_by(f64::total_cmp);
            let median = v[v.len() / 2];
            (
                k,
                json!({"min": v[0], "median": median, "max": v[v.len() - 1], "runs": v.len()}),
            )
        })
        .collect();
    doc = json!({
        "about": "Times measured by the multi-node suite (tests/cluster/tests/suite.rs) on a \
                  3-manager + 2-worker Swarm of separate dockerds in network namespaces \
                  (tests/cluster/README.md). Seconds, measured by polling every 0.2 s (each \
                  poll is a docker CLI call, 0.05-0.5 s under load), so times are upper bounds \
                  of the event by up to about 0.7 s. Machine load is in each run.",
        "command": "STACKPLAN_CLUSTER_RECORD=$PWD/docs/fidelity/cluster/measured.json cargo test -p stackplan-cluster --test cluster_suite -- --nocapture",
        "summary": summary,
        "runs": runs,
    });
    std::fs::write(&record, serde_json::to_string_pretty(&doc).unwrap() + "\n")
        .expect("write the record file");
    eprintln!("cluster suite: appended to {}", record.display());
}

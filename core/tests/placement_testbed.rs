//! The placement and maintenance model against the five-node test bed's recorded runs
//! (`docs/fidelity/cluster/measured.json`, written by `tests/cluster/tests/suite.rs`).
//!
//! For every recorded run and step, the preview starts from the placement recorded before the
//! step (the suite's `placements.*.before`) on the test bed's inventory and is compared with
//! what the run recorded after it: the tasks moved, the per-node counts (as a multiset: Swarm
//! breaks ties between equally loaded nodes at random, the model takes the first node), which
//! nodes are empty, the control plane. The simulated times of the rolling updates and the
//! forced rebalance are compared with the recorded spread; the verdicts are printed (run with
//! `--nocapture`) and written up in `docs/fidelity/cluster/README.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use serde_json::Value;
use stackplan_core::placement::maintenance::{self, MaintenanceStep, ServiceInput};
use stackplan_core::placement::scheduler::{Cluster, Demand};
use stackplan_core::placement::{Availability, Inventory, Role, measured, rollout, stack};
use stackplan_core::rollout::{
    self as sim, RolloutRequest, Scenario, ServiceMode, ServiceSpec, UpdateConfig, UpdateOrder,
};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The recorded runs, or None (skipped loudly) without the file.
fn measured_json() -> Option<Value> {
    let path = root().join("docs/fidelity/cluster/measured.json");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).expect("measured.json is JSON")),
        Err(e) => {
            eprintln!(
                "\n==========\nSKIPPED: {} is not readable ({e}): the placement model is not checked against the test bed\n==========\n",
                path.display()
            );
            None
        }
    }
}

/// The test bed's nodes, as `docker node inspect` printed them on it (node5 drained there).
fn testbed() -> Inventory {
    let path = root().join("core/tests/fixtures/placement/testbed-node-inspect.json");
    let text = std::fs::read_to_string(path).expect("the fixture");
    let mut inventory = Inventory::parse("testbed-node-inspect.json", &text).expect("parses");
    for n in &mut inventory.nodes {
        n.availability = Availability::Active;
        n.labels.clear();
    }
    inventory
}

const WEB: &str = "cl-web";
const EDGE: &str = "cl-edge";

/// The suite's services: `cl-web` 6 replicas, `cl-edge` global with host-mode port 8080.
fn services() -> Vec<ServiceInput> {
    let mut edge = Demand::replicated(EDGE, 0);
    edge.global = true;
    edge.host_ports = vec![("tcp".into(), 8080)];
    vec![
        ServiceInput {
            demand: Demand::replicated(WEB, 6),
            parallelism: 3,
            force_update_s: Some(force_update_s()),
        },
        ServiceInput {
            demand: edge,
            parallelism: 1,
            force_update_s: None,
        },
    ]
}

fn counts(v: &Value) -> BTreeMap<String, u32> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0) as u32))
                .collect()
        })
        .unwrap_or_default()
}

fn multiset(c: &BTreeMap<String, u32>) -> Vec<u32> {
    let mut v: Vec<u32> = c.values().copied().filter(|n| *n > 0).collect();
    v.sort_unstable();
    v
}

fn runs(doc: &Value) -> Vec<&Value> {
    doc["runs"]
        .as_array()
        .map(|r| r.iter().collect())
        .unwrap_or_default()
}

/// The cluster with `web` placed as recorded and the global task on every node that wants it.
fn cluster_with(inventory: Inventory, web: &BTreeMap<String, u32>) -> Cluster {
    let services = services();
    let mut tasks = BTreeMap::new();
    tasks.insert(WEB.to_owned(), web.clone());
    let edge: BTreeMap<String, u32> = inventory
        .nodes
        .iter()
        .filter(|n| n.availability == Availability::Active)
        .map(|n| (n.hostname.clone(), 1))
        .collect();
    tasks.insert(EDGE.to_owned(), edge);
    maintenance::initial_cluster(Cluster::new(inventory), &services, Some(&tasks))
        .expect("recorded placement fits the inventory")
        .0
}

fn preview(cluster: Cluster, steps: &[MaintenanceStep]) -> maintenance::MaintenancePreview {
    maintenance::preview(cluster, &services(), BTreeMap::new(), steps, "").expect("preview")
}

#[test]
fn the_quoted_times_are_those_recorded() {
    let Some(doc) = measured_json() else { return };
    for (key, min, median, max, runs) in measured::TABLE {
        let s = &doc["summary"][key];
        assert_eq!(s["min"].as_f64(), Some(*min), "{key}.min");
        assert_eq!(s["median"].as_f64(), Some(*median), "{key}.median");
        assert_eq!(s["max"].as_f64(), Some(*max), "{key}.max");
        assert_eq!(s["runs"].as_u64(), Some(u64::from(*runs)), "{key}.runs");
    }
}

#[test]
fn the_test_beds_node_inspect_output_is_read() {
    let path = root().join("core/tests/fixtures/placement/testbed-node-inspect.json");
    let text = std::fs::read_to_string(path).unwrap();
    let inv = Inventory::parse("nodes.json", &text).unwrap();
    let names: Vec<&str> = inv.nodes.iter().map(|n| n.hostname.as_str()).collect();
    assert_eq!(names, ["node1", "node2", "node3", "node4", "node5"]);
    assert!(inv.nodes[0].leader && inv.nodes[0].role == Role::Manager);
    assert_eq!(
        inv.nodes.iter().filter(|n| n.role == Role::Manager).count(),
        3
    );
    assert_eq!(inv.nodes[4].availability, Availability::Drain);
    assert_eq!(
        inv.nodes[3].labels.get("zone").map(String::as_str),
        Some("b")
    );
    assert!(
        inv.nodes
            .iter()
            .all(|n| n.nano_cpus == 2_000_000_000 && n.memory_bytes > 0)
    );
}

#[test]
fn drains_move_what_the_test_bed_moved() {
    let Some(doc) = measured_json() else { return };
    for (r, run) in runs(&doc).into_iter().enumerate() {
        for (label, node, drained_before) in [
            ("drain_worker", "node5", None),
            ("drain_manager", "node2", Some("node5")),
        ] {
            let mut inv = testbed();
            if let Some(d) = drained_before {
                let i = inv.find(d).unwrap();
                inv.nodes[i].availability = Availability::Drain;
            }
            let before = counts(&run["placements"][format!("{label}.before.{WEB}")]);
            let after = counts(&run["placements"][format!("{label}.after.{WEB}")]);
            let p = preview(
                cluster_with(inv, &before),
                &[MaintenanceStep::Drain(node.into())],
            );
            let web_move = p.steps[0].moves.iter().find(|m| m.service == WEB);
            let moved = web_move.map_or(0, |m| m.tasks);
            let recorded = run["control_plane"][format!("{label}.tasks_moved")]["web_tasks_moved"]
                .as_u64()
                .unwrap() as u32;
            assert_eq!(moved, recorded, "run {r} {label}: tasks moved");
            let predicted = &p.after.tasks[WEB];
            assert!(!predicted.contains_key(node), "run {r} {label}");
            assert_eq!(
                multiset(predicted),
                multiset(&after),
                "run {r} {label}: {predicted:?} vs {after:?}"
            );
            // Only the drained node's tasks move.
            for (n, k) in &before {
                if n != node {
                    assert!(
                        predicted.get(n).copied().unwrap_or(0) >= *k,
                        "run {r} {label}: {n}"
                    );
                }
            }
            // The global task leaves the drained node and is not replaced.
            assert!(!p.after.tasks[EDGE].contains_key(node));
        }
    }
}

#[test]
fn activation_moves_nothing_back_and_a_forced_update_evens_out() {
    let Some(doc) = measured_json() else { return };
    for (r, run) in runs(&doc).into_iter().enumerate() {
        let mut inv = testbed();
        for d in ["node2", "node5"] {
            let i = inv.find(d).unwrap();
            inv.nodes[i].availability = Availability::Drain;
        }
        let before = counts(&run["placements"][format!("drain_manager.after.{WEB}")]);
        let p = preview(
            cluster_with(inv, &before),
            &[
                MaintenanceStep::Activate("node5".into()),
                MaintenanceStep::Activate("node2".into()),
            ],
        );
        let activated = counts(&run["placements"][format!("activated.{WEB}")]);
        assert_eq!(p.after.tasks[WEB], activated, "run {r}: no rebalance");
        assert_eq!(
            p.after.tasks[EDGE].len(),
            5,
            "run {r}: the global task is back"
        );
        let rebalance = p
            .rebalance
            .iter()
            .find(|b| b.service == WEB)
            .expect("the imbalance is reported");
        let rebalanced = counts(&run["placements"][format!("rebalanced.{WEB}")]);
        assert_eq!(multiset(&rebalance.after), multiset(&rebalanced), "run {r}");
        assert_eq!(rebalance.after.len(), 5, "run {r}: every node gets a task");
        assert_eq!((rebalance.tasks, rebalance.waves), (6, 2));
    }
}

#[test]
fn power_losses_and_partitions_reschedule_what_the_test_bed_did() {
    let Some(doc) = measured_json() else { return };
    for (r, run) in runs(&doc).into_iter().enumerate() {
        // The leader loses power.
        let cp = &run["control_plane"]["leader_loss"];
        let old = cp["old_leader"].as_str().unwrap();
        let before = counts(&run["placements"][format!("leader_loss.before.{WEB}")]);
        let p = preview(
            cluster_with(testbed(), &before),
            &[MaintenanceStep::NodeDown(old.into())],
        );
        let after = counts(&run["placements"][format!("leader_loss.after.{WEB}")]);
        assert_eq!(
            multiset(&p.after.tasks[WEB]),
            multiset(&after),
            "run {r} leader loss"
        );
        assert!(!p.after.tasks[WEB].contains_key(old));
        let c = &p.after.control_plane;
        let rec = &cp["after"];
        assert_eq!(
            (c.managers, c.reachable, c.quorum, c.tolerates),
            (
                rec["managers"].as_u64().unwrap() as u32,
                rec["reachable"].as_u64().unwrap() as u32,
                rec["quorum"].as_u64().unwrap() as u32,
                rec["tolerates"].as_u64().unwrap() as u32
            ),
            "run {r}"
        );
        let leader = c.leader.as_deref().expect("a new leader");
        assert_ne!(leader, old);
        assert!(c.manager_nodes.iter().any(|m| m == leader));
        let moved = p.steps[0]
            .moves
            .iter()
            .find(|m| m.service == WEB)
            .map_or(0, |m| m.tasks);
        assert_eq!(
            u64::from(moved),
            cp["web_tasks_on_old_leader"].as_u64().unwrap()
        );

        // A worker's link goes down: the same heartbeat expiry as a power loss.
        let node = run["control_plane"]["partition"]["node"].as_str().unwrap();
        let before = counts(&run["placements"][format!("partition.before.{WEB}")]);
        let p = preview(
            cluster_with(testbed(), &before),
            &[MaintenanceStep::NodeDown(node.into())],
        );
        let after = counts(&run["placements"][format!("partition.after.{WEB}")]);
        assert_eq!(
            multiset(&p.after.tasks[WEB]),
            multiset(&after),
            "run {r} partition"
        );
        assert!(p.after.control_plane.has_quorum());
    }
}

#[test]
fn promote_demote_and_quorum_loss_match_the_control_plane_recorded() {
    let Some(doc) = measured_json() else { return };
    for (r, run) in runs(&doc).into_iter().enumerate() {
        let web = counts(&run["placements"][format!("deployed.{WEB}")]);
        let cp = &run["control_plane"];
        let p = preview(
            cluster_with(testbed(), &web),
            &[
                MaintenanceStep::Promote("node4".into()),
                MaintenanceStep::Demote("node4".into()),
            ],
        );
        let check = |got: &maintenance::ControlPlane, rec: &Value, what: &str| {
            assert_eq!(
                got.managers as u64,
                rec["managers"].as_u64().unwrap(),
                "run {r} {what}"
            );
            assert_eq!(
                got.reachable as u64,
                rec["reachable"].as_u64().unwrap(),
                "run {r} {what}"
            );
            assert_eq!(
                got.quorum as u64,
                rec["quorum"].as_u64().unwrap(),
                "run {r} {what}"
            );
            assert_eq!(
                got.tolerates as u64,
                rec["tolerates"].as_u64().unwrap(),
                "run {r} {what}"
            );
            let rec_nodes: Vec<&str> = rec["manager_nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(got.manager_nodes, rec_nodes, "run {r} {what}");
            assert_eq!(
                got.leader.as_deref(),
                rec["leader"].as_str(),
                "run {r} {what}"
            );
        };
        check(&p.before.control_plane, &cp["before_promote"], "before");
        check(&p.steps[0].control_plane, &cp["promoted"], "promoted");
        check(&p.steps[1].control_plane, &cp["demoted"], "demoted");
        assert!(
            p.steps[0]
                .warnings
                .iter()
                .any(|w| w.contains("even number"))
        );

        // Two of three managers lose power (the leader stays).
        let leader = cp["before_promote"]["leader"].as_str().unwrap();
        let lost: Vec<String> = ["node1", "node2", "node3"]
            .iter()
            .filter(|n| **n != leader)
            .map(|n| (*n).to_owned())
            .collect();
        let p = preview(
            cluster_with(testbed(), &web),
            &[
                MaintenanceStep::NodeDown(lost[0].clone()),
                MaintenanceStep::NodeDown(lost[1].clone()),
            ],
        );
        assert!(!p.after.control_plane.has_quorum());
        let error = cp["quorum_lost"]["error"].as_str().unwrap();
        let warned = p.steps[1]
            .warnings
            .iter()
            .find(|w| w.contains("does not have a leader"))
            .expect("the quorum warning");
        // The message the preview quotes is the one the Swarm answered.
        let quoted = warned.split('"').nth(1).unwrap();
        assert!(
            error.contains(quoted),
            "{error:?} does not contain {quoted:?}"
        );
        // Nothing is rescheduled; the worker's tasks keep running.
        for n in ["node4", "node5"] {
            assert_eq!(p.after.tasks[WEB].get(n), web.get(n), "run {r}: {n}");
        }
    }
}

// ------------------------------------------------------------------------ rolling updates

fn web_spec(replicas: u32, parallelism: u64) -> ServiceSpec {
    ServiceSpec {
        mode: ServiceMode::Replicated { replicas },
        update_config: Some(UpdateConfig {
            parallelism,
            delay_ms: 2_000,
            monitor_ms: Some(3_000),
            ..UpdateConfig::default()
        }),
        networked: false,
        ..ServiceSpec::default()
    }
}

fn edge_spec() -> ServiceSpec {
    ServiceSpec {
        mode: ServiceMode::Global { nodes: 5 },
        update_config: Some(UpdateConfig {
            parallelism: 1,
            delay_ms: 1_000,
            order: UpdateOrder::StopFirst,
            ..UpdateConfig::default()
        }),
        networked: false,
        host_mode_ports: true,
        ..ServiceSpec::default()
    }
}

fn simulate(spec: ServiceSpec) -> sim::RolloutPlan {
    let request = RolloutRequest {
        nodes: Some(5),
        ..RolloutRequest::new(spec.clone(), spec, Scenario::default())
    };
    sim::simulate(&request).expect("simulates")
}

/// `service update --force --update-parallelism 3 cl-web` (delay 2 s, monitor 3 s kept).
fn force_update_s() -> f64 {
    simulate(web_spec(6, 3)).finished_at_ms.unwrap() as f64 / 1000.0
}

fn spread(doc: &Value, key: &str) -> (f64, f64) {
    let s = &doc["summary"][key];
    (s["min"].as_f64().unwrap(), s["max"].as_f64().unwrap())
}

/// Prints predicted against recorded; true when inside the recorded spread.
fn verdict(what: &str, predicted: f64, (min, max): (f64, f64)) -> bool {
    let inside = predicted >= min && predicted <= max;
    eprintln!(
        "placement vs test bed: {what}: predicted {predicted:.2} s, recorded {min:.2}–{max:.2} s: {}",
        if inside { "inside" } else { "OUTSIDE" }
    );
    inside
}

#[test]
fn rolling_updates_land_where_the_test_bed_put_them() {
    let Some(doc) = measured_json() else { return };
    let services = services();
    let web_plan = simulate(web_spec(6, 2));
    let edge_plan = simulate(edge_spec());
    for (r, run) in runs(&doc).into_iter().enumerate() {
        // Replicated: from the rebalanced placement, parallelism 2 → three waves of two.
        let start = counts(&run["placements"][format!("rebalanced.{WEB}")]);
        let cluster = cluster_with(testbed(), &start);
        let slots = stack::slot_nodes(&cluster, WEB);
        let placed = rollout::replay(
            &cluster,
            "healthy",
            &services[0].demand,
            &services[0].demand,
            &slots,
            &web_plan,
        );
        let recorded: Vec<usize> = run["waves"]["replicated"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["nodes"].as_array().unwrap().len())
            .collect();
        let predicted: Vec<usize> = placed.waves.iter().map(|w| w.nodes.len()).collect();
        assert_eq!(predicted, recorded, "run {r}: wave sizes");
        let after = counts(&run["placements"][format!("rolling_update.replicated.after.{WEB}")]);
        assert_eq!(
            multiset(&placed.after),
            multiset(&after),
            "run {r}: after the update"
        );
        assert!(placed.pending.is_none());

        // Global, host-mode port, stop-first, parallelism 1: one node per wave, every node once.
        let placed = rollout::replay(
            &cluster,
            "healthy",
            &services[1].demand,
            &services[1].demand,
            &stack::slot_nodes(&cluster, EDGE),
            &edge_plan,
        );
        let recorded = run["waves"]["global"].as_array().unwrap();
        assert_eq!(placed.waves.len(), recorded.len(), "run {r}: global waves");
        assert!(placed.waves.iter().all(|w| w.nodes.len() == 1));
        let mut nodes: Vec<&str> = placed.waves.iter().map(|w| w.nodes[0].as_str()).collect();
        nodes.sort_unstable();
        assert_eq!(nodes, ["node1", "node2", "node3", "node4", "node5"]);
    }
    // Times: the simulator's (default timing) against the recorded spread.
    let web_waves: Vec<f64> = {
        let cluster = cluster_with(
            testbed(),
            &counts(&runs(&doc)[0]["placements"][format!("rebalanced.{WEB}")]),
        );
        let slots = stack::slot_nodes(&cluster, WEB);
        rollout::replay(
            &cluster,
            "",
            &services[0].demand,
            &services[0].demand,
            &slots,
            &web_plan,
        )
        .waves
        .iter()
        .map(|w| w.at_ms as f64 / 1000.0)
        .collect()
    };
    let total = |p: &sim::RolloutPlan| p.finished_at_ms.unwrap() as f64 / 1000.0;
    let edge_cluster = cluster_with(testbed(), &BTreeMap::new());
    let edge_waves: Vec<String> = rollout::replay(
        &edge_cluster,
        "",
        &services[1].demand,
        &services[1].demand,
        &stack::slot_nodes(&edge_cluster, EDGE),
        &edge_plan,
    )
    .waves
    .iter()
    .map(|w| format!("{:.2}", w.at_ms as f64 / 1000.0))
    .collect();
    eprintln!(
        "placement vs test bed: global waves start at {} s (recorded in run 0: {})",
        edge_waves.join(", "),
        runs(&doc)[0]["waves"]["global"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| format!("{:.2}", w["start_s"].as_f64().unwrap()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let checks = [
        (
            "replicated wave 2 start",
            web_waves[1],
            spread(&doc, "rolling_update.replicated.wave2_start"),
        ),
        (
            "replicated wave 3 start",
            web_waves[2],
            spread(&doc, "rolling_update.replicated.wave3_start"),
        ),
        (
            "replicated update to completed",
            total(&web_plan),
            spread(&doc, "rolling_update.replicated_p2_d2s_m3s"),
        ),
        (
            "global update to completed",
            total(&edge_plan),
            spread(&doc, "rolling_update.global_p1_d1s_stop_first"),
        ),
        (
            "forced rebalance at parallelism 3",
            force_update_s(),
            spread(&doc, "rebalance.force_parallelism3"),
        ),
    ];
    for (what, predicted, (min, max)) in checks {
        verdict(what, predicted, (min, max));
        // Outside the spread is documented (docs/fidelity/cluster/README.md); a model more
        // than a quarter off is a regression.
        assert!(
            predicted >= min * 0.75 && predicted <= max * 1.25,
            "{what}: predicted {predicted:.2} s, recorded {min:.2}–{max:.2} s"
        );
    }
}

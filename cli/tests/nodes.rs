//! `stackplan plan --nodes FILE` and the maintenance flags end to end on examples/nodes (the
//! multi-node test bed's two services and nodes).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::path::Path;

mod common;
use common::Parts as _;

fn run(args: &[&str]) -> (u8, String, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/nodes");
    common::run(args, &dir, &[]).parts()
}

fn json(args: &[&str]) -> serde_json::Value {
    let (status, out, err) = run(args);
    assert_eq!(status, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn draining_a_manager_then_losing_the_leader() {
    let plan = json(&[
        "-f",
        "compose.yml",
        "plan",
        "--nodes",
        "nodes.toml",
        "--drain",
        "node2",
        "--node-down",
        "node1",
        "--format",
        "json",
    ]);
    let m = &plan["plan"]["maintenance"];
    // Before: the scheduler spreads 6 replicas over 5 nodes, one global task on each.
    let web = m["before"]["tasks"]["web"].as_object().unwrap();
    assert_eq!(web.len(), 5);
    assert_eq!(web.values().map(|v| v.as_u64().unwrap()).sum::<u64>(), 6);
    let drain = &m["steps"][0];
    assert_eq!(drain["node"], "node2");
    let moves = drain["moves"].as_array().unwrap();
    let edge = moves.iter().find(|mv| mv["service"] == "edge").unwrap();
    assert!(
        edge["to"].as_object().unwrap().is_empty(),
        "global: not replaced"
    );
    let web_move = moves.iter().find(|mv| mv["service"] == "web").unwrap();
    assert_eq!(web_move["tasks"], 1);
    assert_eq!(drain["events"][1]["at"]["source"], "drain_manager.moved");
    // The leader's power loss: an election, Down, rescheduled; 2 of 3 managers left.
    let down = &m["steps"][1];
    let sources: Vec<&str> = down["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["at"]["source"].as_str())
        .collect();
    assert_eq!(
        sources,
        [
            "leader_loss.election",
            "leader_loss.old_leader_down",
            "leader_loss.rescheduled"
        ]
    );
    let cp = &m["after"]["control_plane"];
    assert_eq!(
        (cp["managers"].as_u64(), cp["reachable"].as_u64()),
        (Some(3), Some(2))
    );
    assert_ne!(cp["leader"], "node1");
    let after = m["after"]["tasks"]["web"].as_object().unwrap();
    assert!(!after.contains_key("node1") && !after.contains_key("node2"));
    assert_eq!(after.values().map(|v| v.as_u64().unwrap()).sum::<u64>(), 6);
    // The nodes file is an input of the plan.
    let inputs = plan["inputs"].as_array().unwrap();
    assert!(
        inputs
            .iter()
            .any(|i| i["role"] == "nodes" && i["path"] == "nodes.toml")
    );
}

#[test]
fn the_human_output_shows_the_preview_and_the_rebalance_hint() {
    let (status, out, err) = run(&[
        "-f",
        "compose.yml",
        "plan",
        "--nodes",
        "nodes.toml",
        "--drain",
        "node5",
        "--activate",
        "node5",
    ]);
    assert_eq!(status, 0, "{err}");
    assert!(out.contains("Maintenance preview"), "{out}");
    assert!(
        out.contains("no replicated task moves back to node5"),
        "{out}"
    );
    assert!(
        out.contains(
            "`docker service update --force nodes_web` replaces all 6 tasks in 3 waves of 2"
        ),
        "{out}"
    );
}

#[test]
fn docker_node_inspect_json_is_read_too() {
    let plan = json(&[
        "-f",
        "compose.yml",
        "plan",
        "--nodes",
        "../../core/tests/fixtures/placement/testbed-node-inspect.json",
        "--format",
        "json",
    ]);
    let p = &plan["plan"]["placement"];
    // node5 is drained there: no global task, no replica.
    let edge = p["services"]["edge"]["tasks"].as_object().unwrap();
    assert_eq!(edge.len(), 4);
    assert!(!edge.contains_key("node5"));
    assert!(
        !p["services"]["web"]["tasks"]
            .as_object()
            .unwrap()
            .contains_key("node5")
    );
}

#[test]
fn an_update_no_node_has_room_for_hangs() {
    let plan = json(&[
        "-f",
        "compose.yml",
        "-f",
        "zone-b.yml",
        "plan",
        "--from-file",
        "compose.yml",
        "--nodes",
        "nodes.toml",
        "--scenario",
        "healthy",
        "--format",
        "json",
    ]);
    let web = plan["plan"]["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "web")
        .unwrap();
    assert_eq!(web["simulations"][0]["outcome"], "hangs_forever");
    let rollout = &plan["plan"]["placement"]["services"]["web"]["rollouts"][0];
    let reason = rollout["pending"]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("no suitable node (scheduling constraints not satisfied on 4 nodes"),
        "{reason}"
    );
    for wave in rollout["waves"].as_array().unwrap() {
        assert!(
            wave["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|n| n == "node4")
        );
    }
}

#[test]
fn unknown_nodes_and_bad_files_are_errors() {
    let (status, _, err) = run(&[
        "-f",
        "compose.yml",
        "plan",
        "--nodes",
        "3",
        "--drain",
        "node9",
    ]);
    assert_ne!(status, 0);
    assert!(
        err.contains("drain node9: no such node in the inventory (node1, node2, node3)"),
        "{err}"
    );
    let (status, _, err) = run(&["-f", "compose.yml", "plan", "--nodes", "compose.yml"]);
    assert_ne!(status, 0);
    assert!(err.contains("compose.yml"), "{err}");
    let (status, _, err) = run(&["-f", "compose.yml", "plan", "--nodes", "0"]);
    assert_ne!(status, 0);
    assert!(err.contains("at least 1 node"), "{err}");
}

//! The plan request's node inventory, tasks and maintenance fields through the JSON API.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use serde_json::{Value, json};

const COMPOSE: &str = "services:\n  web:\n    image: web:1\n    deploy:\n      replicas: 4\n";

fn call(extra: Value) -> Value {
    let mut request = json!({
        "api_version": 1, "op": "plan",
        "project": {"working_directory": "/p", "compose_files": ["compose.yml"],
                    "files": {"compose.yml": COMPOSE}},
    });
    for (k, v) in extra.as_object().unwrap() {
        request[k] = v.clone();
    }
    let out = stackplan_core::api::handle_json(request.to_string().as_bytes());
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn a_typed_inventory_with_tasks_previews_a_drain() {
    let r = call(json!({
        "inventory": {"nodes": [
            {"hostname": "m1", "role": "manager", "leader": true},
            {"hostname": "w1"}, {"hostname": "w2", "availability": "pause"}]},
        "tasks": {"web": {"m1": 1, "w1": 2, "w2": 1}},
        "maintenance": [{"drain": "w1"}],
    }));
    assert_eq!(r["ok"], true, "{r}");
    let m = &r["result"]["plan_file"]["plan"]["maintenance"];
    // The paused node keeps its task but takes no new one: both replacements go to m1.
    assert_eq!(m["steps"][0]["moves"][0]["to"], json!({"m1": 2}));
    assert_eq!(m["after"]["tasks"]["web"], json!({"m1": 3, "w2": 1}));
}

#[test]
fn the_nodes_come_one_way_and_unknown_names_are_refused() {
    let inventory = json!({"nodes": [{"hostname": "a"}]});
    let r = call(json!({"nodes": 2, "inventory": inventory}));
    assert_eq!(r["error"]["kind"], "invalid-request", "{r}");
    let r = call(json!({"inventory": inventory, "tasks": {"db": {"a": 1}}}));
    assert_eq!(r["error"]["kind"], "invalid-request", "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no service \"db\"")
    );
    let r = call(json!({"inventory": {"nodes": [{"hostname": "a"}, {"hostname": "a"}]}}));
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("two nodes are named"),
        "{r}"
    );
    let r = call(json!({"nodes": 3, "maintenance": [{"demote": "node1"}]}));
    assert_eq!(r["ok"], true, "{r}");
    let step = &r["result"]["plan_file"]["plan"]["maintenance"]["steps"][0];
    assert_eq!(
        step["refused"],
        "attempting to demote the last manager of the swarm"
    );
}

#[test]
fn without_an_inventory_the_plan_has_no_placement_section() {
    let r = call(json!({"nodes": 3}));
    let plan = &r["result"]["plan_file"]["plan"];
    assert!(
        plan.get("placement").is_none() && plan.get("maintenance").is_none(),
        "{plan}"
    );
}

//! `stackplan-host` on a real multi-node Swarm (the test bed of `tests/cluster`: one dockerd
//! per network namespace): 1 manager + 2 workers, about 40 s.
//!
//! - every host command pointed at a worker's socket refuses (exit 2), naming the node as a
//!   worker and how to reach a manager;
//! - `nodes` reports the managers, quorum and leader;
//! - `drain` refuses to take the last eligible node of a pinned service (nothing sent), then
//!   with `--wait` drains and follows the moves;
//! - `activate --wait`: Swarm does not move the replicated tasks back, `nodes` reports the
//!   uneven spread with the rebalance hint;
//! - `rebalance` (ForceUpdate bump) spreads the service again, followed to `completed`;
//! - `demote` of the only manager is refused.
//!
//! Each outcome is checked with the docker CLI against the cluster, not with the host's own
//! reading. Skips loudly like the multi-node suite (not root, missing tools,
//! `STACKPLAN_SKIP_CLUSTER=1`); `STACKPLAN_REQUIRE_CLUSTER=1` makes that a failure (CI's host
//! block runs it so).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use serde_json::Value;
use stackplan_cluster::{Cluster, PROBE_TAG, Spec};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

const WEB: &str = "host-cl-web";
const PINNED: &str = "host-cl-pinned";
const CONVERGE: Duration = Duration::from_secs(120);

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn host(c: &Cluster, node: usize, args: &[&str]) -> Run {
    let docker_host = c.docker_host(node);
    let mut full = vec!["-H", docker_host.as_str()];
    full.extend_from_slice(args);
    let out = Command::new(env!("CARGO_BIN_EXE_stackplan-host"))
        .args(&full)
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .output()
        .expect("run stackplan-host");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    eprintln!(
        "$ stackplan-host {} → exit {}\n{}{}",
        full.join(" "),
        run.code,
        run.stdout,
        run.stderr
    );
    run
}

fn skip_reason() -> Option<String> {
    if std::env::var_os("STACKPLAN_SKIP_CLUSTER").is_some() {
        return Some("STACKPLAN_SKIP_CLUSTER is set".to_owned());
    }
    stackplan_cluster::preflight().err()
}

#[test]
fn host_commands_on_a_three_node_swarm() {
    if let Some(why) = skip_reason() {
        if std::env::var_os("STACKPLAN_REQUIRE_CLUSTER").is_some() {
            panic!("the host's cluster test is required (STACKPLAN_REQUIRE_CLUSTER) but: {why}");
        }
        eprintln!(
            "\n==========\nSKIPPED: stackplan-host on the multi-node test bed: {why}\n\
             Set STACKPLAN_REQUIRE_CLUSTER=1 to make this a failure.\n==========\n"
        );
        return;
    }
    let started = Instant::now();
    let c = Cluster::up(&Spec {
        managers: 1,
        workers: 2,
        probe_image: true,
    })
    .unwrap_or_else(|e| panic!("bring-up: {e}"));
    let (manager, worker) = (0, 2);
    let worker_name = c.hostname(worker).to_owned();
    eprintln!("cluster up in {:.1} s", started.elapsed().as_secs_f64());

    // 1. Every command refuses a worker's endpoint, naming it and the way to a manager.
    let dir = std::env::temp_dir().join(format!("host-cluster-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let compose = dir.join("compose.yml");
    std::fs::write(
        &compose,
        format!("services:\n  web:\n    image: {PROBE_TAG}\n"),
    )
    .unwrap();
    let compose = compose.to_string_lossy().into_owned();
    let manager_addr = format!("{}:2377", c.addr(manager));
    let commands: [&[&str]; 10] = [
        &["nodes"],
        &["status", "host-x"],
        &["rollback", "host-x"],
        &["apply", "-f", &compose, "--stack", "host-x", "--yes"],
        &["plan", "-f", &compose, "--stack", "host-x"],
        &["drain", "node1"],
        &["activate", "node1"],
        &["promote", "node2"],
        &["demote", "node1"],
        &["rebalance", WEB],
    ];
    for args in commands {
        let r = host(&c, worker, args);
        assert_eq!(r.code, 2, "{args:?} on a worker: {}", r.stderr);
        for wanted in [
            "is a Swarm worker, not a manager",
            &format!("(node {worker_name})"),
            &format!("(managers: {manager_addr})"),
            &format!("`docker node promote {worker_name}`"),
        ] {
            assert!(
                r.stderr.contains(wanted),
                "{args:?}: no {wanted:?} in {}",
                r.stderr
            );
        }
        assert!(r.stdout.is_empty(), "{args:?} printed {}", r.stdout);
    }

    // 2. Two services: 6 web replicas, and one pinned to the worker.
    c.on_manager(&[
        "service",
        "create",
        "-d",
        "--name",
        WEB,
        "--replicas",
        "6",
        "--no-resolve-image",
        "--update-monitor",
        "1s",
        "--update-parallelism",
        "2",
        PROBE_TAG,
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let pin = format!("node.hostname=={worker_name}");
    c.on_manager(&[
        "service",
        "create",
        "-d",
        "--name",
        PINNED,
        "--replicas",
        "1",
        "--no-resolve-image",
        "--constraint",
        &pin,
        PROBE_TAG,
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    c.wait_until("7 tasks running", CONVERGE, || {
        let web = c.running_per_node(WEB)?;
        let pinned = c.running_per_node(PINNED)?;
        Ok(
            (total(&web) == 6 && total(&pinned) == 1 && web.contains_key(&worker_name))
                .then_some(()),
        )
    })
    .unwrap_or_else(|e| panic!("{e}"));

    // 3. nodes: 1 manager, quorum 1, leader node1, three nodes.
    let r = host(&c, manager, &["nodes", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["managers"], 1);
    assert_eq!(report["quorum"], 1);
    assert_eq!(report["failures_tolerated"], 0);
    assert_eq!(report["leader"], c.hostname(manager));
    assert_eq!(report["nodes"].as_array().unwrap().len(), 3);

    // 4. Draining the pinned service's only node is refused, and nothing is sent.
    let r = host(&c, manager, &["drain", &worker_name]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stdout
            .contains(&format!("REFUSED: {PINNED} would have no node left")),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("nothing was sent"), "{}", r.stderr);
    assert_eq!(availability(&c, &worker_name), "active");

    // 5. Without it, drain --wait follows the moves: none left there, 6 running elsewhere.
    c.on_manager(&["service", "rm", PINNED])
        .unwrap_or_else(|e| panic!("{e}"));
    let on_worker = c.running_per_node(WEB).unwrap()[&worker_name];
    let t = Instant::now();
    let r = host(&c, manager, &["drain", &worker_name, "--wait"]);
    let drain_s = t.elapsed().as_secs_f64();
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains(&format!("moves {on_worker} task(s) to other nodes")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&format!("drain {worker_name}: done in")),
        "{}",
        r.stdout
    );
    assert_eq!(availability(&c, &worker_name), "drain");
    let web = c.running_per_node(WEB).unwrap();
    assert_eq!(total(&web), 6, "{web:?}");
    assert!(!web.contains_key(&worker_name), "{web:?}");
    // A second drain sends nothing.
    let r = host(&c, manager, &["drain", &worker_name]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("already drain; nothing sent"),
        "{}",
        r.stdout
    );

    // 6. activate: the replicated tasks stay where they are; nodes reports the uneven spread.
    let r = host(&c, manager, &["activate", &worker_name, "--wait"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("does not move running replicated tasks back"),
        "{}",
        r.stdout
    );
    assert_eq!(availability(&c, &worker_name), "active");
    assert!(!c.running_per_node(WEB).unwrap().contains_key(&worker_name));
    let r = host(&c, manager, &["nodes", "--format", "json"]);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    let uneven = report["uneven_services"].as_array().unwrap();
    assert!(
        uneven.iter().any(|u| u["service"] == WEB),
        "{WEB} not reported uneven: {uneven:?}"
    );

    // 7. rebalance: ForceUpdate bumped, followed to completed, spread even again.
    let t = Instant::now();
    let r = host(&c, manager, &["rebalance", WEB, "--parallelism", "3"]);
    let rebalance_s = t.elapsed().as_secs_f64();
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!("{WEB} converged")),
        "{}",
        r.stdout
    );
    let web = c
        .wait_until("6 web tasks after the rebalance", CONVERGE, || {
            let web = c.running_per_node(WEB)?;
            Ok((total(&web) == 6).then_some(web))
        })
        .unwrap_or_else(|e| panic!("{e}"))
        .0;
    let counts: Vec<usize> = (0..c.len())
        .map(|i| web.get(c.hostname(i)).copied().unwrap_or(0))
        .collect();
    assert!(
        counts.iter().max().unwrap() - counts.iter().min().unwrap() <= 1,
        "uneven after rebalance: {web:?}"
    );
    let inspect = c.on_manager(&["service", "inspect", WEB]).unwrap();
    let doc: Value = serde_json::from_str(&inspect).unwrap();
    assert_eq!(doc[0]["Spec"]["TaskTemplate"]["ForceUpdate"], 1);
    assert_eq!(doc[0]["UpdateStatus"]["State"], "completed");
    // Even now: nothing to do, nothing sent.
    let r = host(&c, manager, &["rebalance", WEB]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("already spread evenly"), "{}", r.stdout);

    // 8. The only manager cannot be demoted.
    let r = host(&c, manager, &["demote", c.hostname(manager)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.contains("is the last manager"), "{}", r.stdout);

    let _ = c.on_manager(&["service", "rm", WEB]);
    c.teardown().unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "host on the test bed: drain --wait {drain_s:.1} s, rebalance {rebalance_s:.1} s, \
         whole test {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn total(counts: &BTreeMap<String, usize>) -> usize {
    counts.values().sum()
}

fn availability(c: &Cluster, node: &str) -> String {
    c.on_manager(&[
        "node",
        "inspect",
        node,
        "--format",
        "{{.Spec.Availability}}",
    ])
    .unwrap_or_else(|e| panic!("{e}"))
    .trim()
    .to_owned()
}

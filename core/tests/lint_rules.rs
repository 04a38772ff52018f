//! Every rule on a fixture that triggers it (id, severity, exact line and column, at least
//! one finding set by an override file) and on one it must stay silent on.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "lint_support.rs"]
mod support;

use stackplan_core::lint::{LintOptions, Severity};
use support::*;

const E: Severity = Severity::Error;
const W: Severity = Severity::Warning;
const I: Severity = Severity::Info;

const BASE: &str = "services:
  api:
    image: example/api:1.0
    deploy:
      replicas: 2
      resources:
        limits:
          memory: 128M
";

// ---------------------------------------------------------------------------- schema

#[test]
fn lint_sp001_invalid_restart_condition() {
    let prod = "services:
  api:
    deploy:
      restart_policy:
        condition: always
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP001",
        E,
        &[("prod.yml", find(prod, "condition", "always"))],
    );
    let fix = d
        .iter()
        .find(|d| d.rule == "SP001")
        .unwrap()
        .fix
        .clone()
        .unwrap();
    assert_eq!(fix.replacement.as_deref(), Some("any"));

    let ok = prod.replace("always", "on-failure");
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP001");
}

#[test]
fn lint_sp002_invalid_failure_action() {
    let prod = "services:
  api:
    deploy:
      update_config:
        failure_action: Rollback
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP002",
        E,
        &[("prod.yml", find(prod, "failure_action", "Rollback"))],
    );
    let ok = prod.replace("Rollback", "rollback");
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP002");
}

#[test]
fn lint_sp003_invalid_deploy_mode() {
    let prod = "services:
  api:
    deploy:
      mode: replica
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP003",
        E,
        &[("prod.yml", find(prod, "mode", "replica"))],
    );
    let ok = prod.replace("replica", "replicated-job");
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP003");
}

#[test]
fn lint_sp004_replicas_with_global_mode() {
    let prod = "services:
  api:
    deploy:
      mode: global
";
    // BASE sets replicas: 2; the override makes the service global.
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP004",
        E,
        &[("compose.yml", find(BASE, "replicas", "2"))],
    );
    let only_global =
        "services:\n  api:\n    image: example/api:1.0\n    deploy:\n      mode: global\n";
    let (_, d) = lint_swarm(&[("compose.yml", only_global)]);
    assert_silent(&d, "SP004");
}

#[test]
fn lint_sp005_invalid_endpoint_mode() {
    let prod = "services:
  api:
    deploy:
      endpoint_mode: dns
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP005",
        E,
        &[("prod.yml", find(prod, "endpoint_mode", "dns"))],
    );
    let ok = prod.replace("dns", "DNSRR");
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP005");
}

#[test]
fn lint_sp006_dnsrr_with_ingress_port() {
    let prod = "services:
  api:
    ports:
      - target: 80
        published: 8080
        mode: ingress
    deploy:
      endpoint_mode: dnsrr
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP006",
        E,
        &[("prod.yml", find(prod, "mode: ingress", "ingress"))],
    );
    let ok = prod.replace("mode: ingress", "mode: host");
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP006");
}

#[test]
fn lint_sp007_unknown_port_mode() {
    let prod = "services:
  api:
    ports:
      - target: 80
        published: 8080
        mode: hostt
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP007",
        W,
        &[("prod.yml", find(prod, "mode", "hostt"))],
    );
    let ok = prod.replace("hostt", "host");
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP007");
}

#[test]
fn lint_sp008_resources_below_minimum() {
    let prod = "services:
  api:
    deploy:
      resources:
        limits:
          memory: 512k
          cpus: '0.0001'
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP008",
        E,
        &[
            ("prod.yml", find(prod, "memory", "512k")),
            ("prod.yml", find(prod, "cpus", "'0.0001'")),
        ],
    );
    let (_, d) = lint_swarm(&[("compose.yml", BASE)]);
    assert_silent(&d, "SP008");
}

#[test]
fn lint_sp009_healthcheck_duration_below_minimum() {
    let prod = "services:
  api:
    healthcheck:
      test: [CMD, /app, -check]
      interval: 500us
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP009",
        E,
        &[("prod.yml", find(prod, "interval", "500us"))],
    );
    let ok = prod.replace("500us", "1ms");
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP009");
}

#[test]
fn lint_sp010_negative_duration() {
    let prod = "services:
  api:
    deploy:
      update_config:
        delay: -10s
        failure_action: pause
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP010",
        E,
        &[("prod.yml", find(prod, "delay", "-10s"))],
    );
    let ok = prod.replace("-10s", "10s");
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP010");
}

// ---------------------------------------------------------------------------- rollout

const HOST_PORT_GLOBAL: &str = "services:
  web:
    image: example/web:1.0
    ports:
      - target: 80
        published: 80
        mode: host
    deploy:
      mode: global
";

#[test]
fn lint_sp101_start_first_port_conflict() {
    let update = "services:
  web:
    deploy:
      update_config:
        order: start-first
        failure_action: rollback
      rollback_config:
        order: start-first
";
    let (l, d) = lint_swarm(&[("compose.yml", HOST_PORT_GLOBAL), ("update.yml", update)]);
    let (first, second) = (find(update, "order", "start-first"), {
        let (line, col) = find(
            &update.replacen("order", "xxxxx", 1),
            "order",
            "start-first",
        );
        (line, col)
    });
    assert_findings(
        &l,
        &d,
        "SP101",
        E,
        &[("update.yml", first), ("update.yml", second)],
    );
    let diag = d.iter().find(|d| d.rule == "SP101").unwrap();
    assert_eq!(diag.related.len(), 1, "points at the host-mode port too");

    // A replicated service with a free node (2 nodes, 1 replica) can place the new task.
    let replicated = HOST_PORT_GLOBAL.replace("mode: global", "replicas: 1");
    let opts = LintOptions {
        nodes: 2,
        ..swarm()
    };
    let (_, d) = lint_with(
        &[("compose.yml", &replicated), ("update.yml", update)],
        &opts,
    );
    assert_silent(&d, "SP101");
    // ... but not on one node.
    let (_, d) = lint_swarm(&[("compose.yml", &replicated), ("update.yml", update)]);
    assert_eq!(d.iter().filter(|d| d.rule == "SP101").count(), 2);
}

#[test]
fn lint_sp102_stop_first_low_capacity() {
    let prod = "services:
  api:
    deploy:
      replicas: 4
      update_config:
        parallelism: 3
        order: stop-first
        failure_action: pause
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP102",
        W,
        &[("prod.yml", find(prod, "parallelism", "3"))],
    );
    let ok = prod.replace("parallelism: 3", "parallelism: 2");
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP102");
    // The threshold is an option.
    let strict = LintOptions {
        capacity_threshold: 0.75,
        ..swarm()
    };
    let (_, d) = lint_with(&[("compose.yml", BASE), ("prod.yml", &ok)], &strict);
    assert_eq!(ids(&d).iter().filter(|r| **r == "SP102").count(), 1);
}

#[test]
fn lint_sp103_stop_first_all_at_once() {
    let prod = "services:
  api:
    deploy:
      replicas: 4
      update_config:
        parallelism: 0
        failure_action: pause
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP103",
        E,
        &[("prod.yml", find(prod, "parallelism", "0"))],
    );
    let fix = d
        .iter()
        .find(|d| d.rule == "SP103")
        .unwrap()
        .fix
        .clone()
        .unwrap();
    assert_eq!(fix.replacement.as_deref(), Some("2"));
    let ok = prod.replace(
        "failure_action: pause",
        "failure_action: pause\n        order: start-first",
    );
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP103");
}

#[test]
fn lint_sp104_stop_first_single_replica() {
    let prod = "services:
  api:
    deploy:
      replicas: 1
      update_config:
        failure_action: pause
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    // `order` is missing: the finding points at the `update_config` key and says so.
    assert_findings(
        &l,
        &d,
        "SP104",
        W,
        &[("prod.yml", find(prod, "update_config", "update_config"))],
    );
    let diag = d.iter().find(|d| d.rule == "SP104").unwrap();
    assert!(diag.message.contains("has no `order`"), "{}", diag.message);
    let ok = prod.replace(
        "failure_action: pause",
        "failure_action: pause\n        order: start-first",
    );
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP104");
    // A service with a volume is left alone (two instances on the same data).
    let db = "services:\n  api:\n    volumes: [data:/var/lib/data]\nvolumes:\n  data: {}\n";
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod), ("db.yml", db)]);
    assert_silent(&d, "SP104");
    // Without an update_config the rule stays silent.
    let (_, d) = lint_swarm(&[("compose.yml", &BASE.replace("replicas: 2", "replicas: 1"))]);
    assert_silent(&d, "SP104");
}

#[test]
fn lint_sp105_failure_action_default_pause() {
    let prod = "services:
  api:
    deploy:
      update_config:
        parallelism: 1
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP105",
        W,
        &[("prod.yml", find(prod, "update_config", "update_config"))],
    );
    let ok = prod.replace("parallelism: 1", "failure_action: pause");
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP105");
}

#[test]
fn lint_sp106_failure_action_continue() {
    let prod = "services:
  api:
    deploy:
      update_config:
        failure_action: continue
      rollback_config:
        failure_action: continue
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    // Only the update's: continue is a sound choice for a rollback.
    assert_findings(
        &l,
        &d,
        "SP106",
        W,
        &[("prod.yml", find(prod, "failure_action", "continue"))],
    );
    let ok = prod.replacen("continue", "rollback", 1);
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP106");
}

#[test]
fn lint_sp107_rollback_failure_action_rollback() {
    let prod = "services:
  api:
    deploy:
      update_config:
        failure_action: rollback
      rollback_config:
        failure_action: rollback
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    let second = {
        let masked = prod.replacen("failure_action", "xxxxxxxxxxxxxx", 1);
        find(&masked, "failure_action", "rollback")
    };
    assert_findings(&l, &d, "SP107", W, &[("prod.yml", second)]);
    let ok = prod.replace(
        "rollback_config:\n        failure_action: rollback",
        "rollback_config:\n        failure_action: pause",
    );
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP107");
}

#[test]
fn lint_sp108_monitor_zero_read_from_the_override_that_set_it() {
    let update = "services:
  api:
    deploy:
      rollback_config:
        monitor: 60s
        failure_action: pause
";
    let rollback = "services:
  api:
    deploy:
      rollback_config:
        monitor: 0s
";
    let (l, d) = lint_swarm(&[
        ("compose.yml", BASE),
        ("a.yml", update),
        ("b.yml", rollback),
    ]);
    assert_findings(
        &l,
        &d,
        "SP108",
        W,
        &[("b.yml", find(rollback, "monitor", "0s"))],
    );
    let fix = d
        .iter()
        .find(|d| d.rule == "SP108")
        .unwrap()
        .fix
        .clone()
        .unwrap();
    assert_eq!(fix.replacement.as_deref(), Some("5s"));
    // The other order: 60s wins, nothing to report.
    let (_, d) = lint_swarm(&[
        ("compose.yml", BASE),
        ("b.yml", rollback),
        ("a.yml", update),
    ]);
    assert_silent(&d, "SP108");
}

const HEALTH: &str = "services:
  api:
    healthcheck:
      test: [CMD, /app, -check]
      interval: 10s
      timeout: 5s
      retries: 3
";

#[test]
fn lint_sp109_monitor_shorter_than_detection() {
    let prod = "services:
  api:
    deploy:
      update_config:
        failure_action: rollback
        monitor: 30s
      rollback_config:
        failure_action: pause
";
    let (l, d) = lint_swarm(&[
        ("compose.yml", BASE),
        ("health.yml", HEALTH),
        ("prod.yml", prod),
    ]);
    // The update's monitor (30s < 3 × (10s + 0.1s probe) + 2s + 0.3s = 32.6s), and the
    // rollback's, which is unset (5s): pointed at its `rollback_config` key.
    assert_findings(
        &l,
        &d,
        "SP109",
        W,
        &[
            ("prod.yml", find(prod, "monitor", "30s")),
            ("prod.yml", find(prod, "rollback_config", "rollback_config")),
        ],
    );
    let diag = d.iter().find(|d| d.rule == "SP109").unwrap();
    assert!(diag.message.contains("32.6s"), "{}", diag.message);
    assert_eq!(
        diag.fix.as_ref().unwrap().replacement.as_deref(),
        Some("33s")
    );
    // The worst case (probes hanging until their 5s timeout, SIGTERM ignored: 3 × 15s + 2s +
    // 10s) is said, not warned about: 35s is enough for probes that answer.
    assert!(
        diag.help.iter().any(|h| h.contains("57s")),
        "{:?}",
        diag.help
    );
    let enough = prod.replace("monitor: 30s", "monitor: 35s");
    let (_, d) = lint_swarm(&[
        ("compose.yml", BASE),
        ("health.yml", HEALTH),
        ("prod.yml", &enough),
    ]);
    assert_eq!(d.iter().filter(|d| d.rule == "SP109").count(), 1, "{d:#?}");
    let ok = prod
        .replace("monitor: 30s", "monitor: 60s")
        .replace("failure_action: pause", "failure_action: continue");
    let (_, d) = lint_swarm(&[
        ("compose.yml", BASE),
        ("health.yml", HEALTH),
        ("prod.yml", &ok),
    ]);
    assert_silent(&d, "SP109");
}

#[test]
fn lint_sp110_update_without_healthcheck() {
    let prod = "services:
  api:
    deploy:
      update_config:
        failure_action: rollback
      rollback_config:
        parallelism: 0
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    // No healthcheck key anywhere: the service key in the file that declares it.
    assert_findings(&l, &d, "SP110", W, &[("compose.yml", (2, 3))]);
    // Disabled in an override: points at the value that disables it.
    let off = "services:\n  api:\n    healthcheck:\n      test: [\"NONE\"]\n";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod), ("off.yml", off)]);
    assert_findings(&l, &d, "SP110", W, &[("off.yml", find(off, "test", "["))]);
    let (_, d) = lint_swarm(&[
        ("compose.yml", BASE),
        ("health.yml", HEALTH),
        ("prod.yml", prod),
    ]);
    assert_silent(&d, "SP110");
}

#[test]
fn lint_sp111_rollback_config_missing() {
    let prod = "services:
  api:
    deploy:
      update_config:
        failure_action: rollback
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP111",
        W,
        &[("prod.yml", find(prod, "failure_action", "rollback"))],
    );
    let ok = format!("{prod}      rollback_config:\n        parallelism: 0\n");
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP111");
}

#[test]
fn lint_sp112_max_failure_ratio_out_of_range() {
    let prod = "services:
  api:
    deploy:
      update_config:
        failure_action: pause
        max_failure_ratio: 2
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP112",
        E,
        &[("prod.yml", find(prod, "max_failure_ratio", "2"))],
    );
    let ok = prod.replace(": 2", ": 0.5");
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP112");
}

#[test]
fn lint_sp113_delay_not_below_monitor() {
    let prod = "services:
  api:
    deploy:
      update_config:
        delay: 10s
        failure_action: pause
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP113",
        W,
        &[("prod.yml", find(prod, "delay", "10s"))],
    );
    let ok = prod.replace("delay: 10s", "delay: 10s\n        monitor: 30s");
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP113");
}

#[test]
fn lint_sp114_stop_grace_over_old_task_timeout() {
    let prod = "services:
  api:
    stop_grace_period: 90s
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP114",
        W,
        &[("prod.yml", find(prod, "stop_grace_period", "90s"))],
    );
    let start_first = "services:
  api:
    stop_grace_period: 90s
    deploy:
      update_config: {order: start-first, failure_action: pause}
      rollback_config: {order: start-first}
";
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", start_first)]);
    assert_silent(&d, "SP114");
}

#[test]
fn lint_sp115_healthcheck_timeout_over_interval() {
    let prod = "services:
  api:
    healthcheck:
      interval: 2s
      timeout: 3s
";
    let (l, d) = lint_swarm(&[
        ("compose.yml", BASE),
        ("health.yml", HEALTH),
        ("prod.yml", prod),
    ]);
    assert_findings(
        &l,
        &d,
        "SP115",
        W,
        &[("prod.yml", find(prod, "timeout", "3s"))],
    );
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("health.yml", HEALTH)]);
    assert_silent(&d, "SP115");
}

#[test]
fn lint_sp116_healthcheck_retries_zero() {
    let prod = "services:
  api:
    healthcheck:
      retries: 0
";
    let (l, d) = lint_swarm(&[
        ("compose.yml", BASE),
        ("health.yml", HEALTH),
        ("prod.yml", prod),
    ]);
    assert_findings(
        &l,
        &d,
        "SP116",
        W,
        &[("prod.yml", find(prod, "retries", "0"))],
    );
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("health.yml", HEALTH)]);
    assert_silent(&d, "SP116");
}

#[test]
fn lint_sp117_start_period_without_start_interval() {
    let prod = "services:
  api:
    healthcheck:
      interval: 2s
      timeout: 1s
      start_period: 5s
";
    let (l, d) = lint_swarm(&[
        ("compose.yml", BASE),
        ("health.yml", HEALTH),
        ("prod.yml", prod),
    ]);
    assert_findings(
        &l,
        &d,
        "SP117",
        I,
        &[("prod.yml", find(prod, "start_period", "5s"))],
    );
    // Engine 26.1 has the 5s default too (moby/moby#48255 backported #47799).
    let backported = LintOptions {
        engine_version: (26, 1),
        ..swarm()
    };
    let (_, d) = lint_with(
        &[
            ("compose.yml", BASE),
            ("health.yml", HEALTH),
            ("prod.yml", prod),
        ],
        &backported,
    );
    assert_eq!(ids(&d).iter().filter(|r| **r == "SP117").count(), 1);
    // Engine 26.0: start_interval defaults to the interval; nothing changes.
    let old = LintOptions {
        engine_version: (26, 0),
        ..swarm()
    };
    let (_, d) = lint_with(
        &[
            ("compose.yml", BASE),
            ("health.yml", HEALTH),
            ("prod.yml", prod),
        ],
        &old,
    );
    assert_silent(&d, "SP117");
    let ok = format!("{prod}      start_interval: 1s\n");
    let (_, d) = lint_swarm(&[
        ("compose.yml", BASE),
        ("health.yml", HEALTH),
        ("prod.yml", &ok),
    ]);
    assert_silent(&d, "SP117");
}

#[test]
fn lint_sp118_healthcheck_test_none_string() {
    let prod = "services:
  api:
    healthcheck:
      test: NONE
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP118",
        E,
        &[("prod.yml", find(prod, "test", "NONE"))],
    );
    let ok = prod.replace("NONE", "[\"NONE\"]");
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
    assert_silent(&d, "SP118");
}

// ---------------------------------------------------------------------------- swarm

#[test]
fn lint_sp201_stack_deploy_forbidden_key() {
    let base = "services:
  base:
    image: example/base:1.0
  api:
    extends: base
    deploy:
      resources:
        limits:
          memory: 128M
";
    let prod = "services:
  api:
    cpu_shares: 0
";
    let (l, d) = lint_swarm(&[("compose.yml", base), ("prod.yml", prod)]);
    // `extends` is resolved in the merged model and `cpu_shares: 0` dropped from it; both
    // are read from the files, as docker/cli checks them.
    assert_findings(
        &l,
        &d,
        "SP201",
        E,
        &[
            ("compose.yml", find(base, "extends", "extends")),
            ("prod.yml", find(prod, "cpu_shares", "cpu_shares")),
        ],
    );
    let (_, d) = lint_swarm(&[("compose.yml", BASE)]);
    assert_silent(&d, "SP201");
}

#[test]
fn lint_sp202_stack_deploy_ignored_key() {
    let prod = "services:
  api:
    restart: on-failure:3
    privileged: true
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP202",
        W,
        &[
            ("prod.yml", find(prod, "restart", "restart")),
            ("prod.yml", find(prod, "privileged", "privileged")),
        ],
    );
    let restart = d
        .iter()
        .find(|d| d.rule == "SP202" && d.message.contains("restart"))
        .unwrap();
    assert!(
        restart
            .fix
            .as_ref()
            .unwrap()
            .description
            .contains("condition: on-failure, max_attempts: 3"),
        "{restart:#?}"
    );
    let (_, d) = lint_swarm(&[("compose.yml", BASE)]);
    assert_silent(&d, "SP202");
}

#[test]
fn lint_sp203_stack_deploy_deprecated_key() {
    let prod = "services:
  api:
    expose: [\"8080\"]
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP203",
        W,
        &[("prod.yml", find(prod, "expose", "expose"))],
    );
    let (_, d) = lint_swarm(&[("compose.yml", BASE)]);
    assert_silent(&d, "SP203");
}

#[test]
fn lint_sp204_container_name_with_replicas() {
    let base = "services:
  agent:
    image: example/agent:1.0
    container_name: agent
    deploy:
      mode: global
";
    let (l, d) = lint_swarm(&[("compose.yml", base)]);
    assert_findings(
        &l,
        &d,
        "SP204",
        W,
        &[(
            "compose.yml",
            find(base, "container_name", "container_name"),
        )],
    );
    assert_silent(&d, "SP203");
    // One replica: only the deprecation warning.
    let single = base.replace("mode: global", "replicas: 1");
    let (_, d) = lint_swarm(&[("compose.yml", &single)]);
    assert_silent(&d, "SP204");
    assert_eq!(ids(&d).iter().filter(|r| **r == "SP203").count(), 1);
}

#[test]
fn lint_sp205_host_port_replicas_exceed_nodes() {
    let base = "services:
  web:
    image: example/web:1.0
    ports:
      - target: 80
        published: 8080
        mode: host
";
    let prod = "services:
  web:
    deploy:
      replicas: 3
";
    let (l, d) = lint_swarm(&[("compose.yml", base), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP205",
        E,
        &[("prod.yml", find(prod, "replicas", "3"))],
    );
    let three_nodes = LintOptions {
        nodes: 3,
        ..swarm()
    };
    let (_, d) = lint_with(&[("compose.yml", base), ("prod.yml", prod)], &three_nodes);
    assert_silent(&d, "SP205");
}

#[test]
fn lint_sp206_stack_file_version() {
    let base = "version: \"3.7\"
services:
  api:
    image: example/api:1.0
";
    let health = "version: \"3.7\"
services:
  api:
    healthcheck:
      start_interval: 1s
";
    let newer = "version: \"3.8\"
services:
  api:
    image: example/api:1.1
";
    let (l, d) = lint_swarm(&[
        ("compose.yml", base),
        ("health.yml", health),
        ("newer.yml", newer),
    ]);
    assert_findings(
        &l,
        &d,
        "SP206",
        E,
        &[
            (
                "health.yml",
                find(health, "start_interval", "start_interval"),
            ),
            ("newer.yml", find(newer, "version", "\"3.8\"")),
        ],
    );
    let (_, d) = lint_swarm(&[
        ("compose.yml", base),
        ("same.yml", &newer.replace("3.8", "3.7")),
    ]);
    assert_silent(&d, "SP206");
}

#[test]
fn lint_sp207_stack_deploy_unknown_key() {
    let prod = "name: shop
services:
  api:
    platform: linux/amd64
    deploy:
      resources:
        limits:
          memory: 128M
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP207",
        E,
        &[
            ("prod.yml", (1, 1)),
            ("prod.yml", find(prod, "platform", "platform")),
        ],
    );
    let (_, d) = lint_swarm(&[("compose.yml", BASE)]);
    assert_silent(&d, "SP207");
}

// ---------------------------------------------------------------------------- hygiene

#[test]
fn lint_sp301_obsolete_version() {
    let base = format!("version: \"3.7\"\n{BASE}");
    let (l, d) = lint_swarm(&[("compose.yml", &base)]);
    assert_findings(&l, &d, "SP301", W, &[("compose.yml", (1, 1))]);
    let diag = d.iter().find(|d| d.rule == "SP301").unwrap();
    assert_eq!(
        diag.origin.unwrap().end_column,
        14,
        "spans `version: \"3.7\"`"
    );
    let (_, d) = lint_swarm(&[("compose.yml", BASE)]);
    assert_silent(&d, "SP301");
    // Before docker CLI 23.0 a stack file without `version` is read as 1.0 and refused:
    // the advice turns around.
    let old = LintOptions {
        engine_version: (20, 10),
        ..swarm()
    };
    let (l, d) = lint_with(&[("compose.yml", &base)], &old);
    assert_findings(&l, &d, "SP301", I, &[("compose.yml", (1, 1))]);
    let diag = d.iter().find(|d| d.rule == "SP301").unwrap();
    assert!(
        diag.message
            .contains("keep it while stacks are deployed with docker 20.10")
            && diag.message.contains("read as 1.0"),
        "{}",
        diag.message
    );
    assert!(diag.fix.is_none(), "no `remove the line` fix: {diag:#?}");
    let new = LintOptions {
        engine_version: (23, 0),
        ..swarm()
    };
    let (_, d) = lint_with(&[("compose.yml", &base)], &new);
    let diag = d.iter().find(|d| d.rule == "SP301").unwrap();
    assert_eq!(diag.severity, W);
    assert!(diag.fix.is_some());
    // For Compose the client version does not matter.
    let compose = LintOptions {
        target: Some(stackplan_core::lint::Target::Compose),
        ..old
    };
    let (_, d) = lint_with(&[("compose.yml", &base)], &compose);
    let diag = d.iter().find(|d| d.rule == "SP301").unwrap();
    assert_eq!(diag.severity, W);
}

#[test]
fn lint_sp302_image_not_pinned() {
    let prod = "services:
  api:
    image: registry.example.com:5000/api:latest
";
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    assert_findings(
        &l,
        &d,
        "SP302",
        W,
        &[("prod.yml", find(prod, "image", "registry"))],
    );
    let untagged = prod.replace(":latest", "");
    let (l, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &untagged)]);
    assert_findings(
        &l,
        &d,
        "SP302",
        W,
        &[("prod.yml", find(&untagged, "image", "registry"))],
    );
    for pinned in [
        ":2.1.4",
        "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ] {
        let ok = prod.replace(":latest", pinned);
        let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &ok)]);
        assert_silent(&d, "SP302");
    }
}

#[test]
fn lint_sp303_no_resource_limits() {
    let base = "services:
  api:
    image: example/api:1.0
    deploy:
      replicas: 2
  agent:
    image: example/agent:1.0
    deploy:
      mode: global
";
    let (l, d) = lint_swarm(&[("compose.yml", base)]);
    // `resources` is missing: the nearest existing parent is `deploy`.
    assert_findings(
        &l,
        &d,
        "SP303",
        W,
        &[("compose.yml", find(base, "deploy", "deploy"))],
    );
    let (_, d) = lint_swarm(&[("compose.yml", BASE)]);
    assert_silent(&d, "SP303");
}

// ---------------------------------------------------------------------------- wording

/// The messages say what the files say (issue 11, item 10).
#[test]
fn lint_messages_describe_the_values_written() {
    // SP103 with `parallelism: 2` on two replicas: the help does not talk about 0.
    let prod = "services:
  api:
    deploy:
      update_config:
        parallelism: 2
        failure_action: pause
";
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", prod)]);
    let sp103 = d.iter().find(|d| d.rule == "SP103").expect("SP103");
    let help = sp103.help.as_deref().unwrap();
    assert!(!help.contains('0'), "{help}");
    assert!(help.contains("2 is at least the 2 tasks"), "{help}");
    assert!(
        sp103.message.contains("`parallelism: 2`"),
        "{}",
        sp103.message
    );
    let (_, d) = lint_swarm(&[
        ("compose.yml", BASE),
        (
            "prod.yml",
            &prod.replace("parallelism: 2", "parallelism: 0"),
        ),
    ]);
    let sp103 = d.iter().find(|d| d.rule == "SP103").expect("SP103");
    assert!(sp103.help.as_deref().unwrap().contains("0 is not"));

    // SP114: "an update or a rollback", "a rollback" alone.
    let grace = "services:\n  api:\n    stop_grace_period: 90s\n";
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", grace)]);
    let sp114 = d.iter().find(|d| d.rule == "SP114").expect("SP114");
    assert!(
        sp114
            .message
            .contains("during an update or a rollback the new"),
        "{}",
        sp114.message
    );
    let start_first = format!(
        "{grace}    deploy:\n      update_config: {{order: start-first, failure_action: pause}}\n"
    );
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("prod.yml", &start_first)]);
    let sp114 = d.iter().find(|d| d.rule == "SP114").expect("SP114");
    assert!(
        sp114.message.contains("during a rollback the new"),
        "{}",
        sp114.message
    );
    assert!(!sp114.message.contains("an rollback"));

    // SP206: a first file without `version` does not "declare 3.13".
    let pinned = "version: \"3.8\"\nservices:\n  api:\n    image: example/api:1.1\n";
    let (_, d) = lint_swarm(&[("compose.yml", BASE), ("pinned.yml", pinned)]);
    let sp206 = d.iter().find(|d| d.rule == "SP206").expect("SP206");
    assert!(
        sp206
            .message
            .contains("declares `version: 3.8` but compose.yml has none (so 3.13)"),
        "{}",
        sp206.message
    );
    assert!(!sp206.message.contains("declares 3.13"));
    // And one that declares it says so.
    let (_, d) = lint_swarm(&[
        ("compose.yml", &format!("version: \"3.7\"\n{BASE}")),
        ("pinned.yml", pinned),
    ]);
    let sp206 = d.iter().find(|d| d.rule == "SP206").expect("SP206");
    assert!(
        sp206.message.contains("but compose.yml declares 3.7"),
        "{}",
        sp206.message
    );
}

/// `explain SP202` and `explain SP117` state what the engines do (issue 11, item 10).
#[test]
fn lint_rule_docs_state_the_engine_behaviour() {
    use stackplan_core::lint::find_rule;
    let sp202 = find_rule("SP202").unwrap().doc;
    assert!(!sp202.contains("`no` → none"), "{sp202}");
    assert!(sp202.contains("`restart: no` becomes *no* restart policy"));
    let sp117 = find_rule("SP117").unwrap().doc;
    assert!(!sp117.contains("25.x–26.x"), "{sp117}");
    assert!(sp117.contains("#48255"), "{sp117}");
}

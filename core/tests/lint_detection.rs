//! SP109's detection estimate against the real Swarm: every task of the recorded fidelity
//! runs (`docs/fidelity/runs/*/*.json`, Engine 20.10 on the project's single-node Swarm)
//! that failed its healthcheck from its start, with the healthcheck of the files that run
//! deployed (`tests/swarm/<dir>/`). The observed times come from the runs: the app's own
//! `health 500` log lines, the Engine's `health_status: unhealthy` and `kill` events, and
//! the task's FAILED status time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "lint_support.rs"]
mod support;

use serde_json::Value;
use stackplan_core::lint::rules::monitor_shorter_than_detection::{
    PROBE_NS, Probe, STOP_TO_FAILED_NS, after_running, from_first_failed_probe,
};
use stackplan_core::lint::{LintContext, LintOptions, Target, lint};
use stackplan_core::swarm::defaults::GOSSIP_DELAY_NS;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// RFC 3339 UTC (`2026-12-02T13:10:44.701478120Z`) in nanoseconds since the epoch.
fn time_ns(text: &str) -> i64 {
    let text = text.strip_suffix('Z').expect("UTC time");
    let (date, time) = text.split_once('T').expect("date and time");
    let d: Vec<i64> = date.split('-').map(|p| p.parse().unwrap()).collect();
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let t: Vec<i64> = hms.split(':').map(|p| p.parse().unwrap()).collect();
    let nanos: i64 = format!("{frac:0<9}")[..9].parse().unwrap();
    // Days from the civil date (proleptic Gregorian).
    let (y, m) = if d[1] <= 2 {
        (d[0] - 1, d[1] + 9)
    } else {
        (d[0], d[1] - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d[2] - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    (days * 86_400 + t[0] * 3_600 + t[1] * 60 + t[2]) * 1_000_000_000 + nanos
}

#[test]
fn rfc3339_times() {
    assert_eq!(time_ns("1970-01-01T00:00:01.5Z"), 1_500_000_000);
    assert_eq!(time_ns("2000-03-01T00:00:00Z"), 951_868_800 * 1_000_000_000);
}

/// The text with the harness's `${STACKPLAN_E2E_IMAGE…}` replaced by an image name.
fn with_image(text: &str) -> String {
    let mut out = text.to_owned();
    while let Some(start) = out.find("${STACKPLAN_E2E_IMAGE") {
        let end = start + out[start..].find('}').expect("closing brace");
        out.replace_range(start..=end, "probe");
    }
    out
}

/// The healthcheck of the service `probe` in these files of `tests/swarm/<dir>`.
fn probe_of(dir: &str, files: &[String]) -> Probe {
    let base = repo().join("tests/swarm").join(dir);
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(base.join(f)).unwrap();
            // The harness sets the image; any value loads.
            (f.clone(), with_image(&text))
        })
        .collect();
    let set: Vec<(&str, &str)> = texts
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let loaded = support::load_set(&set);
    let options = LintOptions::default();
    let cx = LintContext::new(&loaded, &options, Target::Swarm);
    let service = cx
        .services()
        .iter()
        .find(|s| s.name == "probe")
        .expect("service probe");
    let health = service.health();
    assert!(health.active(), "{dir} {files:?}: no healthcheck");
    Probe {
        interval: health.interval(),
        timeout: health.timeout(),
        retries: health.retries(),
        start_period: health.duration("start_period").map_or(0, |(d, _, _)| d),
        // Engine 20.10 has no start_interval.
        start_interval: None,
    }
}

/// One task that failed its healthcheck from its start.
#[derive(Debug)]
struct Observed {
    run: String,
    probe: Probe,
    /// First failed probe → unhealthy, → FAILED.
    to_unhealthy: i64,
    to_failed: i64,
    /// Consecutive failed probes' spacing minus `interval`: the probe's own duration.
    probe_durations: Vec<i64>,
    /// Unhealthy → the Engine's stop (SIGTERM); stop → FAILED.
    unhealthy_to_kill: i64,
    kill_to_failed: i64,
}

fn observed() -> Vec<Observed> {
    let mut out = Vec::new();
    let mut runs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs/fidelity/runs"))
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .map(|f| f.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    runs.sort();
    for path in runs {
        let run: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let dir = run["dir"].as_str().unwrap();
        // What each step deployed; a rollback returns to the spec before the last deploy.
        let mut deployed: Vec<Vec<String>> = Vec::new();
        for step in run["steps"].as_array().unwrap() {
            let files = match step["action"]["deploy"].as_array() {
                Some(files) => {
                    let files: Vec<String> = files
                        .iter()
                        .map(|f| f.as_str().unwrap().to_owned())
                        .collect();
                    deployed.push(files.clone());
                    files
                }
                None if step["action"] == "rollback" => {
                    deployed[deployed.len().checked_sub(2).unwrap()].clone()
                }
                None => continue,
            };
            if step["measured"] != true {
                continue;
            }
            let events = step["events"].as_array().unwrap();
            let event = |task: &str, action: &str| {
                events
                    .iter()
                    .find(|e| e["task"] == task && e["action"] == action)
                    .and_then(|e| e["at_ns"].as_i64())
            };
            for task in step["tasks"].as_array().unwrap() {
                let id = task["id"].as_str().unwrap();
                let lines: Vec<&str> = step["logs"][id]
                    .as_array()
                    .map(|l| l.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let probes: Vec<(i64, &str)> = lines
                    .iter()
                    .filter_map(|l| {
                        let (at, rest) = l.split_once(' ')?;
                        rest.starts_with("health ")
                            .then(|| (time_ns(at), rest.trim()))
                    })
                    .collect();
                let fails: Vec<i64> = probes
                    .iter()
                    .filter(|(_, r)| *r == "health 500")
                    .map(|(t, _)| *t)
                    .collect();
                // Failing from its start: no passing probe, unhealthy, stopped, FAILED.
                if fails.is_empty() || probes.iter().any(|(_, r)| *r == "health 200") {
                    continue;
                }
                let (Some(unhealthy), Some(kill)) =
                    (event(id, "health_status: unhealthy"), event(id, "kill"))
                else {
                    continue;
                };
                if task["state"] != "failed" {
                    continue;
                }
                let failed = time_ns(task["status_at"].as_str().unwrap());
                let probe = probe_of(dir, &files);
                out.push(Observed {
                    run: format!(
                        "{} {} {}",
                        run["scenario"].as_str().unwrap(),
                        step["name"].as_str().unwrap(),
                        &id[..6]
                    ),
                    probe,
                    to_unhealthy: unhealthy - fails[0],
                    to_failed: failed - fails[0],
                    probe_durations: fails
                        .windows(2)
                        .map(|w| w[1] - w[0] - probe.interval)
                        .filter(|_| fails.len() >= 2)
                        .collect(),
                    unhealthy_to_kill: kill - unhealthy,
                    kill_to_failed: failed - kill,
                });
            }
        }
    }
    out
}

fn median(mut values: Vec<i64>) -> i64 {
    values.sort_unstable();
    values[values.len() / 2]
}

fn secs(ns: i64) -> String {
    format!("{:.2}s", ns as f64 / 1e9)
}

/// The formula's constants are the runs' medians, and its estimate is within 1 s of every
/// recorded task (the fidelity report's tolerance for phases under 10 s is 1.5 s).
#[test]
fn detection_formula_matches_the_recorded_swarm_runs() {
    let observed = observed();
    assert!(
        observed.len() >= 30,
        "expected the fidelity runs' unhealthy tasks, found {}",
        observed.len()
    );
    let probe = median(
        observed
            .iter()
            .flat_map(|o| o.probe_durations.clone())
            .collect(),
    );
    let stop = median(observed.iter().map(|o| o.kill_to_failed).collect());
    let gossip = median(observed.iter().map(|o| o.unhealthy_to_kill).collect());
    eprintln!(
        "{} tasks; medians: probe {}, unhealthy → stop {}, stop → FAILED {}",
        observed.len(),
        secs(probe),
        secs(gossip),
        secs(stop)
    );
    assert!(
        (probe - PROBE_NS).abs() <= 50_000_000,
        "probe {}",
        secs(probe)
    );
    assert!(
        (stop - STOP_TO_FAILED_NS).abs() <= 100_000_000,
        "stop → FAILED {}",
        secs(stop)
    );
    assert!(
        (gossip - GOSSIP_DELAY_NS).abs() <= 150_000_000,
        "unhealthy → stop {}",
        secs(gossip)
    );
    let mut worst = 0;
    for o in &observed {
        let (unhealthy, failed) = from_first_failed_probe(&o.probe);
        eprintln!(
            "{:<40} interval {} retries {} start_period {}: unhealthy {} (est. {}), FAILED {} (est. {})",
            o.run,
            secs(o.probe.interval),
            o.probe.retries,
            secs(o.probe.start_period),
            secs(o.to_unhealthy),
            secs(unhealthy),
            secs(o.to_failed),
            secs(failed)
        );
        for (what, est, seen) in [
            ("unhealthy", unhealthy, o.to_unhealthy),
            ("FAILED", failed, o.to_failed),
        ] {
            worst = worst.max((est - seen).abs());
            assert!(
                (est - seen).abs() <= 1_000_000_000,
                "{}: {what} after {} estimated, {} observed",
                o.run,
                secs(est),
                secs(seen)
            );
        }
    }
    eprintln!("largest error {}", secs(worst));
}

/// A well-configured stack gets no SP109: S1 (monitor 8s, HC-A) was measured; a task that
/// breaks right after RUNNING needs one more probe cycle than the runs' first failed probe →
/// FAILED, and 8 s covers the longest of those. A monitor shorter than that is still
/// reported.
#[test]
fn sp109_is_quiet_when_the_monitor_covers_measured_detection() {
    let observed = observed();
    let hc_a: Vec<&Observed> = observed
        .iter()
        .filter(|o| o.probe.start_period == 0 && o.probe.interval == 2_000_000_000)
        .collect();
    assert!(!hc_a.is_empty());
    let longest = hc_a
        .iter()
        .map(|o| o.to_failed + o.probe.interval + median(o.probe_durations.clone()))
        .max()
        .unwrap();
    let estimate = after_running(&hc_a[0].probe);
    assert!(
        (estimate - longest).abs() <= 1_000_000_000,
        "after RUNNING: estimated {}, longest observed {}",
        secs(estimate),
        secs(longest)
    );
    let dir = repo().join("tests/swarm/compose/s1-start-first");
    let text = with_image(&std::fs::read_to_string(dir.join("compose.yml")).unwrap());
    assert!(text.contains("monitor: 8s"), "S1 changed: {text}");
    assert!(8_000_000_000 > longest);
    let options = LintOptions {
        target: Some(Target::Swarm),
        ..LintOptions::default()
    };
    let sp109 = |text: &str| {
        lint(&support::load_set(&[("compose.yml", text)]), &options)
            .into_iter()
            .filter(|d| d.rule == "SP109")
            .count()
    };
    assert_eq!(sp109(&text), 0, "SP109 on S1");
    // Below the estimate (6.5 s for HC-A): reported.
    assert_eq!(sp109(&text.replace("monitor: 8s", "monitor: 6s")), 1);
}

//! The plan as an engineer reads it (issue 12, items 12–15): the human and Markdown renderings
//! of real plans — the example stack's broken release 3 (`examples/quotes`) and stacks built
//! after the worked scenarios of `swarm-rollout-semantics.md` §8 — and the SVG picture,
//! rendered to PNG with `rsvg-convert`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use stackplan_core::loader::{LoadOptions, Loaded, load};
use stackplan_core::plan::{Plan, PlanOptions, plan, render};
use stackplan_core::rollout::{Scenario, Timing};
use stackplan_core::source::FileSource;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

struct Files(BTreeMap<String, Vec<u8>>);

impl FileSource for Files {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| format!("open {path}: no such file or directory"))
    }
    fn is_file(&self, path: &str) -> bool {
        self.0.contains_key(path)
    }
}

fn load_set(files: &[(&str, String)]) -> Loaded {
    let map = files
        .iter()
        .map(|(n, t)| (format!("/project/{n}"), t.as_bytes().to_vec()))
        .collect();
    let mut opts = LoadOptions::new(
        files.iter().map(|(n, _)| format!("/project/{n}")).collect(),
        "/project".into(),
        "project".into(),
    );
    opts.display_names = files.iter().map(|(n, _)| (*n).to_owned()).collect();
    match load(&opts, &Files(map)) {
        Ok(l) => l,
        Err(e) => panic!("load failed: {}", e.error.message),
    }
}

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quotes")
}

fn example(names: &[&str]) -> Loaded {
    let files: Vec<(&str, String)> = names
        .iter()
        .map(|n| (*n, std::fs::read_to_string(example_dir().join(n)).unwrap()))
        .collect();
    load_set(&files)
}

const PROD: [&str; 5] = [
    "compose.yml",
    "prod.yml",
    "prod-healthcheck.yml",
    "prod-update-config.yml",
    "prod-rollback-config.yml",
];

/// The README's main job: release 2 → the broken release 3, default scenarios.
fn example_plan() -> Plan {
    let with = |release: &'static str| {
        let mut names = PROD.to_vec();
        names.push(release);
        example(&names)
    };
    plan(
        Some(&with("release-2.yml")),
        &with("release-3-bad.yml"),
        &PlanOptions::default(),
    )
}

/// A one-file transition `from` → `to` with the given scenarios (default ones when empty).
fn transition(from: &str, to: &str, scenarios: &[&str]) -> Plan {
    let opts = PlanOptions {
        scenarios: scenarios
            .iter()
            .map(|s| Scenario::parse(s).unwrap())
            .collect(),
        // The document's §7 conventions leave out the agent's 1 s stop-order delay.
        timing: Timing {
            stop_order_delay_ms: 0,
            ..Timing::default()
        },
        ..PlanOptions::default()
    };
    plan(
        Some(&load_set(&[("compose.yml", from.to_owned())])),
        &load_set(&[("compose.yml", to.to_owned())]),
        &opts,
    )
}

/// §8.0 HC-A: interval 2s, timeout 1s, retries 2, start_period 0.
const HC_A: &str = "    healthcheck: {test: [CMD, /app, -check], interval: 2s, timeout: 1s, retries: 2, start_period: 0s}\n";

fn service(image: &str, deploy: &str, extra: &str) -> String {
    format!("services:\n  app:\n    image: {image}\n{extra}    deploy: {deploy}\n")
}

/// S6: parallelism 0, stop-first, healthy: every task stops at once, a full outage.
fn s6() -> Plan {
    let deploy = "{replicas: 4, update_config: {parallelism: 0}}";
    transition(
        &service("probe:v1", deploy, HC_A),
        &service("probe:v2", deploy, HC_A),
        &["healthy"],
    )
}

/// S12: failure_action continue, unhealthy release: nothing is counted, every slot fails.
fn s12() -> Plan {
    let deploy =
        "{replicas: 3, update_config: {parallelism: 1, failure_action: continue, monitor: 5s}}";
    transition(
        &service("probe:v1", deploy, HC_A),
        &service("probe:v2", deploy, HC_A),
        &["unhealthy"],
    )
}

/// S9: global service with a host-mode port and start-first: the update hangs.
fn s9() -> Plan {
    let deploy = "{mode: global, update_config: {order: start-first}}";
    let ports = "    ports: [{target: 8080, published: 8080, mode: host}]\n";
    transition(
        &service("probe:v1", deploy, &format!("{HC_A}{ports}")),
        &service("probe:v2", deploy, &format!("{HC_A}{ports}")),
        &["healthy"],
    )
}

/// The summary table: the lines of the first section, up to the first blank line.
fn table(human: &str) -> Vec<&str> {
    human.lines().take_while(|l| !l.is_empty()).collect()
}

/// `12 ms`, `9200 ms`: a number in milliseconds next to times printed in seconds.
fn has_milliseconds(text: &str) -> bool {
    text.match_indices(" ms").any(|(at, _)| {
        text[..at].ends_with(|c: char| c.is_ascii_digit())
            && !text[at + 3..].starts_with(|c: char| c.is_alphanumeric())
    })
}

// ----- item 12: the summary does not hide a failure -----

#[test]
fn summary_shows_every_scenario_worst_first() {
    let human = render::human(&example_plan());
    let rows = table(&human);
    let api = rows
        .iter()
        .position(|l| l.starts_with("quotes-api"))
        .unwrap();
    assert!(
        rows[api].contains("unhealthy: ROLLED BACK after 24.8s, failure detected at 14.8s"),
        "{human}"
    );
    assert!(
        rows[api + 1]
            .trim_start()
            .starts_with("healthy: completed after 44.2s"),
        "{human}"
    );
    assert!(rows[api + 2].starts_with("quotes-web"), "{human}");
}

#[test]
fn summary_marks_outages() {
    let human = render::human(&s6());
    let row = table(&human)
        .into_iter()
        .find(|l| l.starts_with("app"))
        .unwrap();
    // §8 S6: the four old tasks stop together; no replica serves for 4.4 s.
    assert!(
        row.contains("healthy: completed") && row.contains("OUTAGE: no replica serving for 4.4s"),
        "{human}"
    );
    let md = render::markdown(&s6());
    assert!(
        md.contains("| app | rolling update | healthy: completed (**OUTAGE**) |"),
        "{md}"
    );
    // S12: the update "completes" while every slot crash-loops; the outage is in the table.
    let human = render::human(&s12());
    let row = table(&human)
        .into_iter()
        .find(|l| l.starts_with("app"))
        .unwrap();
    assert!(
        row.contains("unhealthy: completed") && row.contains("OUTAGE"),
        "{human}"
    );
    // S9: a hang is spelled out, not "unfinished".
    let human = render::human(&s9());
    assert!(
        human.contains("healthy: HANGS FOREVER (the update waits with no timeout)"),
        "{human}"
    );
}

// ----- item 13: every number and sentence explained -----

#[test]
fn numbers_are_explained_in_one_unit() {
    let plans = [example_plan(), s6(), s9(), s12()];
    for p in &plans {
        let human = render::human(p);
        let md = render::markdown(p);
        for text in [&human, &md] {
            assert!(!has_milliseconds(text), "milliseconds in:\n{text}");
            assert!(!text.contains(" 1 containers"), "{text}");
            assert!(
                !text.contains("1 slot(s)") && !text.contains("dirty"),
                "{text}"
            );
        }
    }
    let human = render::human(&example_plan());
    // `healthy 4..6 of 4` is said in words, and the key to the task names is printed once.
    assert!(!human.contains("4..6"), "{human}");
    assert!(
        human.contains(
            "healthy: completed after 44.2s; 4 of 4 serving throughout (up to 6 during the overlap)"
        ),
        "{human}"
    );
    assert_eq!(human.matches("How to read this").count(), 1, "{human}");
    // The capacity bar is labelled with what it shows, not with the scenario's name.
    assert!(
        !human
            .lines()
            .any(|l| l.trim_start().starts_with("healthy |")),
        "{human}"
    );
    assert!(
        human.contains("replicas serving over time (full bar = 4)"),
        "{human}"
    );
}

#[test]
fn healthy_run_shows_the_delay_and_monitor_wait() {
    let human = render::human(&example_plan());
    // Steps stop at 12.3 s, completion at 44.2 s: the wait in between is a step of its own
    // (N3/N4 serve at 9.2 s, the workers wait `delay` 5 s, then `monitor` 30 s).
    assert!(
        human.contains("9.2s  every slot is done; the workers still wait the update delay 5s"),
        "{human}"
    );
    assert!(
        human.contains(
            "14.2s  every slot is replaced; Swarm keeps watching the new tasks for failures for monitor 30s before it reports the update complete"
        ),
        "{human}"
    );
    assert!(
        human.contains("44.2s  update complete (UpdateStatus completed)"),
        "{human}"
    );
}

#[test]
fn unhealthy_run_states_the_final_state() {
    let human = render::human(&example_plan());
    assert!(
        human.contains(
            "at the end (24.8s): the service spec is back to the previous version, UpdateStatus `rollback_completed`; 4 of 4 serving; running: 4 tasks of the previous version"
        ),
        "{human}"
    );
    assert!(
        human.contains("the rollback starts with the previous version's rollback_config: 2 slots to restore, all at once (parallelism 0)"),
        "{human}"
    );
}

#[test]
fn notes_are_in_an_operators_words() {
    let human = render::human(&example_plan());
    for jargon in [
        "rollback write",
        "Go map iteration",
        "the simulator builds",
        "dirty slot",
    ] {
        assert!(!human.contains(jargon), "{jargon:?} in:\n{human}");
    }
    assert!(
        human.contains(
            "note: several tasks failed at 14.8s; the status message may name any one of them"
        ),
        "{human}"
    );
    // The JSON keeps the simulator's own texts.
    let json = serde_json::to_string(&example_plan()).unwrap();
    assert!(json.contains("Go map iteration"));
}

#[test]
fn explicit_zero_settings_are_not_defaults() {
    let human = render::human(&example_plan());
    // prod-update-config.yml writes `max_failure_ratio: 0` on line 11; the merged model drops
    // the zero (as Compose does) but the file still sets it.
    assert!(
        human.contains("max_failure_ratio  0            prod-update-config.yml:11"),
        "{human}"
    );
    // Not written anywhere: a default, with the layer that supplies it.
    assert!(
        human.contains(
            "delay              0s           default: docker stack deploy: a present block without it sends 0"
        ),
        "{human}"
    );
    let p = transition(
        &service("a:1", "{update_config: {delay: 0s, parallelism: 1}}", ""),
        &service("a:2", "{update_config: {delay: 0s, parallelism: 1}}", ""),
        &["healthy"],
    );
    let human = render::human(&p);
    assert!(
        human.lines().any(|l| l.trim_start().starts_with("delay ")
            && l.contains(" 0s ")
            && l.ends_with("compose.yml:4")),
        "{human}"
    );
}

#[test]
fn healthcheck_words_follow_the_spec() {
    let deploy = "{replicas: 2}";
    // No healthcheck: a task serves as soon as its container starts.
    let p = transition(
        &service("a:1", deploy, ""),
        &service("a:2", deploy, ""),
        &["healthy"],
    );
    let human = render::human(&p);
    assert!(!human.contains("passed its healthcheck"), "{human}");
    assert!(
        human.contains("N1 running and serving (no healthcheck: as soon as it started)"),
        "{human}"
    );
    assert!(
        human.contains("warning: no healthcheck in the files"),
        "{human}"
    );
    // With one, the health gate is named.
    let p = transition(
        &service("a:1", deploy, HC_A),
        &service("a:2", deploy, HC_A),
        &["healthy"],
    );
    assert!(render::human(&p).contains("N1 passed its healthcheck: running and serving"));
}

#[test]
fn warnings_appear_where_they_apply_and_once() {
    // A scale-only change simulates nothing: no assumption about healthchecks to warn of.
    let p = transition(
        &service("a:1", "{replicas: 2}", ""),
        &service("a:1", "{replicas: 3}", ""),
        &[],
    );
    let human = render::human(&p);
    assert!(human.contains("app      scale"), "{human}");
    assert!(!human.contains("no healthcheck"), "{human}");
    // Unchanged services: one note for the plan, not one warning per service.
    let three = "services:\n  a: {image: x}\n  b: {image: y}\n  c: {image: z}\n";
    let p = transition(three, three, &[]);
    for text in [render::human(&p), render::markdown(&p)] {
        assert_eq!(text.matches("sends their spec again").count(), 1, "{text}");
        assert!(text.contains("unchanged (a, b, c)"), "{text}");
    }
}

#[test]
fn zero_and_negative_replicas_and_global_services_are_said() {
    let p = transition(
        &service("a:1", "{replicas: 0}", ""),
        &service("a:2", "{replicas: 0}", ""),
        &[],
    );
    let human = render::human(&p);
    assert!(!human.contains("rolling update"), "{human}");
    assert!(human.contains("update (0 tasks)"), "{human}");
    assert!(!human.contains("scenario healthy"), "{human}");

    let p = transition(
        &service("a:1", "{replicas: -1}", ""),
        &service("a:2", "{replicas: -1}", ""),
        &[],
    );
    let human = render::human(&p);
    assert!(
        human.contains(
            "replicas -1 (compose.yml:4) is not a valid replica count: the plan treats it as 0 replicas"
        ),
        "{human}"
    );

    let human = render::human(&s9());
    assert!(
        human.contains(
            "global service: simulated on 1 node (one task per node; pass --nodes N for your Swarm)"
        ),
        "{human}"
    );
}

// ----- item 14: Markdown -----

#[test]
fn markdown_keeps_settings_diff_signs_and_every_result() {
    let md = render::markdown(&example_plan());
    assert!(
        md.contains("| quotes-api | rolling update | unhealthy: ROLLED BACK; healthy: completed |"),
        "{md}"
    );
    assert!(
        md.contains("| quotes-web | unchanged | no change (spec sent again) |"),
        "{md}"
    );
    assert!(
        md.contains(
            "~ image: stackplan-example/quotes-api:2.0 => stackplan-example/quotes-api:3.0-broken"
        ),
        "{md}"
    );
    assert!(
        md.contains("- environment.QUOTES_CACHE_SECONDS: 30"),
        "{md}"
    );
    assert!(!md.contains("\n! "), "{md}");
    assert!(
        md.contains("| parallelism | `2` | prod-update-config.yml:6 |"),
        "{md}"
    );
    assert!(
        md.contains("| failure_action | `continue` | prod-rollback-config.yml:8 |"),
        "{md}"
    );
    assert!(md.contains("at the end (24.8s): the service spec is back to the previous version"));
}

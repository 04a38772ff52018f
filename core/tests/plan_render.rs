//! The plan as an engineer reads it (issue 12, items 12–15): the human and Markdown renderings
//! of real plans — the example stack's broken release 3 (`examples/quotes`) and stacks built
//! after the worked scenarios of `swarm-rollout-semantics.md` §8 — and the SVG picture,
//! rendered to PNG with `rsvg-convert`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use stackplan_core::loader::{LoadOptions, Loaded, load};
use stackplan_core::plan::{Plan, PlanOptions, plan, render, svg};
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
            .starts_with("healthy: completed after 44.45s"),
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
    assert!(row.contains("down to 0 of 3 serving"), "{human}");
    assert!(!human.contains("at least 0 of"), "{human}");
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
            "healthy: completed after 44.45s; 4 of 4 serving throughout (up to 5 during the overlap)"
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
    // Steps stop at 12.3 s, completion at 44.45 s: the wait in between is a step of its own
    // (N3/N4 serve at 9.45 s: two containers started together come up 250 ms apart, the workers wait `delay` 5 s, then `monitor` 30 s).
    assert!(
        human.contains(
            "9.45s  every slot is done; Swarm still waits the update delay 5s after the last one"
        ),
        "{human}"
    );
    assert!(
        human.contains(
            "14.45s  every slot is replaced; Swarm keeps watching the new tasks for failures for monitor 30s before it reports the update complete"
        ),
        "{human}"
    );
    assert!(
        human.contains("44.45s  update complete (UpdateStatus completed)"),
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
        "workers",
        "free worker",
        "handing out",
        "(replaced: one more task)",
        ") (",
        "Go map iteration",
        "the simulator builds",
        "dirty slot",
    ] {
        assert!(!human.contains(jargon), "{jargon:?} in:\n{human}");
    }
    assert!(
        human.contains(
            "note: another new task failed at 15.05s, just after the rollback or pause told it to stop, so it is not replaced"
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
    // A block without `monitor`: the CLI sends 0, Swarm uses 5 s; said without swarmkit.
    assert!(
        human.contains("monitor            5s          default: docker stack deploy sends 0, which Swarm reads as 5s"),
        "{human}"
    );
    assert!(!human.contains("swarmkit"), "{human}");
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
    // A rollback of a service that runs no task replaces nothing: no warning about its settings.
    assert!(!human.contains("a rollback of this change"), "{human}");

    // `docker stack deploy` refuses the file (Docker CLI 28.2: "cannot parse
    // 'Deploy.Replicas', -1 overflows uint"): nothing is deployed, so nothing is simulated
    // (the simulation used to run 1 replica while the text said 0).
    let p = transition(
        &service("a:1", "{replicas: -1}", ""),
        &service("a:2", "{replicas: -1}", ""),
        &[],
    );
    let human = render::human(&p);
    let row = table(&human)
        .into_iter()
        .find(|l| l.starts_with("app"))
        .unwrap();
    assert!(
        row.contains("deploy refused")
            && row.contains("NOT DEPLOYABLE: `docker stack deploy` refuses replicas -1"),
        "{human}"
    );
    assert!(
        human.contains(
            "replicas -1 (compose.yml:4) is not a replica count: `docker stack deploy` refuses the file (\"cannot parse 'Deploy.Replicas', -1 overflows uint\")"
        ),
        "{human}"
    );
    for text in [&human, &render::markdown(&p)] {
        // No scenario (healthy, unhealthy) and no step.
        assert!(!text.contains("healthy"), "{text}");
        assert!(!text.contains("slot"), "{text}");
        assert!(!text.contains("a rollback of this change"), "{text}");
    }
    assert!(svg::svg(&p).contains("no rolling update in this plan"));

    let human = render::human(&s9());
    assert!(
        human.contains(
            "global service: simulated on 1 node, one task per node (--nodes N sets the number of nodes)"
        ),
        "{human}"
    );
    // A global service's slots are nodes, and the text says nodes: Swarm updates the task
    // on each node.
    assert!(
        human.contains("the update starts: 1 node to update, one at a time"),
        "{human}"
    );
    assert!(
        human.contains("N1 created on node 1 (new version, by the updater)"),
        "{human}"
    );
    assert!(
        human.contains("replaces the tasks node by node")
            && human.contains("(their node, for a global service)"),
        "{human}"
    );
    let steps = &human[human.find("steps:").unwrap()..];
    assert!(!steps.contains("slot"), "{human}");
    let picture = svg::svg(&s9());
    assert!(picture.contains(">node 1</text>"), "{picture}");
    assert!(!picture.contains(">slot 1</text>"), "{picture}");
}

#[test]
fn old_tasks_are_stopped_not_cancelled() {
    // O1 ran before the deploy; it served until the updater took it out of service. It used
    // to read "O1 cancelled before its container started".
    let human = render::human(&example_plan());
    assert!(
        human.contains("2.1s  O1 taken out of service and told to stop"),
        "{human}"
    );
    assert!(!human.contains("O1 cancelled"), "{human}");
    // A restart replacement that never started is still cancelled.
    assert!(
        human.contains("R1 cancelled before its container started"),
        "{human}"
    );
}

/// The example's release with the new version crashing 5 s after it starts.
fn example_crash_plan() -> Plan {
    let with = |release: &'static str| {
        let mut names = PROD.to_vec();
        names.push(release);
        example(&names)
    };
    let opts = PlanOptions {
        scenarios: vec![Scenario::parse("crash-after=5s:1").unwrap()],
        ..PlanOptions::default()
    };
    plan(
        Some(&with("release-2.yml")),
        &with("release-3-bad.yml"),
        &opts,
    )
}

#[test]
fn a_rollback_followed_by_one_more_pass_reads_as_a_rollback() {
    let p = example_crash_plan();
    let human = render::human(&p);
    // The scenario in words, the number not glued to the exit code.
    assert!(
        human.contains("scenario crash-after=5s:1 (5s after it starts, the new version exits with code 1): ROLLED BACK after 18.35s"),
        "{human}"
    );
    // Rolled back at 18.35 s (UpdateStatus rollback_completed), not "after 53.35s", the end
    // of the pass Swarm runs afterwards; that pass is said.
    let row = table(&human)
        .into_iter()
        .find(|l| l.starts_with("quotes-api"))
        .unwrap();
    assert!(
        row.contains("crash-after=5s:1: ROLLED BACK after 18.35s, failure detected at 6s")
            && row.contains(
                "then one more update pass on the previous version, UpdateStatus `completed` at 53.35s"
            ),
        "{human}"
    );
    // The rollback completes before the next pass starts in the same instant, and the end of
    // that pass does not speak of "new tasks".
    let complete = human
        .find("18.35s  rollback complete (UpdateStatus rollback_completed)")
        .expect(&human);
    let next = human
        .find("18.35s  Swarm runs one more update pass (see the note on it below): 1 slot still differs from the service spec")
        .expect(&human);
    assert!(complete < next, "{human}");
    assert!(
        human.contains("23.35s  the extra pass is done; Swarm waits monitor 30s before it reports the update complete"),
        "{human}"
    );
    // The simulator notes the later-pass race twice; an operator reads it once.
    assert_eq!(
        human
            .matches("Swarm may or may not run one more update pass")
            .count(),
        1,
        "{human}"
    );
    let picture = svg::svg(&p);
    assert!(
        picture.contains("quotes-api — scenario crash-after=5s:1 — rolled back after 18.35s"),
        "{picture}"
    );
}

#[test]
fn a_hang_has_no_end_time() {
    let with = |release: &'static str| {
        let mut names = PROD.to_vec();
        names.push(release);
        example(&names)
    };
    let opts = PlanOptions {
        scenarios: vec![Scenario::parse("unschedulable").unwrap()],
        ..PlanOptions::default()
    };
    let p = plan(
        Some(&with("release-2.yml")),
        &with("release-3-bad.yml"),
        &opts,
    );
    let human = render::human(&p);
    assert!(!human.contains("at the end (0s)"), "{human}");
    assert!(!human.contains("0s..0.001s"), "{human}");
    assert!(
        human.contains("from 0s on, for as long as nobody intervenes: the service spec is the new version, UpdateStatus `updating`; 4 of 4 serving; running: 4 tasks of the previous version"),
        "{human}"
    );
}

#[test]
fn the_end_state_says_when_it_is() {
    // Without a healthcheck the simulation runs on 30 s past the completion: the end state's
    // time says so instead of contradicting "completed after 9.6s".
    let deploy = "{replicas: 2}";
    let p = transition(
        &service("a:1", deploy, ""),
        &service("a:2", deploy, ""),
        &["healthy"],
    );
    let human = render::human(&p);
    assert!(human.contains("completed after 9.6s"), "{human}");
    assert!(
        human.contains("at the end (39.6s, 30s after the last UpdateStatus change): the service spec is the new version"),
        "{human}"
    );
}

#[test]
fn an_unhealthy_run_without_a_healthcheck_says_swarm_cannot_see_it() {
    let deploy = "{replicas: 2}";
    let p = transition(
        &service("a:1", deploy, ""),
        &service("a:2", deploy, ""),
        &["unhealthy"],
    );
    let human = render::human(&p);
    assert!(
        human.contains("unhealthy: completed after 9.6s (no healthcheck: Swarm cannot see the failure); down to 1 of 2 serving"),
        "{human}"
    );
    assert!(
        human.contains("the new spec has no healthcheck, so Swarm cannot see it and this run is the healthy one"),
        "{human}"
    );
    // Said once in the scenario, not again as the simulator's warning.
    assert!(
        !human.contains("never detects that they are unhealthy"),
        "{human}"
    );
    let md = render::markdown(&p);
    assert!(
        md.contains("| app | rolling update | unhealthy: completed (no healthcheck: Swarm cannot see the failure) |"),
        "{md}"
    );
}

#[test]
fn an_outage_is_said_in_the_summary_and_the_heading_only() {
    let p = s6();
    let human = render::human(&p);
    assert_eq!(
        human.matches("no replica serving for 4.4s").count(),
        2,
        "{human}"
    );
    assert!(!human.contains("warning: full outage"), "{human}");
    assert!(!render::markdown(&p).contains("full outage"));
}

#[test]
fn scale_diff_and_defaults_in_plain_words() {
    let p = transition(
        &service("a:1", "{replicas: 2}", ""),
        &service("a:1", "{replicas: 5}", ""),
        &[],
    );
    let human = render::human(&p);
    assert!(
        human
            .contains("app      scale             replicas 2 => 5: 3 tasks started, none replaced"),
        "{human}"
    );
    assert!(
        render::markdown(&p)
            .contains("| app | scale | replicas 2 => 5: 3 tasks started, none replaced |")
    );
    // An in-place update names what changed.
    let p = transition(
        &service("a:1", "{update_config: {parallelism: 1}}", ""),
        &service("a:1", "{update_config: {parallelism: 2}}", ""),
        &[],
    );
    let human = render::human(&p);
    assert!(
        human.contains(
            "app      in-place update   `deploy.update_config.parallelism` changed, no task replaced"
        ),
        "{human}"
    );
    // Writing `deploy:` for the first time adds no empty `placement: {}` / `resources: {}`
    // to the diff: `docker stack deploy` sends the same spec without them.
    let p = transition(
        "services:\n  app:\n    image: a:1\n",
        &service("a:2", "{replicas: 1}", ""),
        &["healthy"],
    );
    let human = render::human(&p);
    assert!(human.contains("+ deploy.replicas: 1"), "{human}");
    assert!(!human.contains("{}"), "{human}");
    // Swarm's defaults are named as such, not by swarmkit's source file (the JSON keeps it).
    assert!(
        human.contains("failure_action     pause       default: Swarm's built-in default"),
        "{human}"
    );
    assert!(!human.contains("api/defaults"), "{human}");
    // The key names only the kinds of task the plan shows.
    assert!(
        human.contains("tasks are named O (running before the deploy), N (started by the update), followed by their slot"),
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
    // The slot-order note speaks of "the slot numbers above": it follows the steps.
    let steps = md.find("<details><summary>steps</summary>").unwrap();
    let note = md.find("> note: Swarm picks the slots").unwrap();
    assert!(steps < note, "{md}");
}

// ----- item 15: the SVG picture -----

/// The value of attribute `name` in one element's text.
fn attr<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let start = element.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = element[start..].find('"')?;
    Some(&element[start..start + len])
}

fn num(element: &str, name: &str) -> f64 {
    attr(element, name).unwrap().parse().unwrap()
}

/// Every `<tag ...>` element's opening text.
fn elements<'a>(svg: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag} ");
    svg.match_indices(&open)
        .map(|(at, _)| {
            let rest = &svg[at..];
            &rest[..rest.find('>').unwrap() + 1]
        })
        .collect()
}

/// `(left, top, right, bottom)` of a text, from its font size and a generous glyph width.
fn text_box(element: &str, body: &str) -> (f64, f64, f64, f64) {
    let (x, y, size) = (
        num(element, "x"),
        num(element, "y"),
        num(element, "font-size"),
    );
    let w = body.chars().count() as f64 * size * 0.6;
    let left = match attr(element, "text-anchor") {
        Some("end") => x - w,
        Some("middle") => x - w / 2.0,
        _ => x,
    };
    (left, y - size * 0.8, left + w, y + size * 0.2)
}

fn texts(svg: &str) -> Vec<(String, (f64, f64, f64, f64))> {
    svg.match_indices("<text ")
        .map(|(at, _)| {
            let rest = &svg[at..];
            let head = &rest[..rest.find('>').unwrap() + 1];
            let body = &rest[head.len()..rest.find("</text>").unwrap()];
            (body.to_owned(), text_box(head, body))
        })
        .collect()
}

fn bars(svg: &str) -> Vec<(f64, f64, f64, f64)> {
    elements(svg, "rect")
        .into_iter()
        .filter(|r| attr(r, "class").is_some_and(|c| c.split(' ').any(|w| w == "bar")))
        .map(|r| {
            let (x, y) = (num(r, "x"), num(r, "y"));
            (x, y, x + num(r, "width"), y + num(r, "height"))
        })
        .collect()
}

fn overlap(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

fn height(svg: &str) -> f64 {
    num(elements(svg, "svg")[0], "height")
}

/// A service with `replicas` tasks whose release is unhealthy (§8 S5 with more replicas).
fn wide(replicas: u32) -> Plan {
    let deploy = format!("{{replicas: {replicas}, update_config: {{parallelism: 10}}}}");
    transition(
        &service("probe:v1", &deploy, HC_A),
        &service("probe:v2", &deploy, HC_A),
        &["healthy", "unhealthy"],
    )
}

#[test]
fn svg_has_a_legend_an_axis_and_human_titles() {
    let svg = svg::svg(&example_plan());
    let bodies: Vec<String> = texts(&svg).into_iter().map(|(b, _)| b).collect();
    for entry in [
        "previous version",
        "new version",
        "task of a failing version",
        "faded: created, not serving yet",
        "light: told to stop, still running",
        "replicas serving (in the load balancer)",
        "live containers",
        "target replicas",
        "UpdateStatus change",
        "outage: no replica serving",
        "replicas",
        "seconds after the deploy",
        "quotes-api — scenario healthy — completed after 44.45s",
        "quotes-api — scenario unhealthy — rolled back after 24.8s",
        "rollback_started 14.8s",
    ] {
        assert!(
            bodies.iter().any(|b| b == entry),
            "no text {entry:?} in {bodies:?}"
        );
    }
    // The capacity axis has numbered ticks from 0 to the peak (6 containers).
    for tick in ["0", "2", "4", "6"] {
        assert!(bodies.iter().any(|b| b == tick), "no tick {tick}");
    }
    for internal in ["RolledBack", "(From)", "(To)", "Completed"] {
        assert!(!svg.contains(internal), "{internal} in the SVG");
    }
    assert!(svg.contains("<title>old task 1 (O1), slot 1: created 0s, serving from 0s"));
}

#[test]
fn svg_colours_failing_replacements_as_failing() {
    let svg = svg::svg(&example_plan());
    // In the unhealthy run, R1 replaces the failed N1 and never serves before the rollback
    // removes it: it is drawn as failing, not as a healthy new task.
    let at = svg
        .find("<title>restart replacement 1 (R1), slot 1")
        .unwrap();
    let group = &svg[at..at + svg[at..].find("</g>").unwrap()];
    assert!(group.contains("class=\"bar failed"), "{group}");
    assert!(!group.contains("class=\"bar new"), "{group}");
}

#[test]
fn svg_shades_outages() {
    let svg = svg::svg(&s6());
    // §8 S6: no replica serves from 0 to 4.4 s.
    assert!(
        svg.contains(r#"class="outage"><title>outage: no replica serving from 0s to 4.4s</title>"#),
        "{svg}"
    );
    assert!(!svg::svg(&example_plan()).contains(r#"class="outage"><title>"#));
}

#[test]
fn svg_labels_never_overlap_bars_or_each_other() {
    for plan in [example_plan(), s6(), s9(), s12(), wide(12), wide(240)] {
        let svg = svg::svg(&plan);
        let texts = texts(&svg);
        let bars = bars(&svg);
        assert!(!bars.is_empty());
        for (body, t) in &texts {
            for b in &bars {
                assert!(!overlap(*t, *b), "label {body:?} {t:?} overlaps bar {b:?}");
            }
        }
        let status: Vec<_> = texts
            .iter()
            .filter(|(b, _)| {
                b.contains("updating ")
                    || b.contains("rollback_")
                    || b.contains("completed ")
                    || b.contains("paused ")
            })
            .collect();
        for (i, (a, ta)) in status.iter().enumerate() {
            for (b, tb) in &status[i + 1..] {
                assert!(!overlap(*ta, *tb), "{a:?} overlaps {b:?}");
            }
        }
        for (body, t) in &texts {
            assert!(
                t.0 >= 0.0 && t.2 <= 960.0,
                "{body:?} leaves the picture: {t:?}"
            );
        }
    }
}

#[test]
fn svg_height_is_bounded_by_aggregating_lanes() {
    let small = svg::svg(&wide(12));
    let big = svg::svg(&wide(240));
    let huge = svg::svg(&wide(2_000));
    // Up to 50 slots, one lane each; beyond, lanes hold several slots.
    assert!(small.contains(">slot 12<"));
    assert!(
        big.contains(">slots 1–5<") && big.contains(">slots 236–240<"),
        "{big}"
    );
    assert!(!big.contains(">slot 51<"));
    assert!(huge.contains(">slots 1961–2000<"));
    // Two scenarios, at most 50 lanes each, whatever the replica count.
    let lanes = |svg: &str| {
        texts(svg)
            .into_iter()
            .filter(|(b, _)| b.starts_with("slot"))
            .count()
    };
    assert_eq!(lanes(&small), 2 * 12);
    assert_eq!(lanes(&big), 2 * 48);
    assert_eq!(lanes(&huge), 2 * 50);
    assert!(height(&huge) < 3_000.0, "{}", height(&huge));
}

/// `rsvg-convert` (Debian `librsvg2-bin`) or a loud skip; CI installs it and requires it.
fn rsvg_convert() -> Option<&'static str> {
    let found = std::process::Command::new("rsvg-convert")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some("rsvg-convert");
    }
    if std::env::var_os("STACKPLAN_REQUIRE_RSVG").is_some() {
        panic!(
            "rsvg-convert is required (STACKPLAN_REQUIRE_RSVG is set): apt-get install librsvg2-bin"
        );
    }
    eprintln!(
        "\n==========\nSKIPPED: SVG to PNG: rsvg-convert not installed (apt-get install librsvg2-bin)\n==========\n"
    );
    None
}

/// Renders `svg` to PNG and returns the PNG's width and height (from its IHDR chunk).
fn png_size(tool: &str, svg: &str, png: &Path) -> (u32, u32) {
    let dir = png.parent().unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let input = dir.join(format!(
        "{}.svg",
        png.file_stem().unwrap().to_string_lossy()
    ));
    std::fs::write(&input, svg).unwrap();
    let out = std::process::Command::new(tool)
        .arg("--output")
        .arg(png)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "rsvg-convert: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn svg_renders_to_png() {
    let Some(tool) = rsvg_convert() else { return };
    let scratch = std::env::temp_dir().join(format!("stackplan-svg-{}", std::process::id()));
    for (name, plan) in [
        ("quotes", example_plan()),
        ("s6", s6()),
        ("wide", wide(240)),
    ] {
        let svg = svg::svg(&plan);
        let size = png_size(tool, &svg, &scratch.join(format!("{name}.png")));
        assert_eq!(size, (960, height(&svg).round() as u32), "{name}");
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

/// The README shows `docs/quotes-plan.svg` (and its PNG): it must be today's rendering of the
/// example plan. `STACKPLAN_UPDATE_DOCS=1` rewrites both.
#[test]
fn docs_picture_is_the_current_example_plan() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
    let svg = svg::svg(&example_plan());
    let svg_path = docs.join("quotes-plan.svg");
    let png_path = docs.join("quotes-plan.png");
    if std::env::var_os("STACKPLAN_UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::write(&svg_path, &svg).unwrap();
        let tool = rsvg_convert().expect("rsvg-convert is needed to update docs/quotes-plan.png");
        png_size(tool, &svg, &png_path);
    }
    let committed = std::fs::read_to_string(&svg_path).unwrap_or_default();
    assert!(
        committed == svg,
        "docs/quotes-plan.svg is not the current rendering: run STACKPLAN_UPDATE_DOCS=1 cargo test -p stackplan-core --test plan_render"
    );
    let png = std::fs::read(&png_path).unwrap();
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    assert_eq!((be(16), be(20)), (960, height(&svg).round() as u32));
}

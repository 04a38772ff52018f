//! The driver: target detection, suppressions (x-stackplan and inline comments), severity
//! overrides, disabled rules, SP000 for unknown rules, and ordering.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "lint_support.rs"]
mod support;

use stackplan_core::lint::{Level, LintOptions, Severity, Target, lint};
use support::*;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lint/stack");

fn stack() -> (String, String) {
    (
        std::fs::read_to_string(format!("{DIR}/compose.yml")).unwrap(),
        std::fs::read_to_string(format!("{DIR}/prod.yml")).unwrap(),
    )
}

#[test]
fn lint_fixture_stack_with_suppressions() {
    let (base, prod) = stack();
    let files = [("compose.yml", base.as_str()), ("prod.yml", prod.as_str())];
    // Target detected: services have `deploy` keys.
    let (l, d) = lint_with(&files, &LintOptions::default());
    let got: Vec<(&str, String, u32, u32)> = d
        .iter()
        .map(|d| {
            let (f, line, col) = position(&l, d).unwrap();
            (d.rule, f, line, col)
        })
        .collect();
    let at = |text: &str, line: &str, token: &str| find(text, line, token);
    let want = vec![
        // worker: no healthcheck while its update relies on detection (default pause).
        ("SP110", "compose.yml", at(&base, "worker:", "worker")),
        // worker: image without a tag.
        (
            "SP302",
            "compose.yml",
            at(&base, "example/worker", "example"),
        ),
        // api: monitor 10s < 3 × (5s + 0.1s probe) + 2s + 0.3s.
        ("SP109", "prod.yml", at(&prod, "monitor: 10s", "10s")),
        // api: the rollback's monitor is unset (0s → 5s), also too short.
        (
            "SP109",
            "prod.yml",
            at(&prod, "rollback_config", "rollback_config"),
        ),
        ("SP108", "prod.yml", at(&prod, "monitor: 0s", "0s")),
        // worker: delay 10s ≥ monitor 5s.
        ("SP113", "prod.yml", at(&prod, "delay", "10s")),
    ];
    let want: Vec<(&str, String, u32, u32)> = want
        .into_iter()
        .map(|(r, f, (line, col))| (r, f.to_owned(), line, col))
        .collect();
    assert_eq!(got, want, "{d:#?}");
    // What the suppressions hid is there without them.
    let bare_base = base.replace("    x-stackplan:\n      ignore: [image-not-pinned]\n", "");
    let bare_prod: String = prod
        .lines()
        .map(|l| format!("{}\n", l.split(" # stackplan").next().unwrap()))
        .filter(|l| !l.trim_start().starts_with("# stackplan"))
        .collect();
    let (_, d) = lint_with(
        &[("compose.yml", &bare_base), ("prod.yml", &bare_prod)],
        &LintOptions::default(),
    );
    for rule in ["SP103", "SP104", "SP105", "SP302"] {
        assert!(
            ids(&d).contains(&rule),
            "{rule} without suppressions: {:?}",
            ids(&d)
        );
    }
    assert_eq!(ids(&d).iter().filter(|r| **r == "SP302").count(), 2);
}

#[test]
fn lint_target_detection_and_compose_target() {
    let plain = "services:\n  web:\n    image: nginx\n    restart: always\n";
    let loaded = load_set(&[("compose.yml", plain)]);
    assert_eq!(Target::detect(&loaded), Target::Compose);
    // Compose target: Swarm-only rules (image pinning, ignored keys) are not run.
    assert!(lint(&loaded, &LintOptions::default()).is_empty());
    let d = lint(&loaded, &swarm());
    // SP303 points at the service key (line 2), SP302 at the image (3), SP202 at `restart` (4).
    assert_eq!(ids(&d), vec!["SP303", "SP302", "SP202"]);
}

#[test]
fn lint_severity_overrides_and_disabled_rules() {
    let base = "services:\n  web:\n    image: nginx\n    deploy:\n      replicas: 2\n";
    // `deploy.replicas` alone is plain Compose: ask for Swarm.
    let mut opts = swarm();
    opts.severity
        .insert("image-not-pinned".into(), Level::Severity(Severity::Error));
    opts.severity.insert("SP303".into(), Level::Off);
    let (_, d) = lint_with(&[("compose.yml", base)], &opts);
    assert_eq!(ids(&d), vec!["SP302"]);
    assert_eq!(d[0].severity, Severity::Error);

    let opts = LintOptions {
        disabled: vec!["sp302".into(), "no-resource-limits".into()],
        ..swarm()
    };
    let (_, d) = lint_with(&[("compose.yml", base)], &opts);
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn lint_unknown_rules_are_sp000_errors() {
    let base = "services:
  web:
    image: nginx:1.27  # stackplan: ignore[no-such-rule] typo
    x-stackplan:
      ignore: [SP9999]
    deploy:
      resources:
        limits: {memory: 64M}
";
    let mut opts = LintOptions {
        disabled: vec!["nope".into()],
        config_name: Some(".stackplan.toml".into()),
        ..LintOptions::default()
    };
    opts.severity.insert("SP301".into(), Level::Off);
    let (l, d) = lint_with(&[("compose.yml", base)], &opts);
    assert_findings(
        &l,
        &d,
        "SP000",
        Severity::Error,
        &[
            ("compose.yml", find(base, "ignore[", "no-such-rule")),
            ("compose.yml", find(base, "SP9999", "SP9999")),
            // Options have no location: last.
            ("", (0, 0)),
        ],
    );
    let from_options = d.last().unwrap();
    assert!(
        from_options.message.contains("`nope`") && from_options.message.contains(".stackplan.toml")
    );
    // An SP000 cannot be suppressed away.
    let malformed = "services:\n  web:\n    image: nginx:1.27 # stackplan: ignore SP302\n";
    let (_, d) = lint_with(&[("compose.yml", malformed)], &LintOptions::default());
    assert_eq!(ids(&d), vec!["SP000"]);
}

#[test]
fn lint_inline_comment_on_the_line_or_the_line_before_only() {
    let base = "services:
  web:
    # stackplan: ignore[SP302] pinned by the registry's immutability
    image: nginx
  api:
    # stackplan: ignore[SP302] too far away

    image: example/api
";
    let (l, d) = lint_with(&[("compose.yml", base)], &swarm());
    assert_findings(
        &l,
        &d,
        "SP302",
        Severity::Warning,
        &[("compose.yml", find(base, "example/api", "example"))],
    );
}

#[test]
fn lint_output_is_sorted_and_deterministic() {
    let (base, prod) = stack();
    let files = [("compose.yml", base.as_str()), ("prod.yml", prod.as_str())];
    let (l1, d1) = lint_with(&files, &swarm());
    let (_, d2) = lint_with(&files, &swarm());
    assert_eq!(d1, d2);
    let keys: Vec<_> = d1
        .iter()
        .map(|d| (d.origin.map(|o| (o.file, o.line, o.column)), d.rule))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert!(l1.sources.len() == 2);
}

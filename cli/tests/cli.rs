//! End-to-end tests of the command line, run in-process through `stackplan::run` with a
//! controlled environment and working directory.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::{project, run};

const BASE: &str = "services:\n  web:\n    image: nginx:1.25\n    deploy:\n      replicas: 2\n";
const OVERRIDE: &str = "services:\n  web:\n    deploy:\n      update_config:\n        parallelism: 1\n        order: start-first\n";

#[test]
fn global_options_work_before_and_after_the_subcommand() {
    let dir = project("global", &[("base.yml", BASE), ("prod.yml", OVERRIDE)]);
    let before = run(
        &[
            "-f", "base.yml", "-f", "prod.yml", "config", "--format", "json",
        ],
        &dir,
        &[],
    );
    let after = run(
        &[
            "config", "-f", "base.yml", "-f", "prod.yml", "--format", "json",
        ],
        &dir,
        &[],
    );
    assert_eq!(before.status, 0, "{}", before.stderr);
    assert_eq!(before.stdout, after.stdout);
    let json: serde_json::Value = serde_json::from_str(&before.stdout).unwrap();
    assert_eq!(
        json["services"]["web"]["deploy"]["update_config"]["order"],
        "start-first"
    );
    assert_eq!(json["services"]["web"]["deploy"]["replicas"], 2);
    // The project name defaults to the folder name, normalized.
    assert!(
        json["name"]
            .as_str()
            .unwrap()
            .starts_with("stackplan-test-")
    );
}

#[test]
fn origins_point_at_the_file_and_line_that_set_each_value() {
    let dir = project("origins", &[("base.yml", BASE), ("prod.yml", OVERRIDE)]);
    let out = run(
        &["-f", "base.yml", "-f", "prod.yml", "config", "--origins"],
        &dir,
        &[],
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("replicas: 2 # base.yml:5"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("order: start-first # prod.yml:6"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("parallelism: 1 # prod.yml:5"),
        "{}",
        out.stdout
    );
    // Defaults nobody wrote carry no comment (the default network attachment).
    assert!(
        out.stdout.contains("      default: null\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn invalid_input_exits_1_with_file_line_column() {
    let dir = project(
        "invalid",
        &[
            ("base.yml", BASE),
            (
                "bad.yml",
                "services:\n  web:\n    deploy:\n      replicas: lots\n",
            ),
        ],
    );
    let out = run(&["-f", "base.yml", "-f", "bad.yml", "config"], &dir, &[]);
    assert_eq!(out.status, 1);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("bad.yml:4:17"), "{}", out.stderr);
}

#[test]
fn yaml_syntax_errors_point_into_the_file() {
    let dir = project(
        "syntax",
        &[("c.yml", "services:\n  web:\n    image: [unclosed\n")],
    );
    let out = run(&["-f", "c.yml", "config"], &dir, &[]);
    assert_eq!(out.status, 1);
    assert!(out.stderr.contains("c.yml:"), "{}", out.stderr);
}

#[test]
fn missing_files_and_usage_errors_exit_2() {
    let dir = project("missing", &[]);
    let out = run(&["-f", "nope.yml", "config"], &dir, &[]);
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("no such file"), "{}", out.stderr);
    let usage = run(&["config", "--format", "xml"], &dir, &[]);
    assert_eq!(usage.status, 2);
    let nothing = run(&["config"], &dir, &[]);
    assert_eq!(nothing.status, 2, "{}", nothing.stderr);
}

#[test]
fn default_files_compose_file_and_profiles_come_from_the_environment() {
    let dir = project(
        "discovery",
        &[
            (
                "compose.yaml",
                "services:\n  a:\n    image: a\n  dbg:\n    image: d\n    profiles: [debug]\n",
            ),
            ("compose.override.yaml", "services:\n  a:\n    image: a2\n"),
            ("other.yml", "services:\n  b:\n    image: b\n"),
        ],
    );
    let out = run(&["config", "--services"], &dir, &[]);
    assert_eq!(out.stdout, "a\n", "{}", out.stderr);
    let images = run(&["config", "--images"], &dir, &[]);
    assert_eq!(images.stdout, "a2\n");
    let with_profile = run(
        &["config", "--services"],
        &dir,
        &[("COMPOSE_PROFILES", "debug")],
    );
    assert_eq!(with_profile.stdout, "a\ndbg\n");
    let via_env = run(
        &["config", "--services"],
        &dir,
        &[("COMPOSE_FILE", "other.yml")],
    );
    assert_eq!(via_env.stdout, "b\n");
}

#[test]
fn env_file_and_interpolation() {
    let dir = project(
        "interp",
        &[
            (
                "c.yml",
                "services:\n  web:\n    image: \"nginx:${TAG:?set TAG}\"\n",
            ),
            (".env", "TAG=1.25\n"),
            ("prod.env", "TAG=1.27\n"),
        ],
    );
    let out = run(&["-f", "c.yml", "config", "--format", "json"], &dir, &[]);
    assert!(out.stdout.contains("nginx:1.25"), "{}", out.stderr);
    let out = run(
        &[
            "--env-file",
            "prod.env",
            "-f",
            "c.yml",
            "config",
            "--format",
            "json",
        ],
        &dir,
        &[],
    );
    assert!(out.stdout.contains("nginx:1.27"), "{}", out.stderr);
    let shell_wins = run(
        &["-f", "c.yml", "config", "--format", "json"],
        &dir,
        &[("TAG", "2")],
    );
    assert!(
        shell_wins.stdout.contains("nginx:2\""),
        "{}",
        shell_wins.stdout
    );
    std::fs::remove_file(dir.join(".env")).unwrap();
    let missing = run(&["-f", "c.yml", "config"], &dir, &[]);
    assert_eq!(missing.status, 1);
    assert!(missing.stderr.contains("set TAG"), "{}", missing.stderr);
}

#[test]
fn output_file_quiet_and_service_selection() {
    let dir = project(
        "output",
        &[(
            "c.yml",
            "services:\n  db:\n    image: pg\n  web:\n    image: w\n    depends_on: [db]\n  other:\n    image: o\n",
        )],
    );
    let out = run(
        &["-f", "c.yml", "config", "-o", "merged.yml", "web"],
        &dir,
        &[],
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(dir.join("merged.yml")).unwrap();
    assert!(
        written.contains("  db:\n") && written.contains("  web:\n") && !written.contains("other"),
        "{written}"
    );
    let quiet = run(&["-f", "c.yml", "config", "-q"], &dir, &[]);
    assert_eq!((quiet.status, quiet.stdout.as_str()), (0, ""));
    let unknown = run(&["-f", "c.yml", "config", "nope"], &dir, &[]);
    assert_eq!(unknown.status, 1);
}

#[test]
fn docker_cli_plugin_protocol() {
    let dir = project("plugin", &[("c.yml", BASE)]);
    let meta = run(&["docker-cli-plugin-metadata"], &dir, &[]);
    let json: serde_json::Value = serde_json::from_str(&meta.stdout).unwrap();
    assert_eq!(json["SchemaVersion"], "0.1.0");
    assert_eq!(json["Vendor"], "stackplan");
    // Invoked as docker-stackplan, the docker CLI passes the plugin name first.
    let argv = [
        "/usr/libexec/docker/cli-plugins/docker-stackplan",
        "stackplan",
        "-f",
        "c.yml",
        "config",
        "--services",
    ];
    let out = common::run_argv(argv.iter().map(|s| (*s).to_owned()).collect(), &dir, &[]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "web\n");
}

#[test]
fn hostile_input_is_refused_with_a_clear_error() {
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let deep = format!("services: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let dir = project("hostile", &[("bomb.yml", &bomb), ("deep.yml", &deep)]);
    let out = run(&["-f", "bomb.yml", "config"], &dir, &[]);
    assert_eq!(out.status, 1);
    assert!(out.stderr.contains("alias bomb"), "{}", out.stderr);
    let out = run(&["-f", "deep.yml", "config"], &dir, &[]);
    assert_eq!(out.status, 1);
    assert!(out.stderr.contains("deep.yml:1:"), "{}", out.stderr);
    // A 100 MB file (sparse: no disk used) is refused from its size, before it is read.
    let big = std::fs::File::create(dir.join("big.yml")).unwrap();
    big.set_len(100 * 1024 * 1024).unwrap();
    let out = run(&["-f", "big.yml", "config"], &dir, &[]);
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("over the limit"), "{}", out.stderr);
    // The limit is configurable.
    let out = run(
        &["--max-file-size", "10", "-f", "bomb.yml", "config"],
        &dir,
        &[],
    );
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("limit of 10 bytes"), "{}", out.stderr);
}

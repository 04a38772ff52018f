//! Issue 12, "safe and pleasant in daily use": `-o` never replaces an input and writes
//! atomically, exit codes mean one thing each (`--detailed-exitcode` too), stdin and pipes,
//! no colour into pipes, a closed pipe ends the run quietly, flags that agree, SARIF paths
//! that do not depend on the caller's directory, errors that name their file.
//!
//! Most tests run in-process (`stackplan::run_captured`); where a real pipe, FIFO or shell
//! matters, they run the built binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::{project, run, run_argv};
use std::path::Path;
use std::process::{Command, Stdio};

const BASE: &str =
    "services:\n  web:\n    image: nginx:${TAG:-1.25}\n    deploy:\n      replicas: 2\n";
const PROD: &str =
    "services:\n  web:\n    deploy:\n      update_config:\n        order: start-first\n";
const V2: &str = "services:\n  web:\n    image: nginx:1.24\n    deploy:\n      replicas: 2\n";

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_stackplan"))
}

// ------------------------------------------------------------------ item 1: -o and inputs

#[test]
fn output_never_replaces_a_file_the_run_read() {
    let dir = project(
        "no-overwrite",
        &[
            ("base.yml", BASE),
            ("prod.yml", PROD),
            ("v2.yml", V2),
            (".env", "TAG=1.27\n"),
            (
                "ext.yml",
                "services:\n  api:\n    extends: {file: common.yml, service: app}\n",
            ),
            ("common.yml", "services:\n  app:\n    image: app:1\n"),
            (".stackplan.toml", "[lint]\ntarget = \"swarm\"\n"),
        ],
    );
    std::os::unix::fs::symlink(dir.join("prod.yml"), dir.join("link.yml")).unwrap();
    std::fs::hard_link(dir.join("base.yml"), dir.join("hard.yml")).unwrap();
    let cases: &[&[&str]] = &[
        // The issue's reproduction: the plan written over the last -f file.
        &["-f", "base.yml", "-f", "prod.yml", "plan", "-o", "prod.yml"],
        // Through a symlink, and through a hard link.
        &["-f", "base.yml", "-f", "prod.yml", "plan", "-o", "link.yml"],
        &[
            "-f", "base.yml", "-f", "prod.yml", "config", "-o", "hard.yml",
        ],
        // A from-file.
        &[
            "-f",
            "base.yml",
            "plan",
            "--from-file",
            "v2.yml",
            "-o",
            "v2.yml",
        ],
        &["-f", "base.yml", "lint", "-o", "base.yml"],
        // Files the run found on its own: .env, an extends target, .stackplan.toml.
        &["-f", "base.yml", "config", "-o", ".env"],
        &["-f", "ext.yml", "config", "-o", "common.yml"],
        &["-f", "base.yml", "lint", "-o", ".stackplan.toml"],
        // Spelled differently.
        &["-f", "base.yml", "config", "-o", "./sub/../base.yml"],
    ];
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let before: Vec<(String, String)> = [
        "base.yml",
        "prod.yml",
        "v2.yml",
        ".env",
        "common.yml",
        ".stackplan.toml",
    ]
    .iter()
    .map(|f| ((*f).to_owned(), read(&dir, f)))
    .collect();
    for args in cases {
        let out = run(args, &dir, &[]);
        assert_eq!(out.status, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("refusing to write to") && out.stderr.contains("input"),
            "{args:?}: {}",
            out.stderr
        );
        for (file, text) in &before {
            assert_eq!(&read(&dir, file), text, "{args:?} changed {file}");
        }
    }
    // Another file is fine.
    let ok = run(
        &["-f", "base.yml", "-f", "prod.yml", "plan", "-o", "plan.txt"],
        &dir,
        &[],
    );
    assert_eq!(ok.status, 0, "{}", ok.stderr);
    assert!(read(&dir, "plan.txt").contains("web"));
}

#[test]
fn outputs_are_replaced_atomically_never_written_in_place() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project("atomic", &[("base.yml", BASE), ("out.yml", "old output\n")]);
    // A hard link to the old output keeps the old bytes: the file was replaced by a rename,
    // not truncated and rewritten (which an interrupted run would leave half-written).
    std::fs::hard_link(dir.join("out.yml"), dir.join("kept.yml")).unwrap();
    std::fs::set_permissions(dir.join("out.yml"), std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = run(&["-f", "base.yml", "config", "-o", "out.yml"], &dir, &[]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(read(&dir, "out.yml").contains("image: nginx:1.25"));
    assert_eq!(read(&dir, "kept.yml"), "old output\n");
    let mode = std::fs::metadata(dir.join("out.yml"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640, "permissions kept");
    // A symlinked output stays a symlink; the file it points at gets the result.
    std::fs::write(dir.join("real.yml"), "old\n").unwrap();
    std::os::unix::fs::symlink("real.yml", dir.join("out-link.yml")).unwrap();
    let out = run(
        &["-f", "base.yml", "config", "-o", "out-link.yml"],
        &dir,
        &[],
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        std::fs::symlink_metadata(dir.join("out-link.yml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(read(&dir, "real.yml").contains("image: nginx:1.25"));
    // A write that fails leaves nothing behind.
    let out = run(
        &["-f", "base.yml", "config", "-o", "no/such/dir.yml"],
        &dir,
        &[],
    );
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.contains("cannot write no/such/dir.yml"),
        "{}",
        out.stderr
    );
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

// ---------------------------------------------------------------- item 2: exit statuses

#[test]
fn detailed_exitcode_is_0_unchanged_1_error_2_changes() {
    let dir = project(
        "detailed",
        &[
            ("base.yml", BASE),
            ("v2.yml", V2),
            (
                "bad.yml",
                "services:\n  web:\n    deploy:\n      replicas: lots\n",
            ),
        ],
    );
    let plan = |extra: &[&str]| {
        let mut args = vec!["-f", "base.yml", "plan", "--detailed-exitcode"];
        args.extend_from_slice(extra);
        run(&args, &dir, &[])
    };
    assert_eq!(plan(&["--from-file", "base.yml"]).status, 0, "no change");
    assert_eq!(plan(&["--from-file", "v2.yml"]).status, 2, "changes");
    assert_eq!(plan(&[]).status, 2, "a first deploy changes everything");
    for (what, extra) in [
        ("a missing --from-file", &["--from-file", "nope.yml"][..]),
        ("an unknown scenario", &["--scenario", "bogus"]),
        ("an unknown flag", &["--bogus"]),
        ("an unwritable -o", &["-o", "no/such/dir/plan.txt"]),
        ("an invalid --from-file", &["--from-file", "bad.yml"]),
        ("an unknown service", &["--service", "nope"]),
        ("a bad duration", &["--start-latency", "soon"]),
    ] {
        let out = plan(extra);
        assert_eq!(out.status, 1, "{what}: {}", out.stderr);
        assert!(!out.stderr.is_empty(), "{what} says why");
    }
    let missing = run(
        &["-f", "nope.yml", "plan", "--detailed-exitcode"],
        &dir,
        &[],
    );
    assert_eq!(missing.status, 1, "{}", missing.stderr);
    // Without the flag: 1 invalid input, 2 usage or I/O, 0 for changes.
    assert_eq!(run(&["-f", "base.yml", "plan"], &dir, &[]).status, 0);
    assert_eq!(run(&["-f", "nope.yml", "plan"], &dir, &[]).status, 2);
    assert_eq!(run(&["-f", "bad.yml", "plan"], &dir, &[]).status, 1);
    assert_eq!(run(&["plan", "--bogus"], &dir, &[]).status, 2);
}

// ------------------------------------------------------------------ item 5: stdin, FIFOs

#[test]
fn dash_f_dash_reads_stdin() {
    let dir = project("stdin", &[(".env", "TAG=1.27\n"), ("prod.yml", PROD)]);
    let out = stackplan::run_captured_with_stdin(
        [
            "stackplan",
            "-f",
            "-",
            "-f",
            "prod.yml",
            "config",
            "--format",
            "json",
        ]
        .map(String::from)
        .to_vec(),
        Default::default(),
        &dir.to_string_lossy(),
        BASE.as_bytes(),
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    // The project directory is the working directory: its .env is read, its name is used.
    assert_eq!(json["services"]["web"]["image"], "nginx:1.27");
    assert_eq!(
        json["services"]["web"]["deploy"]["update_config"]["order"],
        "start-first"
    );
    assert!(
        json["name"].as_str().unwrap().ends_with("-stdin"),
        "{}",
        json["name"]
    );
    // stdin named twice (desired and current) is read once and used for both.
    let plan = stackplan::run_captured_with_stdin(
        [
            "stackplan",
            "-f",
            "-",
            "plan",
            "--from-file",
            "-",
            "--detailed-exitcode",
        ]
        .map(String::from)
        .to_vec(),
        Default::default(),
        &dir.to_string_lossy(),
        BASE.as_bytes(),
    );
    assert_eq!(plan.status, 0, "{}", plan.stderr);
    // An invalid file from stdin is named `-`.
    let bad = stackplan::run_captured_with_stdin(
        ["stackplan", "-f", "-", "config"]
            .map(String::from)
            .to_vec(),
        Default::default(),
        &dir.to_string_lossy(),
        b"services:\n  web:\n    deploy:\n      replicas: lots\n",
    );
    assert_eq!(bad.status, 1);
    assert!(bad.stderr.contains("-:4:17"), "{}", bad.stderr);
}

#[test]
fn pipes_fifos_and_process_substitution_are_read_once() {
    let dir = project("fifo", &[("compose.yml", BASE)]);
    // `-f -` through a real pipe.
    let mut child = bin()
        .args(["-f", "-", "config", "--services"])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(BASE.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "web\n");
    // `-f <(cat compose.yml)`: /dev/fd/N can be read only once.
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "{} -f <(cat compose.yml) config --services",
            env!("CARGO_BIN_EXE_stackplan")
        ))
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "web\n");
    // A FIFO with a writer: read once, no hang.
    let fifo = dir.join("compose.fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, BASE))
    };
    let mut child = bin()
        .args(["-f", "compose.fifo", "config", "--services"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("stackplan hangs on a FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    writer.join().unwrap().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "web\n");
}

// --------------------------------------------------------------- item 8: colour, pipes

#[test]
fn no_ansi_codes_unless_asked_for() {
    let dir = project("colour", &[("base.yml", BASE)]);
    for args in [
        &["--help"][..],
        &["lint", "--help"],
        &["--bogus"],
        &["plan", "--nodes", "0"],
    ] {
        let out = run(args, &dir, &[]);
        let text = out.stdout + &out.stderr;
        assert!(!text.is_empty());
        assert!(!text.contains('\u{1b}'), "{args:?}: {text:?}");
        // The same with colour forced: the check can see ANSI codes.
        let forced = run(args, &dir, &[("STACKPLAN_COLOR", "always")]);
        assert!(
            (forced.stdout + &forced.stderr).contains('\u{1b}'),
            "{args:?} with STACKPLAN_COLOR=always"
        );
        let off = run(
            args,
            &dir,
            &[("STACKPLAN_COLOR", "always"), ("NO_COLOR", "1")],
        );
        assert!(
            !(off.stdout + &off.stderr).contains('\u{1b}'),
            "NO_COLOR wins"
        );
    }
    // The real binary into a pipe.
    let out = bin().arg("--help").env("NO_COLOR", "1").output().unwrap();
    assert!(out.status.success());
    assert!(!out.stdout.contains(&0x1b));
    let out = bin()
        .arg("--bogus")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !out.stderr.contains(&0x1b),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_closed_pipe_ends_the_run_quietly_with_141() {
    let mut yaml = String::from("services:\n");
    for i in 0..3000 {
        yaml.push_str(&format!("  s{i}:\n    image: nginx:{i}\n"));
    }
    let dir = project("epipe", &[("many.yml", &yaml)]);
    let mut child = bin()
        .args(["-f", "many.yml", "config"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `| head -1`: read one line, then close the pipe.
    {
        use std::io::BufRead;
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.starts_with("name: "), "{first}");
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(141));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "quiet");
}

// ---------------------------------------------------------------------- item 10: flags

#[test]
fn flags_agree_across_commands() {
    let dir = project("flags", &[("base.yml", BASE), ("prod.yml", PROD)]);
    let both = |cmd: &[&str], extra: &[&str]| {
        let mut args = vec!["-f", "base.yml"];
        args.extend_from_slice(cmd);
        args.extend_from_slice(extra);
        run(&args, &dir, &[])
    };
    for cmd in [
        &["lint", "--format", "json"][..],
        &["plan", "--format", "json"],
    ] {
        let a = both(cmd, &["--engine-version", "27"]);
        let b = both(cmd, &["--engine-version", "27.0"]);
        assert_eq!(a.status, b.status, "{cmd:?}: {}", a.stderr);
        assert!(a.status <= 1, "{cmd:?}: {}", a.stderr);
        assert_eq!(a.stdout, b.stdout, "{cmd:?}");
        let zero = both(cmd, &["--nodes", "0"]);
        assert_eq!(zero.status, 2, "{cmd:?} --nodes 0");
        assert!(zero.stderr.contains("at least 1 node"), "{}", zero.stderr);
    }
    // Negative durations: the same answer with and without `=`.
    let spaced = both(&["plan"], &["--start-latency", "-1s"]);
    let joined = both(&["plan"], &["--start-latency=-1s"]);
    assert_eq!(spaced.status, 2);
    assert_eq!(spaced.stderr, joined.stderr);
    assert!(spaced.stderr.contains("negative"), "{}", spaced.stderr);
    // explain documents a rule; Compose options are an error, not ignored.
    assert_eq!(run(&["explain", "SP105"], &dir, &[]).status, 0);
    for args in [
        &["explain", "-f", "base.yml", "SP105"][..],
        &["-p", "x", "explain", "SP105"],
        &["explain", "--profile", "debug", "SP105"],
    ] {
        let out = run(args, &dir, &[]);
        assert_eq!(out.status, 2, "{args:?}");
        assert!(
            out.stderr.contains("reads no Compose files"),
            "{}",
            out.stderr
        );
    }
    // lint --help shows `--deny warnings` readably.
    let help = run(&["lint", "--help"], &dir, &[]).stdout;
    let deny = help.lines().find(|l| l.contains("--deny")).unwrap();
    assert!(deny.contains("--deny warnings"), "{deny}");
    assert!(!deny.contains("possible values"), "{deny}");
    // plan --service nope is an error like config nope.
    let config = run(&["-f", "base.yml", "config", "nope"], &dir, &[]);
    let plan = run(&["-f", "base.yml", "plan", "--service", "nope"], &dir, &[]);
    assert_eq!((config.status, plan.status), (1, 1), "{}", plan.stderr);
    assert!(
        plan.stderr.contains("no such service: nope"),
        "{}",
        plan.stderr
    );
    assert!(plan.stdout.is_empty());
    assert_eq!(
        run(&["-f", "base.yml", "plan", "--service", "web"], &dir, &[]).status,
        0
    );
    // As a Docker CLI plugin, usage says `docker stackplan`.
    let plugin = run_argv(
        [
            "/usr/libexec/docker/cli-plugins/docker-stackplan",
            "stackplan",
            "--bogus",
        ]
        .map(String::from)
        .to_vec(),
        &dir,
        &[],
    );
    assert_eq!(plugin.status, 2);
    assert!(
        plugin.stderr.contains("Usage: docker stackplan "),
        "{}",
        plugin.stderr
    );
    let direct = run(&["--bogus"], &dir, &[]);
    assert!(
        direct.stderr.contains("Usage: stackplan "),
        "{}",
        direct.stderr
    );
}

// ---------------------------------------------------------------------- item 11: SARIF

#[test]
fn sarif_paths_do_not_depend_on_the_working_directory() {
    let dir = project(
        "sarif",
        &[
            ("repo/.git/HEAD", "ref: refs/heads/main\n"),
            (
                "repo/deploy/compose.yml",
                "services:\n  web:\n    image: nginx\n    deploy:\n      replicas: 2\n",
            ),
            (
                "repo/deploy/prod.yml",
                "services:\n  web:\n    deploy:\n      update_config:\n        failure_action: pause\n",
            ),
        ],
    );
    let repo = dir.join("repo");
    let sarif_from = |cwd: &Path, prefix: &str| {
        let base = format!("{prefix}compose.yml");
        let prod = format!("{prefix}prod.yml");
        let out = run(
            &["-f", &base, "-f", &prod, "lint", "--format", "sarif"],
            cwd,
            &[],
        );
        assert!(out.status <= 1, "{}", out.stderr);
        out.stdout
    };
    let inside = sarif_from(&repo.join("deploy"), "");
    let above = sarif_from(&repo, "deploy/");
    let below = {
        std::fs::create_dir_all(repo.join("deploy/sub")).unwrap();
        sarif_from(&repo.join("deploy/sub"), "../")
    };
    let absolute = sarif_from(Path::new("/"), &format!("{}/deploy/", repo.display()));
    assert_eq!(inside, above);
    assert_eq!(inside, below);
    assert_eq!(inside, absolute);
    let value: serde_json::Value = serde_json::from_str(&inside).unwrap();
    let run0 = &value["runs"][0];
    let root = run0["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root.starts_with("file:///") && root.ends_with("/repo/"),
        "{root}"
    );
    let mut uris = Vec::new();
    for result in run0["results"].as_array().unwrap() {
        for loc in result["locations"].as_array().unwrap() {
            let artifact = &loc["physicalLocation"]["artifactLocation"];
            assert_eq!(artifact["uriBaseId"], "%SRCROOT%", "{artifact}");
            uris.push(artifact["uri"].as_str().unwrap().to_owned());
        }
    }
    assert!(!uris.is_empty());
    assert!(uris.iter().all(|u| u.starts_with("deploy/")), "{uris:?}");
    assert!(
        uris.iter()
            .all(|u| !u.starts_with("..") && !u.starts_with("file:")),
        "{uris:?}"
    );
    // Outside a repository, the root is the first Compose file's folder.
    std::fs::remove_dir_all(repo.join(".git")).unwrap();
    let plain = sarif_from(&repo, "deploy/");
    let value: serde_json::Value = serde_json::from_str(&plain).unwrap();
    let root = value["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(root.ends_with("/repo/deploy/"), "{root}");
    assert!(plain.contains("\"uri\": \"compose.yml\""), "{plain}");
}

// ------------------------------------------------------------- item 9: errors and files

#[test]
fn the_largest_max_file_size_does_not_wrap() {
    let dir = project("max-size", &[("base.yml", BASE)]);
    let out = run(
        &[
            "-f",
            "base.yml",
            "--max-file-size",
            "18446744073709551615",
            "config",
            "--services",
        ],
        &dir,
        &[],
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "web\n");
}

// ------------------------------------------------------------------ item 7: config flags

const LISTS: &str = r#"services:
  web:
    image: nginx
    build: .
    pull_policy: always
    scale: 3
    depends_on: [db]
    profiles: [p]
    labels: {a: "<&>"}
    deploy:
      replicas: 3
    volumes: [data:/data]
  db:
    image: pg
  debug:
    image: busybox
    profiles: [debug, p]
volumes:
  data: {}
  unused: {}
"#;

#[test]
fn config_lists_profiles_volumes_and_hashes_like_compose() {
    let dir = project("config-lists", &[("compose.yml", LISTS)]);
    let config = |args: &[&str]| {
        let mut all = vec!["--profile", "p", "config"];
        all.extend_from_slice(args);
        run(&all, &dir, &[])
    };
    // Every profile any service names, enabled or not.
    assert_eq!(
        run(&["config", "--profiles"], &dir, &[]).stdout,
        "debug\np\n"
    );
    // Volumes the enabled services use (compose drops the unused one).
    assert_eq!(config(&["--volumes"]).stdout, "data\n");
    // Service hashes recorded from docker compose v2.26.1 (`--profile p config --hash '*'`):
    // build, pull_policy, scale and deploy.replicas do not count.
    let hashes = "db 42056163be685aa6d7c1cedf1a6e25d69dfecedd33429247ab170050696e6312\n";
    let all = config(&["--hash", "*"]);
    assert_eq!(all.status, 0, "{}", all.stderr);
    assert!(all.stdout.starts_with(hashes), "{}", all.stdout);
    let web = config(&["--hash", "web"]).stdout;
    assert_eq!(web.lines().count(), 1);
    assert!(all.stdout.contains(&web));
    let rescaled = LISTS
        .replace("      replicas: 3\n", "      replicas: 5\n")
        .replace("scale: 3", "scale: 5");
    std::fs::write(dir.join("compose.yml"), &rescaled).unwrap();
    assert_eq!(
        config(&["--hash", "web"]).stdout,
        web,
        "replicas do not count"
    );
    std::fs::write(dir.join("compose.yml"), LISTS.replace("<&>", "<&>!")).unwrap();
    assert_ne!(config(&["--hash", "web"]).stdout, web, "labels do");
    std::fs::write(dir.join("compose.yml"), LISTS).unwrap();
    let nope = config(&["--hash", "db,nope"]);
    assert_eq!(nope.status, 1);
    assert!(
        nope.stderr.contains("no such service: nope"),
        "{}",
        nope.stderr
    );
    // Two listings at once are a usage error, never one silently dropped.
    for pair in [
        &["--services", "--images"][..],
        &["--images", "--services"],
        &["--profiles", "--volumes"],
        &["-q", "--services"],
        &["--hash", "*", "--variables"],
    ] {
        let out = config(pair);
        assert_eq!(out.status, 2, "{pair:?}");
        assert!(out.stderr.contains("cannot be used with"), "{}", out.stderr);
        assert!(out.stdout.is_empty());
    }
    // --dry-run is accepted and changes nothing.
    assert_eq!(config(&["--dry-run"]).stdout, config(&[]).stdout);
}

#[test]
fn config_variables_prints_compose_s_table() {
    let dir = project(
        "config-variables",
        &[(
            "compose.yml",
            "services:\n  web:\n    image: nginx\n    environment:\n      A1: \"${A:-${B}}\"\n      A2: \"${C:-{x} y}\"\n      A3: \"${D:+$E}\"\n      A4: \"${F:-x} ${G:?y} ${H}\"\n      A5: \"${I?}}\"\n      A6: \"${J:-a-b}\"\n      A7: \"${K:?a:-b}\"\n      A8: \"${L-a:?b}\"\n",
        )],
    );
    // Required variables need no value here.
    let out = run(&["config", "--variables"], &dir, &[]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    // Recorded from docker compose v2.26.1 (its rows come in map order; ours sorted).
    let expected = "\
NAME                REQUIRED            DEFAULT VALUE       ALTERNATE VALUE
A                   false               ${B}                
B                   false                                   
C                   false               {x} y               
D                   false                                   $E
E                   false                                   
F                   false               x                   
G                   true                                    
H                   false                                   
I                   true                                    
J                   false               a-b                 
K                   true                                    
L                   false               a:?b                
";
    assert_eq!(out.stdout, expected);
}

#[test]
fn config_no_consistency_prints_what_the_checks_would_refuse() {
    let dir = project(
        "no-consistency",
        &[(
            "compose.yml",
            "services:\n  web:\n    image: nginx\n    depends_on: [nope]\n    networks: [nonet]\n",
        )],
    );
    let checked = run(&["config"], &dir, &[]);
    assert_eq!(checked.status, 1);
    assert!(
        checked.stderr.contains("undefined network nonet"),
        "{}",
        checked.stderr
    );
    let unchecked = run(&["config", "--no-consistency"], &dir, &[]);
    assert_eq!(unchecked.status, 0, "{}", unchecked.stderr);
    // As docker compose v2.26.1 prints it.
    assert!(
        unchecked
            .stdout
            .contains("    depends_on:\n      nope:\n        condition: service_started\n        required: true\n    image: nginx\n    networks:\n      nonet: null\n"),
        "{}",
        unchecked.stdout
    );
}

#[test]
fn every_error_names_its_file_and_who_included_it() {
    let dir = project(
        "errors-name-files",
        &[
            (
                "inc.yml",
                "include:\n  - bad8.yml\nservices:\n  x:\n    image: x\n",
            ),
            (
                "outer.yml",
                "include:\n  - inc.yml\nservices:\n  y:\n    image: y\n",
            ),
            ("empty.yml", ""),
            (
                "envz.yml",
                "services:\n  web:\n    image: x\n    env_file: /dev/zero\n",
            ),
            (
                "incz.yml",
                "include:\n  - /dev/zero\nservices:\n  x:\n    image: x\n",
            ),
            (
                "cyc1.yml",
                "services:\n  a:\n    extends: {file: cyc2.yml, service: b}\n",
            ),
            (
                "cyc2.yml",
                "services:\n  b:\n    image: x\n    extends: {file: cyc1.yml, service: a}\n",
            ),
            ("sub/.keep", ""),
        ],
    );
    std::fs::write(dir.join("bad8.yml"), b"services:\n  \x80x: {}\n").unwrap();
    std::fs::write(dir.join("u16.yml"), b"s\x00e\x00r\x00").unwrap();
    std::fs::write(dir.join("bom.yml"), b"\xff\xfe").unwrap();
    let error = |args: &[&str], cwd: &Path| {
        let out = run(args, cwd, &[]);
        assert_ne!(out.status, 0, "{args:?}");
        out.stderr
    };
    let e = error(&["-f", "bad8.yml", "config"], &dir);
    assert!(e.contains("bad8.yml:2:3: invalid UTF-8"), "{e}");
    let e = error(&["-f", "outer.yml", "config"], &dir);
    assert!(
        e.contains("bad8.yml:2:3: invalid UTF-8")
            && e.contains("(included from inc.yml:2) (included from outer.yml:2)"),
        "{e}"
    );
    let e = error(&["-f", "u16.yml", "config"], &dir);
    assert!(e.contains("u16.yml:1:2:") && e.contains("UTF-16"), "{e}");
    let e = error(&["-f", "empty.yml", "config"], &dir);
    assert!(e.contains("empty.yml: empty compose file"), "{e}");
    let e = error(&["-f", "bom.yml", "config"], &dir);
    assert!(e.contains("bom.yml: empty compose file"), "{e}");
    // A device that exists is not "not found": its read fails, naming it.
    let e = error(
        &["-f", "envz.yml", "--max-file-size", "1000", "config"],
        &dir,
    );
    assert!(
        e.contains("/dev/zero") && e.contains("over the limit"),
        "{e}"
    );
    assert!(!e.contains("not found"), "{e}");
    let e = error(
        &["-f", "incz.yml", "--max-file-size", "1000", "config"],
        &dir,
    );
    assert!(
        e.contains("/dev/zero")
            && e.contains("over the limit")
            && e.contains("included from incz.yml:2"),
        "{e}"
    );
    // Paths relative to the working directory, also along an extends chain.
    for (cwd, file) in [(dir.clone(), "cyc1.yml"), (dir.join("sub"), "../cyc1.yml")] {
        let e = error(&["-f", file, "config"], &cwd);
        assert!(e.contains("Circular reference"), "{e}");
        assert!(
            !e.contains(&*dir.to_string_lossy()),
            "absolute path in: {e}"
        );
        assert!(e.contains(&format!("{file}:3:14")), "{e}");
    }
}

#[test]
fn two_different_documents_from_stdin_are_refused_not_half_read() {
    let dir = project("stdin-twice", &[("compose.yml", BASE)]);
    // `-f -` (Compose text) and `--from-live -` (docker service inspect JSON) cannot both be
    // the one stdin: a usage error that says so, before anything is read.
    let out = stackplan::run_captured_with_stdin(
        ["stackplan", "-f", "-", "plan", "--from-live", "-"]
            .map(String::from)
            .to_vec(),
        Default::default(),
        &dir.to_string_lossy(),
        BASE.as_bytes(),
    );
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("only one input can be read from stdin"),
        "{}",
        out.stderr
    );
    // The live services alone from stdin are fine (here: an empty list, so every service is
    // a create and the plan has changes).
    let alone = stackplan::run_captured_with_stdin(
        [
            "stackplan",
            "-f",
            "compose.yml",
            "plan",
            "--from-live",
            "-",
            "--stack",
            "web",
            "--detailed-exitcode",
        ]
        .map(String::from)
        .to_vec(),
        Default::default(),
        &dir.to_string_lossy(),
        b"[]",
    );
    assert_eq!(alone.status, 2, "{}{}", alone.stdout, alone.stderr);
    assert!(alone.stdout.contains("create"), "{}", alone.stdout);
}

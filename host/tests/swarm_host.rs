//! `stackplan-host status`, `rollback` and `nodes` on the machine's real Swarm, on a stack
//! deployed with `docker stack deploy`, with every Engine call going through the recording
//! proxy so the test can count the writes.
//!
//! Without `docker`, or with an unreachable daemon, the test prints a loud skip and passes,
//! unless `STACKPLAN_REQUIRE_DOCKER=1` (CI), which makes it fail instead.
//! `STACKPLAN_SKIP_DOCKER=1` skips it on purpose.
//!
//! The sequence (one `#[test]`, so the steps never overlap), on stack `host-<pid>`:
//! 1. release 1 with `docker stack deploy`: `status` shows both services, no previous spec;
//!    `rollback` explains that nothing can be rolled back and writes nothing;
//! 2. release 2 (only `web` changes; `docker stack deploy` re-sends `worker` unchanged,
//!    moby#31115): `status` shows web's completed update and a previous spec;
//! 3. `rollback`: exactly one write (web's `rollback=previous`), worker explained as
//!    unchanged, web back on release 1; a second `rollback` refuses to roll forward;
//! 4. release 3-bad (unhealthy): Swarm rolls back automatically; `rollback --service web`
//!    explains why it cannot (exit 1), with no write;
//! 5. `nodes`: this node is the leader, quorum 1, no write.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use serde_json::Value;
use stackplan_host::proxy::RecordingProxy;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const STACK_PREFIX: &str = "host-";

#[test]
fn status_rollback_and_nodes_on_a_real_swarm() {
    if std::env::var_os("STACKPLAN_SKIP_DOCKER").is_some() {
        loud_skip("STACKPLAN_SKIP_DOCKER is set");
        return;
    }
    if let Err(why) = docker(&["version", "--format", "{{.Server.Version}}"]) {
        if std::env::var("STACKPLAN_REQUIRE_DOCKER").is_ok_and(|v| v == "1") {
            panic!("Docker is required (STACKPLAN_REQUIRE_DOCKER=1) but {why}");
        }
        loud_skip(&why);
        return;
    }
    // The real-Swarm tests share one machine: one at a time (the rollout timings of
    // tests/swarm_e2e.rs would suffer from a parallel deploy).
    let lock_path = std::env::temp_dir().join("stackplan-swarm-e2e.lock");
    let lock = std::fs::File::create(&lock_path).expect("create the lock file");
    lock.lock().expect("lock the Swarm e2e lock file");
    join_swarm();
    remove_leftover_stacks();

    let image = build_image();
    let stack = format!("{STACK_PREFIX}{}", std::process::id());
    let _cleanup = StackGuard(stack.clone());
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("host-e2e-{stack}"));
    std::fs::create_dir_all(&work).unwrap();
    let proxy = RecordingProxy::start(&work.join("proxy.sock"), Path::new("/var/run/docker.sock"))
        .expect("start the recording proxy");
    let host = format!("unix://{}", proxy.socket.display());
    let started = Instant::now();

    // 1. Release 1.
    deploy(&stack, &image, &[("WEB_VERSION", "1")]);
    wait_until(&format!("{stack}: release 1 running"), || {
        running(&stack, "web") == (2, 2) && running(&stack, "worker") == (1, 1)
    });
    proxy.recording.clear();
    let status = host_json(&host, &["status", &stack, "--format", "json"]);
    let web = service(&status, "web");
    let worker = service(&status, "worker");
    assert_eq!(web["name"], format!("{stack}_web"));
    assert_eq!(
        (web["running"].as_u64(), web["desired"].as_u64()),
        (Some(2), Some(2)),
        "{web}"
    );
    assert_eq!(web["mode"], "replicated");
    assert!(
        web["image"].as_str().unwrap().contains(&image[7..19]),
        "{web}"
    );
    assert_eq!(web["previous_spec"], false);
    assert_eq!(web["update_status"], Value::Null);
    assert_eq!(
        web["update_config"]["order"],
        serde_json::json!({"value": "start-first", "default": false})
    );
    assert_eq!(
        web["update_config"]["monitor"],
        serde_json::json!({"value": "3s", "default": false})
    );
    assert_eq!(web["update_config"]["parallelism"]["default"], true);
    assert_eq!(
        web["rollback_config"]["parallelism"],
        serde_json::json!({"value": "2", "default": false})
    );
    assert_eq!(
        web["healthcheck"]["test"],
        serde_json::json!(["CMD", "/app", "-check"])
    );
    assert_eq!(web["healthcheck"]["interval"], "1s");
    assert_eq!(worker["healthcheck"]["source"], "image");
    let human = host_ok(&host, &["status", &stack]);
    assert!(
        human.contains(&format!("{stack}_web")) && human.contains("2/2 running"),
        "{human}"
    );
    assert!(
        human.contains("order=start-first\n") && human.contains("delay=0s*"),
        "{human}"
    );

    let (code, out, _) = host_run(&host, &["rollback", &stack]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("never updated since it was created"), "{out}");
    let (code, out, _) = host_run(&host, &["rollback", &stack, "--service", "web"]);
    assert_eq!(
        code, 1,
        "asking for a rollback that cannot happen is a finding: {out}"
    );
    assert_writes(&proxy, &[], "status and rollbacks that cannot happen");

    // 2. Release 2: web changes, worker is re-sent as it was.
    deploy(&stack, &image, &[("WEB_VERSION", "2")]);
    wait_until(&format!("{stack}: release 2 rolled out"), || {
        update_state(&stack, "web").as_deref() == Some("completed")
            && running(&stack, "web") == (2, 2)
    });
    let status = host_json(&host, &["status", &stack, "--format", "json"]);
    let web = service(&status, "web");
    assert_eq!(web["update_status"]["state"], "completed", "{web}");
    assert!(web["update_status"]["started_at"].is_string(), "{web}");
    assert_eq!(web["previous_spec"], true);
    assert_eq!(
        service(&status, "worker")["previous_spec"],
        true,
        "stack deploy re-sent it"
    );

    // 3. Stack rollback: one write, for web only.
    proxy.recording.clear();
    let (code, out, elapsed) = host_run(&host, &["rollback", &stack]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("{stack}_web  ")) && out.contains("rolled back"),
        "{out}"
    );
    assert!(
        out.contains("its previous spec is its current spec; nothing to roll back"),
        "worker is unchanged: {out}"
    );
    let writes = proxy.recording.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    let web_id = docker(&[
        "service",
        "inspect",
        "--format",
        "{{.ID}}",
        &format!("{stack}_web"),
    ])
    .unwrap();
    assert_eq!(writes[0].method, "POST");
    assert!(
        writes[0]
            .path
            .contains(&format!("/services/{}/update?version=", web_id.trim()))
            && writes[0].path.ends_with("&rollback=previous"),
        "{writes:?}"
    );
    assert_eq!(
        env_of(&stack, "web", "VERSION").as_deref(),
        Some("1"),
        "web is back on release 1"
    );
    eprintln!("host e2e: stack rollback of web waited {elapsed:?} for rollback_completed");

    proxy.recording.clear();
    let (code, out, _) = host_run(&host, &["rollback", &stack]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("would roll forward"), "{out}");
    assert_writes(&proxy, &[], "a second rollback");

    // 4. Release 3-bad: Swarm rolls back by itself; nothing is left to roll back.
    deploy(
        &stack,
        &image,
        &[("WEB_VERSION", "3-bad"), ("WEB_HEALTHY", "false")],
    );
    wait_until(
        &format!("{stack}: release 3-bad rolled back by Swarm"),
        || update_state(&stack, "web").as_deref() == Some("rollback_completed"),
    );
    proxy.recording.clear();
    let status = host_json(&host, &["status", &stack, "--format", "json"]);
    let web = service(&status, "web");
    assert_eq!(web["update_status"]["state"], "rollback_completed", "{web}");
    let message = web["update_status"]["message"].as_str().unwrap_or("");
    assert!(message.contains("rollback"), "{web}");
    let (code, out, _) = host_run(&host, &["rollback", &stack, "--service", "web"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("it was already rolled back (rollback_completed"),
        "{out}"
    );
    let (code, out, _) = host_run(&host, &["rollback", &stack, "--service", "nope"]);
    assert_eq!(code, 2);
    assert!(out.contains("has no service \"nope\""), "{out}");

    // 5. Nodes.
    let nodes = host_json(&host, &["nodes", "--format", "json"]);
    let node_id = docker(&["info", "--format", "{{.Swarm.NodeID}}"]).unwrap();
    let me = nodes["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == node_id.trim())
        .unwrap_or_else(|| panic!("this node is listed: {nodes}"));
    assert_eq!(me["manager"]["reachability"], "reachable");
    assert!(me["running_tasks"].as_u64().unwrap() >= 3, "{me}");
    assert!(nodes["managers"].as_u64().unwrap() >= 1);
    assert!(nodes["leader"].is_string(), "{nodes}");
    let human = host_ok(&host, &["nodes"]);
    assert!(human.contains("failures tolerated:"), "{human}");
    assert_writes(
        &proxy,
        &[],
        "status, rollbacks that cannot happen and nodes",
    );

    eprintln!(
        "host e2e: {:.0} s on the real Swarm",
        started.elapsed().as_secs_f64()
    );
}

fn service<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["services"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["service"] == name))
        .unwrap_or_else(|| panic!("no service {name} in {status}"))
}

fn assert_writes(proxy: &RecordingProxy, expected: &[&str], during: &str) {
    let writes: Vec<String> = proxy
        .recording
        .writes()
        .iter()
        .map(|c| format!("{} {}", c.method, c.path))
        .collect();
    assert_eq!(writes, expected, "write calls during {during}");
    assert!(
        !proxy.recording.calls().is_empty(),
        "the proxy saw the reads of {during} (else it would prove nothing)"
    );
}

// ---------------------------------------------------------------------------------------
// stackplan-host
// ---------------------------------------------------------------------------------------

/// Runs `stackplan-host -H HOST ARGS`: (exit code, stdout + stderr, elapsed).
fn host_run(host: &str, args: &[&str]) -> (i32, String, Duration) {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_stackplan-host"))
        .arg("-H")
        .arg(host)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text, started.elapsed())
}

fn host_ok(host: &str, args: &[&str]) -> String {
    let (code, out, _) = host_run(host, args);
    assert_eq!(code, 0, "stackplan-host {args:?}: {out}");
    out
}

fn host_json(host: &str, args: &[&str]) -> Value {
    let out = host_ok(host, args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

// ---------------------------------------------------------------------------------------
// Docker plumbing
// ---------------------------------------------------------------------------------------

fn loud_skip(why: &str) {
    eprintln!(
        "\n==========\nSKIPPED: host real-Swarm tests (host/tests/swarm_host.rs): {why}\n\
         Set STACKPLAN_REQUIRE_DOCKER=1 to make this a failure.\n==========\n"
    );
}

fn docker_env(args: &[&str], env: &[(&str, &str)]) -> Result<String, String> {
    let mut command = Command::new("docker");
    command.args(args).stdin(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "docker {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

fn docker(args: &[&str]) -> Result<String, String> {
    docker_env(args, &[])
}

fn must(args: &[&str]) -> String {
    docker(args).unwrap_or_else(|e| panic!("{e}"))
}

/// `docker swarm init` when the node is in no Swarm (never left again: the Swarm is shared).
fn join_swarm() {
    let state = must(&["info", "--format", "{{.Swarm.LocalNodeState}}"]);
    if state.trim() == "inactive" && docker(&["swarm", "init"]).is_err() {
        must(&["swarm", "init", "--advertise-addr", "127.0.0.1"]);
    }
    let control = must(&["info", "--format", "{{.Swarm.ControlAvailable}}"]);
    assert_eq!(control.trim(), "true", "this node must be a Swarm manager");
}

fn deploy(stack: &str, image: &str, env: &[(&str, &str)]) {
    let compose = fixture("quotes/compose.yml");
    let mut vars = vec![("HOST_E2E_IMAGE", image)];
    vars.extend_from_slice(env);
    docker_env(
        &[
            "stack",
            "deploy",
            "--resolve-image",
            "never",
            "-c",
            compose.to_str().unwrap(),
            stack,
        ],
        &vars,
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

/// (running, desired) tasks of `stack_service`, from `docker service ls`.
fn running(stack: &str, service: &str) -> (u64, u64) {
    let replicas = docker(&[
        "service",
        "ls",
        "--filter",
        &format!("name={stack}_{service}"),
        "--format",
        "{{.Name}} {{.Replicas}}",
    ])
    .unwrap_or_default();
    replicas
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{stack}_{service} ")))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|r| r.split_once('/'))
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        .unwrap_or((0, 0))
}

fn update_state(stack: &str, service: &str) -> Option<String> {
    docker(&[
        "service",
        "inspect",
        "--format",
        "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}",
        &format!("{stack}_{service}"),
    ])
    .ok()
    .map(|s| s.trim().to_string())
    .filter(|s| !s.is_empty())
}

fn env_of(stack: &str, service: &str, var: &str) -> Option<String> {
    let env = docker(&[
        "service",
        "inspect",
        "--format",
        "{{json .Spec.TaskTemplate.ContainerSpec.Env}}",
        &format!("{stack}_{service}"),
    ])
    .ok()?;
    let env: Vec<String> = serde_json::from_str(env.trim()).ok()?;
    env.iter()
        .find_map(|e| e.strip_prefix(&format!("{var}=")).map(str::to_string))
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    eprintln!(
        "host e2e: {what} after {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Stacks of this test that a killed run left behind.
fn remove_leftover_stacks() {
    let stacks = docker(&["stack", "ls", "--format", "{{.Name}}"]).unwrap_or_default();
    for name in stacks.lines().filter(|n| n.starts_with(STACK_PREFIX)) {
        let pid_alive = name[STACK_PREFIX.len()..]
            .parse::<u32>()
            .is_ok_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if !pid_alive {
            eprintln!("host e2e: removing leftover stack {name}");
            let _ = docker(&["stack", "rm", name]);
        }
    }
}

struct StackGuard(String);

impl Drop for StackGuard {
    fn drop(&mut self) {
        let _ = docker(&["stack", "rm", &self.0]);
    }
}

/// Builds the probe app of `tests/swarm/testapp` as a static binary and the `FROM scratch`
/// image `host-probe:e2e` (the same recipe as tests/swarm_e2e.rs); returns the image ID.
fn build_image() -> String {
    let swarm = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/swarm");
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("host-e2e");
    let target_dir = work.join("testapp-target");
    let triple = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(&cargo)
        .args(["build", "--release", "--offline", "--target", &triple])
        .arg("--manifest-path")
        .arg(swarm.join("testapp/Cargo.toml"))
        .current_dir(swarm.join("testapp"))
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .expect("run cargo for the test app");
    assert!(status.success(), "building tests/swarm/testapp failed");
    let context = work.join("image");
    std::fs::create_dir_all(&context).unwrap();
    std::fs::copy(swarm.join("Dockerfile"), context.join("Dockerfile")).unwrap();
    std::fs::copy(
        target_dir.join(&triple).join("release/app"),
        context.join("app"),
    )
    .unwrap();
    must(&[
        "build",
        "-q",
        "-t",
        "host-probe:e2e",
        context.to_str().unwrap(),
    ]);
    must(&["image", "inspect", "--format", "{{.Id}}", "host-probe:e2e"])
        .trim()
        .to_owned()
}

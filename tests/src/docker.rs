//! Docker plumbing shared by the real-Engine tests (`engine_spec.rs`): running `docker`,
//! the Engine's version, joining a Swarm, the probe image built from `tests/swarm/testapp`,
//! and raw Engine API reads over the Unix socket (`docker service inspect` inserts defaults;
//! the raw `GET /services/{id}` shows what is stored).

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `docker ARGS`; stdout on success, a message on failure.
pub fn docker(args: &[&str]) -> Result<String, String> {
    let out = Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "docker {} failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Like [`docker`], panicking with the message.
pub fn must(args: &[&str]) -> String {
    docker(args).unwrap_or_else(|e| panic!("{e}"))
}

/// The Engine's version and API version.
pub struct Engine {
    pub version: String,
    pub major: u32,
    pub api_version: String,
}

/// The server's version, or why Docker cannot be used.
pub fn docker_engine() -> Result<Engine, String> {
    match Command::new("docker")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Err(e) => return Err(format!("the docker command is not available ({e})")),
        Ok(s) if !s.success() => return Err("`docker --version` failed".to_owned()),
        Ok(_) => {}
    }
    let out = docker(&[
        "version",
        "--format",
        "{{.Server.Version}} {{.Server.APIVersion}}",
    ])
    .map_err(|e| format!("the Docker daemon is unreachable: {e}"))?;
    let mut words = out.split_whitespace();
    let version = words.next().unwrap_or_default().to_owned();
    let api_version = words.next().unwrap_or_default().to_owned();
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .ok_or_else(|| format!("cannot read the Engine major version from {version:?}"))?;
    Ok(Engine {
        version,
        major,
        api_version,
    })
}

/// Docker for a real-Engine test: `Ok(engine)`, or `Err(why)` after a loud skip. Fails
/// instead of skipping when `STACKPLAN_REQUIRE_DOCKER=1` (CI).
pub fn require_docker(test: &str) -> Result<Engine, String> {
    let why = if std::env::var_os("STACKPLAN_SKIP_DOCKER").is_some() {
        "STACKPLAN_SKIP_DOCKER is set".to_owned()
    } else {
        match docker_engine() {
            Ok(e) => return Ok(e),
            Err(why) => why,
        }
    };
    if std::env::var("STACKPLAN_REQUIRE_DOCKER").is_ok_and(|v| v == "1") {
        panic!("Docker is required (STACKPLAN_REQUIRE_DOCKER=1) but {why}");
    }
    eprintln!(
        "\n==========\nSKIPPED: {test}: {why}\n\
         Set STACKPLAN_REQUIRE_DOCKER=1 to make this a failure.\n==========\n"
    );
    Err(why)
}

/// Makes sure this node is a Swarm manager: `docker swarm init` only when the node is in no
/// Swarm (the Swarm is shared with other users of the Engine and is never left).
pub fn ensure_swarm() -> Result<(), String> {
    let state = docker(&["info", "--format", "{{.Swarm.LocalNodeState}}"])?;
    match state.trim() {
        "active" => {}
        "inactive" => {
            if let Err(e) = docker(&["swarm", "init"]) {
                eprintln!("`docker swarm init` failed ({e}); retrying on 127.0.0.1");
                docker(&["swarm", "init", "--advertise-addr", "127.0.0.1"])?;
            }
        }
        other => return Err(format!("the node's Swarm state is {other:?}")),
    }
    let manager = docker(&["info", "--format", "{{.Swarm.ControlAvailable}}"])?;
    if manager.trim() != "true" {
        return Err("this node is not a Swarm manager".to_owned());
    }
    Ok(())
}

/// One real-Engine harness at a time on a machine (the same lock file as `swarm_e2e.rs`).
pub fn machine_lock() -> std::fs::File {
    let path = std::env::temp_dir().join("stackplan-swarm-e2e.lock");
    let lock = std::fs::File::create(&path).expect("create the lock file");
    lock.lock().expect("lock the Swarm e2e lock file");
    lock
}

/// `GET path` on the Engine API over its Unix socket (`DOCKER_HOST=unix://…` or
/// `/var/run/docker.sock`), as JSON.
pub fn engine_get(path: &str) -> Result<serde_json::Value, String> {
    let socket = match std::env::var("DOCKER_HOST") {
        Ok(h) if h.starts_with("unix://") => h.trim_start_matches("unix://").to_owned(),
        Ok(h) if !h.is_empty() => return Err(format!("DOCKER_HOST={h} is not a unix socket")),
        _ => "/var/run/docker.sock".to_owned(),
    };
    let mut stream = std::os::unix::net::UnixStream::connect(&socket)
        .map_err(|e| format!("connect {socket}: {e}"))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: docker\r\n\r\n")
        .map_err(|e| format!("write to {socket}: {e}"))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| format!("read from {socket}: {e}"))?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("GET {path}: no HTTP response"))?;
    if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
        return Err(format!(
            "GET {path}: {}: {body}",
            head.lines().next().unwrap_or_default()
        ));
    }
    serde_json::from_str(body).map_err(|e| format!("GET {path}: {e}"))
}

/// Builds the test app as a static binary and the `FROM scratch` image; returns the image ID.
/// The build context is the shared one of [`crate::probe`].
pub fn build_probe_image(tag: &str, work: &Path) -> String {
    let context = crate::probe::build_context(work).unwrap_or_else(|e| panic!("{e}"));
    let context_str = context.to_string_lossy().into_owned();
    must(&["build", "-q", "-t", tag, &context_str]);
    must(&["image", "inspect", "--format", "{{.Id}}", tag])
        .trim()
        .to_owned()
}

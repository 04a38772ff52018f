//! Docker plumbing shared by the real-Engine tests (`engine_spec.rs`): running `docker`,
//! the Engine's version, joining a Swarm, the probe image built from `tests/swarm/testapp`,
//! and raw Engine API reads over the Unix socket (`docker service inspect` inserts defaults;
//! the raw `GET /services/{id}` shows what is stored).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
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

fn swarm_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("swarm")
}

/// Builds the test app as a static binary and the `FROM scratch` image; returns the image ID.
pub fn build_probe_image(tag: &str, work: &Path) -> String {
    let target_dir = work.join("testapp-target");
    let triple = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    let manifest = swarm_dir().join("testapp/Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(&cargo)
        .args(["build", "--release", "--offline", "--target", &triple])
        .arg("--manifest-path")
        .arg(&manifest)
        .current_dir(swarm_dir().join("testapp"))
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .expect("run cargo for the test app");
    assert!(status.success(), "building tests/swarm/testapp failed");
    let binary = target_dir.join(&triple).join("release/app");
    let bytes = std::fs::read(&binary).expect("read the test app binary");
    assert!(
        is_static_elf(&bytes),
        "{} is not a static executable (it has an ELF interpreter); a FROM scratch image \
         cannot run it",
        binary.display()
    );
    let context = work.join("image");
    std::fs::create_dir_all(&context).expect("create the image build context");
    std::fs::copy(swarm_dir().join("Dockerfile"), context.join("Dockerfile"))
        .expect("copy the Dockerfile");
    std::fs::copy(&binary, context.join("app")).expect("copy the test app");
    let context_str = context.to_string_lossy().into_owned();
    must(&["build", "-q", "-t", tag, &context_str]);
    must(&["image", "inspect", "--format", "{{.Id}}", tag])
        .trim()
        .to_owned()
}

/// True for an ELF executable without a `PT_INTERP` program header (no dynamic loader).
pub fn is_static_elf(bytes: &[u8]) -> bool {
    let u16_at = |o: usize| {
        bytes
            .get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |o: usize| {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let u64_at = |o: usize| {
        bytes
            .get(o..o + 8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    };
    // 64-bit little-endian ELF only (the test app targets x86_64/aarch64 Linux).
    if bytes.get(0..6) != Some(b"\x7fELF\x02\x01") {
        return false;
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38))
    else {
        return false;
    };
    let Ok(phoff) = usize::try_from(phoff) else {
        return false;
    };
    (0..usize::from(phnum)).all(|i| {
        let p_type = u32_at(phoff + i * usize::from(phentsize));
        p_type.is_some() && p_type != Some(3) // PT_INTERP
    })
}

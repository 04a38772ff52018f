//! The endpoint is chosen like the docker CLI chooses it, and an endpoint that is down, silent
//! or not a Swarm manager is refused clearly and quickly (exit 2) — with fake endpoints, no
//! Docker needed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use stackplan_host::endpoint::{Address, Selection, TlsFiles, resolve};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn tempdir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stackplan-host-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn resolve_with(
    selection: &Selection,
    vars: &[(&str, &str)],
) -> Result<(String, String, Option<TlsFiles>), String> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    resolve(selection, &|name| vars.get(name).cloned()).map(|e| (e.host, e.origin, e.tls))
}

/// Writes a context the way `docker context create` stores it.
fn write_context(config: &Path, name: &str, host: &str, with_tls: bool) {
    use sha2::Digest;
    let id: String = sha2::Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let meta = config.join("contexts/meta").join(&id);
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(
        meta.join("meta.json"),
        format!(
            r#"{{"Name":"{name}","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":false}}}}}}"#
        ),
    )
    .unwrap();
    if with_tls {
        let tls = config.join("contexts/tls").join(&id).join("docker");
        std::fs::create_dir_all(&tls).unwrap();
        std::fs::write(tls.join("ca.pem"), "").unwrap();
    }
}

#[test]
fn resolution_follows_the_docker_cli() {
    let config = tempdir("docker-config");
    let cfg = config.to_str().unwrap();
    write_context(&config, "prod", "tcp://10.1.2.3:2376", true);
    write_context(&config, "staging", "unix:///run/staging.sock", false);
    let none = Selection::default();
    let flag_host = Selection {
        host: Some("tcp://127.0.0.1:2375".into()),
        ..Default::default()
    };
    let flag_context = Selection {
        context: Some("staging".into()),
        ..Default::default()
    };

    // Nothing set: the default socket.
    let (host, origin, tls) = resolve_with(&none, &[("DOCKER_CONFIG", cfg)]).unwrap();
    assert_eq!(
        (host.as_str(), origin.as_str(), tls),
        ("unix:///var/run/docker.sock", "the default endpoint", None)
    );

    // The current context of config.json.
    std::fs::write(
        config.join("config.json"),
        r#"{"auths":{},"currentContext":"prod"}"#,
    )
    .unwrap();
    let (host, origin, tls) = resolve_with(&none, &[("DOCKER_CONFIG", cfg)]).unwrap();
    assert_eq!(host, "tcp://10.1.2.3:2376");
    assert_eq!(origin, "context \"prod\"");
    let tls = tls.expect("the context's TLS files");
    assert!(
        tls.ca.ends_with("docker/ca.pem") && tls.key.ends_with("docker/key.pem"),
        "{tls:?}"
    );

    // DOCKER_CONTEXT beats the current context; DOCKER_HOST beats DOCKER_CONTEXT.
    let (host, ..) = resolve_with(
        &none,
        &[("DOCKER_CONFIG", cfg), ("DOCKER_CONTEXT", "staging")],
    )
    .unwrap();
    assert_eq!(host, "unix:///run/staging.sock");
    let (host, origin, _) = resolve_with(
        &none,
        &[
            ("DOCKER_CONFIG", cfg),
            ("DOCKER_CONTEXT", "staging"),
            ("DOCKER_HOST", "tcp://h:1"),
        ],
    )
    .unwrap();
    assert_eq!(
        (host.as_str(), origin.as_str()),
        ("tcp://h:1", "DOCKER_HOST")
    );

    // -H beats DOCKER_HOST; --context beats everything; both together are refused.
    let (host, ..) = resolve_with(
        &flag_host,
        &[("DOCKER_CONFIG", cfg), ("DOCKER_HOST", "tcp://h:1")],
    )
    .unwrap();
    assert_eq!(host, "tcp://127.0.0.1:2375");
    let (host, ..) = resolve_with(
        &flag_context,
        &[("DOCKER_CONFIG", cfg), ("DOCKER_HOST", "tcp://h:1")],
    )
    .unwrap();
    assert_eq!(host, "unix:///run/staging.sock");
    let both = Selection {
        host: flag_host.host.clone(),
        context: flag_context.context.clone(),
        ..Default::default()
    };
    assert_eq!(
        resolve_with(&both, &[]).unwrap_err(),
        "conflicting options: either specify --host or --context, not both"
    );

    // "default" is the default context; an unknown context is named.
    let default = Selection {
        context: Some("default".into()),
        ..Default::default()
    };
    assert_eq!(
        resolve_with(&default, &[("DOCKER_CONFIG", cfg)]).unwrap().0,
        "unix:///var/run/docker.sock"
    );
    let missing = Selection {
        context: Some("nope".into()),
        ..Default::default()
    };
    let error = resolve_with(&missing, &[("DOCKER_CONFIG", cfg)]).unwrap_err();
    assert!(
        error.starts_with("context \"nope\" (from --context) does not exist"),
        "{error}"
    );

    // TLS from the environment, like the CLI: DOCKER_TLS_VERIFY + DOCKER_CERT_PATH.
    let (_, _, tls) = resolve_with(
        &none,
        &[
            ("DOCKER_HOST", "tcp://h:2376"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", "/certs"),
        ],
    )
    .unwrap();
    assert_eq!(
        tls,
        Some(TlsFiles {
            ca: "/certs/ca.pem".into(),
            cert: "/certs/cert.pem".into(),
            key: "/certs/key.pem".into()
        })
    );
    // Without DOCKER_CERT_PATH the certificates are in the config directory (~/.docker).
    let (_, _, tls) = resolve_with(
        &none,
        &[
            ("DOCKER_HOST", "tcp://h:2376"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("HOME", "/home/u"),
        ],
    )
    .unwrap();
    assert_eq!(tls.unwrap().ca, PathBuf::from("/home/u/.docker/ca.pem"));

    // A broken config.json is reported with its position.
    std::fs::write(config.join("config.json"), "{\n  \"currentContext\": }").unwrap();
    let error = resolve_with(&none, &[("DOCKER_CONFIG", cfg)]).unwrap_err();
    assert!(error.contains("config.json:2:"), "{error}");
    let _ = std::fs::remove_dir_all(&config);
}

#[test]
fn hosts_are_parsed_like_the_cli() {
    use stackplan_host::endpoint::parse_host;
    assert_eq!(
        parse_host("unix:///var/run/docker.sock", "x").unwrap(),
        Address::Unix("/var/run/docker.sock".into())
    );
    assert_eq!(
        parse_host("tcp://10.0.0.1:2376", "x").unwrap(),
        Address::Tcp {
            host: "10.0.0.1".into(),
            port: 2376
        }
    );
    assert_eq!(
        parse_host("tcp://docker.example", "x").unwrap(),
        Address::Tcp {
            host: "docker.example".into(),
            port: 2375
        }
    );
    assert_eq!(
        parse_host("tcp://[::1]:2375/", "x").unwrap(),
        Address::Tcp {
            host: "::1".into(),
            port: 2375
        }
    );
    for bad in [
        "/var/run/docker.sock",
        "tcp://:2375",
        "tcp://h:port",
        "ssh://me@h",
        "ftp://h",
    ] {
        assert!(parse_host(bad, "x").is_err(), "{bad}");
    }
}

fn host_binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stackplan-host"));
    command
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT");
    command
}

/// Runs `stackplan-host ARGS`; returns (exit code, stderr, elapsed).
fn run(args: &[&str]) -> (i32, String, Duration) {
    let started = Instant::now();
    let output = host_binary().args(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        started.elapsed(),
    )
}

#[test]
fn a_tcp_port_nobody_listens_on_is_reported_at_once() {
    // Bind then drop: the port is free, and nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let host = format!("tcp://127.0.0.1:{port}");
    let (code, stderr, elapsed) = run(&["-H", &host, "status", "anything"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot reach the Docker Engine at {host} (from -H/--host)"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("refused"), "{stderr}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[test]
fn a_missing_socket_is_reported_with_a_hint() {
    let (code, stderr, _) = run(&["-H", "unix:///nonexistent/docker.sock", "nodes"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is the Docker daemon running?"), "{stderr}");
}

/// A fake Engine on a unix socket: answers every request with `answer(request line)`, or
/// never answers when it returns `None`.
fn fake_engine(name: &str, answer: impl Fn(&str) -> Option<String> + Send + 'static) -> PathBuf {
    let dir = tempdir(name);
    let socket = dir.join("docker.sock");
    let listener = UnixListener::bind(&socket).unwrap();
    std::thread::spawn(move || {
        let mut silent = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
            }
            match answer(&request_line) {
                Some(body) => {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                }
                None => silent.push(stream), // keep it open, say nothing
            }
        }
    });
    socket
}

const VERSION: &str = r#"{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12"}"#;

#[test]
fn an_engine_outside_a_swarm_is_refused() {
    let socket = fake_engine("inactive", |line| {
        Some(if line.contains("/version") {
            VERSION.to_string()
        } else if line.contains("/info") {
            r#"{"Swarm":{"LocalNodeState":"inactive","ControlAvailable":false}}"#.to_string()
        } else {
            panic!("unexpected request {line}")
        })
    });
    let host = format!("unix://{}", socket.display());
    for command in [&["status", "web"][..], &["nodes"], &["rollback", "web"]] {
        let mut args = vec!["-H", &host];
        args.extend(command);
        let (code, stderr, _) = run(&args);
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains(&format!("the Docker Engine at {host} (from -H/--host) is not a Swarm manager: its Swarm state is \"inactive\"")),
            "{stderr}"
        );
        assert!(stderr.contains("docker swarm init"), "{stderr}");
    }
}

#[test]
fn a_swarm_worker_is_refused_with_the_managers_named() {
    let socket = fake_engine("worker", |line| {
        Some(if line.contains("/version") {
            VERSION.to_string()
        } else {
            r#"{"Name":"worker1","Swarm":{"LocalNodeState":"active","ControlAvailable":false,
                "RemoteManagers":[{"NodeID":"m1","Addr":"10.0.0.5:2377"}]}}"#
                .to_string()
        })
    });
    let (code, stderr, _) = run(&["-H", &format!("unix://{}", socket.display()), "nodes"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("is a Swarm worker, not a manager"),
        "{stderr}"
    );
    assert!(stderr.contains("(managers: 10.0.0.5:2377)"), "{stderr}");
    assert!(stderr.contains("(node worker1)"), "{stderr}");
    assert!(stderr.contains("`docker node promote worker1`"), "{stderr}");
}

#[test]
fn a_silent_endpoint_is_reported_within_two_seconds() {
    let socket = fake_engine("silent", |_| None);
    let (code, stderr, elapsed) = run(&["-H", &format!("unix://{}", socket.display()), "nodes"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no answer within 2 s"), "{stderr}");
    assert!(elapsed < Duration::from_millis(2_900), "{elapsed:?}");
}

#[test]
fn an_old_engine_is_refused() {
    let socket = fake_engine("old", |_| {
        Some(r#"{"Version":"1.13.0","ApiVersion":"1.25"}"#.to_string())
    });
    let (code, stderr, _) = run(&["-H", &format!("unix://{}", socket.display()), "nodes"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("speaks API 1.25; stackplan-host needs 1.30 or newer"),
        "{stderr}"
    );
}

#[test]
fn a_hostile_plugin_exits_2_with_a_clear_error() {
    let dir = tempdir("hostile-plugin");
    let module =
        wat::parse_str(r#"(module (import "env" "now" (func)) (memory (export "memory") 1))"#)
            .unwrap();
    let path = dir.join("plugin.wasm");
    std::fs::write(&path, module).unwrap();
    let (code, stderr, _) = run(&[
        "--plugin",
        path.to_str().unwrap(),
        "--plugin-cache",
        dir.to_str().unwrap(),
        "plugin",
    ]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr.trim(),
        "error: the plugin imports `env::now`; a stackplan plugin must import nothing (Plugin ABI v1)"
    );
    let (code, stderr, _) = run(&["--plugin", "/nonexistent.wasm", "plugin"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read the plugin /nonexistent.wasm"),
        "{stderr}"
    );
}

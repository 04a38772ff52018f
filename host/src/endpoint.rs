//! Which Docker Engine to talk to, and talking to it.
//!
//! [`resolve`] picks the endpoint exactly as the docker CLI does (`docker/cli`
//! `cli/command/cli.go` `resolveContextName` and the default context):
//! 1. `--context` together with `-H` is an error;
//! 2. `--context NAME`;
//! 3. `-H/--host` (the default context with that host);
//! 4. `DOCKER_HOST` (likewise);
//! 5. `DOCKER_CONTEXT`;
//! 6. `currentContext` in `$DOCKER_CONFIG/config.json` (`~/.docker` by default);
//! 7. the default context: `unix:///var/run/docker.sock`.
//!
//! A named context is read from `contexts/meta/<sha256 of its name>/meta.json` and its TLS
//! files from `contexts/tls/<same>/docker/`. Without a context, TLS is on when
//! `--tlsverify` or `DOCKER_TLS_VERIFY` is set, with `ca.pem`, `cert.pem` and `key.pem` from
//! `DOCKER_CERT_PATH` (default: the config directory).
//!
//! [`Engine`] speaks the Engine API as JSON over HTTP/1.1 (unix socket, TCP, TCP with TLS),
//! negotiates the API version like the CLI (the lower of the server's and ours), answers
//! within [`CONTACT_TIMEOUT`] or says the endpoint is unreachable, and
//! [`Engine::require_manager`] refuses a node that is not a Swarm manager.

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// How long the first contact (connect + `GET /version`) may take before the endpoint is
/// reported as unreachable.
pub const CONTACT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long any later non-streaming request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The newest Engine API version this host speaks; the lowest it accepts (Swarm rollback
/// `rollback=previous` and `UpdateStatus` are older than this).
pub const MAX_API_VERSION: (u32, u32) = (1, 47);
pub const MIN_API_VERSION: (u32, u32) = (1, 30);

const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// What the user asked for on the command line.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub host: Option<String>,
    pub context: Option<String>,
    pub tls_verify: bool,
}

/// Where the Engine listens and how to reach it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// As given, e.g. `unix:///var/run/docker.sock` or `tcp://10.0.0.1:2376`.
    pub host: String,
    pub address: Address,
    pub tls: Option<TlsFiles>,
    /// Where the choice came from, for messages: `-H`, `DOCKER_HOST`, `context "prod"`…
    pub origin: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    Unix(PathBuf),
    Tcp { host: String, port: u16 },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Resolves the endpoint; `env` reads an environment variable (tests pass their own).
pub fn resolve(
    selection: &Selection,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Endpoint, String> {
    let env = |name: &str| env(name).filter(|v| !v.is_empty());
    let config_dir = match env("DOCKER_CONFIG") {
        Some(dir) => PathBuf::from(dir),
        None => match env("HOME") {
            Some(home) => PathBuf::from(home).join(".docker"),
            None => PathBuf::from(".docker"),
        },
    };
    let default_tls = || -> Option<TlsFiles> {
        (selection.tls_verify || env("DOCKER_TLS_VERIFY").is_some()).then(|| {
            let dir = env("DOCKER_CERT_PATH")
                .map(PathBuf::from)
                .unwrap_or_else(|| config_dir.clone());
            TlsFiles {
                ca: dir.join("ca.pem"),
                cert: dir.join("cert.pem"),
                key: dir.join("key.pem"),
            }
        })
    };
    let default_context = |host: String, origin: &str| -> Result<Endpoint, String> {
        Ok(Endpoint {
            address: parse_host(&host, origin)?,
            host,
            tls: default_tls(),
            origin: origin.to_string(),
        })
    };

    if selection.context.is_some() && selection.host.is_some() {
        return Err(
            "conflicting options: either specify --host or --context, not both".to_string(),
        );
    }
    let context = if let Some(name) = &selection.context {
        (name.clone(), "--context")
    } else if let Some(host) = &selection.host {
        return default_context(host.clone(), "-H/--host");
    } else if let Some(host) = env("DOCKER_HOST") {
        return default_context(host, "DOCKER_HOST");
    } else if let Some(name) = env("DOCKER_CONTEXT") {
        (name, "DOCKER_CONTEXT")
    } else if let Some(name) = current_context(&config_dir)? {
        (name, "the current context in config.json")
    } else {
        return default_context(DEFAULT_HOST.to_string(), "the default endpoint");
    };
    let (name, how) = context;
    if name == "default" {
        return default_context(DEFAULT_HOST.to_string(), "the default context");
    }
    read_context(&config_dir, &name, how)
}

/// `currentContext` of `config.json`; a missing file means none.
fn current_context(config_dir: &Path) -> Result<Option<String>, String> {
    let file = config_dir.join("config.json");
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
    };
    let config: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}:{}:{}: {e}", file.display(), e.line(), e.column()))?;
    Ok(config
        .get("currentContext")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string))
}

fn read_context(config_dir: &Path, name: &str, how: &str) -> Result<Endpoint, String> {
    let id = crate::plugin::hex(&Sha256::digest(name.as_bytes()));
    let meta_file = config_dir.join("contexts/meta").join(&id).join("meta.json");
    let text = std::fs::read_to_string(&meta_file).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "context {name:?} (from {how}) does not exist: no {}",
                meta_file.display()
            )
        } else {
            format!("cannot read {}: {e}", meta_file.display())
        }
    })?;
    let meta: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}:{}:{}: {e}", meta_file.display(), e.line(), e.column()))?;
    let docker = &meta["Endpoints"]["docker"];
    let host = docker["Host"].as_str().ok_or_else(|| {
        format!(
            "{}: context {name:?} has no Endpoints.docker.Host",
            meta_file.display()
        )
    })?;
    let origin = format!("context {name:?}");
    let tls_dir = config_dir.join("contexts/tls").join(&id).join("docker");
    let tls = tls_dir.join("ca.pem").is_file().then(|| TlsFiles {
        ca: tls_dir.join("ca.pem"),
        cert: tls_dir.join("cert.pem"),
        key: tls_dir.join("key.pem"),
    });
    if docker["SkipTLSVerify"].as_bool() == Some(true) {
        return Err(format!(
            "context {name:?} skips TLS verification; stackplan-host only talks TLS with \
             verification (give the context a CA with `docker context update --docker \
             ca=…`)"
        ));
    }
    Ok(Endpoint {
        address: parse_host(host, &origin)?,
        host: host.to_string(),
        tls,
        origin,
    })
}

/// `unix:///path`, `tcp://host[:port]` (also `http://`, `https://`).
pub fn parse_host(host: &str, origin: &str) -> Result<Address, String> {
    let unsupported = |why: &str| format!("{host:?} (from {origin}): {why}");
    let (scheme, rest) = host
        .split_once("://")
        .ok_or_else(|| unsupported("expected unix:///path or tcp://host:port"))?;
    match scheme {
        "unix" => {
            if rest.is_empty() {
                return Err(unsupported("the socket path is empty"));
            }
            Ok(Address::Unix(PathBuf::from(rest)))
        }
        "tcp" | "http" | "https" => {
            let authority = rest.trim_end_matches('/');
            let (name, port) = match authority.rsplit_once(':') {
                Some((name, port)) if !name.ends_with(']') || authority.starts_with('[') => {
                    let port = port
                        .parse::<u16>()
                        .map_err(|_| unsupported("the port is not a number"))?;
                    (name, port)
                }
                _ => (authority, if scheme == "https" { 2376 } else { 2375 }),
            };
            let name = name.trim_start_matches('[').trim_end_matches(']');
            if name.is_empty() {
                return Err(unsupported("the host name is empty"));
            }
            Ok(Address::Tcp {
                host: name.to_string(),
                port,
            })
        }
        "ssh" => Err(unsupported(
            "ssh endpoints are not supported; use a context or host with tcp:// (TLS) or unix://",
        )),
        "npipe" => Err(unsupported("named pipes exist on Windows only")),
        _ => Err(unsupported("unknown scheme; expected unix:// or tcp://")),
    }
}

/// An Engine API failure.
#[derive(Debug)]
pub enum EngineError {
    /// The endpoint could not be reached or the connection broke.
    Unreachable(String),
    /// The Engine answered with an error status; `message` is its `message` field.
    Api { status: u16, message: String },
    /// The answer is not the JSON expected.
    Protocol(String),
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EngineError::Unreachable(e) => write!(f, "{e}"),
            EngineError::Api { status, message } => write!(f, "{message} (HTTP {status})"),
            EngineError::Protocol(e) => write!(f, "unexpected answer from the Engine: {e}"),
        }
    }
}

impl std::error::Error for EngineError {}

/// A connection target plus the negotiated API version. Each request opens its own
/// connection (no pooling: the host makes a few dozen requests per run).
pub struct Engine {
    pub endpoint: Endpoint,
    /// Negotiated, e.g. `1.41`.
    pub api_version: (u32, u32),
    /// The server's `Version` (e.g. `20.10.24`).
    pub server_version: String,
    tls: Option<Arc<rustls::ClientConfig>>,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

impl Engine {
    /// Connects and negotiates the API version, within [`CONTACT_TIMEOUT`].
    pub async fn connect(endpoint: Endpoint) -> Result<Engine, String> {
        let tls = match &endpoint.tls {
            Some(files) => Some(Arc::new(tls_config(files)?)),
            None => None,
        };
        let mut engine = Engine {
            endpoint,
            api_version: MIN_API_VERSION,
            server_version: String::new(),
            tls,
        };
        let unreachable = |why: String| {
            format!(
                "cannot reach the Docker Engine at {} (from {}): {why}",
                engine.endpoint.host, engine.endpoint.origin
            )
        };
        let version = match tokio::time::timeout(
            CONTACT_TIMEOUT,
            engine.request_json(Method::GET, "/version", None, false),
        )
        .await
        {
            Err(_) => {
                return Err(unreachable(format!(
                    "no answer within {} s",
                    CONTACT_TIMEOUT.as_secs()
                )));
            }
            Ok(Err(e)) => return Err(unreachable(e.to_string())),
            Ok(Ok(version)) => version,
        };
        let server_api = version["ApiVersion"]
            .as_str()
            .and_then(parse_api_version)
            .ok_or_else(|| unreachable(format!("no ApiVersion in GET /version: {version}")))?;
        if server_api < MIN_API_VERSION {
            return Err(format!(
                "the Docker Engine at {} speaks API {}.{}; stackplan-host needs {}.{} or newer",
                engine.endpoint.host,
                server_api.0,
                server_api.1,
                MIN_API_VERSION.0,
                MIN_API_VERSION.1
            ));
        }
        engine.api_version = server_api.min(MAX_API_VERSION);
        engine.server_version = version["Version"].as_str().unwrap_or("?").to_string();
        Ok(engine)
    }

    /// Refuses a node that is not a Swarm manager, and says what to do instead.
    pub async fn require_manager(&self) -> Result<Value, String> {
        let info = self
            .get("/info")
            .await
            .map_err(|e| format!("GET /info: {e}"))?;
        let swarm = &info["Swarm"];
        let state = swarm["LocalNodeState"].as_str().unwrap_or("");
        let at = format!("{} (from {})", self.endpoint.host, self.endpoint.origin);
        if state != "active" {
            return Err(format!(
                "the Docker Engine at {at} is not a Swarm manager: its Swarm state is \
                 {state:?}{}. Run `docker swarm init` there, or point -H/--context at a manager",
                swarm["Error"]
                    .as_str()
                    .filter(|e| !e.is_empty())
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ));
        }
        if swarm["ControlAvailable"].as_bool() != Some(true) {
            let managers: Vec<&str> = swarm["RemoteManagers"]
                .as_array()
                .map(|m| m.iter().filter_map(|p| p["Addr"].as_str()).collect())
                .unwrap_or_default();
            let node = info["Name"].as_str().filter(|n| !n.is_empty());
            return Err(format!(
                "the Docker Engine at {at}{} is a Swarm worker, not a manager: a worker can \
                 neither read nor change the Swarm's services and nodes. Point -H/--context \
                 at a manager{}{}",
                node.map(|n| format!(" (node {n})")).unwrap_or_default(),
                if managers.is_empty() {
                    String::new()
                } else {
                    format!(" (managers: {})", managers.join(", "))
                },
                node.map(|n| format!(
                    ", or make this node a manager from one: `docker node promote {n}`"
                ))
                .unwrap_or_default()
            ));
        }
        Ok(info)
    }

    pub async fn get(&self, path: &str) -> Result<Value, EngineError> {
        self.timed(self.request_json(Method::GET, path, None, true))
            .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, EngineError> {
        self.timed(self.request_json(Method::POST, path, Some(body), true))
            .await
    }

    pub async fn delete(&self, path: &str) -> Result<Value, EngineError> {
        self.timed(self.request_json(Method::DELETE, path, None, true))
            .await
    }

    /// Opens a streaming GET (the events API); the caller reads the body.
    pub async fn stream(&self, path: &str) -> Result<Incoming, EngineError> {
        let response = self.send(Method::GET, &self.versioned(path), None).await?;
        if !response.status().is_success() {
            return Err(api_error(response).await);
        }
        Ok(response.into_body())
    }

    async fn timed(
        &self,
        request: impl Future<Output = Result<Value, EngineError>>,
    ) -> Result<Value, EngineError> {
        tokio::time::timeout(REQUEST_TIMEOUT, request)
            .await
            .unwrap_or_else(|_| {
                Err(EngineError::Unreachable(format!(
                    "no answer from {} within {} s",
                    self.endpoint.host,
                    REQUEST_TIMEOUT.as_secs()
                )))
            })
    }

    fn versioned(&self, path: &str) -> String {
        format!("/v{}.{}{path}", self.api_version.0, self.api_version.1)
    }

    async fn request_json(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        versioned: bool,
    ) -> Result<Value, EngineError> {
        let path = if versioned {
            self.versioned(path)
        } else {
            path.to_string()
        };
        let body = body.map(|b| b.to_string().into_bytes());
        let response = self.send(method, &path, body).await?;
        if !response.status().is_success() {
            return Err(api_error(response).await);
        }
        let status = response.status();
        let bytes = read_body(response).await?;
        if bytes.is_empty() || status == StatusCode::NO_CONTENT {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| EngineError::Protocol(format!("{path}: {e}")))
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Response<Incoming>, EngineError> {
        let unreachable = |e: &dyn std::fmt::Display| EngineError::Unreachable(e.to_string());
        let io = self.open().await?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .map_err(|e| unreachable(&e))?;
        tokio::spawn(connection);
        let host_header = match &self.endpoint.address {
            Address::Unix(_) => "docker".to_string(),
            Address::Tcp { host, port } => format!("{host}:{port}"),
        };
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, host_header)
            .header(hyper::header::USER_AGENT, "stackplan-host");
        if body.is_some() {
            request = request.header(hyper::header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| EngineError::Protocol(e.to_string()))?;
        sender
            .send_request(request)
            .await
            .map_err(|e| unreachable(&e))
    }

    async fn open(&self) -> Result<Box<dyn Io>, EngineError> {
        match &self.endpoint.address {
            Address::Unix(path) => {
                let stream = tokio::net::UnixStream::connect(path).await.map_err(|e| {
                    EngineError::Unreachable(format!(
                        "{} ({})",
                        e,
                        if e.kind() == std::io::ErrorKind::NotFound {
                            "no such socket: is the Docker daemon running?"
                        } else {
                            "is the Docker daemon running, and may you use its socket?"
                        }
                    ))
                })?;
                Ok(Box::new(stream))
            }
            Address::Tcp { host, port } => {
                let stream = tokio::net::TcpStream::connect((host.as_str(), *port))
                    .await
                    .map_err(|e| EngineError::Unreachable(e.to_string()))?;
                let Some(tls) = &self.tls else {
                    return Ok(Box::new(stream));
                };
                let name = rustls_pki_types::ServerName::try_from(host.clone())
                    .map_err(|e| EngineError::Unreachable(format!("{host}: {e}")))?;
                let stream = tokio_rustls::TlsConnector::from(tls.clone())
                    .connect(name, stream)
                    .await
                    .map_err(|e| EngineError::Unreachable(format!("TLS: {e}")))?;
                Ok(Box::new(stream))
            }
        }
    }
}

async fn read_body(response: Response<Incoming>) -> Result<Bytes, EngineError> {
    Ok(response
        .into_body()
        .collect()
        .await
        .map_err(|e| EngineError::Unreachable(e.to_string()))?
        .to_bytes())
}

async fn api_error(response: Response<Incoming>) -> EngineError {
    let status = response.status().as_u16();
    let message = match read_body(response).await {
        Ok(bytes) => serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(&bytes).trim().to_string()),
        Err(e) => e.to_string(),
    };
    EngineError::Api { status, message }
}

/// `"1.41"` → `(1, 41)`.
pub fn parse_api_version(text: &str) -> Option<(u32, u32)> {
    let (major, minor) = text.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// A rustls client configuration that trusts only the given CA and presents the client
/// certificate, as the docker CLI does with `--tlsverify`.
fn tls_config(files: &TlsFiles) -> Result<rustls::ClientConfig, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let read_error = |path: &Path, e: &dyn std::fmt::Display| {
        format!(
            "TLS: cannot read {}: {e} (set DOCKER_CERT_PATH to the folder with ca.pem, cert.pem \
             and key.pem)",
            path.display()
        )
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&files.ca).map_err(|e| read_error(&files.ca, &e))? {
        let cert = cert.map_err(|e| read_error(&files.ca, &e))?;
        roots.add(cert).map_err(|e| read_error(&files.ca, &e))?;
    }
    let chain = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| read_error(&files.cert, &e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| read_error(&files.cert, &e))?;
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| read_error(&files.key, &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| format!("TLS: {e}"))
}

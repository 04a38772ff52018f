//! A real multi-node Docker Swarm on one Linux machine, for tests and for manual use.
//!
//! Each node is its own `dockerd` (own config file, data-root, exec-root, pidfile, socket,
//! `iptables: false`) in its own network, mount and UTS namespace; the nodes' `eth0`s hang off
//! one bridge in a "switch" namespace, addressed 10.250.0.11, .12, … with no route anywhere
//! else. The host's daemon, `/etc/docker` and the host's `/run/containerd` are never touched.
//! The recipe and what does not work here (no IPVS, so no routing mesh and no VIPs) are in
//! `tests/cluster/README.md`.
//!
//! Everything the test bed creates is torn down by [`Cluster::teardown`], by `Drop` (so also
//! when a test panics) and on SIGINT/SIGTERM/SIGHUP (a signal thread tears down every live
//! cluster, then exits 130). Only processes it started are signalled, by PID: each node's
//! daemon, and what that daemon started (found in the node's network namespace, in the node's
//! cgroups, or by the node's directory on its command line).

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, Once};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub type Result<T> = std::result::Result<T, String>;

/// The nodes' subnet: node `i` (1-based) is `10.250.0.(10 + i)`.
pub const NODE_SUBNET: &str = "10.250.0.0/24";
/// Swarm's pool for overlay networks (the first half of 10.252.0.0/16).
pub const SWARM_ADDR_POOL: &str = "10.252.0.0/17";
/// Each daemon's local pool (docker_gwbridge and other local networks).
const LOCAL_ADDR_POOL: &str = "10.252.128.0/18";
/// Each daemon's default bridge `docker0` (inside the node's namespace).
const DEFAULT_BRIDGE_IP: &str = "10.252.255.1/24";
/// The probe image's tag on every node.
pub const PROBE_TAG: &str = "stackplan-probe:cluster";
/// Most nodes one cluster can have (addresses .11 … .60).
pub const MAX_NODES: usize = 50;

/// What to bring up.
#[derive(Clone, Debug)]
pub struct Spec {
    pub managers: usize,
    pub workers: usize,
    /// Build the probe image (tests/swarm/testapp) and load it on every node.
    pub probe_image: bool,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            managers: 3,
            workers: 2,
            probe_image: true,
        }
    }
}

/// Why a node's daemon stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// SIGTERM to dockerd: it stops its containers (shutdown-timeout 3 s) and leaves cleanly.
    Graceful,
    /// SIGKILL to dockerd and, by PID, to everything it started: as if the machine lost power.
    PowerLoss,
}

/// One node as `docker node ls` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeStatus {
    pub hostname: String,
    /// `Ready`, `Down`, `Unknown`.
    pub status: String,
    /// `Active`, `Pause`, `Drain`.
    pub availability: String,
    /// empty for a worker; `Leader`, `Reachable`, `Unreachable`.
    pub manager_status: String,
}

/// Named durations, in the order they were recorded.
#[derive(Clone, Debug, Default)]
pub struct Timings(pub Vec<(String, f64)>);

impl Timings {
    pub fn record(&mut self, name: &str, took: Duration) {
        self.0.push((name.to_owned(), took.as_secs_f64()));
    }
    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, s)| *s)
    }
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.0
                .iter()
                .map(|(n, s)| (n.clone(), Value::from((s * 1000.0).round() / 1000.0)))
                .collect(),
        )
    }
}

/// The per-node resources that tear-down must release; shared with the signal thread.
struct NodeResources {
    netns: String,
    cgroup: String,
    dir: PathBuf,
    daemon: Option<Child>,
}

struct Resources {
    id: String,
    root: PathBuf,
    switch_ns: String,
    nodes: Vec<NodeResources>,
    torn_down: bool,
}

/// Every cluster not yet torn down, for the signal thread.
static LIVE: Mutex<Vec<Arc<Mutex<Resources>>>> = Mutex::new(Vec::new());
static SIGNALS: Once = Once::new();

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// On SIGINT, SIGTERM or SIGHUP: tear down every live cluster, then exit 130.
fn install_signal_teardown() {
    SIGNALS.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let mut signals = match signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("cluster: cannot catch signals ({e}); Ctrl-C will leave nodes behind");
                return;
            }
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                eprintln!(
                    "\ncluster: signal {signal}: tearing down every node this process started"
                );
                let live: Vec<_> = lock(&LIVE).clone();
                for resources in live {
                    let mut r = lock(&resources);
                    let leftovers = teardown_resources(&mut r);
                    for l in leftovers {
                        eprintln!("cluster: left behind: {l}");
                    }
                }
                std::process::exit(130);
            }
        });
    });
}

/// A running cluster. Dropping it tears it down.
pub struct Cluster {
    pub id: String,
    pub root: PathBuf,
    switch_ns: String,
    /// Hostnames `node1` …; index `i` is node `i + 1`.
    nodes: Vec<NodeInfo>,
    resources: Arc<Mutex<Resources>>,
    pub timings: Timings,
    /// The probe image's ID (the same on every node), when loaded.
    pub probe_image: Option<String>,
}

#[derive(Clone, Debug)]
struct NodeInfo {
    hostname: String,
    addr: String,
    netns: String,
    dir: PathBuf,
    socket: PathBuf,
    link: String,
}

/// Can this machine run the test bed? `Err` says what is missing.
pub fn preflight() -> Result<()> {
    if rustix::process::geteuid().as_raw() != 0 {
        return Err("not root (network namespaces and dockerd need root)".to_owned());
    }
    for tool in ["ip", "unshare", "dockerd", "docker", "containerd"] {
        let found = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
            .unwrap_or(false);
        if !found {
            return Err(format!("`{tool}` is not on PATH"));
        }
    }
    if !Path::new("/sys/fs/cgroup").is_dir() {
        return Err("no /sys/fs/cgroup".to_owned());
    }
    Ok(())
}

impl Cluster {
    /// Brings up `spec.managers` managers and `spec.workers` workers, all Ready, with the probe
    /// image loaded when asked. On any failure everything created so far is torn down.
    pub fn up(spec: &Spec) -> Result<Cluster> {
        preflight()?;
        let count = spec.managers + spec.workers;
        if spec.managers == 0 || count > MAX_NODES {
            return Err(format!(
                "need 1 to {MAX_NODES} nodes with at least one manager, got {} + {}",
                spec.managers, spec.workers
            ));
        }
        install_signal_teardown();
        let started = Instant::now();
        let nonce = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_micros();
        let id = format!("spc{}x{nonce}", std::process::id());
        let root = std::env::temp_dir().join(format!("stackplan-cluster-{id}"));
        let switch_ns = format!("{id}-sw");
        let nodes: Vec<NodeInfo> = (1..=count)
            .map(|i| {
                let dir = root.join(format!("node{i}"));
                NodeInfo {
                    hostname: format!("node{i}"),
                    addr: format!("10.250.0.{}", 10 + i),
                    netns: format!("{id}-n{i}"),
                    socket: dir.join("docker.sock"),
                    dir,
                    link: format!("n{i}"),
                }
            })
            .collect();
        let resources = Arc::new(Mutex::new(Resources {
            id: id.clone(),
            root: root.clone(),
            switch_ns: switch_ns.clone(),
            nodes: nodes
                .iter()
                .map(|n| NodeResources {
                    netns: n.netns.clone(),
                    cgroup: n.netns.clone(),
                    dir: n.dir.clone(),
                    daemon: None,
                })
                .collect(),
            torn_down: false,
        }));
        lock(&LIVE).push(resources.clone());
        let mut cluster = Cluster {
            id,
            root,
            switch_ns,
            nodes,
            resources,
            timings: Timings::default(),
            probe_image: None,
        };
        // From here on, `cluster` going out of scope (an early return) tears everything down.
        cluster.bring_up(spec, started)?;
        Ok(cluster)
    }

    fn bring_up(&mut self, spec: &Spec, started: Instant) -> Result<()> {
        let t = Instant::now();
        std::fs::create_dir_all(&self.root).map_err(|e| format!("create {:?}: {e}", self.root))?;
        self.network()?;
        self.timings.record("bring_up.network", t.elapsed());

        let t = Instant::now();
        for i in 0..self.nodes.len() {
            self.spawn_daemon(i)?;
        }
        for i in 0..self.nodes.len() {
            self.wait_daemon(i, Duration::from_secs(60))?;
        }
        self.timings.record("bring_up.daemons", t.elapsed());

        if spec.probe_image {
            let t = Instant::now();
            self.load_probe()?;
            self.timings.record("bring_up.probe_image", t.elapsed());
        }

        let t = Instant::now();
        self.form_swarm(spec.managers)?;
        self.timings.record("bring_up.swarm_init_join", t.elapsed());

        let t = Instant::now();
        let count = self.nodes.len();
        self.wait_for("every node Ready", Duration::from_secs(90), || {
            let nodes = self.node_ls()?;
            Ok((nodes.len() == count && nodes.iter().all(|n| n.status == "Ready")).then_some(()))
        })?;
        self.timings.record("bring_up.all_ready", t.elapsed());
        self.timings.record("bring_up.total", started.elapsed());
        Ok(())
    }

    fn network(&self) -> Result<()> {
        let sw = &self.switch_ns;
        run("ip", &["netns", "add", sw])?;
        run("ip", &["-n", sw, "link", "add", "br0", "type", "bridge"])?;
        run("ip", &["-n", sw, "link", "set", "br0", "up"])?;
        for n in &self.nodes {
            run("ip", &["netns", "add", &n.netns])?;
            run(
                "ip",
                &[
                    "-n", sw, "link", "add", &n.link, "type", "veth", "peer", "name", "eth0",
                    "netns", &n.netns,
                ],
            )?;
            run("ip", &["-n", sw, "link", "set", &n.link, "master", "br0"])?;
            run("ip", &["-n", sw, "link", "set", &n.link, "up"])?;
            let cidr = format!("{}/24", n.addr);
            run("ip", &["-n", &n.netns, "addr", "add", &cidr, "dev", "eth0"])?;
            run("ip", &["-n", &n.netns, "link", "set", "eth0", "up"])?;
            run("ip", &["-n", &n.netns, "link", "set", "lo", "up"])?;
        }
        Ok(())
    }

    /// Writes the node's daemon config and init script (once) and starts its dockerd.
    fn spawn_daemon(&self, i: usize) -> Result<()> {
        let n = &self.nodes[i];
        std::fs::create_dir_all(&n.dir).map_err(|e| format!("create {:?}: {e}", n.dir))?;
        let config = n.dir.join("daemon.json");
        let script = n.dir.join("init.sh");
        if !config.exists() {
            let cfg = serde_json::json!({
                "data-root": n.dir.join("data"),
                "exec-root": n.dir.join("exec"),
                "pidfile": n.dir.join("docker.pid"),
                "hosts": [format!("unix://{}", n.socket.display())],
                "storage-driver": "overlay2",
                "iptables": false,
                "ip-masq": false,
                "ip-forward": false,
                "bip": DEFAULT_BRIDGE_IP,
                "default-address-pools": [{"base": LOCAL_ADDR_POOL, "size": 24}],
                "cgroup-parent": n.netns,
                "shutdown-timeout": 3,
                "log-level": "warn",
            });
            write(
                &config,
                &serde_json::to_string_pretty(&cfg).unwrap_or_default(),
            )?;
            write(&script, &init_script(&n.hostname, &config)?)?;
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(n.dir.join("dockerd.log"))
            .map_err(|e| format!("open the node log: {e}"))?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new("ip")
            .args(["netns", "exec", &n.netns, "unshare", "--uts", "sh"])
            .arg(&script)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            // Its own process group: a terminal's Ctrl-C reaches the harness, which tears down
            // in order, instead of every daemon at once.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("start dockerd of {}: {e}", n.hostname))?;
        lock(&self.resources).nodes[i].daemon = Some(child);
        Ok(())
    }

    fn wait_daemon(&self, i: usize, timeout: Duration) -> Result<()> {
        let what = format!("dockerd of {} answering", self.nodes[i].hostname);
        self.wait_for(&what, timeout, || {
            if let Some(child) = lock(&self.resources).nodes[i].daemon.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(format!(
                    "dockerd of node{} exited ({status}); see {}",
                    i + 1,
                    self.nodes[i].dir.join("dockerd.log").display()
                ));
            }
            Ok(self
                .docker_timeout(i, &["version", "--format", "{{.Server.Version}}"], 5)
                .ok()
                .map(|_| ()))
        })
        .map(|_| ())
    }

    fn load_probe(&mut self) -> Result<()> {
        // The probe's build directory outlives the cluster (the next bring-up reuses the build).
        let context = stackplan_tests::probe::build_context(&probe_work_dir())?;
        let context = context.to_string_lossy().into_owned();
        // Built by node1's own daemon (legacy builder, FROM scratch: no registry needed), then
        // saved once and loaded on the others, so every node has the same image ID.
        self.docker_env(
            0,
            &["build", "-q", "-t", PROBE_TAG, &context],
            &[("DOCKER_BUILDKIT", "0")],
            120,
        )?;
        let tar = self.root.join("probe.tar");
        let tar = tar.to_string_lossy().into_owned();
        self.docker_timeout(0, &["save", "-o", &tar, PROBE_TAG], 60)?;
        let this = &*self;
        let results: Vec<Result<String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (1..this.nodes.len())
                .map(|i| {
                    let tar = tar.clone();
                    s.spawn(move || this.docker_timeout(i, &["load", "-q", "-i", &tar], 60))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("load thread panicked".into()))
                })
                .collect()
        });
        for r in results {
            r?;
        }
        let mut ids = Vec::new();
        for i in 0..self.nodes.len() {
            ids.push(
                self.docker_timeout(
                    i,
                    &["image", "inspect", "--format", "{{.Id}}", PROBE_TAG],
                    10,
                )?
                .trim()
                .to_owned(),
            );
        }
        if ids.windows(2).any(|w| w[0] != w[1]) {
            return Err(format!("the probe image differs between nodes: {ids:?}"));
        }
        self.probe_image = ids.into_iter().next();
        Ok(())
    }

    fn form_swarm(&self, managers: usize) -> Result<()> {
        let first = &self.nodes[0];
        let listen = format!("{}:2377", first.addr);
        self.docker_timeout(
            0,
            &[
                "swarm",
                "init",
                "--advertise-addr",
                &first.addr,
                "--listen-addr",
                &listen,
                "--default-addr-pool",
                SWARM_ADDR_POOL,
                "--default-addr-pool-mask-length",
                "24",
            ],
            60,
        )?;
        let manager_token =
            self.docker_timeout(0, &["swarm", "join-token", "-q", "manager"], 20)?;
        let worker_token = self.docker_timeout(0, &["swarm", "join-token", "-q", "worker"], 20)?;
        let join = |i: usize, token: &str| {
            let n = &self.nodes[i];
            let listen = format!("{}:2377", n.addr);
            self.docker_timeout(
                i,
                &[
                    "swarm",
                    "join",
                    "--token",
                    token.trim(),
                    "--advertise-addr",
                    &n.addr,
                    "--listen-addr",
                    &listen,
                    &listen_of(&first.addr),
                ],
                90,
            )
            .map(|_| ())
        };
        // Managers one at a time (each joins the Raft group), workers in parallel.
        for i in 1..managers {
            join(i, &manager_token)?;
        }
        let results: Vec<Result<()>> = std::thread::scope(|s| {
            let handles: Vec<_> = (managers..self.nodes.len())
                .map(|i| {
                    let join = &join;
                    let token = &worker_token;
                    s.spawn(move || join(i, token))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("join thread panicked".into()))
                })
                .collect()
        });
        results.into_iter().collect()
    }

    // -----------------------------------------------------------------------------------------
    // Addressing
    // -----------------------------------------------------------------------------------------

    pub fn len(&self) -> usize {
        self.nodes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
    /// `node1` … (`i` is 0-based).
    pub fn hostname(&self, i: usize) -> &str {
        &self.nodes[i].hostname
    }
    /// Node index of a hostname.
    pub fn index_of(&self, hostname: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.hostname == hostname)
    }
    pub fn addr(&self, i: usize) -> &str {
        &self.nodes[i].addr
    }
    /// `unix:///…/nodeN/docker.sock`, for `DOCKER_HOST`.
    pub fn docker_host(&self, i: usize) -> String {
        format!("unix://{}", self.nodes[i].socket.display())
    }
    /// The node's network namespace (for `ip netns exec`).
    pub fn netns(&self, i: usize) -> &str {
        &self.nodes[i].netns
    }
    pub fn node_dir(&self, i: usize) -> &Path {
        &self.nodes[i].dir
    }
    /// True while the node's dockerd process is alive.
    pub fn is_running(&self, i: usize) -> bool {
        let mut r = lock(&self.resources);
        match r.nodes[i].daemon.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    // -----------------------------------------------------------------------------------------
    // The Docker CLI against one node
    // -----------------------------------------------------------------------------------------

    /// `docker ARGS` against node `i` (30 s timeout); stdout, or a message with stderr.
    pub fn docker(&self, i: usize, args: &[&str]) -> Result<String> {
        self.docker_timeout(i, args, 30)
    }

    pub fn docker_timeout(&self, i: usize, args: &[&str], timeout_s: u64) -> Result<String> {
        self.docker_env(i, args, &[], timeout_s)
    }

    pub fn docker_env(
        &self,
        i: usize,
        args: &[&str],
        env: &[(&str, &str)],
        timeout_s: u64,
    ) -> Result<String> {
        let mut cmd = Command::new("docker");
        cmd.args(args)
            .env("DOCKER_HOST", self.docker_host(i))
            .env_remove("DOCKER_CONTEXT")
            .env_remove("DOCKER_TLS_VERIFY");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let (ok, stdout, stderr) = run_with_timeout(cmd, Duration::from_secs(timeout_s))
            .map_err(|e| format!("node{}: docker {}: {e}", i + 1, args.join(" ")))?;
        if ok {
            Ok(stdout)
        } else {
            Err(format!(
                "node{}: docker {} failed: {}",
                i + 1,
                args.join(" "),
                stderr.trim()
            ))
        }
    }

    /// Runs a command inside node `i`'s network namespace (e.g. a TCP check with bash).
    pub fn in_netns(
        &self,
        i: usize,
        program: &str,
        args: &[&str],
        timeout: Duration,
    ) -> Result<String> {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.nodes[i].netns, program])
            .args(args);
        let (ok, stdout, stderr) = run_with_timeout(cmd, timeout)?;
        if ok {
            Ok(stdout)
        } else {
            Err(format!(
                "in node{}: {program} failed: {}",
                i + 1,
                stderr.trim()
            ))
        }
    }

    /// Indices of the nodes whose daemon runs and that the cluster lists as managers, in order.
    fn manager_candidates(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.is_running(i))
            .collect()
    }

    /// `docker ARGS` against the first running node that answers it as a manager. Nodes are
    /// tried in order; a worker answers "This node is not a swarm manager" and is skipped.
    pub fn on_manager(&self, args: &[&str]) -> Result<String> {
        let mut errors = Vec::new();
        for i in self.manager_candidates() {
            match self.docker_timeout(i, args, 15) {
                Ok(out) => return Ok(out),
                Err(e) => errors.push(e),
            }
        }
        Err(errors.join("; "))
    }

    /// `docker node ls` from a manager.
    pub fn node_ls(&self) -> Result<Vec<NodeStatus>> {
        let out = self.on_manager(&[
            "node",
            "ls",
            "--format",
            "{{.Hostname}}\t{{.Status}}\t{{.Availability}}\t{{.ManagerStatus}}",
        ])?;
        Ok(out
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let mut f = l.split('\t').map(str::trim);
                NodeStatus {
                    hostname: f.next().unwrap_or_default().to_owned(),
                    status: f.next().unwrap_or_default().to_owned(),
                    availability: f.next().unwrap_or_default().to_owned(),
                    manager_status: f.next().unwrap_or_default().to_owned(),
                }
            })
            .collect())
    }

    /// `docker node ls` as seen from node `i` itself (it must be a manager).
    pub fn node_ls_from(&self, i: usize) -> Result<Vec<NodeStatus>> {
        let out = self.docker_timeout(
            i,
            &[
                "node",
                "ls",
                "--format",
                "{{.Hostname}}\t{{.Status}}\t{{.Availability}}\t{{.ManagerStatus}}",
            ],
            15,
        )?;
        Ok(out
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let mut f = l.split('\t').map(str::trim);
                NodeStatus {
                    hostname: f.next().unwrap_or_default().to_owned(),
                    status: f.next().unwrap_or_default().to_owned(),
                    availability: f.next().unwrap_or_default().to_owned(),
                    manager_status: f.next().unwrap_or_default().to_owned(),
                }
            })
            .collect())
    }

    /// The leader's hostname as node `i` (a manager) sees it.
    pub fn leader_seen_from(&self, i: usize) -> Result<Option<String>> {
        Ok(self
            .node_ls_from(i)?
            .into_iter()
            .find(|n| n.manager_status == "Leader")
            .map(|n| n.hostname))
    }

    /// Running tasks of a service per node hostname (nodes without any are absent).
    pub fn running_per_node(&self, service: &str) -> Result<BTreeMap<String, usize>> {
        let out = self.on_manager(&[
            "service",
            "ps",
            service,
            "--filter",
            "desired-state=running",
            "--format",
            "{{.Node}}\t{{.CurrentState}}",
        ])?;
        let mut counts = BTreeMap::new();
        for line in out.lines() {
            let mut f = line.split('\t');
            let (node, state) = (f.next().unwrap_or_default(), f.next().unwrap_or_default());
            if state.starts_with("Running") {
                *counts.entry(node.to_owned()).or_insert(0) += 1;
            }
        }
        Ok(counts)
    }

    /// Polls `probe` every 200 ms until it yields `Some`, an `Err` (returned at once), or the
    /// timeout passes. Returns the value and how long it took.
    pub fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut probe: impl FnMut() -> Result<Option<T>>,
    ) -> Result<(T, Duration)> {
        let started = Instant::now();
        loop {
            if let Some(v) = probe()? {
                return Ok((v, started.elapsed()));
            }
            if started.elapsed() > timeout {
                return Err(format!("timed out after {timeout:?} waiting for {what}"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Like [`Cluster::wait_for`], but errors of `probe` count as "not yet" (a node that is
    /// starting, an election in progress); the last one is reported on timeout.
    pub fn wait_until<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut probe: impl FnMut() -> Result<Option<T>>,
    ) -> Result<(T, Duration)> {
        let mut last_error = String::new();
        self.wait_for(what, timeout, || match probe() {
            Ok(v) => Ok(v),
            Err(e) => {
                last_error = e;
                Ok(None)
            }
        })
        .map_err(|e| {
            if last_error.is_empty() {
                e
            } else {
                format!("{e} (last error: {last_error})")
            }
        })
    }

    // -----------------------------------------------------------------------------------------
    // Operations
    // -----------------------------------------------------------------------------------------

    /// Stops node `i`'s daemon, gracefully or as a power loss, and reaps what it started.
    pub fn stop(&self, i: usize, how: Stop) -> Result<Duration> {
        let started = Instant::now();
        let mut r = lock(&self.resources);
        let node = &mut r.nodes[i];
        stop_node(node, how);
        let leftovers = node_leftovers(node);
        if leftovers.is_empty() {
            Ok(started.elapsed())
        } else {
            Err(format!(
                "node{} left behind: {}",
                i + 1,
                leftovers.join(", ")
            ))
        }
    }

    /// Starts node `i`'s daemon again (same data-root: it rejoins with its old identity) and
    /// waits until it answers.
    pub fn start(&self, i: usize) -> Result<Duration> {
        if self.is_running(i) {
            return Err(format!("node{} is already running", i + 1));
        }
        let started = Instant::now();
        self.spawn_daemon(i)?;
        self.wait_daemon(i, Duration::from_secs(60))?;
        Ok(started.elapsed())
    }

    /// Graceful stop, then start.
    pub fn restart(&self, i: usize) -> Result<Duration> {
        let started = Instant::now();
        self.stop(i, Stop::Graceful)?;
        self.start(i)?;
        Ok(started.elapsed())
    }

    /// Takes node `i`'s link down at the switch: it can reach nobody, nobody reaches it.
    pub fn partition(&self, i: usize) -> Result<()> {
        run(
            "ip",
            &[
                "-n",
                &self.switch_ns,
                "link",
                "set",
                &self.nodes[i].link,
                "down",
            ],
        )
        .map(|_| ())
    }

    /// Brings node `i`'s link back up.
    pub fn heal(&self, i: usize) -> Result<()> {
        run(
            "ip",
            &[
                "-n",
                &self.switch_ns,
                "link",
                "set",
                &self.nodes[i].link,
                "up",
            ],
        )
        .map(|_| ())
    }

    pub fn drain(&self, i: usize) -> Result<()> {
        self.availability(i, "drain")
    }
    pub fn activate(&self, i: usize) -> Result<()> {
        self.availability(i, "active")
    }
    pub fn pause(&self, i: usize) -> Result<()> {
        self.availability(i, "pause")
    }
    fn availability(&self, i: usize, value: &str) -> Result<()> {
        let host = self.nodes[i].hostname.clone();
        self.on_manager(&["node", "update", "--availability", value, &host])
            .map(|_| ())
    }
    pub fn promote(&self, i: usize) -> Result<()> {
        let host = self.nodes[i].hostname.clone();
        self.on_manager(&["node", "promote", &host]).map(|_| ())
    }
    pub fn demote(&self, i: usize) -> Result<()> {
        let host = self.nodes[i].hostname.clone();
        self.on_manager(&["node", "demote", &host]).map(|_| ())
    }

    /// Tears everything down and reports what, if anything, could not be removed.
    pub fn teardown(self) -> Result<Duration> {
        let started = Instant::now();
        let leftovers = {
            let mut r = lock(&self.resources);
            teardown_resources(&mut r)
        };
        lock(&LIVE).retain(|c| !Arc::ptr_eq(c, &self.resources));
        let mut residue = residue(&self.id, &self.root);
        residue.extend(leftovers);
        if residue.is_empty() {
            Ok(started.elapsed())
        } else {
            Err(format!("tear-down left behind: {}", residue.join("; ")))
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let leftovers = {
            let mut r = lock(&self.resources);
            if r.torn_down {
                return;
            }
            eprintln!("cluster {}: tearing down (dropped)", self.id);
            teardown_resources(&mut r)
        };
        lock(&LIVE).retain(|c| !Arc::ptr_eq(c, &self.resources));
        for l in leftovers {
            eprintln!("cluster {}: left behind: {l}", self.id);
        }
    }
}

/// `$CARGO_TARGET_DIR/cluster-probe`, or `target/cluster-probe` of this workspace.
fn probe_work_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("cluster-probe")
}

fn listen_of(addr: &str) -> String {
    format!("{addr}:2377")
}

/// The script each node's namespace runs before `exec dockerd`: its own hostname, the cgroup
/// hierarchies mounted again (`ip netns exec` mounts a fresh `/sys`, where `/sys/fs/cgroup` is
/// empty), and a private `/run/containerd` (otherwise killed shims leave sockets in the host's).
fn init_script(hostname: &str, config: &Path) -> Result<String> {
    let mut s = String::from("set -e\n");
    let _ = writeln!(s, "hostname {hostname}");
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo")
        .map_err(|e| format!("read /proc/self/mountinfo: {e}"))?;
    let mut mounts = Vec::new();
    for line in mountinfo.lines() {
        // id parent major:minor root mountpoint options [optional…] - fstype source superoptions
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let mountpoint = left.split(' ').nth(4).unwrap_or_default();
        let mut r = right.split(' ');
        let (fstype, _source, superopts) = (
            r.next().unwrap_or_default(),
            r.next().unwrap_or_default(),
            r.next().unwrap_or_default(),
        );
        if !mountpoint.starts_with("/sys/fs/cgroup") {
            continue;
        }
        mounts.push((
            mountpoint.to_owned(),
            fstype.to_owned(),
            superopts.to_owned(),
        ));
    }
    if mounts.is_empty() {
        return Err("no cgroup file systems are mounted under /sys/fs/cgroup".to_owned());
    }
    for (mountpoint, fstype, superopts) in mounts {
        let opts: Vec<&str> = superopts
            .split(',')
            .filter(|o| !matches!(*o, "rw" | "ro"))
            .collect();
        let _ = writeln!(s, "mkdir -p {mountpoint}");
        match fstype.as_str() {
            "tmpfs" => {
                let _ = writeln!(s, "mount -t tmpfs -o mode=755 cgroup_root {mountpoint}");
            }
            "cgroup2" => {
                let _ = writeln!(s, "mount -t cgroup2 cgroup2 {mountpoint}");
            }
            "cgroup" => {
                let _ = writeln!(
                    s,
                    "mount -t cgroup -o {} cgroup {mountpoint}",
                    opts.join(",")
                );
            }
            _ => {}
        }
    }
    s.push_str(
        "mkdir -p /run/containerd\nmount -t tmpfs -o mode=711 containerd_run /run/containerd\n",
    );
    // Agents would otherwise try a registry for every task, even with --no-resolve-image.
    s.push_str("export DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1\n");
    let _ = writeln!(s, "exec dockerd --config-file {}", config.display());
    Ok(s)
}

// ---------------------------------------------------------------------------------------------
// Processes, by PID
// ---------------------------------------------------------------------------------------------

fn signal(pid: u32, sig: rustix::process::Signal) {
    let own = std::process::id();
    if pid <= 1 || pid == own {
        return;
    }
    if let Some(p) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process(p, sig);
    }
}

/// True when `pid` exists and is not a zombie.
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
            !matches!(state, Some(Some('Z' | 'X')))
        }
        Err(_) => false,
    }
}

/// Processes started on behalf of a node: in its network namespace, in its cgroups, or with
/// its directory on their command line.
fn node_processes(node: &NodeResources) -> Vec<u32> {
    let mut pids = Vec::new();
    if let Ok(out) = run("ip", &["netns", "pids", &node.netns]) {
        pids.extend(out.split_whitespace().filter_map(|p| p.parse::<u32>().ok()));
    }
    for dir in cgroup_dirs(&node.cgroup) {
        collect_cgroup_procs(&dir, &mut pids);
    }
    let marker = format!("{}/", node.dir.display());
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if let Ok(cmdline) = std::fs::read(e.path().join("cmdline"))
                && String::from_utf8_lossy(&cmdline).contains(&marker)
            {
                pids.push(pid);
            }
        }
    }
    let own = std::process::id();
    pids.retain(|&p| p != own && p > 1 && alive(p));
    pids.sort_unstable();
    pids.dedup();
    pids
}

fn collect_cgroup_procs(dir: &Path, pids: &mut Vec<u32>) {
    if let Ok(text) = std::fs::read_to_string(dir.join("cgroup.procs")) {
        pids.extend(
            text.split_whitespace()
                .filter_map(|p| p.parse::<u32>().ok()),
        );
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                collect_cgroup_procs(&e.path(), pids);
            }
        }
    }
}

/// The node's cgroup directories that exist, one per hierarchy.
fn cgroup_dirs(cgroup: &str) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let Ok(entries) = std::fs::read_dir("/sys/fs/cgroup") else {
        return dirs;
    };
    for e in entries.flatten() {
        let d = e.path().join(cgroup);
        if d.is_dir() {
            dirs.push(d);
        }
    }
    let unified = Path::new("/sys/fs/cgroup").join(cgroup);
    if unified.is_dir() {
        dirs.push(unified);
    }
    dirs
}

/// Removes a cgroup directory tree, children first (cgroup dirs only go with `rmdir`).
fn remove_cgroup_tree(dir: &Path) -> bool {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                remove_cgroup_tree(&e.path());
            }
        }
    }
    std::fs::remove_dir(dir).is_ok() || !dir.exists()
}

fn stop_node(node: &mut NodeResources, how: Stop) {
    use rustix::process::Signal;
    if let Some(mut child) = node.daemon.take() {
        let pid = child.id();
        if matches!(child.try_wait(), Ok(None)) {
            match how {
                Stop::Graceful => {
                    signal(pid, Signal::TERM);
                    // shutdown-timeout is 3 s per container, in parallel; dockerd and its
                    // containerd need a few seconds more on a loaded machine.
                    let deadline = Instant::now() + Duration::from_secs(30);
                    while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    signal(pid, Signal::KILL);
                }
                Stop::PowerLoss => signal(pid, Signal::KILL),
            }
        }
        // Reap our child by its PID.
        let _ = child.wait();
    }
    // What the daemon started and left behind (everything, on a power loss).
    for _ in 0..100 {
        let pids = node_processes(node);
        if pids.is_empty() {
            break;
        }
        for p in pids {
            signal(p, Signal::KILL);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn node_leftovers(node: &NodeResources) -> Vec<String> {
    node_processes(node)
        .into_iter()
        .map(|p| format!("process {p} ({})", cmdline(p)))
        .collect()
}

fn cmdline(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            String::from_utf8_lossy(&b)
                .replace('\0', " ")
                .trim()
                .to_owned()
        })
        .unwrap_or_default()
}

/// Graceful stops (all nodes at once), the reap, cgroups, namespaces, directories. Returns
/// what could not be removed.
fn teardown_resources(r: &mut Resources) -> Vec<String> {
    if r.torn_down {
        return Vec::new();
    }
    r.torn_down = true;
    // SIGTERM every daemon first so their shutdowns overlap, then stop each.
    for node in &mut r.nodes {
        if let Some(child) = node.daemon.as_mut()
            && matches!(child.try_wait(), Ok(None))
        {
            signal(child.id(), rustix::process::Signal::TERM);
        }
    }
    let mut leftovers = Vec::new();
    for node in &mut r.nodes {
        stop_node(node, Stop::Graceful);
        leftovers.extend(node_leftovers(node));
    }
    for node in &r.nodes {
        for dir in cgroup_dirs(&node.cgroup) {
            let mut removed = false;
            for _ in 0..50 {
                if remove_cgroup_tree(&dir) {
                    removed = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            if !removed {
                leftovers.push(format!("cgroup {}", dir.display()));
            }
        }
    }
    let namespaces: Vec<String> = r
        .nodes
        .iter()
        .map(|n| n.netns.clone())
        .chain([r.switch_ns.clone()])
        .collect();
    let existing = netns_list();
    for ns in namespaces {
        if existing.contains(&ns)
            && let Err(e) = run("ip", &["netns", "del", &ns])
        {
            leftovers.push(format!("namespace {ns}: {e}"));
        }
    }
    if r.root.exists()
        && let Err(e) = std::fs::remove_dir_all(&r.root)
    {
        leftovers.push(format!("directory {}: {e}", r.root.display()));
    }
    let _ = &r.id;
    leftovers
}

fn netns_list() -> Vec<String> {
    run("ip", &["netns", "list"])
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

/// Everything of cluster `id` still on the machine: namespaces, processes naming its
/// directory, mounts, cgroups, the directory itself. Empty after a clean tear-down.
pub fn residue(id: &str, root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let prefix = format!("{id}-");
    for ns in netns_list() {
        if ns.starts_with(&prefix) {
            found.push(format!("network namespace {ns}"));
        }
    }
    let marker = root.display().to_string();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if pid != std::process::id()
                && alive(pid)
                && std::fs::read(e.path().join("cmdline"))
                    .map(|c| String::from_utf8_lossy(&c).contains(&marker))
                    .unwrap_or(false)
            {
                found.push(format!("process {pid} ({})", cmdline(pid)));
            }
        }
    }
    if let Ok(mountinfo) = std::fs::read_to_string("/proc/self/mountinfo") {
        for line in mountinfo.lines() {
            if line.contains(&marker) || line.contains(&format!("/run/netns/{prefix}")) {
                found.push(format!("mount {line}"));
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir("/sys/fs/cgroup") {
        for e in entries.flatten() {
            if let Ok(children) = std::fs::read_dir(e.path()) {
                for c in children.flatten() {
                    if c.file_name().to_string_lossy().starts_with(&prefix) {
                        found.push(format!("cgroup {}", c.path().display()));
                    }
                }
            }
        }
    }
    if root.exists() {
        found.push(format!("directory {}", root.display()));
    }
    found
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| format!("write {}: {e}", path.display()))
}

/// Runs a short host command (`ip …`); stdout, or an error with stderr.
fn run(program: &str, args: &[&str]) -> Result<String> {
    let mut cmd = Command::new(program);
    cmd.args(args);
    let (ok, stdout, stderr) = run_with_timeout(cmd, Duration::from_secs(30))?;
    if ok {
        Ok(stdout)
    } else {
        Err(format!(
            "{program} {} failed: {}",
            args.join(" "),
            stderr.trim()
        ))
    }
}

/// Runs `cmd` with its output captured; kills it (by PID) when it outlives `timeout`.
/// Returns (success, stdout, stderr).
fn run_with_timeout(mut cmd: Command, timeout: Duration) -> Result<(bool, String, String)> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(p) = out_pipe.as_mut() {
            let _ = p.read_to_string(&mut s);
        }
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = p.read_to_string(&mut s);
        }
        s
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                signal(child.id(), rustix::process::Signal::KILL);
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("wait: {e}")),
        }
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    match status {
        Some(s) => Ok((s.success(), stdout, stderr)),
        None => Ok((
            false,
            stdout,
            format!("timed out after {timeout:?}; {stderr}"),
        )),
    }
}

/// `2026-11-25T16:20:00.751292675Z` (Docker prints UTC) to unix seconds.
pub fn parse_time(text: &str) -> Option<f64> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut t = hms.split(':').map(|p| p.parse::<i64>());
    let (hh, mm, ss) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    let frac: f64 = if frac.is_empty() {
        0.0
    } else {
        format!("0.{frac}").parse().ok()?
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + hh * 3_600 + mm * 60 + ss) as f64 + frac)
}

/// Seconds since the epoch, now.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_docker_times() {
        assert_eq!(parse_time("1970-01-01T00:00:01Z"), Some(1.0));
        let t = parse_time("2026-11-25T16:20:00.5Z").unwrap_or_default();
        assert!((t - 1_795_623_600.5).abs() < 1e-6, "{t}");
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn init_script_remounts_cgroups_and_execs_dockerd() {
        let s = init_script("node3", Path::new("/tmp/x/node3/daemon.json")).unwrap_or_default();
        assert!(s.starts_with("set -e\nhostname node3\n"), "{s}");
        assert!(s.contains("/run/containerd"), "{s}");
        assert!(s.contains("mount -t"), "{s}");
        assert!(
            s.ends_with("exec dockerd --config-file /tmp/x/node3/daemon.json\n"),
            "{s}"
        );
    }
}

//! Every default that docker/cli (`docker stack deploy`), the Docker Engine and swarmkit fill
//! in for a service, in one place. Lint, plan, the simulator and [`super::convert`] read these
//! constants; nothing else spells a Swarm default. Sources: `swarm-rollout-semantics.md` §1,
//! moby/swarmkit `api/defaults/service.go` (`defaults.Service`), moby/moby
//! `daemon/cluster/convert/service.go`, `daemon/health.go`, docker/cli `cli/compose/convert`.
//!
//! Durations are Go `time.Duration`s: integer **nanoseconds**, as the Engine API spells them.
//! [`ms`] converts for the simulator, which counts in milliseconds.

/// One second in nanoseconds.
pub const SECOND_NS: i64 = 1_000_000_000;

/// Nanoseconds to whole milliseconds (negative values clamp to 0).
pub const fn ms(ns: i64) -> u64 {
    if ns <= 0 { 0 } else { (ns / 1_000_000) as u64 }
}

// --- Update / rollback config (swarmkit `defaults.Service.Update` = `.Rollback`) -------------

/// Workers of an update when the spec has no `UpdateConfig`.
pub const UPDATE_PARALLELISM: u64 = 1;
/// `docker stack deploy`: a present `update_config`/`rollback_config` without `parallelism`
/// sends 1 (docker/cli `convertUpdateConfig`); an explicit 0 is kept (all at once).
pub const CLI_PRESENT_BLOCK_PARALLELISM: u64 = 1;
pub const UPDATE_DELAY_NS: i64 = 0;
/// An empty `FailureAction` is PAUSE (Engine `updateConfigToGRPC`), and so is a nil block.
pub const UPDATE_FAILURE_ACTION: &str = "pause";
/// swarmkit's monitor when `Monitor` is nil. The Engine never sends 0 (0 becomes nil), so a
/// written `monitor: 0s` also runs as 5 s.
pub const UPDATE_MONITOR_NS: i64 = 5 * SECOND_NS;
pub const UPDATE_MAX_FAILURE_RATIO: f32 = 0.0;
/// An empty `Order` is STOP_FIRST.
pub const UPDATE_ORDER: &str = "stop-first";

// --- Task defaults ---------------------------------------------------------------------------

/// Replicas of a replicated service when `deploy.replicas` is absent (the Engine turns a nil
/// `Replicas` into 1).
pub const REPLICAS: u64 = 1;
/// Restart condition when the spec has no `RestartPolicy` (and for an empty `Condition`).
pub const RESTART_CONDITION: &str = "any";
/// Restart delay when `RestartPolicy.Delay` is nil (swarmkit `Supervisor.Restart`).
pub const RESTART_DELAY_NS: i64 = 5 * SECOND_NS;
/// 0 = unlimited restarts.
pub const RESTART_MAX_ATTEMPTS: u64 = 0;
/// 0 = every restart counts.
pub const RESTART_WINDOW_NS: i64 = 0;
/// `StopGracePeriod` when nil: the container stop timeout (swarmkit default 10 s, the
/// Engine's own default too).
pub const STOP_GRACE_PERIOD_NS: i64 = 10 * SECOND_NS;
/// Stop-first waits at most this long for the old task to exit (swarmkit
/// `restart.go`, `defaultOldTaskTimeout`).
pub const OLD_TASK_TIMEOUT_NS: i64 = 60 * SECOND_NS;
/// The executor's sleep before `docker stop` of a task on a non-bridge network (moby/moby
/// `defaultGossipConvergeDelay`).
pub const GOSSIP_DELAY_NS: i64 = 2 * SECOND_NS;

// --- Healthcheck (moby/moby `daemon/health.go`; zero means "use the default") -------------

pub const HEALTH_INTERVAL_NS: i64 = 30 * SECOND_NS;
pub const HEALTH_TIMEOUT_NS: i64 = 30 * SECOND_NS;
pub const HEALTH_RETRIES: i64 = 3;
pub const HEALTH_START_PERIOD_NS: i64 = 0;
/// Engine ≥ 27 (Engine 25–26: `interval`; older engines have no start interval).
pub const HEALTH_START_INTERVAL_NS: i64 = 5 * SECOND_NS;

// --- What the Engine stores for fields the CLI leaves empty ----------------------------------

/// `EndpointSpec.Mode` "" → vip.
pub const ENDPOINT_MODE: &str = "vip";
/// `PortConfig.Protocol` "" → tcp.
pub const PORT_PROTOCOL: &str = "tcp";
/// `PortConfig.PublishMode` "" → ingress.
pub const PORT_PUBLISH_MODE: &str = "ingress";
/// `ContainerSpec.Isolation` "" → default.
pub const ISOLATION: &str = "default";
/// `TaskTemplate.Runtime` "" → container.
pub const RUNTIME: &str = "container";

// --- docker stack deploy ---------------------------------------------------------------------

/// The label every stack object carries: the stack name.
pub const LABEL_NAMESPACE: &str = "com.docker.stack.namespace";
/// The service label holding the image as the files wrote it.
pub const LABEL_IMAGE: &str = "com.docker.stack.image";
/// The network a service without `networks:` joins (`<stack>_default`).
pub const DEFAULT_NETWORK: &str = "default";
/// Driver of a stack network whose `driver` is not written.
pub const NETWORK_DRIVER: &str = "overlay";
/// Scope the Engine gives a swarm network.
pub const NETWORK_SCOPE: &str = "swarm";
/// Mode of a secret/config file in the container when `mode` is absent.
pub const FILE_MODE: u32 = 0o444;
/// Owner of a secret/config file when `uid`/`gid` are absent.
pub const FILE_UID: &str = "0";
pub const FILE_GID: &str = "0";

// --- Where a default comes from, as the plan prints it ---------------------------------------

pub const LAYER_SWARMKIT: &str = "swarmkit default (api/defaults/service.go)";
pub const LAYER_CLI_PARALLELISM: &str =
    "docker stack deploy: a present block without parallelism sends 1";
pub const LAYER_CLI_ZERO: &str = "docker stack deploy: a present block without it sends 0";
pub const LAYER_ENGINE_MONITOR: &str = "Engine: monitor 0 is not sent, swarmkit uses 5s";
pub const LAYER_ENGINE_STOP: &str = "Engine default container stop timeout";
pub const LAYER_ENGINE_FAILURE_ACTION: &str = "Engine: an empty failure_action is PAUSE";
pub const LAYER_ENGINE_ORDER: &str = "Engine: an empty order is STOP_FIRST";
pub const LAYER_ENGINE_CONDITION: &str = "Engine: an empty condition is ANY";
pub const LAYER_ENGINE_HEALTH: &str = "Engine default (daemon/health.go)";
pub const LAYER_STACK_NETWORK: &str =
    "docker stack deploy attaches every service to a stack network";

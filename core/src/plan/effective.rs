//! The effective Swarm spec of a service: what `docker stack deploy` sends for it, with the
//! defaults docker/cli, the Engine and swarmkit fill in (semantics document §1), and for every
//! rollout-relevant field where its value came from: a `file:line`, or the layer whose default
//! applies.

use crate::loader::Written;
use crate::rollout::{
    FailureAction, HealthTest, Healthcheck, Millis, RestartCondition, RestartPolicy, ServiceMode,
    ServiceSpec, UpdateConfig, UpdateOrder,
};
use crate::tree::{Node, Origin, Value};
use crate::units;
use serde::{Deserialize, Serialize};

/// Where an effective value comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// Written in a Compose file.
    File {
        #[serde(skip, default = "synthetic_origin")]
        origin: Origin,
        /// `file:line`, filled in by [`EffectiveService::locate`].
        location: String,
    },
    /// Not written: the default of `layer` applies.
    Default {
        layer: std::borrow::Cow<'static, str>,
    },
}

/// A plan read back from JSON no longer knows the origins behind its `file:line`s.
fn synthetic_origin() -> Origin {
    Origin::SYNTHETIC
}

/// One field of the effective spec.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EffectiveField {
    /// Dotted name, as in Compose: `update_config.parallelism`.
    pub field: String,
    /// The value Swarm uses, printed the Compose way (`5s`, `stop-first`).
    pub value: String,
    pub source: Source,
}

/// A service as Swarm will run it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EffectiveService {
    pub name: String,
    /// The simulator's input.
    pub spec: ServiceSpec,
    /// The rollout-relevant fields with their sources, in a stable order.
    pub fields: Vec<EffectiveField>,
    /// Whether the image's own HEALTHCHECK could matter (the file sets none): stackplan
    /// cannot read images, so it assumes there is none and says so.
    pub healthcheck_from_image_unknown: bool,
}

use crate::swarm::defaults::{
    self as d, LAYER_CLI_PARALLELISM as CLI_PARALLELISM, LAYER_CLI_ZERO as CLI_ZERO,
    LAYER_ENGINE_MONITOR as ENGINE_MONITOR, LAYER_ENGINE_STOP as ENGINE_STOP,
    LAYER_STACK_NETWORK as STACK_NETWORK, LAYER_SWARMKIT as SWARMKIT,
};

/// A default duration as the plan prints it (`5s`).
fn fmt_ns(ns: i64) -> String {
    units::format_duration(ns)
}

struct Builder {
    fields: Vec<EffectiveField>,
}

impl Builder {
    fn file(&mut self, field: &str, value: impl Into<String>, node: &Node) {
        self.fields.push(EffectiveField {
            field: field.to_owned(),
            value: value.into(),
            source: Source::File {
                origin: node.origin,
                location: String::new(),
            },
        });
    }
    fn default(&mut self, field: &str, value: impl Into<String>, layer: &'static str) {
        self.fields.push(EffectiveField {
            field: field.to_owned(),
            value: value.into(),
            source: Source::Default {
                layer: layer.into(),
            },
        });
    }
}

fn duration_ms(node: &Node) -> Option<Millis> {
    let text = node.as_str()?;
    let nanos = crate::loader::project::parse_compose_duration(text).ok()?;
    u64::try_from(nanos / 1_000_000).ok()
}

fn fmt_ms(ms: Millis) -> String {
    units::format_duration(
        i64::try_from(ms)
            .unwrap_or(i64::MAX)
            .saturating_mul(1_000_000),
    )
}

fn int(node: &Node) -> Option<i64> {
    match node.value {
        Value::Int(i) => Some(i),
        _ => None,
    }
}

/// Converts one service of a loaded project (the `config` model) into its effective Swarm
/// spec. `nodes` is the node count a global service runs on.
pub fn effective_service(name: &str, service: &Node, nodes: u32) -> EffectiveService {
    let mut b = Builder { fields: Vec::new() };
    let deploy = service.get("deploy");
    let get = |path: &[&str]| {
        let mut node = deploy;
        for p in path {
            node = node.and_then(|n| n.get(p));
        }
        node
    };

    let mode = match get(&["mode"]).and_then(Node::as_str) {
        Some("global") => {
            if let Some(m) = get(&["mode"]) {
                b.file("mode", "global", m);
            }
            ServiceMode::Global { nodes }
        }
        _ => {
            let replicas = get(&["replicas"]).and_then(int);
            match (replicas, get(&["replicas"])) {
                (Some(r), Some(node)) => b.file("replicas", r.to_string(), node),
                _ => b.default("replicas", "1", SWARMKIT),
            }
            ServiceMode::Replicated {
                replicas: u32::try_from(replicas.unwrap_or(1).max(0)).unwrap_or(u32::MAX),
            }
        }
    };

    let update_config = convert_update_config(&mut b, "update_config", get(&["update_config"]));
    let rollback_config =
        convert_update_config(&mut b, "rollback_config", get(&["rollback_config"]));

    let (healthcheck, unknown) = convert_healthcheck(&mut b, service.get("healthcheck"));

    let stop_grace_period_ms = match service.get("stop_grace_period") {
        Some(node) => {
            let ms = duration_ms(node);
            b.file("stop_grace_period", fmt_ms(ms.unwrap_or(0)), node);
            ms
        }
        None => {
            b.default(
                "stop_grace_period",
                fmt_ns(d::STOP_GRACE_PERIOD_NS),
                ENGINE_STOP,
            );
            None
        }
    };

    let restart_policy = convert_restart(&mut b, get(&["restart_policy"]), service.get("restart"));

    let host_port = service
        .get("ports")
        .and_then(Node::as_seq)
        .and_then(|ports| {
            ports
                .iter()
                .find(|p| p.get("mode").and_then(Node::as_str) == Some("host"))
        });
    if let Some(port) = host_port {
        b.file("ports[mode=host]", "host-mode published port", port);
    }
    b.default("networks", "attached", STACK_NETWORK);

    let spec = ServiceSpec {
        mode,
        update_config,
        rollback_config,
        healthcheck,
        stop_grace_period_ms,
        restart_policy,
        networked: true,
        host_mode_ports: host_port.is_some(),
    };
    EffectiveService {
        name: name.to_owned(),
        spec,
        fields: b.fields,
        healthcheck_from_image_unknown: unknown,
    }
}

fn convert_update_config(
    b: &mut Builder,
    block: &str,
    node: Option<&Node>,
) -> Option<UpdateConfig> {
    let Some(node) = node.filter(|n| !n.is_null()) else {
        for (field, value) in [
            ("parallelism", d::UPDATE_PARALLELISM.to_string()),
            ("delay", fmt_ns(d::UPDATE_DELAY_NS)),
            ("failure_action", d::UPDATE_FAILURE_ACTION.to_owned()),
            ("monitor", fmt_ns(d::UPDATE_MONITOR_NS)),
            (
                "max_failure_ratio",
                crate::tree::go_format_float(f64::from(d::UPDATE_MAX_FAILURE_RATIO)),
            ),
            ("order", d::UPDATE_ORDER.to_owned()),
        ] {
            b.default(&format!("{block}.{field}"), value, SWARMKIT);
        }
        return None;
    };
    let f = |name: &str| node.get(name);
    let mut config = UpdateConfig::default();
    match f("parallelism") {
        Some(p) => {
            config.parallelism = int(p)
                .and_then(|i| u64::try_from(i).ok())
                .unwrap_or(d::CLI_PRESENT_BLOCK_PARALLELISM);
            b.file(
                &format!("{block}.parallelism"),
                config.parallelism.to_string(),
                p,
            );
        }
        None => b.default(
            &format!("{block}.parallelism"),
            d::CLI_PRESENT_BLOCK_PARALLELISM.to_string(),
            CLI_PARALLELISM,
        ),
    }
    match f("delay") {
        Some(d) => {
            config.delay_ms = duration_ms(d).unwrap_or(0);
            b.file(&format!("{block}.delay"), fmt_ms(config.delay_ms), d);
        }
        None => b.default(&format!("{block}.delay"), "0s", CLI_ZERO),
    }
    match f("failure_action") {
        Some(a) => {
            config.failure_action = match a.as_str() {
                Some("continue") => FailureAction::Continue,
                Some("rollback") => FailureAction::Rollback,
                _ => FailureAction::Pause,
            };
            b.file(
                &format!("{block}.failure_action"),
                a.as_str().unwrap_or("pause"),
                a,
            );
        }
        None => b.default(
            &format!("{block}.failure_action"),
            d::UPDATE_FAILURE_ACTION,
            d::LAYER_ENGINE_FAILURE_ACTION,
        ),
    }
    match f("monitor").and_then(|m| duration_ms(m).map(|ms| (m, ms))) {
        Some((m, ms)) if ms > 0 => {
            config.monitor_ms = Some(ms);
            b.file(&format!("{block}.monitor"), fmt_ms(ms), m);
        }
        _ => {
            config.monitor_ms = None;
            b.default(
                &format!("{block}.monitor"),
                fmt_ns(d::UPDATE_MONITOR_NS),
                ENGINE_MONITOR,
            );
        }
    }
    match f("max_failure_ratio") {
        Some(r) => {
            let ratio = match r.value {
                Value::Float(x) => x as f32,
                Value::Int(i) => i as f32,
                _ => 0.0,
            };
            config.max_failure_ratio = ratio;
            b.file(
                &format!("{block}.max_failure_ratio"),
                crate::tree::go_format_float(f64::from(ratio)),
                r,
            );
        }
        None => b.default(&format!("{block}.max_failure_ratio"), "0", CLI_ZERO),
    }
    match f("order") {
        Some(o) => {
            config.order = if o.as_str() == Some("start-first") {
                UpdateOrder::StartFirst
            } else {
                UpdateOrder::StopFirst
            };
            b.file(
                &format!("{block}.order"),
                o.as_str().unwrap_or("stop-first"),
                o,
            );
        }
        None => b.default(
            &format!("{block}.order"),
            d::UPDATE_ORDER,
            d::LAYER_ENGINE_ORDER,
        ),
    }
    Some(config)
}

/// Returns the healthcheck and whether the image's own HEALTHCHECK might apply.
fn convert_healthcheck(b: &mut Builder, node: Option<&Node>) -> (Option<Healthcheck>, bool) {
    let Some(node) = node else {
        b.default(
            "healthcheck",
            "none (the image's HEALTHCHECK, if any, is unknown)",
            "image",
        );
        return (None, true);
    };
    let disabled = matches!(
        node.get("disable").map(|d| &d.value),
        Some(Value::Bool(true))
    );
    let test = node.get("test").and_then(Node::as_seq);
    let none = disabled || test.and_then(|t| t.first()).and_then(Node::as_str) == Some("NONE");
    if none {
        b.file("healthcheck", "disabled (NONE)", node);
        return (
            Some(Healthcheck {
                test: HealthTest::None,
                ..Healthcheck::default()
            }),
            false,
        );
    }
    let mut hc = Healthcheck::default();
    if let Some(t) = node.get("test") {
        b.file("healthcheck.test", "set", t);
    } else {
        b.default("healthcheck.test", "from the image", "image");
    }
    let mut duration = |name: &str, slot: &mut Option<Millis>, default: &str| match node.get(name) {
        Some(d) => {
            let ms = duration_ms(d).filter(|ms| *ms > 0);
            *slot = ms;
            // A written zero is sent as zero, which the Engine reads as unset: the image's
            // value, else its default.
            let value = match ms {
                Some(ms) => fmt_ms(ms),
                None => format!("{default} (0s written: the image's, else the Engine default)"),
            };
            b.file(&format!("healthcheck.{name}"), value, d);
        }
        None => b.default(
            &format!("healthcheck.{name}"),
            default,
            d::LAYER_ENGINE_HEALTH,
        ),
    };
    duration(
        "interval",
        &mut hc.interval_ms,
        &fmt_ns(d::HEALTH_INTERVAL_NS),
    );
    duration("timeout", &mut hc.timeout_ms, &fmt_ns(d::HEALTH_TIMEOUT_NS));
    duration(
        "start_period",
        &mut hc.start_period_ms,
        &fmt_ns(d::HEALTH_START_PERIOD_NS),
    );
    duration(
        "start_interval",
        &mut hc.start_interval_ms,
        &fmt_ns(d::HEALTH_START_INTERVAL_NS),
    );
    match node.get("retries") {
        Some(r) => {
            hc.retries = int(r)
                .and_then(|i| u32::try_from(i).ok())
                .filter(|n| *n > 0);
            let value = match hc.retries {
                Some(n) => n.to_string(),
                None => format!(
                    "{} ({} written: the image's, else the Engine default)",
                    d::HEALTH_RETRIES,
                    int(r).unwrap_or(0)
                ),
            };
            b.file("healthcheck.retries", value, r);
        }
        None => b.default(
            "healthcheck.retries",
            d::HEALTH_RETRIES.to_string(),
            d::LAYER_ENGINE_HEALTH,
        ),
    }
    (Some(hc), node.get("test").is_none())
}

fn convert_restart(
    b: &mut Builder,
    policy: Option<&Node>,
    legacy: Option<&Node>,
) -> Option<RestartPolicy> {
    if let Some(node) = policy {
        let mut p = RestartPolicy::default();
        match node.get("condition") {
            Some(c) => {
                p.condition = match c.as_str() {
                    Some("none") => RestartCondition::None,
                    Some("on-failure") => RestartCondition::OnFailure,
                    _ => RestartCondition::Any,
                };
                b.file("restart_policy.condition", c.as_str().unwrap_or("any"), c);
            }
            None => b.default(
                "restart_policy.condition",
                d::RESTART_CONDITION,
                d::LAYER_ENGINE_CONDITION,
            ),
        }
        match node.get("delay") {
            Some(d) => {
                p.delay_ms = duration_ms(d);
                b.file("restart_policy.delay", fmt_ms(p.delay_ms.unwrap_or(0)), d);
            }
            None => b.default(
                "restart_policy.delay",
                fmt_ns(d::RESTART_DELAY_NS),
                SWARMKIT,
            ),
        }
        match node.get("max_attempts") {
            Some(m) => {
                p.max_attempts = int(m).and_then(|i| u64::try_from(i).ok()).unwrap_or(0);
                b.file("restart_policy.max_attempts", p.max_attempts.to_string(), m);
            }
            None => b.default("restart_policy.max_attempts", "0 (unlimited)", SWARMKIT),
        }
        if let Some(w) = node.get("window") {
            p.window_ms = duration_ms(w).unwrap_or(0);
            b.file("restart_policy.window", fmt_ms(p.window_ms), w);
        }
        return Some(p);
    }
    // docker stack deploy falls back to the legacy service-level `restart:`.
    match legacy.and_then(|n| n.as_str().map(|s| (n, s))) {
        Some((n, "always" | "unless-stopped")) => {
            b.file("restart_policy.condition", "any", n);
            Some(RestartPolicy::default())
        }
        Some((n, s)) if s.starts_with("on-failure") => {
            let attempts = s
                .split_once(':')
                .and_then(|(_, n)| n.parse::<u64>().ok())
                .unwrap_or(0);
            b.file("restart_policy.condition", "on-failure", n);
            Some(RestartPolicy {
                condition: RestartCondition::OnFailure,
                max_attempts: attempts,
                ..RestartPolicy::default()
            })
        }
        _ => {
            b.default("restart_policy.condition", d::RESTART_CONDITION, SWARMKIT);
            b.default(
                "restart_policy.delay",
                fmt_ns(d::RESTART_DELAY_NS),
                SWARMKIT,
            );
            None
        }
    }
}

impl EffectiveService {
    /// Fills in the `file:line` of each file-sourced field. An update or rollback setting
    /// written as its zero value (`delay: 0s`, `max_failure_ratio: 0`, `monitor: 0s`) is
    /// dropped from the merged model, as Compose drops it (Go's `omitempty`); the loader's
    /// record of the files as written ([`crate::loader::Written`]) still has it, so it is
    /// reported where it is written, not as a default. `monitor: 0s` keeps the value Swarm
    /// uses (5s: the Engine does not send a zero monitor) and says so.
    pub fn locate(&mut self, sources: &crate::source::SourceSet, written: &Written) {
        for field in &mut self.fields {
            if let Source::Default { .. } = field.source
                && let Some((block, key)) = field.field.split_once('.')
                && matches!(block, "update_config" | "rollback_config")
                // Written, but dropped by the model: a zero (or empty) value.
                && let Some((_, node)) = written.last(&self.name, &["deploy", block, key])
            {
                if key == "monitor" {
                    field.value = format!(
                        "{} (0s written: the Engine does not send a zero monitor)",
                        field.value
                    );
                }
                field.source = Source::File {
                    origin: node.origin,
                    location: String::new(),
                };
            }
            if let Source::File { origin, location } = &mut field.source {
                *location = sources.locate_line(origin).unwrap_or_default();
            }
        }
    }

    pub fn field(&self, name: &str) -> Option<&EffectiveField> {
        self.fields.iter().find(|f| f.field == name)
    }
}

/// The simulator's input from the typed Engine spec (what `docker stack deploy` sends, or
/// what a live Swarm runs): mode and replicas, update and rollback config, healthcheck, stop
/// grace period, restart policy, host-mode ports. `nodes` is the node count a global
/// service runs on. Durations: nanoseconds → milliseconds; an Engine zero (`Monitor`,
/// healthcheck durations and retries) is "unset", as swarmkit and the Engine read it.
pub fn rollout_spec(spec: &crate::swarm::ServiceSpec, nodes: u32) -> ServiceSpec {
    let mode = &spec.mode;
    let mode = if mode.global.is_some() || mode.global_job.is_some() {
        ServiceMode::Global { nodes }
    } else {
        let replicas = match (&mode.replicated, &mode.replicated_job) {
            (Some(r), _) => r.replicas.unwrap_or(d::REPLICAS),
            (None, Some(job)) => job.max_concurrent.unwrap_or(d::REPLICAS),
            (None, None) => d::REPLICAS,
        };
        ServiceMode::Replicated {
            replicas: u32::try_from(replicas).unwrap_or(u32::MAX),
        }
    };
    let update = |c: &crate::swarm::UpdateConfig| UpdateConfig {
        parallelism: c.parallelism,
        delay_ms: d::ms(c.delay),
        failure_action: match c.failure_action.as_str() {
            "continue" => FailureAction::Continue,
            "rollback" => FailureAction::Rollback,
            _ => FailureAction::Pause,
        },
        monitor_ms: (c.monitor > 0).then(|| d::ms(c.monitor)),
        max_failure_ratio: c.max_failure_ratio,
        order: if c.order == "start-first" {
            UpdateOrder::StartFirst
        } else {
            UpdateOrder::StopFirst
        },
    };
    let container = spec.task_template.container_spec.as_ref();
    let optional_ms = |ns: i64| (ns > 0).then(|| d::ms(ns));
    let healthcheck = container
        .and_then(|c| c.healthcheck.as_ref())
        .map(|h| Healthcheck {
            test: if h.test.first().map(String::as_str) == Some("NONE") {
                HealthTest::None
            } else {
                HealthTest::Present
            },
            interval_ms: optional_ms(h.interval),
            timeout_ms: optional_ms(h.timeout),
            retries: (h.retries > 0)
                .then(|| u32::try_from(h.retries).ok())
                .flatten(),
            start_period_ms: optional_ms(h.start_period),
            start_interval_ms: optional_ms(h.start_interval),
        });
    let restart_policy = spec
        .task_template
        .restart_policy
        .as_ref()
        .map(|p| RestartPolicy {
            condition: match p.condition.as_str() {
                "none" => RestartCondition::None,
                "on-failure" => RestartCondition::OnFailure,
                _ => RestartCondition::Any,
            },
            delay_ms: p.delay.map(d::ms),
            max_attempts: p.max_attempts.unwrap_or(d::RESTART_MAX_ATTEMPTS),
            window_ms: d::ms(p.window.unwrap_or(d::RESTART_WINDOW_NS)),
        });
    ServiceSpec {
        mode,
        update_config: spec.update_config.as_ref().map(update),
        rollback_config: spec.rollback_config.as_ref().map(update),
        healthcheck,
        stop_grace_period_ms: container.and_then(|c| c.stop_grace_period).map(d::ms),
        restart_policy,
        networked: true,
        host_mode_ports: spec
            .endpoint_spec
            .as_ref()
            .is_some_and(|e| e.ports.iter().any(|p| p.publish_mode == "host")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::{LoadOptions, Loaded, load};
    use crate::source::MemoryFiles;

    fn load_files(files: &[(&str, &str)]) -> Loaded {
        let mut fs = MemoryFiles::new();
        for (name, text) in files {
            fs.insert(&format!("/p/{name}"), text.as_bytes());
        }
        let mut opts = LoadOptions::new(
            files.iter().map(|(n, _)| format!("/p/{n}")).collect(),
            "/p".into(),
            "p".into(),
        );
        opts.display_names = files.iter().map(|(n, _)| (*n).to_owned()).collect();
        load(&opts, &fs).unwrap_or_else(|e| panic!("{}", e.error.message))
    }

    fn effective(loaded: &Loaded) -> EffectiveService {
        let service = loaded.project.get("services").and_then(|s| s.get("web"));
        let mut e = effective_service("web", service.expect("web"), 1);
        e.locate(&loaded.sources, &loaded.written);
        e
    }

    /// Written zeros that Compose prints nowhere (`omitempty`) are written settings, with the
    /// line of the file that wrote them last; what is not written is a default.
    #[test]
    fn written_zeros_are_not_defaults() {
        let base = "services:\n  web:\n    image: a\n    deploy:\n      update_config:\n        parallelism: 2\n        delay: 0s\n        monitor: 0s\n        max_failure_ratio: 0\n      rollback_config:\n        parallelism: 2\n";
        let over = "services:\n  web:\n    deploy:\n      update_config:\n        monitor: 0s\n";
        let loaded = load_files(&[("base.yml", base), ("over.yml", over)]);
        let e = effective(&loaded);
        let source = |name: &str| {
            let f = e.field(name).unwrap_or_else(|| panic!("{name}"));
            match &f.source {
                Source::File { location, .. } => (f.value.clone(), location.clone()),
                Source::Default { layer } => (f.value.clone(), format!("default: {layer}")),
            }
        };
        assert_eq!(
            source("update_config.delay"),
            ("0s".into(), "base.yml:7".into())
        );
        assert_eq!(
            source("update_config.max_failure_ratio"),
            ("0".into(), "base.yml:9".into())
        );
        // The last file that writes it; the value is the one Swarm uses.
        let (value, at) = source("update_config.monitor");
        assert_eq!(at, "over.yml:5");
        assert!(value.starts_with("5s (0s written"), "{value}");
        // Not written: defaults.
        for name in [
            "rollback_config.delay",
            "rollback_config.monitor",
            "rollback_config.max_failure_ratio",
        ] {
            assert!(
                source(name).1.starts_with("default: "),
                "{name}: {:?}",
                source(name)
            );
        }
    }

    /// A healthcheck duration or retries written as 0 is sent as 0, which the Engine reads as
    /// unset: the effective value is the default, from the line that wrote the zero.
    #[test]
    fn written_zero_healthcheck_values_say_what_the_engine_uses() {
        let text = "services:\n  web:\n    image: a\n    healthcheck:\n      test: [CMD, x]\n      interval: 0s\n      retries: 0\n";
        let loaded = load_files(&[("compose.yml", text)]);
        let e = effective(&loaded);
        let interval = e.field("healthcheck.interval").expect("interval");
        assert!(
            interval.value.starts_with("30s (0s written"),
            "{interval:?}"
        );
        assert!(
            matches!(&interval.source, Source::File { location, .. } if location == "compose.yml:6")
        );
        let retries = e.field("healthcheck.retries").expect("retries");
        assert!(retries.value.starts_with("3 (0 written"), "{retries:?}");
        let hc = e.spec.healthcheck.expect("healthcheck");
        assert_eq!((hc.interval_ms, hc.retries), (None, None));
    }
}

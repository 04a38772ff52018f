//! The model's shape: one table per Go struct of compose-go's `types` ([`SERVICE`] and
//! friends). For each field, how its value is decoded (and validated) and whether it is printed
//! when zero (Go's `omitempty`, pointers, and value structs which are always printed, such as
//! `deploy.resources: {}`). The decoder ([`super::decode`]), the YAML view
//! ([`super::yaml_view`]) and the published schema ([`super::model_schema`]) all read it.

use crate::tree::Map;

/// How a field's value is decoded and printed.
#[derive(Clone, Copy, Debug)]
pub(super) enum Ty {
    Str,
    /// A string that also accepts a number (Go's cast hook turns ints into strings).
    StrLoose,
    Int,
    /// An unsigned integer of this many bits (Go's `uint64`, `uint32`, `uint16`): negative
    /// values are rejected, larger ones wrap like Go's conversions (see `decode`).
    UInt(u32),
    Float,
    Bool,
    /// A Go duration (`1m30s`), printed with Go's formatting.
    Duration,
    /// A byte size (`75M`), printed as a string of bytes.
    Bytes,
    /// A byte size that must be written as a string (`deploy.resources.*.memory`).
    BytesString,
    /// A number of CPUs, printed as a number.
    Cpus,
    /// `command`/`entrypoint`: a string is split like a shell would.
    ShellCommand,
    /// `healthcheck.test`: a string becomes `["CMD-SHELL", s]`.
    HealthTest,
    /// A string or a list of strings.
    StrList,
    /// A string or a list of strings or numbers (`expose`, `group_add`).
    StrOrNumList,
    /// `K: V` or `K=V` pairs, null values become `""`.
    Mapping,
    /// `environment`: `K: V` or `K=V`, a key without value stays null.
    MappingWithEquals,
    /// Labels: `K: V` or `K=V`, printed as strings.
    Labels,
    /// Driver options: a mapping of strings.
    Options,
    /// `extra_hosts`: printed sorted as `host=ip`.
    HostsList,
    /// `ulimits`: a number or `{soft, hard}` per limit.
    Ulimits,
    /// A string restricted to the listed values (JSON Schema `enum`).
    Enum(&'static [&'static str]),
    /// A GPU count: a number, or `all` (printed as -1).
    DeviceCount,
    /// A file mode: an octal string or a number, printed as a number.
    FileMode,
    Struct(&'static [Field]),
    MapOf(&'static Ty),
    /// A mapping whose values may be null (`networks` of a service).
    MapOfNullable(&'static Ty),
    ListOf(&'static Ty),
    /// Printed as written.
    Any,
}

/// When a field is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Presence {
    /// `omitempty`: left out when zero.
    OmitZero,
    /// A pointer: left out when absent, printed even when zero.
    Pointer,
    /// No `omitempty`: always printed (null when absent).
    Always,
    /// A struct value: always printed, `{}` when absent.
    ValueStruct,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Field {
    pub name: &'static str,
    /// The JSON name when it differs from the YAML name (Go fields without a json tag).
    pub json: &'static str,
    pub ty: Ty,
    pub presence: Presence,
}

const fn f(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        json: name,
        ty,
        presence: Presence::OmitZero,
    }
}
const fn p(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        json: name,
        ty,
        presence: Presence::Pointer,
    }
}
const fn always(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        json: name,
        ty,
        presence: Presence::Always,
    }
}
const fn value_struct(name: &'static str, fields: &'static [Field]) -> Field {
    Field {
        name,
        json: name,
        ty: Ty::Struct(fields),
        presence: Presence::ValueStruct,
    }
}
const fn renamed(name: &'static str, json: &'static str, ty: Ty) -> Field {
    Field {
        name,
        json,
        ty,
        presence: Presence::OmitZero,
    }
}

pub(super) const FILE_REFERENCE: &[Field] = &[
    f("source", Ty::Str),
    f("target", Ty::Str),
    f("uid", Ty::StrLoose),
    f("gid", Ty::StrLoose),
    p("mode", Ty::FileMode),
];

pub(super) const DEVICE_REQUEST: &[Field] = &[
    f("capabilities", Ty::StrList),
    f("driver", Ty::Str),
    f("count", Ty::DeviceCount),
    f("device_ids", Ty::StrList),
    f("options", Ty::Mapping),
];

pub(super) const RESOURCE: &[Field] = &[
    f("cpus", Ty::Cpus),
    f("memory", Ty::BytesString),
    f("pids", Ty::Int),
    f("devices", Ty::ListOf(&Ty::Struct(DEVICE_REQUEST))),
    f("generic_resources", Ty::ListOf(&Ty::Any)),
];

pub(super) const UPDATE_CONFIG: &[Field] = &[
    p("parallelism", Ty::UInt(64)),
    f("delay", Ty::Duration),
    f("failure_action", Ty::Str),
    f("monitor", Ty::Duration),
    f("max_failure_ratio", Ty::Float),
    f("order", Ty::Enum(&["start-first", "stop-first"])),
];

pub(super) const DEPLOY: &[Field] = &[
    f("mode", Ty::Str),
    p("replicas", Ty::Int),
    f("labels", Ty::Labels),
    p("update_config", Ty::Struct(UPDATE_CONFIG)),
    p("rollback_config", Ty::Struct(UPDATE_CONFIG)),
    value_struct(
        "resources",
        &[
            p("limits", Ty::Struct(RESOURCE)),
            p("reservations", Ty::Struct(RESOURCE)),
        ],
    ),
    p(
        "restart_policy",
        Ty::Struct(&[
            f("condition", Ty::Str),
            p("delay", Ty::Duration),
            p("max_attempts", Ty::UInt(64)),
            p("window", Ty::Duration),
        ]),
    ),
    value_struct(
        "placement",
        &[
            f("constraints", Ty::StrList),
            f(
                "preferences",
                Ty::ListOf(&Ty::Struct(&[f("spread", Ty::Str)])),
            ),
            f("max_replicas_per_node", Ty::UInt(64)),
        ],
    ),
    f("endpoint_mode", Ty::Str),
];

pub(super) const HEALTHCHECK: &[Field] = &[
    f("test", Ty::HealthTest),
    p("timeout", Ty::Duration),
    p("interval", Ty::Duration),
    p("retries", Ty::UInt(64)),
    p("start_period", Ty::Duration),
    p("start_interval", Ty::Duration),
    f("disable", Ty::Bool),
];

pub(super) const BUILD: &[Field] = &[
    f("context", Ty::Str),
    f("dockerfile", Ty::Str),
    f("dockerfile_inline", Ty::Str),
    f("entitlements", Ty::StrList),
    f("args", Ty::MappingWithEquals),
    f("ssh", Ty::Any),
    f("labels", Ty::Labels),
    f("cache_from", Ty::StrList),
    f("cache_to", Ty::StrList),
    f("no_cache", Ty::Bool),
    f("additional_contexts", Ty::Mapping),
    f("pull", Ty::Bool),
    f("extra_hosts", Ty::HostsList),
    f("isolation", Ty::Str),
    f("network", Ty::Str),
    f("target", Ty::Str),
    f("secrets", Ty::ListOf(&Ty::Struct(FILE_REFERENCE))),
    f("shm_size", Ty::Bytes),
    f("tags", Ty::StrList),
    f("ulimits", Ty::Ulimits),
    f("platforms", Ty::StrList),
    f("privileged", Ty::Bool),
];

pub(super) const SERVICE_VOLUME: &[Field] = &[
    f("type", Ty::Str),
    f("source", Ty::Str),
    f("target", Ty::Str),
    f("read_only", Ty::Bool),
    f("consistency", Ty::Str),
    p(
        "bind",
        Ty::Struct(&[
            f("selinux", Ty::Enum(&["z", "Z"])),
            f("propagation", Ty::Str),
            f("create_host_path", Ty::Bool),
            f(
                "recursive",
                Ty::Enum(&["enabled", "disabled", "writable", "readonly"]),
            ),
        ]),
    ),
    p(
        "volume",
        Ty::Struct(&[f("nocopy", Ty::Bool), f("subpath", Ty::Str)]),
    ),
    p(
        "tmpfs",
        Ty::Struct(&[f("size", Ty::Bytes), f("mode", Ty::UInt(32))]),
    ),
];

pub(super) const PORT: &[Field] = &[
    f("name", Ty::Str),
    f("mode", Ty::Str),
    f("host_ip", Ty::Str),
    f("target", Ty::UInt(32)),
    f("published", Ty::StrLoose),
    f("protocol", Ty::Str),
    f("app_protocol", Ty::Str),
];

const THROTTLE_DEVICE: &[Field] = &[
    renamed("path", "Path", Ty::Str),
    renamed("rate", "Rate", Ty::Bytes),
];

pub(super) const SERVICE: &[Field] = &[
    f("profiles", Ty::StrList),
    f("annotations", Ty::Mapping),
    p("attach", Ty::Bool),
    p("build", Ty::Struct(BUILD)),
    p(
        "blkio_config",
        Ty::Struct(&[
            f("weight", Ty::UInt(16)),
            f(
                "weight_device",
                Ty::ListOf(&Ty::Struct(&[
                    renamed("path", "Path", Ty::Str),
                    renamed("weight", "Weight", Ty::UInt(16)),
                ])),
            ),
            f("device_read_bps", Ty::ListOf(&Ty::Struct(THROTTLE_DEVICE))),
            f("device_read_iops", Ty::ListOf(&Ty::Struct(THROTTLE_DEVICE))),
            f("device_write_bps", Ty::ListOf(&Ty::Struct(THROTTLE_DEVICE))),
            f(
                "device_write_iops",
                Ty::ListOf(&Ty::Struct(THROTTLE_DEVICE)),
            ),
        ]),
    ),
    f("cap_add", Ty::StrList),
    f("cap_drop", Ty::StrList),
    f("cgroup_parent", Ty::Str),
    f("cgroup", Ty::Enum(&["host", "private"])),
    f("cpu_count", Ty::Int),
    f("cpu_percent", Ty::Float),
    f("cpu_period", Ty::Int),
    f("cpu_quota", Ty::Int),
    f("cpu_rt_period", Ty::Int),
    f("cpu_rt_runtime", Ty::Int),
    f("cpus", Ty::Float),
    f("cpuset", Ty::Str),
    f("cpu_shares", Ty::Int),
    always("command", Ty::ShellCommand),
    f("configs", Ty::ListOf(&Ty::Struct(FILE_REFERENCE))),
    f("container_name", Ty::Str),
    p(
        "credential_spec",
        Ty::Struct(&[
            f("config", Ty::Str),
            f("file", Ty::Str),
            f("registry", Ty::Str),
        ]),
    ),
    f(
        "depends_on",
        Ty::MapOf(&Ty::Struct(&[
            f(
                "condition",
                Ty::Enum(&[
                    "service_started",
                    "service_healthy",
                    "service_completed_successfully",
                ]),
            ),
            f("restart", Ty::Bool),
            always("required", Ty::Bool),
        ])),
    ),
    p("deploy", Ty::Struct(DEPLOY)),
    f("device_cgroup_rules", Ty::StrList),
    f(
        "devices",
        Ty::ListOf(&Ty::Struct(&[
            f("source", Ty::Str),
            f("target", Ty::Str),
            f("permissions", Ty::Str),
        ])),
    ),
    f("dns", Ty::StrList),
    f("dns_opt", Ty::StrList),
    f("dns_search", Ty::StrList),
    f("dockerfile", Ty::Str),
    f("domainname", Ty::Str),
    always("entrypoint", Ty::ShellCommand),
    f("environment", Ty::MappingWithEquals),
    f("expose", Ty::StrOrNumList),
    f("external_links", Ty::StrList),
    f("extra_hosts", Ty::HostsList),
    f("group_add", Ty::StrOrNumList),
    f("gpus", Ty::ListOf(&Ty::Struct(DEVICE_REQUEST))),
    f("hostname", Ty::Str),
    p("healthcheck", Ty::Struct(HEALTHCHECK)),
    f("image", Ty::Str),
    p("init", Ty::Bool),
    f("ipc", Ty::Str),
    f("isolation", Ty::Str),
    f("labels", Ty::Labels),
    f("links", Ty::StrList),
    p(
        "logging",
        Ty::Struct(&[f("driver", Ty::Str), f("options", Ty::Options)]),
    ),
    f("log_driver", Ty::Str),
    f("log_opt", Ty::Options),
    f("mem_limit", Ty::Bytes),
    f("mem_reservation", Ty::Bytes),
    f("memswap_limit", Ty::Bytes),
    f("mem_swappiness", Ty::Bytes),
    f("mac_address", Ty::Str),
    f("net", Ty::Str),
    f("network_mode", Ty::Str),
    f(
        "networks",
        Ty::MapOfNullable(&Ty::Struct(&[
            f("priority", Ty::Int),
            f("gw_priority", Ty::Int),
            f("aliases", Ty::StrList),
            f("ipv4_address", Ty::Str),
            f("ipv6_address", Ty::Str),
            f("link_local_ips", Ty::StrList),
            f("mac_address", Ty::Str),
            f("driver_opts", Ty::Options),
        ])),
    ),
    f("oom_kill_disable", Ty::Bool),
    f("oom_score_adj", Ty::Int),
    f("pid", Ty::Str),
    f("pids_limit", Ty::Int),
    f("platform", Ty::Str),
    f("ports", Ty::ListOf(&Ty::Struct(PORT))),
    f("privileged", Ty::Bool),
    f("pull_policy", Ty::Str),
    f("read_only", Ty::Bool),
    f("restart", Ty::Str),
    f("runtime", Ty::Str),
    p("scale", Ty::Int),
    f("secrets", Ty::ListOf(&Ty::Struct(FILE_REFERENCE))),
    f("security_opt", Ty::StrList),
    f("shm_size", Ty::Bytes),
    f("stdin_open", Ty::Bool),
    p("stop_grace_period", Ty::Duration),
    f("stop_signal", Ty::Str),
    f("storage_opt", Ty::Options),
    f("sysctls", Ty::Mapping),
    f("tmpfs", Ty::StrList),
    f("tty", Ty::Bool),
    f("ulimits", Ty::Ulimits),
    f("user", Ty::StrLoose),
    f("userns_mode", Ty::Str),
    f("uts", Ty::Str),
    f("volume_driver", Ty::Str),
    f("volumes", Ty::ListOf(&Ty::Struct(SERVICE_VOLUME))),
    f("volumes_from", Ty::StrList),
    f("working_dir", Ty::Str),
    p("develop", Ty::Any),
    f("post_start", Ty::Any),
    f("pre_stop", Ty::Any),
];

/// Service keys the schema accepts that the printed project leaves out.
pub(super) const SERVICE_KEYS_DROPPED: &[&str] = &[
    "env_file",
    "extends",
    "label_file",
    "use_api_socket",
    "models",
    "provider",
];

pub(super) const NETWORK: &[Field] = &[
    f("name", Ty::Str),
    f("driver", Ty::Str),
    f("driver_opts", Ty::Options),
    value_struct(
        "ipam",
        &[
            f("driver", Ty::Str),
            f(
                "config",
                Ty::ListOf(&Ty::Struct(&[
                    f("subnet", Ty::Str),
                    f("gateway", Ty::Str),
                    f("ip_range", Ty::Str),
                    f("aux_addresses", Ty::Mapping),
                ])),
            ),
            f("options", Ty::Mapping),
        ],
    ),
    f("external", Ty::Bool),
    f("internal", Ty::Bool),
    f("attachable", Ty::Bool),
    f("labels", Ty::Labels),
    p("enable_ipv4", Ty::Bool),
    p("enable_ipv6", Ty::Bool),
];

pub(super) const VOLUME: &[Field] = &[
    f("name", Ty::Str),
    f("driver", Ty::Str),
    f("driver_opts", Ty::Options),
    f("external", Ty::Bool),
    f("labels", Ty::Labels),
];

pub(super) const FILE_OBJECT: &[Field] = &[
    f("name", Ty::Str),
    f("file", Ty::Str),
    f("environment", Ty::Str),
    f("content", Ty::Str),
    f("external", Ty::Bool),
    f("labels", Ty::Labels),
    f("driver", Ty::Str),
    f("driver_opts", Ty::Options),
    f("template_driver", Ty::Str),
];

pub(super) const TOP_LEVEL_KEYS: &[&str] = &[
    "version", "name", "include", "services", "networks", "volumes", "secrets", "configs",
];

pub(super) fn reorder(map: &mut Map, fields: &[Field]) {
    map.sort_by(|a, _, b, _| {
        let ia = fields
            .iter()
            .position(|f| f.json == a.name)
            .unwrap_or(usize::MAX);
        let ib = fields
            .iter()
            .position(|f| f.json == b.name)
            .unwrap_or(usize::MAX);
        ia.cmp(&ib)
    });
}

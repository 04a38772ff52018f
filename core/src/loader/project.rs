//! From the merged, normalized model to the project `docker compose config` prints.
//!
//! compose-go decodes the model into Go structs (with decoding hooks), applies profiles,
//! checks consistency, resolves `env_file`, and marshals the structs. We do the same with one
//! table of the model's shape ([`SERVICE`] and friends): for each field, how its value is
//! decoded (and validated), and whether it is printed when zero (Go's `omitempty`, pointers,
//! and value structs which are always printed, such as `deploy.resources: {}`). Struct fields
//! come out in the Go declaration order and map keys sorted, as Go's encoders print them.

use super::{Ctx, ModelScope};
use crate::dotenv;
use crate::error::{Error, Result};
use crate::tree::{Key, Map, Node, Origin, Value};
use crate::units;
use std::collections::{BTreeMap, BTreeSet};

/// How a field's value is decoded and printed.
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    Str,
    /// A string that also accepts a number (Go's cast hook turns ints into strings).
    StrLoose,
    Int,
    /// An unsigned integer: negative values are rejected.
    UInt,
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
pub enum Presence {
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
pub struct Field {
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

pub const FILE_REFERENCE: &[Field] = &[
    f("source", Ty::Str),
    f("target", Ty::Str),
    f("uid", Ty::StrLoose),
    f("gid", Ty::StrLoose),
    p("mode", Ty::FileMode),
];

pub const DEVICE_REQUEST: &[Field] = &[
    f("capabilities", Ty::StrList),
    f("driver", Ty::Str),
    f("count", Ty::DeviceCount),
    f("device_ids", Ty::StrList),
    f("options", Ty::Mapping),
];

pub const RESOURCE: &[Field] = &[
    f("cpus", Ty::Cpus),
    f("memory", Ty::BytesString),
    f("pids", Ty::Int),
    f("devices", Ty::ListOf(&Ty::Struct(DEVICE_REQUEST))),
    f("generic_resources", Ty::ListOf(&Ty::Any)),
];

pub const UPDATE_CONFIG: &[Field] = &[
    p("parallelism", Ty::UInt),
    f("delay", Ty::Duration),
    f("failure_action", Ty::Str),
    f("monitor", Ty::Duration),
    f("max_failure_ratio", Ty::Float),
    f("order", Ty::Enum(&["start-first", "stop-first"])),
];

pub const DEPLOY: &[Field] = &[
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
            p("max_attempts", Ty::UInt),
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
            f("max_replicas_per_node", Ty::UInt),
        ],
    ),
    f("endpoint_mode", Ty::Str),
];

pub const HEALTHCHECK: &[Field] = &[
    f("test", Ty::HealthTest),
    p("timeout", Ty::Duration),
    p("interval", Ty::Duration),
    p("retries", Ty::UInt),
    p("start_period", Ty::Duration),
    p("start_interval", Ty::Duration),
    f("disable", Ty::Bool),
];

pub const BUILD: &[Field] = &[
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

pub const SERVICE_VOLUME: &[Field] = &[
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
        Ty::Struct(&[f("size", Ty::Bytes), f("mode", Ty::UInt)]),
    ),
];

pub const PORT: &[Field] = &[
    f("name", Ty::Str),
    f("mode", Ty::Str),
    f("host_ip", Ty::Str),
    f("target", Ty::UInt),
    f("published", Ty::StrLoose),
    f("protocol", Ty::Str),
    f("app_protocol", Ty::Str),
];

const THROTTLE_DEVICE: &[Field] = &[
    renamed("path", "Path", Ty::Str),
    renamed("rate", "Rate", Ty::Bytes),
];

pub const SERVICE: &[Field] = &[
    f("profiles", Ty::StrList),
    f("annotations", Ty::Mapping),
    p("attach", Ty::Bool),
    p("build", Ty::Struct(BUILD)),
    p(
        "blkio_config",
        Ty::Struct(&[
            f("weight", Ty::UInt),
            f(
                "weight_device",
                Ty::ListOf(&Ty::Struct(&[
                    renamed("path", "Path", Ty::Str),
                    renamed("weight", "Weight", Ty::UInt),
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

pub const NETWORK: &[Field] = &[
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

pub const VOLUME: &[Field] = &[
    f("name", Ty::Str),
    f("driver", Ty::Str),
    f("driver_opts", Ty::Options),
    f("external", Ty::Bool),
    f("labels", Ty::Labels),
];

pub const FILE_OBJECT: &[Field] = &[
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

/// A decoded value and whether it is Go's zero value (for `omitempty`).
struct Decoded {
    node: Node,
    zero: bool,
}

fn decode_error(path: &[String], detail: impl std::fmt::Display, origin: Origin) -> Error {
    Error::at(
        format!("error decoding '{}': {detail}", display_path(path)),
        origin,
    )
}

/// `services.web.healthcheck` as mapstructure names it: `services[web].healthcheck`.
fn display_path(path: &[String]) -> String {
    let mut out = String::new();
    for (i, segment) in path.iter().enumerate() {
        if i == 1 && path.first().is_some_and(|s| s == "services") {
            out.push_str(&format!("[{segment}]"));
        } else {
            if i > 0 {
                out.push('.');
            }
            out.push_str(segment);
        }
    }
    out
}

fn string_of(node: &Node) -> Option<String> {
    node.scalar_to_string()
}

/// `fmt.Sprint` of any value, as Go prints lists and maps in `K=V` conversions.
fn go_sprint(node: &Node) -> String {
    match &node.value {
        Value::Null => "<nil>".into(),
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(go_sprint).collect::<Vec<_>>().join(" ")
        ),
        Value::Map(m) => {
            let mut parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}:{}", k.name, go_sprint(v)))
                .collect();
            parts.sort();
            format!("map[{}]", parts.join(" "))
        }
        _ => node.scalar_to_string().unwrap_or_default(),
    }
}

fn sorted_map(entries: BTreeMap<String, Node>, origin: Origin) -> Node {
    let mut m = Map::new();
    for (k, v) in entries {
        let ko = v.origin;
        m.insert(Key::new(k, ko), v);
    }
    Node::map(m, origin)
}

fn decode(ty: &Ty, node: &Node, path: &mut Vec<String>) -> Result<Decoded> {
    let origin = node.origin;
    let str_out = |s: String| {
        let zero = s.is_empty();
        Decoded {
            node: Node::new(Value::Str(s), origin),
            zero,
        }
    };
    let expected = |what: &str| {
        decode_error(
            path,
            format!("expected type '{what}', got '{}'", node.type_name()),
            origin,
        )
    };
    Ok(match ty {
        Ty::Any => Decoded {
            zero: matches!(node.value, Value::Null),
            node: node.clone(),
        },
        Ty::Str => match &node.value {
            Value::Str(s) => str_out(s.clone()),
            Value::Int(i) => str_out(i.to_string()),
            Value::Null => str_out(String::new()),
            _ => return Err(expected("string")),
        },
        Ty::StrLoose => match &node.value {
            Value::Null => str_out(String::new()),
            Value::Seq(_) | Value::Map(_) => return Err(expected("string")),
            _ => str_out(string_of(node).unwrap_or_default()),
        },
        Ty::Int | Ty::UInt => {
            let value = match &node.value {
                Value::Int(i) => *i,
                Value::Str(s) => s.trim().parse::<i64>().map_err(|_| {
                    decode_error(
                        path,
                        format!("strconv.Atoi: parsing {s:?}: invalid syntax"),
                        origin,
                    )
                })?,
                Value::Float(f) if f.fract() == 0.0 => *f as i64,
                Value::Null => 0,
                _ => return Err(expected("int")),
            };
            if matches!(ty, Ty::UInt) && value < 0 {
                return Err(Error::at(
                    format!(
                        "cannot parse '{}', {value} overflows uint",
                        display_path(path)
                    ),
                    origin,
                ));
            }
            Decoded {
                node: Node::new(Value::Int(value), origin),
                zero: value == 0,
            }
        }
        Ty::Float | Ty::Cpus => {
            let value = match &node.value {
                Value::Int(i) => *i as f64,
                Value::Float(f) => *f,
                Value::Str(s) => s.trim().parse::<f64>().map_err(|_| {
                    decode_error(
                        path,
                        format!("strconv.ParseFloat: parsing {s:?}: invalid syntax"),
                        origin,
                    )
                })?,
                Value::Null => 0.0,
                _ => return Err(expected("float")),
            };
            // Go stores these as float32; print the float32 value's shortest form.
            let value = round_f32(value);
            Decoded {
                node: Node::new(Value::Float(value), origin),
                zero: value == 0.0,
            }
        }
        Ty::Bool => {
            let value = match &node.value {
                Value::Bool(b) => *b,
                Value::Str(s) => match s.to_ascii_lowercase().as_str() {
                    "true" | "y" | "yes" | "on" => true,
                    "false" | "n" | "no" | "off" => false,
                    _ => return Err(decode_error(path, format!("invalid boolean: {s}"), origin)),
                },
                Value::Null => false,
                _ => return Err(expected("bool")),
            };
            Decoded {
                node: Node::new(Value::Bool(value), origin),
                zero: !value,
            }
        }
        Ty::Duration => {
            let text = match &node.value {
                Value::Null => {
                    return Ok(Decoded {
                        node: Node::new(Value::Str("0s".into()), origin),
                        zero: true,
                    });
                }
                Value::Str(s) => s.clone(),
                // The schema types durations as strings: `stop_grace_period: 0` is rejected.
                _ => {
                    return Err(Error::at(
                        format!("{} must be a string", path.join(".")),
                        origin,
                    ));
                }
            };
            let nanos = parse_compose_duration(&text).map_err(|e| decode_error(path, e, origin))?;
            Decoded {
                node: Node::new(Value::Str(units::format_duration(nanos)), origin),
                zero: nanos == 0,
            }
        }
        Ty::Bytes | Ty::BytesString => {
            let bytes = match &node.value {
                Value::Int(i) if matches!(ty, Ty::Bytes) => *i,
                Value::Str(s) => {
                    units::parse_byte_size(s).map_err(|e| decode_error(path, e.message, origin))?
                }
                Value::Null => 0,
                _ if matches!(ty, Ty::BytesString) => {
                    return Err(Error::at(
                        format!("{} must be a string", path.join(".")),
                        origin,
                    ));
                }
                _ => return Err(expected("string")),
            };
            Decoded {
                node: Node::new(Value::Str(bytes.to_string()), origin),
                zero: bytes == 0,
            }
        }
        Ty::Enum(allowed) => match &node.value {
            Value::Str(s) if allowed.contains(&s.as_str()) => str_out(s.clone()),
            Value::Null => str_out(String::new()),
            _ => {
                let quoted: Vec<String> = allowed.iter().map(|a| format!("{a:?}")).collect();
                return Err(Error::at(
                    format!(
                        "{} must be one of the following: {}",
                        path.join("."),
                        quoted.join(", ")
                    ),
                    origin,
                ));
            }
        },
        Ty::DeviceCount => {
            let count = match &node.value {
                Value::Int(i) => *i,
                Value::Str(s) if s.eq_ignore_ascii_case("all") => -1,
                Value::Str(s) => s.parse::<i64>().map_err(|_| {
                    decode_error(
                        path,
                        format!("invalid value {s:?}, the only value allowed is 'all' or a number"),
                        origin,
                    )
                })?,
                _ => return Err(expected("count")),
            };
            Decoded {
                node: Node::new(Value::Int(count), origin),
                zero: count == 0,
            }
        }
        Ty::FileMode => {
            let mode = match &node.value {
                Value::Int(i) => *i,
                Value::Str(s) => i64::from_str_radix(s, 8)
                    .map_err(|_| decode_error(path, format!("invalid mode {s:?}"), origin))?,
                _ => return Err(expected("mode")),
            };
            // The oracle's compose-go prints the mode as a (decimal) number.
            Decoded {
                node: Node::new(Value::Int(mode), origin),
                zero: false,
            }
        }
        Ty::ShellCommand => match &node.value {
            Value::Null => Decoded {
                node: Node::null(origin),
                zero: true,
            },
            Value::Str(s) => {
                let words = units::split_shell_words(s)
                    .map_err(|e| decode_error(path, e.message, origin))?;
                let items = words.into_iter().map(|w| Node::string(w, origin)).collect();
                Decoded {
                    node: Node::seq(items, origin),
                    zero: false,
                }
            }
            Value::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match &item.value {
                        Value::Str(s) => out.push(Node::string(s.clone(), item.origin)),
                        _ => return Err(expected("string")),
                    }
                }
                Decoded {
                    node: Node::seq(out, origin),
                    zero: false,
                }
            }
            _ => return Err(expected("command")),
        },
        Ty::HealthTest => match &node.value {
            Value::Str(s) => Decoded {
                node: Node::seq(
                    vec![
                        Node::string("CMD-SHELL", origin),
                        Node::string(s.clone(), origin),
                    ],
                    origin,
                ),
                zero: false,
            },
            Value::Seq(items) => {
                let out: Vec<Node> = items
                    .iter()
                    .map(|i| Node::string(string_of(i).unwrap_or_default(), i.origin))
                    .collect();
                let zero = out.is_empty();
                Decoded {
                    node: Node::seq(out, origin),
                    zero,
                }
            }
            Value::Null => Decoded {
                node: Node::seq(Vec::new(), origin),
                zero: true,
            },
            _ => {
                return Err(decode_error(
                    path,
                    "unexpected value type for healthcheck.test",
                    origin,
                ));
            }
        },
        Ty::StrList | Ty::StrOrNumList => {
            let loose = matches!(ty, Ty::StrOrNumList);
            let items: Vec<Node> = match &node.value {
                Value::Str(s) => vec![Node::string(s.clone(), origin)],
                Value::Seq(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        match (&item.value, loose) {
                            (Value::Str(s), _) => out.push(Node::string(s.clone(), item.origin)),
                            (Value::Int(_) | Value::Float(_) | Value::Bool(_), true)
                            | (Value::Int(_), false) => out.push(Node::string(
                                string_of(item).unwrap_or_default(),
                                item.origin,
                            )),
                            _ => {
                                return Err(decode_error(
                                    path,
                                    "invalid type for string list",
                                    item.origin,
                                ));
                            }
                        }
                    }
                    out
                }
                Value::Null => Vec::new(),
                _ => return Err(decode_error(path, "invalid type for string list", origin)),
            };
            let zero = items.is_empty();
            Decoded {
                node: Node::seq(items, origin),
                zero,
            }
        }
        Ty::Mapping | Ty::Labels | Ty::Options | Ty::MappingWithEquals => {
            let keep_null = matches!(ty, Ty::MappingWithEquals);
            let mut entries: BTreeMap<String, Node> = BTreeMap::new();
            match &node.value {
                Value::Map(m) => {
                    for (k, v) in m {
                        let value = match &v.value {
                            Value::Null if keep_null => Node::null(v.origin),
                            Value::Null => Node::string("", v.origin),
                            _ => Node::string(go_sprint(v), v.origin),
                        };
                        entries.insert(k.name.clone(), value);
                    }
                }
                Value::Seq(items) if !matches!(ty, Ty::Options) => {
                    for item in items {
                        let text = go_sprint(item);
                        let (k, v) = match text.split_once('=') {
                            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                            None => (text.clone(), None),
                        };
                        if keep_null && k.ends_with(char::is_whitespace) {
                            return Err(Error::at(
                                format!(
                                    "environment variable {k} is declared with a trailing space"
                                ),
                                item.origin,
                            ));
                        }
                        let value = match v {
                            Some(v) => Node::string(v, item.origin),
                            None if keep_null => Node::null(item.origin),
                            None => Node::string("", item.origin),
                        };
                        entries.insert(k, value);
                    }
                }
                Value::Null => {}
                _ => {
                    return Err(decode_error(
                        path,
                        "unexpected value type for mapping",
                        origin,
                    ));
                }
            }
            let zero = entries.is_empty();
            Decoded {
                node: sorted_map(entries, origin),
                zero,
            }
        }
        Ty::HostsList => {
            let mut list: Vec<(String, Origin)> = Vec::new();
            match &node.value {
                Value::Map(m) => {
                    for (k, v) in m {
                        let ips: Vec<String> = match &v.value {
                            Value::Seq(items) => items.iter().map(go_sprint).collect(),
                            Value::Null => vec![String::new()],
                            _ => vec![go_sprint(v)],
                        };
                        for ip in ips {
                            list.push((units::format_extra_host(&k.name, &ip), v.origin));
                        }
                    }
                }
                Value::Seq(items) => {
                    for item in items {
                        let text = go_sprint(item);
                        let (host, ip) = units::parse_extra_host(&text)
                            .map_err(|e| Error::at(e.message, item.origin))?;
                        list.push((units::format_extra_host(&host, &ip), item.origin));
                    }
                }
                Value::Null => {}
                _ => {
                    return Err(decode_error(
                        path,
                        "unexpected value type for extra_hosts",
                        origin,
                    ));
                }
            }
            list.sort_by(|a, b| a.0.cmp(&b.0));
            let zero = list.is_empty();
            Decoded {
                node: Node::seq(
                    list.into_iter().map(|(s, o)| Node::string(s, o)).collect(),
                    origin,
                ),
                zero,
            }
        }
        Ty::Ulimits => {
            let Value::Map(m) = &node.value else {
                if node.is_null() {
                    return Ok(Decoded {
                        node: Node::map(Map::new(), origin),
                        zero: true,
                    });
                }
                return Err(expected("map"));
            };
            let mut entries = BTreeMap::new();
            for (k, v) in m {
                path.push(k.name.clone());
                let out = match &v.value {
                    Value::Int(i) if *i != 0 => Node::new(Value::Int(*i), v.origin),
                    Value::Int(_) => Node::map(Map::new(), v.origin),
                    Value::Map(limits) => {
                        let mut lm = Map::new();
                        for name in ["soft", "hard"] {
                            if let Some(x) = limits.get(name) {
                                let d = decode(&Ty::Int, x, path)?;
                                if !d.zero {
                                    lm.insert(Key::new(name, x.origin), d.node);
                                }
                            }
                        }
                        Node::map(lm, v.origin)
                    }
                    _ => {
                        path.pop();
                        return Err(decode_error(
                            path,
                            "unexpected value type for ulimit",
                            v.origin,
                        ));
                    }
                };
                path.pop();
                entries.insert(k.name.clone(), out);
            }
            let zero = entries.is_empty();
            Decoded {
                node: sorted_map(entries, origin),
                zero,
            }
        }
        Ty::Struct(fields) => decode_struct(fields, node, path)?,
        Ty::MapOf(inner) | Ty::MapOfNullable(inner) => {
            let nullable = matches!(ty, Ty::MapOfNullable(_));
            let Value::Map(m) = &node.value else {
                if node.is_null() {
                    return Ok(Decoded {
                        node: Node::map(Map::new(), origin),
                        zero: true,
                    });
                }
                return Err(expected("map"));
            };
            let mut entries = BTreeMap::new();
            for (k, v) in m {
                path.push(k.name.clone());
                let out = if v.is_null() && nullable {
                    Node::null(v.origin)
                } else {
                    decode(inner, v, path)?.node
                };
                path.pop();
                entries.insert(k.name.clone(), out);
            }
            let zero = entries.is_empty();
            let out = sorted_map(entries, origin);
            Decoded { node: out, zero }
        }
        Ty::ListOf(inner) => {
            let items = match &node.value {
                Value::Seq(items) => items,
                Value::Null => {
                    return Ok(Decoded {
                        node: Node::seq(Vec::new(), origin),
                        zero: true,
                    });
                }
                _ => return Err(expected("slice")),
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(format!("[{i}]"));
                let d = decode(inner, item, path);
                path.pop();
                out.push(d?.node);
            }
            let zero = out.is_empty();
            Decoded {
                node: Node::seq(out, origin),
                zero,
            }
        }
    })
}

fn decode_struct(fields: &'static [Field], node: &Node, path: &mut Vec<String>) -> Result<Decoded> {
    let origin = node.origin;
    let empty = Map::new();
    let map = match &node.value {
        Value::Map(m) => m,
        Value::Null => &empty,
        _ => {
            return Err(decode_error(
                path,
                format!("expected a map, got '{}'", node.type_name()),
                origin,
            ));
        }
    };
    let mut out = Map::new();
    for field in fields {
        match map.get_key_value(field.name) {
            Some((key, value)) => {
                if value.is_null() && field.presence == Presence::Pointer {
                    continue;
                }
                path.push(field.name.to_owned());
                let decoded = decode(&field.ty, value, path);
                path.pop();
                let decoded = decoded?;
                let keep = match field.presence {
                    Presence::OmitZero => !decoded.zero,
                    _ => true,
                };
                if keep {
                    out.insert(Key::new(field.json, key.origin), decoded.node);
                }
            }
            None => match field.presence {
                // Values nobody wrote carry no origin, so `--origins` does not claim them.
                Presence::Always => {
                    out.insert(Key::synthetic(field.json), Node::synthetic(Value::Null));
                }
                Presence::ValueStruct => {
                    path.push(field.name.to_owned());
                    let decoded = decode(&field.ty, &Node::synthetic(Value::Null), path);
                    path.pop();
                    out.insert(Key::synthetic(field.json), decoded?.node);
                }
                _ => {}
            },
        }
    }
    Ok(Decoded {
        node: Node::map(out, origin),
        zero: false,
    })
}

/// Go stores `cpus`, `max_failure_ratio`... as float32: `0.3` prints as `0.3`, but a value with
/// more precision than float32 holds is rounded like Go rounds it.
fn round_f32(value: f64) -> f64 {
    let single = value as f32;
    // The shortest decimal that round-trips the f32, read back as f64, is what Go prints.
    format!("{single}").parse::<f64>().unwrap_or(value)
}

/// Compose parses durations with str2duration, which also knows days (`d`) and weeks (`w`);
/// the crate's one duration parser lives in [`crate::units`].
pub use crate::units::parse_compose_duration;

/// A short-syntax volume in compose's long syntax.
pub fn volume_to_node(v: &units::VolumeShort, origin: Origin) -> Node {
    let mut m = Map::new();
    let s = |text: &str| Node::string(text, origin);
    m.insert(Key::synthetic("type"), s(v.kind.as_str()));
    if let Some(source) = v.source.as_deref().filter(|x| !x.is_empty()) {
        m.insert(Key::synthetic("source"), s(source));
    }
    m.insert(Key::synthetic("target"), s(&v.target));
    if v.read_only {
        m.insert(
            Key::synthetic("read_only"),
            Node::new(Value::Bool(true), origin),
        );
    }
    if let Some(bind) = &v.bind {
        let mut b = Map::new();
        if let Some(p) = &bind.propagation {
            b.insert(Key::synthetic("propagation"), s(p));
        }
        if let Some(z) = &bind.selinux {
            b.insert(Key::synthetic("selinux"), s(z));
        }
        if bind.create_host_path {
            b.insert(
                Key::synthetic("create_host_path"),
                Node::new(Value::Bool(true), origin),
            );
        }
        m.insert(Key::synthetic("bind"), Node::map(b, origin));
    }
    if let Some(vol) = &v.volume {
        let mut b = Map::new();
        if vol.nocopy {
            b.insert(
                Key::synthetic("nocopy"),
                Node::new(Value::Bool(true), origin),
            );
        }
        m.insert(Key::synthetic("volume"), Node::map(b, origin));
    }
    Node::map(m, origin)
}

// ---------------------------------------------------------------------------------------------

/// `modelToProject` + `MarshalJSON`: the project as `config` prints it.
pub(crate) fn build(ctx: &mut Ctx<'_>, dict: Node, scope: &ModelScope) -> Result<Node> {
    let opts = ctx.opts;
    if !opts.interpolate {
        // Without interpolation compose prints the model, not the typed project: no
        // defaults such as `command: null`.
        let mut model = dict;
        if let Some(m) = model.as_map_mut()
            && !opts.normalize
        {
            m.shift_remove("name");
            m.insert(
                Key::synthetic("name"),
                Node::synthetic(Value::Str(opts.project_name.clone())),
            );
        }
        return Ok(model);
    }
    let origin = dict.origin;
    let Value::Map(root) = dict.value else {
        return Err(Error::at("Top-level object must be a mapping", origin));
    };
    for (key, value) in &root {
        if !TOP_LEVEL_KEYS.contains(&key.name.as_str()) && !key.name.starts_with("x-") {
            return Err(Error::at(
                format!("(root) Additional property {} is not allowed", key.name),
                key.origin.max_with(value.origin),
            ));
        }
    }
    let mut path: Vec<String> = Vec::new();
    // Services
    let mut services: BTreeMap<String, Node> = BTreeMap::new();
    let mut disabled: BTreeSet<String> = BTreeSet::new();
    if let Some(s) = root.get("services") {
        let Value::Map(m) = &s.value else {
            if s.is_null() {
                return finish(ctx, root, services, origin);
            }
            return Err(Error::at("services must be a mapping", s.origin));
        };
        for (name, service) in m {
            path.clear();
            path.push("services".into());
            path.push(name.name.clone());
            let Value::Map(sm) = &service.value else {
                return Err(Error::at(
                    format!("services.{} must be a mapping", name.name),
                    service.origin,
                ));
            };
            check_service_keys(&name.name, sm)?;
            if !profile_enabled(sm, &opts.profiles) {
                disabled.insert(name.name.clone());
                continue;
            }
            let extensions: Map = sm
                .iter()
                .filter(|(k, _)| k.name.starts_with("x-"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !extensions.is_empty() {
                ctx.service_extensions
                    .insert(name.name.clone(), Node::map(extensions, service.origin));
            }
            let mut decoded = decode_struct(SERVICE, service, &mut path)?.node;
            resolve_env_files(ctx, &mut decoded, sm, scope)?;
            services.insert(name.name.clone(), decoded);
        }
    }
    check_consistency(&root, &mut services, &disabled)?;
    select(&mut services, &opts.selected_services)?;
    finish(ctx, root, services, origin)
}

/// `WithSelectedServices`: the named services and, transitively, what they depend on.
fn select(services: &mut BTreeMap<String, Node>, names: &[String]) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    let mut keep: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<String> = names.to_vec();
    while let Some(name) = todo.pop() {
        let Some(service) = services.get(&name) else {
            return Err(Error::invalid(format!("no such service: {name}"), None));
        };
        if keep.insert(name.clone())
            && let Some(deps) = service.get("depends_on").and_then(Node::as_map)
        {
            todo.extend(deps.keys().map(|k| k.name.clone()));
        }
    }
    services.retain(|name, _| keep.contains(name));
    Ok(())
}

trait MaxWith {
    fn max_with(self, other: Origin) -> Origin;
}
impl MaxWith for Origin {
    fn max_with(self, other: Origin) -> Origin {
        if self.is_synthetic() { other } else { self }
    }
}

pub(super) fn check_service_keys(name: &str, service: &Map) -> Result<()> {
    for key in service.keys() {
        let known = SERVICE.iter().any(|f| f.name == key.name)
            || SERVICE_KEYS_DROPPED.contains(&key.name.as_str())
            || key.name.starts_with("x-");
        if !known {
            return Err(Error::at(
                format!(
                    "services.{name} Additional property {} is not allowed",
                    key.name
                ),
                key.origin,
            ));
        }
    }
    Ok(())
}

fn profile_enabled(service: &Map, active: &[String]) -> bool {
    let Some(profiles) = service.get("profiles").and_then(Node::as_seq) else {
        return true;
    };
    if profiles.is_empty() {
        return true;
    }
    active.iter().any(|a| a == "*")
        || profiles
            .iter()
            .filter_map(Node::as_str)
            .any(|p| active.iter().any(|a| a == p))
}

/// `WithServicesEnvironmentResolved`: `env_file` contents become `environment` entries
/// (the service's own `environment` wins), and `env_file` is dropped.
fn resolve_env_files(
    ctx: &mut Ctx<'_>,
    service: &mut Node,
    model: &Map,
    scope: &ModelScope,
) -> Result<()> {
    let project_env = &ctx.opts.environment;
    let lookup_project = |k: &str| {
        project_env
            .get(k)
            .cloned()
            .or_else(|| scope.environment.get(k).cloned())
    };
    // Keys without value take the project environment's value.
    if let Some(env) = service.get_mut("environment").and_then(Node::as_map_mut) {
        for (k, v) in env.iter_mut() {
            if v.is_null()
                && let Some(found) = lookup_project(&k.name)
            {
                v.value = Value::Str(found);
            }
        }
    }
    let Some(env_files) = model.get("env_file").and_then(Node::as_seq) else {
        return Ok(());
    };
    let mut from_files: BTreeMap<String, Node> = BTreeMap::new();
    for entry in env_files {
        let Some(path) = entry.get("path").and_then(Node::as_str) else {
            continue;
        };
        let required = !matches!(
            entry.get("required").map(|r| &r.value),
            Some(Value::Bool(false))
        );
        if !ctx.fs.is_file(path) {
            if required {
                return Err(Error::at(
                    format!("env file {path} not found"),
                    entry.origin,
                ));
            }
            continue;
        }
        let bytes = ctx
            .fs
            .read(path)
            .map_err(|e| Error::io(format!("{path}: {e}")))?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let lookup = |name: &str| {
            from_files
                .get(name)
                .and_then(Node::as_str)
                .map(str::to_owned)
                .or_else(|| lookup_project(name))
        };
        let parsed = dotenv::parse(&text, &lookup).map_err(|e| {
            Error::invalid(
                format!("{path}:{}:{}: {}", e.line, e.column, e.message),
                None,
            )
        })?;
        for (k, v) in parsed {
            let node = match v {
                Some(v) => Node::string(v, entry.origin),
                None => Node::null(entry.origin),
            };
            from_files.insert(k, node);
        }
    }
    if from_files.is_empty() {
        return Ok(());
    }
    if let Some(own) = service.get("environment").and_then(Node::as_map) {
        for (k, v) in own {
            from_files.insert(k.name.clone(), v.clone());
        }
    }
    let origin = service.origin;
    if let Some(sm) = service.as_map_mut() {
        let env = sorted_map(from_files, origin);
        // Keep the field where the struct order puts it.
        if let Some(slot) = sm.get_mut("environment") {
            *slot = env;
        } else {
            sm.insert(Key::synthetic("environment"), env);
            reorder(sm, SERVICE);
        }
    }
    Ok(())
}

fn reorder(map: &mut Map, fields: &[Field]) {
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

fn check_consistency(
    root: &Map,
    services: &mut BTreeMap<String, Node>,
    disabled: &BTreeSet<String>,
) -> Result<()> {
    let names: BTreeSet<String> = services.keys().cloned().collect();
    let defined = |kind: &str, name: &str| {
        root.get(kind)
            .and_then(Node::as_map)
            .is_some_and(|m| m.contains_key(name))
    };
    for (name, service) in services.iter_mut() {
        let origin = service.origin;
        let s = |k: &str| service.get(k);
        if s("build").is_none() && s("image").is_none() {
            return Err(Error::at(
                format!(
                    "service {name:?} has neither an image nor a build context specified: invalid compose project"
                ),
                origin,
            ));
        }
        if s("network_mode").is_some()
            && service
                .get("networks")
                .and_then(Node::as_map)
                .is_some_and(|m| !m.is_empty())
        {
            return Err(Error::at(
                format!(
                    "service {name} declares mutually exclusive `network_mode` and `networks`: invalid compose project"
                ),
                origin,
            ));
        }
        if let Some(networks) = service.get("networks").and_then(Node::as_map) {
            for (network, n) in networks {
                if !defined("networks", &network.name) {
                    return Err(Error::at(
                        format!(
                            "service {name:?} refers to undefined network {}: invalid compose project",
                            network.name
                        ),
                        n.origin.max_with(network.origin),
                    ));
                }
            }
        }
        if let Some(test) = service
            .get("healthcheck")
            .and_then(|h| h.get("test"))
            .and_then(Node::as_seq)
            && let Some(first) = test.first().and_then(Node::as_str)
            && !matches!(first, "CMD" | "CMD-SHELL" | "NONE")
        {
            return Err(Error::at(
                "healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\"",
                test[0].origin,
            ));
        }
        if let Some(deps) = service.get("depends_on").and_then(Node::as_map) {
            for (dep, cfg) in deps {
                if !names.contains(&dep.name) {
                    let required = !matches!(
                        cfg.get("required").map(|r| &r.value),
                        Some(Value::Bool(false))
                    );
                    if disabled.contains(&dep.name) && !required {
                        continue;
                    }
                    return Err(Error::at(
                        format!(
                            "service {name:?} depends on undefined service {:?}: invalid compose project",
                            dep.name
                        ),
                        dep.origin.max_with(cfg.origin),
                    ));
                }
            }
        }
        if let Some(shared) = service
            .get("network_mode")
            .and_then(Node::as_str)
            .and_then(|m| m.strip_prefix("service:"))
            && !names.contains(shared)
            && !disabled.contains(shared)
        {
            return Err(Error::at(
                format!("service {shared:?} not found for network_mode 'service:{shared}'"),
                origin,
            ));
        }
        if let Some(volumes) = service.get("volumes").and_then(Node::as_seq) {
            for v in volumes {
                if v.get("type").and_then(Node::as_str) == Some("volume")
                    && let Some(source) = v
                        .get("source")
                        .and_then(Node::as_str)
                        .filter(|s| !s.is_empty())
                    && !defined("volumes", source)
                {
                    return Err(Error::at(
                        format!(
                            "service {name:?} refers to undefined volume {source}: invalid compose project"
                        ),
                        v.origin,
                    ));
                }
            }
        }
        for (kind, singular) in [("configs", "config"), ("secrets", "secret")] {
            if let Some(items) = service.get(kind).and_then(Node::as_seq) {
                for item in items {
                    let source = item
                        .get("source")
                        .and_then(Node::as_str)
                        .unwrap_or_default();
                    if !defined(kind, source) {
                        return Err(Error::at(
                            format!(
                                "service {name:?} refers to undefined {singular} {source}: invalid compose project"
                            ),
                            item.origin,
                        ));
                    }
                }
            }
        }
        if let Some(secrets) = service
            .get("build")
            .and_then(|b| b.get("secrets"))
            .and_then(Node::as_seq)
        {
            for item in secrets {
                let source = item
                    .get("source")
                    .and_then(Node::as_str)
                    .unwrap_or_default();
                if !defined("secrets", source) {
                    return Err(Error::at(
                        format!(
                            "service {name:?} refers to undefined build secret {source}: invalid compose project"
                        ),
                        item.origin,
                    ));
                }
            }
        }
        let int_of = |n: Option<&Node>| {
            n.and_then(|n| match n.value {
                Value::Int(i) => Some(i),
                _ => None,
            })
        };
        let scale = int_of(service.get("scale"));
        let replicas = int_of(service.get("deploy").and_then(|d| d.get("replicas")));
        if let (Some(scale), Some(deploy)) = (scale, service.get("deploy"))
            && replicas.is_some_and(|r| r != scale)
        {
            return Err(Error::at(
                format!(
                    "services.{name}: can't set distinct values on 'scale' and 'deploy.replicas': invalid compose project"
                ),
                deploy.origin,
            ));
        }
        if let (Some(scale), Some(deploy)) =
            (scale, service.get_mut("deploy").and_then(Node::as_map_mut))
        {
            let o = deploy.get("mode").map_or(origin, |m| m.origin);
            deploy.insert(Key::synthetic("replicas"), Node::new(Value::Int(scale), o));
            reorder(deploy, DEPLOY);
        }
        let limits = service
            .get("deploy")
            .and_then(|d| d.get("resources"))
            .and_then(|r| r.get("limits"));
        let reservations = service
            .get("deploy")
            .and_then(|d| d.get("resources"))
            .and_then(|r| r.get("reservations"));
        for (own, deploy_side, field, label) in [
            (
                "cpus",
                limits,
                "cpus",
                "'cpus' and 'deploy.resources.limits.cpus'",
            ),
            (
                "mem_limit",
                limits,
                "memory",
                "'mem_limit' and 'deploy.resources.limits.memory'",
            ),
            (
                "mem_reservation",
                reservations,
                "memory",
                "'mem_reservation' and 'deploy.resources.reservations.memory'",
            ),
            (
                "pids_limit",
                limits,
                "pids",
                "'pids_limit' and 'deploy.resources.limits.pids'",
            ),
        ] {
            let Some(value) = service.get(own) else {
                continue;
            };
            let Some(side) = deploy_side else { continue };
            let other = side.get(field).map(|n| n.value.clone());
            let equal = match (&value.value, &other) {
                (a, Some(b)) => a == b,
                (_, None) => false,
            };
            if !equal {
                return Err(Error::at(
                    format!(
                        "services.{name}: can't set distinct values on {label}: invalid compose project"
                    ),
                    value.origin,
                ));
            }
        }
        let effective_scale = scale.or(replicas).unwrap_or(1);
        if effective_scale > 1 && service.get("container_name").is_some() {
            let attr = if scale.is_some() {
                "scale"
            } else {
                "deploy.replicas"
            };
            return Err(Error::at(
                format!(
                    "services.{attr}: can't set container_name and {name} as container name must be unique: invalid compose project"
                ),
                service.get("container_name").map_or(origin, |c| c.origin),
            ));
        }
    }
    if let Some(secrets) = root.get("secrets").and_then(Node::as_map) {
        for (name, secret) in secrets {
            let external = matches!(
                secret.get("external").map(|e| &e.value),
                Some(Value::Bool(true))
            );
            if !external && secret.get("file").is_none() && secret.get("environment").is_none() {
                return Err(Error::at(
                    format!(
                        "secret {:?} must declare either `file` or `environment`: invalid compose project",
                        name.name
                    ),
                    secret.origin,
                ));
            }
        }
    }
    check_cycles(services)
}

fn check_cycles(services: &BTreeMap<String, Node>) -> Result<()> {
    // Depth-first search over depends_on; a back edge is a cycle.
    fn visit(
        name: &str,
        services: &BTreeMap<String, Node>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Result<()> {
        match state.get(name) {
            Some(2) => return Ok(()),
            Some(1) => {
                let start = stack.iter().position(|s| s == name).unwrap_or(0);
                let mut cycle: Vec<String> = stack[start..].to_vec();
                cycle.push(name.to_owned());
                let origin = services.get(name).map_or(Origin::SYNTHETIC, |s| s.origin);
                return Err(Error::at(
                    format!("dependency cycle detected: {}", cycle.join(" -> ")),
                    origin,
                ));
            }
            _ => {}
        }
        state.insert(name.to_owned(), 1);
        stack.push(name.to_owned());
        if let Some(deps) = services
            .get(name)
            .and_then(|s| s.get("depends_on"))
            .and_then(Node::as_map)
        {
            for dep in deps.keys() {
                if services.contains_key(dep.name.as_str()) {
                    visit(&dep.name, services, state, stack)?;
                }
            }
        }
        stack.pop();
        state.insert(name.to_owned(), 2);
        Ok(())
    }
    let mut state = BTreeMap::new();
    for name in services.keys() {
        visit(name, services, &mut state, &mut Vec::new())?;
    }
    Ok(())
}

/// Prints the resources the services use (`WithoutUnnecessaryResources`) and the project's
/// `x-` extensions.
fn finish(
    ctx: &mut Ctx<'_>,
    root: Map,
    services: BTreeMap<String, Node>,
    origin: Origin,
) -> Result<Node> {
    let mut used: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for service in services.values() {
        if let Some(n) = service.get("networks").and_then(Node::as_map) {
            used.entry("networks")
                .or_default()
                .extend(n.keys().map(|k| k.name.clone()));
        }
        for v in service
            .get("volumes")
            .and_then(Node::as_seq)
            .into_iter()
            .flatten()
        {
            if v.get("type").and_then(Node::as_str) == Some("volume")
                && let Some(s) = v
                    .get("source")
                    .and_then(Node::as_str)
                    .filter(|s| !s.is_empty())
            {
                used.entry("volumes").or_default().insert(s.to_owned());
            }
        }
        for kind in ["secrets", "configs"] {
            for item in service
                .get(kind)
                .and_then(Node::as_seq)
                .into_iter()
                .flatten()
            {
                if let Some(s) = item.get("source").and_then(Node::as_str) {
                    used.entry(kind).or_default().insert(s.to_owned());
                }
            }
        }
        for item in service
            .get("build")
            .and_then(|b| b.get("secrets"))
            .and_then(Node::as_seq)
            .into_iter()
            .flatten()
        {
            if let Some(s) = item.get("source").and_then(Node::as_str) {
                used.entry("secrets").or_default().insert(s.to_owned());
            }
        }
    }
    let mut out = Map::new();
    out.insert(
        Key::synthetic("name"),
        Node::synthetic(Value::Str(ctx.opts.project_name.clone())),
    );
    let mut path = Vec::new();
    for (kind, fields) in [
        ("networks", NETWORK),
        ("volumes", VOLUME),
        ("secrets", FILE_OBJECT),
        ("configs", FILE_OBJECT),
    ] {
        let Some(resources) = root.get(kind).and_then(Node::as_map) else {
            continue;
        };
        let wanted = used.get(kind);
        let mut entries = BTreeMap::new();
        for (name, resource) in resources {
            if !wanted.is_some_and(|w| w.contains(&name.name)) {
                continue;
            }
            path.clear();
            path.push(kind.to_owned());
            path.push(name.name.clone());
            let mut decoded = decode_struct(fields, resource, &mut path)?.node;
            if (kind == "secrets" || (kind == "configs" && resource.get("environment").is_some()))
                && let Some(m) = decoded.as_map_mut()
            {
                m.shift_remove("content");
            }
            entries.insert(name.name.clone(), decoded);
        }
        if !entries.is_empty() {
            let o = root.get(kind).map_or(origin, |n| n.origin);
            out.insert(Key::synthetic(kind), sorted_map(entries, o));
        }
    }
    let services_origin = root.get("services").map_or(origin, |n| n.origin);
    out.insert(
        Key::synthetic("services"),
        sorted_map(services, services_origin),
    );
    for (key, mut value) in root {
        if key.name.starts_with("x-") {
            empty_lists_to_null(&mut value);
            out.insert(key, value);
        }
    }
    // Go prints a map[string]any sorted by key.
    out.sort_by(|a, _, b, _| a.name.cmp(&b.name));
    Ok(Node::map(out, origin))
}

/// Extensions pass through Go's mapstructure, which turns an empty list into a nil slice:
/// the oracle prints `x-e: {l: []}` as `{"l": null}`.
fn empty_lists_to_null(node: &mut Node) {
    match &mut node.value {
        Value::Seq(items) if items.is_empty() => node.value = Value::Null,
        Value::Seq(items) => items.iter_mut().for_each(empty_lists_to_null),
        Value::Map(map) => map.values_mut().for_each(empty_lists_to_null),
        _ => {}
    }
}

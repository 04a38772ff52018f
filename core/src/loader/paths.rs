//! Relative paths made absolute against the project directory (compose-go `paths/`): build
//! contexts, bind-mount sources, `env_file`, secret/config files, `extends.file`, local volume
//! devices. `~` expands to the user's home directory.

use super::Ctx;
use crate::error::{Error, Result};
use crate::fspath;
use crate::tree::{Node, Value};

pub(super) fn resolve(ctx: &mut Ctx<'_>, dict: &mut Node, working_dir: &str) -> Result<()> {
    let home = ctx.opts.home_dir.clone();
    let r = Resolver {
        working_dir,
        home: home.as_deref(),
    };
    if let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) {
        for service in services.values_mut() {
            let Some(service) = service.as_map_mut() else {
                continue;
            };
            if let Some(build) = service.get_mut("build").and_then(Node::as_map_mut) {
                if let Some(context) = build.get_mut("context") {
                    r.context(context);
                }
                if let Some(contexts) = build
                    .get_mut("additional_contexts")
                    .and_then(Node::as_map_mut)
                {
                    for c in contexts.values_mut() {
                        r.context(c);
                    }
                }
            }
            if let Some(env_files) = service.get_mut("env_file").and_then(Node::as_seq_mut) {
                for f in env_files.iter_mut() {
                    if let Some(path) = f.get_mut("path") {
                        r.abs(path);
                    }
                }
            }
            if let Some(files) = service.get_mut("label_file").and_then(Node::as_seq_mut) {
                for f in files.iter_mut() {
                    r.abs(f);
                }
            }
            if let Some(file) = service.get_mut("extends").and_then(|e| e.get_mut("file")) {
                r.abs(file);
            }
            if let Some(volumes) = service.get_mut("volumes").and_then(Node::as_seq_mut) {
                for v in volumes.iter_mut() {
                    let origin = v.origin;
                    let Some(m) = v.as_map_mut() else { continue };
                    if m.get("type").and_then(Node::as_str) != Some("bind") {
                        continue;
                    }
                    let Some(source) = m.get_mut("source") else {
                        return Err(Error::at(
                            "invalid mount config for type \"bind\": field Source must not be empty",
                            origin,
                        ));
                    };
                    r.unix(source);
                }
            }
        }
    }
    for kind in ["configs", "secrets"] {
        if let Some(objects) = dict.get_mut(kind).and_then(Node::as_map_mut) {
            for object in objects.values_mut() {
                if let Some(file) = object.get_mut("file") {
                    r.unix(file);
                }
            }
        }
    }
    if let Some(volumes) = dict.get_mut("volumes").and_then(Node::as_map_mut) {
        for volume in volumes.values_mut() {
            if volume.get("driver").and_then(Node::as_str) != Some("local") {
                continue;
            }
            let Some(opts) = volume.get_mut("driver_opts") else {
                continue;
            };
            if opts.get("o").and_then(Node::as_str) != Some("bind") {
                continue;
            }
            if let Some(device) = opts.get_mut("device") {
                r.unix(device);
            }
        }
    }
    Ok(())
}

struct Resolver<'a> {
    working_dir: &'a str,
    home: Option<&'a str>,
}

impl Resolver<'_> {
    fn expand_user(&self, p: &str) -> String {
        match (p.strip_prefix('~'), self.home) {
            (Some(rest), Some(home)) => fspath::join(home, rest),
            _ => p.to_owned(),
        }
    }

    /// `absPath`.
    fn abs(&self, node: &mut Node) {
        if let Value::Str(s) = &node.value {
            let p = self.expand_user(s);
            node.value = Value::Str(if fspath::is_abs(&p) || p.is_empty() {
                p
            } else {
                fspath::join(self.working_dir, &p)
            });
        }
    }

    /// `maybeUnixPath`: like `abs`, but Windows-absolute paths are left alone.
    fn unix(&self, node: &mut Node) {
        if let Value::Str(s) = &node.value {
            let p = self.expand_user(s);
            if !fspath::is_abs(&p) && !is_windows_abs(&p) {
                node.value = Value::Str(fspath::join(self.working_dir, &p));
            } else {
                node.value = Value::Str(p);
            }
        }
    }

    /// `absContextPath`: remote contexts (URLs, git, `service:`) are kept.
    fn context(&self, node: &mut Node) {
        if let Value::Str(s) = &node.value {
            let remote = s.contains("://")
                || s.starts_with("service:")
                || [
                    "https://",
                    "http://",
                    "git://",
                    "ssh://",
                    "github.com/",
                    "git@",
                ]
                .iter()
                .any(|p| s.starts_with(p));
            if !remote {
                self.abs(node);
            }
        }
    }
}

fn is_windows_abs(p: &str) -> bool {
    let b = p.as_bytes();
    (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/'))
        || p.starts_with("\\\\")
}

//! `plan --from-live FILE` (`-` for stdin) and `--live-networks FILE`: reads what `docker
//! service inspect` and `docker network inspect` print and puts it into the plan request.
//! The core decides everything else (stack name, diff, actions).

use super::Io;
use crate::fs::DiskFiles;
use stackplan_core::source::FileSource;
use stackplan_core::swarm::Service;
use std::collections::BTreeMap;
use std::io::Read;

fn read(path: &str, max_bytes: u64, io: &mut Io<'_>) -> Result<Vec<u8>, String> {
    if path == "-" {
        let mut bytes = Vec::new();
        // The one stdin of the run (`Io::stdin`), so tests and embedders can feed it.
        (&mut *io.stdin)
            .take(max_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("stdin: {e}"))?;
        if bytes.len() as u64 > max_bytes {
            return Err(format!("stdin: over the limit of {max_bytes} bytes"));
        }
        return Ok(bytes);
    }
    let target = stackplan_core::fspath::absolutize(&io.cwd, path);
    DiskFiles::new(max_bytes)
        .read(&target)
        .map_err(|e| format!("{path}: {e}"))
}

fn at(path: &str, e: &serde_json::Error) -> String {
    let name = if path == "-" { "stdin" } else { path };
    format!("{name}:{}:{}: {e}", e.line(), e.column())
}

/// The live services in FILE: the JSON array `docker service inspect` prints (one object
/// alone is taken too). Exit status 1 when it is not that, 2 when it cannot be read.
pub(crate) fn services(path: &str, max_bytes: u64, io: &mut Io<'_>) -> Result<Vec<Service>, u8> {
    let bytes = read(path, max_bytes, io).map_err(|e| {
        let _ = writeln!(io.stderr, "error: {e}");
        2
    })?;
    serde_json::from_slice::<Vec<Service>>(&bytes)
        .or_else(|list_error| {
            serde_json::from_slice::<Service>(&bytes)
                .map(|one| vec![one])
                .map_err(|_| list_error)
        })
        .map_err(|e| {
            let _ = writeln!(
                io.stderr,
                "error: {}: not what `docker service inspect` prints (a JSON array of services)",
                at(path, &e)
            );
            1
        })
}

/// Network names by ID from FILE: the JSON array `docker network inspect` prints (`Id`,
/// `Name`), or an object `{"ID": "name"}`.
pub(crate) fn names(
    path: &str,
    max_bytes: u64,
    io: &mut Io<'_>,
) -> Result<BTreeMap<String, String>, u8> {
    let bytes = read(path, max_bytes, io).map_err(|e| {
        let _ = writeln!(io.stderr, "error: {e}");
        2
    })?;
    let fail = |io: &mut Io<'_>, why: String| {
        let _ = writeln!(
            io.stderr,
            "error: {why}: not what `docker network inspect` prints (a JSON array with Id and Name)"
        );
        1
    };
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| fail(io, at(path, &e)))?;
    let mut out = BTreeMap::new();
    match &value {
        serde_json::Value::Array(list) => {
            for network in list {
                let id = network
                    .get("Id")
                    .or_else(|| network.get("ID"))
                    .and_then(|v| v.as_str());
                let name = network.get("Name").and_then(|v| v.as_str());
                match (id, name) {
                    (Some(id), Some(name)) => {
                        out.insert(id.to_owned(), name.to_owned());
                    }
                    _ => return Err(fail(io, format!("{path}: an entry without Id or Name"))),
                }
            }
        }
        serde_json::Value::Object(map) => {
            for (id, name) in map {
                match name.as_str() {
                    Some(name) => {
                        out.insert(id.clone(), name.to_owned());
                    }
                    None => return Err(fail(io, format!("{path}: {id} is not mapped to a name"))),
                }
            }
        }
        _ => return Err(fail(io, path.to_owned())),
    }
    Ok(out)
}

//! The plan file (`plan --format json`, the API's plan result): the plan with the sha256 of
//! every input the run read and a fingerprint of the core that made it, so a host can refuse
//! a stale or tampered plan ([`verify`]).
//!
//! Inputs are every file read, byte for byte as read: the Compose files, from-files, `.env`,
//! `--env-file`s, `env_file:` files, `extends`/`include` targets, keyed by the name the run
//! gave them (the request's own key, else relative to its working directory).

use super::Plan;
use crate::source::ReadFile;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A hash of the core's sources, fixed when the core was built (`core/build.rs`).
pub const CORE_BUILD_ID: &str = env!("STACKPLAN_CORE_BUILD_ID");

/// A plan with what it was made from.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanFile {
    /// The core's version (`CARGO_PKG_VERSION` of stackplan-core).
    pub stackplan_version: String,
    /// sha256 of the core's version and build id ([`core_fingerprint`]).
    pub core_sha256: String,
    /// The build id behind `core_sha256` (a hash of the core's sources).
    #[serde(default)]
    pub core_build_id: String,
    pub inputs: Vec<InputFile>,
    pub plan: Plan,
}

/// One file a plan was made from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InputFile {
    /// `desired` (read for the `-f` set) or `current` (read for the `--from-file` set). A
    /// file both sets read (`.env`, a shared base file) is listed under each.
    pub role: String,
    /// The file's name as the run knew it.
    pub path: String,
    /// sha256 of the bytes read (hex).
    pub sha256: String,
}

/// sha256 of `bytes`, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The fingerprint of this core: sha256 of its name, version and build id.
pub fn core_fingerprint() -> String {
    sha256_hex(
        format!(
            "stackplan-core {} {CORE_BUILD_ID}",
            env!("CARGO_PKG_VERSION")
        )
        .as_bytes(),
    )
}

/// The input entries for the files one load read (`role`: `desired` or `current`), named by
/// `display`.
pub fn inputs(role: &str, read: &[ReadFile], display: &dyn Fn(&str) -> String) -> Vec<InputFile> {
    read.iter()
        .map(|file| InputFile {
            role: role.to_owned(),
            path: display(&file.path),
            sha256: sha256_hex(&file.bytes),
        })
        .collect()
}

/// Assembles a plan file made by this core.
pub fn build(plan: Plan, inputs: Vec<InputFile>) -> PlanFile {
    PlanFile {
        stackplan_version: env!("CARGO_PKG_VERSION").to_owned(),
        core_sha256: core_fingerprint(),
        core_build_id: CORE_BUILD_ID.to_owned(),
        inputs,
        plan,
    }
}

/// What moved since a plan was made.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Verification {
    /// The plan was made by a different core (version or sources).
    pub core_changed: bool,
    /// Inputs whose bytes are no longer those the plan was made from.
    pub changed: Vec<InputChange>,
}

impl Verification {
    /// Nothing moved: the plan still describes what these inputs would deploy.
    pub fn is_current(&self) -> bool {
        !self.core_changed && self.changed.is_empty()
    }
}

/// One input that moved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InputChange {
    pub role: String,
    pub path: String,
    pub planned_sha256: String,
    /// The hash of the file now, or `None` when it is gone.
    pub current_sha256: Option<String>,
}

/// Compares a plan file with the inputs as they are now (`current`: name → bytes, for the
/// names the plan lists; a name missing from it counts as a deleted file).
pub fn verify(file: &PlanFile, current: &dyn Fn(&str) -> Option<Vec<u8>>) -> Verification {
    let changed = file
        .inputs
        .iter()
        .filter_map(|input| {
            let now = current(&input.path).map(|b| sha256_hex(&b));
            (now.as_deref() != Some(input.sha256.as_str())).then(|| InputChange {
                role: input.role.clone(),
                path: input.path.clone(),
                planned_sha256: input.sha256.clone(),
                current_sha256: now,
            })
        })
        .collect();
    Verification {
        core_changed: file.core_sha256 != core_fingerprint(),
        changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_the_standard_one() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(CORE_BUILD_ID.len(), 64);
    }

    #[test]
    fn verify_names_what_moved() {
        let read = [
            ReadFile {
                path: "/p/a.yml".into(),
                bytes: b"a".to_vec(),
            },
            ReadFile {
                path: "/p/.env".into(),
                bytes: b"TAG=1".to_vec(),
            },
        ];
        let file = build(
            Plan {
                changes: false,
                services: Vec::new(),
                placement: None,
                maintenance: None,
            },
            inputs("desired", &read, &|p| {
                p.trim_start_matches("/p/").to_owned()
            }),
        );
        let same = verify(&file, &|name| match name {
            "a.yml" => Some(b"a".to_vec()),
            ".env" => Some(b"TAG=1".to_vec()),
            _ => None,
        });
        assert!(same.is_current(), "{same:?}");
        let moved = verify(&file, &|name| match name {
            "a.yml" => Some(b"a".to_vec()),
            ".env" => Some(b"TAG=2".to_vec()),
            _ => None,
        });
        assert_eq!(moved.changed.len(), 1);
        assert_eq!(moved.changed[0].path, ".env");
        let gone = verify(&file, &|_| None);
        assert_eq!(gone.changed.len(), 2);
        assert!(gone.changed.iter().all(|c| c.current_sha256.is_none()));
        let mut other_core = file.clone();
        other_core.core_sha256 = sha256_hex(b"another core");
        assert!(verify(&other_core, &|_| None).core_changed);
    }
}

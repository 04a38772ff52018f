//! The `stackplan-probe` test image: the static binary built from `tests/swarm/testapp` and the
//! `FROM scratch` build context around it. Shared by the single-node Swarm tests
//! (`tests/swarm_e2e.rs`, built on the local daemon) and the multi-node test bed
//! (`tests/cluster`, built on one of its own daemons and loaded on every node).

use std::path::{Path, PathBuf};
use std::process::Command;

/// `tests/swarm`: the probe's sources, Dockerfile and compose fixtures.
pub fn swarm_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("swarm")
}

/// Builds the test app as a static binary under `work` and lays out a Docker build context
/// (`work/image`: the Dockerfile and the binary `app`); returns the context directory.
pub fn build_context(work: &Path) -> Result<PathBuf, String> {
    let target_dir = work.join("testapp-target");
    let triple = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    let manifest = swarm_dir().join("testapp/Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(&cargo)
        .args(["build", "--release", "--offline", "--target", &triple])
        .arg("--manifest-path")
        .arg(&manifest)
        .current_dir(swarm_dir().join("testapp"))
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .map_err(|e| format!("cannot run {cargo} for the test app: {e}"))?;
    if !status.success() {
        return Err("building tests/swarm/testapp failed".to_owned());
    }
    let binary = target_dir.join(&triple).join("release/app");
    let bytes = std::fs::read(&binary).map_err(|e| format!("read {}: {e}", binary.display()))?;
    if !is_static_elf(&bytes) {
        return Err(format!(
            "{} is not a static executable (it has an ELF interpreter); a FROM scratch image \
             cannot run it",
            binary.display()
        ));
    }
    let context = work.join("image");
    std::fs::create_dir_all(&context).map_err(|e| format!("create {}: {e}", context.display()))?;
    std::fs::copy(swarm_dir().join("Dockerfile"), context.join("Dockerfile"))
        .map_err(|e| format!("copy the Dockerfile: {e}"))?;
    std::fs::copy(&binary, context.join("app")).map_err(|e| format!("copy the test app: {e}"))?;
    Ok(context)
}

/// True for an ELF executable without a `PT_INTERP` program header (no dynamic loader).
pub fn is_static_elf(bytes: &[u8]) -> bool {
    let u16_at = |o: usize| {
        bytes
            .get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |o: usize| {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let u64_at = |o: usize| {
        bytes
            .get(o..o + 8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    };
    // 64-bit little-endian ELF only (the test app targets x86_64/aarch64 Linux).
    if bytes.get(0..6) != Some(b"\x7fELF\x02\x01") {
        return false;
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38))
    else {
        return false;
    };
    let Ok(phoff) = usize::try_from(phoff) else {
        return false;
    };
    (0..usize::from(phnum)).all(|i| {
        let p_type = u32_at(phoff + i * usize::from(phentsize));
        p_type.is_some() && p_type != Some(3) // PT_INTERP
    })
}

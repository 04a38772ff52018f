//! `stackplan-pre-commit`: the hook behind `.pre-commit-hooks.yaml` (id `stackplan-lint`).
//!
//! pre-commit passes the Compose files a commit touches (all of them with `--all-files`).
//! Override files are fragments: linted alone, `compose.prod.yml` "has neither an image nor a
//! build context". So the hook lints file *sets*, a base with its overrides, as
//! `stackplan -f base -f override lint` would:
//!
//! - sets named in `.stackplan.toml` (found from the file's folder up to the repository root),
//!   paths relative to that file:
//!   ```toml
//!   [pre-commit]
//!   sets = [["deploy/compose.yml", "deploy/prod.yml", "deploy/prod-update.yml"]]
//!   ```
//!   A file in one or more configured sets is linted with each of them;
//! - otherwise by Compose's conventions, in the file's folder: `compose.yaml`, `compose.yml`,
//!   `docker-compose.yaml` or `docker-compose.yml` is the base and is linted with its
//!   `.override` file, as `docker compose` reads them without `-f`; `NAME.ENV.yml`
//!   (`compose.prod.yml`, `docker-compose.staging.yaml`, `docker-stack.prod.yml`) is linted on
//!   top of the base `NAME.yml`/`NAME.yaml`; any other file (`docker-stack.yml`) on its own.
//!
//! Every set is linted once. Arguments that are not existing files (`--deny warnings` given
//! as the hook's `args:`) are passed to `stackplan lint`. Exit status: 0 when every set is
//! clean (or has warnings only), 1 when one has errors, 2 when a set cannot be read.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const BASES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// A file set to lint, as paths to pass to `-f`.
type Set = Vec<PathBuf>;

fn main() -> ExitCode {
    let cwd = match std::env::current_dir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("stackplan-pre-commit: cannot read the current directory: {e}");
            return ExitCode::from(2);
        }
    };
    let (files, lint_args): (Vec<String>, Vec<String>) = std::env::args()
        .skip(1)
        .partition(|a| !a.starts_with('-') && cwd.join(a).is_file());
    let sets = match file_sets(&files, &cwd) {
        Ok(sets) => sets,
        Err(e) => {
            eprintln!("stackplan-pre-commit: {e}");
            return ExitCode::from(2);
        }
    };
    let mut worst = 0u8;
    for set in &sets {
        let mut argv = vec!["stackplan".to_owned()];
        for file in set {
            argv.push("-f".to_owned());
            argv.push(file.to_string_lossy().into_owned());
        }
        argv.push("lint".to_owned());
        argv.extend(lint_args.iter().cloned());
        println!("$ {}", argv.join(" "));
        let status = {
            let mut stdout = std::io::stdout().lock();
            let mut stderr = std::io::stderr().lock();
            let mut io = stackplan::Io {
                env: std::env::vars().collect(),
                cwd: cwd.to_string_lossy().into_owned(),
                stdin: &mut std::io::empty(),
                stdout: &mut stdout,
                stderr: &mut stderr,
                stdout_is_terminal: false,
                stderr_is_terminal: false,
            };
            stackplan::run(argv, &mut io)
        };
        worst = worst.max(status);
    }
    ExitCode::from(worst)
}

/// The sets the given files belong to, each once, in the order the files came.
fn file_sets(files: &[String], cwd: &Path) -> Result<Vec<Set>, String> {
    let mut sets: Vec<Set> = Vec::new();
    let mut configs: Vec<(PathBuf, Vec<Set>)> = Vec::new();
    for file in files {
        let path = PathBuf::from(file);
        let absolute = cwd.join(&path);
        let dir = absolute.parent().unwrap_or(cwd).to_path_buf();
        let configured = match discover_config(&dir) {
            Some(config) => {
                if !configs.iter().any(|(p, _)| *p == config) {
                    let parsed = configured_sets(&config, cwd)?;
                    configs.push((config.clone(), parsed));
                }
                configs
                    .iter()
                    .find(|(p, _)| *p == config)
                    .map(|(_, s)| s.clone())
                    .unwrap_or_default()
            }
            None => Vec::new(),
        };
        let mine: Vec<Set> = configured
            .into_iter()
            .filter(|set| set.iter().any(|f| same_file(&cwd.join(f), &absolute)))
            .collect();
        let found = if mine.is_empty() {
            vec![convention_set(&path, cwd)]
        } else {
            mine
        };
        for set in found {
            if !sets.contains(&set) {
                sets.push(set);
            }
        }
    }
    Ok(sets)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// `.stackplan.toml` from `start` up to the repository root (the folder holding `.git`).
fn discover_config(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(".stackplan.toml");
        if candidate.is_file() {
            return Some(candidate);
        }
        if d.join(".git").exists() {
            return None;
        }
        dir = d.parent();
    }
    None
}

/// `[pre-commit] sets` of a config file, as paths relative to `cwd` when possible.
fn configured_sets(config: &Path, cwd: &Path) -> Result<Vec<Set>, String> {
    let name = config.display();
    let text = std::fs::read_to_string(config).map_err(|e| format!("{name}: {e}"))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .map(|s| 1 + text[..s.start.min(text.len())].matches('\n').count())
            .map(|l| format!(":{l}"))
            .unwrap_or_default();
        format!("{name}{line}: {}", e.message())
    })?;
    let Some(section) = table.get("pre-commit") else {
        return Ok(Vec::new());
    };
    let invalid =
        || format!("{name}: [pre-commit] sets must be a list of lists of file names (strings)");
    let sets = section
        .get("sets")
        .map(|s| s.as_array().ok_or_else(invalid))
        .transpose()?
        .map(Vec::as_slice)
        .unwrap_or_default();
    let base = config.parent().unwrap_or(cwd);
    sets.iter()
        .map(|set| {
            let files = set
                .as_array()
                .filter(|a| !a.is_empty())
                .ok_or_else(invalid)?;
            files
                .iter()
                .map(|f| {
                    let f = f.as_str().ok_or_else(invalid)?;
                    let joined = base.join(f);
                    Ok(joined
                        .strip_prefix(cwd)
                        .map(Path::to_path_buf)
                        .unwrap_or(joined))
                })
                .collect()
        })
        .collect()
}

/// The set a file belongs to by Compose's naming conventions (see the module comment).
fn convention_set(file: &Path, cwd: &Path) -> Set {
    let dir = file.parent().unwrap_or(Path::new(""));
    let exists = |name: &str| cwd.join(dir).join(name).is_file();
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if BASES.contains(&name.as_str()) {
        let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
        let mut set = vec![file.to_path_buf()];
        if let Some(o) = [
            format!("{stem}.override.yaml"),
            format!("{stem}.override.yml"),
        ]
        .into_iter()
        .find(|o| exists(o))
        {
            set.push(dir.join(o));
        }
        return set;
    }
    // NAME.ENV.yml on top of NAME.yml / NAME.yaml.
    let parts: Vec<&str> = name.split('.').collect();
    if parts.len() >= 3 {
        let stem = parts[0];
        let base = ["yaml", "yml"]
            .into_iter()
            .map(|ext| format!("{stem}.{ext}"))
            .find(|b| exists(b));
        if let Some(base) = base {
            let mut set = vec![dir.join(&base)];
            // The base's own override comes first, as `docker compose` would read it.
            let implicit = ["yaml", "yml"]
                .into_iter()
                .map(|ext| format!("{stem}.override.{ext}"))
                .find(|o| exists(o) && *o != name);
            if let (Some(o), true) = (implicit, BASES.contains(&base.as_str())) {
                set.push(dir.join(o));
            }
            set.push(file.to_path_buf());
            return set;
        }
    }
    vec![file.to_path_buf()]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn scratch(files: &[&str]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "stackplan-hook-{}-{}",
            std::process::id(),
            files.join("+").replace('/', "_")
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        for f in files {
            let path = dir.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "services: {}\n").unwrap();
        }
        dir
    }

    fn names(sets: &[Set]) -> Vec<Vec<String>> {
        sets.iter()
            .map(|s| s.iter().map(|p| p.to_string_lossy().into_owned()).collect())
            .collect()
    }

    fn strings(files: &[&str]) -> Vec<String> {
        files.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn overrides_are_linted_on_top_of_their_base() {
        let dir = scratch(&[
            "compose.yml",
            "compose.override.yml",
            "compose.prod.yml",
            "stack/docker-stack.yml",
            "stack/docker-stack.prod.yml",
        ]);
        let sets = file_sets(
            &strings(&[
                "compose.override.yml",
                "compose.prod.yml",
                "compose.yml",
                "stack/docker-stack.yml",
                "stack/docker-stack.prod.yml",
            ]),
            &dir,
        )
        .unwrap();
        assert_eq!(
            names(&sets),
            vec![
                vec!["compose.yml", "compose.override.yml"],
                vec!["compose.yml", "compose.override.yml", "compose.prod.yml"],
                vec!["stack/docker-stack.yml"],
                vec!["stack/docker-stack.yml", "stack/docker-stack.prod.yml"],
            ]
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn configured_sets_win_over_conventions() {
        let dir = scratch(&["deploy/base.yml", "deploy/prod.yml", "deploy/compose.yml"]);
        std::fs::write(
            dir.join(".stackplan.toml"),
            "[lint]\ntarget = \"swarm\"\n[pre-commit]\nsets = [[\"deploy/base.yml\", \"deploy/prod.yml\"]]\n",
        )
        .unwrap();
        let sets = file_sets(
            &strings(&["deploy/prod.yml", "deploy/base.yml", "deploy/compose.yml"]),
            &dir,
        )
        .unwrap();
        assert_eq!(
            names(&sets),
            vec![
                vec!["deploy/base.yml", "deploy/prod.yml"],
                vec!["deploy/compose.yml"]
            ]
        );
        std::fs::write(dir.join(".stackplan.toml"), "[pre-commit]\nsets = \"x\"\n").unwrap();
        let err = file_sets(&strings(&["deploy/prod.yml"]), &dir).unwrap_err();
        assert!(err.contains("[pre-commit] sets must be a list"), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    }
}

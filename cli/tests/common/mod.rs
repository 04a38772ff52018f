//! Shared by the CLI end-to-end tests: run the command line in-process with a controlled
//! environment and working directory, and make scratch projects.

#![allow(dead_code)] // each test file uses its own subset

use indexmap::IndexMap;
use std::path::{Path, PathBuf};

pub use stackplan::Captured as Run;

pub trait Parts {
    fn parts(self) -> (u8, String, String);
}

impl Parts for Run {
    fn parts(self) -> (u8, String, String) {
        (self.status, self.stdout, self.stderr)
    }
}

/// `stackplan ARGS` in `cwd` with exactly `env` as its environment.
pub fn run(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Run {
    let mut argv = vec!["stackplan".to_owned()];
    argv.extend(args.iter().map(|s| (*s).to_owned()));
    run_argv(argv, cwd, env)
}

/// Like [`run`] with the whole argument vector, program name included.
pub fn run_argv(argv: Vec<String>, cwd: &Path, env: &[(&str, &str)]) -> Run {
    let env: IndexMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    stackplan::run_captured(argv, env, &cwd.to_string_lossy())
}

/// A fresh scratch folder with the given files, unique per test process and name.
pub fn project(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stackplan-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    for (file, text) in files {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("scratch sub-folder");
        }
        std::fs::write(path, text).expect("scratch file");
    }
    dir
}

//! Helpers shared by the `lint_*` tests (included with `#[path]`; on its own this target
//! has no tests).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use stackplan_core::lint::{Diagnostic, LintOptions, Severity, Target, lint};
use stackplan_core::loader::{LoadOptions, Loaded, load};
use stackplan_core::source::FileSource;
use std::collections::BTreeMap;

/// Files in memory, by absolute path.
pub struct Files(pub BTreeMap<String, Vec<u8>>);

impl FileSource for Files {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| format!("open {path}: no such file or directory"))
    }
    fn is_file(&self, path: &str) -> bool {
        self.0.contains_key(path)
    }
}

/// Loads `files` (name, text) in order, as `-f a.yml -f b.yml` in `/project`; diagnostics
/// name them as given.
pub fn load_set(files: &[(&str, &str)]) -> Loaded {
    let bytes: Vec<(&str, Vec<u8>)> = files
        .iter()
        .map(|(n, t)| (*n, t.as_bytes().to_vec()))
        .collect();
    load_bytes(&bytes)
}

pub fn load_bytes(files: &[(&str, Vec<u8>)]) -> Loaded {
    let map = files
        .iter()
        .map(|(n, b)| (format!("/project/{n}"), b.clone()))
        .collect();
    let mut opts = LoadOptions::new(
        files.iter().map(|(n, _)| format!("/project/{n}")).collect(),
        "/project".into(),
        "project".into(),
    );
    opts.display_names = files.iter().map(|(n, _)| (*n).to_owned()).collect();
    match load(&opts, &Files(map)) {
        Ok(l) => l,
        Err(e) => panic!("load failed: {} at {:?}", e.error.message, e.error.origin),
    }
}

pub fn swarm() -> LintOptions {
    LintOptions {
        target: Some(Target::Swarm),
        ..LintOptions::default()
    }
}

/// Lints for Swarm with default options.
pub fn lint_swarm(files: &[(&str, &str)]) -> (Loaded, Vec<Diagnostic>) {
    lint_with(files, &swarm())
}

pub fn lint_with(files: &[(&str, &str)], opts: &LintOptions) -> (Loaded, Vec<Diagnostic>) {
    let loaded = load_set(files);
    let diags = lint(&loaded, opts);
    (loaded, diags)
}

/// `(file, line, column)` of a diagnostic.
pub fn position(loaded: &Loaded, d: &Diagnostic) -> Option<(String, u32, u32)> {
    let o = d.origin?;
    Some((
        loaded.sources.get(o.file)?.display_name.clone(),
        o.line,
        o.column,
    ))
}

/// The 1-based line and column of `token` on the first line of `text` that contains `line`.
pub fn find(text: &str, line: &str, token: &str) -> (u32, u32) {
    for (i, l) in text.lines().enumerate() {
        if let Some(start) = l.find(line) {
            let offset = l[start..].find(token).expect("token on the line") + start;
            return (i as u32 + 1, l[..offset].chars().count() as u32 + 1);
        }
    }
    panic!("no line containing {line:?}");
}

/// Asserts that `rule` reported exactly the given findings, as (file, line, column), with
/// `severity`.
pub fn assert_findings(
    loaded: &Loaded,
    diags: &[Diagnostic],
    rule: &str,
    severity: Severity,
    expected: &[(&str, (u32, u32))],
) {
    let got: Vec<(String, u32, u32)> = diags
        .iter()
        .filter(|d| d.rule == rule)
        .map(|d| {
            assert_eq!(d.severity, severity, "{rule} severity: {d:#?}");
            position(loaded, d).unwrap_or_default()
        })
        .collect();
    let want: Vec<(String, u32, u32)> = expected
        .iter()
        .map(|(f, (l, c))| ((*f).to_owned(), *l, *c))
        .collect();
    assert_eq!(got, want, "{rule} findings; all diagnostics: {diags:#?}");
}

pub fn assert_silent(diags: &[Diagnostic], rule: &str) {
    let found: Vec<&Diagnostic> = diags.iter().filter(|d| d.rule == rule).collect();
    assert!(found.is_empty(), "{rule} should be silent: {found:#?}");
}

pub fn ids(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.rule).collect()
}

//! Diagnostics as text: [`human`] (rustc-style snippets), [`json`] (stable, with a JSON
//! Schema), [`sarif`] (SARIF 2.1.0 for code scanning) and [`github`] (workflow commands).
//!
//! Every renderer takes the diagnostics and the [`SourceSet`] of the load, which names the
//! files and holds their text; none does I/O.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use super::diagnostic::{Diagnostic, Severity};
use crate::source::SourceSet;
use crate::tree::Origin;

/// A resolved location: the crate's one [`Location`] type (file name as the user gave it,
/// 1-based positions, end column inclusive).
pub use crate::source::Location;

/// The file name and a sane span for an origin (see [`SourceSet::location`]).
pub fn locate(sources: &SourceSet, origin: &Origin) -> Option<Location> {
    sources.location(origin)
}

/// The text of a 1-based line of a file, without its line break.
pub fn source_line(sources: &SourceSet, file: u32, line: u32) -> Option<&str> {
    let text = &sources.get(file)?.text;
    text.lines().nth(line.checked_sub(1)? as usize)
}

/// Counts per severity: (errors, warnings, infos).
pub fn counts(diagnostics: &[Diagnostic]) -> (usize, usize, usize) {
    let mut c = (0, 0, 0);
    for d in diagnostics {
        match d.severity {
            Severity::Error => c.0 += 1,
            Severity::Warning => c.1 += 1,
            Severity::Info => c.2 += 1,
        }
    }
    c
}

/// `2 errors, 1 warning, 0 infos`-style summary; `no problems found` when empty.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    if diagnostics.is_empty() {
        return "no problems found".to_owned();
    }
    let (e, w, i) = counts(diagnostics);
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}, {}, {}",
        plural(e, "error", "errors"),
        plural(w, "warning", "warnings"),
        plural(i, "info", "infos")
    )
}

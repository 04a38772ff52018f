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

/// A resolved location: file name (as the user gave it) and 1-based positions, with the end
/// column inclusive.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

/// The file name and a sane span for an origin (mapping values carry an empty span that
/// ends before it starts; they become one character wide).
pub fn locate(sources: &SourceSet, origin: &Origin) -> Option<Location> {
    let file = sources.get(origin.file)?;
    let (end_line, end_column) =
        if (origin.end_line, origin.end_column) < (origin.line, origin.column) {
            (origin.line, origin.column)
        } else {
            (origin.end_line, origin.end_column)
        };
    Some(Location {
        file: file.display_name.clone(),
        line: origin.line,
        column: origin.column,
        end_line,
        end_column,
    })
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

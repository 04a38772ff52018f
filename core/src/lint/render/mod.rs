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

/// The text of a 1-based line of a file, without its line break. Scans the file from the top:
/// a renderer that looks up many lines builds one [`SourceLines`] instead.
pub fn source_line(sources: &SourceSet, file: u32, line: u32) -> Option<&str> {
    SourceLines::new(sources).line(file, line)
}

/// The files' lines, indexed once per file on first use, so that looking a line up costs
/// the same wherever it is in the file (renderers look one up per diagnostic).
pub struct SourceLines<'a> {
    sources: &'a SourceSet,
    /// Per file: the byte offset where each line starts.
    starts: Vec<std::cell::OnceCell<Vec<usize>>>,
}

impl<'a> SourceLines<'a> {
    pub fn new(sources: &'a SourceSet) -> Self {
        SourceLines {
            sources,
            starts: (0..sources.len())
                .map(|_| std::cell::OnceCell::new())
                .collect(),
        }
    }

    pub fn sources(&self) -> &'a SourceSet {
        self.sources
    }

    /// The text of a 1-based line of a file, without its line break (`\n` or `\r\n`), as
    /// `str::lines` gives it.
    pub fn line(&self, file: u32, line: u32) -> Option<&'a str> {
        let text = self.sources.get(file)?.text.as_str();
        let starts = self.starts.get(file as usize)?.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(memchr_newlines(text.as_bytes()).map(|i| i + 1));
            // A final line break ends the last line; it starts no new one.
            if starts.last() == Some(&text.len()) {
                starts.pop();
            }
            starts
        });
        let index = line.checked_sub(1)? as usize;
        let start = *starts.get(index)?;
        let end = starts.get(index + 1).map_or(text.len(), |next| next - 1);
        let line = &text[start..end];
        // The last line keeps the file's final line break, if any.
        let line = line.strip_suffix('\n').unwrap_or(line);
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

/// The offsets of every `\n` in `bytes`.
fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter_map(|(i, b)| (*b == b'\n').then_some(i))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_lines_are_the_lines_str_lines_gives() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "a\nb",
            "a\r\nb\r\n",
            "\n\nx\n\n",
            "é\nü ü\n",
        ] {
            let mut sources = SourceSet::default();
            let id = sources.add("f".into(), "/f".into(), text.into());
            let index = SourceLines::new(&sources);
            for n in 0..6u32 {
                let want = n.checked_sub(1).and_then(|i| text.lines().nth(i as usize));
                assert_eq!(index.line(id, n), want, "{text:?} line {n}");
            }
            assert_eq!(index.line(id + 1, 1), None);
        }
    }
}

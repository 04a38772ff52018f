#![doc = include_str!("load_error.md")]

use crate::lint::context::LintContext;
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity};
use crate::source::SourceSet;
use crate::tree::Origin;

pub static RULE: Rule = Rule {
    id: "SP099",
    name: "load-error",
    family: Family::Schema,
    severity: Severity::Error,
    applies: Applies::Always,
    summary: "The files cannot be loaded (syntax, schema or a missing file)",
    doc: include_str!("load_error.md"),
    check,
};

/// Reported by the API when loading fails (`api/ops.rs`), so that the machine formats still
/// print a report; a project that loaded has nothing to check.
fn check(_: &LintContext<'_>, _: &mut Vec<Diagnostic>) {}

/// The load error as the one diagnostic of a report, with the [`SourceSet`] it points into:
/// the failing file's display name, absolute path and text (for the snippet), when the error
/// has a place.
pub fn diagnostic(
    message: &str,
    place: Option<(&str, &str, &str, crate::source::Location)>,
) -> (Diagnostic, SourceSet) {
    let mut sources = SourceSet::default();
    let origin = place.map(|(name, path, text, loc)| {
        let file = sources.add(name.to_owned(), path.to_owned(), text.to_owned());
        Origin {
            file,
            line: loc.line,
            column: loc.column,
            end_line: loc.end_line,
            end_column: loc.end_column,
        }
    });
    let d = Diagnostic::new(&RULE, origin, message.to_owned())
        .help("nothing was linted: fix this first (`stackplan config` shows the same error)");
    (d, sources)
}

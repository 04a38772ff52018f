//! GitHub Actions workflow commands: one `::error|warning|notice file=...::message` line per
//! diagnostic, which the runner turns into annotations on the pull request.
//!
//! Escaping follows the runner (`actions/toolkit` `core/src/command.ts`): in the message
//! `%`, `\r`, `\n` become `%25`, `%0D`, `%0A`; in property values also `:` → `%3A` and
//! `,` → `%2C`.

use super::locate;
use crate::lint::diagnostic::{Diagnostic, Severity};
use crate::source::SourceSet;
use std::fmt::Write;

/// Escapes a message (the text after `::`).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(diagnostics: &[Diagnostic], sources: &SourceSet) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(loc) = d.origin.and_then(|o| locate(sources, &o)) {
            props.push(format!("file={}", escape_property(&loc.file)));
            props.push(format!("line={}", loc.line));
            props.push(format!("col={}", loc.column));
            props.push(format!("endLine={}", loc.end_line));
            props.push(format!("endColumn={}", loc.end_column));
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("{} {}", d.rule, d.name))
        ));
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\n\nhelp: ");
            message.push_str(help);
        }
        if let Some(fix) = &d.fix {
            message.push_str("\nfix: ");
            message.push_str(&fix.description);
        }
        let _ = writeln!(
            out,
            "::{command} {}::{}",
            props.join(","),
            escape_data(&message)
        );
    }
    out
}

//! rustc-style text: a header, the location, the source line with the span underlined,
//! related locations, and `= help:` / `= fix:` notes. Colours (ANSI) are optional; the
//! caller decides (terminal, `NO_COLOR`).
//!
//! ```text
//! warning[SP108]: `rollback_config.monitor: 0s` is not zero: ...
//!   --> prod-rollback-config.yml:8:18
//!    |
//!  8 |         monitor: 0s
//!    |                  ^^
//!    |
//!    = help: ...
//!    = fix: write the 5s Swarm uses
//! ```

use super::{Location, SourceLines, locate, summary};
use crate::lint::diagnostic::{Diagnostic, Severity};
use crate::source::SourceSet;
use std::fmt::Write;

#[derive(Clone, Copy, Debug, Default)]
pub struct HumanOptions {
    /// ANSI colours.
    pub color: bool,
    /// End with a `N errors, M warnings, K infos` line.
    pub summary: bool,
}

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn severity(&self, s: Severity) -> &'static str {
        match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        }
    }
}

const GUTTER: &str = "1;34";
const BOLD: &str = "1";

/// Renders all diagnostics, separated by blank lines.
pub fn render(diagnostics: &[Diagnostic], sources: &SourceSet, opts: HumanOptions) -> String {
    let mut out = String::new();
    let lines = SourceLines::new(sources);
    for d in diagnostics {
        write_one(&mut out, d, &lines, opts);
        out.push('\n');
    }
    if opts.summary {
        let style = Style { on: opts.color };
        let _ = writeln!(out, "{}", style.paint(BOLD, &summary(diagnostics)));
    }
    out
}

/// Renders one diagnostic (ending with a newline).
pub fn render_one(out: &mut String, d: &Diagnostic, sources: &SourceSet, opts: HumanOptions) {
    write_one(out, d, &SourceLines::new(sources), opts);
}

fn write_one(out: &mut String, d: &Diagnostic, lines: &SourceLines<'_>, opts: HumanOptions) {
    let sources = lines.sources();
    let style = Style { on: opts.color };
    let sev = style.severity(d.severity);
    let _ = writeln!(
        out,
        "{}{}",
        style.paint(sev, &format!("{}[{}]", d.severity.as_str(), d.rule)),
        style.paint(BOLD, &format!(": {}", d.message))
    );
    let primary = d
        .origin
        .and_then(|o| locate(sources, &o).map(|l| (o.file, l)));
    let related: Vec<(u32, Location, &str)> = d
        .related
        .iter()
        .filter_map(|r| {
            let o = r.origin?;
            locate(sources, &o).map(|l| (o.file, l, r.message.as_str()))
        })
        .collect();
    let width = primary
        .iter()
        .map(|(_, l)| l.line)
        .chain(related.iter().map(|(_, l, _)| l.line))
        .max()
        .map_or(1, |n| n.to_string().len());
    let pad = " ".repeat(width);
    let bar = style.paint(GUTTER, "|");
    let mut wrote_snippet = false;
    if let Some((file, loc)) = &primary {
        let _ = writeln!(
            out,
            "{pad}{} {}:{}:{}",
            style.paint(GUTTER, "-->"),
            loc.file,
            loc.line,
            loc.column
        );
        snippet(out, lines, *file, loc, '^', "", sev, &style, width);
        wrote_snippet = true;
    }
    for (file, loc, message) in &related {
        let _ = writeln!(
            out,
            "{pad}{} {}:{}:{}",
            style.paint(GUTTER, ":::"),
            loc.file,
            loc.line,
            loc.column
        );
        snippet(out, lines, *file, loc, '-', message, GUTTER, &style, width);
        wrote_snippet = true;
    }
    let notes: Vec<(&str, &str)> = d
        .help
        .iter()
        .map(|h| ("help", h.as_str()))
        .chain(d.fix.iter().map(|f| ("fix", f.description.as_str())))
        .collect();
    if !notes.is_empty() && wrote_snippet {
        let _ = writeln!(out, "{pad} {bar}");
    }
    for (label, text) in notes {
        let _ = writeln!(
            out,
            "{pad} {} {}: {text}",
            style.paint(GUTTER, "="),
            style.paint(BOLD, label)
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn snippet(
    out: &mut String,
    lines: &SourceLines<'_>,
    file: u32,
    loc: &Location,
    mark: char,
    label: &str,
    mark_style: &str,
    style: &Style,
    width: usize,
) {
    let pad = " ".repeat(width);
    let bar = style.paint(GUTTER, "|");
    let _ = writeln!(out, "{pad} {bar}");
    let Some(text) = lines.line(file, loc.line) else {
        return;
    };
    let _ = writeln!(
        out,
        "{} {bar} {text}",
        style.paint(GUTTER, &format!("{:>width$}", loc.line))
    );
    let start = loc.column.max(1) as usize - 1;
    let chars: Vec<char> = text.chars().collect();
    let prefix: String = chars
        .iter()
        .take(start)
        .map(|c| if *c == '\t' { '\t' } else { ' ' })
        .collect();
    let len = if loc.end_line == loc.line {
        (loc.end_column as usize + 1).saturating_sub(loc.column as usize)
    } else {
        chars.len().saturating_sub(start)
    }
    .max(1);
    let marks: String = std::iter::repeat_n(mark, len).collect();
    let tail = if label.is_empty() {
        String::new()
    } else {
        format!(" {label}")
    };
    let _ = writeln!(
        out,
        "{pad} {bar} {prefix}{}",
        style.paint(mark_style, &format!("{marks}{tail}"))
    );
}

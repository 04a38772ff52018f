#![doc = include_str!("obsolete_version.md")]

use crate::lint::context::LintContext;
use crate::lint::{Applies, Diagnostic, Family, Rule, Severity, Target};
use crate::tree::Origin;

pub static RULE: Rule = Rule {
    id: "SP301",
    name: "obsolete-version",
    family: Family::Hygiene,
    severity: Severity::Warning,
    applies: Applies::Always,
    summary: "the top-level version is obsolete",
    doc: include_str!("obsolete_version.md"),
    check,
};

fn check(cx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
    for warning in &cx.loaded.warnings {
        if !warning
            .message
            .contains("the attribute `version` is obsolete")
        {
            continue;
        }
        let Some(value) = warning.origin.filter(|o| !o.is_synthetic()) else {
            continue;
        };
        let origin = with_key(cx, value);
        let text = cx
            .sources()
            .get(value.file)
            .and_then(|f| f.text.lines().nth(value.line as usize - 1))
            .map(|line| {
                line.chars()
                    .skip(value.column as usize - 1)
                    .take((value.end_column + 1).saturating_sub(value.column) as usize)
                    .collect::<String>()
            })
            .unwrap_or_default();
        let message = match cx.target {
            Target::Swarm => format!(
                "`version: {text}` is obsolete: Compose ignores it, and for `docker stack deploy` it only pins this file to an older format (which every `-c` file must share)"
            ),
            Target::Compose => format!("`version: {text}` is obsolete: Compose ignores it"),
        };
        out.push(
            Diagnostic::new(&RULE, Some(origin), message)
                .help("remove `version` from every file at once: a file without it is read as the newest format (3.13), and `docker stack deploy` refuses files with different versions")
                .replace("remove the `version` line", Some(origin), ""),
        );
    }
}

/// Widens the origin of the `version` value to start at its key on the same line.
fn with_key(cx: &LintContext<'_>, value: Origin) -> Origin {
    let line = cx
        .sources()
        .get(value.file)
        .and_then(|f| f.text.lines().nth(value.line as usize - 1));
    match line.and_then(|l| l.find("version").map(|i| (l, i))) {
        Some((l, i)) if (l[..i].chars().count() as u32) < value.column => Origin {
            column: l[..i].chars().count() as u32 + 1,
            ..value
        },
        _ => value,
    }
}

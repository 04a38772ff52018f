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
        // Before docker CLI 23.0 a file without `version` is read as 1.0, which
        // `docker stack deploy` refuses: there the key is still needed.
        if cx.target == Target::Swarm && !cx.engine_at_least(23, 0) {
            let (major, minor) = cx.options.engine_version;
            out.push(
                Diagnostic::new(
                    &RULE,
                    Some(origin),
                    format!(
                        "`version: {text}` is obsolete for Compose, but keep it while stacks are deployed with docker {major}.{minor}: before docker CLI 23.0 a file without `version` is read as 1.0 and `docker stack deploy` refuses it (`unsupported Compose file version: 1.0`)"
                    ),
                )
                .severity(Severity::Info)
                .help("remove `version` from every file at once when every client that runs `docker stack deploy` is 23.0 or newer (option `engine-version`)"),
            );
            continue;
        }
        let message = match cx.target {
            Target::Swarm => format!(
                "`version: {text}` is obsolete: Compose ignores it, and for `docker stack deploy` it only pins this file to an older format (which every `-c` file must share)"
            ),
            Target::Compose => format!("`version: {text}` is obsolete: Compose ignores it"),
        };
        let help = match cx.target {
            Target::Swarm => {
                "remove `version` from every file at once: docker CLI 23.0 and newer read a file without it as the newest format (3.13), and `docker stack deploy` refuses files with different versions; older clients read it as 1.0 and refuse it (set `engine-version` below 23 if you deploy with one)"
            }
            Target::Compose => {
                "remove `version` from every file; Compose v2 reads every file as the newest format"
            }
        };
        out.push(
            Diagnostic::new(&RULE, Some(origin), message)
                .help(help)
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
